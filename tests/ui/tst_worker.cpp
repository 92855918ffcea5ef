// InferenceWorker on its own thread with the real detector: progress and results arrive as
// signals, a bad image is reported and skipped while the batch goes on, Cancel stops a batch, and
// the GUI thread stays responsive (a QTimer probe measures the event-loop latency; the worst
// figure is printed, not asserted).
#include <QElapsedTimer>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include "inference_worker.h"
#include "test_util.h"

using namespace hoi::ui;

class TestWorker : public QObject {
    Q_OBJECT
    InferenceThread* thread_ = nullptr;

    InferenceWorker* worker() { return thread_->worker(); }

    // Loads the engine (detector only), waiting for engineReady.
    bool load() {
        hoi::model::EngineOptions o;
        o.models_dir = hoi::test::models_dir();
        QSignalSpy ready(worker(), &InferenceWorker::engineReady);
        QSignalSpy failed(worker(), &InferenceWorker::engineFailed);
        QSignalSpy finished(worker(), &InferenceWorker::jobFinished);
        worker()->submitLoad(o);
        for (int i = 0; i < 3000 && finished.isEmpty(); ++i) finished.wait(100);
        if (!failed.isEmpty()) qWarning("%s", qPrintable(failed.first().first().toString()));
        return !ready.isEmpty();
    }

private Q_SLOTS:
    void initTestCase() {
        HOI_REQUIRE_FILE(hoi::test::models_dir() + "/nanodet.json");
        thread_ = new InferenceThread;
        QVERIFY(load());
    }
    void cleanupTestCase() { delete thread_; }

    void analysesOffTheGuiThreadWithProgress() {
        const QString img = QString::fromStdString(hoi::test::samples_dir() + "/person.jpg");
        QSignalSpy progress(worker(), &InferenceWorker::progress);
        QSignalSpy done(worker(), &InferenceWorker::imageAnalysed);
        QSignalSpy finished(worker(), &InferenceWorker::jobFinished);
        QThread* resultThread = nullptr;
        QObject scope; // the lambdas below capture locals: disconnect them when the test returns
        connect(worker(), &InferenceWorker::imageAnalysed, &scope, [&] { resultThread = QThread::currentThread(); });
        // Event-loop probe: a 5 ms timer; the largest gap between two ticks is the worst latency.
        QElapsedTimer clock;
        qint64 last = 0, worst = 0;
        QTimer probe;
        probe.setInterval(5);
        connect(&probe, &QTimer::timeout, &scope, [&] {
            const qint64 now = clock.nsecsElapsed();
            if (last) worst = std::max(worst, now - last);
            last = now;
        });
        clock.start();
        probe.start();
        const int job = worker()->submitAnalyse({AnalyseItem{1, img, nullptr}, AnalyseItem{2, QString::fromStdString(hoi::test::samples_dir() + "/messi5.jpg"), nullptr}}, hoi::model::PromptParser::instance().parse_all({"ride horse"}));
        QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), 300000);
        probe.stop();
        QCOMPARE(finished.first().at(0).toInt(), job);
        QCOMPARE(finished.first().at(1).toBool(), false);
        QCOMPARE(done.count(), 2);
        QCOMPARE(resultThread, QThread::currentThread()); // delivered to the GUI thread
        const auto analysis = done.first().at(2).value<AnalysisPtr>();
        QVERIFY(analysis);
        QVERIFY(!analysis->detections.empty());
        bool person = false;
        for (const auto& d : analysis->detections) person |= d.class_id == 0;
        QVERIFY(person);
        QVERIFY(!progress.isEmpty());
        QStringList stages;
        for (const auto& p : progress) stages << p.at(1).toString();
        // A batch's progress is throttled (at most one signal per kProgressIntervalMs); its last
        // "done" always arrives. One image reports every stage.
        QVERIFY2(stages.contains("load") && stages.last() == "done", qPrintable(stages.join(',')));
        QCOMPARE(progress.last().at(3).toInt(), 2);
        progress.clear();
        finished.clear();
        worker()->submitAnalyse({AnalyseItem{3, img, nullptr}}, hoi::model::PromptParser::instance().parse_all({"ride horse"}));
        QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), 300000);
        stages.clear();
        for (const auto& p : progress) stages << p.at(1).toString();
        QVERIFY2(stages.contains("classify"), qPrintable(stages.join(QLatin1Char(',')))); // cached: no "detect"
        std::printf("event-loop latency during analysis: worst %.1f ms over %.1f s (probe interval 5 ms)\n",
                    double(worst) / 1e6, double(clock.nsecsElapsed()) / 1e9);
        QTest::qWait(1);
    }

    void badImageIsSkippedAndTheBatchGoesOn() {
        QTemporaryDir dir;
        const QString bad = dir.filePath("broken.jpg");
        QFile f(bad);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("\xff\xd8\xff\xe0 not really a jpeg");
        f.close();
        const QString good = QString::fromStdString(hoi::test::samples_dir() + "/dog.jpg");
        QSignalSpy failed(worker(), &InferenceWorker::imageFailed);
        QSignalSpy done(worker(), &InferenceWorker::imageAnalysed);
        QSignalSpy finished(worker(), &InferenceWorker::jobFinished);
        worker()->submitAnalyse({AnalyseItem{7, bad, nullptr}, AnalyseItem{8, good, nullptr}}, {});
        QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), 300000);
        QCOMPARE(failed.count(), 1);
        QCOMPARE(failed.first().at(1).toLongLong(), qint64(7));
        const QString message = failed.first().at(2).toString();
        QVERIFY2(message.contains("broken.jpg"), qPrintable(message)); // names the file
        QCOMPARE(done.count(), 1);
        QCOMPARE(done.first().at(1).toLongLong(), qint64(8));
    }

    void cancelStopsABatch() {
        QList<AnalyseItem> items;
        const char* names[] = {"person.jpg", "messi5.jpg", "dog.jpg", "kite.jpg", "basketball1.png", "basketball2.png"};
        for (int round = 0; round < 3; ++round)
            for (const char* n : names)
                items << AnalyseItem{qint64(items.size() + 1), QString::fromStdString(hoi::test::samples_dir() + "/" + n), nullptr};
        QSignalSpy done(worker(), &InferenceWorker::imageAnalysed);
        QSignalSpy finished(worker(), &InferenceWorker::jobFinished);
        QSignalSpy started(worker(), &InferenceWorker::jobStarted);
        const int job = worker()->submitAnalyse(items, {});
        // A queued job submitted before cancel() is dropped too.
        const int queued = worker()->submitAnalyse({items.first()}, {});
        QTRY_VERIFY_WITH_TIMEOUT(!started.isEmpty(), 60000);
        worker()->cancel();
        QTRY_VERIFY_WITH_TIMEOUT(finished.count() == 2, 300000);
        QCOMPARE(finished.at(0).at(0).toInt(), job);
        QCOMPARE(finished.at(0).at(1).toBool(), true);
        QCOMPARE(finished.at(1).at(0).toInt(), queued);
        QCOMPARE(finished.at(1).at(1).toBool(), true);
        QVERIFY2(done.count() < items.size(), qPrintable(QString::number(done.count())));
        QVERIFY(!worker()->busy());
        // The worker still works afterwards.
        finished.clear();
        worker()->submitAnalyse({items.first()}, {});
        QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), 300000);
        QCOMPARE(finished.first().at(1).toBool(), false);
    }

    void resultWindowHoldsABatchUntilConsumed() {
        // 30 names for one image: after the first, every result comes from the cache at once.
        QList<AnalyseItem> items;
        const QString img = QString::fromStdString(hoi::test::samples_dir() + "/dog.jpg");
        for (int i = 0; i < 30; ++i) items << AnalyseItem{qint64(i + 1), img, nullptr};
        QSignalSpy done(worker(), &InferenceWorker::imageAnalysed);
        QSignalSpy finished(worker(), &InferenceWorker::jobFinished);
        QSignalSpy progress(worker(), &InferenceWorker::progress);
        worker()->setResultWindow(3);
        const int job = worker()->submitAnalyse(items, {});
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 3, 60000);
        QTest::qWait(500); // nothing consumed: the batch waits
        QCOMPARE(done.count(), 3);
        worker()->resultConsumed();
        QTRY_COMPARE_WITH_TIMEOUT(done.count(), 4, 10000);
        QTest::qWait(300);
        QCOMPARE(done.count(), 4);
        worker()->cancel(); // a waiting batch stops at once
        QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty(), 10000);
        QCOMPARE(finished.first().at(0).toInt(), job);
        QCOMPARE(finished.first().at(1).toBool(), true);
        QCOMPARE(done.count(), 4);
        // Progress is throttled: a few signals per image at most, not one per stage.
        QVERIFY2(progress.count() <= 4 * 3, qPrintable(QString::number(progress.count())));
        worker()->setResultWindow(0);
    }
};

QTEST_MAIN(TestWorker)
#include "tst_worker.moc"
