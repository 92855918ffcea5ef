// V-COCO evaluation (core/eval/vcoco_eval.h, vcoco_file.h, `hoi eval --vcoco`): hand-computed cases
// for vsrl_eval.py's rules (overlap, all-point AP, agent AP, role AP in scenarios 1 and 2, ignored
// persons, duplicates), the QPIC test_vcoco.json layout, and the 7 V-COCO images of eval-mini.
#include <QtTest>

#include "annotation/vcoco_vocabulary.h"
#include "eval/vcoco_eval.h"
#include "eval/vcoco_file.h"
#include "io/error.h"
#include "test_util.h"

#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <nlohmann/json.hpp>

using hoi::eval::Box;
using namespace hoi::eval::vcoco;
using nlohmann::json;
namespace voc = hoi::annotation::vcoco;

namespace {

bool near(double a, double b) { return std::fabs(a - b) < 1e-12; }

const Box kP1{0, 0, 99, 99}, kP2{300, 0, 399, 99}, kP3{500, 0, 599, 99};
const Box kO1{200, 0, 299, 99}, kWrong{600, 600, 699, 699};
const int kHold = 0, kStand = 1, kSit = 2;

GtPerson person(const Box& b) {
    GtPerson p;
    p.box = b;
    return p;
}

Detection agent_det(const Box& b, int action, double score) {
    Detection d;
    d.person = b;
    d.agent[size_t(action)] = score;
    return d;
}

Detection role_det(const Box& b, int action, int role, const Box& object, double score) {
    Detection d = agent_det(b, action, score);
    d.roles[size_t(action)][size_t(role)] = RolePrediction{object, score};
    return d;
}

const ClassAp& find(const std::vector<ClassAp>& v, const std::string& name) {
    for (const auto& c : v)
        if (c.name == name) return c;
    throw std::runtime_error("no class " + name);
}

} // namespace

class TestVcocoEval : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    QString path(const char* name) const { return dir_.path() + "/" + name; }
    // Writes `j` as the file `name` in the temporary folder.
    void save(const char* name, const json& j) const { std::ofstream(path(name).toStdString()) << j.dump(1); }

private Q_SLOTS:
    void vocabulary() {
        QCOMPARE(int(voc::actions().size()), 26);
        QCOMPARE(int(voc::verb_classes().size()), 29);
        QCOMPARE(voc::verb_classes()[6].name, std::string("hit_instr"));
        QCOMPARE(voc::verb_classes()[8].name, std::string("eat_obj"));
        QCOMPARE(voc::verb_classes()[28].name, std::string("snowboard_instr"));
        QCOMPARE(voc::verb_class_id("talk_on_phone instr"), 12);
        QCOMPARE(voc::verb_class_of(1, -1), 1); // stand
        QCOMPARE(voc::verb_class_id("fly"), -1);
    }

    void overlapAsVsrl() {
        QVERIFY(near(overlap({0, 0, 9, 9}, {0, 0, 9, 9}), 1.0));
        // Sharing one edge column: one pixel wide (the HICO-DET evaluators say 0).
        QVERIFY(near(overlap({0, 0, 9, 9}, {9, 0, 18, 9}), 10.0 / 190.0));
        QCOMPARE(overlap({0, 0, 9, 9}, {20, 20, 30, 30}), 0.0);
        QVERIFY(std::isnan(overlap({0, 0, 9, 9}, {NAN, NAN, NAN, NAN})));
    }

    void allPointAp() {
        // Envelope [1, 1, 2/3, 2/3, 0]; recall steps 0 -> 0.5 (x 1) and 0.5 -> 1 (x 2/3).
        QVERIFY(near(voc_ap_all_points({0.5, 0.5, 1.0}, {1.0, 0.5, 2.0 / 3.0}), 0.5 + 1.0 / 3.0));
        QVERIFY(near(voc_ap_all_points({0.5}, {1.0}), 0.5));
        QVERIFY(near(voc_ap_all_points({}, {}), 0.0));
    }

    // P1 holds, P2 stands, P3 is not annotated (ignored). hold: 0.95 on P3 is skipped, 0.9 on P1 is
    // a TP, 0.8 on P1 a duplicate (FP), 0.7 on P2 (who does not hold) a FP: precision 1 at recall 1.
    void agentAp() {
        GtImage img{"a", {person(kP1), person(kP2), person(kP3)}};
        img.persons[0].actions[kHold] = true;
        img.persons[0].roles[kHold][0] = kO1;
        img.persons[1].actions[kStand] = true;
        img.persons[2].ignore = true;
        img.persons[2].actions[kHold] = true; // ignored persons are not positives
        PredImage pred{"a", {agent_det(kP1, kHold, 0.9), agent_det(kP1, kHold, 0.8), agent_det(kP3, kHold, 0.95),
                             agent_det(kP2, kHold, 0.7)}};
        const Result r = evaluate({img}, {pred});
        const ClassAp& hold = find(r.agent, "hold");
        QCOMPARE(hold.positives, 1);
        QCOMPARE(hold.detections, 3);
        QCOMPARE(hold.true_positives, 1);
        QVERIFY(near(hold.ap, 1.0));
        QVERIFY(near(find(r.agent, "stand").ap, 0.0)); // a positive, no detection
        QVERIFY(std::isnan(find(r.agent, "walk").ap));   // no positive
        QVERIFY(near(r.agent_map, 1.0 / 26.0));          // nansum / 26
        QCOMPARE(r.persons, 3);

        // The FP on P2 ranked above the TP: FP 0.95, TP 0.9 -> precision 1/2 at recall 1.
        PredImage worse{"a", {agent_det(kP2, kHold, 0.95), agent_det(kP1, kHold, 0.9)}};
        QVERIFY(near(find(evaluate({img}, {worse}).agent, "hold").ap, 0.5));
    }

    // hold-obj: P1's object is O1. sit-instr: P2 sits with no object.
    void roleApScenarios() {
        GtImage img{"a", {person(kP1), person(kP2)}};
        img.persons[0].actions[kHold] = true;
        img.persons[0].roles[kHold][0] = kO1;
        img.persons[1].actions[kSit] = true; // no instrument visible
        PredImage pred{"a",
                       {role_det(kP1, kHold, 0, kO1, 0.9),     // TP
                        role_det(kP1, kHold, 0, kWrong, 0.85), // role box misses O1: FP
                        role_det(kP2, kSit, 0, Box{10, 10, 50, 50}, 0.7), // S1: a role where none is: FP; S2: TP
                        role_det(kP2, kSit, 0, Box{0, 0, 0, 0}, 0.6)}};   // S1: empty role: TP; S2: duplicate
        const Result r = evaluate({img}, {pred});
        QVERIFY(near(find(r.role_s1, "hold-obj").ap, 1.0)); // TP, FP: precision 1 at recall 1
        QVERIFY(near(find(r.role_s2, "hold-obj").ap, 1.0));
        QVERIFY(near(find(r.role_s1, "sit-instr").ap, 0.5)); // FP, TP
        QVERIFY(near(find(r.role_s2, "sit-instr").ap, 1.0)); // TP, FP
        QVERIFY(near(r.role_map_s1, 0.75));
        QVERIFY(near(r.role_map_s2, 1.0));
        QCOMPARE(int(r.role_s1.size()), 25);
        QCOMPARE(find(r.role_s1, "sit-instr").positives, 1);
        // A NaN role box (no object predicted) counts as empty in scenario 1 too.
        PredImage nan_role{"a", {role_det(kP2, kSit, 0, Box{NAN, NAN, NAN, NAN}, 0.6)}};
        QVERIFY(near(find(evaluate({img}, {nan_role}).role_s1, "sit-instr").ap, 1.0));
    }

    void imagesAndErrors() {
        GtImage a{"a", {person(kP1)}}, empty{"e", {}};
        a.persons[0].actions[kHold] = true;
        // A detection in an image without persons is a FP; an image not in the ground truth is ignored.
        const Result r = evaluate({a, empty}, {{"e", {agent_det(kP1, kHold, 0.9)}, ""},
                                               {"a", {agent_det(kP1, kHold, 0.5)}, ""},
                                               {"zzz", {agent_det(kP1, kHold, 1.0)}, ""}});
        QVERIFY(near(find(r.agent, "hold").ap, 0.5)); // FP 0.9, TP 0.5
        QCOMPARE(r.ignored_images, 1);
        QCOMPARE(r.ignored_image_names.at(0), std::string("zzz"));
        bool threw = false;
        try {
            evaluate({a}, {{"a", {}, "p.json: [3]"}, {"a", {}, "p.json: [4]"}});
        } catch (const hoi::Error& e) {
            threw = e.kind() == hoi::ErrorKind::Input && QString(e.what()).contains("p.json: [4]");
        }
        QVERIFY(threw);
    }

    void qpicLayout() {
        // Person 0 holds box 1 (a book) and stands; eat with no visible instrument (object_id -1).
        const json gt = json::array({{{"file_name", "a.jpg"},
                                      {"annotations", {{{"bbox", {0, 0, 99, 99}}, {"category_id", 1}},
                                                       {{"bbox", {200, 0, 299, 99}}, {"category_id", 84}}}},
                                      {"hoi_annotation", {{{"subject_id", 0}, {"object_id", 1}, {"category_id", 0}},
                                                          {{"subject_id", 0}, {"object_id", -1}, {"category_id", 1}},
                                                          {{"subject_id", 0}, {"object_id", -1}, {"category_id", 9}}}}}});
        const auto g = read_ground_truth_text(gt.dump(), "gt.json");
        QCOMPARE(int(g.at(0).persons.size()), 1);
        const GtPerson& p = g[0].persons[0];
        QVERIFY(p.actions[kHold] && p.actions[kStand] && p.actions[7]);
        QCOMPARE(p.roles[kHold][0]->x1, 200.0);
        QVERIFY(!p.roles[7][1].has_value());

        // Entries of one (subject, object) pair form one detection; hit's agent score is its best role.
        const json pred = json::array(
                {{{"file_name", "a.jpg"},
                  {"predictions", {{{"bbox", {0, 0, 99, 99}}}, {{"bbox", {200, 0, 299, 99}}}}},
                  {"hoi_prediction", {{{"subject_id", 0}, {"object_id", 1}, {"category_id", 0}, {"score", 0.9}},
                                      {{"subject_id", 0}, {"object_id", 1}, {"category_id", 6}, {"score", 0.5}},
                                      {{"subject_id", 0}, {"object_id", 1}, {"category_id", 7}, {"score", 0.7}},
                                      {{"subject_id", 0}, {"object_id", -1}, {"category_id", 1}, {"score", 0.3}}}}}});
        const auto d = read_predictions_text(pred.dump(), "p.json");
        QCOMPARE(int(d.at(0).detections.size()), 2);
        const Detection& first = d[0].detections[0];
        QCOMPARE(first.agent[kHold], 0.9);
        QCOMPARE(first.agent[6], 0.7); // hit = max(hit_instr 0.5, hit_obj 0.7)
        QCOMPARE(first.roles[6][0].score, 0.5);
        QCOMPARE(first.roles[kHold][0].box.x2, 299.0);
        QVERIFY(std::isnan(first.agent[kStand]));
        QCOMPARE(d[0].detections[1].agent[kStand], 0.3);

        auto error = [](const json& j, bool predictions) {
            try {
                predictions ? (void)read_predictions_text(j.dump(), "f.json") : (void)read_ground_truth_text(j.dump(), "f.json");
            } catch (const hoi::Error& e) {
                return QString(e.what());
            }
            return QString("no error");
        };
        json bad = pred;
        bad[0]["hoi_prediction"][0].erase("score");
        QVERIFY(error(bad, true).contains("[0].hoi_prediction[0]: missing \"score\""));
        bad = pred;
        bad[0]["hoi_prediction"][0]["category_id"] = 29;
        QVERIFY(error(bad, true).contains("[0].hoi_prediction[0].category_id: 29 is outside 0..28"));
        bad = pred;
        bad[0]["hoi_prediction"][3]["object_id"] = 1;
        QVERIFY(error(bad, true).contains("\"stand\" has no object role"));
        bad = gt;
        bad[0]["hoi_annotation"][0]["subject_id"] = 1;
        bad[0]["hoi_annotation"][0]["object_id"] = 0;
        QVERIFY(error(bad, false).contains("[0].hoi_annotation[0].subject_id: the subject is not a person box"));
        bad = gt;
        bad.push_back(gt[0]);
        QVERIFY(error(bad, false).contains("[1].file_name: duplicate image \"a.jpg\""));
        QVERIFY(error(json::object(), false).contains("expected a list of images"));
    }

    // The 7 V-COCO test images of ../shared/data/eval-mini, written in the QPIC layout (every role
    // of an action an entry, object_id -1 when the role has no object, as QPIC's converter does).
    void evalMiniThroughTheCli() {
        const std::string dir = hoi::test::shared_data_dir();
        if (dir.empty()) QSKIP("shared data (../shared/data) is absent");
        const std::string src = dir + "/eval-mini/vcoco_openpose_subset.json";
        HOI_REQUIRE_FILE(src);
        HOI_REQUIRE_FILE(hoi::test::bin_path("hoi"));
        QVERIFY(dir_.isValid());
        std::ifstream in(src);
        const json j = json::parse(in);
        json gt = json::array(), pred = json::array();
        bool perturbed = false;
        for (const auto& im : j.at("images")) {
            json boxes = json::array(), hois = json::array(), phois = json::array();
            std::map<std::vector<double>, int> index;
            auto box = [&](const json& b, int category) {
                const std::vector<double> key = b.get<std::vector<double>>();
                auto it = index.find(key);
                if (it != index.end()) return it->second;
                boxes.push_back({{"bbox", b}, {"category_id", category}});
                return index[key] = int(boxes.size()) - 1;
            };
            std::map<std::pair<int, int>, std::set<int>> roles_given; // (person, action) -> roles with an object
            for (const auto& p : im.at("pairs")) {
                const int h = box(p.at("box_h"), 1), o = box(p.at("box_o"), 2);
                const int vc = voc::verb_class_id(p.at("action").get<std::string>());
                QVERIFY(vc >= 0);
                hois.push_back({{"subject_id", h}, {"object_id", o}, {"category_id", vc}});
                roles_given[{h, voc::verb_classes()[size_t(vc)].action}].insert(voc::verb_classes()[size_t(vc)].role);
                json e = hois.back();
                e["score"] = 1.0;
                if (!perturbed && vc == 0) { // the first hold-obj: its object moved away, score 0.5
                    boxes.push_back({{"bbox", {2000, 2000, 2100, 2100}}, {"category_id", 2}});
                    e["object_id"] = int(boxes.size()) - 1;
                    e["score"] = 0.5;
                    perturbed = true;
                }
                phois.push_back(e);
            }
            for (const auto& [key, given] : roles_given) {
                const auto& roles = voc::actions()[size_t(key.second)].roles;
                for (int r = 0; r < int(roles.size()); ++r)
                    if (!given.count(r)) {
                        const int vc = voc::verb_class_of(key.second, r);
                        hois.push_back({{"subject_id", key.first}, {"object_id", -1}, {"category_id", vc}});
                        phois.push_back({{"subject_id", key.first}, {"object_id", -1}, {"category_id", vc}, {"score", 1.0}});
                    }
            }
            gt.push_back({{"file_name", im.at("file_name")}, {"annotations", boxes}, {"hoi_annotation", hois}});
            pred.push_back({{"file_name", im.at("file_name")}, {"annotations", boxes}, {"hoi_annotation", phois}});
        }
        QVERIFY(perturbed);
        json self = gt;
        for (auto& im : self)
            for (auto& e : im["hoi_annotation"]) e["score"] = 1.0;
        self.push_back({{"file_name", "COCO_val2014_000000999999.jpg"}, {"annotations", json::array()},
                        {"hoi_annotation", json::array()}});
        save("gt.json", gt);
        save("self.json", self);
        save("pred.json", pred);

        // Ground truth against itself: every class with positives has AP 1. Seven actions have
        // positives (hold, sit, talk_on_phone, look, read, eat, hit): agent mAP 7/26.
        auto r = hoi::test::run_hoi({"eval", "--vcoco", "--gt", path("gt.json"), "--pred", path("self.json"), "--per-class"});
        QVERIFY2(r.exit_code == 0, r.err.c_str());
        json out = json::parse(r.out);
        QVERIFY(near(out["agent_map"].get<double>(), 7.0 / 26.0));
        QVERIFY(near(out["role_map_scenario_1"].get<double>(), 1.0));
        QVERIFY(near(out["role_map_scenario_2"].get<double>(), 1.0));
        QCOMPARE(out["images"].get<int>(), 7);
        QCOMPARE(out["prediction_images_ignored"].get<int>(), 1);
        QVERIFY2(QString::fromStdString(r.err).contains("[7]: image \"COCO_val2014_000000999999.jpg\" is not in the ground truth"),
                 r.err.c_str());
        int role_classes = 0;
        for (const auto& c : out["per_class_role"])
            if (!c["ap_scenario_1"].is_null()) ++role_classes;
        QCOMPARE(role_classes, 9); // hold-obj sit-instr talk_on_phone-instr look-obj read-obj eat-obj eat-instr hit-instr hit-obj
        QCOMPARE(out["per_class_agent"][0]["positives"].get<int>(), 7); // seven persons hold something

        // One hold-obj prediction with its object moved away, ranked last: 6 TPs then a FP of 7
        // positives -> hold-obj AP 6/7 in both scenarios; the agent still finds the person (AP 1).
        r = hoi::test::run_hoi({"eval", "--vcoco", "--gt", path("gt.json"), "--pred", path("pred.json")});
        QVERIFY2(r.exit_code == 0, r.err.c_str());
        out = json::parse(r.out);
        QVERIFY(std::fabs(out["role_map_scenario_1"].get<double>() - (8.0 + 6.0 / 7.0) / 9.0) < 1e-12);
        QVERIFY(std::fabs(out["role_map_scenario_2"].get<double>() - (8.0 + 6.0 / 7.0) / 9.0) < 1e-12);
        QVERIFY(near(out["agent_map"].get<double>(), 7.0 / 26.0));

        QCOMPARE(hoi::test::run_hoi({"eval", "--vcoco", "--gt", path("gt.json"), "--pred", path("pred.json"), "--split", "uo"}).exit_code, 2);
        QCOMPARE(hoi::test::run_hoi({"eval", "--vcoco", "--gt", path("missing.json"), "--pred", path("pred.json")}).exit_code, 3);
    }
};

QTEST_GUILESS_MAIN(TestVcocoEval)
#include "tst_vcoco_eval.moc"
