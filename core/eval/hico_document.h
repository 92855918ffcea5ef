#pragma once
// Converting annotation documents (any imported format, typically `hico`) into the evaluation's
// plain structs: one GtImage / PredImage per document image (document order, named by file name),
// one pair per interaction (document order), the HOI id from the interaction's HICO verb and the
// COCO-80 class of its object. Rejected interactions are left out.
#include "annotation/document.h"
#include "eval/hico_eval.h"

#include <string>
#include <vector>

namespace hoi::eval {

// Throws hoi::Error(Input) naming `source`, the image and the interaction when an interaction's
// (verb, object) is not one of the 600 HICO-DET classes.
std::vector<GtImage> ground_truth_from_document(const annotation::Document& doc, const std::string& source);
// The same, and every interaction must carry a score (else hoi::Error(Input)).
std::vector<PredImage> predictions_from_document(const annotation::Document& doc, const std::string& source);

} // namespace hoi::eval
