#pragma once
// Turning an engine analysis into annotation::Document content: the boxes that take part in a
// pair become predicted instances, the best-scoring prompts of each pair predicted interactions.
// Torch-free (the GUI includes it).
#include "annotation/document.h"
#include "hoi/engine.h"

namespace hoi::model {

struct DocumentExportOptions {
    float min_score = 0.05f;   // interactions below are not added
    int top_k_per_pair = 3;    // at most this many interactions per pair (best first); <= 0 = all
    bool all_detections = false; // also add detections that are in no pair
    bool replace_predicted = true; // first remove the image's instances/interactions still in state Predicted
};

struct DocumentExportResult {
    std::vector<annotation::Id> instances;    // added instance ids, per detection index (0 = not added)
    std::vector<annotation::Id> interactions; // added interaction ids
};

// Adds the analysis to `image` (an image of `doc`). Instances keep their detector score, HICO verbs
// their HICO spelling and id, free verbs their text; the prompt text is kept on each interaction.
// Instances and interactions a person has touched (Accepted / Rejected / Edited) are never removed;
// a prediction equal to a Rejected interaction (same boxes, verb) is not proposed again.
// Throws hoi::Error(Input) when `image` is not in the document.
DocumentExportResult to_document(const ImageAnalysis& analysis, annotation::Document& doc, annotation::Id image,
                                 const DocumentExportOptions& options = {});

} // namespace hoi::model
