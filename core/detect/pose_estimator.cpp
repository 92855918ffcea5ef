// MoveNet MultiPose on the TF.js graph runner.
// Pre-processing as @vladmandic/human: zero-pad the image to a square (centred), resize it with
// TensorFlow's legacy bilinear resize to the input size, cast to int32. Output [1,6,56]: per person
// 17 x (y, x, score) normalised to the padded square, then ymin, xmin, ymax, xmax, score.
#include "detect/detector.h"
#include "detect/tfjs_detector.h"
#include "detect/tfjs_graph.h"

#include "io/error.h"

#include <algorithm>
#include <filesystem>

namespace hoi::detect {

using torch::Tensor;

struct PoseEstimator::Impl {
    explicit Impl(const std::string& path) : graph(path) {}
    TfjsGraph graph;
    std::string input, output;
    int size = 256;
};

PoseEstimator::PoseEstimator(const std::string& model_json_path) : impl_(std::make_unique<Impl>(model_json_path)) {
    const std::string where = std::filesystem::path(model_json_path).filename().string();
    const auto& g = impl_->graph;
    if (g.inputs().size() != 1 || g.inputs()[0].dtype != torch::kInt || g.inputs()[0].shape.size() != 4 ||
        g.inputs()[0].shape[3] != 3)
        throw_model(where + ": MoveNet expects one int32 [1,H,W,3] input");
    impl_->input = g.inputs()[0].node;
    const auto& shape = g.inputs()[0].shape;
    impl_->size = shape[1] >= 64 ? static_cast<int>(shape[1]) : 256; // dynamic size: MultiPose Lightning uses 256
    const TfjsTensorSpec* out = nullptr;
    for (const auto& o : g.outputs())
        if (o.shape.size() == 3 && o.shape[2] == 56) out = &o;
    if (!out) throw_model(where + ": MoveNet MultiPose needs a [1,N,56] output");
    impl_->output = out->node + ":" + std::to_string(out->output_index);
}

PoseEstimator::~PoseEstimator() = default;
PoseEstimator::PoseEstimator(PoseEstimator&&) noexcept = default;
PoseEstimator& PoseEstimator::operator=(PoseEstimator&&) noexcept = default;

int PoseEstimator::input_width() const { return impl_->size; }
int PoseEstimator::input_height() const { return impl_->size; }
std::string PoseEstimator::checksum() const { return impl_->graph.checksum(); }

std::vector<Pose> PoseEstimator::estimate(const cv::Mat& rgb8, const PoseOptions& opt) const {
    torch::InferenceMode guard;
    Tensor x = image_to_tensor(rgb8); // [1,H,W,3] float
    const int w = rgb8.cols, h = rgb8.rows;
    const int side = std::max(w, h);
    const int pad_left = (side - w) / 2, pad_top = (side - h) / 2;
    // The padded square is read through, never built (a 60000 x 100 panorama would make it 43 GB).
    x = tf_resize_bilinear_padded(x, side, side, pad_top, pad_left, impl_->size, impl_->size, false, false)
            .to(torch::kInt)
            .contiguous();
    const Tensor out = impl_->graph.run({{impl_->input, x}}, {impl_->output})[0].reshape({-1, 56}).contiguous();
    const float* p = out.data_ptr<float>();
    const float S = static_cast<float>(side);
    auto X = [&](float v) { return std::clamp(v * S - static_cast<float>(pad_left), 0.f, static_cast<float>(w)); };
    auto Y = [&](float v) { return std::clamp(v * S - static_cast<float>(pad_top), 0.f, static_cast<float>(h)); };
    std::vector<Pose> poses;
    for (int64_t i = 0; i < out.size(0); ++i) {
        const float* r = p + 56 * i;
        if (!(r[55] > opt.score_threshold)) continue;
        Pose pose;
        for (int k = 0; k < kPoseKeypoints; ++k)
            pose.keypoints[static_cast<size_t>(k)] = {X(r[3 * k + 1]), Y(r[3 * k]), r[3 * k + 2]};
        pose.y1 = Y(r[51]);
        pose.x1 = X(r[52]);
        pose.y2 = Y(r[53]);
        pose.x2 = X(r[54]);
        pose.score = r[55];
        poses.push_back(pose);
    }
    std::stable_sort(poses.begin(), poses.end(), [](const Pose& a, const Pose& b) { return a.score > b.score; });
    return poses;
}

} // namespace hoi::detect
