// Shared helpers of the bench sections (bench.h): the CLIP model, the 32-pair box layout, temp folders.
#include "bench.h"

#include "clip/clip_model.h"
#include "clip/synthetic.h"

#include <iostream>
#include <unistd.h>

namespace hoi::bench {

std::shared_ptr<clip::ClipModel> bench_clip_model(const Context& ctx, nlohmann::json& out, const std::string& section) {
    std::shared_ptr<clip::ClipModel> model;
    if (!ctx.clip_path.empty()) {
        out["model"] = ctx.clip_path;
        model = clip::ClipModel::load(ctx.clip_path);
    } else {
        std::cerr << "bench " << section << ": building a random-weight " << ctx.clip_arch << "-sized model" << std::endl;
        out["model"] = "synthetic " + ctx.clip_arch + " (random weights)";
        model = clip::ClipModel::from_state_dict(clip::synthetic_weights(clip::published_config(ctx.clip_arch), 0),
                                                 "synthetic " + ctx.clip_arch);
    }
    out["architecture"] = model->config().name();
    return model;
}

std::vector<detect::Detection> grid_boxes(int W, int H) {
    std::vector<detect::Detection> out;
    const int objects[] = {17, 1, 41, 32, 56, 63, 67, 16};
    for (int i = 0; i < 4; ++i) {
        detect::Detection d;
        d.x1 = W * (0.05f + 0.22f * i);
        d.x2 = d.x1 + W * 0.2f;
        d.y1 = H * 0.1f;
        d.y2 = H * 0.95f;
        d.class_id = 0;
        d.score = 0.9f - 0.05f * i;
        out.push_back(d);
    }
    for (int i = 0; i < 8; ++i) {
        detect::Detection d;
        d.x1 = W * (0.02f + 0.12f * i);
        d.x2 = d.x1 + W * 0.1f;
        d.y1 = H * (0.4f + 0.05f * (i % 3));
        d.y2 = d.y1 + H * 0.25f;
        d.class_id = objects[i];
        d.score = 0.85f - 0.04f * i;
        out.push_back(d);
    }
    return out;
}

ScopedTempDir::ScopedTempDir(const std::string& prefix)
    : path(std::filesystem::temp_directory_path() / (prefix + std::to_string(::getpid()))) {
    std::filesystem::create_directories(path);
}

ScopedTempDir::~ScopedTempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
}

} // namespace hoi::bench
