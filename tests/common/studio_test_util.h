#pragma once
// Helpers for tests that drive the real MainWindow.
#include <QElapsedTimer>
#include <QTimer>
#include <QtTest/QtTest>

#include "main_window.h"
#include "test_util.h"

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

// The options of a journey test: no settings, no questions on close, untitled sessions discarded,
// autosave every 50 ms, the fetched detector models and the given CLIP model, no text cache.
inline hoi::ui::MainWindow::Options journeyOptions(const QString& clip, bool loadModels = true) {
    hoi::ui::MainWindow::Options o;
    o.useSettings = false;
    o.askOnClose = false;
    o.loadModels = loadModels;
    o.engineOverride = true;
    o.engine.models_dir = models_dir();
    o.engine.clip_path = clip.toStdString();
    o.engine.text_cache_dir = "off";
    o.recovery = hoi::ui::MainWindow::RecoveryPolicy::Discard;
    o.autosaveMs = 50;
    return o;
}

// Shows the window at 1400 x 900 and makes it active (keys go to it); false when that fails.
inline bool showActive(hoi::ui::MainWindow& w) {
    w.resize(1400, 900);
    w.show();
    if (!QTest::qWaitForWindowExposed(&w)) return false;
    w.activateWindow();
    return QTest::qWaitForWindowActive(&w);
}

} // namespace hoi::test
