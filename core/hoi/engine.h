#pragma once
// hoi::model::Engine — the zero-shot HOI pipeline behind the GUI's InferenceWorker and `hoi run`.
//
//   image ─► detector (+ pose) ─► humans / objects (thresholds, top-k) ─► pairs (human x object,
//   human x human) ─► spatial encoding ─► CLIP image tower once per image ─► per pair a masked query
//   through CLIP's last attention block (union box; human box; object box) = pair feature + its
//   attention over the patches ─► scores against the prompts' text embeddings (cached per prompt).
//
// Scores (per pair p, prompt t; T_p = prompts applying to p's object + its "no interaction" prompt):
//   s_pair   = softmax over T_p of  logit_scale · cos(pair feature, text)
//   s_global = softmax over T_p of  logit_scale · cos(image embedding, text)
//   final    = s_h^λ · s_o^λ · (α · s_pair + (1 − α) · s_global)           ∈ [0, 1]
// Defaults α = 0.7, λ = 1 (see EngineOptions).
// The few-shot adapter (hoi/few_shot_adapter.h) adds its term to the pair logits before the
// softmax: s_pair = softmax over T_p of (logit_scale · cos + adapter term).
// A head trained by `hoi train` (metadata "scoring": "sigmoid") scores every prompt on its own:
//   s_pair = σ(e^s · cos(pair, text) + b + adapter term),  s_global = σ(e^s · cos(image, text) + b)
// with the head's learned s and b; the fusion above is unchanged.
//
// This header is torch-free (the GUI includes it); tensors live behind the PIMPL.
// An Engine is not thread-safe: use it from one thread at a time (the GUI's worker thread).
// Without a CLIP model (has_clip() false) the engine still detects and builds pairs, with no scores,
// so the GUI works as a detection-assisted annotator.
// Merging an analysis into an annotation::Document: hoi/analysis_merge.h.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "detect/detector.h"
#include "hoi/few_shot_adapter.h"
#include "hoi/prompt.h"
#include "io/progress.h"

namespace hoi::clip {
class ClipModel;
}

namespace hoi::model {

enum class PairFeatureMode {
    Masked, // default: one CLIP image forward; each pair is a query that sees only its box's patches
    Crop,   // comparison: one CLIP forward per union / human / object crop (slow)
};

struct EngineOptions {
    // CLIP model file (OpenAI .pt layout or safetensors). "" = no CLIP: detection and pairs only.
    // Resolve it with clip::resolve_clip_path (CLI flag > HOI_CLIP > GUI setting > default file).
    std::string clip_path;
    std::string detector = "nanodet"; // detect::make_detector name or path
    std::string models_dir;           // "" = hoi::io::models_dir()
    bool use_pose = true;             // movenet-multipose keypoints in the spatial encoding, when present

    float human_threshold = 0.4f;     // people below are not used as subjects
    float object_threshold = 0.3f;    // objects below are not used
    int max_humans = 8;               // top-k people by score
    int max_objects = 12;             // top-k non-person objects by score
    bool human_human_pairs = true;    // person x person pairs (objects of "hug person", unknown objects)

    // Fusion weight of the pair feature against the whole-image embedding. 0.7: the pair feature is
    // the localised evidence that separates pairs in one image, the global embedding supplies scene
    // context and is more reliable for small boxes with few patches; the pair term dominates.
    float alpha = 0.7f;
    // Detector-score exponent. 1 keeps nanodet's calibrated sigmoid scores as probabilities (the
    // product s_h·s_o is then the probability both boxes are right); UPT's 2.8 suits DETR scores.
    float lambda = 1.0f;
    // Weight of the human-box and object-box features against the union-box feature in the pair
    // feature: normalise(n(f_union) + w · (n(f_human) + n(f_object)) / 2).
    float box_feature_weight = 0.5f;

    // CLIP sentence templates with "{}" for the interaction phrase; averaged in embedding space
    // (each normalised, averaged, renormalised). Empty = default_templates().
    std::vector<std::string> templates;

    PairFeatureMode pair_features = PairFeatureMode::Masked;

    // Where text embeddings persist between runs (keyed by the CLIP model's checksum), so the 600
    // HICO prompts are encoded once per model: "" = clip::TextEmbeddingCache::default_dir()
    // ($HOI_TEXT_CACHE, $HOI_MODELS/cache, ~/.cache/hoi-studio); "off" = in memory only.
    std::string text_cache_dir;

    // Per-image cache bound (detections, poses, CLIP tokens and attentions, pair features), LRU.
    // 256 MiB holds ~100 ViT-B/32 images with their attentions (or ~10 ViT-B/16 with attentions).
    std::size_t cache_limit_bytes = 256ull << 20;
    // Keep CLIP's per-layer attentions of each image (for the inspector). Off in batch runs.
    bool keep_layer_attention = true;

    // Learnable parts (interactor MLP, decoder layers, prompt context) from a safetensors file.
    // "" = untrained: the zero-initialised residuals make the scores exactly the training-free ones.
    std::string weights_path;
    // false: skip the learnable parts entirely (the pure training-free path; a test switch: an
    // untrained head gives bit-identical scores either way).
    bool learnable_parts = true;

    // The few-shot adapter's weight, sharpness and cut-off (hoi/few_shot_adapter.h). The adapter
    // starts empty (then scores are exactly the adapter-free ones); Engine::add_example fills it.
    AdapterOptions adapter;
};

// A pair of detections; indices into ImageAnalysis::detections.
struct Pair {
    int human = -1;
    int object = -1;
    std::vector<float> spatial; // the pair's spatial encoding (see spatial.h for the layout)
};

// How an analysis turned logits into s_pair and s_global (see the file comment).
enum class PairScoring {
    Softmax, // training-free: a softmax over the pair's prompts and its "no interaction" prompt
    Sigmoid, // a head trained by `hoi train`: each prompt its own sigmoid
};

struct ScoreBreakdown {
    bool applies = false; // false: the prompt's object is not this pair's (all scores 0)
    float s_pair = 0;     // softmax (or the trained head's sigmoid) of the pair feature's logits
    float s_global = 0;   // the same of the image embedding's logits
    float s_h = 0;        // detector score of the human
    float s_o = 0;        // detector score of the object
    float cos_pair = 0;   // raw cosine similarities (for the inspector)
    float cos_global = 0;
    float adapter = 0;    // the few-shot adapter's term, added to the pair logit before s_pair
    float final = 0;      // s_h^λ · s_o^λ · (α s_pair + (1−α) s_global)
};

// An attention map over CLIP's patch grid. The grid covers the square `frame` (image pixels,
// possibly extending past the image: the image is padded to a square before CLIP so nothing is
// cropped away). weights: row-major grid_h x grid_w, non-negative, summing to 1 (or empty).
struct AttentionMap {
    int grid_w = 0, grid_h = 0;
    float frame_x = 0, frame_y = 0, frame_size = 0; // the square the grid covers, in image pixels
    std::vector<float> weights;

    bool empty() const { return weights.empty(); }
    // Bilinear upsampling to the image: width x height floats, row-major, max-normalised to [0,1].
    std::vector<float> to_image(int width, int height) const;
};

// Per-layer, per-head attention of one query (for the inspector): data[(layer*heads+head)*N + n].
struct AttentionStack {
    int layers = 0, heads = 0, grid_w = 0, grid_h = 0;
    float frame_x = 0, frame_y = 0, frame_size = 0;
    std::vector<float> data;
};

struct StageTiming {
    std::string stage; // "load", "detect", "pose", "clip", "pairs", "pair_features", "text", "classify"
    double ms = 0;
    bool cached = false; // served from the per-image / per-prompt cache
};

// What CLIP's text tower encoded for one prompt: one sentence per template (EngineOptions::templates,
// averaged in embedding space) and its token ids, <|startoftext|> to <|endoftext|> (no padding).
struct PromptEncoding {
    std::vector<std::string> sentences;
    std::vector<std::vector<int>> token_ids;
};

struct ImageAnalysis {
    std::string image_path;
    std::string image_key;   // content hash of the file (hex)
    std::string cache_key;   // the engine's per-image cache key (content, models, boxes); internal
    int width = 0, height = 0;

    std::vector<detect::Detection> detections; // every detection kept by the detector
    std::vector<detect::Pose> poses;           // empty without a pose model
    std::vector<int> pose_of_detection;        // per detection: index into poses or -1

    std::vector<Prompt> prompts;
    std::vector<Pair> pairs;
    bool scored = false;                       // false without CLIP
    // scores[pair * prompts.size() + prompt]
    std::vector<ScoreBreakdown> scores;
    std::vector<AttentionMap> pair_attention;  // per pair (union-box query), empty without CLIP
    // Per prompt, what the text tower encoded (shared with the engine's text cache); empty when
    // not scored. The inspector shows these, not a sentence rebuilt elsewhere.
    std::vector<std::shared_ptr<const PromptEncoding>> encodings;
    float alpha = 0, lambda = 0;               // the fusion weights the scores were computed with
    // The scoring of s_pair / s_global; with Sigmoid, the head's e^s and b. A score without the
    // adapter's term: score_without_adapter (hoi/scoring.h).
    PairScoring scoring = PairScoring::Softmax;
    float sigmoid_scale = 0, sigmoid_bias = 0;

    std::vector<StageTiming> timings;
    std::vector<std::string> warnings;         // e.g. a prompt truncated to 77 tokens

    const ScoreBreakdown& score(int pair, int prompt) const {
        return scores[static_cast<std::size_t>(pair) * prompts.size() + static_cast<std::size_t>(prompt)];
    }
};

// Inspector detail for one pair (computed on request from the cached image state).
struct PairInspection {
    AttentionStack image_cls;   // the class token's attention in every CLIP layer (whole image)
    AttentionStack pair_query;  // the pair's masked query in the last layer: layers = 1, per head
    AttentionMap union_map, human_map, object_map;
};

// What the pair classifier sees of an image, before the learnable head (hoi/pair_features.h), for
// given boxes and given (subject, object) pairs: the trainer's input. Row-major float blocks.
struct PairInputs {
    std::string image_key;       // content hash of the file
    int width = 0, height = 0;
    int dim = 0;                 // D, the joint embedding size
    int spatial_dims = 0;        // S
    int patches = 0;             // N
    std::vector<float> base;     // [pairs, D] pair features before the head
    std::vector<float> spatial;  // [pairs, S] spatial encodings (pose included when a pose model is loaded)
    std::vector<float> patch_tokens; // [N, D] normalised patch tokens in the joint space
    std::vector<float> global;   // [D] normalised image embedding
};

struct CacheStats {
    std::size_t entries = 0, bytes = 0, limit_bytes = 0;
    std::uint64_t hits = 0, misses = 0;
    std::size_t text_entries = 0;
};

class Engine {
public:
    // Loads the detector, the pose model (when use_pose and present), CLIP (when clip_path is set)
    // and the learnable weights (when given). Throws hoi::Error(Model) for missing/corrupt models.
    explicit Engine(EngineOptions options);
    // The same with a CLIP model already loaded (shared, e.g. with other components; options.clip_path
    // is then ignored). A null model = no CLIP.
    Engine(EngineOptions options, std::shared_ptr<clip::ClipModel> clip_model);
    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    bool has_clip() const;
    bool has_pose() const;
    // The CLIP model (shared; null without CLIP), e.g. for a trainer that encodes prompts itself.
    std::shared_ptr<clip::ClipModel> clip_model() const;
    const EngineOptions& options() const;
    // Fusion parameters can change without reloading anything (rescore with requery()).
    void set_fusion(float alpha, float lambda);

    std::string clip_checksum() const;     // "" without CLIP
    std::string detector_checksum() const;
    std::string detector_name() const;

    // Parses prompts (see PromptParser); throws hoi::Error(Input) for an empty/malformed prompt.
    std::vector<Prompt> parse_prompts(const std::vector<std::string>& texts) const;

    // The whole pipeline on one image file. Image-dependent stages are served from the per-image
    // cache when the file content and models are unchanged. Progress stages: "load", "detect",
    // "pose", "clip", "pairs", "text", "classify". Throws Error(Input) for a bad image,
    // Error(Cancelled) when *cancel is set between stages.
    ImageAnalysis analyse(const std::string& image_path, const std::vector<std::string>& prompts,
                          const ProgressCallback& progress = {}, const CancelFlag* cancel = nullptr);
    ImageAnalysis analyse(const std::string& image_path, const std::vector<Prompt>& prompts,
                          const ProgressCallback& progress = {}, const CancelFlag* cancel = nullptr);

    // The same with given boxes instead of the detector's (e.g. boxes a person corrected in the GUI);
    // classes and scores as in the detections. The CLIP features of the image are still cached.
    ImageAnalysis analyse_boxes(const std::string& image_path, const std::vector<detect::Detection>& boxes,
                                const std::vector<Prompt>& prompts, const ProgressCallback& progress = {},
                                const CancelFlag* cancel = nullptr);

    // Encodes the prompts' text embeddings (and the "no interaction" prompt of every COCO class)
    // up front, so a batch run reports that one-time work before its first image. Every prompt is
    // encoded on its own (see clip::TextEmbeddingCache::embed), so runs and shards compute identical
    // embeddings whatever the text cache held. No-op without CLIP.
    // on_prompt(done, total) follows the prompts the text tower has to encode (those not on disk).
    void prepare_prompts(const std::vector<Prompt>& prompts, const CancelFlag* cancel = nullptr,
                         const std::function<void(size_t done, size_t total)>& on_prompt = {});

    // New prompts on an analysed image: only the text encoder (for prompts not cached) and the
    // classifier run. Falls back to analyse() when the image state was evicted from the cache.
    ImageAnalysis requery(const ImageAnalysis& previous, const std::vector<std::string>& prompts,
                          const ProgressCallback& progress = {}, const CancelFlag* cancel = nullptr);
    ImageAnalysis requery(const ImageAnalysis& previous, const std::vector<Prompt>& prompts,
                          const ProgressCallback& progress = {}, const CancelFlag* cancel = nullptr);

    // Gradient-weighted relevance of the pair's score for a prompt through the CLIP layers
    // (Chefer et al., ICCV 2021), over the patch grid. Needs CLIP; throws Error(Usage) otherwise.
    AttentionMap relevance_map(const ImageAnalysis& analysis, int pair, int prompt,
                               const CancelFlag* cancel = nullptr);

    // Per-layer / per-head attention of a pair (inspector).
    PairInspection inspect(const ImageAnalysis& analysis, int pair);

    // ---- the few-shot adapter (hoi/few_shot_adapter.h) ---------------------------------------
    // Adds pair `pair` of an analysed image as a reviewed example of `prompt`: accepted (positive)
    // or rejected (negative). Its key is the pair feature the engine scored, so the next analyse()
    // or requery() of any image includes its term (no gradient step; O(1)). Returns the example's
    // id, for remove_example (undo). Needs CLIP (Error(Usage) otherwise, and for a pair out of range).
    // Like everything on an Engine, call it from the thread that owns the engine (the GUI's
    // worker: add / remove as queued jobs, then re-query the images to refresh).
    std::uint64_t add_example(const ImageAnalysis& analysis, int pair, const Prompt& prompt, bool positive);
    // Takes an example back out; the scores are then exactly those before it was added.
    bool remove_example(std::uint64_t id);
    void clear_examples();
    const FewShotAdapter& adapter() const;
    void set_adapter_options(const AdapterOptions& options);
    // The examples that contribute most to the adapter term of (pair, prompt) of an analysis,
    // largest |term| first (look an example up with adapter().find(id) for its image and boxes).
    std::vector<AdapterContribution> adapter_contributions(const ImageAnalysis& analysis, int pair, int prompt,
                                                           std::size_t top_k = 5);

    // Training inputs (see PairInputs) of explicit pairs over given boxes (score 1 = ground truth).
    // Needs CLIP. Throws Error(Input) for a bad image or a pair index out of range.
    PairInputs pair_inputs(const std::string& image_path, const std::vector<detect::Detection>& boxes,
                           const std::vector<std::pair<int, int>>& pairs, const CancelFlag* cancel = nullptr);
    // The normalised text embeddings the classifier uses for the prompts ([prompts][D]; with the
    // loaded head's prompt context when it has one). Needs CLIP.
    std::vector<std::vector<float>> text_embeddings(const std::vector<Prompt>& prompts, const CancelFlag* cancel = nullptr);
    // exp(CLIP's logit_scale) and the text tower's width (the prompt context's); 0 without CLIP.
    float logit_scale() const;
    int text_width() const;

    // The loaded head's metadata (LearnableHead: "scoring", "clip_sha256", "classes", "epochs", ...);
    // empty without --weights / --head.
    std::map<std::string, std::string> head_metadata() const;

    CacheStats cache_stats() const;
    // Drops the per-image cache (detections, CLIP features, pairs); text embeddings stay.
    void clear_cache();
    // Drops the cached text embeddings.
    void clear_text_cache();

private:
    void init(std::shared_ptr<clip::ClipModel> model);
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Writes a PNG: the image with the attention map as a heat overlay (jet colour map, 50% blend).
void write_attention_png(const std::string& image_path, const AttentionMap& map, const std::string& png_path);

} // namespace hoi::model
