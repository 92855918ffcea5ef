// Import/export of every format: round trips, cross-format conversions that keep relations, the
// export report, real shared data.
#include <QtTest>

#include "annotation_fixtures.h"
#include "annotation/formats.h"
#include "annotation/hico_format.h"
#include "annotation/hico_vocabulary.h"
#include "io/error.h"
#include "test_util.h"

#include <nlohmann/json.hpp>

#include <fstream>

using namespace hoi::annotation;
using hoi::test::make_instance;
using hoi::test::make_interaction;
using hoi::test::relations;
using nlohmann::json;

namespace {

// Everything the HICO layout expresses: COCO classes, HICO verb/object pairs, states that follow
// the score rule (score -> predicted), known image sizes, no prompts, numbers the writer's rounding
// keeps (1/100 pixel, 1e-6).
Project hico_expressible() {
    Project p;
    Document& d = p.document;
    Id a = d.add_image({0, "HICO_test2015_00000001.jpg", 640, 427, false});
    Id b = d.add_image({0, "sub/dir/b.jpg", 500, 375, false});
    d.add_image({0, "empty.jpg", 10, 10, false});
    Id p1 = d.add_instance(make_instance(a, {208, 43, 475, 418}, ObjectClass::coco(0)));
    Id chair = d.add_instance(make_instance(a, {200, 147, 518, 418}, ObjectClass::coco(56)));
    Id p2 = d.add_instance(make_instance(a, {0.5, 1.25, 100.75, 200}, ObjectClass::coco(0)));
    Id p3 = d.add_instance(make_instance(b, {1, 2, 300, 370}, ObjectClass::coco(0), 0.98));
    Id horse = d.add_instance(make_instance(b, {50, 60, 480, 370}, ObjectClass::coco(17), 0.8125));
    d.add_interaction(make_interaction(p1, chair, "sit_on"));
    d.add_interaction(make_interaction(p2, chair, "carry"));
    d.add_interaction(make_interaction(p2, p1, "hug"));
    d.add_interaction(make_interaction(p3, horse, "ride", 0.625));
    d.add_interaction(make_interaction(p3, horse, "no_interaction", 0.001));
    return p;
}

Project roundtrip(const Project& p, Format f, ExportReport* report = nullptr) {
    std::string text = export_text(p, f, report);
    return import_text(text, f, "roundtrip");
}

} // namespace

class TstFormats : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void projectRoundTripIsExact();
    void hicoRoundTripIsExact();
    void hicoLayoutUsesQpicIds();
    void hicoKeepsPredictionScores();
    void exportScopeTakesWhatWasAskedFor();
    void hicoStatesRoundTrip();
    void hicoReportsWhatItCannotExpress();
    void hicoKeepsFreeVerbs();
    void hicoRoundsOnce();
    void hicoVerbIdAndTextDisagree();
    void instancesRoundTrip();
    void instancesLayout();
    void cocoRoundTrip();
    void cocoReportsRelations();
    void csvRoundTripKeepsEveryRelation();
    void csvQuotingAndColumnOrder();
    void crossFormatConversionsKeepRelations();
    void relationsNeverLostSilently();
    void detectFormat();
    void sharedHicoSubset();
    void sharedVcocoSubset();
    void fileApiAndImageFolderCheck();
};

void TstFormats::projectRoundTripIsExact() {
    Project p = hoi::test::rich_project();
    ExportReport r;
    Project q = roundtrip(p, Format::Project, &r);
    QVERIFY(q == p);
    QVERIFY(q.settings == p.settings);
    QVERIFY(q.document.counters() == p.document.counters());
    QVERIFY(r.lossless());
    QCOMPARE(r.interactions, p.document.interactions().size());
    // Ids stay unique across a save/load: the next instance gets a fresh id.
    Id next = q.document.add_instance(make_instance(q.document.images()[0].id, {0, 0, 1, 1}, ObjectClass::coco(0)));
    for (const auto& x : p.document.instances()) QVERIFY(x.id != next);
}

void TstFormats::hicoRoundTripIsExact() {
    Project p = hico_expressible();
    ExportReport r;
    Project q = roundtrip(p, Format::Hico, &r);
    QVERIFY(r.lossless());
    QCOMPARE(r.images, size_t(3));
    QCOMPARE(r.interactions, size_t(5));
    QVERIFY(q.document == p.document);
}

void TstFormats::hicoLayoutUsesQpicIds() {
    json j = json::parse(export_text(hico_expressible(), Format::Hico));
    QVERIFY(j.is_array());
    QCOMPARE(j.size(), size_t(3));
    const json& e = j[0];
    QCOMPARE(e["file_name"].get<std::string>(), std::string("HICO_test2015_00000001.jpg"));
    QCOMPARE(e["annotations"][0]["category_id"].get<int>(), 1);  // person, COCO-91
    QCOMPARE(e["annotations"][1]["category_id"].get<int>(), 62); // chair, COCO-91
    const auto& vocab = HicoVocabulary::instance();
    const json& h = e["hoi_annotation"][0];
    QCOMPARE(h["subject_id"].get<int>(), 0);
    QCOMPARE(h["object_id"].get<int>(), 1);
    QCOMPARE(h["category_id"].get<int>(), vocab.verb_id("sit_on") + 1);
    // The shared eval-mini label: person sit_on chair is HOI 89 (0-based) -> 90 in QPIC files.
    QCOMPARE(h["hoi_category_id"].get<int>(), vocab.hoi_id("sit_on", "chair") + 1);
    QCOMPARE(vocab.hoi_id("sit_on", "chair"), 89);
    QVERIFY(!h.contains("score"));
}

void TstFormats::hicoKeepsPredictionScores() {
    const std::string pred = R"([{"file_name": "x.jpg",
        "annotations": [{"bbox": [1, 2, 30, 40], "category_id": 1, "score": 0.9},
                        {"bbox": [5, 6, 70, 80.5], "category_id": 19}],
        "hoi_annotation": [{"subject_id": 0, "object_id": 1, "category_id": 77, "hoi_category_id": 140, "score": 0.42},
                           {"subject_id": 0, "object_id": 1, "category_id": 37, "score": 0.125}]}])";
    Project p = import_text(pred, Format::Hico);
    const Document& d = p.document;
    QCOMPARE(d.interactions().size(), size_t(2));
    QCOMPARE(*d.interactions()[0].score, 0.42);
    QCOMPARE(*d.interactions()[1].score, 0.125);
    QCOMPARE(int(d.interactions()[0].state), int(State::Predicted));
    QCOMPARE(d.interactions()[0].verb, std::string("ride"));
    QCOMPARE(*d.instances()[0].score, 0.9);
    QVERIFY(!d.instances()[1].score);
    QCOMPARE(d.instances()[1].cls.label, std::string("horse"));
    // Written back with the scores, the hoi id filled in where it was missing.
    json j = json::parse(export_text(p, Format::Hico));
    QCOMPARE(j[0]["hoi_annotation"][0]["score"].get<double>(), 0.42);
    QCOMPARE(j[0]["hoi_annotation"][1]["hoi_category_id"].get<int>(),
             HicoVocabulary::instance().hoi_id(36, 17) + 1);
    QCOMPARE(j[0]["annotations"][0]["score"].get<double>(), 0.9);
}

void TstFormats::hicoReportsWhatItCannotExpress() {
    Project p = hoi::test::rich_project();
    ExportReport r;
    Project q = roundtrip(p, Format::Hico, &r);
    // walk (rejected), hold guitar pick (class outside COCO); juggle (not a HICO verb) is written
    // to free_hoi_annotation.
    QCOMPARE(r.interactions, size_t(3));
    QCOMPARE(r.interactions_skipped, size_t(2));
    QCOMPARE(r.instances_skipped, size_t(2)); // the rejected chair, the guitar pick
    QVERIFY(!r.lossless());
    bool class_reason = false;
    for (const auto& [reason, n] : r.reasons) class_reason |= reason.find("guitar pick") != std::string::npos && n == 1;
    QVERIFY2(class_reason, r.to_string().c_str());
    QCOMPARE(q.document.interactions().size(), size_t(3));
    QVERIFY(QString::fromStdString(r.to_string()).contains("left out"));
}

void TstFormats::hicoKeepsFreeVerbs() {
    // Relations HICO-DET cannot express are read from and written to free_hoi_annotation: verb
    // text, prompt, score and state kept; (hold, giraffe) is a HICO verb outside the 600 classes.
    const std::string text = R"([{"file_name": "x.jpg", "width": 64, "height": 48,
        "annotations": [{"bbox": [1, 2, 30, 40], "category_id": 1, "score": 0.9},
                        {"bbox": [5, 6, 70, 80.5], "category_id": 37},
                        {"bbox": [3, 3, 9, 9], "category_id": 25}],
        "hoi_annotation": [{"subject_id": 0, "object_id": 1, "category_id": 45, "hoi_category_id": 496, "score": 0.5,
                            "prompt": "kick ball"}],
        "free_hoi_annotation": [{"subject_id": 0, "object_id": 1, "verb": "juggle", "object": "sports ball",
                                 "prompt": "juggle ball", "score": 0.25},
                                {"subject_id": 0, "object_id": 2, "verb": "hold", "object": "giraffe",
                                 "prompt": "hold giraffe", "score": 0.125, "state": "accepted"}]}])";
    Project p = import_text(text, Format::Hico);
    const Document& d = p.document;
    QCOMPARE(d.interactions().size(), size_t(3));
    const Interaction& kick = d.interactions()[0];
    QCOMPARE(kick.verb, std::string("kick"));
    QCOMPARE(kick.prompt, std::string("kick ball"));
    const Interaction& juggle = d.interactions()[1];
    QCOMPARE(juggle.verb, std::string("juggle"));
    QCOMPARE(juggle.hico_verb, -1);
    QCOMPARE(juggle.prompt, std::string("juggle ball"));
    QCOMPARE(*juggle.score, 0.25);
    QCOMPARE(int(juggle.state), int(State::Predicted));
    const Interaction& hold = d.interactions()[2];
    QCOMPARE(hold.hico_verb, HicoVocabulary::instance().verb_id("hold"));
    QCOMPARE(int(hold.state), int(State::Accepted));
    ExportReport r;
    ExportOptions states;
    states.hico_states = true;
    const json back = json::parse(export_text(p, Format::Hico, &r));
    QVERIFY(r.lossless());
    QCOMPARE(back[0]["hoi_annotation"].size(), size_t(1));
    QCOMPARE(back[0]["free_hoi_annotation"].size(), size_t(2));
    QCOMPARE(back[0]["free_hoi_annotation"][0], json::parse(text)[0]["free_hoi_annotation"][0]);
    QVERIFY(import_text(export_text(p, Format::Hico, nullptr, states), Format::Hico).document == d);
    // A free entry needs its verb's text.
    std::string bad = text;
    bad.replace(bad.find("\"verb\": \"juggle\""), 16, "\"verb\": \"\"");
    const auto problems = validate_text(bad, Format::Hico);
    QCOMPARE(problems.size(), size_t(1));
    QVERIFY(problems[0].where.find("free_hoi_annotation[0].verb") != std::string::npos);
}

void TstFormats::hicoRoundsOnce() {
    // Ground truth and predictions: boxes to 1/100 pixel, scores to 1e-6, by the one writer; a file
    // read and written again keeps its numbers.
    Project p;
    Document& d = p.document;
    Id a = d.add_image({0, "a.jpg", 0, 0, false});
    Id h = d.add_instance(make_instance(a, {0.125, 1.0 / 3, 100.004, 200.996}, ObjectClass::coco(0), 0.12345678));
    Id o = d.add_instance(make_instance(a, {10, 20, 30, 40}, ObjectClass::coco(17)));
    d.add_interaction(make_interaction(h, o, "ride", 0.6171875));
    d.add_interaction(make_interaction(h, o, "juggle", 2.0 / 3));
    const std::string text = export_text(p, Format::Hico);
    const json j = json::parse(text);
    QCOMPARE(j[0]["annotations"][0]["bbox"], json({0.13, 0.33, 100.0, 201.0}));
    QCOMPARE(j[0]["annotations"][0]["score"].get<double>(), 0.123457);
    QCOMPARE(j[0]["hoi_annotation"][0]["score"].get<double>(), 0.617188);
    QCOMPARE(j[0]["free_hoi_annotation"][0]["score"].get<double>(), 0.666667);
    QVERIFY(!j[0].contains("width")); // size unknown
    QCOMPARE(export_text(import_text(text, Format::Hico), Format::Hico), text);
}

void TstFormats::hicoVerbIdAndTextDisagree() {
    // A CSV can give a relation a HICO verb id that is not its verb text's ("ride" with the id of
    // a verb that makes no class with a horse). Written once, the file reads back to what it was
    // written from (the fuzzer found the writer putting it in free_hoi_annotation, where the
    // reader resolves "ride" to a class, so the next write differed).
    const auto& vocab = HicoVocabulary::instance();
    int other = -1;
    for (int v = 0; v < HicoVocabulary::kVerbs && other < 0; ++v)
        if (vocab.hoi_id(v, 17) < 0) other = v;
    QVERIFY(other >= 0);
    Project p;
    Document& d = p.document;
    Id a = d.add_image({0, "a.jpg", 640, 480, false});
    Id h = d.add_instance(make_instance(a, {1, 2, 30, 40}, ObjectClass::coco(0)));
    Id o = d.add_instance(make_instance(a, {10, 20, 300, 400}, ObjectClass::coco(17)));
    Interaction x = make_interaction(h, o, "ride", 0.75);
    x.hico_verb = other;
    d.add_interaction(x);
    const std::string once = export_text(p, Format::Hico);
    const json j = json::parse(once);
    QCOMPARE(j[0]["hoi_annotation"].size(), size_t(1)); // "ride horse" is a HICO class
    QCOMPARE(j[0]["hoi_annotation"][0]["hoi_category_id"].get<int>(), vocab.hoi_id(vocab.verb_id("ride"), 17) + 1);
    QCOMPARE(j[0]["free_hoi_annotation"].size(), size_t(0));
    QCOMPARE(export_text(import_text(once, Format::Hico), Format::Hico), once);
    // The seed the fuzzer found, through every step of its check.
    std::ifstream seed(hoi::test::test_data_dir() + "/annotation/seeds/csv/verb_id_disagrees_with_text.csv", std::ios::binary);
    QVERIFY(seed.good());
    const std::string csv((std::istreambuf_iterator<char>(seed)), std::istreambuf_iterator<char>());
    const std::string hico = export_text(import_text(csv, Format::Csv), Format::Hico);
    QCOMPARE(export_text(import_text(hico, Format::Hico), Format::Hico), hico);
}

void TstFormats::instancesRoundTrip() {
    Project p = hico_expressible();
    // The layout has no scores: strip them (the states follow).
    Document& d = p.document;
    for (const auto& x : std::vector<Instance>(d.instances())) {
        d.set_instance_score(x.id, std::nullopt);
        d.set_instance_state(x.id, State::Accepted);
    }
    for (const auto& x : std::vector<Interaction>(d.interactions())) {
        d.set_interaction_score(x.id, std::nullopt);
        d.set_interaction_state(x.id, State::Accepted);
    }
    ExportReport r;
    Project q = roundtrip(p, Format::Instances, &r);
    QVERIFY2(r.lossless(), r.to_string().c_str());
    QCOMPARE(relations(q.document), relations(p.document));
    QCOMPARE(q.document.instances().size(), p.document.instances().size());
    QCOMPARE(q.document.images().size(), size_t(3));
    QCOMPARE(q.document.images()[0].width, 640);
    for (const auto& x : q.document.interactions()) QCOMPARE(int(x.state), int(State::Accepted));
    // Export of the import is byte-identical.
    QCOMPARE(export_text(q, Format::Instances), export_text(p, Format::Instances));
}

void TstFormats::instancesLayout() {
    json j = json::parse(export_text(hico_expressible(), Format::Instances));
    for (const char* k : {"annotation", "filenames", "size", "empty", "objects", "verbs", "correspondence"})
        QVERIFY2(j.contains(k), k);
    QCOMPARE(j["filenames"].size(), size_t(3));
    QCOMPARE(j["empty"], json::array({2}));
    QCOMPARE(j["size"][0], json::array({640, 427}));
    QCOMPARE(j["objects"].size(), size_t(80));
    QCOMPARE(j["verbs"].size(), size_t(117));
    QCOMPARE(j["correspondence"].size(), size_t(600));
    const json& a = j["annotation"][0];
    QCOMPARE(a["hoi"][0].get<int>(), 89);    // sit_on chair, 0-based
    QCOMPARE(a["object"][0].get<int>(), 56); // chair, COCO-80
    QCOMPARE(a["verb"][0].get<int>(), HicoVocabulary::instance().verb_id("sit_on"));
    QCOMPARE(a["boxes_h"][0], json::array({208.0, 43.0, 475.0, 418.0}));
    QCOMPARE(a["object"][2].get<int>(), 0); // hug person
}

void TstFormats::cocoRoundTrip() {
    Project p;
    Document& d = p.document;
    Id a = d.add_image({0, "a.jpg", 640, 480, false});
    Id b = d.add_image({0, "b/c.jpg", 20, 10, false});
    d.add_instance(make_instance(a, {10.5, 20.25, 110.5, 220.75}, ObjectClass::coco(0), 0.5));
    d.add_instance(make_instance(a, {0, 0, 640, 480}, ObjectClass::coco(79)));
    d.add_instance(make_instance(b, {1, 1, 2, 2}, ObjectClass::named("guitar pick")));
    d.add_instance(make_instance(b, {2, 2, 4, 4}, ObjectClass::named("guitar pick"), 0.25));
    ExportReport r;
    Project q = roundtrip(p, Format::Coco, &r);
    QVERIFY(r.lossless());
    QVERIFY(q.document == p.document);
    json j = json::parse(export_text(p, Format::Coco));
    QCOMPARE(j["annotations"][0]["bbox"], json::array({10.5, 20.25, 100.0, 200.5}));
    QCOMPARE(j["annotations"][0]["category_id"].get<int>(), 1);
    QCOMPARE(j["annotations"][1]["category_id"].get<int>(), 90); // toothbrush
    QCOMPARE(j["annotations"][2]["category_id"].get<int>(), 1000);
    QCOMPARE(j["annotations"][3]["category_id"].get<int>(), 1000);
    QCOMPARE(j["categories"].size(), size_t(81));
}

void TstFormats::cocoReportsRelations() {
    ExportReport r;
    Project q = roundtrip(hoi::test::rich_project(), Format::Coco, &r);
    QCOMPARE(r.interactions, size_t(0));
    QCOMPARE(r.interactions_skipped, size_t(5));
    QVERIFY(q.document.interactions().empty());
    QCOMPARE(q.document.instances().size(), size_t(5)); // the rejected one is left out
}

void TstFormats::csvRoundTripKeepsEveryRelation() {
    Project p = hoi::test::rich_project();
    ExportReport r;
    Project q = roundtrip(p, Format::Csv, &r);
    QCOMPARE(r.interactions, size_t(5));
    QCOMPARE(r.interactions_skipped, size_t(0));
    QCOMPARE(r.instances_skipped, size_t(1)); // the rejected chair is in no interaction
    QCOMPARE(relations(q.document), relations(p.document));
    // States, scores, prompts, hico ids survive.
    const auto& a = p.document.interactions();
    const auto& b = q.document.interactions();
    QCOMPARE(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
        QCOMPARE(b[i].verb, a[i].verb);
        QCOMPARE(b[i].hico_verb, a[i].hico_verb);
        QVERIFY(b[i].score == a[i].score);
        QCOMPARE(int(b[i].state), int(a[i].state));
        QCOMPARE(b[i].prompt, a[i].prompt);
        QCOMPARE(int(q.document.instance(b[i].subject)->state), int(p.document.instance(a[i].subject)->state));
    }
    QCOMPARE(q.document.image_by_file("sub/b.png")->width, 320);
    // A second round trip is byte-identical.
    QCOMPARE(export_text(q, Format::Csv), export_text(p, Format::Csv));
}

void TstFormats::csvQuotingAndColumnOrder() {
    std::string text = export_text(hoi::test::rich_project(), Format::Csv);
    QVERIFY(text.rfind("image,width,height,human_id,human_x1", 0) == 0);
    QVERIFY(text.find("\"hold, \"\"the\"\" pick\nnow\"") != std::string::npos);
    // Columns may come in any order, optional ones may be missing, CRLF or LF.
    const std::string csv = "verb,object,image,human_x1,human_y1,human_x2,human_y2,object_x1,object_y1,object_x2,object_y2\n"
                            "ride,horse,a.jpg,1,2,3,4,5,6,7,8\n"
                            "\"play with\",\"guitar, acoustic\",a.jpg,1,2,3,4,0,0,1,1\n";
    Project p = import_text(csv, Format::Csv);
    QCOMPARE(p.document.interactions().size(), size_t(2));
    QCOMPARE(p.document.instances().size(), size_t(3)); // the person is shared
    QCOMPARE(p.document.interactions()[1].verb, std::string("play with"));
    QCOMPARE(p.document.interactions()[1].hico_verb, -1);
    QCOMPARE(p.document.instances()[2].cls.label, std::string("guitar, acoustic"));
    QCOMPARE(p.document.interactions()[0].hico_verb, HicoVocabulary::instance().verb_id("ride"));
    // With id columns, two identical boxes stay two instances (and may interact).
    const std::string ids = "image,human_id,human_x1,human_y1,human_x2,human_y2,object_id,object_x1,object_y1,object_x2,object_y2,object,verb\n"
                            "a.jpg,1,0,0,10,10,2,0,0,10,10,person,hug\n"
                            "a.jpg,2,0,0,10,10,1,0,0,10,10,person,hug\n";
    Project q = import_text(ids, Format::Csv);
    QCOMPARE(q.document.instances().size(), size_t(2));
    QCOMPARE(q.document.interactions().size(), size_t(2));
    QCOMPARE(q.document.interactions()[1].subject, q.document.interactions()[0].object);
}

void TstFormats::crossFormatConversionsKeepRelations() {
    // GT-only expressible document through every relation-carrying format and back.
    Project p = hico_expressible();
    const auto want = relations(p.document);
    Project via_hico = import_text(export_text(p, Format::Hico), Format::Hico);
    QCOMPARE(relations(via_hico.document), want);
    Project via_inst = import_text(export_text(via_hico, Format::Instances), Format::Instances);
    QCOMPARE(relations(via_inst.document), want);
    Project via_csv = import_text(export_text(via_inst, Format::Csv), Format::Csv);
    QCOMPARE(relations(via_csv.document), want);
    Project via_proj = import_text(export_text(via_csv, Format::Project), Format::Project);
    QCOMPARE(relations(via_proj.document), want);
    Project back = import_text(export_text(via_proj, Format::Hico), Format::Hico);
    QCOMPARE(relations(back.document), want);
    // The rich project keeps every relation through csv and project.
    Project rich = hoi::test::rich_project();
    Project r2 = import_text(export_text(import_text(export_text(rich, Format::Csv), Format::Csv), Format::Project),
                             Format::Project);
    QCOMPARE(relations(r2.document), relations(rich.document));
}

void TstFormats::relationsNeverLostSilently() {
    // For every format: written + reported as left out == all interactions.
    Project p = hoi::test::rich_project();
    for (Format f : {Format::Hico, Format::Instances, Format::Coco, Format::Csv, Format::Project}) {
        ExportReport r;
        std::string text = export_text(p, f, &r);
        QCOMPARE(r.interactions + r.interactions_skipped, p.document.interactions().size());
        Project q = import_text(text, f);
        QCOMPARE(q.document.interactions().size(), r.interactions);
        size_t reasons = 0;
        for (const auto& [reason, n] : r.reasons) reasons += n;
        QVERIFY(reasons >= r.interactions_skipped + r.instances_skipped);
    }
}

void TstFormats::detectFormat() {
    Project p = hoi::test::rich_project();
    for (Format f : {Format::Hico, Format::Instances, Format::Coco, Format::Csv, Format::Project})
        QCOMPARE(int(detect_format(export_text(p, f))), int(f));
    QCOMPARE(int(parse_format("instances")), int(Format::Instances));
    QVERIFY_THROWS_EXCEPTION(hoi::Error, parse_format("yaml"));
}

void TstFormats::sharedHicoSubset() {
    const std::string dir = hoi::test::shared_data_dir();
    const std::string path = dir + "/eval-mini/hico_subset.json";
    HOI_REQUIRE_FILE(path);
    std::ifstream in(path);
    json j = json::parse(in);
    const auto& vocab = HicoVocabulary::instance();
    Project p;
    Document& d = p.document;
    size_t pairs = 0;
    for (const auto& im : j["images"]) {
        Id id = d.add_image({0, im["file_name"].get<std::string>(), im["width"].get<int>(), im["height"].get<int>(), false});
        for (const auto& pr : im["pairs"]) {
            auto bh = pr["box_h"].get<std::vector<double>>(), bo = pr["box_o"].get<std::vector<double>>();
            Id h = d.add_instance(make_instance(id, {bh[0], bh[1], bh[2], bh[3]}, ObjectClass::coco(0)));
            Id o = d.add_instance(make_instance(id, {bo[0], bo[1], bo[2], bo[3]},
                                                ObjectClass::named(pr["object"].get<std::string>())));
            d.add_interaction(make_interaction(h, o, pr["verb"].get<std::string>()));
            QCOMPARE(vocab.hoi_id(pr["verb"].get<std::string>(), pr["object"].get<std::string>()), pr["hoi_id"].get<int>());
            QCOMPARE(vocab.is_rare(pr["hoi_id"].get<int>()), pr["rare"].get<bool>());
            ++pairs;
        }
    }
    QVERIFY(pairs > 0);
    ExportReport r;
    std::string text = export_text(p, Format::Hico, &r);
    QVERIFY(r.lossless());
    json h = json::parse(text);
    QCOMPARE(h[0]["hoi_annotation"][0]["hoi_category_id"].get<int>(), j["images"][0]["pairs"][0]["hoi_id"].get<int>() + 1);
    QVERIFY(import_text(text, Format::Hico).document == d);
    Project inst = import_text(export_text(p, Format::Instances), Format::Instances);
    QCOMPARE(relations(inst.document), relations(d));
}

void TstFormats::sharedVcocoSubset() {
    const std::string path = hoi::test::shared_data_dir() + "/eval-mini/vcoco_openpose_subset.json";
    HOI_REQUIRE_FILE(path);
    std::ifstream in(path);
    json j = json::parse(in);
    Project p;
    Document& d = p.document;
    for (const auto& im : j["images"]) {
        Id id = d.add_image({0, im["file_name"].get<std::string>(), im["width"].get<int>(), im["height"].get<int>(), false});
        for (const auto& pr : im["pairs"]) {
            auto bh = pr["box_h"].get<std::vector<double>>(), bo = pr["box_o"].get<std::vector<double>>();
            std::string action = pr["action"].get<std::string>();
            std::string verb = action.substr(0, action.find(' ')); // "hold obj" -> "hold"
            Id h = d.add_instance(make_instance(id, {bh[0], bh[1], bh[2], bh[3]}, ObjectClass::coco(0)));
            Id o = d.add_instance(make_instance(id, {bo[0], bo[1], bo[2], bo[3]},
                                                ObjectClass::named(pr["object"].get<std::string>())));
            d.add_interaction(make_interaction(h, o, verb));
        }
    }
    QCOMPARE(d.images().size(), size_t(7));
    QCOMPARE(d.interactions().size(), size_t(18));
    // CSV and project keep all 18 relations, HICO counts what it cannot express.
    QCOMPARE(relations(import_text(export_text(p, Format::Csv), Format::Csv).document), relations(d));
    QCOMPARE(relations(import_text(export_text(p, Format::Project), Format::Project).document), relations(d));
    ExportReport r;
    Project q = import_text(export_text(p, Format::Hico, &r), Format::Hico);
    QCOMPARE(r.interactions + r.interactions_skipped, size_t(18));
    QCOMPARE(q.document.interactions().size(), r.interactions);
    QVERIFY(r.interactions > 0);
    // Every exported one is a relation of the original (its boxes at the writer's 1/100 pixel).
    std::multiset<hoi::test::Relation> all;
    for (auto rel : relations(d)) {
        for (double* v : {&std::get<1>(rel), &std::get<2>(rel), &std::get<3>(rel), &std::get<4>(rel),
                          &std::get<5>(rel), &std::get<6>(rel), &std::get<7>(rel), &std::get<8>(rel)})
            *v = hico_round_box(*v);
        all.insert(rel);
    }
    for (const auto& rel : relations(q.document)) QVERIFY(all.count(rel) > 0);
}

void TstFormats::fileApiAndImageFolderCheck() {
    QTemporaryDir tmp;
    const std::string dir = tmp.path().toStdString();
    Project p = hoi::test::rich_project();
    const std::string path = dir + "/p.hoiproj";
    ExportReport r = export_file(p, path, Format::Project);
    QVERIFY(r.lossless());
    QVERIFY(import_file(path, Format::Project) == p);
    QVERIFY(load_project(path) == p);
    // With an image folder, missing images are problems.
    ImportOptions opt;
    opt.image_dir = dir;
    auto problems = validate_file(path, Format::Project, opt);
    QCOMPARE(problems.size(), size_t(3));
    QVERIFY(QString::fromStdString(problems[0].where).contains("a.jpg"));
    QVERIFY(QDir().mkpath(tmp.path() + "/sub"));
    for (const char* f : {"/a.jpg", "/sub/b.png", "/c.jpg"}) std::ofstream(dir + f) << "x";
    QVERIFY(validate_file(path, Format::Project, opt).empty());
    QVERIFY(validate_file(dir + "/missing.json", Format::Hico).size() == 1);
}

void TstFormats::exportScopeTakesWhatWasAskedFor() {
    const Project p = hoi::test::rich_project();
    ExportReport r;
    ExportOptions accepted;
    accepted.scope = ExportScope::Accepted;
    Project q = import_text(export_text(p, Format::Csv, &r, accepted), Format::Csv);
    QCOMPARE(q.document.interactions().size(), size_t(3)); // feed, juggle, hold: a person's
    for (const auto& x : q.document.interactions()) QVERIFY(x.state != State::Predicted);
    QCOMPARE(r.interactions_omitted, size_t(2)); // ride (predicted), walk (rejected)
    QCOMPARE(r.interactions_skipped, size_t(0));
    QCOMPARE(r.images_omitted, size_t(0));

    ExportOptions reviewed;
    reviewed.scope = ExportScope::Reviewed;
    q = import_text(export_text(p, Format::Project, &r, reviewed), Format::Project);
    QCOMPARE(q.document.images().size(), size_t(2)); // b and c
    QCOMPARE(q.document.interactions().size(), size_t(1)); // hold
    QCOMPARE(r.images_omitted, size_t(1));
    QCOMPARE(r.interactions_omitted, size_t(4)); // all of a.jpg's
    QCOMPARE(r.instances_omitted, size_t(3));
    // All: nothing omitted.
    export_text(p, Format::Csv, &r);
    QCOMPARE(r.images_omitted + r.instances_omitted + r.interactions_omitted, size_t(0));
}

void TstFormats::hicoStatesRoundTrip() {
    Project p = hico_expressible();
    Document& d = p.document;
    // A person accepted the predicted ride; no_interaction stays predicted.
    for (const auto& x : std::vector<Interaction>(d.interactions()))
        if (x.verb == "ride") d.set_interaction_state(x.id, State::Accepted);
    ExportOptions o;
    o.hico_states = true;
    const std::string text = export_text(p, Format::Hico, nullptr, o);
    const json j = json::parse(text);
    QCOMPARE(j[1]["hoi_annotation"][0]["state"].get<std::string>(), std::string("accepted"));
    QCOMPARE(j[1]["hoi_annotation"][1]["state"].get<std::string>(), std::string("predicted"));
    const Project back = import_text(text, Format::Hico);
    std::multiset<std::pair<std::string, State>> a, b;
    for (const auto& x : p.document.interactions()) a.insert({x.verb, x.state});
    for (const auto& x : back.document.interactions()) b.insert({x.verb, x.state});
    QVERIFY(a == b); // the scored but accepted ride comes back accepted, not predicted
    // Without the option the file is what the reference tools write.
    QVERIFY(export_text(p, Format::Hico).find("\"state\"") == std::string::npos);
    // A bad state is a problem with its path.
    std::string bad = text;
    bad.replace(bad.find("\"accepted\""), 10, "\"rejected\"");
    const auto problems = validate_text(bad, Format::Hico);
    QCOMPARE(problems.size(), size_t(1));
    QVERIFY(problems[0].where.find("state") != std::string::npos);
}

QTEST_GUILESS_MAIN(TstFormats)
#include "tst_formats.moc"
