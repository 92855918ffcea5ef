#pragma once
// The HICO-DET evaluation protocol, computed as the evaluators of QPIC (datasets/hico_eval.py) and
// GEN-VLKT (datasets/hico_eval_triplet.py) compute it, so that numbers are comparable with
// published results:
//
// - Per image, only the top `max_hois_per_image` (100) predicted HOIs by score are kept.
// - Predictions of an image are visited by decreasing score. A prediction is a true positive when
//   some ground-truth pair of the same HOI class has IoU(human) >= 0.5 and IoU(object) >= 0.5;
//   among those the one with the largest min(IoU human, IoU object) is chosen (the first in file
//   order on ties), regardless of whether it is already matched; the prediction is a true positive
//   only when that pair is not matched yet (then it becomes matched), else a false positive. (So a
//   duplicate detection is a false positive, and so is a detection whose best pair was taken even
//   if a worse-overlapping pair is still free - as in the reference code.)
// - IoU uses the +1-pixel convention: area = (x2 - x1 + 1) * (y2 - y1 + 1), intersection
//   (ix2 - ix1 + 1) * (iy2 - iy1 + 1), and 0 when ix1 >= ix2 or iy1 >= iy2 (the reference's test).
// - Only HOI classes with at least one ground-truth pair are evaluated ("classes with no GT" are
//   left out of every mean, and predictions of those classes are ignored), as in the reference.
// - AP per class: detections of the class over all images sorted by score (ties: image order, then
//   rank in the image - numpy's argsort used by the reference is not stable, so its tie order is
//   arbitrary), cumulative TP / FP, recall = TP / #GT, precision = TP / (TP + FP), and the
//   11-point interpolated AP of PASCAL VOC 2007: the mean over t = 0, 0.1, ..., 1.0 of the largest
//   precision at recall >= t (0 when none). The thresholds are computed as i * 0.1 in double
//   precision, exactly as numpy's arange(0., 1.1, 0.1) produces them (0.30000000000000004, ...), so
//   a recall of exactly 0.3 does not reach the fourth threshold - as in the reference.
//   A class with ground truth and no detection has AP 0.
// - Setting (HICO-DET protocol): Default counts every image for every class; Known-Object (ko)
//   counts, for each HOI class, only the images whose ground truth has a pair with that class's
//   object (any verb): predictions of the class in other images are left out (ho-rcnn's `ko`).
// - mAP Full = mean AP over evaluated classes; Rare / Non-rare (default split) or Unseen / Seen
//   (zero-shot splits) = mean over evaluated classes inside / outside the subset. A subset without
//   any evaluated class has no mean (std::nullopt; numpy would give nan).
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hoi::eval {

constexpr int kHicoHois = 600;

// [x1, y1, x2, y2] in pixels.
struct Box {
    double x1 = 0, y1 = 0, x2 = 0, y2 = 0;
};

struct GtPair {
    Box human, object;
    int hoi = -1; // 0..599
};

struct PredPair {
    Box human, object;
    int hoi = -1; // 0..599
    double score = 0;
};

struct GtImage {
    std::string name; // file name; predictions are matched to ground truth by it
    std::vector<GtPair> pairs;
};

struct PredImage {
    std::string name;
    std::vector<PredPair> pairs;
    std::string origin; // where it came from, for messages ("preds.json: [3]"); "" = the name
};

// Which HOI classes form the "subset" mean (rare, or unseen for a zero-shot split).
struct ClassSplit {
    std::string name = "default";       // "default", "rf-uc", "nf-uc", "uo", "uv"
    std::string subset = "rare";        // "rare" or "unseen"
    std::string complement = "non_rare"; // "non_rare" or "seen"
    std::array<bool, kHicoHois> in_subset{};
};

enum class Setting { Default, KnownObject };
// "default" or "ko"; throws hoi::Error(Usage) otherwise.
Setting parse_setting(std::string_view name);
std::string_view setting_name(Setting setting);

struct EvalOptions {
    int max_hois_per_image = 100;
    double iou_threshold = 0.5;
    Setting setting = Setting::Default;
    // Predictions are model output, read as the reference evaluators read them: a prediction image
    // that is not in the ground truth is ignored (counted in EvalResult::ignored_images), and boxes
    // are not checked (a degenerate or non-finite box overlaps nothing). Duplicate image names, HOI
    // ids outside 0..599 and non-finite scores are still errors. false: all of these are errors.
    bool lenient_predictions = false;
    bool keep_curves = false; // fill ClassResult::curve
    bool keep_errors = false; // fill ClassResult::false_positives and ClassResult::misses
};

// One point of a class's precision-recall curve: the detection at that rank (by score).
struct CurvePoint {
    double score = 0;
    bool true_positive = false;
    double recall = 0, precision = 0;
};

// A detection of a class that is not a true positive (EvalOptions::keep_errors).
struct FalsePositive {
    std::string image; // GtImage::name
    Box human, object;
    double score = 0;
    // true: some ground-truth pair of the class overlapped enough, but the best-overlapping one was
    // already matched by a higher-scoring detection (a duplicate); false: no pair overlapped enough.
    bool duplicate = false;
};

// A ground-truth pair of a class that no evaluated detection matched (EvalOptions::keep_errors).
struct Miss {
    std::string image;
    Box human, object;
};

struct ClassResult {
    int hoi = -1;
    bool in_subset = false;
    int num_gt = 0;
    int num_detections = 0; // predictions of this class that were evaluated (after the top-k cut)
    int true_positives = 0;
    double ap = 0;
    double max_recall = 0;
    std::vector<CurvePoint> curve; // with EvalOptions::keep_curves, one point per detection
    // With EvalOptions::keep_errors: the false positives by decreasing score (ties: image order, then
    // rank in the image), and the misses in ground-truth order (image, then pair).
    std::vector<FalsePositive> false_positives;
    std::vector<Miss> misses;
};

struct EvalResult {
    std::string split;                 // ClassSplit::name
    std::string subset, complement;    // ClassSplit::subset / complement
    double map_full = 0;               // 0 when no class has ground truth
    std::optional<double> map_subset;  // rare / unseen
    std::optional<double> map_complement; // non-rare / seen
    double mean_max_recall = 0;
    int evaluated_classes = 0, subset_classes = 0, complement_classes = 0;
    std::string setting = "default";   // setting_name(EvalOptions::setting)
    int images = 0, gt_pairs = 0, predictions = 0; // predictions evaluated (after the top-k cut)
    int ignored_images = 0;            // lenient: prediction images not in the ground truth
    std::vector<std::string> ignored_image_names; // their names (file order)
    std::vector<ClassResult> classes;  // evaluated classes, by HOI id
};

// IoU with the +1-pixel convention of the reference evaluators (see above); 0 when a coordinate
// is not finite.
double iou_plus1(const Box& a, const Box& b);

// One detection of a class, for AP.
struct ScoredDetection {
    double score = 0;
    bool true_positive = false;
};
// Sorts the detections by decreasing score (stable: ties keep their order) and gives the cumulative
// recall TP / num_gt and precision TP / (TP + FP) after each (num_gt > 0). Shared by the HICO-DET and
// V-COCO evaluations.
void precision_recall(std::vector<ScoredDetection>& detections, int num_gt, std::vector<double>& recall,
                      std::vector<double>& precision);

// 11-point interpolated AP from cumulative recall / precision (same length, detection order).
double voc_ap_11point(const std::vector<double>& recall, const std::vector<double>& precision);

// Evaluates predictions against ground truth. Images are matched by name: a ground-truth image
// without predictions has none; a prediction image that is not in the ground truth, a duplicate
// image name, a HOI id outside 0..599, a non-finite or inverted box (x2 < x1 or y2 < y1) or a
// non-finite score throw hoi::Error(Input) naming the image and the pair (`origin` of the
// PredImage when set), except what EvalOptions::lenient_predictions allows in predictions.
EvalResult evaluate(const std::vector<GtImage>& gt, const std::vector<PredImage>& pred, const ClassSplit& split,
                    const EvalOptions& options = {});

// The class split of a name: "default" (rare = the `rare` column of resources hico/hico_600.tsv),
// "rf-uc", "nf-uc", "uo", "uv" (the unseen HOIs of rare_first, non_rare_first, unseen_object,
// unseen_verb in resources hico/hico_zero_shot_splits.json). Throws hoi::Error(Usage) for an
// unknown name and hoi::Error(Model) when a resource file is missing or malformed.
ClassSplit load_split(std::string_view name);
// The same from explicit files (tests).
ClassSplit load_split(std::string_view name, const std::string& hico_600_tsv, const std::string& splits_json);

} // namespace hoi::eval
