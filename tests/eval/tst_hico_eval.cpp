// The HICO-DET protocol (core/eval/hico_eval.h): hand-computed cases for matching, IoU, AP,
// the top-100 cut, class subsets, and the real class splits.
#include <QtTest>

#include "eval/curves_csv.h"
#include "annotation/document.h"
#include "annotation/hico_vocabulary.h"
#include "eval/hico_document.h"
#include "eval/hico_eval.h"
#include "io/error.h"
#include "test_util.h"

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

using namespace hoi::eval;

namespace {

const Box kH{0, 0, 99, 99};     // a human box
const Box kO{200, 0, 299, 99};  // an object box
const Box kFar{500, 500, 599, 599};

GtPair gt_pair(int hoi, Box h = kH, Box o = kO) { return GtPair{h, o, hoi}; }
PredPair pred_pair(int hoi, double score, Box h = kH, Box o = kO) { return PredPair{h, o, hoi, score}; }

ClassSplit split_with(std::initializer_list<int> subset) {
    ClassSplit s;
    for (int h : subset) s.in_subset[size_t(h)] = true;
    return s;
}

const ClassResult* find_class(const EvalResult& r, int hoi) {
    for (const auto& c : r.classes)
        if (c.hoi == hoi) return &c;
    return nullptr;
}

bool near(double a, double b) { return std::fabs(a - b) < 1e-12; }

template <class F>
bool throws_kind(F&& f, hoi::ErrorKind kind, const QString& fragment, QString* msg) {
    try {
        f();
    } catch (const hoi::Error& e) {
        *msg = e.what();
        return e.kind() == kind && msg->contains(fragment);
    }
    *msg = "no exception";
    return false;
}

} // namespace

class TestHicoEval : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void iouPlusOneConvention() {
        // 10x10 pixels each (+1 convention); overlap of 5 columns: 50 / 150.
        QVERIFY(near(iou_plus1({0, 0, 9, 9}, {5, 0, 14, 9}), 50.0 / 150.0));
        // Half the rows: exactly 0.5 with +1 (it would be 36/81 = 0.44 without).
        QVERIFY(near(iou_plus1({0, 0, 9, 9}, {0, 0, 9, 4}), 0.5));
        QVERIFY(near(iou_plus1({0, 0, 9, 9}, {0, 0, 9, 9}), 1.0));
        // Boxes sharing one edge coordinate: 0, as the reference's "ix1 >= ix2" test says.
        QCOMPARE(iou_plus1({0, 0, 9, 9}, {9, 0, 18, 9}), 0.0);
        QCOMPARE(iou_plus1({0, 0, 9, 9}, {20, 20, 30, 30}), 0.0);
    }

    void elevenPointAp() {
        QVERIFY(near(voc_ap_11point({1.0}, {1.0}), 1.0));
        QVERIFY(near(voc_ap_11point({0.5}, {1.0}), 6.0 / 11.0)); // t = 0 .. 0.5
        QVERIFY(near(voc_ap_11point({}, {}), 0.0));
        // Interpolation: the largest precision at recall >= t.
        QVERIFY(near(voc_ap_11point({0.5, 0.5, 1.0}, {1.0, 0.5, 2.0 / 3.0}), (6.0 + 5.0 * 2.0 / 3.0) / 11.0));
        // numpy's arange(0, 1.1, 0.1)[3] is 0.30000000000000004: a recall of exactly 0.3 misses it.
        QVERIFY(near(voc_ap_11point({0.1, 0.2, 3.0 / 10.0}, {1.0, 1.0, 1.0}), 3.0 / 11.0));
    }

    void perfectPredictions() {
        std::vector<GtImage> gt{{"a.jpg", {gt_pair(5), gt_pair(7, kH, kFar)}}, {"b.jpg", {gt_pair(5)}}};
        std::vector<PredImage> pred{{"a.jpg", {pred_pair(5, 0.9), pred_pair(7, 0.8, kH, kFar)}},
                                    {"b.jpg", {pred_pair(5, 0.3)}}};
        const EvalResult r = evaluate(gt, pred, split_with({}));
        QCOMPARE(r.evaluated_classes, 2);
        QVERIFY(near(r.map_full, 1.0));
        QVERIFY(!r.map_subset.has_value()); // no class in the (empty) subset
        QVERIFY(near(*r.map_complement, 1.0));
        QCOMPARE(r.gt_pairs, 3);
        QCOMPARE(r.predictions, 3);
        QCOMPARE(find_class(r, 5)->num_gt, 2);
        QCOMPARE(find_class(r, 5)->true_positives, 2);
        QVERIFY(near(r.mean_max_recall, 1.0));
    }

    void oneMiss() {
        std::vector<GtImage> gt{{"a", {gt_pair(5)}}, {"b", {gt_pair(5)}}};
        std::vector<PredImage> pred{{"a", {pred_pair(5, 0.9)}}}; // b has no predictions at all
        const EvalResult r = evaluate(gt, pred, split_with({}));
        QVERIFY(near(find_class(r, 5)->ap, 6.0 / 11.0));
        QVERIFY(near(find_class(r, 5)->max_recall, 0.5));
        QVERIFY(near(r.map_full, 6.0 / 11.0));
    }

    void duplicatesAreFalsePositives() {
        std::vector<GtImage> gt{{"a", {gt_pair(5)}}, {"b", {gt_pair(5)}}};
        std::vector<PredImage> pred{{"a", {pred_pair(5, 0.9), pred_pair(5, 0.8)}}, {"b", {pred_pair(5, 0.7)}}};
        const EvalResult r = evaluate(gt, pred, split_with({}));
        const ClassResult* c = find_class(r, 5);
        QCOMPARE(c->num_detections, 3);
        QCOMPARE(c->true_positives, 2);
        // TP, FP, TP: recall .5 .5 1, precision 1 .5 2/3.
        QVERIFY(near(c->ap, (6.0 + 5.0 * 2.0 / 3.0) / 11.0));
    }

    // The best-overlapping pair is chosen even when already matched (reference behaviour).
    void bestMatchIgnoresMatchedState() {
        const Box h2{0, 0, 99, 60}; // IoU with kH = 61/100 >= 0.5
        std::vector<GtImage> gt{{"a", {gt_pair(5), gt_pair(5, h2, kO)}}};
        std::vector<PredImage> pred{{"a", {pred_pair(5, 0.9), pred_pair(5, 0.8)}}};
        const EvalResult r = evaluate(gt, pred, split_with({}));
        QCOMPARE(find_class(r, 5)->true_positives, 1);
        // A prediction on the second pair's boxes matches it.
        pred[0].pairs[1] = pred_pair(5, 0.8, h2, kO);
        QCOMPARE(find_class(evaluate(gt, pred, split_with({})), 5)->true_positives, 2);
    }

    void wrongClass() {
        std::vector<GtImage> gt{{"a", {gt_pair(5)}}};
        std::vector<PredImage> pred{{"a", {pred_pair(6, 0.9)}}};
        const EvalResult r = evaluate(gt, pred, split_with({}));
        QCOMPARE(r.evaluated_classes, 1);
        QCOMPARE(find_class(r, 5)->ap, 0.0);
        QVERIFY(find_class(r, 6) == nullptr); // no ground truth: not evaluated
        QCOMPARE(r.predictions, 0);           // and its predictions are ignored
        QCOMPARE(r.map_full, 0.0);
    }

    void iouThresholdWithPlusOne() {
        const Box gh{0, 0, 9, 9};
        std::vector<GtImage> gt{{"a", {gt_pair(5, gh, kO)}}};
        // Human IoU exactly 0.5 with the +1 convention: a match.
        std::vector<PredImage> pred{{"a", {pred_pair(5, 0.9, {0, 0, 9, 4}, kO)}}};
        QVERIFY(near(evaluate(gt, pred, split_with({})).map_full, 1.0));
        // 0.498: no match.
        pred[0].pairs[0].human = {0, 0, 9, 3.98};
        QCOMPARE(evaluate(gt, pred, split_with({})).map_full, 0.0);
        // The object box is held to the same threshold.
        pred[0].pairs[0] = pred_pair(5, 0.9, gh, {200, 0, 299, 48}); // object IoU 49/100
        QCOMPARE(evaluate(gt, pred, split_with({})).map_full, 0.0);
        pred[0].pairs[0] = pred_pair(5, 0.9, gh, {200, 0, 299, 49}); // object IoU 50/100
        QVERIFY(near(evaluate(gt, pred, split_with({})).map_full, 1.0));
    }

    void scoreOrderingAffectsAp() {
        std::vector<GtImage> gt{{"a", {gt_pair(5)}}, {"b", {gt_pair(5)}}};
        // A false positive (far boxes) ranked first: FP, TP, TP -> precision never above 2/3.
        std::vector<PredImage> pred{{"a", {pred_pair(5, 0.9, kFar, kO), pred_pair(5, 0.5)}},
                                    {"b", {pred_pair(5, 0.8)}}};
        QVERIFY(near(evaluate(gt, pred, split_with({})).map_full, 2.0 / 3.0));
        // The same detections with the false positive ranked last: AP 1.
        pred[0].pairs[0].score = 0.1;
        QVERIFY(near(evaluate(gt, pred, split_with({})).map_full, 1.0));
    }

    void topHundredCut() {
        std::vector<GtImage> gt{{"a", {gt_pair(5), gt_pair(7, kH, kFar)}}};
        PredImage img{"a", {}};
        for (int i = 0; i < 100; ++i) img.pairs.push_back(pred_pair(7, 0.5 + i * 0.001, kFar, kFar)); // all FP
        img.pairs.push_back(pred_pair(5, 0.1)); // the right answer, ranked 101st
        const EvalResult cut = evaluate(gt, {img}, split_with({}));
        QCOMPARE(find_class(cut, 5)->ap, 0.0);
        QCOMPARE(find_class(cut, 5)->num_detections, 0);
        QCOMPARE(cut.predictions, 100);
        // With one filler less it is kept.
        img.pairs.erase(img.pairs.begin());
        QVERIFY(near(find_class(evaluate(gt, {img}, split_with({})), 5)->ap, 1.0));
        // The cut is an option.
        EvalOptions tight;
        tight.max_hois_per_image = 5;
        QCOMPARE(find_class(evaluate(gt, {img}, split_with({}), tight), 5)->ap, 0.0);
    }

    void emptyImages() {
        // An image without ground-truth pairs: its predictions are false positives.
        std::vector<GtImage> gt{{"a", {gt_pair(5)}}, {"empty", {}}};
        std::vector<PredImage> pred{{"a", {pred_pair(5, 0.5)}}, {"empty", {pred_pair(5, 0.9)}}};
        const EvalResult r = evaluate(gt, pred, split_with({}));
        // FP then TP: recall 0, 1; precision 0, 0.5 -> 0.5 at every threshold.
        QVERIFY(near(find_class(r, 5)->ap, 0.5));
        QCOMPARE(r.images, 2);
        // Nothing at all: no class evaluated, mAP 0, no subset means.
        const EvalResult none = evaluate({{"x", {}}}, {}, split_with({}));
        QCOMPARE(none.evaluated_classes, 0);
        QCOMPARE(none.map_full, 0.0);
        QVERIFY(!none.map_subset && !none.map_complement);
    }

    void classesWithoutGroundTruthAreLeftOut() {
        std::vector<GtImage> gt{{"a", {gt_pair(5)}}};
        std::vector<PredImage> pred{{"a", {pred_pair(5, 0.2), pred_pair(9, 0.9), pred_pair(9, 0.8, kFar, kFar)}}};
        const EvalResult r = evaluate(gt, pred, split_with({9}));
        QCOMPARE(r.evaluated_classes, 1);
        QCOMPARE(int(r.classes.size()), 1);
        QVERIFY(near(r.map_full, 1.0));
        QCOMPARE(r.subset_classes, 0);
        QVERIFY(!r.map_subset.has_value());
    }

    void subsetMeans() {
        std::vector<GtImage> gt{{"a", {gt_pair(5), gt_pair(7, kH, kFar), gt_pair(8, kFar, kO)}}};
        std::vector<PredImage> pred{{"a", {pred_pair(5, 0.9), pred_pair(8, 0.7, kFar, kO)}}};
        const EvalResult r = evaluate(gt, pred, split_with({5, 7}));
        QVERIFY(near(r.map_full, 2.0 / 3.0));
        QVERIFY(near(*r.map_subset, 0.5));      // 5: 1, 7: 0
        QVERIFY(near(*r.map_complement, 1.0));  // 8: 1
        QCOMPARE(r.subset_classes, 2);
        QCOMPARE(r.complement_classes, 1);
        QVERIFY(find_class(r, 5)->in_subset);
        QVERIFY(!find_class(r, 8)->in_subset);
    }

    void realSplits() {
        const ClassSplit def = load_split("default");
        QCOMPARE(def.subset, std::string("rare"));
        QCOMPARE(def.complement, std::string("non_rare"));
        QCOMPARE(int(std::count(def.in_subset.begin(), def.in_subset.end(), true)), 138);
        struct Z { const char* name; int unseen; };
        for (const Z& z : {Z{"rf-uc", 120}, Z{"nf-uc", 120}, Z{"uo", 100}, Z{"uv", 84}}) {
            const ClassSplit s = load_split(z.name);
            QCOMPARE(s.subset, std::string("unseen"));
            QCOMPARE(s.complement, std::string("seen"));
            QCOMPARE(int(std::count(s.in_subset.begin(), s.in_subset.end(), true)), z.unseen);
        }
        // RF-UC takes its unseen classes from the rare ones.
        const ClassSplit rf = load_split("rf-uc");
        for (int h = 0; h < kHicoHois; ++h)
            if (rf.in_subset[size_t(h)]) QVERIFY2(def.in_subset[size_t(h)], qPrintable(QString::number(h)));
        QString msg;
        QVERIFY2(throws_kind([] { load_split("zero"); }, hoi::ErrorKind::Usage, "unknown split 'zero'", &msg),
                 qPrintable(msg));
    }

    void zeroShotSplit() {
        const ClassSplit uo = load_split("uo");
        int unseen = -1, seen = -1;
        for (int h = 0; h < kHicoHois; ++h) {
            if (uo.in_subset[size_t(h)] && unseen < 0) unseen = h;
            if (!uo.in_subset[size_t(h)] && seen < 0) seen = h;
        }
        QVERIFY(unseen >= 0 && seen >= 0);
        std::vector<GtImage> gt{{"a", {gt_pair(unseen), gt_pair(seen, kH, kFar)}}, {"b", {gt_pair(unseen)}}};
        std::vector<PredImage> pred{{"a", {pred_pair(unseen, 0.9), pred_pair(seen, 0.8, kH, kFar)}}};
        const EvalResult r = evaluate(gt, pred, uo);
        QCOMPARE(r.subset, std::string("unseen"));
        QVERIFY(near(*r.map_subset, 6.0 / 11.0)); // one of two unseen pairs found
        QVERIFY(near(*r.map_complement, 1.0));
        QVERIFY(near(r.map_full, (6.0 / 11.0 + 1.0) / 2.0));
    }

    void badInput() {
        QString msg;
        auto run = [](std::vector<GtImage> gt, std::vector<PredImage> pred) {
            return [gt, pred] { evaluate(gt, pred, ClassSplit{}); };
        };
        QVERIFY2(throws_kind(run({{"a", {gt_pair(600)}}}, {}), hoi::ErrorKind::Input, "HOI id 600", &msg),
                 qPrintable(msg));
        QVERIFY2(throws_kind(run({{"a", {gt_pair(5, {10, 0, 5, 5})}}}, {}), hoi::ErrorKind::Input, "x2 < x1", &msg),
                 qPrintable(msg));
        QVERIFY2(throws_kind(run({{"a", {}}}, {{"b", {}}}), hoi::ErrorKind::Input, "'b' is not in the ground truth", &msg),
                 qPrintable(msg));
        QVERIFY2(throws_kind(run({{"a", {}}, {"a", {}}}, {}), hoi::ErrorKind::Input, "more than once", &msg),
                 qPrintable(msg));
        QVERIFY2(throws_kind(run({{"a", {}}}, {{"a", {pred_pair(5, std::nan(""))}}}), hoi::ErrorKind::Input,
                             "score", &msg),
                 qPrintable(msg));
        QVERIFY2(throws_kind(run({{"a", {}}}, {{"a", {pred_pair(-1, 0.5)}}}), hoi::ErrorKind::Input, "pair 0", &msg),
                 qPrintable(msg));
    }

    // Predictions read as the reference evaluators read them: an image not in the ground truth is
    // ignored and counted, a degenerate box overlaps nothing; scores, ids and duplicates stay errors.
    void lenientPredictions() {
        const Box inverted{299, 0, 200, 99}; // kO with x1 and x2 swapped
        std::vector<GtImage> gt{{"a", {gt_pair(89)}}, {"b", {gt_pair(89)}}};
        std::vector<PredImage> pred{{"a", {pred_pair(89, 0.9), pred_pair(89, 0.8, kH, inverted)}},
                                    {"b", {pred_pair(89, 0.7)}},
                                    {"zzz", {pred_pair(89, 0.95)}}};
        EvalOptions lenient;
        lenient.lenient_predictions = true;
        const EvalResult r = evaluate(gt, pred, ClassSplit{}, lenient);
        // 0.9 TP, 0.8 FP (the inverted box overlaps nothing), 0.7 TP; "zzz" is not counted.
        QCOMPARE(r.ignored_images, 1);
        QCOMPARE(r.ignored_image_names, std::vector<std::string>{"zzz"});
        QCOMPARE(r.predictions, 3);
        QVERIFY(near(r.map_full, (6.0 + 5.0 * 2.0 / 3.0) / 11.0));
        // Non-finite coordinates overlap nothing either.
        QCOMPARE(iou_plus1({0, 0, std::nan(""), 9}, {0, 0, 9, 9}), 0.0);
        QCOMPARE(iou_plus1({0, 0, 9, 9}, {0, 0, 9, HUGE_VAL}), 0.0);

        QString msg;
        QVERIFY2(throws_kind([&] { evaluate(gt, pred, ClassSplit{}); }, hoi::ErrorKind::Input, "x2 < x1", &msg),
                 qPrintable(msg));
        pred[0].pairs.pop_back();
        QVERIFY2(throws_kind([&] { evaluate(gt, pred, ClassSplit{}); }, hoi::ErrorKind::Input,
                             "'zzz' is not in the ground truth", &msg),
                 qPrintable(msg));
        auto lenient_run = [&](std::vector<PredImage> p) { return [p, &gt, &lenient] { evaluate(gt, p, ClassSplit{}, lenient); }; };
        QVERIFY2(throws_kind(lenient_run({{"a", {}}, {"a", {}}}), hoi::ErrorKind::Input, "more than once", &msg),
                 qPrintable(msg));
        QVERIFY2(throws_kind(lenient_run({{"zzz", {}}, {"zzz", {}}}), hoi::ErrorKind::Input, "more than once", &msg),
                 qPrintable(msg));
        QVERIFY2(throws_kind(lenient_run({{"a", {pred_pair(89, HUGE_VAL)}, "p.json: [4]"}}), hoi::ErrorKind::Input,
                             "p.json: [4]: pair 0: the score is not a finite number", &msg),
                 qPrintable(msg));
        QVERIFY2(throws_kind(lenient_run({{"a", {pred_pair(600, 0.5)}}}), hoi::ErrorKind::Input, "HOI id 600", &msg),
                 qPrintable(msg));
    }

    // Known-Object: a class counts only the images whose ground truth has its object.
    // 89 = sit_on chair, 87 = hold chair, 139 = ride horse.
    void knownObjectSetting() {
        std::vector<GtImage> gt{{"a", {gt_pair(89)}}, {"b", {gt_pair(139)}}, {"c", {gt_pair(87)}}};
        std::vector<PredImage> pred{{"a", {pred_pair(89, 0.5)}}, {"b", {pred_pair(89, 0.9)}}, {"c", {pred_pair(89, 0.8)}}};
        // Default: 89 ranks FP (b), FP (c), TP (a): precision 1/3 at recall 1 -> AP 1/3; 87 and 139 AP 0.
        EvalOptions options;
        EvalResult r = evaluate(gt, pred, ClassSplit{}, options);
        QCOMPARE(r.setting, std::string("default"));
        QCOMPARE(r.predictions, 3);
        QVERIFY(near(find_class(r, 89)->ap, 1.0 / 3.0));
        QVERIFY(near(r.map_full, 1.0 / 9.0));
        // Known-Object: b has no chair, its prediction is left out: FP (c), TP (a) -> AP 1/2.
        options.setting = Setting::KnownObject;
        r = evaluate(gt, pred, ClassSplit{}, options);
        QCOMPARE(r.setting, std::string("ko"));
        QCOMPARE(r.predictions, 2);
        QCOMPARE(find_class(r, 89)->num_detections, 2);
        QVERIFY(near(find_class(r, 89)->ap, 0.5));
        QVERIFY(near(r.map_full, 0.5 / 3.0));
        QCOMPARE(parse_setting("ko"), Setting::KnownObject);
        QString msg;
        QVERIFY2(throws_kind([] { parse_setting("known"); }, hoi::ErrorKind::Usage, "unknown setting 'known'", &msg),
                 qPrintable(msg));
    }

    void precisionRecallCurves() {
        std::vector<GtImage> gt{{"a", {gt_pair(89)}}, {"c", {gt_pair(87)}}};
        std::vector<PredImage> pred{{"a", {pred_pair(89, 0.5)}}, {"c", {pred_pair(89, 0.75)}}};
        EvalOptions options;
        QVERIFY(evaluate(gt, pred, ClassSplit{}, options).classes[1].curve.empty());
        options.keep_curves = true;
        const EvalResult r = evaluate(gt, pred, ClassSplit{}, options);
        const ClassResult* c = find_class(r, 89);
        QCOMPARE(int(c->curve.size()), 2);
        QCOMPARE(c->curve[0].score, 0.75);
        QCOMPARE(c->curve[0].true_positive, false);
        QCOMPARE(c->curve[0].recall, 0.0);
        QCOMPARE(c->curve[0].precision, 0.0);
        QCOMPARE(c->curve[1].true_positive, true);
        QCOMPARE(c->curve[1].recall, 1.0);
        QCOMPARE(c->curve[1].precision, 0.5);
        QVERIFY(find_class(r, 87)->curve.empty()); // ground truth, no detection: no point
        QCOMPARE(curves_csv(r), std::string("hoi,verb,object,rank,score,true_positive,recall,precision\n"
                                            "89,sit_on,chair,1,0.75,0,0.0,0.0\n"
                                            "89,sit_on,chair,2,0.5,1,1.0,0.5\n"));
    }

    // The shared HICO-DET test image (custom layout: images[].pairs[] with box_h, box_o, hoi_id):
    // its ground truth evaluated against itself gives AP 1 for the present class.
    void sharedSubsetAgainstItself() {
        const std::string dir = hoi::test::shared_data_dir();
        if (dir.empty()) QSKIP("shared data (../shared/data) is absent");
        const std::string path = dir + "/eval-mini/hico_subset.json";
        HOI_REQUIRE_FILE(path);
        std::ifstream in(path);
        const nlohmann::json j = nlohmann::json::parse(in);
        std::vector<GtImage> gt;
        std::vector<PredImage> pred;
        auto box = [](const nlohmann::json& b) { return Box{b[0], b[1], b[2], b[3]}; };
        for (const auto& img : j.at("images")) {
            GtImage g{img.at("file_name"), {}};
            PredImage p{img.at("file_name"), {}};
            for (const auto& pr : img.at("pairs")) {
                g.pairs.push_back(GtPair{box(pr.at("box_h")), box(pr.at("box_o")), pr.at("hoi_id").get<int>()});
                p.pairs.push_back(PredPair{box(pr.at("box_h")), box(pr.at("box_o")), pr.at("hoi_id").get<int>(), 1.0});
            }
            gt.push_back(g);
            pred.push_back(p);
        }
        QVERIFY(!gt.empty());
        const EvalResult r = evaluate(gt, pred, load_split("default"));
        QCOMPARE(r.evaluated_classes, 1);
        QCOMPARE(r.classes[0].hoi, 89); // sit_on chair
        QVERIFY(near(r.map_full, 1.0));
        QVERIFY(near(*r.map_complement, 1.0)); // 89 is not rare
        QVERIFY(!r.map_subset.has_value());
    }

    void falsePositivesAndMisses() {
        // Image a: two GT pairs of class 3; a duplicate detection, a far one and one true positive.
        // Image b: one GT pair of class 3 and none predicted (a miss); class 5: one GT, one far FP.
        const std::vector<GtImage> gt{{"a.jpg", {gt_pair(3), gt_pair(3, kFar, kFar)}},
                                      {"b.jpg", {gt_pair(3), gt_pair(5)}}};
        const std::vector<PredImage> pred{
                {"a.jpg", {pred_pair(3, 0.9), pred_pair(3, 0.8), pred_pair(3, 0.95, kH, kFar)}},
                {"b.jpg", {pred_pair(5, 0.4, kFar, kO)}}};
        EvalOptions o;
        const EvalResult plain = evaluate(gt, pred, split_with({}), o);
        QVERIFY(plain.classes[0].false_positives.empty() && plain.classes[0].misses.empty());
        o.keep_errors = true;
        const EvalResult r = evaluate(gt, pred, split_with({}), o);
        QCOMPARE(r.map_full, plain.map_full);
        const ClassResult* c3 = find_class(r, 3);
        QVERIFY(c3);
        QCOMPARE(c3->false_positives.size(), size_t(2)); // by decreasing score
        QCOMPARE(c3->false_positives[0].image, std::string("a.jpg"));
        QCOMPARE(c3->false_positives[0].score, 0.95);
        QVERIFY(!c3->false_positives[0].duplicate);
        QCOMPARE(c3->false_positives[0].object.x1, kFar.x1);
        QCOMPARE(c3->false_positives[1].score, 0.8);
        QVERIFY(c3->false_positives[1].duplicate);
        QCOMPARE(int(c3->false_positives.size()), c3->num_detections - c3->true_positives);
        QCOMPARE(c3->misses.size(), size_t(2)); // a's far pair, b's pair (image without predictions of 3)
        QCOMPARE(c3->misses[0].image, std::string("a.jpg"));
        QCOMPARE(c3->misses[0].human.x1, kFar.x1);
        QCOMPARE(c3->misses[1].image, std::string("b.jpg"));
        QCOMPARE(int(c3->misses.size()), c3->num_gt - c3->true_positives);
        const ClassResult* c5 = find_class(r, 5);
        QCOMPARE(c5->false_positives.size(), size_t(1));
        QCOMPARE(c5->false_positives[0].image, std::string("b.jpg"));
        QCOMPARE(c5->misses.size(), size_t(1));
        // An image without any prediction: all its pairs are misses.
        const EvalResult none = evaluate(gt, {}, split_with({}), o);
        QCOMPARE(find_class(none, 3)->misses.size(), size_t(3));
        QCOMPARE(find_class(none, 5)->misses.size(), size_t(1));
    }

    void reviewedProjectAsGroundTruth() {
        using namespace hoi::annotation;
        const auto& vocab = HicoVocabulary::instance();
        const auto& h = vocab.hoi(89); // sit_on chair
        Document doc;
        auto add_pair = [&](Id img, State state, std::optional<double> score) {
            const Id s = doc.add_instance(Instance{0, img, {0, 0, 99, 99}, ObjectClass::coco(0), std::nullopt, State::Accepted});
            const Id o = doc.add_instance(
                    Instance{0, img, {200, 0, 299, 99}, ObjectClass::coco(h.object_coco80), std::nullopt, State::Accepted});
            Interaction x;
            x.subject = s;
            x.object = o;
            x.verb = vocab.verb_name(h.verb);
            x.hico_verb = h.verb;
            x.score = score;
            x.state = state;
            return doc.add_interaction(x);
        };
        const Id a = doc.add_image(Image{0, "a.jpg", 640, 480, false});
        const Id b = doc.add_image(Image{0, "b.jpg", 640, 480, false});
        doc.set_image_reviewed(a, true);
        add_pair(a, State::Accepted, 0.9);  // confirmed prediction: GT and prediction
        add_pair(a, State::Rejected, 0.7);  // rejected prediction: prediction only
        add_pair(a, State::Edited, 0.6);    // a person's relation: GT only
        add_pair(a, State::Predicted, 0.5); // not looked at: prediction only
        add_pair(a, State::Accepted, std::nullopt); // drawn by a person: GT only
        add_pair(b, State::Accepted, 0.8);  // image not reviewed: left out
        const auto gt = reviewed_ground_truth(doc);
        QCOMPARE(gt.size(), size_t(1));
        QCOMPARE(gt[0].name, std::string("a.jpg"));
        QCOMPARE(gt[0].pairs.size(), size_t(3));
        QCOMPARE(gt[0].pairs[0].hoi, 89);
        const auto reviewed = model_predictions(doc, true);
        QCOMPARE(reviewed.size(), size_t(1));
        QCOMPARE(reviewed[0].pairs.size(), size_t(3));
        QCOMPARE(reviewed[0].pairs[0].score, 0.9);
        QCOMPARE(reviewed[0].pairs[1].score, 0.7);
        QCOMPARE(reviewed[0].pairs[2].score, 0.5);
        const auto all = model_predictions(doc, false);
        QCOMPARE(all.size(), size_t(2));
        QCOMPARE(all[1].pairs.size(), size_t(1));
        // An annotation file as predictions: a relation without a score counts as certain.
        QString msg;
        QVERIFY(throws_kind([&] { predictions_from_document(doc, "ann.json"); }, hoi::ErrorKind::Input,
                            "needs a \"score\"", &msg));
        const auto ann = predictions_from_document(doc, "ann.json", 1.0);
        QCOMPARE(ann[0].pairs.size(), size_t(4)); // rejected left out
        QCOMPARE(ann[0].pairs[3].score, 1.0);
    }
};

QTEST_GUILESS_MAIN(TestHicoEval)
#include "tst_hico_eval.moc"
