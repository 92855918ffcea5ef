#include "learn/adapter_examples.h"

#include "io/error.h"

#include <filesystem>

namespace hoi::learn {

nlohmann::json add_examples(model::Engine& engine, const LabelledSet& set, const CancelFlag* cancel,
                            const std::function<void(const std::string&)>& log) {
    if (!engine.has_clip()) throw_usage("the few-shot adapter (--adapt-from) needs a CLIP model");
    std::map<std::string, std::size_t> skipped = set.skipped;
    nlohmann::json failed = nlohmann::json::array();
    for (const auto& m : set.missing_images) failed.push_back({{"image_path", m}, {"error", "missing"}});
    std::size_t images = 0, pos = 0, neg = 0;
    for (const auto& img : set.images) {
        model::ImageAnalysis a;
        try {
            a = engine.analyse_boxes(img.path, img.boxes, {}, {}, cancel);
        } catch (const Error& e) {
            if (e.kind() == ErrorKind::Cancelled || e.kind() == ErrorKind::Model) throw;
            failed.push_back({{"image_path", img.path}, {"error", e.what()}});
            skipped["image unreadable"] += img.relations.size();
            if (log) log(std::string(e.what()) + " (skipped)");
            continue;
        }
        ++images;
        for (const auto& r : img.relations) {
            int pair = -1;
            for (size_t p = 0; p < a.pairs.size() && pair < 0; ++p)
                if (a.pairs[p].human == r.subject && a.pairs[p].object == r.object) pair = static_cast<int>(p);
            if (pair < 0) {
                ++skipped["pair not built (over the engine's top-k of boxes)"];
                continue;
            }
            engine.add_example(a, pair, r.prompt, r.positive);
            (r.positive ? pos : neg)++;
        }
    }
    const auto& o = engine.adapter().options();
    return {{"source", std::filesystem::path(set.source).filename().string()},
            {"sha256", set.sha256},
            {"format", set.format},
            {"images", images},
            {"examples", pos + neg},
            {"positives", pos},
            {"negatives", neg},
            {"skipped", skipped},
            {"failed_images", failed},
            {"weight", o.weight},
            {"sharpness", o.sharpness},
            {"min_affinity", o.min_affinity}};
}

} // namespace hoi::learn
