#include "hoi/engine.h"

#include "annotation/coco_classes.h"
#include "clip/clip_model.h"
#include "clip/preprocess.h"
#include "clip/text_cache.h"
#include "clip/tokenizer.h"
#include "hoi/learnable_head.h"
#include "hoi/lru_cache.h"
#include "hoi/pair_features.h"
#include "hoi/pairs.h"
#include "hoi/scoring.h"
#include "io/atomic_file.h"
#include "io/error.h"
#include "io/image.h"
#include "io/resources.h"

#include <torch/torch.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <unordered_map>

namespace hoi::model {

namespace {

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

// 128-bit content hash (two FNV-1a 64 lanes with different offsets), hex.
std::string content_hash(std::string_view data) {
    uint64_t a = 1469598103934665603ull, b = 0x84222325cbf29ce4ull ^ data.size();
    for (unsigned char c : data) {
        a = (a ^ c) * 1099511628211ull;
        b = (b ^ c) * 0x100000001b3ull;
        b ^= b >> 29;
    }
    char buf[40];
    std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(a),
                  static_cast<unsigned long long>(b));
    return buf;
}

std::vector<float> to_vec(const at::Tensor& t) {
    auto c = t.to(torch::kFloat32).contiguous();
    return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

size_t tensor_bytes(const at::Tensor& t) { return t.defined() ? static_cast<size_t>(t.nbytes()) : 0; }

AttentionMap map_from(const at::Tensor& weights_n, int gw, int gh, const SquareFrame& fr) {
    AttentionMap m;
    m.grid_w = gw;
    m.grid_h = gh;
    m.frame_x = fr.x;
    m.frame_y = fr.y;
    m.frame_size = fr.size;
    auto w = weights_n.to(torch::kFloat32).clamp_min(0);
    double s = w.sum().item<double>();
    if (s > 0) w = w / s;
    m.weights = to_vec(w);
    return m;
}

std::string fmt_float(float v) {
    char b[32];
    std::snprintf(b, sizeof b, "%.6g", static_cast<double>(v));
    return b;
}

} // namespace

struct ImageState {
    int width = 0, height = 0;
    std::string content_hash;
    std::string key; // cache key
    std::vector<detect::Detection> dets;
    std::vector<detect::Pose> poses;
    std::vector<int> pose_of;
    // CLIP
    bool has_clip = false;
    at::Tensor image_tensor; // [3, S, S]
    clip::ImageFeatures feats;
    at::Tensor global; // [D] normalised
    SquareFrame frame;
    cv::Mat rgb;       // kept in crop mode only
    // Pairs (recomputed when the pair configuration changes)
    std::string pair_config;
    std::vector<Pair> pairs;
    at::Tensor pair_feats;      // [P, D] normalised
    at::Tensor query_attention; // [3P, heads, N]: union, human, object per pair
    std::vector<AttentionMap> pair_maps;

    size_t bytes() const {
        size_t b = sizeof(*this) + dets.size() * sizeof(detect::Detection) + poses.size() * sizeof(detect::Pose);
        b += tensor_bytes(image_tensor) + tensor_bytes(feats.embedding) + tensor_bytes(feats.last_block_input) +
             tensor_bytes(feats.tokens) + tensor_bytes(feats.tokens_proj) + tensor_bytes(global) +
             tensor_bytes(pair_feats) + tensor_bytes(query_attention);
        for (const auto& a : feats.attentions) b += tensor_bytes(a);
        for (const auto& p : pairs) b += p.spatial.size() * sizeof(float) + sizeof(Pair);
        for (const auto& m : pair_maps) b += m.weights.size() * sizeof(float) + sizeof(AttentionMap);
        b += rgb.total() * rgb.elemSize();
        return b;
    }
};

struct TextEntry {
    at::Tensor embedding; // [D] normalised template ensemble
    bool truncated = false;
    std::shared_ptr<const PromptEncoding> encoding; // the sentences and token ids encoded
};

struct Engine::Impl {
    EngineOptions opt;
    std::unique_ptr<detect::Detector> detector;
    std::unique_ptr<detect::PoseEstimator> pose;
    std::shared_ptr<clip::ClipModel> clip;
    std::unique_ptr<LearnableHead> head;
    std::string fingerprint; // models + detector threshold (image-level cache key)
    LruCache<ImageState> cache;
    std::unordered_map<std::string, TextEntry> text_cache; // phrase -> template ensemble
    std::unique_ptr<clip::TextEmbeddingCache> text_store;  // rendered prompt -> embedding (disk)
    std::vector<std::string> templates;
    FewShotAdapter adapter;

    explicit Impl(EngineOptions o) : opt(std::move(o)), cache(opt.cache_limit_bytes), adapter(opt.adapter) {}

    const std::vector<std::string>& tmpl() const { return templates; }

    float detector_threshold() const { return std::min(opt.human_threshold, opt.object_threshold); }

    std::string pair_config() const {
        std::ostringstream s;
        s << fmt_float(opt.human_threshold) << '|' << fmt_float(opt.object_threshold) << '|' << opt.max_humans << '|'
          << opt.max_objects << '|' << opt.human_human_pairs << '|' << fmt_float(opt.box_feature_weight) << '|'
          << static_cast<int>(opt.pair_features) << '|' << opt.learnable_parts;
        return s.str();
    }

    // ---- text ---------------------------------------------------------------------------------
    // The interaction phrase of a prompt ("person riding a horse"), remembering its parts for the
    // learnable prompt context: lead + verb + conj + object == phrase.
    struct PhraseParts {
        std::string lead, verb, conj, object;
    };
    std::unordered_map<std::string, PhraseParts> phrase_parts;
    std::string phrase_of(const Prompt& p) {
        std::string ph = interaction_phrase(p);
        const std::string art = object_article(p.object);
        PhraseParts parts = p.no_interaction ? PhraseParts{"person", " and", " " + art, p.object}
                                             : PhraseParts{"person ", p.verb_ing, " " + art, p.object};
        if (parts.lead + parts.verb + parts.conj + parts.object == ph) phrase_parts[ph] = std::move(parts);
        return ph;
    }

    bool context_active() const { return head && opt.learnable_parts && !head->prompt_context_is_zero(); }

    // The learned prompt context as a residual on the token embeddings of one rendered prompt:
    // prefix vectors on the last tokens before the verb (template words and "person"), conjunction
    // vectors on the first tokens between the verb and the object (the article), as CLIP4HOI's
    // "[PREFIX] verb [CONJUN] object"; rows beyond what the prompt has are unused.
    at::Tensor context_residual(const std::string& templ, const std::string& phrase, int64_t length) const {
        const auto& tok = clip::Tokenizer::instance();
        const int64_t W = clip->config().transformer_width;
        auto r = torch::zeros({1, length, W});
        auto it = phrase_parts.find(phrase);
        if (it == phrase_parts.end()) return r; // a phrase not built from a Prompt: plain
        const auto cut = templ.find("{}");
        const std::string before = templ.substr(0, cut) + it->second.lead;
        const int64_t n_before = static_cast<int64_t>(tok.encode(before).size());
        const int64_t n_verb = static_cast<int64_t>(tok.encode(it->second.verb).size());
        const int64_t n_conj = static_cast<int64_t>(tok.encode(it->second.conj).size());
        const at::Tensor& prefix = head->prompt_prefix();
        const at::Tensor& conjun = head->prompt_conjun();
        const int64_t P = std::min<int64_t>(prefix.size(0), n_before);
        for (int64_t i = 0; i < P; ++i) {
            const int64_t pos = 1 + n_before - P + i; // after <|startoftext|>
            if (pos < length) r[0][pos].copy_(prefix[prefix.size(0) - P + i]);
        }
        const int64_t C = std::min<int64_t>(conjun.size(0), n_conj);
        for (int64_t j = 0; j < C; ++j) {
            const int64_t pos = 1 + n_before + n_verb + j;
            if (pos < length) r[0][pos].copy_(conjun[j]);
        }
        return r;
    }

    static Prompt null_prompt(int coco80) {
        Prompt p;
        p.no_interaction = true;
        p.verb = p.verb_ing = "no interaction";
        p.object = std::string(annotation::coco80_names()[static_cast<size_t>(coco80)]);
        p.object_name = p.object;
        p.object_class = coco80;
        return p;
    }

    // Encodes the phrases not in the cache: every template rendered with the phrase, embedded through
    // the persistent text store (each prompt on its own, so the result never depends on the cache's
    // state), normalised, averaged and renormalised.
    void encode_phrases(const std::vector<std::string>& phrases, const CancelFlag* cancel,
                        const std::function<void(size_t, size_t)>& on_prompt = {}) {
        std::vector<std::string> todo;
        std::set<std::string> seen;
        for (const auto& ph : phrases)
            if (!text_cache.count(ph) && seen.insert(ph).second) todo.push_back(ph);
        if (todo.empty() || !clip) return;
        const auto& tok = clip::Tokenizer::instance();
        const size_t T = tmpl().size();
        std::vector<std::string> rendered;
        std::vector<std::vector<int>> ids; // for the truncation warning and the context path
        std::vector<bool> trunc(todo.size(), false);
        rendered.reserve(todo.size() * T);
        ids.reserve(todo.size() * T);
        for (size_t j = 0; j < todo.size(); ++j)
            for (const auto& t : tmpl()) {
                rendered.push_back(render_template(t, todo[j]));
                bool tr = false;
                ids.push_back(tok.tokenize(rendered.back(), clip->config().context_length, &tr));
                if (tr) trunc[j] = true;
            }
        at::Tensor e;
        if (context_active()) {
            // Learned context: not the plain model's embeddings, so not from or into the disk cache.
            std::vector<at::Tensor> rows;
            for (size_t i = 0; i < rendered.size(); ++i) {
                if (cancel) cancel->check();
                auto res = context_residual(tmpl()[i % T], todo[i / T], static_cast<int64_t>(ids[i].size()));
                rows.push_back(clip->encode_text({ids[i]}, res)[0]);
                if (on_prompt) on_prompt(i + 1, rendered.size());
            }
            e = torch::stack(rows);
        } else {
            e = text_store->embed(rendered, [&](size_t done, size_t total) {
                if (cancel) cancel->check();
                if (on_prompt) on_prompt(done, total);
            }); // [n*T, D]
        }
        at::InferenceMode guard;
        e = e / e.norm(2, -1, true).clamp_min(1e-12);
        e = e.view({static_cast<long>(todo.size()), static_cast<long>(T), -1}).mean(1);
        e = e / e.norm(2, -1, true).clamp_min(1e-12);
        for (size_t j = 0; j < todo.size(); ++j) {
            auto enc = std::make_shared<PromptEncoding>();
            for (size_t k = j * T; k < (j + 1) * T; ++k) {
                std::vector<int> used = ids[k];
                while (!used.empty() && used.back() == 0) used.pop_back(); // padding after <|endoftext|>
                enc->sentences.push_back(rendered[k]);
                enc->token_ids.push_back(std::move(used));
            }
            text_cache[todo[j]] = TextEntry{e[static_cast<long>(j)].clone(), trunc[j], std::move(enc)};
        }
        if (text_cache.size() > 50000) {
            // Bound the prompt cache (an entry is D floats); keep what the caller asked for now.
            std::unordered_map<std::string, TextEntry> keep;
            std::unordered_map<std::string, PhraseParts> keep_parts; // and the parts of those phrases
            for (const auto& ph : phrases) {
                if (auto it = text_cache.find(ph); it != text_cache.end()) keep.emplace(*it);
                if (auto it = phrase_parts.find(ph); it != phrase_parts.end()) keep_parts.emplace(*it);
            }
            text_cache.swap(keep);
            phrase_parts.swap(keep_parts);
        }
    }

    // ---- image --------------------------------------------------------------------------------
    std::shared_ptr<ImageState> image_state(const std::string& path, const std::string& data, const std::string& hash,
                                            std::vector<StageTiming>& timings, const ProgressCallback& progress,
                                            const CancelFlag* cancel, const std::vector<detect::Detection>* boxes) {
        auto report = [&](const char* stage) {
            if (progress) progress(Progress{stage, path, 0, 0});
        };
        std::string key = hash + "|" + fingerprint;
        if (boxes) {
            std::ostringstream s;
            for (const auto& b : *boxes)
                s << fmt_float(b.x1) << ',' << fmt_float(b.y1) << ',' << fmt_float(b.x2) << ',' << fmt_float(b.y2)
                  << ',' << b.class_id << ',' << fmt_float(b.score) << ';';
            key += "|boxes:" + content_hash(s.str());
        }
        if (auto st = cache.get(key)) {
            for (const char* s : {"load", "detect", "pose", "clip"}) timings.push_back({s, 0, true});
            return st;
        }
        auto st = std::make_shared<ImageState>();
        st->content_hash = hash;
        st->key = key;
        auto t0 = Clock::now();
        report("load");
        io::Image img = io::load_image_from_memory(data, path);
        st->width = img.rgb.cols;
        st->height = img.rgb.rows;
        timings.push_back({"load", ms_since(t0), false});
        if (cancel) cancel->check();

        t0 = Clock::now();
        report("detect");
        if (boxes) {
            st->dets = *boxes;
            for (auto& d : st->dets) {
                if (d.class_id < 0 || d.class_id >= 80)
                    throw_input("box class " + std::to_string(d.class_id) + " is not a COCO-80 class (0..79)");
                if (d.x1 > d.x2) std::swap(d.x1, d.x2);
                if (d.y1 > d.y2) std::swap(d.y1, d.y2);
                if (d.label.empty()) d.label = std::string(annotation::coco80_names()[static_cast<size_t>(d.class_id)]);
            }
        } else {
            detect::DetectorOptions dopt;
            dopt.score_threshold = detector_threshold();
            st->dets = detector->detect(img.rgb, dopt);
        }
        timings.push_back({"detect", ms_since(t0), false});
        if (cancel) cancel->check();

        t0 = Clock::now();
        if (pose) {
            report("pose");
            st->poses = pose->estimate(img.rgb);
        }
        st->pose_of = match_poses(st->dets, st->poses);
        timings.push_back({"pose", ms_since(t0), false});
        if (cancel) cancel->check();

        st->frame = square_frame(st->width, st->height);
        if (clip) {
            t0 = Clock::now();
            report("clip");
            at::InferenceMode guard;
            st->has_clip = true;
            st->image_tensor = clip::preprocess_padded_square(img.rgb, clip->input_size());
            st->feats = clip->encode_image(st->image_tensor, opt.keep_layer_attention);
            st->global = st->feats.embedding / st->feats.embedding.norm().clamp_min(1e-12);
            if (opt.pair_features == PairFeatureMode::Crop) st->rgb = img.rgb;
            timings.push_back({"clip", ms_since(t0), false});
        } else {
            timings.push_back({"clip", 0, false});
        }
        cache.put(key, st, st->bytes());
        return st;
    }

    void ensure_pairs(ImageState& st, const std::string& key_hint, std::vector<StageTiming>& timings,
                      const ProgressCallback& progress, const std::string& path) {
        const std::string cfg = pair_config();
        if (st.pair_config == cfg) {
            timings.push_back({"pairs", 0, true});
            timings.push_back({"pair_features", 0, true});
            return;
        }
        (void)key_hint;
        auto t0 = Clock::now();
        if (progress) progress(Progress{"pairs", path, 0, 0});
        PairBuildOptions po{opt.human_threshold, opt.object_threshold, opt.max_humans, opt.max_objects,
                            opt.human_human_pairs};
        st.pairs = build_pairs(st.dets, st.poses, st.pose_of, st.width, st.height, po);
        timings.push_back({"pairs", ms_since(t0), false});
        t0 = Clock::now();
        st.pair_maps.clear();
        st.pair_feats = at::Tensor();
        st.query_attention = at::Tensor();
        if (st.has_clip && !st.pairs.empty()) {
            at::InferenceMode guard;
            const int gw = st.feats.grid_w, gh = st.feats.grid_h, N = gw * gh;
            const long P = static_cast<long>(st.pairs.size());
            auto mq = clip->encode_masked_queries(st.feats, pair_masks(st.dets, st.pairs, st.frame, gw, gh));
            st.query_attention = mq.attention;
            at::Tensor f = mq.features;
            if (opt.pair_features == PairFeatureMode::Crop) f = crop_features(st);
            at::Tensor pf = combine_box_features(f, opt.box_feature_weight);
            if (head && opt.learnable_parts) pf = head->apply(pf, spatial_tensor(st.pairs), joint_patches(st.feats));
            st.pair_feats = pf / pf.norm(2, -1, true).clamp_min(1e-12);
            auto att = mq.attention.view({P, 3, mq.attention.size(1), N});
            for (long p = 0; p < P; ++p)
                st.pair_maps.push_back(map_from(att[p][0].mean(0), gw, gh, st.frame));
        }
        timings.push_back({"pair_features", ms_since(t0), false});
        st.pair_config = cfg;
    }

    // Crop mode: one CLIP forward per union / human / object crop (each padded to a square).
    at::Tensor crop_features(const ImageState& st) {
        if (st.rgb.empty()) throw Error(ErrorKind::Internal, "crop mode without the image pixels");
        std::vector<at::Tensor> crops;
        for (const auto& pr : st.pairs) {
            const auto& h = st.dets[static_cast<size_t>(pr.human)];
            const auto& o = st.dets[static_cast<size_t>(pr.object)];
            const auto u = union_box(h, o);
            for (const detect::Detection* b : {&u, &h, &o}) {
                int x1 = std::clamp(static_cast<int>(std::floor(b->x1)), 0, st.width - 1);
                int y1 = std::clamp(static_cast<int>(std::floor(b->y1)), 0, st.height - 1);
                int x2 = std::clamp(static_cast<int>(std::ceil(b->x2)), x1 + 1, st.width);
                int y2 = std::clamp(static_cast<int>(std::ceil(b->y2)), y1 + 1, st.height);
                crops.push_back(clip::preprocess_padded_square(st.rgb(cv::Rect(x1, y1, x2 - x1, y2 - y1)),
                                                               clip->input_size()));
            }
        }
        std::vector<at::Tensor> out;
        for (size_t i = 0; i < crops.size(); i += 48) {
            auto batch = torch::stack(std::vector<at::Tensor>(crops.begin() + static_cast<long>(i),
                                                              crops.begin() + static_cast<long>(std::min(crops.size(), i + 48))));
            out.push_back(clip->encode_images(batch));
        }
        return torch::cat(out, 0);
    }

    // ---- classifier ---------------------------------------------------------------------------
    void classify(const ImageState& st, ImageAnalysis& a, const CancelFlag* cancel) {
        const size_t P = a.pairs.size(), T = a.prompts.size();
        a.scores.assign(P * T, ScoreBreakdown{});
        a.scored = st.has_clip && clip;
        if (!a.scored) return;
        auto t0 = Clock::now();
        // Text embeddings of the prompts and the "no interaction" prompts of the pairs' objects.
        std::vector<std::string> phrases;
        for (const auto& p : a.prompts) phrases.push_back(phrase_of(p));
        std::map<int, std::string> null_phrase;
        for (const auto& pr : a.pairs) {
            int cls = a.detections[static_cast<size_t>(pr.object)].class_id;
            if (!null_phrase.count(cls)) null_phrase[cls] = phrase_of(null_prompt(cls));
        }
        std::vector<std::string> all = phrases;
        for (const auto& [c, ph] : null_phrase) all.push_back(ph);
        const size_t before = text_cache.size();
        encode_phrases(all, cancel);
        a.timings.push_back({"text", ms_since(t0), text_cache.size() == before});
        a.alpha = opt.alpha;
        a.lambda = opt.lambda;
        a.encodings.clear();
        for (size_t t = 0; t < T; ++t) a.encodings.push_back(text_cache.at(phrases[t]).encoding);
        for (size_t t = 0; t < T; ++t)
            if (text_cache.at(phrases[t]).truncated)
                a.warnings.push_back("prompt \"" + a.prompts[t].text + "\" is longer than CLIP's 77 tokens and was truncated");
        if (cancel) cancel->check();

        t0 = Clock::now();
        at::InferenceMode guard;
        std::vector<at::Tensor> rows;
        for (const auto& ph : all) rows.push_back(text_cache.at(ph).embedding);
        at::Tensor text = torch::stack(rows); // [T + C, D]
        const long TT = text.size(0);
        std::vector<float> gcos = to_vec(torch::mv(text, st.global));
        std::vector<float> pcos;
        if (P > 0) pcos = to_vec(torch::mm(st.pair_feats, text.t())); // [P, T + C]
        std::map<int, size_t> null_index;
        {
            size_t i = T;
            for (const auto& [c, ph] : null_phrase) null_index[c] = i++;
        }
        const float scale = clip->logit_scale();
        // The few-shot adapter's terms (0 for classes without examples: scores unchanged then).
        std::vector<float> feats;
        std::vector<std::string> keys;
        if (!adapter.empty() && P > 0) {
            feats = to_vec(st.pair_feats);
            for (const auto& pr : a.prompts) keys.push_back(pr.key());
        }
        const size_t D = P ? feats.size() / P : 0;
        const bool sigmoid = head && opt.learnable_parts && head->scoring() == LearnableHead::Scoring::Sigmoid;
        const float sig_scale = sigmoid ? std::exp(head->score_log_scale().item<float>()) : 0.0f;
        const float sig_bias = sigmoid ? head->score_bias().item<float>() : 0.0f;
        for (size_t p = 0; p < P; ++p) {
            const auto& h = a.detections[static_cast<size_t>(a.pairs[p].human)];
            const auto& o = a.detections[static_cast<size_t>(a.pairs[p].object)];
            const int cls = o.class_id;
            // Candidate set: applicable prompts; the object's no-interaction prompt unless a prompt is it.
            std::vector<size_t> cand;
            std::set<std::string> phrase_seen;
            for (size_t t = 0; t < T; ++t)
                if (a.prompts[t].applies_to(cls)) cand.push_back(t);
            const std::string& nph = null_phrase.at(cls);
            bool has_null = false;
            for (size_t t : cand) has_null |= phrases[t] == nph;
            std::vector<size_t> cols = cand;
            if (!has_null) cols.push_back(null_index.at(cls));
            std::vector<float> cp, cg;
            for (size_t c : cols) {
                cp.push_back(pcos[p * static_cast<size_t>(TT) + c]);
                cg.push_back(gcos[c]);
            }
            std::vector<float> terms(cols.size(), 0.0f);
            bool adapted = false;
            if (!feats.empty())
                for (size_t k = 0; k < cand.size(); ++k) {
                    terms[k] = adapter.term(feats.data() + p * D, keys[cand[k]]);
                    adapted |= terms[k] != 0.0f;
                }
            std::vector<float> sp, sg;
            if (sigmoid) { // a trained head's per-class sigmoids (LearnableHead::Scoring::Sigmoid)
                for (size_t k = 0; k < cols.size(); ++k) {
                    sp.push_back(1.0f / (1.0f + std::exp(-(sig_scale * cp[k] + sig_bias + terms[k]))));
                    sg.push_back(1.0f / (1.0f + std::exp(-(sig_scale * cg[k] + sig_bias))));
                }
            } else if (adapted) { // logits scale·cos + term
                std::vector<float> logits(cols.size());
                for (size_t k = 0; k < cols.size(); ++k) logits[k] = scale * cp[k] + terms[k];
                sp = scaled_softmax(logits, 1.0f);
            } else if (!sigmoid) {
                sp = scaled_softmax(cp, scale);
            }
            if (!sigmoid) sg = scaled_softmax(cg, scale);
            for (size_t k = 0; k < cand.size(); ++k) {
                ScoreBreakdown& s = a.scores[p * T + cand[k]];
                s.applies = true;
                s.adapter = terms[k];
                s.s_pair = sp[k];
                s.s_global = sg[k];
                s.s_h = h.score;
                s.s_o = o.score;
                s.cos_pair = cp[k];
                s.cos_global = cg[k];
                s.final = fuse_score(s.s_pair, s.s_global, s.s_h, s.s_o, opt.alpha, opt.lambda);
            }
        }
        a.timings.push_back({"classify", ms_since(t0), false});
    }

    ImageAnalysis run(const std::string& path, const std::vector<Prompt>& prompts, const ProgressCallback& progress,
                      const CancelFlag* cancel, const std::vector<detect::Detection>* boxes) {
        if (cancel) cancel->check();
        ImageAnalysis a;
        a.image_path = path;
        a.prompts = prompts;
        auto t0 = Clock::now();
        const std::string data = io::read_file(path, io::ImageLimits{}.max_file_bytes);
        const std::string hash = content_hash(data);
        a.image_key = hash;
        a.timings.push_back({"read", ms_since(t0), false});
        auto st = image_state(path, data, hash, a.timings, progress, cancel, boxes);
        if (cancel) cancel->check();
        ensure_pairs(*st, hash, a.timings, progress, path);
        cache.resize(st->key, st->bytes());
        a.cache_key = st->key;
        fill(*st, a);
        if (progress) progress(Progress{"classify", path, 0, 0});
        classify(*st, a, cancel);
        return a;
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

    std::shared_ptr<ImageState> lookup(const ImageAnalysis& a) {
        return cache.get(a.cache_key.empty() ? a.image_key + "|" + fingerprint : a.cache_key);
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
    impl_->templates = o.templates.empty() ? default_templates() : o.templates;
    for (const auto& t : impl_->templates) render_template(t, "x"); // validates "{}"
    const std::string models = o.models_dir.empty() ? io::models_dir() : o.models_dir;
    impl_->detector = detect::make_detector(o.detector, models);
    if (o.use_pose) {
        const std::string pj = (std::filesystem::path(models) / "movenet-multipose.json").string();
        if (std::filesystem::exists(pj)) impl_->pose = std::make_unique<detect::PoseEstimator>(pj);
    }
    if (model) {
        impl_->clip = std::move(model);
        impl_->text_store = std::make_unique<clip::TextEmbeddingCache>(
                impl_->clip, o.text_cache_dir == "off" ? std::string() : o.text_cache_dir, o.text_cache_dir != "off");
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
    } else if (!o.weights_path.empty()) {
        throw_usage("learnable weights (" + o.weights_path + ") need a CLIP model");
    }
    std::ostringstream fp;
    fp << impl_->detector->name() << ':' << impl_->detector->checksum() << '|'
       << (impl_->pose ? impl_->pose->checksum() : std::string("nopose")) << '|'
       << (impl_->clip ? impl_->clip->checksum() : std::string("noclip")) << '|' << fmt_float(impl_->detector_threshold())
       << '|' << o.keep_layer_attention << '|' << o.weights_path << '|' << static_cast<int>(o.pair_features);
    impl_->fingerprint = content_hash(fp.str());
}

Engine::~Engine() = default;

bool Engine::has_clip() const { return impl_->clip != nullptr; }
bool Engine::has_pose() const { return impl_->pose != nullptr; }
const EngineOptions& Engine::options() const { return impl_->opt; }

void Engine::set_fusion(float alpha, float lambda) {
    if (!(alpha >= 0 && alpha <= 1)) throw_usage("alpha must be in [0, 1], got " + fmt_float(alpha));
    if (!(lambda >= 0) || !std::isfinite(lambda)) throw_usage("lambda must be >= 0, got " + fmt_float(lambda));
    impl_->opt.alpha = alpha;
    impl_->opt.lambda = lambda;
}

std::string Engine::clip_checksum() const { return impl_->clip ? impl_->clip->checksum() : ""; }
std::string Engine::detector_checksum() const { return impl_->detector->checksum(); }
std::string Engine::detector_name() const { return impl_->detector->name(); }

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
    std::vector<std::string> phrases;
    for (const auto& p : prompts) phrases.push_back(impl_->phrase_of(p));
    for (int c = 0; c < annotation::kCocoClasses; ++c) phrases.push_back(impl_->phrase_of(Impl::null_prompt(c)));
    impl_->encode_phrases(phrases, cancel, on_prompt);
}

ImageAnalysis Engine::requery(const ImageAnalysis& previous, const std::vector<std::string>& prompts,
                              const ProgressCallback& progress, const CancelFlag* cancel) {
    return requery(previous, parse_prompts(prompts), progress, cancel);
}

ImageAnalysis Engine::requery(const ImageAnalysis& previous, const std::vector<Prompt>& prompts,
                              const ProgressCallback& progress, const CancelFlag* cancel) {
    auto st = impl_->lookup(previous);
    if (!st || st->pair_config != impl_->pair_config() || st->dets.size() != previous.detections.size())
        return previous.cache_key.find("|boxes:") != std::string::npos
                       ? analyse_boxes(previous.image_path, previous.detections, prompts, progress, cancel)
                       : analyse(previous.image_path, prompts, progress, cancel);
    ImageAnalysis a;
    a.image_path = previous.image_path;
    a.image_key = previous.image_key;
    a.cache_key = st->key;
    a.prompts = prompts;
    for (const char* s : {"load", "detect", "pose", "clip", "pairs", "pair_features"}) a.timings.push_back({s, 0, true});
    impl_->fill(*st, a);
    if (progress) progress(Progress{"classify", a.image_path, 0, 0});
    impl_->classify(*st, a, cancel);
    return a;
}

AttentionMap Engine::relevance_map(const ImageAnalysis& analysis, int pair, int prompt, const CancelFlag* cancel) {
    if (!impl_->clip) throw_usage("relevance maps need a CLIP model");
    if (pair < 0 || pair >= static_cast<int>(analysis.pairs.size()))
        throw_usage("pair " + std::to_string(pair) + " is out of range (0.." + std::to_string(analysis.pairs.size()) + ")");
    if (prompt < 0 || prompt >= static_cast<int>(analysis.prompts.size()))
        throw_usage("prompt " + std::to_string(prompt) + " is out of range");
    auto st = impl_->lookup(analysis);
    if (!st || !st->has_clip) {
        ImageAnalysis again = requery(analysis, analysis.prompts, {}, cancel);
        st = impl_->lookup(again);
        if (!st) throw Error(ErrorKind::Internal, "image state evicted immediately (cache limit too small)");
    }
    if (cancel) cancel->check();
    const auto& pr = analysis.pairs[static_cast<size_t>(pair)];
    const auto& h = analysis.detections[static_cast<size_t>(pr.human)];
    const auto& o = analysis.detections[static_cast<size_t>(pr.object)];
    const std::string phrase = impl_->phrase_of(analysis.prompts[static_cast<size_t>(prompt)]);
    impl_->encode_phrases({phrase}, cancel);
    at::Tensor text = impl_->text_cache.at(phrase).embedding.clone();

    clip::ImageFeatures f = impl_->clip->encode_image_grad(st->image_tensor.clone());
    const int gw = f.grid_w, gh = f.grid_h, N = gw * gh;
    auto mask = torch::zeros({1, N}, torch::kBool);
    auto um = union_box(h, o);
    auto m = box_patch_mask(um.x1, um.y1, um.x2, um.y2, st->frame, gw, gh);
    for (int n = 0; n < N; ++n) mask[0][n] = m[static_cast<size_t>(n)] != 0;
    auto mq = impl_->clip->encode_masked_queries(f, mask);
    const bool q_grad = mq.attention.requires_grad();
    if (q_grad) mq.attention.retain_grad();
    if (mq.self_attention.defined() && mq.self_attention.requires_grad()) mq.self_attention.retain_grad();
    at::Tensor feat = mq.features[0];
    at::Tensor s = torch::dot(feat / feat.norm().clamp_min(1e-12), text) * impl_->clip->logit_scale();
    s.backward();

    const long T = f.attentions.empty() ? 0 : f.attentions[0].size(-1); // 1 + N
    at::Tensor R = torch::eye(T);
    const size_t L = f.attentions.size();
    // Every block but the last (the pair's query replaces the class token there).
    for (size_t l = 0; l + 1 < L; ++l) {
        const auto& A = f.attentions[l];
        at::Tensor G = A.grad();
        if (!G.defined()) continue; // block not on the path to the score
        at::Tensor Abar = (G * A.detach()).clamp_min(0).mean(0); // [T, T]
        R = R + torch::mm(Abar, R);
    }
    // The pair query in the last block: relevance row over (itself = class token, patches).
    at::Tensor row = torch::zeros({T});
    if (q_grad && mq.attention.grad().defined()) {
        at::Tensor qa = (mq.attention.grad()[0] * mq.attention.detach()[0]).clamp_min(0).mean(0); // [N]
        row.slice(0, 1, T).copy_(qa);
        if (mq.self_attention.defined() && mq.self_attention.requires_grad() && mq.self_attention.grad().defined())
            row[0] = (mq.self_attention.grad()[0] * mq.self_attention.detach()[0]).clamp_min(0).mean();
    } else {
        // No gradient on the query attention: use its weights (attention rollout on the last block).
        row.slice(0, 1, T).copy_(mq.attention.detach()[0].mean(0));
    }
    at::Tensor rel = torch::mv(R.t(), row); // relevance of every token through the earlier blocks
    rel[0] = 0; // the class token is not a place in the image
    return map_from(rel.slice(0, 1, T).detach(), gw, gh, st->frame);
}

PairInspection Engine::inspect(const ImageAnalysis& analysis, int pair) {
    if (pair < 0 || pair >= static_cast<int>(analysis.pairs.size()))
        throw_usage("pair " + std::to_string(pair) + " is out of range");
    auto st = impl_->lookup(analysis);
    if (!st) {
        ImageAnalysis again = requery(analysis, analysis.prompts);
        st = impl_->lookup(again);
    }
    PairInspection out;
    if (!st || !st->has_clip || !st->query_attention.defined()) return out;
    at::InferenceMode guard;
    const int gw = st->feats.grid_w, gh = st->feats.grid_h, N = gw * gh;
    std::vector<at::Tensor> atts = st->feats.attentions;
    if (atts.empty()) atts = impl_->clip->encode_image(st->image_tensor, true).attentions;
    auto frame_into = [&](AttentionStack& s) {
        s.grid_w = gw;
        s.grid_h = gh;
        s.frame_x = st->frame.x;
        s.frame_y = st->frame.y;
        s.frame_size = st->frame.size;
    };
    if (!atts.empty() && atts[0].size(-1) == N + 1) { // ViT: the class token's row
        std::vector<at::Tensor> rows;
        for (const auto& A : atts) rows.push_back(A.select(1, 0).slice(1, 1, N + 1)); // [heads, N]
        at::Tensor all = torch::stack(rows); // [L, heads, N]
        out.image_cls.layers = static_cast<int>(all.size(0));
        out.image_cls.heads = static_cast<int>(all.size(1));
        frame_into(out.image_cls);
        out.image_cls.data = to_vec(all);
    }
    const long p = pair;
    at::Tensor q = st->query_attention.slice(0, 3 * p, 3 * p + 3); // [3, heads, N]
    out.pair_query.layers = 1;
    out.pair_query.heads = static_cast<int>(q.size(1));
    frame_into(out.pair_query);
    out.pair_query.data = to_vec(q[0]);
    out.union_map = map_from(q[0].mean(0), gw, gh, st->frame);
    out.human_map = map_from(q[1].mean(0), gw, gh, st->frame);
    out.object_map = map_from(q[2].mean(0), gw, gh, st->frame);
    return out;
}

std::uint64_t Engine::add_example(const ImageAnalysis& analysis, int pair, const Prompt& prompt, bool positive) {
    if (!impl_->clip) throw_usage("the few-shot adapter needs a CLIP model");
    if (pair < 0 || pair >= static_cast<int>(analysis.pairs.size()))
        throw_usage("pair " + std::to_string(pair) + " is out of range (0.." + std::to_string(analysis.pairs.size()) + ")");
    auto st = impl_->lookup(analysis);
    if (!st || st->pair_config != impl_->pair_config() || !st->pair_feats.defined()) {
        ImageAnalysis again = requery(analysis, std::vector<Prompt>{});
        st = impl_->lookup(again);
        if (!st || !st->pair_feats.defined()) throw Error(ErrorKind::Internal, "no pair features for " + analysis.image_path);
    }
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
    auto st = impl_->lookup(analysis);
    if (!st || st->pair_config != impl_->pair_config() || !st->pair_feats.defined()) {
        ImageAnalysis again = requery(analysis, analysis.prompts);
        st = impl_->lookup(again);
        if (!st || !st->pair_feats.defined()) return {};
    }
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
    const std::string data = io::read_file(path, io::ImageLimits{}.max_file_bytes);
    const std::string hash = content_hash(data);
    auto st = impl_->image_state(path, data, hash, timings, {}, cancel, &boxes);
    PairInputs out;
    out.image_key = hash;
    out.width = st->width;
    out.height = st->height;
    std::vector<Pair> ps;
    for (const auto& [h, o] : pairs) {
        Pair p;
        p.human = h;
        p.object = o;
        const int pi = st->pose_of[static_cast<size_t>(h)];
        p.spatial = spatial_encoding(st->dets[static_cast<size_t>(h)], st->dets[static_cast<size_t>(o)], st->width,
                                     st->height, pi >= 0 ? &st->poses[static_cast<size_t>(pi)] : nullptr);
        ps.push_back(std::move(p));
    }
    at::InferenceMode guard;
    const auto patches = joint_patches(st->feats);
    out.dim = static_cast<int>(patches.size(1));
    out.patches = static_cast<int>(patches.size(0));
    out.spatial_dims = kSpatialDims;
    out.patch_tokens = to_vec(patches);
    out.global = to_vec(st->global);
    if (!ps.empty()) {
        auto mq = impl_->clip->encode_masked_queries(
                st->feats, pair_masks(st->dets, ps, st->frame, st->feats.grid_w, st->feats.grid_h));
        out.base = to_vec(combine_box_features(mq.features, impl_->opt.box_feature_weight));
        out.spatial = to_vec(spatial_tensor(ps));
    }
    return out;
}

std::vector<std::vector<float>> Engine::text_embeddings(const std::vector<Prompt>& prompts, const CancelFlag* cancel) {
    if (!impl_->clip) throw_usage("text embeddings need a CLIP model");
    std::vector<std::string> phrases;
    for (const auto& p : prompts) phrases.push_back(impl_->phrase_of(p));
    impl_->encode_phrases(phrases, cancel);
    std::vector<std::vector<float>> out;
    for (const auto& ph : phrases) out.push_back(to_vec(impl_->text_cache.at(ph).embedding));
    return out;
}

float Engine::logit_scale() const { return impl_->clip ? impl_->clip->logit_scale() : 0.0f; }
int Engine::text_width() const { return impl_->clip ? impl_->clip->config().transformer_width : 0; }

CacheStats Engine::cache_stats() const {
    CacheStats s;
    s.entries = impl_->cache.size();
    s.bytes = impl_->cache.bytes();
    s.limit_bytes = impl_->cache.limit();
    s.hits = impl_->cache.hits();
    s.misses = impl_->cache.misses();
    s.text_entries = impl_->text_cache.size();
    return s;
}

void Engine::clear_cache() { impl_->cache.clear(); }

void Engine::clear_text_cache() {
    impl_->text_cache.clear();
    if (impl_->text_store) impl_->text_store->clear_memory(); // saved first; the next use reads the file
}

std::vector<float> AttentionMap::to_image(int width, int height) const {
    std::vector<float> out(static_cast<size_t>(std::max(0, width)) * static_cast<size_t>(std::max(0, height)), 0.f);
    if (weights.empty() || grid_w <= 0 || grid_h <= 0 || frame_size <= 0 || out.empty()) return out;
    float mx = 0;
    for (int y = 0; y < height; ++y) {
        const float gy = std::clamp((static_cast<float>(y) + 0.5f - frame_y) / frame_size * grid_h - 0.5f, 0.f,
                                    static_cast<float>(grid_h - 1));
        const int y0 = static_cast<int>(gy), y1 = std::min(y0 + 1, grid_h - 1);
        const float fy = gy - static_cast<float>(y0);
        for (int x = 0; x < width; ++x) {
            const float gx = std::clamp((static_cast<float>(x) + 0.5f - frame_x) / frame_size * grid_w - 0.5f, 0.f,
                                        static_cast<float>(grid_w - 1));
            const int x0 = static_cast<int>(gx), x1 = std::min(x0 + 1, grid_w - 1);
            const float fx = gx - static_cast<float>(x0);
            auto w = [&](int r, int c) { return weights[static_cast<size_t>(r * grid_w + c)]; };
            const float v = (1 - fy) * ((1 - fx) * w(y0, x0) + fx * w(y0, x1)) + fy * ((1 - fx) * w(y1, x0) + fx * w(y1, x1));
            out[static_cast<size_t>(y) * static_cast<size_t>(width) + static_cast<size_t>(x)] = v;
            mx = std::max(mx, v);
        }
    }
    if (mx > 0)
        for (auto& v : out) v /= mx;
    return out;
}

void write_attention_png(const std::string& image_path, const AttentionMap& map, const std::string& png_path) {
    io::Image img = io::load_image(image_path);
    const int W = img.rgb.cols, H = img.rgb.rows;
    std::vector<float> heat = map.to_image(W, H);
    cv::Mat h8(H, W, CV_8UC1);
    for (int y = 0; y < H; ++y)
        for (int x = 0; x < W; ++x)
            h8.at<unsigned char>(y, x) = static_cast<unsigned char>(
                    std::lround(std::clamp(heat[static_cast<size_t>(y) * W + x], 0.f, 1.f) * 255));
    cv::Mat colour, bgr, blended;
    cv::applyColorMap(h8, colour, cv::COLORMAP_JET);
    cv::cvtColor(img.rgb, bgr, cv::COLOR_RGB2BGR);
    cv::addWeighted(bgr, 0.5, colour, 0.5, 0, blended);
    std::vector<unsigned char> buf;
    if (!cv::imencode(".png", blended, buf)) throw_input("cannot encode PNG for " + png_path);
    io::write_file_atomic(png_path, std::string_view(reinterpret_cast<const char*>(buf.data()), buf.size()));
}

} // namespace hoi::model
