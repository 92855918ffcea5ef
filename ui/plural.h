#pragma once
// "1 image", "3 images": counts in messages read as English without a translation catalogue
// (Qt's "%n image(s)" needs one to lose its "(s)").
#include <QCoreApplication>
#include <QString>

namespace hoi::ui {

inline QString counted(qint64 n, const char* one, const char* many) {
    return QStringLiteral("%1 %2").arg(n).arg(QCoreApplication::translate("hoi::ui", n == 1 ? one : many));
}

} // namespace hoi::ui
