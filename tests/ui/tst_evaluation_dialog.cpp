// Analysis ▸ Evaluate… (ui/evaluation_dialog.h): the real dialog on small hand-made HICO-DET files
// shows what eval::evaluate computes (mAP, per-class rows, curves, false positives and misses),
// runs off the GUI thread, reports unreadable files, and asks to open an image when a false
// positive or a miss is activated (and which image of the project that names).
#include <QtTest/QtTest>
#include <QtWidgets>
#include <QChartView>
#include <QLineSeries>

#include "annotation/formats.h"
#include "annotation/hico_vocabulary.h"
#include "eval/hico_document.h"
#include "eval/hico_eval.h"
#include "evaluation_class_model.h"
#include "evaluation_dialog.h"

#include <fstream>
#include <nlohmann/json.hpp>

using namespace hoi::ui;
using nlohmann::json;
namespace eval = hoi::eval;
namespace ann = hoi::annotation;

namespace {

// hoi 89 = sit_on chair (category_id 88, hoi_category_id 90), not rare;
// hoi 90 = stand_on chair (category_id 94, hoi_category_id 91), rare. Person COCO-91 id 1, chair 62.
const json kH = {0, 0, 99, 99}, kO = {200, 0, 299, 99}, kFar = {500, 500, 599, 599};

json image(const std::string& name, const json& boxes, const json& hois) {
    json anns = json::array();
    for (const auto& b : boxes) anns.push_back({{"bbox", b[0]}, {"category_id", b[1]}});
    return {{"file_name", name}, {"width", 640}, {"height", 640}, {"annotations", anns}, {"hoi_annotation", hois}};
}
json hoi_entry(int s, int o, int verb1, int hoi1, double score = -1) {
    json h = {{"subject_id", s}, {"object_id", o}, {"category_id", verb1}, {"hoi_category_id", hoi1}};
    if (score >= 0) h["score"] = score;
    return h;
}
void write_json(const QString& path, const json& j) {
    std::ofstream out(path.toStdString());
    out << j.dump(1);
}

QString pct(double v) { return QString::number(100.0 * v, 'f', 2); }

int hoiAt(const EvaluationDialog& d, int proxyRow) {
    return d.classProxy()->index(proxyRow, 0).data(EvaluationClassModel::HoiRole).toInt();
}
int proxyRowOf(const EvaluationDialog& d, int hoi) {
    for (int r = 0; r < d.classProxy()->rowCount(); ++r)
        if (hoiAt(d, r) == hoi) return r;
    return -1;
}

bool runAndWait(EvaluationDialog& d, bool* ok) {
    QSignalSpy spy(&d, &EvaluationDialog::finished);
    d.evaluate();
    if (!spy.wait(60000)) return false;
    *ok = spy.first().first().toBool();
    return true;
}

} // namespace

class TestEvaluationDialog : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    QString gt_, pred_;

    // The reference: eval::evaluate on the same files, as the dialog's "two files" source reads them.
    eval::EvalResult reference(const char* split = "default") const {
        const auto g = ann::import_file(gt_.toStdString(), ann::Format::Hico);
        const auto p = ann::import_file(pred_.toStdString(), ann::Format::Hico);
        eval::EvalOptions o;
        o.lenient_predictions = true;
        o.keep_curves = true;
        o.keep_errors = true;
        return eval::evaluate(eval::ground_truth_from_document(g.document, gt_.toStdString()),
                              eval::predictions_from_document(p.document, pred_.toStdString(), 1.0),
                              eval::load_split(split), o);
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        gt_ = dir_.path() + "/gt.json";
        pred_ = dir_.path() + "/pred.json";
        // a.jpg: sit_on and stand_on the chair; b.jpg: sit_on.
        write_json(gt_, json::array({image("a.jpg", json::array({json::array({kH, 1}), json::array({kO, 62})}),
                                           json::array({hoi_entry(0, 1, 88, 90), hoi_entry(0, 1, 94, 91)})),
                                     image("b.jpg", json::array({json::array({kH, 1}), json::array({kO, 62})}),
                                           json::array({hoi_entry(0, 1, 88, 90)}))}));
        // a.jpg: sit_on right (0.9), stand_on a far chair (0.8, false positive), sit_on the far chair
        // (0.7, false positive); b.jpg: sit_on right without a score (counts as 1); c.jpg is not in the
        // ground truth.
        const json boxes = json::array({json::array({kH, 1}), json::array({kO, 62}), json::array({kFar, 62})});
        write_json(pred_, json::array({image("a.jpg", boxes,
                                             json::array({hoi_entry(0, 1, 88, 90, 0.9), hoi_entry(0, 2, 94, 91, 0.8),
                                                          hoi_entry(0, 2, 88, 90, 0.7)})),
                                       image("b.jpg", boxes, json::array({hoi_entry(0, 1, 88, 90)})),
                                       image("c.jpg", boxes, json::array({hoi_entry(0, 1, 88, 90, 0.5)}))}));
    }

    void showsWhatEvaluateComputes() {
        EvaluationDialog d(nullptr);
        d.show();
        d.setSource(EvaluationDialog::Source::TwoFiles);
        d.setGroundTruthFile(gt_);
        d.setPredictionsFile(pred_);
        bool ok = false;
        QVERIFY(runAndWait(d, &ok));
        QVERIFY2(ok, qPrintable(d.errorText()));
        const eval::EvalResult ref = reference();
        QVERIFY(d.result());
        QCOMPARE(d.result()->map_full, ref.map_full);
        QCOMPARE(ref.evaluated_classes, 2);
        QCOMPARE(ref.ignored_images, 1);
        QCOMPARE(d.findChild<QLabel*>("mapFull")->text(), "Full " + pct(ref.map_full));
        QCOMPARE(d.findChild<QLabel*>("mapSubset")->text(), "Rare " + pct(*ref.map_subset));
        QCOMPARE(d.findChild<QLabel*>("mapComplement")->text(), "Non-rare " + pct(*ref.map_complement));
        QVERIFY(d.findChild<QLabel*>("evalCounts")->text().contains("1 prediction images not in the ground truth"));

        // The table: one row per evaluated class, sortable by every column.
        QAbstractItemModel* m = d.classProxy();
        QCOMPARE(m->rowCount(), 2);
        d.classTable()->sortByColumn(EvaluationClassModel::ApColumn, Qt::DescendingOrder);
        QCOMPARE(hoiAt(d, 0), 89); // sit_on chair: AP > 0; stand_on chair: AP 0
        const eval::ClassResult& c89 = ref.classes[0];
        QCOMPARE(c89.hoi, 89);
        QCOMPARE(m->index(0, EvaluationClassModel::ApColumn).data().toString(), pct(c89.ap));
        QCOMPARE(m->index(0, EvaluationClassModel::GtColumn).data().toInt(), 2);
        QCOMPARE(m->index(0, EvaluationClassModel::DetectionsColumn).data().toInt(), 3);
        QCOMPARE(m->index(0, EvaluationClassModel::MaxRecallColumn).data().toString(), "100.0");
        QCOMPARE(m->index(1, EvaluationClassModel::SubsetColumn).data().toString(), "yes"); // stand_on chair is rare
        QVERIFY(m->index(0, EvaluationClassModel::ClassColumn).data().toString().startsWith("sit on chair"));
        d.classTable()->sortByColumn(EvaluationClassModel::ApColumn, Qt::AscendingOrder);
        QCOMPARE(hoiAt(d, 0), 90);
        d.classTable()->sortByColumn(EvaluationClassModel::DetectionsColumn, Qt::DescendingOrder);
        QCOMPARE(hoiAt(d, 0), 89);
        d.classTable()->sortByColumn(EvaluationClassModel::ClassColumn, Qt::DescendingOrder);
        QCOMPARE(hoiAt(d, 0), 90); // "stand on chair" > "sit on chair"

        // Selecting a class draws its precision-recall curve: (recall, precision) after each detection.
        QChart* chart = d.chartView()->chart();
        QCOMPARE(chart->series().size(), 0);
        d.classTable()->selectRow(proxyRowOf(d, 89));
        QCOMPARE(chart->series().size(), 1);
        auto* s = qobject_cast<QLineSeries*>(chart->series().first());
        QVERIFY(s);
        QCOMPARE(s->count(), int(c89.curve.size()));
        for (int k = 0; k < s->count(); ++k) {
            QCOMPARE(s->at(k).x(), c89.curve[size_t(k)].recall);
            QCOMPARE(s->at(k).y(), c89.curve[size_t(k)].precision);
        }
        // b.jpg's relation has no score: 1, so it comes first; then 0.9 (TP), then 0.7 (FP).
        QCOMPARE(s->at(0), QPointF(0.5, 1.0));
        QCOMPARE(s->at(1), QPointF(1.0, 1.0));
        QCOMPARE(s->at(2), QPointF(1.0, 2.0 / 3.0));
        // Two selected classes: two curves.
        d.classTable()->selectionModel()->select(d.classProxy()->index(proxyRowOf(d, 90), 0),
                                                 QItemSelectionModel::Select | QItemSelectionModel::Rows);
        QCOMPARE(chart->series().size(), 2);

        // The current class lists its false positives and misses; activating one asks for its image.
        QTreeWidget* errors = d.errorList();
        d.classTable()->setCurrentIndex(d.classProxy()->index(proxyRowOf(d, 89), 0));
        QCOMPARE(errors->topLevelItemCount(), 1); // the far chair at 0.7; no miss
        QCOMPARE(errors->topLevelItem(0)->text(0), QString("False positive"));
        QCOMPARE(errors->topLevelItem(0)->text(1), QString("a.jpg"));
        QCOMPARE(errors->topLevelItem(0)->text(2), QString("0.700"));
        QCOMPARE(errors->topLevelItem(0)->text(4), QString("[500, 500, 599, 599]"));
        d.classTable()->setCurrentIndex(d.classProxy()->index(proxyRowOf(d, 90), 0));
        QCOMPARE(errors->topLevelItemCount(), 2);
        QCOMPARE(errors->topLevelItem(0)->text(0), QString("False positive"));
        QCOMPARE(errors->topLevelItem(0)->text(2), QString("0.800"));
        QCOMPARE(errors->topLevelItem(1)->text(0), QString("Miss"));
        QCOMPARE(errors->topLevelItem(1)->text(1), QString("a.jpg"));
        QCOMPARE(errors->topLevelItem(1)->text(4), QString("[200, 0, 299, 99]"));
        QSignalSpy open(&d, &EvaluationDialog::openImageRequested);
        QSignalSpy rerun(&d, &EvaluationDialog::finished);
        errors->setCurrentItem(errors->topLevelItem(1));
        errors->setFocus();
        QTest::keyClick(errors, Qt::Key_Return);
        QCOMPARE(open.size(), 1);
        QCOMPARE(open.first().first().toString(), QString("a.jpg"));
        // Enter only activated the row: no new evaluation, the dialog stays as it was.
        QTest::qWait(200);
        QCOMPARE(rerun.size(), 0);
        QVERIFY(d.isVisible());
        QCOMPARE(errors->topLevelItemCount(), 2);
        d.classTable()->selectionModel()->select(d.classProxy()->index(proxyRowOf(d, 89), 0),
                                                 QItemSelectionModel::Select | QItemSelectionModel::Rows);
        QCOMPARE(chart->series().size(), 2);

        if (const QByteArray shot = qgetenv("HOI_EVAL_SCREENSHOT"); !shot.isEmpty()) {
            d.resize(1100, 720);
            QTest::qWait(50);
            QVERIFY(d.grab().save(QString::fromLocal8Bit(shot)));
        }
    }

    void zeroShotSplitAndKnownObject() {
        EvaluationDialog d(nullptr);
        d.setSource(EvaluationDialog::Source::TwoFiles);
        d.setGroundTruthFile(gt_);
        d.setPredictionsFile(pred_);
        d.setSplit("uo");
        d.setSetting("ko");
        bool ok = false;
        QVERIFY(runAndWait(d, &ok));
        QVERIFY2(ok, qPrintable(d.errorText()));
        const eval::EvalResult ref = reference("uo");
        QCOMPARE(d.result()->split, std::string("uo"));
        QCOMPARE(d.result()->setting, std::string("ko"));
        QCOMPARE(d.result()->map_full, ref.map_full); // chair is in every GT image: ko changes nothing here
        QVERIFY(d.findChild<QLabel*>("mapSubset")->text().startsWith("Unseen "));
        QVERIFY(d.findChild<QLabel*>("mapComplement")->text().startsWith("Seen "));
        QCOMPARE(d.classModel()->headerData(EvaluationClassModel::SubsetColumn, Qt::Horizontal).toString(),
                 QString("Unseen"));
    }

    void runsOffTheGuiThread() {
        EvaluationDialog d(nullptr);
        d.setSource(EvaluationDialog::Source::TwoFiles);
        d.setGroundTruthFile(gt_);
        d.setPredictionsFile(pred_);
        QSignalSpy spy(&d, &EvaluationDialog::finished);
        d.evaluate();
        // evaluate() returns at once: the result arrives through the event loop.
        QVERIFY(!d.result());
        QCOMPARE(spy.size(), 0);
        QVERIFY(!d.findChild<QPushButton*>("evalRun")->isEnabled());
        d.evaluate(); // ignored while running
        QVERIFY(spy.wait(60000));
        QCOMPARE(spy.size(), 1);
        QVERIFY(d.result());
        QVERIFY(d.findChild<QPushButton*>("evalRun")->isEnabled());
    }

    void unreadableFilesAreReported() {
        EvaluationDialog d(nullptr);
        d.setSource(EvaluationDialog::Source::TwoFiles);
        d.setGroundTruthFile(dir_.path() + "/missing.json");
        d.setPredictionsFile(pred_);
        bool ok = true;
        QVERIFY(runAndWait(d, &ok));
        QVERIFY(!ok);
        QVERIFY(!d.result());
        QVERIFY2(d.errorText().contains("missing.json"), qPrintable(d.errorText()));
        QVERIFY(d.findChild<QLabel*>("evalError")->isVisibleTo(&d));

        const QString broken = dir_.path() + "/broken.json";
        std::ofstream(broken.toStdString()) << "[{\"file_name\": ";
        d.setGroundTruthFile(broken);
        QVERIFY(runAndWait(d, &ok));
        QVERIFY(!ok);
        QVERIFY2(d.errorText().contains("broken.json"), qPrintable(d.errorText()));
        QCOMPARE(d.classProxy()->rowCount(), 0);

        d.setGroundTruthFile(QString());
        QVERIFY(runAndWait(d, &ok));
        QVERIFY(!ok);
        QVERIFY2(d.errorText().contains("ground-truth file"), qPrintable(d.errorText()));

        // A good file afterwards works and clears the message.
        d.setGroundTruthFile(gt_);
        QVERIFY(runAndWait(d, &ok));
        QVERIFY(ok);
        QVERIFY(d.errorText().isEmpty());
        QCOMPARE(d.classProxy()->rowCount(), 2);
    }

    void projectSources() {
        // The project: the prediction file as a document (a.jpg reviewed, its sit_on confirmed and
        // stand_on rejected), evaluated against the GT file, and as its own ground truth.
        ann::Project p = ann::import_file(pred_.toStdString(), ann::Format::Hico);
        ann::Document doc = p.document;
        const ann::Id a = doc.image_by_file("a.jpg")->id;
        doc.set_image_reviewed(a, true);
        for (const ann::Interaction* x : doc.interactions_of(a))
            doc.set_interaction_state(x->id, x->hico_verb == 87 && x->object == doc.instances_of(a)[1]->id
                                                     ? ann::State::Accepted
                                                     : ann::State::Rejected);
        int calls = 0;
        EvaluationDialog d([&] {
            ++calls;
            return doc;
        });
        d.setGroundTruthFile(gt_);
        bool ok = false;
        QVERIFY(runAndWait(d, &ok)); // default source: the file against the project's predictions
        QVERIFY2(ok, qPrintable(d.errorText()));
        QCOMPARE(calls, 1);
        eval::EvalOptions o;
        o.lenient_predictions = true;
        const auto g = ann::import_file(gt_.toStdString(), ann::Format::Hico);
        const eval::EvalResult vsFile = eval::evaluate(eval::ground_truth_from_document(g.document, "gt"),
                                                       eval::model_predictions(doc, false), eval::load_split("default"), o);
        QCOMPARE(d.result()->map_full, vsFile.map_full);
        // a.jpg's three (the rejected ones are still the model's); b.jpg's relation has no score (not
        // a model prediction); c.jpg is not in the ground truth.
        QCOMPARE(d.result()->predictions, 3);

        d.setSource(EvaluationDialog::Source::ReviewedProject);
        QVERIFY(runAndWait(d, &ok));
        QVERIFY2(ok, qPrintable(d.errorText()));
        const eval::EvalResult reviewed = eval::evaluate(eval::reviewed_ground_truth(doc), eval::model_predictions(doc, true),
                                                         eval::load_split("default"), o);
        QCOMPARE(d.result()->images, 1);
        QCOMPARE(d.result()->gt_pairs, 1); // the accepted sit_on
        QCOMPARE(d.result()->map_full, reviewed.map_full);
        QCOMPARE(d.findChild<QLabel*>("mapFull")->text(), "Full " + pct(reviewed.map_full));

        doc.set_image_reviewed(a, false);
        QVERIFY(runAndWait(d, &ok));
        QVERIFY(!ok);
        QVERIFY2(d.errorText().contains("reviewed"), qPrintable(d.errorText()));
    }

    // The image a false positive or miss names: by its file, else by the file's name alone (ground
    // truth names files without their folder); none for a file the project does not have.
    void imageNamedByGroundTruth() {
        ann::Document doc;
        const ann::Id a = doc.add_image({0, "a.jpg", 640, 480, false});
        const ann::Id b = doc.add_image({0, "sub/b.png", 320, 240, true});
        QCOMPARE(EvaluationDialog::imageNamed(doc, "a.jpg")->id, a);
        QCOMPARE(EvaluationDialog::imageNamed(doc, "sub/b.png")->id, b);
        QCOMPARE(EvaluationDialog::imageNamed(doc, "b.png")->id, b);
        QVERIFY(!EvaluationDialog::imageNamed(doc, "c.jpg"));
        QVERIFY(!EvaluationDialog::imageNamed(doc, "other/a.jpg"));
    }
};

QTEST_MAIN(TestEvaluationDialog)
#include "tst_evaluation_dialog.moc"
