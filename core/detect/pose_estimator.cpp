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

MoveNet::MoveNet(const std::string& model_json_path) : graph_(model_json_path) {
    const std::string where = std::filesystem::path(model_json_path).filename().string();
    if (graph_.inputs().size() != 1 || graph_.inputs()[0].dtype != torch::kInt || graph_.inputs()[0].shape.size() != 4 ||
        graph_.inputs()[0].shape[3] != 3)
        throw_model(where + ": MoveNet expects one int32 [1,H,W,3] input");
    input_ = graph_.inputs()[0].node;
    const auto& shape = graph_.inputs()[0].shape;
    size_ = shape[1] >= 64 ? static_cast<int>(shape[1]) : 256; // dynamic size: MultiPose Lightning uses 256
    const TfjsTensorSpec* out = nullptr;
    for (const auto& o : graph_.outputs())
        if (o.shape.size() == 3 && o.shape[2] == 56) out = &o;
    if (!out) throw_model(where + ": MoveNet MultiPose needs a [1,N,56] output");
    output_ = out->node + ":" + std::to_string(out->output_index);
}

Tensor MoveNet::preprocess(const cv::Mat& rgb8) const {
    const Tensor x = image_to_tensor(rgb8); // [1,H,W,3] uint8, a view of rgb8
    const Square sq = square(rgb8.cols, rgb8.rows);
    // The padded square is read through, never built (a 60000 x 100 panorama would make it 43 GB).
    return tf_resize_bilinear_padded(x, sq.side, sq.side, sq.top, sq.left, size_, size_, false, false)
            .to(torch::kInt)
            .contiguous();
}

Tensor MoveNet::run_raw(const Tensor& input) const { return graph_.run({{input_, input}}, {output_})[0]; }

TfjsGraph::Cost MoveNet::cost() const {
    const cv::Mat probe(size_, size_, CV_8UC3, cv::Scalar(128, 128, 128));
    return graph_.cost({{input_, preprocess(probe)}});
}

std::vector<Pose> MoveNet::decode(const Tensor& output, int width, int height, float score_threshold) const {
    const Tensor out = output.reshape({-1, 56}).contiguous();
    const float* p = out.data_ptr<float>();
    const Square sq = square(width, height);
    const float S = static_cast<float>(sq.side);
    auto X = [&](float v) { return std::clamp(v * S - static_cast<float>(sq.left), 0.f, static_cast<float>(width)); };
    auto Y = [&](float v) { return std::clamp(v * S - static_cast<float>(sq.top), 0.f, static_cast<float>(height)); };
    std::vector<Pose> poses;
    for (int64_t i = 0; i < out.size(0); ++i) {
        const float* r = p + 56 * i;
        if (!(r[55] > score_threshold)) continue;
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

MoveNet::Square MoveNet::square(int width, int height) {
    const int side = std::max(width, height);
    return {side, (side - height) / 2, (side - width) / 2};
}

// ---------------------------------------------------------------------------------------------

struct PoseEstimator::Impl {
    explicit Impl(const std::string& path) : net(path) {}
    MoveNet net;
};

PoseEstimator::PoseEstimator(const std::string& model_json_path) : impl_(std::make_unique<Impl>(model_json_path)) {}

PoseEstimator::~PoseEstimator() = default;
PoseEstimator::PoseEstimator(PoseEstimator&&) noexcept = default;
PoseEstimator& PoseEstimator::operator=(PoseEstimator&&) noexcept = default;

int PoseEstimator::input_width() const { return impl_->net.input_size(); }
int PoseEstimator::input_height() const { return impl_->net.input_size(); }
std::string PoseEstimator::checksum() const { return impl_->net.graph().checksum(); }

std::vector<Pose> PoseEstimator::estimate(const cv::Mat& rgb8, const PoseOptions& opt) const {
    torch::InferenceMode guard;
    const auto& net = impl_->net;
    return net.decode(net.run_raw(net.preprocess(rgb8)), rgb8.cols, rgb8.rows, opt.score_threshold);
}

} // namespace hoi::detect
