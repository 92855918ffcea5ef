// V-COCO through the real `hoi` binary: eval-mini's V-COCO images in QPIC's layout converted
// vcoco -> hico -> vcoco and vcoco -> vcoco (nothing lost, the second write byte-identical), a
// HICO-DET file converted to V-COCO (what is not a V-COCO action counted on stderr), and
// `hoi run --vcoco` on the COCO images scored by `hoi eval --vcoco` against that ground truth.
#include "test_util.h"

#include "annotation/coco_classes.h"
#include "annotation/document.h"
#include "annotation/vcoco_vocabulary.h"
#include "clip/synthetic.h"
#include "core.h"
#include "io/atomic_file.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

namespace fs = std::filesystem;
using nlohmann::json;
namespace voc = hoi::annotation::vcoco;

namespace {

// The relations of a V-COCO file as rows (image, subject box, object box or none, class, score),
// boxes to 1/100 pixel (HICO-DET's writer keeps that much).
using Row = std::tuple<std::string, std::vector<double>, std::vector<double>, int, double>;

std::vector<double> rounded(const json& bbox) {
    std::vector<double> v;
    for (const auto& x : bbox) v.push_back(std::round(x.get<double>() * 100.0) / 100.0);
    return v;
}

std::multiset<Row> rows(const json& file) {
    std::multiset<Row> out;
    for (const auto& e : file) {
        const json& anns = e.at("annotations");
        for (const auto& h : e.at("hoi_annotation")) {
            const int o = h.at("object_id").get<int>();
            out.insert({e.at("file_name").get<std::string>(), rounded(anns.at(h.at("subject_id").get<size_t>()).at("bbox")),
                        o >= 0 ? rounded(anns.at(size_t(o)).at("bbox")) : std::vector<double>{},
                        h.at("category_id").get<int>(), h.value("score", -1.0)});
        }
    }
    return out;
}

} // namespace

class TestVcocoJourney : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;
    QString out(const std::string& name) const { return tmp_.path() + "/" + QString::fromStdString(name); }
    json read(const std::string& name) const { return json::parse(hoi::io::read_file(out(name).toStdString())); }

    // eval-mini's V-COCO images as QPIC's test_vcoco.json (every role an entry, -1 without object).
    bool write_ground_truth(std::string& image_dir) {
        const std::string dir = hoi::test::shared_data_dir();
        const std::string src = dir + "/eval-mini/vcoco_openpose_subset.json";
        if (dir.empty() || !hoi::test::file_exists(src)) return false;
        image_dir = dir + "/eval-mini/images";
        std::ifstream in(src);
        const json j = json::parse(in);
        json gt = json::array();
        for (const auto& im : j.at("images")) {
            json boxes = json::array(), hois = json::array();
            std::map<std::vector<double>, int> index;
            auto box = [&](const json& b, int category) {
                const auto key = b.get<std::vector<double>>();
                if (auto it = index.find(key); it != index.end()) return it->second;
                boxes.push_back({{"bbox", b}, {"category_id", category}});
                return index[key] = int(boxes.size()) - 1;
            };
            std::map<std::pair<int, int>, std::set<int>> given;
            for (const auto& p : im.at("pairs")) {
                const int h = box(p.at("box_h"), 1);
                const int o = box(p.at("box_o"), hoi::annotation::coco80_to_coco91(
                                                         hoi::annotation::ObjectClass::named(p.at("object").get<std::string>()).coco80));
                const int vc = voc::verb_class_id(p.at("action").get<std::string>());
                hois.push_back({{"subject_id", h}, {"object_id", o}, {"category_id", vc}});
                given[{h, voc::verb_classes()[size_t(vc)].action}].insert(voc::verb_classes()[size_t(vc)].role);
            }
            for (const auto& [key, roles] : given)
                for (int r = 0; r < int(voc::actions()[size_t(key.second)].roles.size()); ++r)
                    if (!roles.count(r))
                        hois.push_back({{"subject_id", key.first}, {"object_id", -1}, {"category_id", voc::verb_class_of(key.second, r)}});
            gt.push_back({{"file_name", im.at("file_name")}, {"annotations", boxes}, {"hoi_annotation", hois}});
        }
        std::ofstream(out("gt.json").toStdString()) << gt.dump(1);
        return true;
    }

private Q_SLOTS:
    void initTestCase() {
        hoi::init_runtime();
        QVERIFY(tmp_.isValid());
    }

    void convertKeepsVcoco() {
        HOI_REQUIRE_FILE(hoi::test::bin_path("hoi"));
        std::string images;
        if (!write_ground_truth(images)) QSKIP("shared data (../shared/data/eval-mini) is absent");
        const auto want = rows(read("gt.json"));
        size_t none = 0;
        for (const auto& r : want) none += std::get<2>(r).empty();
        QVERIFY(none > 0);

        // Detected by content; vcoco -> vcoco twice: byte-identical.
        auto r = hoi::test::run_hoi({"convert", "--to", "vcoco", out("gt.json"), out("once.json")});
        QVERIFY2(r.exit_code == 0, r.err.c_str());
        json report = json::parse(r.out);
        QCOMPARE(report["from"].get<std::string>(), std::string("vcoco"));
        QVERIFY2(report["report"]["lossless"].get<bool>(), r.err.c_str());
        QCOMPARE(rows(read("once.json")), want);
        r = hoi::test::run_hoi({"convert", "--to", "vcoco", out("once.json"), out("twice.json")});
        QVERIFY2(r.exit_code == 0, r.err.c_str());
        QCOMPARE(hoi::io::read_file(out("twice.json").toStdString()), hoi::io::read_file(out("once.json").toStdString()));

        // vcoco -> hico -> vcoco: V-COCO's classes are free relations in HICO-DET, those without an
        // object included; nothing lost.
        r = hoi::test::run_hoi({"convert", "--to", "hico", out("gt.json"), out("gt_hico.json")});
        QVERIFY2(r.exit_code == 0, r.err.c_str());
        QVERIFY2(json::parse(r.out)["report"]["lossless"].get<bool>(), r.err.c_str());
        r = hoi::test::run_hoi({"convert", "--to", "vcoco", out("gt_hico.json"), out("back.json")});
        QVERIFY2(r.exit_code == 0, r.err.c_str());
        report = json::parse(r.out);
        QCOMPARE(report["from"].get<std::string>(), std::string("hico"));
        QVERIFY2(report["report"]["lossless"].get<bool>(), r.err.c_str());
        QCOMPARE(rows(read("back.json")), want);
        // Through a project (what the GUI saves) too.
        r = hoi::test::run_hoi({"convert", "--to", "project", out("gt.json"), out("gt.hoiproj")});
        QVERIFY2(r.exit_code == 0, r.err.c_str());
        r = hoi::test::run_hoi({"convert", "--to", "vcoco", out("gt.hoiproj"), out("from_project.json")});
        QVERIFY2(r.exit_code == 0, r.err.c_str());
        QCOMPARE(hoi::io::read_file(out("from_project.json").toStdString()), hoi::io::read_file(out("once.json").toStdString()));
        // The converted file is still ground truth hoi eval --vcoco reads: against itself, AP 1.
        json self = read("back.json");
        for (auto& e : self)
            for (auto& h : e["hoi_annotation"]) h["score"] = 1.0;
        std::ofstream(out("self.json").toStdString()) << self.dump();
        r = hoi::test::run_hoi({"eval", "--vcoco", "--gt", out("back.json"), "--pred", out("self.json")});
        QVERIFY2(r.exit_code == 0, r.err.c_str());
        QVERIFY(std::fabs(json::parse(r.out)["role_map_scenario_1"].get<double>() - 1.0) < 1e-12);
    }

    void otherFormatsDropWhatIsNotVcoco() {
        HOI_REQUIRE_FILE(hoi::test::bin_path("hoi"));
        // A HICO-DET file: "hold cup" is V-COCO's hold_obj, "sit_on chair" is no V-COCO action.
        const json hico = json::parse(R"([{"file_name": "a.jpg",
            "annotations": [{"bbox": [0, 0, 50, 90], "category_id": 1}, {"bbox": [10, 10, 20, 20], "category_id": 47},
                            {"bbox": [0, 40, 60, 100], "category_id": 62}],
            "hoi_annotation": [{"subject_id": 0, "object_id": 1, "category_id": 37},
                               {"subject_id": 0, "object_id": 2, "category_id": 88}]}])");
        std::ofstream(out("h.json").toStdString()) << hico.dump();
        auto r = hoi::test::run_hoi({"convert", "--from", "hico", "--to", "vcoco", out("h.json"), out("h_vcoco.json")});
        QVERIFY2(r.exit_code == 0, r.err.c_str());
        const json report = json::parse(r.out)["report"];
        QCOMPARE(report["interactions"].get<int>(), 1);
        QCOMPARE(report["interactions_skipped"].get<int>(), 1);
        QVERIFY2(QString::fromStdString(r.err).contains("1 x verb \"sit_on\" is not a V-COCO action"), r.err.c_str());
        const json v = read("h_vcoco.json");
        QCOMPARE(v[0]["hoi_annotation"].size(), size_t(1));
        QCOMPARE(v[0]["hoi_annotation"][0]["category_id"].get<int>(), voc::verb_class_id("hold_obj"));
        // A bad V-COCO file: exit 3, the JSON path named.
        std::ofstream(out("bad.json").toStdString()) << R"([{"file_name": "a.jpg", "annotations": [], "hoi_annotation": [{"subject_id": 0, "object_id": -1, "category_id": 1}]}])";
        r = hoi::test::run_hoi({"convert", "--from", "vcoco", "--to", "hico", out("bad.json"), out("x.json")});
        QCOMPARE(r.exit_code, 3);
        QVERIFY2(QString::fromStdString(r.err).contains("[0].hoi_annotation[0]"), r.err.c_str());
        QCOMPARE(hoi::test::run_hoi({"convert", "--to", "vcocoo", out("h.json"), out("x.json")}).exit_code, 2);
    }

    void runVcocoIsScoredByEval() {
        HOI_REQUIRE_FILE(hoi::test::bin_path("hoi"));
        HOI_REQUIRE_FILE(hoi::test::models_dir() + "/nanodet.json");
        std::string images;
        if (!write_ground_truth(images)) QSKIP("shared data (../shared/data/eval-mini) is absent");
        // Three of the COCO images (a random-weight CLIP: the scores mean nothing, the layout does).
        QStringList inputs;
        for (const auto& e : read("gt.json")) {
            if (!e["hoi_annotation"].empty() && inputs.size() < 3)
                inputs << QString::fromStdString(images + "/" + e["file_name"].get<std::string>());
        }
        QCOMPARE(inputs.size(), 3);
        const QString clip = out("tiny.pt");
        hoi::clip::write_synthetic_model(clip.toStdString(), hoi::clip::tiny_vit_config(), 3);
        QCOMPARE(hoi::test::run_hoi({"run", "--clip", clip, "--vcoco", "--hico", "--out", out("x.json"), inputs[0]}).exit_code, 2);
        auto r = hoi::test::run_hoi(QStringList{"run", "--clip", clip, "--vcoco", "--no-pose", "--out", out("run.json")} + inputs,
                                    600000);
        QVERIFY2(r.exit_code == 0, r.err.c_str());
        const json summary = json::parse(r.out);
        QCOMPARE(summary["prompts"].get<int>(), voc::kVerbClasses);
        QVERIFY(summary["pairs"].get<int>() > 0);
        const json meta = read("run.json.meta.json");
        QCOMPARE(meta["options"]["layout"].get<std::string>(), std::string("vcoco"));
        QCOMPARE(meta["prompts"][1]["text"].get<std::string>(), std::string("stand"));
        const json run = read("run.json");
        QCOMPARE(run.size(), size_t(3));
        std::set<int> classes;
        size_t entries = 0;
        for (const auto& e : run) {
            QVERIFY(!e.contains("free_hoi_annotation"));
            QVERIFY(e.contains("image_path"));
            for (const auto& h : e["hoi_annotation"]) {
                ++entries;
                QVERIFY(h.contains("score"));
                const int c = h["category_id"].get<int>();
                QVERIFY(c >= 0 && c < voc::kVerbClasses);
                classes.insert(c);
                if (voc::verb_classes()[size_t(c)].role < 0) QCOMPARE(h["object_id"].get<int>(), -1);
            }
        }
        QCOMPARE(entries, size_t(summary["interactions"].get<int>()));
        QCOMPARE(int(classes.size()), voc::kVerbClasses); // every class scored every pair (min score 0)

        // hoi eval --vcoco scores it against the ground truth.
        r = hoi::test::run_hoi({"eval", "--vcoco", "--gt", out("gt.json"), "--pred", out("run.json"), "--per-class"});
        QVERIFY2(r.exit_code == 0, r.err.c_str());
        const json ev = json::parse(r.out);
        QCOMPARE(ev["dataset"].get<std::string>(), std::string("vcoco"));
        QVERIFY(ev["agent_map"].is_number());
        QVERIFY(ev["role_map_scenario_1"].is_number());

        // The run's output is a V-COCO annotation file too (the GUI opens it, hoi convert reads it).
        r = hoi::test::run_hoi({"convert", "--to", "vcoco", out("run.json"), out("run_conv.json")});
        QVERIFY2(r.exit_code == 0, r.err.c_str());
        QCOMPARE(json::parse(r.out)["from"].get<std::string>(), std::string("vcoco"));
        QVERIFY2(json::parse(r.out)["report"]["lossless"].get<bool>(), r.err.c_str());
        QCOMPARE(rows(read("run_conv.json")), rows(run));
    }
};

QTEST_GUILESS_MAIN(TestVcocoJourney)
#include "tst_vcoco_journey.moc"
