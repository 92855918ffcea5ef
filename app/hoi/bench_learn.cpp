// hoi bench — learn section: the few-shot adapter's cost per scored pair, the trainer's feature
// cache (build and read per image), one training step, one epoch per 1,000 cached pairs and the
// peak memory of training, with a ViT-B/32-sized model; without --quick, an epoch against the 600
// HICO-DET classes and the prompt context's step at its end.
#include "bench.h"

#include "clip/clip_model.h"
#include "hoi/engine.h"
#include "io/image.h"
#include "io/resources.h"
#include "learn/feature_cache.h"
#include "learn/trainer.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>

namespace hoi::bench {
namespace {

double now_ms() {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

nlohmann::json bench_learn(Context& ctx) {
    nlohmann::json out;
    const std::string image = io::resource_dir() + "/samples/person.jpg";
    if (!std::filesystem::exists(image) || !std::filesystem::exists(ctx.models_dir + "/nanodet.json")) {
        out["skipped"] = "needs resources/samples/person.jpg and models/cache/nanodet.json (run `make test`)";
        return out;
    }
    std::shared_ptr<clip::ClipModel> clip_model = bench_clip_model(ctx, out, "learn");
    const ScopedTempDir dir("hoi-bench-learn-");
    const auto& tmp = dir.path;
    model::EngineOptions opt;
    opt.text_cache_dir = (tmp / "text").string();
    opt.models_dir = ctx.models_dir;
    opt.keep_layer_attention = false;
    opt.human_human_pairs = false;
    model::Engine engine(opt, clip_model);
    const auto hico = model::PromptParser::instance().hico_prompts();
    io::Image img = io::load_image(image);
    const auto boxes = grid_boxes(img.rgb.cols, img.rgb.rows);
    const int repeats = ctx.quick ? 1 : std::max(3, ctx.repeats / 2);

    // ---- the few-shot adapter: re-query of 32 pairs x 600 prompts, with and without examples ----
    model::ImageAnalysis a = engine.analyse_boxes(image, boxes, hico);
    const double plain = time_ms([&] { engine.requery(a, hico); }, ctx.quick ? 1 : ctx.repeats);
    const int examples = 200;
    for (int i = 0; i < examples; ++i) {
        const int pair = i % static_cast<int>(a.pairs.size());
        const int cls = a.detections[size_t(a.pairs[size_t(pair)].object)].class_id;
        std::vector<int> of_cls; // the HICO classes of the pair's object
        for (size_t t = 0; t < hico.size(); ++t)
            if (hico[t].object_class == cls) of_cls.push_back(static_cast<int>(t));
        engine.add_example(a, pair, hico[size_t(of_cls[size_t(i) % of_cls.size()])], i % 3 != 0);
    }
    const double adapted = time_ms([&] { engine.requery(a, hico); }, ctx.quick ? 1 : ctx.repeats);
    const double add_ms = time_ms([&] { engine.remove_example(engine.add_example(a, 0, hico[0], true)); },
                                  ctx.quick ? 1 : ctx.repeats);
    // The adapter's terms alone: 32 pair features x the 600 prompts' classes (what classify adds).
    {
        const auto& ad = engine.adapter();
        const auto held = ad.examples();
        std::vector<std::string> keys;
        for (const auto& p : hico) keys.push_back(p.key());
        float sink = 0;
        const double terms = time_ms([&] {
            for (size_t p = 0; p < 32; ++p)
                for (const auto& k : keys) sink += ad.term(held[p % held.size()]->feature.data(), k);
        }, ctx.quick ? 1 : ctx.repeats);
        out["adapter_terms_32_pairs_600_prompts_ms"] = terms;
        out["adapter_ms_per_scored_pair_direct"] = terms / 32.0;
        if (sink == 12345.f) std::cerr << "";
    }
    out["adapter_examples"] = examples;
    out["requery_32_pairs_600_prompts_ms"] = plain;
    out["requery_32_pairs_600_prompts_with_adapter_ms"] = adapted;
    out["adapter_ms_per_scored_pair"] = (adapted - plain) / static_cast<double>(a.pairs.size());
    out["adapter_add_remove_example_ms"] = add_ms;
    engine.clear_examples();

    // ---- the trainer's feature cache: build (CLIP + pair inputs) and read, per image ----
    learn::LabelledImage li;
    li.path = image;
    li.file_name = "person.jpg";
    li.boxes = boxes;
    for (int h = 0; h < 4; ++h) {
        learn::LabelledRelation r;
        r.subject = h;
        r.object = 4 + h;
        const int cls = boxes[size_t(4 + h)].class_id;
        for (const auto& p : hico)
            if (p.object_class == cls && !p.no_interaction) {
                r.prompt = p;
                break;
            }
        li.relations.push_back(r);
    }
    const std::string cache_dir = (tmp / "features").string();
    learn::FeatureCache cache(engine, cache_dir);
    out["feature_cache_build_per_image_ms"] = time_ms([&] {
        engine.clear_cache();
        std::filesystem::remove_all(cache_dir);
        cache.get(li);
    }, repeats, 1);
    out["feature_cache_read_per_image_ms"] = time_ms([&] { cache.get(li); }, repeats, 1);
    out["pairs_per_image"] = learn::FeatureCache::all_pairs(li).size();

    // ---- training: 32 cached images (the same photo), batches of 4, one epoch ----
    learn::LabelledSet set;
    set.source = "bench";
    for (int i = 0; i < 32; ++i) set.images.push_back(li);
    learn::TrainOptions topt;
    topt.out = (tmp / "head.safetensors").string();
    topt.cache_dir = cache_dir;
    topt.epochs = 1;
    std::vector<double> step_ms;
    double last = 0;
    { // peak RSS from here (Linux >= 4.0)
        std::ofstream f("/proc/self/clear_refs");
        if (f) f << "5";
    }
    learn::TrainReport rep = learn::train_head(engine, set, nullptr, topt, nullptr, [&](const learn::TrainProgress& p) {
        if (p.stage != "train") {
            last = now_ms();
            return;
        }
        const double t = now_ms();
        step_ms.push_back(t - last);
        last = t;
    });
    std::sort(step_ms.begin(), step_ms.end());
    const double step = step_ms.empty() ? 0 : step_ms[step_ms.size() / 2];
    double epoch = 0;
    for (double s : step_ms) epoch += s;
    out["train_images"] = rep.images;
    out["train_pairs"] = rep.pairs;
    out["train_classes"] = rep.classes.size();
    out["train_step_ms"] = step;
    out["train_step_images"] = topt.batch_images;
    out["train_epoch_per_1000_pairs_s"] = rep.pairs ? epoch / 1000.0 * 1000.0 / static_cast<double>(rep.pairs) : 0.0;
    out["train_peak_rss_mib"] = peak_rss_mib();

    // ---- the same epoch against the 600 HICO-DET classes: the steps, then the prompt context's
    // once-an-epoch step (the text tower forward and backward over the 600 prompts, then forward) ----
    if (!ctx.quick) {
        topt.classes = hico;
        topt.out = (tmp / "head600.safetensors").string();
        step_ms.clear();
        double steps_end = 0;
        const double t0 = now_ms();
        rep = learn::train_head(engine, set, nullptr, topt, nullptr, [&](const learn::TrainProgress& p) {
            if (p.stage == "train") steps_end = now_ms();
        });
        const double t1 = now_ms();
        out["train_600_classes_epoch_steps_s"] = (steps_end - t0) / 1000.0;
        out["train_600_classes_context_step_s"] = (t1 - steps_end) / 1000.0; // with the checkpoint and the save
    }
    return out;
}

} // namespace

HOI_REGISTER_BENCH("learn", "few-shot adapter per scored pair, feature cache per image, training step / epoch / memory", 40,
                   bench_learn);

} // namespace hoi::bench
