// `hoi eval`: hico-format ground truth and predictions -> mAP JSON; errors and exit codes.
#include <QtTest>

#include "test_util.h"

#include <fstream>
#include <nlohmann/json.hpp>

using nlohmann::json;

namespace {

// hoi 89 = sit_on chair (verb id 87 -> category_id 88, hoi_category_id 90), not rare;
// hoi 90 = stand_on chair (verb 93 -> 94, hoi_category_id 91), rare. Chair is COCO-91 id 62.
json image(const std::string& name, const json& boxes, const json& hois) {
    json anns = json::array();
    for (const auto& b : boxes) anns.push_back({{"bbox", b[0]}, {"category_id", b[1]}});
    return {{"file_name", name}, {"annotations", anns}, {"hoi_annotation", hois}};
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

} // namespace

class TestCmdEval : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    QString path(const char* name) const { return dir_.path() + "/" + name; }
    // Runs `hoi eval ARGS`: its JSON when it exits 0, else null; its stderr in *err.
    json eval_ok(const QStringList& args, std::string* err) const {
        const auto r = hoi::test::run_hoi(QStringList{"eval"} + args);
        *err = r.err;
        return r.exit_code == 0 ? json::parse(r.out) : json();
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        HOI_REQUIRE_FILE(hoi::test::bin_path("hoi"));
        const json person = {{0, 0, 99, 99}, 1}, chair = {{200, 0, 299, 99}, 62}, far = {{500, 0, 599, 99}, 62};
        write_json(path("gt.json"), json::array({image("a.jpg", json::array({person, chair}), json::array({hoi_entry(0, 1, 88, 90), hoi_entry(0, 1, 94, 91)})),
                                                 image("b.jpg", json::array({person, chair}), json::array({hoi_entry(0, 1, 88, 90)}))}));
        write_json(path("pred.json"),
                   json::array({image("a.jpg", json::array({person, chair, far}), json::array({hoi_entry(0, 1, 88, 90, 0.9), hoi_entry(0, 2, 94, 91, 0.8)})),
                                image("b.jpg", json::array({person, chair}), json::array({hoi_entry(0, 1, 88, 90, 0.7)}))}));
        write_json(path("noscore.json"), json::array({image("a.jpg", json::array({person, chair}), json::array({hoi_entry(0, 1, 88, 90)}))}));
        write_json(path("stranger.json"), json::array({image("zzz.jpg", json::array({person, chair}), json::array({hoi_entry(0, 1, 88, 90, 0.5)}))}));
        write_json(path("dup.json"), json::array({image("a.jpg", json::array({person, chair}), json::array({hoi_entry(0, 1, 88, 90, 0.5)})),
                                                  image("a.jpg", json::array({person, chair}), json::array())}));

        // pred.json plus: a degenerate chair box (stand_on chair, 0.95: it overlaps nothing, a FP),
        // a box labelled car whose entry says hoi_category_id 91 = stand_on chair (0.85: a TP, the
        // triplet wins), and an image that is not in the ground truth.
        const json flat = {{250, 50, 250, 50}, 62}, car = {{200, 0, 299, 99}, 3};
        write_json(path("lenient.json"),
                   json::array({image("a.jpg", json::array({person, chair, far, flat, car}),
                                      json::array({hoi_entry(0, 1, 88, 90, 0.9), hoi_entry(0, 2, 94, 91, 0.8),
                                                   hoi_entry(0, 3, 94, 91, 0.95), hoi_entry(0, 4, 94, 91, 0.85)})),
                                image("b.jpg", json::array({person, chair}), json::array({hoi_entry(0, 1, 88, 90, 0.7)})),
                                image("zzz.jpg", json::array({person, chair}), json::array({hoi_entry(0, 1, 88, 90, 0.5)}))}));

        // pred.json in QPIC's evaluator layout (0-based COCO-80 box labels, 0-based verbs).
        auto qpic_box = [](const json& b, int c80) { return json{{"bbox", b}, {"category_id", c80}}; };
        auto qpic_hoi = [](int s, int o, int verb0, double score) {
            return json{{"subject_id", s}, {"object_id", o}, {"category_id", verb0}, {"score", score}};
        };
        write_json(path("qpic.json"),
                   json::array({{{"file_name", "a.jpg"},
                                 {"predictions", {qpic_box(person[0], 0), qpic_box(chair[0], 56), qpic_box(far[0], 56)}},
                                 {"hoi_prediction", {qpic_hoi(0, 1, 87, 0.9), qpic_hoi(0, 2, 93, 0.8)}}},
                                {{"file_name", "b.jpg"},
                                 {"predictions", {qpic_box(person[0], 0), qpic_box(chair[0], 56)}},
                                 {"hoi_prediction", {qpic_hoi(0, 1, 87, 0.7)}}}}));

        // pred.json as GEN-VLKT dumps it: json.dumps(str({'preds': ..., 'gts': ...})), boxes without
        // labels, category_id the 0-based HOI triplet (89 sit_on chair, 90 stand_on chair).
        const std::string literal =
                "{'preds': [{'filename': 'a.jpg', 'predictions': [{'bbox': [0.0, 0.0, 99.0, 99.0]}, {'bbox': "
                "[200.0, 0.0, 299.0, 99.0]}, {'bbox': [500.0, 0.0, 599.0, 99.0]}], 'hoi_prediction': [{'subject_id': 0, "
                "'object_id': 1, 'category_id': 89, 'score': 0.9}, {'subject_id': 0, 'object_id': 2, 'category_id': 90, "
                "'score': 0.8}]}, {'filename': 'b.jpg', 'predictions': [{'bbox': [0.0, 0.0, 99.0, 99.0]}, {'bbox': "
                "[200.0, 0.0, 299.0, 99.0]}], 'hoi_prediction': [{'subject_id': 0, 'object_id': 1, 'category_id': 89, "
                "'score': 0.7}]}], 'gts': []}";
        write_json(path("genvlkt.json"), json(literal));
    }

    void lenientPredictions() {
        std::string log;
        const json j = eval_ok({"--gt", path("gt.json"), "--pred", path("lenient.json")}, &log);
        QVERIFY2(!j.is_null(), log.c_str());
        // sit_on chair AP 1; stand_on chair: FP 0.95, TP 0.85, FP 0.8 -> precision 1/2 at recall 1: AP 1/2.
        QCOMPARE(j["map_full"].get<double>(), 0.75);
        QCOMPARE(j["map_rare"].get<double>(), 0.5);
        QCOMPARE(j["prediction_images_ignored"].get<int>(), 1);
        QCOMPARE(j["prediction_warnings"].get<int>(), 2);
        const QString err = QString::fromStdString(log);
        QVERIFY2(err.contains("2 cases read leniently"), log.c_str());
        QVERIFY2(err.contains("[0].annotations[3].bbox: degenerate box"), log.c_str());
        QVERIFY2(err.contains("[2]: image \"zzz.jpg\" is not in the ground truth"), log.c_str());
        // --strict keeps refusing the whole file.
        const auto s = hoi::test::run_hoi({"eval", "--gt", path("gt.json"), "--pred", path("lenient.json"), "--strict"});
        QCOMPARE(s.exit_code, 3);
        QVERIFY2(QString::fromStdString(s.err).contains("hoi_category_id"), s.err.c_str());
    }

    void referenceLayouts() {
        for (const char* file : {"qpic.json", "genvlkt.json"}) {
            std::string log;
            const json j = eval_ok({"--gt", path("gt.json"), "--pred", path(file)}, &log);
            QVERIFY2(!j.is_null(), log.c_str());
            QCOMPARE(j["map_full"].get<double>(), 0.5);
            QCOMPARE(j["map_rare"].get<double>(), 0.0);
            QCOMPARE(j["prediction_layout"].get<std::string>(), std::string(file == std::string("qpic.json") ? "qpic" : "gen-vlkt"));
            QVERIFY2(log.empty(), log.c_str());
            QCOMPARE(hoi::test::run_hoi({"eval", "--gt", path("gt.json"), "--pred", path(file), "--strict"}).exit_code, 3);
        }
    }

    void settingAndCurves() {
        std::string log;
        const json j = eval_ok({"--gt", path("gt.json"), "--pred", path("pred.json"), "--setting", "ko", "--curves",
                                path("curves.csv")}, &log);
        QVERIFY2(!j.is_null(), log.c_str());
        QCOMPARE(j["setting"].get<std::string>(), std::string("ko"));
        QCOMPARE(j["map_full"].get<double>(), 0.5); // every image has a chair: as the default setting
        QFile f(path("curves.csv"));
        QVERIFY(f.open(QIODevice::ReadOnly));
        QCOMPARE(QString(f.readAll()), QString("hoi,verb,object,rank,score,true_positive,recall,precision\n"
                                               "89,sit_on,chair,1,0.9,1,0.5,1.0\n"
                                               "89,sit_on,chair,2,0.7,1,1.0,1.0\n"
                                               "90,stand_on,chair,1,0.8,0,0.0,0.0\n"));
        QCOMPARE(hoi::test::run_hoi({"eval", "--gt", path("gt.json"), "--pred", path("pred.json"), "--setting", "x"}).exit_code, 2);
    }

    void defaultSplit() {
        const auto r = hoi::test::run_hoi({"eval", "--gt", path("gt.json"), "--pred", path("pred.json")});
        QVERIFY2(r.exit_code == 0, r.err.c_str());
        const json j = json::parse(r.out);
        // sit_on chair: both pairs found first -> AP 1; stand_on chair (rare): only a FP -> AP 0.
        QCOMPARE(j["map_full"].get<double>(), 0.5);
        QCOMPARE(j["map_rare"].get<double>(), 0.0);
        QCOMPARE(j["map_non_rare"].get<double>(), 1.0);
        QCOMPARE(j["classes_evaluated"].get<int>(), 2);
        QCOMPARE(j["gt_pairs"].get<int>(), 3);
        QVERIFY(!j.contains("per_class"));
    }

    void perClass() {
        const auto r = hoi::test::run_hoi({"eval", "--gt", path("gt.json"), "--pred", path("pred.json"), "--per-class"});
        QCOMPARE(r.exit_code, 0);
        const json pc = json::parse(r.out)["per_class"];
        QCOMPARE(int(pc.size()), 2);
        QCOMPARE(pc[0]["hoi"].get<int>(), 89);
        QCOMPARE(pc[0]["verb"].get<std::string>(), std::string("sit_on"));
        QCOMPARE(pc[0]["object"].get<std::string>(), std::string("chair"));
        QCOMPARE(pc[0]["ap"].get<double>(), 1.0);
        QCOMPARE(pc[0]["num_gt"].get<int>(), 2);
        QCOMPARE(pc[0]["max_recall"].get<double>(), 1.0);
        QCOMPARE(pc[1]["num_gt"].get<int>(), 1);
        QCOMPARE(pc[1]["max_recall"].get<double>(), 0.0);
        QCOMPARE(pc[1]["hoi"].get<int>(), 90);
        QCOMPARE(pc[1]["rare"].get<bool>(), true);
        QCOMPARE(pc[1]["true_positives"].get<int>(), 0);
    }

    void zeroShotSplit() {
        const auto r = hoi::test::run_hoi({"eval", "--gt", path("gt.json"), "--pred", path("pred.json"), "--split", "uo"});
        QVERIFY2(r.exit_code == 0, r.err.c_str());
        const json j = json::parse(r.out);
        QCOMPARE(j["split"].get<std::string>(), std::string("uo"));
        QCOMPARE(j["map_full"].get<double>(), 0.5);
        QVERIFY(j.contains("map_unseen") && j.contains("map_seen"));
        QVERIFY(!j.contains("map_rare"));
    }

    void errors() {
        auto run = [&](const QStringList& a) { return hoi::test::run_hoi(QStringList{"eval"} + a); };
        auto r = run({"--gt", path("gt.json"), "--pred", path("noscore.json")});
        QCOMPARE(r.exit_code, 3);
        QVERIFY2(QString::fromStdString(r.err).contains("score"), r.err.c_str());
        QVERIFY2(QString::fromStdString(r.err).contains("[0].hoi_annotation[0]: missing \"score\""), r.err.c_str());
        r = run({"--gt", path("gt.json"), "--pred", path("dup.json")});
        QCOMPARE(r.exit_code, 3);
        QVERIFY2(QString::fromStdString(r.err).contains("[1]: duplicate image \"a.jpg\""), r.err.c_str());
        // An image that is not in the ground truth: ignored with a warning, refused with --strict.
        r = run({"--gt", path("gt.json"), "--pred", path("stranger.json")});
        QCOMPARE(r.exit_code, 0);
        QVERIFY2(QString::fromStdString(r.err).contains("zzz.jpg"), r.err.c_str());
        r = run({"--gt", path("gt.json"), "--pred", path("stranger.json"), "--strict"});
        QCOMPARE(r.exit_code, 3);
        QVERIFY2(QString::fromStdString(r.err).contains("zzz.jpg"), r.err.c_str());
        QCOMPARE(run({"--gt", path("missing.json"), "--pred", path("pred.json")}).exit_code, 3);
        QCOMPARE(run({"--gt", path("gt.json"), "--pred", path("pred.json"), "--split", "nope"}).exit_code, 2);
        QCOMPARE(run({"--pred", path("pred.json")}).exit_code, 2);
        QCOMPARE(run({"--gt", path("gt.json"), "--pred", path("pred.json"), "--max-hois", "0"}).exit_code, 2);
    }
};

QTEST_GUILESS_MAIN(TestCmdEval)
#include "tst_cmd_eval.moc"
