// TrainingDialog without a window: the feature pass, then epochs and steps with their losses on
// the curve (every step, and each epoch's mean once complete), the progress over all steps, the
// time left; Cancel asks once and says so; the end shows what happened and Close; a new training
// starts a new curve.
#include <QLabel>
#include <QLineSeries>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QValueAxis>
#include <QtTest/QtTest>

#include "training_dialog.h"

using namespace hoi::ui;

class TestTrainingDialog : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void curveProgressAndEnd() {
        TrainingDialog d;
        d.start();
        d.show();
        QVERIFY(d.running() && !d.isModal());
        QVERIFY(d.cancelButton()->isVisible() && !d.closeButton()->isVisible());
        d.addStep("features", 0, 0, 2, 5, 0, 3.0);
        QVERIFY2(d.stageLabel()->text().contains(QLatin1String("image 2 of 5")), qPrintable(d.stageLabel()->text()));
        QCOMPARE(d.progressBar()->value(), 2);
        QCOMPARE(d.progressBar()->maximum(), 5);
        QCOMPARE(d.etaLabel()->text(), QStringLiteral("About 3 s left"));
        QCOMPARE(d.stepLoss()->count(), 0);
        // Two epochs of three steps.
        const double loss[2][3] = {{0.9, 0.7, 0.5}, {0.4, 0.3, 0.2}};
        for (int e = 1; e <= 2; ++e)
            for (int s = 1; s <= 3; ++s) {
                d.addStep("train", e, 2, s, 3, loss[e - 1][s - 1], e == 1 && s == 1 ? -1 : 75.0);
                QCOMPARE(d.progressBar()->value(), (e - 1) * 3 + s);
                QCOMPARE(d.progressBar()->maximum(), 6);
                QCOMPARE(d.epochLoss()->count(), s == 3 ? e : e - 1);
            }
        QCOMPARE(d.stepLoss()->count(), 6);
        QCOMPARE(d.stepLoss()->at(0), QPointF(1.0 / 3, 0.9));
        QCOMPARE(d.stepLoss()->at(5), QPointF(2, 0.2));
        QCOMPARE(d.epochLoss()->at(0).y(), (0.9 + 0.7 + 0.5) / 3);
        QCOMPARE(d.epochLoss()->at(1), QPointF(2, 0.3));
        QVERIFY2(d.stageLabel()->text().contains(QStringLiteral("Epoch 2 of 2, step 3 of 3 · loss 0.2000")),
                 qPrintable(d.stageLabel()->text()));
        QCOMPARE(d.etaLabel()->text(), QStringLiteral("About 1 min 15 s left"));
        // The epoch axis labels whole epochs only ("%d" on a tick at 1.5 would read "1").
        QCOMPARE(d.epochAxis()->max(), 2.0);
        QCOMPARE(d.epochAxis()->tickType(), QValueAxis::TicksDynamic);
        QCOMPARE(d.epochAxis()->tickAnchor(), 0.0);
        QCOMPARE(d.epochAxis()->tickInterval(), 1.0);

        d.finish(true, false, "Trained on 5 images (7 positives) for 2 epochs: h.safetensors");
        QVERIFY(!d.running());
        QCOMPARE(d.stageLabel()->text(), QStringLiteral("Trained on 5 images (7 positives) for 2 epochs: h.safetensors"));
        QVERIFY(d.etaLabel()->text().isEmpty());
        QVERIFY(!d.cancelButton()->isVisible() && d.closeButton()->isVisible());
        QCOMPARE(d.epochLoss()->count(), 2); // finishing does not add the epoch twice
        d.addStep("train", 3, 3, 1, 3, 0.1, 1); // a late report after the end is ignored
        QCOMPARE(d.stepLoss()->count(), 6);
        QTest::mouseClick(d.closeButton(), Qt::LeftButton);
        QVERIFY(!d.isVisible());

        // A new training: a new curve.
        d.start();
        QVERIFY(d.running());
        QCOMPARE(d.stepLoss()->count(), 0);
        QCOMPARE(d.epochLoss()->count(), 0);
        QCOMPARE(d.epochAxis()->max(), 1.0);
        d.addStep("train", 12, 40, 1, 3, 0.5, 1); // a long run: a tick every 3 epochs
        QCOMPARE(d.epochAxis()->max(), 12.0);
        QCOMPARE(d.epochAxis()->tickInterval(), 3.0);
    }

    void cancelAsksOnce() {
        TrainingDialog d;
        d.start();
        d.show();
        QSignalSpy spy(&d, &TrainingDialog::cancelRequested);
        d.addStep("train", 1, 10, 1, 4, 0.5, 20);
        QTest::mouseClick(d.cancelButton(), Qt::LeftButton);
        QCOMPARE(spy.count(), 1);
        QVERIFY(!d.cancelButton()->isEnabled()); // no second request while it stops
        d.finish(false, true, "Training cancelled.");
        QVERIFY(d.stageLabel()->text().contains(QLatin1String("cancelled")));
        QCOMPARE(d.epochLoss()->count(), 1); // the partial epoch's mean stays on the curve
        d.start();
        QVERIFY(d.cancelButton()->isEnabled());
        d.finish(false, false, "no positive relation");
        QCOMPARE(d.stageLabel()->text(), QStringLiteral("Training failed: no positive relation"));
    }
};

QTEST_MAIN(TestTrainingDialog)
#include "tst_training_dialog.moc"
