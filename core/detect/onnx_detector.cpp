// YOLOv5 / YOLOv8 ONNX exports through OpenCV DNN.
#include "detect/onnx_detector.h"

#include "annotation/coco_classes.h"
#include "io/error.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

namespace hoi::detect {

namespace {

std::string file_checksum(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    uint64_t h = 1469598103934665603ull;
    char buf[1 << 16];
    while (in.read(buf, sizeof buf) || in.gcount() > 0) {
        for (std::streamsize i = 0; i < in.gcount(); ++i) {
            h ^= static_cast<unsigned char>(buf[i]);
            h *= 1099511628211ull;
        }
    }
    char out[17];
    std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(h));
    return out;
}

std::string dims_str(const cv::Mat& m) {
    std::string s = "[";
    for (int i = 0; i < m.dims; ++i) s += (i ? "," : "") + std::to_string(m.size[i]);
    return s + "]";
}

} // namespace

OnnxDetector::OnnxDetector(const std::string& onnx_path, const nlohmann::json& manifest) : path_(onnx_path) {
    namespace fs = std::filesystem;
    if (!fs::exists(onnx_path)) throw_model("ONNX model not found: " + onnx_path);
    name_ = manifest.value("name", fs::path(onnx_path).stem().string());
    if (manifest.contains("input")) {
        width_ = manifest["input"].value("width", width_);
        height_ = manifest["input"].value("height", height_);
        if (width_ <= 0 || height_ <= 0) throw_model(onnx_path + ": manifest input size must be positive");
    }
    try {
        net_ = cv::dnn::readNetFromONNX(onnx_path);
    } catch (const cv::Exception& e) {
        throw_model(onnx_path + ": OpenCV DNN cannot read this ONNX model (" + e.msg + ")");
    }
    if (net_.empty()) throw_model(onnx_path + ": OpenCV DNN read an empty network");
    net_.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    net_.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
    checksum_ = file_checksum(onnx_path);
    // Validate the output layout once on a blank image, so a wrong model fails at load.
    cv::Mat probe(height_, width_, CV_8UC3, cv::Scalar(114, 114, 114));
    std::lock_guard<std::mutex> lock(mutex_);
    cv::Mat blob = cv::dnn::blobFromImage(probe, 1.0 / 255.0, cv::Size(width_, height_), cv::Scalar(), false, false);
    cv::Mat out;
    try {
        net_.setInput(blob);
        out = net_.forward();
    } catch (const cv::Exception& e) {
        throw_model(onnx_path + ": the network fails on a " + std::to_string(width_) + "x" + std::to_string(height_) +
                    " input (" + e.msg + ")");
    }
    try {
        decode(out, 2.f);
    } catch (const Error& e) {
        throw_model(onnx_path + ": " + e.what());
    }
}

std::vector<Detection> OnnxDetector::decode(const cv::Mat& out, float score_threshold, Layout* layout_out) {
    if (out.dims != 3 || out.size[0] != 1 || out.type() != CV_32F)
        throw_model("unsupported output " + dims_str(out) +
                    ": expected YOLOv5 [1,N,85] or YOLOv8 [1,84,N] float32 (COCO-80)");
    const int a = out.size[1], b = out.size[2];
    constexpr int C = annotation::kCocoClasses;
    Layout layout;
    if (a == 4 + C && b != 5 + C) layout = Layout::YoloV8;
    else if (b == 5 + C) layout = Layout::YoloV5;
    else
        throw_model("unsupported output layout " + dims_str(out) +
                    ": expected YOLOv5 [1,N,85] (cx,cy,w,h,objectness,80 classes) or YOLOv8 [1,84,N] "
                    "(cx,cy,w,h,80 classes)");
    if (layout_out) *layout_out = layout;
    const float* p = reinterpret_cast<const float*>(out.data);
    const int n = layout == Layout::YoloV8 ? b : a;
    auto at = [&](int row, int field) {
        return layout == Layout::YoloV8 ? p[static_cast<size_t>(field) * static_cast<size_t>(n) + static_cast<size_t>(row)]
                                        : p[static_cast<size_t>(row) * (5 + C) + static_cast<size_t>(field)];
    };
    std::vector<Detection> dets;
    for (int i = 0; i < n; ++i) {
        const int first = layout == Layout::YoloV8 ? 4 : 5;
        const float obj = layout == Layout::YoloV8 ? 1.f : at(i, 4);
        int best = 0;
        float best_score = -1;
        for (int c = 0; c < C; ++c) {
            const float s = at(i, first + c);
            if (s > best_score) { best_score = s; best = c; }
        }
        const float score = obj * best_score;
        if (!(score > score_threshold)) continue;
        const float cx = at(i, 0), cy = at(i, 1), w = at(i, 2), h = at(i, 3);
        Detection d;
        d.x1 = cx - w / 2;
        d.y1 = cy - h / 2;
        d.x2 = cx + w / 2;
        d.y2 = cy + h / 2;
        d.class_id = best;
        d.label = std::string(annotation::coco80_names()[static_cast<size_t>(best)]);
        d.score = score;
        dets.push_back(d);
    }
    return dets;
}

std::vector<Detection> OnnxDetector::detect(const cv::Mat& rgb8, const DetectorOptions& opt) const {
    if (rgb8.empty()) throw_input("empty image");
    if (rgb8.type() != CV_8UC3) throw_input("expected an 8-bit 3-channel RGB image (CV_8UC3)");
    // Letterbox: keep the aspect ratio, pad with grey (114) to the input size, centred.
    const double r = std::min(static_cast<double>(width_) / rgb8.cols, static_cast<double>(height_) / rgb8.rows);
    const int nw = std::max(1, static_cast<int>(std::lround(rgb8.cols * r)));
    const int nh = std::max(1, static_cast<int>(std::lround(rgb8.rows * r)));
    const int px = (width_ - nw) / 2, py = (height_ - nh) / 2;
    cv::Mat resized, boxed(height_, width_, CV_8UC3, cv::Scalar(114, 114, 114));
    cv::resize(rgb8, resized, cv::Size(nw, nh), 0, 0, cv::INTER_LINEAR);
    resized.copyTo(boxed(cv::Rect(px, py, nw, nh)));
    cv::Mat blob = cv::dnn::blobFromImage(boxed, 1.0 / 255.0, cv::Size(width_, height_), cv::Scalar(), false, false);
    cv::Mat out;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        net_.setInput(blob);
        out = net_.forward().clone();
    }
    auto dets = decode(out, opt.score_threshold);
    for (auto& d : dets) {
        d.x1 = std::clamp(static_cast<float>((d.x1 - px) / r), 0.f, static_cast<float>(rgb8.cols));
        d.x2 = std::clamp(static_cast<float>((d.x2 - px) / r), 0.f, static_cast<float>(rgb8.cols));
        d.y1 = std::clamp(static_cast<float>((d.y1 - py) / r), 0.f, static_cast<float>(rgb8.rows));
        d.y2 = std::clamp(static_cast<float>((d.y2 - py) / r), 0.f, static_cast<float>(rgb8.rows));
    }
    // Boxes entirely in the letterbox bands have nothing left inside the image.
    dets.erase(std::remove_if(dets.begin(), dets.end(), [](const Detection& d) { return d.x2 <= d.x1 || d.y2 <= d.y1; }),
               dets.end());
    return nms_classwise(std::move(dets), opt.nms_iou, opt.max_detections);
}

} // namespace hoi::detect
