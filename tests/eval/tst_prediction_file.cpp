// Prediction files read as the reference HICO-DET evaluators read them (core/eval/prediction_file.h,
// core/eval/python_literal.h): the layouts QPIC-style tools, QPIC's and GEN-VLKT's evaluators use,
// each leniency case with its warning, and the errors that stay errors.
#include <QtTest>

#include "eval/prediction_file.h"
#include "eval/python_literal.h"
#include "io/error.h"

#include <cmath>
#include <nlohmann/json.hpp>

using namespace hoi::eval;
using nlohmann::json;

namespace {

// HOI ids (0-based): 89 = sit_on chair (verb 87), 90 = stand_on chair (verb 93), 139 = ride horse.
// COCO-91: person 1, car 3, horse 19, chair 62. COCO-80: person 0, car 2, horse 17, chair 56.
const json kPerson = {{"bbox", {0, 0, 99, 99}}, {"category_id", 1}};
const json kChair = {{"bbox", {200, 0, 299, 99}}, {"category_id", 62}};
const json kCar = {{"bbox", {200, 0, 299, 99}}, {"category_id", 3}};

json image(const std::string& name, const json& boxes, const json& hois) {
    return {{"file_name", name}, {"annotations", boxes}, {"hoi_annotation", hois}};
}

QString error_of(const std::string& text) {
    try {
        read_prediction_text(text, "p.json");
    } catch (const hoi::Error& e) {
        return e.kind() == hoi::ErrorKind::Input ? QString(e.what()) : QString("wrong kind: ") + e.what();
    }
    return "no error";
}

} // namespace

class TestPredictionFile : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void hoiCategoryIdWins() {
        // hoi_category_id 91 (stand_on chair) beats category_id 88 (sit_on): GEN-VLKT / HOICLIP
        // classify the triplet directly.
        const json f = json::array({image("a.jpg", {kPerson, kChair},
                                          {{{"subject_id", 0}, {"object_id", 1}, {"category_id", 88},
                                            {"hoi_category_id", 91}, {"score", 0.5}}})});
        const PredictionFile p = read_prediction_text(f.dump(), "p.json");
        QCOMPARE(p.layout, std::string("annotation"));
        QCOMPARE(int(p.images.size()), 1);
        QCOMPARE(p.images[0].pairs.at(0).hoi, 90);
        QCOMPARE(p.images[0].pairs[0].score, 0.5);
        QCOMPARE(p.images[0].origin, std::string("p.json: [0]"));
        QVERIFY(p.warnings.empty());
    }

    void objectClassMayDisagreeWithTriplet() {
        // The object box says car; the triplet says sit_on chair (hoi_category_id 90): not an error.
        const json f = json::array({image("a.jpg", {kPerson, kCar},
                                          {{{"subject_id", 0}, {"object_id", 1}, {"category_id", 88},
                                            {"hoi_category_id", 90}, {"score", 0.5}}})});
        const PredictionFile p = read_prediction_text(f.dump(), "p.json");
        QCOMPARE(p.images[0].pairs.at(0).hoi, 89);
        QVERIFY(p.warnings.empty());
    }

    void tripletFromVerbAndObject() {
        // No hoi_category_id: (verb 88 = sit_on, chair) = 89; (sit_on, car) is not a class: left out.
        const json f = json::array({image("a.jpg", {kPerson, kChair, kCar},
                                          {{{"subject_id", 0}, {"object_id", 1}, {"category_id", 88}, {"score", 0.5}},
                                           {{"subject_id", 0}, {"object_id", 2}, {"category_id", 88}, {"score", 0.4}}})});
        const PredictionFile p = read_prediction_text(f.dump(), "p.json");
        QCOMPARE(int(p.images[0].pairs.size()), 1);
        QCOMPARE(p.images[0].pairs[0].hoi, 89);
        QCOMPARE(int(p.entries_left_out), 1);
        QCOMPARE(int(p.warnings.size()), 1);
        QCOMPARE(p.warnings[0].where, std::string("[0].hoi_annotation[1]"));
        QVERIFY(QString::fromStdString(p.warnings[0].message).contains("(sit_on, car)"));
    }

    void degenerateBoxesAreKept() {
        const json flat = {{"bbox", {200, 50, 299, 50}}, {"category_id", 62}};    // zero height
        const json inverted = {{"bbox", {299, 0, 200, 99}}, {"category_id", 62}}; // x2 < x1
        const json f = json::array({image("a.jpg", {kPerson, flat, inverted},
                                          {{{"subject_id", 0}, {"object_id", 1}, {"hoi_category_id", 90},
                                            {"category_id", 88}, {"score", 0.5}},
                                           {{"subject_id", 0}, {"object_id", 2}, {"hoi_category_id", 90},
                                            {"category_id", 88}, {"score", 0.4}}})});
        const PredictionFile p = read_prediction_text(f.dump(), "p.json");
        QCOMPARE(int(p.images[0].pairs.size()), 2);
        QCOMPARE(int(p.warnings.size()), 2);
        QCOMPARE(p.warnings[0].where, std::string("[0].annotations[1].bbox"));
        QCOMPARE(p.warnings[1].where, std::string("[0].annotations[2].bbox"));
        QCOMPARE(p.images[0].pairs[1].object.x1, 299.0);
    }

    void qpicEvaluatorLayout() {
        // QPIC's HICOEvaluator: boxes with 0-based COCO-80 labels, category_id the 0-based verb.
        const json f = json::array(
                {{{"file_name", "a.jpg"},
                  {"predictions", {{{"bbox", {0, 0, 99, 99}}, {"category_id", 0}},
                                   {{"bbox", {200, 0, 299, 99}}, {"category_id", 56}},
                                   {{"bbox", {300, 0, 399, 99}}, {"category_id", 17}}}},
                  {"hoi_prediction", {{{"subject_id", 0}, {"object_id", 1}, {"category_id", 87}, {"score", 0.5}},
                                      {{"subject_id", 2}, {"object_id", 1}, {"category_id", 87}, {"score", 0.4}}}}}});
        const PredictionFile p = read_prediction_text(f.dump(), "p.json");
        QCOMPARE(p.layout, std::string("qpic"));
        QCOMPARE(int(p.images[0].pairs.size()), 1);
        QCOMPARE(p.images[0].pairs[0].hoi, 89);
        // A horse as subject: QPIC's triplet (horse, chair, sit_on) is never in its ground truth.
        QCOMPARE(int(p.entries_left_out), 1);
        QVERIFY(QString::fromStdString(p.warnings.at(0).message).contains("not a person"));
    }

    void genVlktDump() {
        // GEN-VLKT writes json.dumps(str({'preds': ..., 'gts': ...})): a JSON string holding a
        // Python literal with numpy scalars; boxes have no class, category_id is the 0-based triplet.
        const std::string literal =
                "{'preds': [{'filename': 'HICO_test2015_00000001.jpg', 'predictions': [{'bbox': "
                "[np.float32(0.0), 0.0, 99.0, 99.0]}, {'bbox': [200.0, 0.0, 299.5, 99.0]}], 'hoi_prediction': "
                "[{'subject_id': 0, 'object_id': 1, 'category_id': np.int64(89), 'score': np.float32(0.75)}, "
                "{'subject_id': 0, 'object_id': 1, 'category_id': 90, 'score': 1e-3}]}], "
                "'gts': [{'filename': 'HICO_test2015_00000001.jpg', 'annotations': [], 'hoi_annotation': []}]}";
        const PredictionFile p = read_prediction_text(json(literal).dump(), "p.json");
        QCOMPARE(p.layout, std::string("gen-vlkt"));
        QCOMPARE(p.images.at(0).name, std::string("HICO_test2015_00000001.jpg"));
        QCOMPARE(int(p.images[0].pairs.size()), 2);
        QCOMPARE(p.images[0].pairs[0].hoi, 89);
        QCOMPARE(p.images[0].pairs[0].score, 0.75);
        QCOMPARE(p.images[0].pairs[0].object.x2, 299.5);
        QCOMPARE(p.images[0].pairs[1].hoi, 90);
        QCOMPARE(p.images[0].pairs[1].score, 1e-3);
        QCOMPARE(p.images[0].origin, std::string("p.json: .preds[0]"));
        // The same content as plain JSON (json.dump of the lists) reads the same.
        const json plain = {{"preds", {{{"filename", "x.jpg"},
                                         {"predictions", {{{"bbox", {0, 0, 9, 9}}}, {{"bbox", {0, 0, 9, 9}}}}},
                                         {"hoi_prediction", {{{"subject_id", 0}, {"object_id", 1},
                                                              {"category_id", 139}, {"score", 0.5}}}}}}}};
        QCOMPARE(read_prediction_text(plain.dump(), "p.json").images.at(0).pairs.at(0).hoi, 139);
    }

    void pythonLiteral() {
        const json j = parse_python_literal(
                "{'a': (1, -2.5, True, None), \"b\": 'it\\'s \\xe9', 3: array([1, 2], dtype=float32), 'n': -inf}", "x");
        QCOMPARE(j["a"].dump(), std::string("[1,-2.5,true,null]"));
        QCOMPARE(j["b"].get<std::string>(), std::string("it's \xC3\xA9"));
        QCOMPARE(j["3"].dump(), std::string("[1,2]"));
        QVERIFY(std::isinf(*number_or_marker(j["n"])));
        QVERIFY(std::isnan(*number_or_marker(json("nan"))));
        QVERIFY(!number_or_marker(json("0.5")));
        QString msg;
        try {
            parse_python_literal("{'a': [1, 2}", "x");
        } catch (const hoi::Error& e) {
            msg = e.what();
        }
        QVERIFY2(msg.contains("x: Python literal, character 11"), qPrintable(msg));
    }

    void errorsNameTheEntry() {
        const json h = {{"subject_id", 0}, {"object_id", 1}, {"category_id", 88}};
        // Missing score: AP needs scores.
        QString e = error_of(json::array({image("a.jpg", {kPerson, kChair}, json::array({h}))}).dump());
        QVERIFY2(e.contains("p.json: [0].hoi_annotation[0]: missing \"score\""), qPrintable(e));
        // NaN / infinite score (only a Python literal can hold them).
        e = error_of(json("[{'file_name': 'a.jpg', 'annotations': [{'bbox': [0, 0, 9, 9], 'category_id': 1}, "
                          "{'bbox': [0, 0, 9, 9], 'category_id': 62}], 'hoi_annotation': [{'subject_id': 0, "
                          "'object_id': 1, 'category_id': 88, 'score': nan}]}]")
                             .dump());
        QVERIFY2(e.contains("[0].hoi_annotation[0].score: the score is \"nan\""), qPrintable(e));
        json inf = h;
        inf["score"] = "inf";
        e = error_of(json::array({image("a.jpg", {kPerson, kChair}, json::array({inf}))}).dump());
        QVERIFY2(e.contains("[0].hoi_annotation[0].score"), qPrintable(e));
        // Duplicate file names.
        json ok = h;
        ok["score"] = 0.5;
        e = error_of(json::array({image("a.jpg", {kPerson, kChair}, json::array({ok})), image("a.jpg", {kPerson, kChair}, json::array({ok}))}).dump());
        QVERIFY2(e.contains("[1]: duplicate image \"a.jpg\""), qPrintable(e));
        // A box index outside the image's boxes.
        json far = ok;
        far["object_id"] = 5;
        e = error_of(json::array({image("a.jpg", {kPerson, kChair}, json::array({far}))}).dump());
        QVERIFY2(e.contains("[0].hoi_annotation[0].object_id: 5 is outside 0..1"), qPrintable(e));
        // No file name.
        e = error_of(json::array({{{"annotations", json::array()}, {"hoi_annotation", json::array()}}}).dump());
        QVERIFY2(e.contains("[0]: missing \"file_name\""), qPrintable(e));
        e = error_of("{\"x\": 1}");
        QVERIFY2(e.contains("expected a list of images"), qPrintable(e));
        e = error_of("[1,");
        QVERIFY2(e.contains("invalid JSON"), qPrintable(e));
    }
};

QTEST_GUILESS_MAIN(TestPredictionFile)
#include "tst_prediction_file.moc"
