#include "banner.h"

#include <QHBoxLayout>
#include <QLabel>

#include "icons.h"

namespace hoi::ui {

Banner::Banner(QWidget* parent) : QFrame(parent) {
    setObjectName(QStringLiteral("banner"));
    auto* bl = new QHBoxLayout(this);
    bl->setContentsMargins(10, 6, 10, 6);
    auto* bannerIcon = new QLabel(this);
    bannerIcon->setPixmap(icon("warning").pixmap(18, 18));
    bl->addWidget(bannerIcon);
    label_ = new QLabel(this);
    label_->setObjectName(QStringLiteral("bannerText"));
    label_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    label_->setWordWrap(true);
    bl->addWidget(label_, 1);
    setStyleSheet(QStringLiteral("#banner { background: #4a3b12; } #banner QLabel { color: #ffe08a; }"));
    hide();
}

void Banner::showMessage(const QString& html) {
    label_->setText(html);
    show();
}

QString Banner::text() const { return label_->text(); }

} // namespace hoi::ui
