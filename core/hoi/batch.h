#pragma once
// Batch runs (`hoi run`, `hoi merge`): image listing, deterministic shards, the prediction file.
//
// The prediction file is a JSON list in the HICO-DET layout of annotation/hico_format.h (the one
// reader and writer of that format; `hoi convert`, the GUI and `hoi eval` read it), one entry per
// image, sorted by image path, so HICO-DET tools read it unchanged. Each entry is the analysis merged
// into a one-image document (hoi/analysis_merge.h, with the boxes of the pairs and the "no
// interaction" prompts) and written by that writer: relations HICO-DET can express in
// "hoi_annotation", the others (free verbs, pairs outside the 600 classes) in "free_hoi_annotation",
// each with its score and prompt, so nothing asked for is lost. A relation's class is the verb's
// and the box's, as in the GUI: a prompt whose object the detector does not know ("hold guitar")
// scores every object, and its relation with a cup is written as HICO's "hold cup". The run adds "image_path" (the path
// as given, the resume key); "file_name" is the file's name, as HICO-DET's ground truth names images.
//
// Metadata (prompts, model checksums, options, the image list, each input's content hash, failed
// images) goes to a sidecar FILE.meta.json, so the main file stays a plain list. Both are rewritten
// atomically, both or neither: after every image while writing is cheap (save_if_due).
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hoi/engine.h"

namespace hoi::model {

// Image files named on the command line: files as given, directories scanned recursively for
// io::image_extensions() (case-insensitive). Sorted by path,
// duplicates removed. Throws hoi::Error(Input) for a missing path. GIF files found in directories
// (not supported, animated or not) are left out and, when `gifs` is given, added to it.
std::vector<std::string> list_images(const std::vector<std::string>& inputs, std::vector<std::string>* gifs = nullptr);

// "K/N" (1 <= K <= N): the K-th of N deterministic slices (every N-th path from the (K-1)-th).
// Throws hoi::Error(Usage) for a malformed spec.
std::pair<int, int> parse_shard(const std::string& spec);
std::vector<std::string> shard_slice(const std::vector<std::string>& sorted_paths, int k, int n);

struct BatchOptions {
    float min_score = 0.0f; // interactions below are not written
    // Entries in the V-COCO layout (annotation/vcoco_format.h, `hoi run --vcoco`) instead of
    // HICO-DET's: relations whose verb is a V-COCO class, with their scores, as `hoi eval --vcoco`
    // reads predictions; recorded in the metadata's options as "layout": "vcoco".
    bool vcoco = false;
};

// "masked" / "crop", as --pair-features takes them; parse throws hoi::Error(Usage) for another word.
std::string pair_feature_mode_name(PairFeatureMode mode);
PairFeatureMode parse_pair_feature_mode(const std::string& name);

// The metadata of one run (the one place it is built): format, version, prompts, models (file
// names and checksums), options, shard ("K/N" or null) and the whole image list's count and sha256
// (before a shard is cut from it). `all_images` as list_images returns them.
nlohmann::json run_metadata(const Engine& engine, const EngineOptions& opt, const std::vector<Prompt>& prompts,
                            const BatchOptions& bopt, const std::string& shard_spec,
                            const std::vector<std::string>& all_images);

// The content hash of an input file (sha256 of its bytes), recorded per image so a resume can
// tell a file replaced under the same name. Throws hoi::Error(Input) when it cannot be read.
std::string input_hash(const std::string& path);

// Output path check before anything is written: a directory (or a name ending in '/') is a usage
// error naming it.
void check_output_path(const std::string& out, const std::string& option = "--out");

// One entry of the prediction file (HICO-DET layout, or V-COCO's with BatchOptions::vcoco).
nlohmann::json prediction_entry(const ImageAnalysis& a, const BatchOptions& opt);

// The sidecar path of an output file.
std::string meta_path(const std::string& out);

// The prediction file: entries by image path; load() reads an existing file (resume) and its
// sidecar; save() writes both atomically. Paths and entries are kept as written to JSON: a name that
// is not UTF-8 is percent-escaped (io/names.h), in has() and put() alike.
class PredictionFile {
public:
    // Reads `out` if it exists (throws hoi::Error(Input) when it is not a valid prediction file).
    // read_existing false: start empty (the file is replaced on save()).
    explicit PredictionFile(std::string out, bool read_existing = true);
    bool has(const std::string& image_path) const;
    // `hash`: the input's input_hash when it was analysed ("" = unknown: a resume does it again).
    void put(const std::string& image_path, nlohmann::json entry, const std::string& hash = "");
    void add_failure(const std::string& image_path, const std::string& error);
    // The recorded content hash of an entry ("" when none).
    std::string hash_of(const std::string& image_path) const;
    // The metadata of the run; when the file already had metadata it must agree (prompts, models,
    // options) or a resume would mix runs: throws hoi::Error(Input) naming the difference and how
    // to start over. A file with entries but no sidecar is refused the same way (nothing proves
    // which run wrote it); an empty one is taken.
    void set_meta(const nlohmann::json& meta);
    const nlohmann::json& meta() const { return meta_; }

    // What a resume does with this run's images (after set_meta): entries of images no longer
    // among them are dropped (`removed`), images whose content hash differs from the recorded one
    // (or that have none) are done again (`changed`, also in `todo`), the rest are kept.
    struct ResumePlan {
        std::vector<std::string> todo;     // to analyse, in the given order
        std::vector<std::string> changed;  // had an entry, content changed since
        std::vector<std::string> removed;  // entries (or failures) dropped: not among the images
        size_t kept = 0;
    };
    ResumePlan plan_resume(const std::vector<std::string>& images);

    // Whether save() would write anything different from what is on disk.
    bool dirty() const { return dirty_; }
    // Writes the sidecar, then the list, each atomically; when the list cannot be written the
    // sidecar is put back as it was (removed if it was new), so neither is left without the other.
    void save();
    // save() when the file has changed and writing is cheap against the time since the last write:
    // at least ten times as long has passed as that write took. A run's output of a few hundred
    // images is then written after every image; one of thousands, whose every write rewrites
    // megabytes (quadratic over the run), every few seconds, so writing stays about a tenth of the
    // run. A run killed between writes loses at most that much work, which a resume does again.
    // Returns whether it wrote.
    bool save_if_due();
    // How long the last save() took, in seconds (0 before the first).
    double last_save_seconds() const { return last_save_s_; }
    size_t size() const { return entries_.size(); }
    const std::vector<std::pair<std::string, nlohmann::json>>& entries() const { return entries_; }

private:
    std::string out_;
    std::vector<std::pair<std::string, nlohmann::json>> entries_; // sorted by path
    std::map<std::string, std::string> hashes_;                   // path -> input_hash
    nlohmann::json meta_;
    std::vector<std::pair<std::string, std::string>> failed_;
    bool dirty_ = true;
    double last_save_s_ = 0;
    std::chrono::steady_clock::time_point last_save_end_{};
};

// Joins shard outputs into what one run over all images writes (entries sorted by image path;
// metadata identical apart from "shard", which becomes null). The inputs must be one complete K/N
// set of `hoi run --shard` (or one unsharded output): throws hoi::Error(Input) when they disagree
// on prompts, models, options or image list, when a K appears twice, when the N differ, when a run
// without --shard is among several inputs, when they give different results for one image, and
// when shards are missing, unless allow_partial: then the merged metadata lists them under
// "missing_shards", as does `missing_shards` when given.
void merge_predictions(const std::vector<std::string>& inputs, const std::string& out, bool allow_partial = false,
                       std::vector<std::string>* missing_shards = nullptr);

} // namespace hoi::model
