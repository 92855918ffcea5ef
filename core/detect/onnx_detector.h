#pragma once
// User-supplied YOLO detectors in ONNX, run through OpenCV DNN (internal).
//
// Expected model: one input, NCHW float RGB scaled to 0..1, letterboxed to the input size (default
// 640x640; a manifest's "input": {"width", "height"} overrides it), COCO-80 classes, and one
// output in one of two layouts:
//  - YOLOv5: [1, N, 85] = cx, cy, w, h, objectness, 80 class scores (score = objectness x class)
//  - YOLOv8: [1, 84, N] = cx, cy, w, h, 80 class scores
// (boxes in input pixels). Any other output layout is rejected with hoi::Error(Model).
#include "detect/detector.h"

#include <nlohmann/json.hpp>
#include <opencv2/dnn.hpp>

#include <mutex>

namespace hoi::detect {

class OnnxDetector final : public Detector {
public:
    explicit OnnxDetector(const std::string& onnx_path, const nlohmann::json& manifest = nlohmann::json::object());
    std::vector<Detection> detect(const cv::Mat& rgb8, const DetectorOptions& opt = {}) const override;
    std::string name() const override { return name_; }
    std::string checksum() const override { return checksum_; }
    int input_width() const override { return width_; }
    int input_height() const override { return height_; }

    enum class Layout { YoloV5, YoloV8 };
    // Decodes a raw output (3-D float Mat) in letterboxed input pixels; throws Model for other layouts.
    static std::vector<Detection> decode(const cv::Mat& out, float score_threshold, Layout* layout = nullptr);

private:
    std::string path_, name_, checksum_;
    int width_ = 640, height_ = 640;
    mutable cv::dnn::Net net_;
    mutable std::mutex mutex_; // cv::dnn::Net::forward is not re-entrant
};

} // namespace hoi::detect
