#pragma once
// Helpers for tests that drive the real MainWindow.
#include <QElapsedTimer>
#include <QTimer>
#include <QtTest/QtTest>

#include "main_window.h"

namespace hoi::test {

// Runs the event loop until the window has no job queued or running and its image is shown.
inline bool waitIdle(hoi::ui::MainWindow& w, int timeoutMs = 300000) {
    bool idle = false;
    QTimer::singleShot(0, &w, [&] { w.whenIdle([&] { idle = true; }); });
    QElapsedTimer t;
    t.start();
    while (!idle && t.elapsed() < timeoutMs) QTest::qWait(20);
    return idle;
}

} // namespace hoi::test
