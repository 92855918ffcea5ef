// The V-COCO annotation format (annotation/vcoco_format.h): the QPIC / GEN-VLKT layout read into the
// Document and written back losslessly and deterministically, relations without an object (V-COCO's
// "stand", a role whose object is not visible) kept through every format that can hold them and
// counted by those that cannot, other formats' relations mapped to the 29 classes or counted,
// hostile files refused with the JSON path, the shared data's V-COCO images, and the one parser
// that hoi eval --vcoco reads through.
#include <QtTest>

#include "annotation_fixtures.h"
#include "annotation/coco_classes.h"
#include "annotation/formats.h"
#include "annotation/vcoco_format.h"
#include "annotation/vcoco_vocabulary.h"
#include "eval/vcoco_file.h"
#include "hoi/prompt.h"
#include "io/error.h"
#include "test_util.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <set>

using namespace hoi::annotation;
using hoi::test::make_instance;
using hoi::test::make_interaction;
using nlohmann::json;
namespace voc = hoi::annotation::vcoco;

namespace {

// Person 0 holds box 1 (a book, COCO-91 84) and stands; eats with no visible instrument; hits a
// ball (box 2, sports ball 37) with a racket (box 3, tennis racket 43).
json hand_made() {
    return json::parse(R"([
 {"file_name": "a.jpg", "width": 640, "height": 480,
  "annotations": [{"bbox": [0, 0, 99.5, 99.25], "category_id": 1},
                  {"bbox": [200, 0, 299, 99], "category_id": 84},
                  {"bbox": [300, 10, 320, 30], "category_id": 37},
                  {"bbox": [310.03999999999996, 5, 350, 60], "category_id": 43}],
  "hoi_annotation": [{"subject_id": 0, "object_id": 1, "category_id": 0},
                     {"subject_id": 0, "object_id": -1, "category_id": 1},
                     {"subject_id": 0, "object_id": -1, "category_id": 9},
                     {"subject_id": 0, "object_id": 3, "category_id": 6},
                     {"subject_id": 0, "object_id": 2, "category_id": 7}]},
 {"file_name": "sub/b.jpg", "img_id": 7, "annotations": [], "hoi_annotation": []}])");
}

// eval-mini's 7 V-COCO images in the QPIC layout, as QPIC's converter writes them (every role of an
// action an entry, object_id -1 when the role has no object). Empty when the shared data is absent.
json eval_mini_qpic(size_t* entries = nullptr, size_t* no_object = nullptr) {
    const std::string path = hoi::test::shared_data_dir() + "/eval-mini/vcoco_openpose_subset.json";
    if (!hoi::test::file_exists(path)) return json();
    std::ifstream in(path);
    const json j = json::parse(in);
    json out = json::array();
    size_t n = 0, none = 0;
    for (const auto& im : j.at("images")) {
        json boxes = json::array(), hois = json::array();
        std::map<std::vector<double>, int> index;
        auto box = [&](const json& b, int category) {
            const std::vector<double> key = b.get<std::vector<double>>();
            auto it = index.find(key);
            if (it != index.end()) return it->second;
            boxes.push_back({{"bbox", b}, {"category_id", category}});
            return index[key] = int(boxes.size()) - 1;
        };
        std::map<std::pair<int, int>, std::set<int>> given;
        for (const auto& p : im.at("pairs")) {
            const int h = box(p.at("box_h"), 1);
            // The object's COCO-91 id from its name.
            const int o = box(p.at("box_o"), coco80_to_coco91(ObjectClass::named(p.at("object").get<std::string>()).coco80));
            const int vc = voc::verb_class_id(p.at("action").get<std::string>());
            hois.push_back({{"subject_id", h}, {"object_id", o}, {"category_id", vc}});
            given[{h, voc::verb_classes()[size_t(vc)].action}].insert(voc::verb_classes()[size_t(vc)].role);
            ++n;
        }
        for (const auto& [key, roles] : given) {
            const auto& all = voc::actions()[size_t(key.second)].roles;
            for (int r = 0; r < int(all.size()); ++r)
                if (!roles.count(r)) {
                    hois.push_back({{"subject_id", key.first}, {"object_id", -1}, {"category_id", voc::verb_class_of(key.second, r)}});
                    ++n;
                    ++none;
                }
        }
        out.push_back({{"file_name", im.at("file_name")}, {"width", im.at("width")}, {"height", im.at("height")},
                       {"annotations", boxes}, {"hoi_annotation", hois}});
    }
    if (entries) *entries = n;
    if (no_object) *no_object = none;
    return out;
}

QString import_error(const std::string& text) {
    try {
        import_text(text, Format::Vcoco, "bad.json");
    } catch (const hoi::Error& e) {
        return e.kind() == hoi::ErrorKind::Input ? QString::fromStdString(e.what()) : QString("wrong kind");
    }
    return QString("no error");
}

} // namespace

class TstVcocoFormat : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void readsTheQpicLayout();
    void roundTripIsLosslessAndDeterministic();
    void sharedEvalMiniRoundTrip();
    void detectedByContent();
    void relationWithoutObjectInTheDocument();
    void noObjectThroughOtherFormats();
    void otherFormatsToVcoco();
    void hostileInputNamesThePath();
    void evalReadsThroughTheSameParser();
    void vcocoPrompts();
};

void TstVcocoFormat::readsTheQpicLayout() {
    const Project p = import_text(hand_made().dump(), Format::Vcoco);
    const Document& d = p.document;
    QCOMPARE(d.images().size(), size_t(2));
    QCOMPARE(d.images()[0].width, 640);
    QCOMPARE(d.instances().size(), size_t(4));
    QVERIFY(d.instances()[0].cls.is_person());
    QCOMPARE(d.instances()[1].cls.label, std::string("book"));
    QCOMPARE(d.instances()[3].box.x1, 310.03999999999996);
    QCOMPARE(d.instances()[0].state, State::Accepted);
    const auto& r = d.interactions();
    QCOMPARE(r.size(), size_t(5));
    QCOMPARE(r[0].verb, std::string("hold_obj"));
    QCOMPARE(r[0].object, d.instances()[1].id);
    QCOMPARE(r[0].hico_verb, -1);
    QCOMPARE(r[1].verb, std::string("stand"));
    QCOMPARE(r[1].object, Id(0)); // no object
    QCOMPARE(r[2].verb, std::string("eat_instr"));
    QCOMPARE(r[2].object, Id(0)); // a role whose object is not visible
    QCOMPARE(r[3].verb, std::string("hit_instr"));
    QCOMPARE(r[3].object, d.instances()[3].id);
    QCOMPARE(r[4].verb, std::string("hit_obj"));
    for (const auto& x : r) QCOMPARE(voc::verb_class_id(x.verb), voc::vcoco_verb_class(x));
}

void TstVcocoFormat::roundTripIsLosslessAndDeterministic() {
    const Project p = import_text(hand_made().dump(), Format::Vcoco);
    ExportReport report;
    const std::string once = export_text(p, Format::Vcoco, &report);
    QVERIFY2(report.lossless(), report.to_string().c_str());
    QCOMPARE(report.interactions, size_t(5));
    const Project q = import_text(once, Format::Vcoco);
    QVERIFY(q.document == p.document);
    QCOMPARE(export_text(q, Format::Vcoco), once); // byte-identical second write
    // The layout: QPIC's keys, object_id -1 for the roles without object, numbers as they were.
    const json j = json::parse(once);
    QCOMPARE(j[0]["hoi_annotation"][1]["object_id"].get<int>(), -1);
    QCOMPARE(j[0]["hoi_annotation"][1]["category_id"].get<int>(), 1);
    QCOMPARE(j[0]["annotations"][1]["category_id"].get<int>(), 84);
    QCOMPARE(j[0]["annotations"][3]["bbox"][0].get<double>(), 310.03999999999996);
    QVERIFY(!j[1].contains("width"));
    // Scores and prompts of predictions survive too.
    Project s = p;
    const Id first = s.document.interactions()[0].id;
    s.document.set_interaction_score(first, 0.123456789);
    const std::string scored = export_text(s, Format::Vcoco);
    const Project back = import_text(scored, Format::Vcoco);
    QCOMPARE(*back.document.interactions()[0].score, 0.123456789);
    QCOMPARE(back.document.interactions()[0].state, State::Predicted);
}

void TstVcocoFormat::sharedEvalMiniRoundTrip() {
    size_t entries = 0, none = 0;
    const json gt = eval_mini_qpic(&entries, &none);
    if (gt.is_null()) QSKIP("shared data (../shared/data/eval-mini) is absent");
    QCOMPARE(gt.size(), size_t(7));
    QCOMPARE(entries - none, size_t(18)); // the 18 labelled pairs
    QVERIFY(none > 0);                     // eat, hit: roles without an object
    const Project p = import_text(gt.dump(), Format::Vcoco, "eval-mini");
    QCOMPARE(p.document.images().size(), size_t(7));
    QCOMPARE(p.document.interactions().size(), entries);
    size_t without = 0;
    for (const auto& x : p.document.interactions()) without += x.object == 0;
    QCOMPARE(without, none);
    ExportReport report;
    const std::string once = export_text(p, Format::Vcoco, &report);
    QVERIFY2(report.lossless(), report.to_string().c_str());
    const Project q = import_text(once, Format::Vcoco);
    QVERIFY(q.document == p.document);
    QCOMPARE(export_text(q, Format::Vcoco), once);
    // The written file is what hoi eval --vcoco reads: the same persons and actions as the source.
    const auto a = hoi::eval::vcoco::read_ground_truth_text(gt.dump(), "src");
    const auto b = hoi::eval::vcoco::read_ground_truth_text(once, "written");
    QCOMPARE(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
        QCOMPARE(a[i].persons.size(), b[i].persons.size());
        for (size_t k = 0; k < a[i].persons.size(); ++k) QVERIFY(a[i].persons[k].actions == b[i].persons[k].actions);
    }
}

void TstVcocoFormat::detectedByContent() {
    const std::string text = export_text(import_text(hand_made().dump(), Format::Vcoco), Format::Vcoco);
    QCOMPARE(int(detect_format(text)), int(Format::Vcoco));
    QCOMPARE(int(detect_format(hand_made().dump(2))), int(Format::Vcoco));
    QCOMPARE(int(detect_format(R"([{"file_name": "p.jpg", "predictions": [], "hoi_prediction": []}])")), int(Format::Vcoco));
    // HICO-DET files stay HICO-DET: their own keys, and nothing V-COCO only.
    const Project rich = hoi::test::rich_project();
    QCOMPARE(int(detect_format(export_text(rich, Format::Hico))), int(Format::Hico));
    QCOMPARE(int(detect_format(R"([{"file_name": "a.jpg", "annotations": [{"bbox": [0, 0, 1, 1], "category_id": 1}],
                                    "hoi_annotation": [{"subject_id": 0, "object_id": 0, "category_id": 10, "hoi_category_id": 5}]}])")),
             int(Format::Hico));
    QCOMPARE(int(detect_format(R"([{"file_name": "a.jpg", "annotations": [], "hoi_annotation": [], "free_hoi_annotation": []}])")),
             int(Format::Hico));
    // A V-COCO file whose relations all have objects and no class 0 (kick_obj, catch_obj).
    QCOMPARE(int(detect_format(R"([{"file_name": "a.jpg", "annotations": [{"bbox": [0, 0, 1, 1], "category_id": 1}, {"bbox": [0, 0, 1, 1], "category_id": 37}],
                                    "hoi_annotation": [{"subject_id": 0, "object_id": 1, "category_id": 25}]}])")),
             int(Format::Vcoco));
    QCOMPARE(int(parse_format("vcoco")), int(Format::Vcoco));
    QCOMPARE(std::string(format_name(Format::Vcoco)), std::string("vcoco"));
}

void TstVcocoFormat::relationWithoutObjectInTheDocument() {
    Document d;
    const Id im = d.add_image({0, "a.jpg", 0, 0, false});
    const Id person = d.add_instance(make_instance(im, {0, 0, 10, 10}, ObjectClass::coco(0)));
    const Id cup = d.add_instance(make_instance(im, {5, 5, 8, 8}, ObjectClass::coco(41)));
    const Id stand = d.add_interaction(make_interaction(person, 0, "stand"));
    d.add_interaction(make_interaction(person, cup, "hold_obj"));
    QCOMPARE(d.interaction(stand)->image, im);
    QCOMPARE(d.interactions_with(cup).size(), size_t(1));
    // Removing the object keeps the subject-only relation; removing the subject takes it, and undo
    // (restore) puts it back.
    d.remove_instance(cup);
    QVERIFY(d.interaction(stand));
    const RemovedInstance removed = d.remove_instance(person);
    QVERIFY(!d.interaction(stand));
    d.restore_instance(removed);
    QCOMPARE(d.interaction(stand)->object, Id(0));
    // A missing object id (not 0) is still refused.
    QVERIFY_THROWS_EXCEPTION(hoi::Error, d.add_interaction(make_interaction(person, 999, "hold_obj")));
    // from_parts (the project loader) takes it.
    const Document copy = Document::from_parts(d.images(), d.instances(), d.interactions());
    QVERIFY(copy == d);
}

void TstVcocoFormat::noObjectThroughOtherFormats() {
    json j = hand_made();
    j[0]["annotations"][3]["bbox"][0] = 310.04; // HICO-DET's writer keeps 1/100 pixel
    const Project p = import_text(j.dump(), Format::Vcoco);
    // Project (what the GUI saves): exact.
    const Project proj = import_text(export_text(p, Format::Project), Format::Project);
    QVERIFY(proj.document == p.document);
    // HICO-DET: V-COCO's classes are free verbs there, a relation without object has object_id -1;
    // back to V-COCO the file is the same.
    ExportReport hr;
    const std::string hico = export_text(p, Format::Hico, &hr);
    QVERIFY2(hr.lossless(), hr.to_string().c_str());
    const json hj = json::parse(hico);
    QCOMPARE(hj[0]["free_hoi_annotation"][1]["object_id"].get<int>(), -1);
    QVERIFY(!hj[0]["free_hoi_annotation"][1].contains("object"));
    QCOMPARE(int(detect_format(hico)), int(Format::Hico));
    const Project via = import_text(hico, Format::Hico);
    QCOMPARE(via.document.interactions()[1].object, Id(0));
    QCOMPARE(export_text(via, Format::Vcoco), export_text(p, Format::Vcoco));
    // CSV and instances cannot hold a relation without an object: left out and counted.
    for (Format f : {Format::Csv, Format::Instances}) {
        ExportReport r;
        export_text(p, f, &r);
        size_t counted = 0;
        for (const auto& [reason, n] : r.reasons)
            if (reason.find("no object") != std::string::npos) counted += n;
        QCOMPARE(counted, size_t(2));
    }
    // COCO has no relations: no crash.
    ExportReport cr;
    export_text(p, Format::Coco, &cr);
    QCOMPARE(cr.instances, size_t(4));
}

void TstVcocoFormat::otherFormatsToVcoco() {
    Project p;
    Document& d = p.document;
    const Id im = d.add_image({0, "x.jpg", 100, 100, false});
    const Id person = d.add_instance(make_instance(im, {0, 0, 50, 90}, ObjectClass::coco(0)));
    const Id horse = d.add_instance(make_instance(im, {10, 10, 90, 90}, ObjectClass::coco(17)));
    const Id dog = d.add_instance(make_instance(im, {60, 60, 80, 80}, ObjectClass::coco(16)));
    const Id pick = d.add_instance(make_instance(im, {1, 1, 2, 2}, ObjectClass::named("guitar pick")));
    d.add_interaction(make_interaction(person, horse, "ride"));          // HICO verb, one V-COCO role -> ride_instr
    d.add_interaction(make_interaction(person, horse, "hold", 0.5));     // -> hold_obj
    d.add_interaction(make_interaction(person, 0, "walk"));              // role-less action
    d.add_interaction(make_interaction(person, horse, "stand"));         // role-less: written with object_id -1
    d.add_interaction(make_interaction(person, dog, "hit", 0.25, std::nullopt, "hit_obj")); // the prompt names the role
    d.add_interaction(make_interaction(person, dog, "hit"));             // two roles, none named: dropped
    d.add_interaction(make_interaction(person, horse, "sit_on"));        // not a V-COCO action: dropped
    d.add_interaction(make_interaction(person, horse, "feed"));          // dropped
    d.add_interaction(make_interaction(dog, horse, "ride"));             // subject not a person: dropped
    d.add_interaction(make_interaction(person, pick, "hold"));           // object not expressible: dropped
    ExportReport r;
    const json j = json::parse(export_text(p, Format::Vcoco, &r));
    QCOMPARE(r.interactions, size_t(5));
    QCOMPARE(r.interactions_skipped, size_t(5));
    QCOMPARE(r.instances_skipped, size_t(1)); // the guitar pick
    QVERIFY(r.reasons.count("verb \"sit_on\" is not a V-COCO action (or names no role of one)"));
    const json& h = j[0]["hoi_annotation"];
    QCOMPARE(h.size(), size_t(5));
    auto vc = [](const char* n) { return voc::verb_class_id(n); };
    QCOMPARE(h[0]["category_id"].get<int>(), vc("ride_instr"));
    QCOMPARE(h[0]["object_id"].get<int>(), 1);
    QCOMPARE(h[1]["category_id"].get<int>(), vc("hold_obj"));
    QCOMPARE(h[1]["score"].get<double>(), 0.5);
    QCOMPARE(h[2]["category_id"].get<int>(), vc("walk"));
    QCOMPARE(h[2]["object_id"].get<int>(), -1);
    QCOMPARE(h[3]["category_id"].get<int>(), vc("stand"));
    QCOMPARE(h[3]["object_id"].get<int>(), -1);
    QCOMPARE(h[4]["category_id"].get<int>(), vc("hit_obj"));
    QCOMPARE(h[4]["prompt"].get<std::string>(), std::string("hit_obj"));
    // What was written reads back.
    QCOMPARE(import_text(j.dump(), Format::Vcoco).document.interactions().size(), size_t(5));
}

void TstVcocoFormat::hostileInputNamesThePath() {
    const json good = hand_made();
    struct Case {
        std::function<void(json&)> edit;
        const char* expected;
    };
    const std::vector<Case> cases = {
            {[](json& j) { j = json::object(); }, "(top level): expected a list of images"},
            {[](json& j) { j[0] = 3; }, "[0]: expected an object"},
            {[](json& j) { j[0].erase("file_name"); }, "[0]: missing key \"file_name\""},
            {[](json& j) { j[0]["file_name"] = "../etc/passwd"; }, "[0].file_name: file name \"../etc/passwd\""},
            {[](json& j) { j[1]["file_name"] = "a.jpg"; }, "[1].file_name: duplicate image \"a.jpg\""},
            {[](json& j) { j[0].erase("annotations"); }, "[0]: missing \"annotations\""},
            {[](json& j) { j[0]["annotations"] = "x"; }, "[0].annotations: expected a list of boxes"},
            {[](json& j) { j[0]["annotations"][1]["bbox"] = {1, 2, 3}; }, "[0].annotations[1].bbox: expected a box"},
            {[](json& j) { j[0]["annotations"][1]["bbox"] = {5, 0, 1, 1}; }, "[0].annotations[1].bbox: box"},
            {[](json& j) { j[0]["annotations"][1]["bbox"][2] = "wide"; }, "[0].annotations[1].bbox[2]"},
            {[](json& j) { j[0]["annotations"][1]["category_id"] = 91; }, "[0].annotations[1].category_id: 91 is outside 1..90"},
            {[](json& j) { j[0]["annotations"][1]["category_id"] = 12; }, "[0].annotations[1].category_id: category_id 12 is not one of"},
            {[](json& j) { j[0]["annotations"][1].erase("category_id"); }, "[0].annotations[1]: missing \"category_id\""},
            {[](json& j) { j[0]["annotations"][1]["score"] = "high"; }, "[0].annotations[1].score"},
            {[](json& j) { j[0].erase("hoi_annotation"); }, "[0]: missing \"hoi_annotation\""},
            {[](json& j) { j[0]["hoi_annotation"][0] = json::array(); }, "[0].hoi_annotation[0]: expected an object"},
            {[](json& j) { j[0]["hoi_annotation"][0]["subject_id"] = 4; }, "[0].hoi_annotation[0].subject_id: 4 is outside 0..3"},
            {[](json& j) { j[0]["hoi_annotation"][0]["subject_id"] = -1; }, "[0].hoi_annotation[0].subject_id: -1 is outside 0..3"},
            {[](json& j) { j[0]["hoi_annotation"][0]["object_id"] = -2; }, "[0].hoi_annotation[0].object_id: -2 is outside -1..3"},
            {[](json& j) { j[0]["hoi_annotation"][0]["object_id"] = 18446744073709551615ull; }, "[0].hoi_annotation[0].object_id: 18446744073709551615 is outside"},
            {[](json& j) { j[0]["hoi_annotation"][0]["object_id"] = 1.5; }, "[0].hoi_annotation[0].object_id: expected an integer"},
            {[](json& j) { j[0]["hoi_annotation"][0]["category_id"] = 29; }, "[0].hoi_annotation[0].category_id: 29 is outside 0..28"},
            {[](json& j) { j[0]["hoi_annotation"][0].erase("category_id"); }, "[0].hoi_annotation[0]: missing key \"category_id\""},
            {[](json& j) { j[0]["hoi_annotation"][1]["object_id"] = 1; }, "[0].hoi_annotation[1].object_id: \"stand\" has no object role"},
            {[](json& j) { j[0]["hoi_annotation"][0]["object_id"] = 0; }, "[0].hoi_annotation[0]: subject_id and object_id are the same box"},
            {[](json& j) { j[0]["hoi_annotation"][0]["subject_id"] = 1; j[0]["hoi_annotation"][0]["object_id"] = 2; },
             "[0].hoi_annotation[0].subject_id: the subject is not a person box"},
            {[](json& j) { j[1]["hoi_annotation"] = json::parse(R"([{"subject_id": 0, "object_id": -1, "category_id": 1}])"); },
             "[1].hoi_annotation[0]: refers to a box, but the image has none"},
            {[](json& j) { j[0]["hoi_annotation"][0]["score"] = "x"; }, "[0].hoi_annotation[0].score"},
            {[](json& j) { j[0]["hoi_annotation"][0]["prompt"] = 7; }, "[0].hoi_annotation[0].prompt"},
            {[](json& j) { j[0]["width"] = -3; }, "[0].width"},
    };
    for (size_t i = 0; i < cases.size(); ++i) {
        json j = good;
        cases[i].edit(j);
        const QString err = import_error(j.dump());
        QVERIFY2(err.contains("bad.json") && err.contains(cases[i].expected),
                 qPrintable(QString("case %1: expected \"%2\" in: %3").arg(i).arg(cases[i].expected).arg(err)));
        QVERIFY(!validate_text(j.dump(), Format::Vcoco).empty());
    }
    // Not JSON: the line and column; deep nesting and truncation refused; nothing crashes.
    QVERIFY(import_error("[{\"file_name\": \"a.jpg\",\n  oops}]").contains("line 2"));
    QVERIFY(import_error(std::string(100000, '[')).contains("invalid JSON"));
    const std::string text = good.dump();
    for (size_t cut = 0; cut < text.size(); cut += 7) QVERIFY(import_error(text.substr(0, cut)) != "no error");
    // Every problem is collected, nothing partial is loaded.
    json many = good;
    many[0]["hoi_annotation"][0]["category_id"] = 99;
    many[0]["annotations"][2]["category_id"] = 0;
    QCOMPARE(validate_text(many.dump(), Format::Vcoco).size(), size_t(2));
}

void TstVcocoFormat::evalReadsThroughTheSameParser() {
    // Predictions: either key, box classes optional, every entry scored.
    const json pred = json::parse(R"([{"file_name": "a.jpg",
        "predictions": [{"bbox": [0, 0, 99, 99]}, {"bbox": [200, 0, 299, 99]}],
        "hoi_prediction": [{"subject_id": 0, "object_id": 1, "category_id": 0, "score": 0.9},
                           {"subject_id": 0, "object_id": -1, "category_id": 1, "score": 0.3}]}])");
    const auto p = hoi::eval::vcoco::read_predictions_text(pred.dump(), "p.json");
    QCOMPARE(p.at(0).detections.size(), size_t(2));
    QCOMPARE(p[0].detections[0].agent[0], 0.9);
    // The same rules and messages as the importer.
    json bad = pred;
    bad[0]["hoi_prediction"][1]["object_id"] = 1;
    try {
        hoi::eval::vcoco::read_predictions_text(bad.dump(), "p.json");
        QFAIL("accepted a stand with an object");
    } catch (const hoi::Error& e) {
        QVERIFY2(QString(e.what()).contains("p.json: [0].hoi_prediction[1].object_id: \"stand\" has no object role"), e.what());
    }
    // What the exporter writes (ground truth, and predictions with scores) the evaluator reads.
    const Project gt = import_text(hand_made().dump(), Format::Vcoco);
    const auto g = hoi::eval::vcoco::read_ground_truth_text(export_text(gt, Format::Vcoco), "gt.json");
    QCOMPARE(g.at(0).persons.size(), size_t(1));
    QVERIFY(g[0].persons[0].actions[1]); // stand
    Project scored = gt;
    for (const auto& x : gt.document.interactions()) scored.document.set_interaction_score(x.id, 0.5);
    const auto s = hoi::eval::vcoco::read_predictions_text(export_text(scored, Format::Vcoco), "pred.json");
    QCOMPARE(s.at(0).detections.size(), size_t(4)); // (person, book), (person, none), (person, racket), (person, ball)
}

void TstVcocoFormat::vcocoPrompts() {
    const auto prompts = hoi::model::PromptParser::vcoco_prompts();
    QCOMPARE(int(prompts.size()), voc::kVerbClasses);
    std::set<std::string> keys;
    for (size_t k = 0; k < prompts.size(); ++k) {
        QCOMPARE(prompts[k].text, voc::verb_classes()[k].name);
        QCOMPARE(prompts[k].object_class, -1); // every pair is scored
        QVERIFY(prompts[k].applies_to(17));
        keys.insert(prompts[k].key());
        // The relation a prompt makes maps back to its class.
        Interaction r;
        r.verb = prompts[k].verb;
        r.prompt = prompts[k].text;
        QCOMPARE(voc::vcoco_verb_class(r), int(k));
    }
    QCOMPARE(keys.size(), prompts.size());
    QCOMPARE(prompts[1].clip_text, std::string("a photo of a person standing."));
    QCOMPARE(prompts[0].clip_text, std::string("a photo of a person holding something."));
    QCOMPARE(prompts[6].clip_text, std::string("a photo of a person hitting with something."));
}

QTEST_GUILESS_MAIN(TstVcocoFormat)
#include "tst_vcoco_format.moc"
