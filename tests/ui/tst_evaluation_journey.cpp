// Journey through the real MainWindow: Analysis ▸ Evaluate… opens the evaluation dialog; a HICO-DET
// file evaluated against the project lists the project's misses, and activating one shows that
// image in the main window.
#include <QtTest/QtTest>
#include <QtWidgets>

#include "evaluation_class_model.h"
#include "evaluation_dialog.h"
#include "io/atomic_file.h"
#include "main_window.h"
#include "workspace.h"

#include <nlohmann/json.hpp>

using namespace hoi::ui;
using nlohmann::json;

class TestEvaluationJourney : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void analysisMenuOpensTheEvaluation() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::string d = dir.path().toStdString();
        const std::string ppm = std::string("P6\n4 4\n255\n") + std::string(48, '\x80');
        for (const char* name : {"a.ppm", "b.ppm"}) hoi::io::write_file_atomic(d + "/" + name, ppm);
        // Ground truth: b.ppm has a person sitting on a chair (hoi 89); the project predicts nothing.
        const json gt = json::array(
                {{{"file_name", "b.ppm"},
                  {"annotations", json::array({{{"bbox", {0, 0, 1, 1}}, {"category_id", 1}},
                                               {{"bbox", {2, 2, 3, 3}}, {"category_id", 62}}})},
                  {"hoi_annotation", json::array({{{"subject_id", 0}, {"object_id", 1}, {"category_id", 88}}})}}});
        const QString gtPath = dir.path() + "/gt.json";
        hoi::io::write_file_atomic(gtPath.toStdString(), gt.dump());

        MainWindow::Options o;
        o.loadModels = false;
        o.useSettings = false;
        o.askOnClose = false;
        o.interactive = false;
        o.autoAnalyse = false;
        MainWindow w(o);
        w.show();
        QVERIFY(w.openPaths({dir.path()}));
        QCOMPARE(w.workspace()->document().images().size(), size_t(2));
        const auto* b = w.workspace()->document().image_by_file("b.ppm");
        QVERIFY(b);
        QVERIFY(w.currentImage() != b->id);

        // Analysis ▸ Evaluate…, found in the menu bar by its text.
        QAction* evaluate = nullptr;
        for (QAction* menu : w.menuBar()->actions())
            if (menu->text().remove('&') == "Analysis" && menu->menu())
                for (QAction* a : menu->menu()->actions())
                    if (a->text().remove('&') == QString::fromUtf8("Evaluate…")) evaluate = a;
        QVERIFY(evaluate);
        QCOMPARE(evaluate->objectName(), QString("evaluateAction"));
        QVERIFY(!w.findChild<EvaluationDialog*>());
        evaluate->trigger();
        auto* dlg = w.findChild<EvaluationDialog*>();
        QVERIFY(dlg);
        QVERIFY(dlg->isVisible());
        evaluate->trigger(); // the same dialog again
        QCOMPARE(w.findChildren<EvaluationDialog*>().size(), 1);

        dlg->setSource(EvaluationDialog::Source::FileVsProject);
        dlg->setGroundTruthFile(gtPath);
        QSignalSpy done(dlg, &EvaluationDialog::finished);
        dlg->findChild<QPushButton*>("evalRun")->click();
        QVERIFY(done.wait(60000));
        QVERIFY2(done.first().first().toBool(), qPrintable(dlg->errorText()));
        QCOMPARE(dlg->result()->map_full, 0.0);
        QCOMPARE(dlg->classProxy()->rowCount(), 1);
        QCOMPARE(dlg->classProxy()->index(0, 0).data(EvaluationClassModel::HoiRole).toInt(), 89);
        dlg->classTable()->setCurrentIndex(dlg->classProxy()->index(0, 0));
        QTreeWidget* errors = dlg->errorList();
        QCOMPARE(errors->topLevelItemCount(), 1);
        QCOMPARE(errors->topLevelItem(0)->text(0), QString("Miss"));
        QCOMPARE(errors->topLevelItem(0)->text(1), QString("b.ppm"));
        Q_EMIT errors->itemActivated(errors->topLevelItem(0), 0);
        QCOMPARE(w.currentImage(), b->id);
    }
};

QTEST_MAIN(TestEvaluationJourney)
#include "tst_evaluation_journey.moc"
