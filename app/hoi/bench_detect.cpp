// hoi bench --section detect: latency of each detector (and the pose model) at its input size,
// with its compute floor (conv / matmul FLOPs counted from the graph / the measured GEMM rate).
#include "bench.h"

#include "detect/detector.h"
#include "detect/tfjs_detector.h"
#include "io/error.h"

#include <filesystem>

#include <opencv2/core.hpp>

namespace hoi::bench {

nlohmann::json graph_floors(const detect::TfjsGraph::Cost& cost, const Context& ctx) {
    nlohmann::json r = {{"gflops", cost.flops / 1e9}, {"mbytes_moved", cost.bytes / 1e6}};
    if (ctx.gemm_gflops > 0) r["floor_ms"] = cost.flops / (ctx.gemm_gflops * 1e6);
    if (ctx.read_gbps > 0) r["memory_floor_ms"] = cost.bytes / (ctx.read_gbps * 1e6);
    if (ctx.gemm_gflops > 0 && ctx.read_gbps > 0) r["roofline_floor_ms"] = cost.floor_ms(ctx.gemm_gflops, ctx.read_gbps);
    return r;
}

static nlohmann::json bench_detect(Context& ctx) {
    nlohmann::json out = nlohmann::json::object();
    cv::Mat image(480, 640, CV_8UC3);
    cv::randu(image, cv::Scalar::all(0), cv::Scalar::all(255));
    for (const std::string name : {"nanodet", "centernet"}) {
        const auto path = std::filesystem::path(ctx.models_dir) / (name + ".json");
        if (!std::filesystem::exists(path)) {
            out[name] = {{"skipped", "missing " + path.string()}};
            continue;
        }
        const auto det = detect::make_detector(path.string());
        const auto* tdet = dynamic_cast<const detect::TfjsDetector*>(det.get());
        const double ms = time_ms([&] { det->detect(image); }, ctx.repeats, 2);
        double forward_ms = 0;
        if (tdet) {
            const auto input = tdet->preprocess(image);
            torch::InferenceMode guard;
            forward_ms = time_ms([&] { tdet->run_raw(input); }, ctx.repeats, 1);
        }
        nlohmann::json r = tdet ? graph_floors(tdet->cost(), ctx) : nlohmann::json::object();
        r["input"] = std::to_string(det->input_width()) + "x" + std::to_string(det->input_height());
        r["ms_per_image"] = ms;
        r["forward_ms"] = forward_ms;
        if (name == "nanodet") r["target_ms"] = 60;
        out[name] = r;
    }
    const auto pose_path = std::filesystem::path(ctx.models_dir) / "movenet-multipose.json";
    if (std::filesystem::exists(pose_path)) {
        // The engine's pose stage runs this model (PoseEstimator); its graph is timed alone too.
        const detect::PoseEstimator pe(pose_path.string());
        const double ms = time_ms([&] { pe.estimate(image); }, ctx.repeats, 2);
        const detect::MoveNet net(pose_path.string());
        const auto input = net.preprocess(image);
        torch::InferenceMode guard;
        const double forward_ms = time_ms([&] { net.run_raw(input); }, ctx.repeats, 1);
        const std::string size = std::to_string(net.input_size());
        nlohmann::json r = graph_floors(net.cost(), ctx);
        r["input"] = size + "x" + size;
        r["ms_per_image"] = ms;
        r["forward_ms"] = forward_ms;
        out["movenet-multipose"] = r;
    }
    return out;
}

HOI_REGISTER_BENCH("detect", "detector latency per image (NanoDet, CenterNet, MoveNet) with compute floors", 30,
                   bench_detect);

} // namespace hoi::bench
