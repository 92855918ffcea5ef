#pragma once
// HICO-DET prediction files read the way the reference evaluators (QPIC's hico_eval.py,
// GEN-VLKT's / HOICLIP's hico_eval_triplet.py) read predictions: leniently, since they are model
// output, not annotations. Ground truth is not read here (it stays strictly validated by the
// annotation importers).
//
// Layouts (detected from the content):
//   annotation layout  a JSON list of {file_name, annotations: [{bbox, category_id}],
//                      hoi_annotation: [{subject_id, object_id, category_id, hoi_category_id?,
//                      score}]}: COCO-91 object ids, verb category_id 1..117, hoi_category_id
//                      1..600 (what `hoi run` and QPIC-style converters write).
//   evaluator layout   a JSON list of {filename | file_name, predictions: [{bbox, category_id?}],
//                      hoi_prediction: [{subject_id, object_id, category_id, score}]}, 0-based as
//                      the evaluators hold them: with box category_ids (QPIC) category_id is the
//                      verb 0..116 and box category_id the COCO-80 index 0..79; without (GEN-VLKT,
//                      HOICLIP) category_id is the HOI triplet 0..599 (GEN-VLKT's hico_text_label
//                      order, which is HICO-DET's HOI order: the same ids).
//   GEN-VLKT's dump    {"preds": [...evaluator layout...], "gts": [...]}, or that object written as
//                      `json.dumps(str(...))` (a JSON string holding a Python literal, numpy
//                      scalars included; see python_literal.h). Only "preds" is read.
//
// An entry's HOI class: hoi_category_id when present (the object box's own category_id may then
// disagree: not an error), otherwise (verb category_id, the object box's category_id).
// Read leniently, each counted as a warning with its JSON path:
//   - a degenerate box (x2 < x1, y2 < y1, zero area): kept, it overlaps nothing (as the reference
//     IoU, which is 0 unless ix1 < ix2 and iy1 < iy2);
//   - (verb, object) that is not one of the 600 classes, and in the QPIC evaluator layout a subject
//     box that is not a person: left out (the reference never finds such a triplet in its ground
//     truth and skips it).
// Errors (hoi::Error(Input), naming the file and the JSON path): bad JSON, a missing or duplicate
// file name, a missing, non-numeric, NaN or infinite score, a bbox that is not four numbers, a
// subject_id / object_id outside the image's boxes, an id out of range.
// Images in the file that are not in the ground truth are the evaluation's business
// (EvalOptions::lenient_predictions).
#include "eval/hico_eval.h"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace hoi::eval {

struct PredictionWarning {
    std::string where;   // JSON path: "[3].annotations[2].bbox"
    std::string message;
};

struct PredictionFile {
    std::string layout; // "annotation", "qpic" (evaluator layout with box classes), "gen-vlkt"
    std::vector<PredImage> images; // file order; origin = "FILE: [i]"
    std::vector<PredictionWarning> warnings;
    size_t entries_left_out = 0;   // hoi entries not evaluated (warnings say why)
};

PredictionFile read_prediction_text(std::string_view text, const std::string& source);
// Reads `path` (size-limited like annotation files).
PredictionFile read_prediction_file(const std::string& path);

} // namespace hoi::eval
