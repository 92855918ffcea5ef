#pragma once
// The one home of the HICO-DET JSON layout (described in formats.h, format "hico"): the importer and
// exporter behind import_* / export_* (Format::Hico), and the pieces `hoi run` and `hoi eval` use,
// so that ground truth, predictions, the GUI's open/export, `hoi convert`, `hoi run` and `hoi eval`
// read and write one layout by one set of rules:
// - a relation HICO-DET can express (a HICO verb, an object of COCO-80 class, the pair one of the
//   600 HOI classes) goes to "hoi_annotation"; any other (a free verb such as "juggle", a HICO verb
//   with a pair outside the 600) to "free_hoi_annotation", with its verb text; both carry "score"
//   and "prompt" when the relation has them, and "state" when asked (ExportOptions::hico_states);
// - numbers are rounded once, here: box coordinates to 1/100 pixel, scores to 1e-6 (rounding a
//   rounded value changes nothing, so a file read and written again keeps its numbers);
// - "width" / "height" are written when the image size is known;
// - "image_path" (the resume key `hoi run` adds) is not part of the document: read files may carry it.
#include "annotation/document.h"
#include "annotation/formats.h"

#include <nlohmann/json.hpp>

namespace hoi::annotation {

// Rounding of every number the HICO-DET writer emits.
double hico_round_box(double v);   // to 1/100 pixel
double hico_round_score(double v); // to 1e-6

// The 0-based HICO HOI id of a relation whose object has COCO-80 class `object_coco80`, or -1 when
// HICO-DET cannot express it (free verb, object outside COCO-80, pair outside the 600 classes):
// such a relation is written to "free_hoi_annotation" and is not evaluated by `hoi eval`.
int hico_hoi_of(const Interaction& relation, int object_coco80);

// The file entry of one image, exactly as the exporter writes it: its instances and relations that
// are not rejected (instances whose class is outside COCO-80 and their relations are counted as
// skipped in `report`). Throws hoi::Error(Input) when `image` is not in the document.
nlohmann::json hico_image_entry(const Document& doc, Id image, ExportReport& report, bool states = false);

} // namespace hoi::annotation
