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

} // namespace hoi::eval
