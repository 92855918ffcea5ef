// TrainingController without a window: without the engine (and its CLIP model) Train on Reviewed
// Images says so and neither saves the project, asks for a file nor opens the progress dialog.
// A training itself (the project saved first, the dialog, Cancel): tst_adaptive_review's
// trainOnReviewedSavesTheHead and cancelTraining, through the window.
#include <QSignalSpy>
#include <QWidget>
#include <QtTest/QtTest>

#include "project_saver.h"
#include "training_controller.h"
#include "workspace_parts.h"

using namespace hoi::ui;

class TestTrainingController : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void needsTheClipModel() {
        hoi::test::WorkspaceParts p; // no engine
        ProjectSaver saver(&p.ws, &p.session);
        int chosen = 0;
        saver.setHooks({nullptr, [&] { ++chosen; return QString(); }});
        QWidget parent;
        TrainingController training(&p.analysis, &p.session, &saver, &parent, 1);
        QSignalSpy errors(&training, &TrainingController::error);
        QVERIFY(!training.train());
        QCOMPARE(errors.count(), 1);
        QCOMPARE(errors.last().at(0).toString(), QStringLiteral("Train on Reviewed Images"));
        QCOMPARE(errors.last().at(1).toString(), QStringLiteral("Training needs the CLIP model."));
        QCOMPARE(errors.last().at(2).toBool(), true);
        QCOMPARE(chosen, 0);
        QVERIFY(!training.dialog());
        QVERIFY(!p.analysis.busy());
    }
};

QTEST_MAIN(TestTrainingController)
#include "tst_training_controller.moc"
