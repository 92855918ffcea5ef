#pragma once
// Import and export of annotation files.
//
// Formats:
//   hico      HICO-DET JSON as used by QPIC / CDN / GEN-VLKT (the PPDM annotation layout): a list of
//             {file_name, width?, height?, annotations: [{bbox: [x1,y1,x2,y2], category_id, score?}],
//             hoi_annotation: [{subject_id, object_id, category_id, hoi_category_id, score?, prompt?}],
//             free_hoi_annotation: [{subject_id, object_id, verb, object, score?, prompt?}]}. Object
//             category_id is a COCO-91 id (person = 1); verb category_id is 1..117 and hoi_category_id
//             1..600 (the 0-based HICO ids + 1); subject_id / object_id index `annotations`.
//             Relations HICO-DET cannot express (free verbs, pairs outside the 600 classes) go to
//             free_hoi_annotation with their verb text ("object" is the object's class name; a relation without
//             an object has object_id -1 and no "object") and are
//             read back from it. Ground truth and predictions (`hoi run`) share the layout: scores,
//             prompts and states are kept. Boxes are written to 1/100 pixel, scores to 1e-6.
//             The one home of these rules is annotation/hico_format.h.
//   vcoco     V-COCO JSON as used by QPIC / GEN-VLKT (trainval_vcoco.json, test_vcoco.json): a list of
//             {file_name, width?, height?, annotations: [{bbox: [x1,y1,x2,y2], category_id, score?}],
//             hoi_annotation: [{subject_id, object_id, category_id, score?, prompt?}]}; box category_id a
//             COCO-91 id, entry category_id one of the 29 verb classes 0..28 (hold_obj, stand, ...,
//             annotation/vcoco_vocabulary.h), object_id -1 when the role has no object. Read into
//             relations whose verb is the class name and, for object_id -1, with no object (object 0).
//             Written from relations whose verb is a class name or a V-COCO action (hit / eat / cut:
//             the class their prompt names); others are skipped and counted. Predictions
//             (`hoi run --vcoco`) are the same layout with scores. The one home: annotation/vcoco_format.h.
//   instances fredzzhang/hicodet instances_*.json: {annotation: [{boxes_h, boxes_o, hoi, object, verb}],
//             filenames, size: [[w,h]], empty, objects, verbs, correspondence, rare, non_rare}; one
//             entry per box pair, hoi / verb 0-based HICO ids, object a 0-based COCO-80 id.
//   coco      COCO detection JSON {images, annotations: [{bbox: [x,y,w,h], category_id, score?}],
//             categories}; boxes only. COCO classes keep their COCO-91 ids, free-text classes get
//             ids from 1000 up.
//   csv       one row per interaction (RFC 4180), columns named in the header (see csv_columns()).
//   project   the HOI Studio project file (see project.h).
// Review states: formats other than csv and project have no state; importers mark entries that
// carry a score as "predicted" and the others as "accepted" (ground truth), except that a hico
// hoi_annotation entry's optional "state" (written with ExportOptions::hico_states) is read back;
// exporters leave out rejected instances and interactions and count them in the report.
//
// Bad input: importers check everything (JSON syntax with line/column, types, missing keys, boxes
// with x2 < x1 or non-finite numbers, ids out of range, duplicate ids, file names that leave the
// image folder) and collect EVERY problem; import_* throws hoi::Error(Input) listing them and loads
// nothing, validate_* returns the list. Files over kMaxAnnotationFileBytes are refused.
#include "annotation/document.h"
#include "annotation/project.h"

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace hoi::annotation {

// Largest annotation or project file read: 512 MiB.
constexpr size_t kMaxAnnotationFileBytes = size_t(512) << 20;

enum class Format { Hico, Instances, Coco, Csv, Project, Vcoco };
std::string_view format_name(Format format); // "hico", "instances", "coco", "csv", "project", "vcoco"
// Parses a format name; throws hoi::Error(Usage) naming the known formats.
Format parse_format(std::string_view name);
// Guesses the format of a file's content (JSON list -> hico, or vcoco when it has relations
// ("subject_id", "hoi_prediction") but no HICO-DET key ("hoi_category_id", which QPIC's HICO-DET
// files give every relation, "free_hoi_annotation", which HOI Studio's always have); object with "schema_version" ->
// project, "annotation"+"filenames" -> instances, "images"+"annotations" -> coco, else csv).
Format detect_format(std::string_view text);

// One problem found in an input file.
struct Problem {
    std::string file;    // the file (or "<input>")
    std::string where;   // "line 3, column 7", "[2].annotations[0].bbox", "row 5, column 'verb'"
    std::string message; // what is wrong and what was expected
    std::string to_string() const; // "file: where: message"
};

// What an exporter wrote and what it could not express.
struct ExportReport {
    std::string format;
    size_t images = 0, instances = 0, interactions = 0;        // written
    size_t instances_skipped = 0, interactions_skipped = 0;   // not expressible / left out
    // Of the skipped ones, those left out because a person rejected them (or a box they use): not
    // a limit of the format. Their reasons are the ones is_rejection() recognises.
    size_t instances_rejected = 0, interactions_rejected = 0;
    std::map<std::string, size_t> reasons; // reason -> count (instances and interactions)
    // Left out because the export's scope asked for it (ExportOptions::scope), not a loss.
    size_t images_omitted = 0, instances_omitted = 0, interactions_omitted = 0;
    void skip_instance(const std::string& reason);
    void skip_interaction(const std::string& reason);
    void reject_instance();
    void reject_interaction(bool because_of_a_box);
    static bool is_rejection(const std::string& reason);
    // Left out because the format cannot express them (skipped, less rejected).
    size_t instances_lost() const { return instances_skipped - instances_rejected; }
    size_t interactions_lost() const { return interactions_skipped - interactions_rejected; }
    bool lossless() const { return instances_skipped == 0 && interactions_skipped == 0; }
    std::string to_string() const; // readable, one line per reason
};

// What an export takes from the project, besides leaving out rejected entries.
enum class ExportScope {
    All,      // every image, box and relation that is not rejected
    Accepted, // only relations a person accepted or edited, and the boxes they use or a person made
    Reviewed, // only the images a person marked reviewed
};
struct ExportOptions {
    ExportScope scope = ExportScope::All;
    // hico: each hoi_annotation entry carries "state" ("predicted", "accepted", "edited"), which
    // the reference tools ignore and the importer reads back.
    bool hico_states = false;
};

struct ImportOptions {
    // When not empty, every image file must exist in this folder (a problem otherwise).
    std::string image_dir;
};

// ---- whole files ------------------------------------------------------------------------------
// Reads `path` (size-limited), imports it as `format`; throws hoi::Error(Input) with every problem.
Project import_file(const std::string& path, Format format, const ImportOptions& options = {});
// Exports to `path` atomically; returns the report.
ExportReport export_file(const Project& project, const std::string& path, Format format,
                         const ExportOptions& options = {});
// Every problem of a file ([] when clean). Never throws for bad content; a file that cannot be read
// or is over the limit is one problem.
std::vector<Problem> validate_file(const std::string& path, Format format, const ImportOptions& options = {});

// ---- text -------------------------------------------------------------------------------------
// `file` names the source in messages. import_text throws like import_file.
Project import_text(std::string_view text, Format format, const std::string& file = "<input>",
                    const ImportOptions& options = {});
std::vector<Problem> validate_text(std::string_view text, Format format, const std::string& file = "<input>",
                                   const ImportOptions& options = {});
std::string export_text(const Project& project, Format format, ExportReport* report = nullptr,
                        const ExportOptions& options = {});

// The CSV header columns, in the order written.
const std::vector<std::string>& csv_columns();

} // namespace hoi::annotation
