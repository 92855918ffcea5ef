// TrainingController without a window: without the engine (and its CLIP model) Train on Reviewed
// Images says so and neither saves the project, asks for a file nor opens the progress dialog.
// A training itself (the project saved first, the dialog, Cancel): tst_adaptive_review's
// trainOnReviewedSavesTheHead and cancelTraining, through the window.
#include <QSignalSpy>
#include <QWidget>
#include <QtTest/QtTest>

#include "analysis_controller.h"
#include "project_saver.h"
#include "project_session.h"
#include "selection_model.h"
#include "training_controller.h"
#include "workspace.h"

using namespace hoi::ui;

class TestTrainingController : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void needsTheClipModel() {
        Workspace ws;
        ProjectSession session(&ws, {false, 60000, ProjectSession::RecoveryPolicy::Discard});
        SelectionModel sel(&ws);
        InferenceThread thread; // never started: no engine
        AnalysisController analysis(&ws, &sel, thread.worker());
        ProjectSaver saver(&ws, &session);
        int chosen = 0;
        saver.setHooks({nullptr, [&] { ++chosen; return QString(); }});
        QWidget parent;
        TrainingController training(&analysis, &session, &saver, &parent, 1);
        QSignalSpy errors(&training, &TrainingController::error);
        QVERIFY(!training.train());
        QCOMPARE(errors.count(), 1);
        QCOMPARE(errors.last().at(0).toString(), QStringLiteral("Train on Reviewed Images"));
        QCOMPARE(errors.last().at(1).toString(), QStringLiteral("Training needs the CLIP model."));
        QCOMPARE(errors.last().at(2).toBool(), true);
        QCOMPARE(chosen, 0);
        QVERIFY(!training.dialog());
        QVERIFY(!analysis.busy());
    }
};

QTEST_MAIN(TestTrainingController)
#include "tst_training_controller.moc"
