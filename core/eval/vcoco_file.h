#pragma once
// V-COCO files in the layout of QPIC's / GEN-VLKT's trainval_vcoco.json and test_vcoco.json:
//   [{file_name, annotations: [{bbox: [x1, y1, x2, y2], category_id}], hoi_annotation:
//     [{subject_id, object_id, category_id}]}]
// category_id of a box is a COCO-91 id (person = 1); of a hoi_annotation entry the verb class 0..28
// (annotation/vcoco_vocabulary.h); object_id -1 = the role has no object (and always for stand,
// walk, run, smile). The ground-truth persons are the boxes with category_id 1; every one counts as
// annotated (the layout does not keep V-COCO's unannotated persons, which vsrl_eval.py ignores).
// Checked strictly (hoi::Error(Input) naming the file and the JSON path). Parsed by the one parser
// of the layout, annotation/vcoco_format.h (ReadMode::GroundTruth / Predictions), which the
// annotation format "vcoco" (hoi convert, the GUI) reads through too.
//
// Predictions: the same layout (boxes under "annotations" or "predictions", entries under
// "hoi_annotation" or "hoi_prediction", box category_id optional), each entry with a finite
// "score". The entries of one (subject_id, object_id) pair form one vsrl detection, as QPIC's
// generate_vcoco_official.py builds them: the subject's box, per verb class the object box as the
// role box (no object: NaN) with the entry's score, and per action the agent score = the largest
// score of the action's verb classes.
#include "eval/vcoco_eval.h"

#include <string>
#include <string_view>
#include <vector>

namespace hoi::eval::vcoco {

std::vector<GtImage> read_ground_truth_text(std::string_view text, const std::string& source);
std::vector<GtImage> read_ground_truth_file(const std::string& path);
std::vector<PredImage> read_predictions_text(std::string_view text, const std::string& source);
std::vector<PredImage> read_predictions_file(const std::string& path);

} // namespace hoi::eval::vcoco
