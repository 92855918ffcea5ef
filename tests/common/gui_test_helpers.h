#pragma once
// Header-only helpers for the GUI's unit tests: settings of the test's own, and answering a modal
// dialog that the code under test opens (its exec() blocks the test).
#include <QApplication>
#include <QSettings>
#include <QStandardPaths>
#include <QTimer>
#include <functional>

namespace hoi::test {

// The test's own QSettings (Qt's test mode, an application name of its own), emptied (call it in init()).
inline void use_test_settings(const QString& application) {
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("hoi-test"));
    QCoreApplication::setApplicationName(application);
    QSettings().clear();
}

// Calls fn with the next modal Dialog once it is shown.
template <class Dialog>
void answer_modal(std::function<void(Dialog*)> fn) {
    auto* timer = new QTimer;
    timer->setInterval(10);
    QObject::connect(timer, &QTimer::timeout, [timer, fn] {
        if (auto* dlg = qobject_cast<Dialog*>(QApplication::activeModalWidget())) {
            timer->stop();
            timer->deleteLater();
            fn(dlg);
        }
    });
    timer->start();
}

} // namespace hoi::test
