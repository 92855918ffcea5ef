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
        r = run({"--gt", path("gt.json"), "--pred", path("stranger.json")});
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
