// NanoDet and CenterNet on the TF.js graph runner.
#include "detect/tfjs_detector.h"

#include "annotation/coco_classes.h"
#include "io/error.h"

#include <cmath>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

namespace hoi::detect {

using torch::Tensor;

torch::Tensor image_to_tensor(const cv::Mat& rgb8) {
    if (rgb8.empty()) throw_input("empty image");
    if (rgb8.type() != CV_8UC3) throw_input("expected an 8-bit 3-channel RGB image (CV_8UC3), got type " +
                                            std::to_string(rgb8.type()));
    // Rows may be padded (a region of a larger image): the view keeps the row step, and the resizes
    // make it contiguous only if they need to.
    const int64_t step = static_cast<int64_t>(rgb8.step[0]);
    return torch::from_blob(rgb8.data, {1, rgb8.rows, rgb8.cols, 3}, {rgb8.rows * step, step, 3, 1}, torch::kUInt8);
}

namespace {

Detection make_detection(float x1, float y1, float x2, float y2, int cls, float score, int width, int height) {
    Detection d;
    d.x1 = std::clamp(x1, 0.f, static_cast<float>(width));
    d.y1 = std::clamp(y1, 0.f, static_cast<float>(height));
    d.x2 = std::clamp(x2, 0.f, static_cast<float>(width));
    d.y2 = std::clamp(y2, 0.f, static_cast<float>(height));
    d.class_id = cls;
    d.label = std::string(annotation::coco80_names()[static_cast<size_t>(cls)]);
    d.score = score;
    return d;
}

const TfjsTensorSpec* find_output(const TfjsGraph& g, const std::function<bool(const TfjsTensorSpec&)>& pred) {
    for (const auto& o : g.outputs())
        if (pred(o)) return &o;
    return nullptr;
}

std::string ref(const TfjsTensorSpec& s) { return s.node + ":" + std::to_string(s.output_index); }

} // namespace

// ---------------------------------------------------------------------------------------------

TfjsDetector::TfjsDetector(const std::string& model_json) : graph_(model_json) {
    const std::string where = std::filesystem::path(model_json).filename().string();
    if (graph_.inputs().size() != 1)
        throw_model(where + ": expected one input, the graph has " + std::to_string(graph_.inputs().size()));
    input_node_ = graph_.inputs()[0].node;
}

std::vector<Tensor> TfjsDetector::run_raw(const Tensor& input) const {
    return graph_.run({{input_node_, input}}, output_refs());
}

TfjsGraph::Cost TfjsDetector::cost() const {
    cv::Mat probe(input_height(), input_width(), CV_8UC3, cv::Scalar(128, 128, 128));
    return graph_.cost({{input_node_, preprocess(probe)}});
}

std::vector<Detection> TfjsDetector::detect(const cv::Mat& rgb8, const DetectorOptions& opt) const {
    torch::InferenceMode guard;
    const Tensor input = preprocess(rgb8);
    auto outputs = run_raw(input);
    auto dets = decode(outputs, rgb8.cols, rgb8.rows, opt.score_threshold);
    return nms_classwise(std::move(dets), opt.nms_iou, opt.max_detections);
}

// ---------------------------------------------------------------------------------------------

NanoDetDetector::NanoDetDetector(const std::string& model_json) : TfjsDetector(model_json) {
    const std::string where = std::filesystem::path(model_json).filename().string();
    const auto& in = graph_.inputs()[0];
    if (in.shape.size() != 4 || in.shape[1] != 3 || in.shape[2] <= 0 || in.shape[2] != in.shape[3])
        throw_model(where + ": NanoDet expects a [1,3,S,S] input");
    size_ = static_cast<int>(in.shape[2]);
    for (int stride : {8, 16, 32}) {
        const int grid = size_ / stride;
        const int64_t n = static_cast<int64_t>(grid) * grid;
        const auto* s = find_output(graph_, [&](const TfjsTensorSpec& o) {
            return o.shape.size() == 3 && o.shape[1] == n && o.shape[2] == annotation::kCocoClasses;
        });
        const auto* b = find_output(graph_, [&](const TfjsTensorSpec& o) {
            return o.shape.size() == 3 && o.shape[1] == n && o.shape[2] % 4 == 0 && o.shape[2] != annotation::kCocoClasses;
        });
        if (!s || !b)
            throw_model(where + ": NanoDet needs class scores [1," + std::to_string(n) + ",80] and box distributions [1," +
                        std::to_string(n) + ",4*bins] for stride " + std::to_string(stride));
        bins_ = static_cast<int>(b->shape[2] / 4);
        levels_.push_back({grid, stride, ref(*s), ref(*b)});
    }
}

Tensor NanoDetDetector::preprocess(const cv::Mat& rgb8) const {
    return tf_resize_bilinear_nchw(image_to_tensor(rgb8), size_, size_, false, false, 255.0f);
}

std::vector<std::string> NanoDetDetector::output_refs() const {
    std::vector<std::string> r;
    for (const auto& l : levels_) {
        r.push_back(l.scores);
        r.push_back(l.boxes);
    }
    return r;
}

std::vector<Detection> NanoDetDetector::decode(const std::vector<Tensor>& outputs, int width, int height,
                                               float score_threshold) const {
    std::vector<Detection> dets;
    const float sx = static_cast<float>(width) / static_cast<float>(size_);
    const float sy = static_cast<float>(height) / static_cast<float>(size_);
    const Tensor bins = torch::arange(bins_, torch::kFloat);
    for (size_t l = 0; l < levels_.size(); ++l) {
        const auto& level = levels_[l];
        const Tensor scores = outputs.at(2 * l).reshape({-1, annotation::kCocoClasses});
        const Tensor boxes = outputs.at(2 * l + 1).reshape({-1, 4, bins_});
        const Tensor nz = (scores > score_threshold).nonzero();
        if (nz.size(0) == 0) continue;
        const Tensor cell = nz.select(1, 0), cls = nz.select(1, 1);
        const Tensor dist = (torch::softmax(boxes.index_select(0, cell), -1) * bins).sum(-1) * level.stride;
        const Tensor sel = scores.index({cell, cls}).contiguous();
        const Tensor d = dist.contiguous();
        const Tensor c = cell.contiguous(), k = cls.contiguous();
        const float* dp = d.data_ptr<float>();
        const float* sp = sel.data_ptr<float>();
        const int64_t* cp = c.data_ptr<int64_t>();
        const int64_t* kp = k.data_ptr<int64_t>();
        for (int64_t i = 0; i < nz.size(0); ++i) {
            const float cx = (static_cast<float>(cp[i] % level.grid) + 0.5f) * static_cast<float>(level.stride);
            const float cy = (static_cast<float>(cp[i] / level.grid) + 0.5f) * static_cast<float>(level.stride);
            const float* di = dp + 4 * i;
            dets.push_back(make_detection((cx - di[0]) * sx, (cy - di[1]) * sy, (cx + di[2]) * sx, (cy + di[3]) * sy,
                                          static_cast<int>(kp[i]), sp[i], width, height));
        }
    }
    return dets;
}

// ---------------------------------------------------------------------------------------------

CenterNetDetector::CenterNetDetector(const std::string& model_json) : TfjsDetector(model_json) {
    const std::string where = std::filesystem::path(model_json).filename().string();
    const auto& in = graph_.inputs()[0];
    if (in.shape.size() != 4 || in.shape[3] != 3 || in.shape[1] <= 0 || in.shape[1] != in.shape[2])
        throw_model(where + ": CenterNet expects a [1,S,S,3] input");
    size_ = static_cast<int>(in.shape[1]);
    const auto* d = find_output(graph_, [](const TfjsTensorSpec& o) { return o.shape.size() == 3 && o.shape[2] == 6; });
    if (!d) throw_model(where + ": CenterNet needs a [1,N,6] detections output (x1,y1,x2,y2,score,class)");
    detections_ = ref(*d);
}

Tensor CenterNetDetector::preprocess(const cv::Mat& rgb8) const {
    return tf_resize_bilinear(image_to_tensor(rgb8), size_, size_, false, false).contiguous();
}

std::vector<Detection> CenterNetDetector::decode(const std::vector<Tensor>& outputs, int width, int height,
                                                 float score_threshold) const {
    const Tensor d = outputs.at(0).reshape({-1, 6}).contiguous();
    const float sx = static_cast<float>(width) / static_cast<float>(size_);
    const float sy = static_cast<float>(height) / static_cast<float>(size_);
    std::vector<Detection> dets;
    const float* p = d.data_ptr<float>();
    for (int64_t i = 0; i < d.size(0); ++i) {
        const float* r = p + 6 * i;
        if (!(r[4] > score_threshold)) continue;
        const int cls = static_cast<int>(std::lround(r[5]));
        if (cls < 0 || cls >= annotation::kCocoClasses) continue;
        dets.push_back(make_detection(r[0] * sx, r[1] * sy, r[2] * sx, r[3] * sy, cls, r[4], width, height));
    }
    return dets;
}

// ---------------------------------------------------------------------------------------------

std::unique_ptr<Detector> make_tfjs_detector(const std::string& model_json) {
    // Choose the decoding from the signature's output shapes (without loading the weights twice).
    const std::string where = std::filesystem::path(model_json).filename().string();
    std::ifstream in(model_json);
    if (!in) throw_model("model file not found: " + model_json);
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
        throw_model(model_json + ": not valid JSON (" + e.what() + ")");
    }
    bool has_six = false, has_scores = false;
    if (j.contains("signature") && j["signature"].contains("outputs"))
        for (const auto& o : j["signature"]["outputs"]) {
            std::vector<int64_t> shape;
            if (o.contains("tensorShape") && o["tensorShape"].contains("dim"))
                for (const auto& d : o["tensorShape"]["dim"]) shape.push_back(std::stoll(d.value("size", "0")));
            if (shape.size() == 3 && shape[2] == 6) has_six = true;
            if (shape.size() == 3 && shape[2] == annotation::kCocoClasses) has_scores = true;
        }
    if (has_six) return std::make_unique<CenterNetDetector>(model_json);
    if (has_scores) return std::make_unique<NanoDetDetector>(model_json);
    throw_model(where + ": a TF.js graph whose signature outputs match neither NanoDet ([1,n,80] + [1,n,44]) nor "
                        "CenterNet ([1,N,6]) decoding");
}

} // namespace hoi::detect
