#pragma once
// The V-COCO evaluation of s-gupta/v-coco's vsrl_eval.py (the numbers papers report as
// AP_agent, AP_role scenario 1 and scenario 2), on plain structs:
//
// - Ground truth: per image its person boxes; each person does some of the 26 actions and, for
//   each role of an action ("obj", "instr"), has the role's object box or none (the object is not
//   visible / not annotated). A person marked `ignore` (not annotated in V-COCO) is never matched:
//   a detection whose best-overlapping person is ignored is skipped entirely.
// - Detections: per image, a person box with an agent score per action and, per role, a box and a
//   score (NaN score: not predicted for that action / role; skipped).
// - Overlap: vsrl's get_overlap, +1-pixel widths clamped at 0: iw = max(min(x2) - max(x1) + 1, 0)
//   (so boxes that share an edge overlap by one pixel, unlike the HICO-DET evaluators); NaN when a
//   coordinate is not finite (numpy's arithmetic).
// - Agent AP of an action: the image's detections by decreasing agent score; each is matched to the
//   ground-truth person it overlaps most (the first on ties); skipped when that person is ignored;
//   a true positive when that person does the action, the overlap is >= 0.5 and the person was not
//   matched before for this action; else a false positive. A detection in an image without
//   ground-truth persons is a false positive (vsrl_eval.py fails there).
// - Role AP of (action, role), scenario 1 and 2: the same with the role score, and the role box must
//   overlap the person's role object by >= 0.5. When the person has no object for that role:
//   scenario 1 requires the role to be predicted empty (a box of four zeros or four NaN), scenario 2
//   accepts any box.
// - AP: all detections of the class over all images by decreasing score (ties: image order, then
//   rank in the image), recall = TP / #positives (the persons doing the action, for the agent and
//   for each of its roles), precision = TP / max(TP + FP, eps), and VOC's all-point AP (area under
//   the monotone precision envelope). A class without positives has no AP (NaN, as numpy gives).
//   vsrl_eval.py keeps recall and precision in float32; this computes them in double (the APs
//   differ by float32 rounding, < 1e-6).
// - Means: agent mAP = the sum of the agent APs that are not NaN / 26 (vsrl: nansum / num_actions);
//   role mAP = the mean of the role APs that are not NaN (vsrl: nanmean over the 25 action-role
//   classes), for each scenario.
#include "annotation/vcoco_vocabulary.h"
#include "eval/hico_eval.h"

#include <array>
#include <optional>
#include <string>
#include <vector>

namespace hoi::eval::vcoco {

using annotation::vcoco::kActions;
using annotation::vcoco::kMaxRoles;

struct GtPerson {
    Box box;
    bool ignore = false;
    std::array<bool, kActions> actions{};
    std::array<std::array<std::optional<Box>, kMaxRoles>, kActions> roles{}; // the role's object, if any
};

struct GtImage {
    std::string name;
    std::vector<GtPerson> persons;
};

struct RolePrediction {
    Box box;          // all NaN or all 0: no object predicted
    double score = 0; // NaN: not predicted
};

struct Detection {
    Box person;
    std::array<double, kActions> agent;                                // NaN: not predicted
    std::array<std::array<RolePrediction, kMaxRoles>, kActions> roles; // NaN score: not predicted
    Detection(); // every score NaN, every role box NaN
};

struct PredImage {
    std::string name;
    std::vector<Detection> detections;
    std::string origin; // for messages; "" = the name
};

struct ClassAp {
    int action = -1;
    int role = -1;         // -1 for the agent
    std::string name;      // "hit" (agent) or "hit-instr" (role), as vsrl_eval.py prints them
    int positives = 0;     // persons doing the action
    int detections = 0, true_positives = 0;
    double ap = 0;         // NaN without positives
};

struct Result {
    std::vector<ClassAp> agent;            // 26 actions
    std::vector<ClassAp> role_s1, role_s2; // the 25 action-role classes
    double agent_map = 0;                  // nansum / 26
    double role_map_s1 = 0, role_map_s2 = 0; // nanmean (NaN when no class has positives)
    int images = 0, persons = 0;
    int ignored_images = 0;                // prediction images not in the ground truth
    std::vector<std::string> ignored_image_names;
};

// vsrl_eval.py's get_overlap of one ground-truth box and one predicted box.
double overlap(const Box& gt, const Box& pred);
// VOC all-point AP (vsrl_eval.py's voc_ap).
double voc_ap_all_points(const std::vector<double>& recall, const std::vector<double>& precision);

// Images are matched by name; prediction images not in the ground truth are ignored (counted).
// Throws hoi::Error(Input) for a duplicate image name in either list and Usage for a threshold
// outside (0, 1].
Result evaluate(const std::vector<GtImage>& gt, const std::vector<PredImage>& pred, double iou_threshold = 0.5);

} // namespace hoi::eval::vcoco
