// The one merge of an analysis into the document (core/hoi/analysis_merge.h): what a first merge
// adds, that merging again changes nothing, that a person's boxes and relations survive a merge
// into a reopened project without duplicates, and the Attach mode that changes nothing at all.
#include "test_util.h"
#include "core.h"
#include "annotation/hico_vocabulary.h"
#include "hoi/analysis_merge.h"
#include "hoi/pairs.h"
#include "io/error.h"

using hoi::test::detection;
using namespace hoi::model;
using hoi::annotation::Document;
using hoi::annotation::Id;
using hoi::annotation::State;
using hoi::detect::Detection;

namespace {

// One person, a horse, a cup; prompts ride horse, play guitar (free verb), hold cup, feed horse.
ImageAnalysis sampleAnalysis() {
    ImageAnalysis a;
    a.image_path = "x.jpg";
    a.width = 200;
    a.height = 100;
    a.detections = {detection(0, 0, 50, 100, 0, 0.9f), detection(40, 50, 120, 100, 17, 0.8f), detection(150, 10, 160, 20, 41, 0.5f)};
    a.prompts = PromptParser::instance().parse_all({"ride horse", "play guitar", "hold cup", "feed horse"});
    a.pairs = build_pairs(a.detections, {}, {}, 200, 100, PairBuildOptions{});
    a.scored = true;
    a.scores.assign(a.pairs.size() * a.prompts.size(), ScoreBreakdown{});
    auto set = [&](int p, int t, float v) {
        auto& s = a.scores[size_t(p) * a.prompts.size() + size_t(t)];
        s.applies = true;
        s.final = v;
    };
    set(0, 0, 0.6f);   // ride horse
    set(0, 1, 0.2f);   // play guitar
    set(0, 3, 0.002f); // feed horse: below min_score
    set(1, 1, 0.005f); // below min_score
    set(1, 2, 0.3f);   // hold cup
    return a;
}

Id addImage(Document& doc) {
    hoi::annotation::Image im;
    im.file_name = "x.jpg";
    return doc.add_image(im);
}

const hoi::annotation::Interaction* relation(const Document& doc, const std::string& verb) {
    for (const auto& r : doc.interactions())
        if (r.verb == verb) return &r;
    return nullptr;
}

} // namespace

class TestAnalysisMerge : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { hoi::init_runtime(); }

    void firstMergeAddsDetectionsAndProposals() {
        const ImageAnalysis a = sampleAnalysis();
        QCOMPARE(int(a.pairs.size()), 2);
        Document doc;
        const Id image = addImage(doc);
        const MergeResult r = merge_analysis(a, doc, image);
        QVERIFY(r.changed);
        QCOMPARE(int(doc.instances().size()), 3);
        QCOMPARE(doc.image(image)->width, 200);
        QCOMPARE(int(doc.interactions().size()), 3); // ride, play, hold; feed and the 0.005 one are below
        const auto* ride = relation(doc, "ride");
        QVERIFY(ride);
        QVERIFY(ride->hico_verb >= 0);
        QCOMPARE(ride->state, State::Predicted);
        QCOMPARE(QString::fromStdString(ride->prompt), QString("ride horse"));
        QCOMPARE(*ride->score, double(0.6f));
        QCOMPARE(r.relation_source.at(ride->id).pair, 0);
        QCOMPARE(r.relation_source.at(ride->id).prompt, 0);
        const auto* play = relation(doc, "play");
        QVERIFY(play);
        QCOMPARE(play->hico_verb, -1);
        QCOMPARE(r.relation_source.at(relation(doc, "hold")->id).prompt, 2);
        for (size_t d = 0; d < 3; ++d) QVERIFY(doc.instance(r.detection_instance[d]));
        QVERIFY_THROWS_EXCEPTION(hoi::Error, merge_analysis(a, doc, image + 100));
    }

    void mergingAgainChangesNothing() {
        const ImageAnalysis a = sampleAnalysis();
        Document doc;
        const Id image = addImage(doc);
        const MergeResult first = merge_analysis(a, doc, image);
        const Document before = doc;
        // With the earlier map (a re-query) and without it (a reopened project).
        QVERIFY(!merge_analysis(a, doc, image, {}, &first.detection_instance).changed);
        QVERIFY(!merge_analysis(a, doc, image).changed);
        QVERIFY(doc == before);
    }

    void reopenedProjectKeepsAPersonsWorkWithoutDuplicates() {
        const ImageAnalysis a = sampleAnalysis();
        Document doc;
        const Id image = addImage(doc);
        merge_analysis(a, doc, image);
        // The person accepts ride, rejects hold, corrects the horse's class and draws a box + pair.
        const Id ride = relation(doc, "ride")->id, hold = relation(doc, "hold")->id;
        doc.set_interaction_state(ride, State::Accepted);
        doc.set_interaction_state(hold, State::Rejected);
        const Id horse = relation(doc, "ride")->object;
        doc.set_class(horse, hoi::annotation::ObjectClass::named("zebra"));
        doc.set_instance_state(horse, State::Edited);
        hoi::annotation::Instance drawn;
        drawn.image = image;
        drawn.box = {60, 5, 90, 30};
        drawn.cls = hoi::annotation::ObjectClass::named("kite");
        const Id kite = doc.add_instance(drawn);
        hoi::annotation::Interaction fly;
        fly.subject = relation(doc, "ride")->subject;
        fly.object = kite;
        fly.verb = "fly";
        const Id flyId = doc.add_interaction(fly);

        Document reopened = doc; // what a save and a load give back
        const Document saved = reopened;
        const MergeResult r = merge_analysis(a, reopened, image);
        QVERIFY(!r.changed);
        QVERIFY(reopened == saved);
        QCOMPARE(r.detection_instance[1], horse); // matched although its class is now "zebra"
        QCOMPARE(r.relation_source.at(ride).prompt, 0);
        QCOMPARE(r.relation_source.at(hold).prompt, 2);
        QVERIFY(!r.relation_source.count(flyId));

        // New scores reach reviewed relations without changing their state; nothing is proposed
        // again over a rejected relation.
        ImageAnalysis b = a;
        b.scores[size_t(0) * b.prompts.size() + 0].final = 0.7f;
        b.scores[size_t(1) * b.prompts.size() + 2].final = 0.9f;
        const MergeResult r2 = merge_analysis(b, reopened, image);
        QVERIFY(r2.changed);
        QCOMPARE(int(reopened.instances().size()), 4);
        QCOMPARE(int(reopened.interactions().size()), 4);
        QCOMPARE(reopened.interaction(ride)->state, State::Accepted);
        QCOMPARE(*reopened.interaction(ride)->score, double(0.7f));
        QCOMPARE(reopened.interaction(hold)->state, State::Rejected);
        QCOMPARE(*reopened.interaction(hold)->score, double(0.9f));
        QCOMPARE(QString::fromStdString(reopened.instance(horse)->cls.label), QString("zebra"));
    }

    void editedVerbIsNotRescoredAsItsOldPrompt() {
        const ImageAnalysis a = sampleAnalysis();
        Document doc;
        const Id image = addImage(doc);
        merge_analysis(a, doc, image);
        const Id ride = relation(doc, "ride")->id;
        doc.set_verb(ride, {"feed", hoi::annotation::HicoVocabulary::instance().verb_id("feed")});
        doc.set_interaction_state(ride, State::Edited);
        const MergeResult r = merge_analysis(a, doc, image);
        // "feed horse" now owns the edited relation (its score, not ride's); ride is proposed anew.
        QCOMPARE(r.relation_source.at(ride).prompt, 3);
        QCOMPARE(*doc.interaction(ride)->score, double(0.002f));
        QCOMPARE(doc.interaction(ride)->state, State::Edited);
        QVERIFY(relation(doc, "ride"));
        QCOMPARE(relation(doc, "ride")->state, State::Predicted);
    }

    // The GUI's re-scoring after a review: a decided relation keeps its score, predicted ones move.
    void keepTouchedScoresMovesOnlyPredicted() {
        ImageAnalysis a = sampleAnalysis();
        Document doc;
        const Id image = addImage(doc);
        const MergeResult first = merge_analysis(a, doc, image);
        const Id ride = relation(doc, "ride")->id, hold = relation(doc, "hold")->id;
        doc.set_interaction_state(ride, State::Accepted);
        a.scores[0].final = 0.9f;                  // ride horse, pair 0
        a.scores[1 * a.prompts.size() + 2].final = 0.35f; // hold cup, pair 1
        MergePolicy keep;
        keep.keep_touched_scores = true;
        merge_analysis(a, doc, image, keep, &first.detection_instance);
        QCOMPARE(*doc.interaction(ride)->score, double(0.6f)); // the person's decision, as it was
        QCOMPARE(doc.interaction(ride)->state, State::Accepted);
        QCOMPARE(*doc.interaction(hold)->score, double(0.35f)); // predicted: the new score
        merge_analysis(a, doc, image, {}, &first.detection_instance);
        QCOMPARE(*doc.interaction(ride)->score, double(0.9f)); // default policy: the prompt's score
    }

    void olderPredictionsGoPersonsStay() {
        ImageAnalysis a = sampleAnalysis();
        Document doc;
        const Id image = addImage(doc);
        const MergeResult first = merge_analysis(a, doc, image);
        hoi::annotation::Interaction imported; // a prediction without a score (an import)
        imported.subject = first.detection_instance[0];
        imported.object = first.detection_instance[2];
        imported.verb = "drink_with";
        imported.state = State::Predicted;
        doc.add_interaction(imported);
        doc.set_interaction_state(relation(doc, "play")->id, State::Accepted);
        // New prompts: only "hold cup" now.
        a.prompts = PromptParser::instance().parse_all({"hold cup"});
        a.scores.assign(a.pairs.size(), ScoreBreakdown{});
        a.scores[1].applies = true;
        a.scores[1].final = 0.4f;
        merge_analysis(a, doc, image, {}, &first.detection_instance);
        QVERIFY(!relation(doc, "ride"));            // older prediction: gone
        QVERIFY(relation(doc, "play"));             // accepted: kept
        QVERIFY(relation(doc, "drink_with"));       // no score: left alone
        QCOMPARE(*relation(doc, "hold")->score, double(0.4f));
        QCOMPARE(int(doc.instances().size()), 3);
    }

    void deletedBoxStaysDeletedOnARequery() {
        const ImageAnalysis a = sampleAnalysis();
        Document doc;
        const Id image = addImage(doc);
        const MergeResult first = merge_analysis(a, doc, image);
        doc.remove_instance(first.detection_instance[2]); // the cup, with "hold"
        const MergeResult again = merge_analysis(a, doc, image, {}, &first.detection_instance);
        QCOMPARE(again.detection_instance[2], Id(0));
        QCOMPARE(int(doc.instances().size()), 2);
        QVERIFY(!relation(doc, "hold"));
    }

    void topKAndDetectionsOutsidePairs() {
        ImageAnalysis a = sampleAnalysis();
        a.detections.push_back(detection(170, 70, 190, 95, 41, 0.2f)); // a second cup, in no pair
        Document doc;
        const Id image = addImage(doc);
        MergePolicy policy;
        policy.top_k_per_pair = 1;
        policy.all_detections = false;
        const MergeResult r = merge_analysis(a, doc, image, policy);
        QCOMPARE(int(doc.instances().size()), 3);
        QCOMPARE(r.detection_instance[3], Id(0));
        QCOMPARE(int(doc.interactions().size()), 2); // ride (best of pair 0), hold
        QVERIFY(!relation(doc, "play"));
    }

    void thresholdsKeepWeakDetectionsOutsidePairsOut() {
        ImageAnalysis a = sampleAnalysis();
        a.detections.push_back(detection(170, 70, 190, 95, 0, 0.31f)); // a weak person, in no pair
        a.detections.push_back(detection(100, 0, 120, 20, 16, 0.35f)); // a dog, in no pair
        Document doc;
        const Id image = addImage(doc);
        MergePolicy policy;
        policy.human_threshold = 0.4f;
        policy.object_threshold = 0.3f;
        const MergeResult r = merge_analysis(a, doc, image, policy);
        QCOMPARE(r.detection_instance[3], Id(0));
        QVERIFY(r.detection_instance[4] != 0);
        QVERIFY(r.detection_instance[2] != 0); // the cup (0.5) is in a pair anyway
        QCOMPARE(int(doc.instances().size()), 4);
    }

    void attachChangesNothing() {
        const ImageAnalysis a = sampleAnalysis();
        Document doc;
        const Id image = addImage(doc);
        hoi::annotation::Instance person; // a person box slightly off the detection, and a horse
        person.image = image;
        person.box = {2, 1, 50, 98};
        person.cls = hoi::annotation::ObjectClass::coco(0);
        const Id p = doc.add_instance(person);
        hoi::annotation::Instance horse = person;
        horse.box = {40, 50, 120, 100};
        horse.cls = hoi::annotation::ObjectClass::coco(17);
        const Id h = doc.add_instance(horse);
        hoi::annotation::Interaction ride;
        ride.subject = p;
        ride.object = h;
        ride.verb = "ride";
        const Id rideId = doc.add_interaction(ride);
        const Document before = doc;
        MergePolicy attach;
        attach.mode = MergeMode::Attach;
        const MergeResult r = merge_analysis(a, doc, image, attach);
        QVERIFY(!r.changed);
        QVERIFY(doc == before);
        QCOMPARE(r.detection_instance[0], p);
        QCOMPARE(r.detection_instance[1], h);
        QCOMPARE(r.detection_instance[2], Id(0));
        QCOMPARE(r.relation_source.at(rideId).prompt, 0);
    }
};

QTEST_MAIN(TestAnalysisMerge)
#include "tst_analysis_merge.moc"
