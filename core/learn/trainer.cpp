#include "learn/trainer.h"

#include "clip/clip_model.h"
#include "clip/sha256.h"
#include "eval/hico_eval.h"
#include "hoi/learnable_head.h"
#include "hoi/pairs.h"
#include "hoi/text_encoder.h"
#include "io/error.h"
#include "io/safetensors.h"
#include "learn/feature_cache.h"

#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <exception>
#include <filesystem>
#include <limits>
#include <random>
#include <set>

namespace hoi::learn {

namespace {

struct Sample {
    at::Tensor base, spatial, patches; // [R, D], [R, S], [N, D]
    at::Tensor target, mask;           // [R, C] float
    double positives = 0;
};

at::Tensor tensor_of(const std::vector<float>& v, std::vector<int64_t> shape) {
    return torch::from_blob(const_cast<float*>(v.data()), shape, torch::kFloat32).clone();
}

// Sigmoid focal loss (Lin et al. 2017), elementwise.
at::Tensor focal_loss(const at::Tensor& logits, const at::Tensor& target, double gamma = 2.0, double alpha = 0.25) {
    auto p = torch::sigmoid(logits);
    auto ce = torch::binary_cross_entropy_with_logits(logits, target, {}, {}, at::Reduction::None);
    auto p_t = p * target + (1 - p) * (1 - target);
    auto a_t = alpha * target + (1 - alpha) * (1 - target);
    return a_t * torch::pow(1 - p_t, gamma) * ce;
}

// A portable Fisher-Yates shuffle (std::shuffle's result is implementation-defined).
std::vector<size_t> epoch_order(size_t n, std::uint64_t seed, int epoch) {
    std::vector<size_t> o(n);
    for (size_t i = 0; i < n; ++i) o[i] = i;
    std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ull + static_cast<std::uint64_t>(epoch));
    for (size_t i = n; i > 1; --i) std::swap(o[i - 1], o[rng() % i]);
    return o;
}

std::string json_str(const nlohmann::json& j) { return j.dump(); }

} // namespace

nlohmann::json TrainReport::to_json() const {
    return {{"epochs_run", epochs_run},     {"epochs", epoch},           {"epoch_loss", epoch_loss},
            {"val_loss", val_loss},         {"stopped_early", stopped_early}, {"stop_reason", stop_reason}, {"images", images},
            {"pairs", pairs},               {"positives", positives},    {"failed_images", failed_images},
            {"skipped", skipped},           {"classes", classes},        {"cache_hits", cache_hits},
            {"cache_misses", cache_misses}, {"matched_detections", matched_detections}, {"data_sha256", data_sha256}};
}

TrainReport train_head(model::Engine& engine, const LabelledSet& train, const LabelledSet* validation,
                       const TrainOptions& opt, const CancelFlag* cancel,
                       const std::function<void(const TrainProgress&)>& progress) {
    if (!engine.has_clip()) throw_usage("hoi train needs a CLIP model");
    if (opt.out.empty()) throw_usage("hoi train needs --out HEAD.safetensors");
    if (opt.epochs < 0) throw_usage("--epochs must be >= 0");
    if (opt.batch_images < 1) throw_usage("the batch must hold at least one image");
    TrainReport rep;
    rep.skipped = train.skipped;
    for (const auto& m : train.missing_images) rep.failed_images.push_back(m + ": missing");

    // ---- classes -------------------------------------------------------------------------------
    const eval::ClassSplit split = eval::load_split(opt.split);
    const bool zero_shot = opt.split != "default";
    auto unseen = [&](const model::Prompt& p) { return zero_shot && p.hoi_id >= 0 && split.in_subset[size_t(p.hoi_id)]; };
    std::vector<model::Prompt> classes;
    std::set<std::string> keys;
    auto add_class = [&](const model::Prompt& p) {
        if (!unseen(p) && keys.insert(p.key()).second) classes.push_back(p);
    };
    if (!opt.classes.empty()) {
        for (const auto& p : opt.classes) add_class(p);
    } else {
        for (const auto& img : train.images)
            for (const auto& r : img.relations)
                if (r.positive) add_class(r.prompt);
    }
    std::map<std::string, int> class_index;
    for (size_t c = 0; c < classes.size(); ++c) class_index[classes[c].key()] = static_cast<int>(c);
    for (const auto& p : classes) rep.classes.push_back(p.text);
    if (classes.empty())
        throw_input(train.source + ": no class to train" +
                    (zero_shot ? " (every positive is of an unseen class of split " + opt.split + ")" : std::string()) +
                    "; " + train.summary());
    const int64_t C = static_cast<int64_t>(classes.size());
    // The classes' text embeddings with the head's prompt context (zero at first: the plain prompts).
    model::TextEncoder texts(engine.clip_model(), nullptr, model::TextEncoder::checked_templates(engine.options().templates),
                             "off");

    // ---- data (feature cache) -------------------------------------------------------------------
    FeatureCache cache(engine, opt.cache_dir);
    clip::Sha256 data_hash;
    data_hash.update(train.sha256);
    auto prepare = [&](const LabelledSet& set, bool count, const char* stage) {
        std::vector<Sample> out;
        const auto t0 = std::chrono::steady_clock::now();
        for (size_t i = 0; i < set.images.size(); ++i) {
            if (cancel) cancel->check();
            // The labelled boxes, and with --with-detections the detector's boxes matched to them;
            // source: the labelled box each box stands for.
            MatchedImage m;
            CachedImage ci;
            try {
                m = opt.with_detections ? add_matched_detections(set.images[i], cache.detections(set.images[i], cancel))
                                        : add_matched_detections(set.images[i], {});
                ci = cache.get(m.image, cancel);
            } catch (const Error& e) {
                if (e.kind() != ErrorKind::Input) throw;
                if (count) {
                    rep.failed_images.push_back(e.what());
                    rep.skipped["image unreadable"] += set.images[i].relations.size();
                }
                continue;
            }
            const LabelledImage& img = m.image;
            if (count) rep.matched_detections += m.matched;
            if (count) (ci.from_disk ? rep.cache_hits : rep.cache_misses)++;
            const int64_t R = static_cast<int64_t>(ci.pairs.size());
            if (R == 0) continue;
            Sample s;
            s.base = tensor_of(ci.inputs.base, {R, ci.inputs.dim});
            s.spatial = tensor_of(ci.inputs.spatial, {R, ci.inputs.spatial_dims});
            s.patches = tensor_of(ci.inputs.patch_tokens, {ci.inputs.patches, ci.inputs.dim});
            s.target = torch::zeros({R, C});
            s.mask = torch::zeros({R, C});
            auto ta = s.target.accessor<float, 2>();
            auto ma = s.mask.accessor<float, 2>();
            auto source_of = [&](int64_t r) {
                const auto& [a, b] = ci.pairs[size_t(r)];
                return std::make_pair(m.source[size_t(a)], m.source[size_t(b)]);
            };
            for (int64_t r = 0; r < R; ++r) {
                const int cls = img.boxes[size_t(ci.pairs[size_t(r)].second)].class_id;
                const auto [sa, sb] = source_of(r);
                if (sa == sb) continue; // two boxes of one labelled box: no pair
                for (int64_t c = 0; c < C; ++c) ma[r][c] = classes[size_t(c)].applies_to(cls) ? 1.f : 0.f;
            }
            for (const auto& rel : img.relations) {
                if (!rel.positive) continue; // rejected: a 0 target, as every unlabelled pair
                auto it = class_index.find(rel.prompt.key());
                if (it == class_index.end()) {
                    if (count) ++rep.skipped[unseen(rel.prompt) ? "unseen class of split " + opt.split
                                                                : "class not among the head's classes"];
                    continue;
                }
                for (int64_t r = 0; r < R; ++r)
                    if (source_of(r) == std::make_pair(rel.subject, rel.object) && ta[r][it->second] == 0) {
                        ta[r][it->second] = 1;
                        s.positives += 1;
                    }
            }
            if (count) {
                data_hash.update(ci.inputs.image_key);
                rep.pairs += static_cast<size_t>(R);
                rep.positives += static_cast<size_t>(s.positives);
            }
            out.push_back(std::move(s));
            if (progress) {
                TrainProgress p;
                p.stage = stage;
                p.step = static_cast<int>(i + 1);
                p.steps = static_cast<int>(set.images.size());
                const double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
                p.eta_seconds = el / double(i + 1) * double(set.images.size() - i - 1);
                progress(p);
            }
        }
        return out;
    };
    std::vector<Sample> samples = prepare(train, true, "features");
    rep.images = samples.size();
    if (samples.empty())
        throw_input(train.source + ": no usable image (" + std::to_string(rep.failed_images.size()) +
                    " missing or unreadable); nothing to train");
    if (rep.positives == 0)
        throw_input(train.source + ": no positive relation of the head's classes on the usable images; "
                    "nothing to train (" + train.summary() + ")");
    std::vector<Sample> val;
    if (validation) val = prepare(*validation, false, "validation features");
    for (const auto& p : classes) data_hash.update(p.key() + "\n");
    data_hash.update("split=" + opt.split);
    if (opt.with_detections) data_hash.update("with detections");
    rep.data_sha256 = data_hash.hex();

    // ---- the head -------------------------------------------------------------------------------
    model::HeadShape hs;
    hs.spatial_dims = model::kSpatialDims;
    hs.embed_dim = engine.clip_model()->embed_dim();
    hs.text_width = engine.text_width();
    model::LearnableHead head(hs);
    auto class_texts = [&] { return texts.embed_with_context(classes, head.prompt_prefix(), head.prompt_conjun(), cancel); };
    at::Tensor text; // [C, D], the context's as of the last context step (a leaf: gathers dLoss/dtext)
    {
        at::NoGradGuard ng;
        text = class_texts();
    }
    {
        // Bias so that the average pair starts at σ ≈ 0.1 (most targets are 0).
        at::NoGradGuard ng;
        double sum = 0, n = 0;
        for (const auto& s : samples) {
            auto f = s.base / s.base.norm(2, -1, true).clamp_min(1e-12);
            auto l = torch::mm(f, text.t()) * engine.logit_scale();
            sum += (l * s.mask).sum().item<double>();
            n += s.mask.sum().item<double>();
        }
        head.enable_sigmoid(std::log(engine.logit_scale()), static_cast<float>(-(n > 0 ? sum / n : 0) - 2.2));
    }
    std::vector<std::pair<std::string, at::Tensor>> params;
    for (auto& [name, t] : head.named_tensors()) {
        const bool on = name.rfind("scoring.", 0) == 0 || (opt.train_interactor && name.rfind("interactor.", 0) == 0) ||
                        (opt.train_decoder && name.rfind("decoder.", 0) == 0) ||
                        (opt.train_context && name.rfind("prompt.", 0) == 0);
        if (on) {
            t.requires_grad_(true);
            params.emplace_back(name, t);
        }
    }
    std::vector<at::Tensor> adam_m, adam_v;
    for (auto& [n, t] : params) {
        adam_m.push_back(torch::zeros_like(t.detach()));
        adam_v.push_back(torch::zeros_like(t.detach()));
    }
    std::int64_t adam_t = 0;
    // Adam (Kingma & Ba 2015) on the head's parts (context = false, every step) or on the prompt
    // context (context = true, once an epoch); t counts the updates of that kind.
    auto adam_update = [&](bool context, std::int64_t t) {
        constexpr double b1 = 0.9, b2 = 0.999, eps = 1e-8;
        // The head's parts warm up linearly over their first kWarmupSteps steps: Adam's first steps
        // move every weight by about the full rate, and on the zero-initialised residuals that
        // would throw the pair features far off before the moments settle.
        const double lr = context ? opt.learning_rate : opt.learning_rate * std::min(1.0, double(t) / kWarmupSteps);
        at::NoGradGuard ng;
        const double c1 = 1 - std::pow(b1, double(t)), c2 = 1 - std::pow(b2, double(t));
        for (size_t i = 0; i < params.size(); ++i) {
            if ((params[i].first.rfind("prompt.", 0) == 0) != context) continue;
            at::Tensor g = params[i].second.grad();
            if (!g.defined()) continue;
            adam_m[i].mul_(b1).add_(g, 1 - b1);
            adam_v[i].mul_(b2).addcmul_(g, g, 1 - b2);
            params[i].second.sub_((adam_m[i] / c1) / ((adam_v[i] / c2).sqrt() + eps) * lr);
            if (context) params[i].second.mutable_grad() = at::Tensor();
        }
    };

    const size_t B = static_cast<size_t>(opt.batch_images);
    const int steps = static_cast<int>((samples.size() + B - 1) / B);
    // Default budget: kDefaultEpochs, and at least kMinSteps steps (a few labelled images need
    // many epochs to come out right); with validation, early stopping within 100 epochs or that.
    const int budget = std::max(kDefaultEpochs, (kMinSteps + steps - 1) / steps);
    const bool early_stop = opt.epochs == 0 && !val.empty();
    const int epochs = opt.epochs > 0 ? opt.epochs : (early_stop ? std::max(100, budget) : budget);
    const std::string ckpt = opt.out + ".ckpt";
    // What a checkpoint must agree on to be resumed (the epoch count may grow).
    const std::string run_id = clip::sha256_hex(json_str({{"data", rep.data_sha256}, {"seed", opt.seed},
                                                          {"lr", opt.learning_rate}, {"batch", opt.batch_images},
                                                          {"interactor", opt.train_interactor},
                                                          {"decoder", opt.train_decoder}, {"context", opt.train_context},
                                                          {"clip", engine.clip_checksum()}}));
    int start_epoch = 0;
    double best_val = std::numeric_limits<double>::infinity();
    int bad_epochs = 0;
    if (opt.resume) {
        std::error_code ec;
        if (!std::filesystem::exists(ckpt, ec))
            throw_usage("--resume: no checkpoint " + ckpt + " (run without --resume to start)");
        auto f = io::SafetensorsFile::open(ckpt);
        const auto& m = f->metadata();
        if (!m.count("run") || m.at("run") != run_id)
            throw_usage(ckpt + " is the checkpoint of another run (other data, classes, seed or options); "
                               "run without --resume to start over");
        start_epoch = std::stoi(m.at("epoch"));
        adam_t = std::stoll(m.at("adam_t"));
        auto hist = nlohmann::json::parse(m.at("history"));
        rep.epoch_loss = hist["loss"].get<std::vector<double>>();
        rep.val_loss = hist["val"].get<std::vector<double>>();
        best_val = hist.value("best_val", best_val);
        bad_epochs = hist.value("bad_epochs", 0);
        at::NoGradGuard ng;
        auto load = [&](const std::string& name, at::Tensor& t) {
            const auto* info = f->find(name);
            if (!info || info->numel() != t.numel()) throw_usage(ckpt + ": tensor " + name + " missing or mis-shaped");
            std::memcpy(t.data_ptr<float>(), f->data(*info), size_t(t.numel()) * sizeof(float));
        };
        for (auto& [n, t] : head.named_tensors()) load("head." + n, t);
        for (size_t i = 0; i < params.size(); ++i) {
            load("adam_m." + params[i].first, adam_m[i]);
            load("adam_v." + params[i].first, adam_v[i]);
        }
    }
    // The state at the end of the last completed epoch, in memory (a copy, cheap next to an epoch);
    // written as the checkpoint kCheckpointSeconds apart, after the last epoch and when cancelled,
    // so an interrupted run resumes from its last completed epoch without a file every epoch.
    struct Snapshot {
        std::vector<std::pair<std::string, at::Tensor>> tensors;
        std::map<std::string, std::string> metadata;
        bool written = true; // nothing to write yet
    } snapshot;
    auto take_snapshot = [&](int epoch) {
        snapshot.tensors.clear();
        for (auto& [n, t] : head.named_tensors()) snapshot.tensors.emplace_back("head." + n, t.detach().clone());
        for (size_t i = 0; i < params.size(); ++i) {
            snapshot.tensors.emplace_back("adam_m." + params[i].first, adam_m[i].clone());
            snapshot.tensors.emplace_back("adam_v." + params[i].first, adam_v[i].clone());
        }
        nlohmann::json hist = {{"loss", rep.epoch_loss}, {"val", rep.val_loss}, {"bad_epochs", bad_epochs}};
        if (std::isfinite(best_val)) hist["best_val"] = best_val;
        snapshot.metadata = {{"format", "hoi-studio-train-checkpoint"}, {"run", run_id},
                             {"epoch", std::to_string(epoch)}, {"adam_t", std::to_string(adam_t)},
                             {"history", hist.dump()}};
        snapshot.written = false;
    };
    auto write_snapshot = [&] {
        if (snapshot.written) return;
        std::vector<io::StTensorOut> out;
        for (const auto& [name, t] : snapshot.tensors)
            out.push_back({name, io::StDtype::F32, t.sizes().vec(),
                           std::string_view(reinterpret_cast<const char*>(t.data_ptr<float>()),
                                            size_t(t.numel()) * sizeof(float))});
        io::write_safetensors(ckpt, out, snapshot.metadata);
        snapshot.written = true;
    };

    // The context's text embeddings (for the loaded checkpoint's context on resume).
    if (opt.train_context && start_epoch > 0) {
        at::NoGradGuard ng;
        text = class_texts();
    }
    // The prompt context takes one Adam step an epoch, from the epoch's gradient with respect to the
    // classes' text embeddings (gathered in `text` step by step): the text tower then runs forward
    // and backward once an epoch, in chunks of classes, instead of at every step.
    auto context_step = [&](int epoch) {
        if (!opt.train_context || !text.grad().defined()) return;
        const at::Tensor g = text.grad().clone();
        constexpr int64_t kChunk = 64;
        for (int64_t c0 = 0; c0 < C; c0 += kChunk) {
            if (cancel) cancel->check();
            const int64_t n = std::min(kChunk, C - c0);
            std::vector<model::Prompt> chunk(classes.begin() + c0, classes.begin() + c0 + n);
            texts.embed_with_context(chunk, head.prompt_prefix(), head.prompt_conjun(), cancel).backward(g.narrow(0, c0, n));
        }
        adam_update(true, epoch + 1);
        at::NoGradGuard ng;
        text = class_texts();
    };

    auto forward = [&](const Sample& s) {
        auto pf = head.apply(s.base, s.spatial, s.patches);
        pf = pf / pf.norm(2, -1, true).clamp_min(1e-12);
        return torch::exp(head.score_log_scale()) * torch::mm(pf, text.t()) + head.score_bias();
    };
    auto sample_loss = [&](const Sample& s) { return (focal_loss(forward(s), s.target) * s.mask).sum(); };

    const auto t_train = std::chrono::steady_clock::now();
    int steps_done = 0;
    auto last_checkpoint = std::chrono::steady_clock::now();
    const int total_steps = steps * std::max(0, epochs - start_epoch);
    // Cancelled (Ctrl-C, the GUI's Cancel) mid-epoch: the last completed epoch is still written.
    struct WriteOnUnwind {
        std::function<void()> write;
        int exceptions = std::uncaught_exceptions();
        ~WriteOnUnwind() {
            if (std::uncaught_exceptions() <= exceptions) return;
            try {
                write();
            } catch (...) {
                // the cancellation is what the caller hears about
            }
        }
    } write_on_unwind{write_snapshot};
    for (int epoch = start_epoch; epoch < epochs; ++epoch) {
        const auto order = epoch_order(samples.size(), opt.seed, epoch);
        double epoch_sum = 0;
        if (opt.train_context) text = text.detach().requires_grad_(true);
        for (int step = 0; step < steps; ++step) {
            if (cancel) cancel->check();
            at::Tensor loss = torch::zeros({});
            double pos = 0;
            for (size_t k = size_t(step) * B; k < std::min(samples.size(), size_t(step + 1) * B); ++k) {
                const Sample& s = samples[order[k]];
                loss = loss + sample_loss(s);
                pos += s.positives;
            }
            loss = loss / std::max(1.0, pos);
            for (auto& [n, t] : params)
                if (t.grad().defined()) t.mutable_grad().zero_();
            loss.backward();
            adam_update(false, ++adam_t);
            const double l = loss.item<double>();
            epoch_sum += l;
            ++steps_done;
            if (progress) {
                TrainProgress p;
                p.stage = "train";
                p.epoch = epoch + 1;
                p.epochs = epochs;
                p.step = step + 1;
                p.steps = steps;
                p.loss = l;
                const double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_train).count();
                p.eta_seconds = el / steps_done * double(total_steps - steps_done);
                progress(p);
            }
        }
        context_step(epoch);
        rep.epoch_loss.push_back(epoch_sum / steps);
        ++rep.epochs_run;
        rep.epoch = epoch + 1;
        if (!val.empty()) {
            at::NoGradGuard ng;
            double sum = 0, pos = 0;
            for (const auto& s : val) {
                sum += sample_loss(s).item<double>();
                pos += s.positives;
            }
            const double vl = sum / std::max(1.0, pos);
            rep.val_loss.push_back(vl);
            if (vl < best_val - 1e-6) {
                best_val = vl;
                bad_epochs = 0;
            } else {
                ++bad_epochs;
            }
        }
        // Without an epoch count, a set learnt down to kConvergedLoss stops: its pairs come out right.
        const bool converged = opt.epochs == 0 && val.empty() && rep.epoch_loss.back() < kConvergedLoss;
        const bool stop = converged || (early_stop && bad_epochs >= opt.patience);
        take_snapshot(epoch + 1);
        if (stop || epoch + 1 == epochs ||
            std::chrono::steady_clock::now() - last_checkpoint >= std::chrono::seconds(kCheckpointSeconds)) {
            write_snapshot();
            last_checkpoint = std::chrono::steady_clock::now();
        }
        if (stop) {
            rep.stopped_early = true;
            rep.stop_reason = converged ? "converged" : "validation";
            break;
        }
    }
    if (rep.epoch == 0) rep.epoch = start_epoch;

    nlohmann::json cls = nlohmann::json::array();
    for (const auto& p : classes) cls.push_back(p.text);
    head.save(opt.out, {{"clip_sha256", engine.clip_checksum()},
                        {"clip", std::filesystem::path(engine.options().clip_path).filename().string()},
                        {"classes", cls.dump()},
                        {"split", opt.split},
                        {"epochs", std::to_string(rep.epoch)},
                        {"seed", std::to_string(opt.seed)},
                        {"data_sha256", rep.data_sha256},
                        {"trained_parts", std::string(opt.train_interactor ? "interactor," : "") +
                                                  (opt.train_decoder ? "decoder," : "") +
                                                  (opt.train_context ? "context," : "") + "scoring"}});
    return rep;
}

} // namespace hoi::learn
