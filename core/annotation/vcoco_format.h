#pragma once
// The one home of the V-COCO JSON layout of the HOI codebases (QPIC's / GEN-VLKT's
// trainval_vcoco.json and test_vcoco.json), format "vcoco" of formats.h:
//   [{file_name, width?, height?, annotations: [{bbox: [x1, y1, x2, y2], category_id, score?}],
//     hoi_annotation: [{subject_id, object_id, category_id, score?, prompt?}]}]
// A box's category_id is a COCO-91 id (person = 1); an entry's category_id is a verb class 0..28
// (annotation/vcoco_vocabulary.h: "hold_obj", "stand", "hit_instr", ...); subject_id / object_id
// index "annotations"; object_id -1 = the role has no object (always for stand, walk, run, smile).
// Other keys of an entry ("img_id", "image_path") are ignored.
//
// One parser reads the layout for three readers, each with its rules:
// - Annotation (the importer, format "vcoco"): "annotations" / "hoi_annotation" (or "predictions" /
//   "hoi_prediction"), every box with a COCO-80 category_id and a valid box, file names inside the
//   image folder, subjects that are person boxes, optional finite scores and prompts. Into the
//   Document: one instance per box, one relation per entry with the verb class's name as verb
//   ("hold_obj", hico_verb -1) and, for object_id -1, object 0 (a relation without an object).
// - GroundTruth (`hoi eval --vcoco --gt`, eval/vcoco_file.h): as Annotation, file names any
//   non-empty text, category_id 1..90.
// - Predictions (`hoi eval --vcoco --pred`): either key of each pair, box category_id optional,
//   boxes not checked for order, every entry with a finite "score".
// In all three: a role-less class with an object is refused, as is subject_id == object_id, an id
// out of range, a duplicate file name. Problems name the file and the JSON path ("[2].hoi_annotation[0].object_id").
//
// Writing (the exporter and `hoi run --vcoco`, through vcoco_image_entry): a relation's verb class is
// vcoco_verb_class(); relations without one, with a subject that is not a person, or whose object
// cannot be written, are counted as skipped in the report. A role-less class is written with
// object_id -1 whatever object the relation has. Numbers are written as they are (no rounding), so a
// file read and written again is byte-identical.
#include "annotation/document.h"
#include "annotation/formats.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hoi::annotation::vcoco {

enum class ReadMode { Annotation, GroundTruth, Predictions };

struct FileBox {
    Box box;
    int coco91 = 0;              // 0 when absent (Predictions only)
    std::optional<double> score;
};
struct FileEntry {
    size_t subject = 0;
    long object = -1; // index into the boxes; -1 = none
    int verb_class = 0;
    std::optional<double> score;
    std::string prompt;
};
struct FileImage {
    std::string file_name;
    std::string where; // "[3]", the image's JSON path
    int width = 0, height = 0;
    std::vector<FileBox> boxes;
    std::vector<FileEntry> entries;
};

// Parses the layout; throws hoi::Error(Input) "source: where: what" for the first problem (and
// how many more there are).
std::vector<FileImage> parse(std::string_view text, const std::string& source, ReadMode mode);

// The verb class (0..28) of a relation, or -1: its verb is a class name ("hold_obj", "hit instr",
// any case); else its verb is an action ("hold", "stand"): the action's class when it has one, else
// (hit, eat, cut: two roles) the class its prompt names ("hit_obj", as `hoi run --vcoco` prompts).
int vcoco_verb_class(const Interaction& relation);

// The file entry of one image, exactly as the exporter writes it (rejected entries left out and
// counted, as the other writers do). Throws hoi::Error(Input) when `image` is not in the document.
nlohmann::json vcoco_image_entry(const Document& doc, Id image, ExportReport& report);

} // namespace hoi::annotation::vcoco
