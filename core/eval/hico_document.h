#pragma once
// Converting annotation documents (any imported format, typically `hico`) into the evaluation's
// plain structs: one GtImage / PredImage per document image (document order, named by file name),
// one pair per interaction (document order), the HOI id from the interaction's HICO verb and the
// COCO-80 class of its object (annotation::hico_hoi_of, the rule the HICO-DET writer uses).
// Rejected interactions are left out, and so are relations HICO-DET cannot express (free verbs,
// pairs outside the 600 classes: what the format keeps in "free_hoi_annotation"), which no HOI
// class can evaluate.
#include "annotation/document.h"
#include "eval/hico_eval.h"

#include <string>
#include <vector>

namespace hoi::eval {

std::vector<GtImage> ground_truth_from_document(const annotation::Document& doc, const std::string& source);
// The same, and every evaluated interaction must carry a score (else hoi::Error(Input) naming
// `source`, the image and the interaction).
std::vector<PredImage> predictions_from_document(const annotation::Document& doc, const std::string& source);

// The same, and an interaction without a score gets `missing_score` (a person's annotation file
// evaluated as predictions: every relation counts as certain).
std::vector<PredImage> predictions_from_document(const annotation::Document& doc, const std::string& source,
                                                 double missing_score);

// A project's review as ground truth: one GtImage per reviewed image (document order), with its
// accepted and edited interactions (predicted ones were not confirmed, rejected ones are wrong).
std::vector<GtImage> reviewed_ground_truth(const annotation::Document& doc);
// A project's model predictions: every interaction with a score that a person did not edit
// (predicted, accepted or rejected - a rejected prediction is still what the model said), one
// PredImage per image (only the reviewed images when `reviewed_only`). An edited interaction is a
// person's relation, not the model's, and is left out.
std::vector<PredImage> model_predictions(const annotation::Document& doc, bool reviewed_only);

} // namespace hoi::eval
