// Engine: the facade over the stages (design.md), each in its own file:
//   image_stage  — image, detector, pose, CLIP image tower, the per-image cache (ImageState)
//   pair_stage   — pairs, masked queries, box features, the head's interactor and decoder
//   text_encoder — prompt phrases, template sentences, token ids, text embeddings (with context)
//   pair_classifier — pair / global logits, adapter term, fusion with the detector scores
//   explainer    — relevance maps and per-layer / per-head inspection (attention_map: the maps)
// The engine owns the models, the learnable head and the few-shot adapter, checks the options and
// runs the stages in order; what a stage computes is in its file.
#include "hoi/engine.h"

#include "annotation/coco_classes.h"
#include "clip/clip_model.h"
#include "hoi/explainer.h"
#include "hoi/image_stage.h"
#include "hoi/learnable_head.h"
#include "hoi/pair_classifier.h"
#include "hoi/pair_stage.h"
#include "hoi/stage_util.h"
#include "hoi/text_encoder.h"
#include "io/error.h"

#include <torch/torch.h>

#include <cmath>

namespace hoi::model {

struct Engine::Impl {
    EngineOptions opt;
    std::shared_ptr<clip::ClipModel> clip;
    std::unique_ptr<LearnableHead> head;
    FewShotAdapter adapter;
    std::unique_ptr<ImageStage> images;
    std::unique_ptr<PairStage> pairs;
    // Only with CLIP:
    std::unique_ptr<TextEncoder> text;
    std::unique_ptr<PairClassifier> classifier;
    std::unique_ptr<Explainer> explainer;

    explicit Impl(EngineOptions o) : opt(std::move(o)), adapter(opt.adapter) {}

    // The head the stages use: null without one or with learnable_parts off (training-free path).
    const LearnableHead* head_in_use() const { return head && opt.learnable_parts ? head.get() : nullptr; }

    void classify(const ImageState& st, ImageAnalysis& a, const CancelFlag* cancel) {
        const size_t P = a.pairs.size(), T = a.prompts.size();
        a.scores.assign(P * T, ScoreBreakdown{});
        a.scored = st.has_clip && clip;
        if (!a.scored) return;
        auto t0 = StageClock::now();
        // Text embeddings of the prompts and the "no interaction" prompts of the pairs' objects.
        std::vector<int> objects;
        for (const auto& pr : a.pairs) objects.push_back(a.detections[static_cast<size_t>(pr.object)].class_id);
        const PromptTexts texts = text->prompt_texts(a.prompts, objects, cancel);
        a.timings.push_back({"text", ms_since(t0), texts.cached});
        a.alpha = opt.alpha;
        a.lambda = opt.lambda;
        a.encodings.clear();
        for (size_t t = 0; t < T; ++t) a.encodings.push_back(text->entry(texts.phrases[t]).encoding);
        for (size_t t = 0; t < T; ++t)
            if (text->entry(texts.phrases[t]).truncated)
                a.warnings.push_back("prompt \"" + a.prompts[t].text + "\" is longer than CLIP's 77 tokens and was truncated");
        if (cancel) cancel->check();

        t0 = StageClock::now();
        classifier->classify(st.pair_feats, st.global, texts, opt.alpha, opt.lambda, a);
        a.timings.push_back({"classify", ms_since(t0), false});
    }

    void fill(const ImageState& st, ImageAnalysis& a) const {
        a.width = st.width;
        a.height = st.height;
        a.detections = st.dets;
        a.poses = st.poses;
        a.pose_of_detection = st.pose_of;
        a.pairs = st.pairs;
        a.pair_attention = st.pair_maps;
    }

    ImageAnalysis run(const std::string& path, const std::vector<Prompt>& prompts, const ProgressCallback& progress,
                      const CancelFlag* cancel, const std::vector<detect::Detection>* boxes) {
        if (cancel) cancel->check();
        ImageAnalysis a;
        a.image_path = path;
        a.prompts = prompts;
        auto t0 = StageClock::now();
        const ImageFile file = ImageStage::read(path);
        a.image_key = file.hash;
        a.timings.push_back({"read", ms_since(t0), false});
        auto st = images->state(path, file, a.timings, progress, cancel, boxes);
        if (cancel) cancel->check();
        pairs->ensure(*st, a.timings, progress, path);
        images->resize(*st);
        a.cache_key = st->key;
        fill(*st, a);
        if (progress) progress(Progress{"classify", path, 0, 0});
        classify(*st, a, cancel);
        return a;
    }

    ImageAnalysis requery(const ImageAnalysis& previous, const std::vector<Prompt>& prompts,
                          const ProgressCallback& progress, const CancelFlag* cancel) {
        auto st = images->lookup(previous);
        if (!st || st->pair_config != pairs->config() || st->dets.size() != previous.detections.size())
            return previous.cache_key.find("|boxes:") != std::string::npos
                           ? run(previous.image_path, prompts, progress, cancel, &previous.detections)
                           : run(previous.image_path, prompts, progress, cancel, nullptr);
        ImageAnalysis a;
        a.image_path = previous.image_path;
        a.image_key = previous.image_key;
        a.cache_key = st->key;
        a.prompts = prompts;
        for (const char* s : {"load", "detect", "pose", "clip", "pairs", "pair_features"})
            a.timings.push_back({s, 0, true});
        fill(*st, a);
        if (progress) progress(Progress{"classify", a.image_path, 0, 0});
        classify(*st, a, cancel);
        return a;
    }

    // The cached state of an analysed image with its pairs for this engine's configuration; the
    // image is analysed again (without prompts) when it was evicted.
    std::shared_ptr<ImageState> state_of(const ImageAnalysis& analysis, const CancelFlag* cancel) {
        auto st = images->lookup(analysis);
        if (st && st->pair_config == pairs->config()) return st;
        st = images->lookup(requery(analysis, std::vector<Prompt>{}, {}, cancel));
        if (!st) throw Error(ErrorKind::Internal, "image state evicted immediately (cache limit too small)");
        return st;
    }

    void check_pair(const ImageAnalysis& analysis, int pair) const {
        if (pair < 0 || pair >= static_cast<int>(analysis.pairs.size()))
            throw_usage("pair " + std::to_string(pair) + " is out of range (0.." +
                        std::to_string(analysis.pairs.size()) + ")");
    }
};

Engine::Engine(EngineOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {
    std::shared_ptr<clip::ClipModel> model;
    if (!impl_->opt.clip_path.empty()) model = clip::ClipModel::load(impl_->opt.clip_path);
    init(std::move(model));
}

Engine::Engine(EngineOptions options, std::shared_ptr<clip::ClipModel> clip_model)
    : impl_(std::make_unique<Impl>(std::move(options))) {
    init(std::move(clip_model));
}

void Engine::init(std::shared_ptr<clip::ClipModel> model) {
    auto& o = impl_->opt;
    if (o.alpha < 0 || o.alpha > 1 || !std::isfinite(o.alpha)) throw_usage("alpha must be in [0, 1], got " + fmt_float(o.alpha));
    if (o.lambda < 0 || !std::isfinite(o.lambda)) throw_usage("lambda must be >= 0, got " + fmt_float(o.lambda));
    if (o.human_threshold < 0 || o.human_threshold > 1 || o.object_threshold < 0 || o.object_threshold > 1)
        throw_usage("detection thresholds must be in [0, 1]");
    if (o.max_humans < 1 || o.max_objects < 0) throw_usage("top-k limits must be positive");
    std::vector<std::string> templates = TextEncoder::checked_templates(o.templates);
    impl_->images = std::make_unique<ImageStage>(o, model);
    if (model) {
        impl_->clip = std::move(model);
        HeadShape hs;
        hs.spatial_dims = kSpatialDims;
        hs.embed_dim = impl_->clip->embed_dim();
        hs.text_width = impl_->clip->config().transformer_width;
        impl_->head = std::make_unique<LearnableHead>(o.weights_path.empty() ? LearnableHead(hs)
                                                                              : LearnableHead::load(o.weights_path, hs));
        const auto& hm = impl_->head->metadata();
        if (auto c = hm.find("clip_sha256"); c != hm.end() && c->second != impl_->clip->checksum())
            throw_model(o.weights_path + ": this head was trained for another CLIP model (" +
                        (hm.count("clip") ? hm.at("clip") + ", " : std::string()) + "sha256 " + c->second.substr(0, 12) +
                        "...), not for " + impl_->clip->path() + " (sha256 " + impl_->clip->checksum().substr(0, 12) +
                        "...); use --clip with the model it was trained for, or train a head for this one");
        if (impl_->head->prompt_context_size_mismatch(hs.text_width))
            throw_model(o.weights_path + ": the prompt context vectors are not " + std::to_string(hs.text_width) +
                        " wide, the CLIP text tower's width");
        const LearnableHead* head = impl_->head_in_use();
        impl_->text = std::make_unique<TextEncoder>(impl_->clip, head, std::move(templates), o.text_cache_dir);
        impl_->classifier = std::make_unique<PairClassifier>(impl_->clip->logit_scale(), head, impl_->adapter);
        impl_->explainer = std::make_unique<Explainer>(impl_->clip);
    } else if (!o.weights_path.empty()) {
        throw_usage("learnable weights (" + o.weights_path + ") need a CLIP model");
    }
    impl_->pairs = std::make_unique<PairStage>(o, impl_->clip, impl_->head_in_use());
}

Engine::~Engine() = default;

bool Engine::has_clip() const { return impl_->clip != nullptr; }
bool Engine::has_pose() const { return impl_->images->has_pose(); }
const EngineOptions& Engine::options() const { return impl_->opt; }

void Engine::set_fusion(float alpha, float lambda) {
    if (!(alpha >= 0 && alpha <= 1)) throw_usage("alpha must be in [0, 1], got " + fmt_float(alpha));
    if (!(lambda >= 0) || !std::isfinite(lambda)) throw_usage("lambda must be >= 0, got " + fmt_float(lambda));
    impl_->opt.alpha = alpha;
    impl_->opt.lambda = lambda;
}

std::string Engine::clip_checksum() const { return impl_->clip ? impl_->clip->checksum() : ""; }
std::string Engine::detector_checksum() const { return impl_->images->detector().checksum(); }
std::string Engine::detector_name() const { return impl_->images->detector().name(); }

std::vector<Prompt> Engine::parse_prompts(const std::vector<std::string>& texts) const {
    return PromptParser::instance().parse_all(texts);
}

ImageAnalysis Engine::analyse(const std::string& path, const std::vector<std::string>& prompts,
                              const ProgressCallback& progress, const CancelFlag* cancel) {
    return analyse(path, parse_prompts(prompts), progress, cancel);
}

ImageAnalysis Engine::analyse(const std::string& path, const std::vector<Prompt>& prompts,
                              const ProgressCallback& progress, const CancelFlag* cancel) {
    return impl_->run(path, prompts, progress, cancel, nullptr);
}

ImageAnalysis Engine::analyse_boxes(const std::string& path, const std::vector<detect::Detection>& boxes,
                                    const std::vector<Prompt>& prompts, const ProgressCallback& progress,
                                    const CancelFlag* cancel) {
    return impl_->run(path, prompts, progress, cancel, &boxes);
}

void Engine::prepare_prompts(const std::vector<Prompt>& prompts, const CancelFlag* cancel,
                             const std::function<void(size_t, size_t)>& on_prompt) {
    if (!impl_->clip) return;
    auto& text = *impl_->text;
    std::vector<std::string> phrases;
    for (const auto& p : prompts) phrases.push_back(text.phrase(p));
    for (int c = 0; c < annotation::kCocoClasses; ++c) phrases.push_back(text.phrase(TextEncoder::no_interaction_prompt(c)));
    text.encode(phrases, cancel, on_prompt);
}

ImageAnalysis Engine::requery(const ImageAnalysis& previous, const std::vector<std::string>& prompts,
                              const ProgressCallback& progress, const CancelFlag* cancel) {
    return requery(previous, parse_prompts(prompts), progress, cancel);
}

ImageAnalysis Engine::requery(const ImageAnalysis& previous, const std::vector<Prompt>& prompts,
                              const ProgressCallback& progress, const CancelFlag* cancel) {
    return impl_->requery(previous, prompts, progress, cancel);
}

AttentionMap Engine::relevance_map(const ImageAnalysis& analysis, int pair, int prompt, const CancelFlag* cancel) {
    if (!impl_->clip) throw_usage("relevance maps need a CLIP model");
    impl_->check_pair(analysis, pair);
    if (prompt < 0 || prompt >= static_cast<int>(analysis.prompts.size()))
        throw_usage("prompt " + std::to_string(prompt) + " is out of range");
    auto st = impl_->state_of(analysis, cancel);
    if (cancel) cancel->check();
    const auto& pr = analysis.pairs[static_cast<size_t>(pair)];
    const std::string phrase = impl_->text->phrase(analysis.prompts[static_cast<size_t>(prompt)]);
    impl_->text->encode({phrase}, cancel);
    at::Tensor text = impl_->text->entry(phrase).embedding.clone();
    return impl_->explainer->relevance(*st, analysis.detections[static_cast<size_t>(pr.human)],
                                       analysis.detections[static_cast<size_t>(pr.object)], text);
}

PairInspection Engine::inspect(const ImageAnalysis& analysis, int pair) {
    impl_->check_pair(analysis, pair);
    if (!impl_->clip) return {};
    return impl_->explainer->inspect(*impl_->state_of(analysis, nullptr), pair);
}

std::uint64_t Engine::add_example(const ImageAnalysis& analysis, int pair, const Prompt& prompt, bool positive) {
    if (!impl_->clip) throw_usage("the few-shot adapter needs a CLIP model");
    impl_->check_pair(analysis, pair);
    auto st = impl_->state_of(analysis, nullptr);
    if (!st->pair_feats.defined()) throw Error(ErrorKind::Internal, "no pair features for " + analysis.image_path);
    AdapterExample e;
    e.class_key = prompt.key();
    e.positive = positive;
    e.feature = to_vec(st->pair_feats[pair]);
    e.image_path = analysis.image_path;
    e.prompt = prompt.text;
    const auto& pr = analysis.pairs[static_cast<size_t>(pair)];
    const auto& h = analysis.detections[static_cast<size_t>(pr.human)];
    const auto& o = analysis.detections[static_cast<size_t>(pr.object)];
    e.human_box = {h.x1, h.y1, h.x2, h.y2};
    e.object_box = {o.x1, o.y1, o.x2, o.y2};
    return impl_->adapter.add(std::move(e));
}

bool Engine::remove_example(std::uint64_t id) { return impl_->adapter.remove(id); }
void Engine::clear_examples() { impl_->adapter.clear(); }
const FewShotAdapter& Engine::adapter() const { return impl_->adapter; }

std::map<std::string, std::string> Engine::head_metadata() const {
    if (!impl_->head || impl_->opt.weights_path.empty()) return {};
    auto m = impl_->head->metadata();
    m["scoring"] = impl_->head->scoring() == LearnableHead::Scoring::Sigmoid ? "sigmoid" : "softmax";
    return m;
}
void Engine::set_adapter_options(const AdapterOptions& options) {
    impl_->adapter.set_options(options);
    impl_->opt.adapter = options;
}

std::vector<AdapterContribution> Engine::adapter_contributions(const ImageAnalysis& analysis, int pair, int prompt,
                                                               std::size_t top_k) {
    if (pair < 0 || pair >= static_cast<int>(analysis.pairs.size()) || prompt < 0 ||
        prompt >= static_cast<int>(analysis.prompts.size()))
        throw_usage("pair or prompt out of range");
    if (impl_->adapter.empty() || !impl_->clip) return {};
    auto st = impl_->state_of(analysis, nullptr);
    if (!st->pair_feats.defined()) return {};
    const std::vector<float> f = to_vec(st->pair_feats[pair]);
    return impl_->adapter.contributions(f.data(), analysis.prompts[static_cast<size_t>(prompt)].key(), top_k);
}

PairInputs Engine::pair_inputs(const std::string& path, const std::vector<detect::Detection>& boxes,
                               const std::vector<std::pair<int, int>>& pairs, const CancelFlag* cancel) {
    if (!impl_->clip) throw_usage("training inputs need a CLIP model");
    for (const auto& [h, o] : pairs)
        if (h < 0 || o < 0 || h >= static_cast<int>(boxes.size()) || o >= static_cast<int>(boxes.size()) || h == o)
            throw_input(path + ": pair (" + std::to_string(h) + ", " + std::to_string(o) + ") is not two of its " +
                        std::to_string(boxes.size()) + " boxes");
    std::vector<StageTiming> timings;
    auto st = impl_->images->state(path, ImageStage::read(path), timings, {}, cancel, &boxes);
    return impl_->pairs->inputs(*st, pairs);
}

std::vector<std::vector<float>> Engine::text_embeddings(const std::vector<Prompt>& prompts, const CancelFlag* cancel) {
    if (!impl_->clip) throw_usage("text embeddings need a CLIP model");
    std::vector<std::string> phrases;
    for (const auto& p : prompts) phrases.push_back(impl_->text->phrase(p));
    impl_->text->encode(phrases, cancel);
    std::vector<std::vector<float>> out;
    for (const auto& ph : phrases) out.push_back(to_vec(impl_->text->entry(ph).embedding));
    return out;
}

std::shared_ptr<clip::ClipModel> Engine::clip_model() const { return impl_->clip; }

float Engine::logit_scale() const { return impl_->clip ? impl_->clip->logit_scale() : 0.0f; }
int Engine::text_width() const { return impl_->clip ? impl_->clip->config().transformer_width : 0; }

CacheStats Engine::cache_stats() const {
    const auto& cache = impl_->images->cache();
    CacheStats s;
    s.entries = cache.size();
    s.bytes = cache.bytes();
    s.limit_bytes = cache.limit();
    s.hits = cache.hits();
    s.misses = cache.misses();
    s.text_entries = impl_->text ? impl_->text->size() : 0;
    return s;
}

void Engine::clear_cache() { impl_->images->clear(); }

void Engine::clear_text_cache() {
    if (impl_->text) impl_->text->clear();
}

} // namespace hoi::model
