#pragma once
// The one merge of an engine analysis into an annotation::Document (the GUI's Workspace uses it;
// tests drive it directly). Torch-free (the GUI includes it).
//
// Policy — model output never overwrites a person's work:
// 1. Detections are matched to the image's instances, one to one, best IoU first: an instance still
//    in state Predicted matches a detection of its own COCO class at IoU >= match_iou; an instance
//    a person touched (Accepted / Rejected / Edited) matches one of any class (the person may have
//    corrected the class). With `previous` (the detection map of an earlier analysis of the same
//    detections, e.g. a re-query with new prompts) detection i is previous[i] as long as that
//    instance still exists, and a detection whose instance a person deleted is not brought back.
// 2. Mode Attach stops here: nothing in the document changes. Used when an image whose model output
//    is already in the document (a reopened project, an import) is analysed for its heatmaps and
//    scores without the person asking for a new analysis — opening a project never changes it.
// 3. Mode Update: matched Predicted instances take the detection's box and score; unmatched
//    detections become Predicted instances (those in no pair only at the policy's thresholds); Predicted instances that match no detection and take
//    part in no relation a person touched are removed (with their predicted relations).
// 4. Relations, per pair and applying prompt ("no interaction" prompts excepted unless the policy
//    asks for them, as `hoi run` does: they are HICO-DET classes): the prompt's verb
//    is HICO's spelling when it is a HICO verb, else its free text. An existing relation of the same
//    (subject, object, verb) is the prompt's (one with the same prompt text first). A relation a
//    person touched keeps its state, verb and prompt; only its score becomes the prompt's score.
//    A predicted relation takes the new score when the prompt is among the pair's proposals (score
//    >= min_score and within the pair's top_k_per_pair), else it is removed; a proposal without a
//    relation becomes a new predicted one. Scored predicted relations that no prompt claims any more
//    (older prompts) are removed; predicted relations without a score (imported) are left alone.
//    With keep_touched_scores a touched relation's score is left as it is as well.
// A merge of the same analysis twice changes nothing the second time.
#include <unordered_map>
#include <vector>

#include "annotation/document.h"
#include "hoi/engine.h"

namespace hoi::model {

enum class MergeMode { Update, Attach };

struct MergePolicy {
    MergeMode mode = MergeMode::Update;
    double min_score = 0.01;     // a predicted relation needs at least this score
    int top_k_per_pair = 0;      // at most this many predicted relations per pair, best first; <= 0 = all
    double match_iou = 0.5;      // a detection and an instance are the same object at this IoU
    bool all_detections = true;  // false: only detections that take part in a pair become instances
    bool no_interaction = false; // also relations for "no interaction" prompts
    // Detections outside pairs below these scores do not become instances (the engine's thresholds,
    // so what is shown is what the thresholds in the preferences say).
    float human_threshold = 0.f, object_threshold = 0.f;
    // true: a relation a person touched keeps its score too (the GUI's background re-scoring after
    // a review: model output that changes only the predicted relations' scores).
    bool keep_touched_scores = false;
};

// Where a relation's score came from in the analysis.
struct ScoreSource {
    int pair = -1;
    int prompt = -1;
};

struct MergeResult {
    std::vector<annotation::Id> detection_instance;                // per detection: instance (0 = none)
    std::unordered_map<annotation::Id, ScoreSource> relation_source; // relation id -> (pair, prompt)
    bool changed = false;                                           // the document was modified
};

// Merges `analysis` into `image` of `doc` (see the policy above). `previous`: the
// detection_instance of an earlier merge of an analysis with the same detections, or nullptr.
// Throws hoi::Error(Input) when `image` is not in the document.
MergeResult merge_analysis(const ImageAnalysis& analysis, annotation::Document& doc, annotation::Id image,
                           const MergePolicy& policy = {},
                           const std::vector<annotation::Id>* previous = nullptr);

// The prompts that apply to a pair, best score first (ties in prompt order, so the first is the
// pair's best prompt); "no interaction" prompts only when `no_interaction`. Empty when unscored.
std::vector<int> ranked_prompts(const ImageAnalysis& analysis, int pair, bool no_interaction);

// The verb a prompt gives a relation: HICO's spelling ("sit_on") for a HICO verb, else its free text.
std::string relation_verb(const Prompt& prompt);

} // namespace hoi::model
