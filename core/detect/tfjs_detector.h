#pragma once
// The built-in detectors and the pose model on the TF.js graph runner (internal; includes torch).
//  - NanoDet (416x416, NCHW RGB/255): 3 levels (strides 8/16/32) of sigmoid class scores [1,n,80]
//    and distribution box regression [1,n,44] = 4 sides (left, top, right, bottom) x 11 bins;
//    distance = softmax expectation x stride from the anchor-point centre ((col+0.5)*stride).
//  - CenterNet (512x512, NHWC RGB 0-255): decoded in the graph to [1,100,6] = x1,y1,x2,y2 (input
//    pixels), score, class (COCO-80).
// Both resize the image to the input size with TensorFlow's legacy bilinear resize (no half-pixel
// centres), as @vladmandic/human does.
#include "detect/detector.h"
#include "detect/tfjs_graph.h"

#include <torch/torch.h>

namespace hoi::detect {

class TfjsDetector : public Detector {
public:
    explicit TfjsDetector(const std::string& model_json);
    std::vector<Detection> detect(const cv::Mat& rgb8, const DetectorOptions& opt = {}) const override;
    std::string checksum() const override { return graph_.checksum(); }
    bool thread_count_invariant() const override { return true; }
    const TfjsGraph& graph() const { return graph_; }

    // The model input for an image (exactly what detect() feeds the graph).
    virtual torch::Tensor preprocess(const cv::Mat& rgb8) const = 0;
    // The graph outputs detect() decodes, in order.
    virtual std::vector<std::string> output_refs() const = 0;
    // Raw outputs (in output_refs order) -> detections in an image of width x height, before NMS
    // and the max count (score threshold applied).
    virtual std::vector<Detection> decode(const std::vector<torch::Tensor>& outputs, int width, int height,
                                          float score_threshold) const = 0;
    std::vector<torch::Tensor> run_raw(const torch::Tensor& input) const;
    // What one forward pass at the input size asks of the machine (TfjsGraph::cost).
    TfjsGraph::Cost cost() const;

protected:
    TfjsGraph graph_;
    std::string input_node_;
};

class NanoDetDetector final : public TfjsDetector {
public:
    explicit NanoDetDetector(const std::string& model_json);
    std::string name() const override { return "nanodet"; }
    int input_width() const override { return size_; }
    int input_height() const override { return size_; }
    torch::Tensor preprocess(const cv::Mat& rgb8) const override;
    std::vector<std::string> output_refs() const override;
    std::vector<Detection> decode(const std::vector<torch::Tensor>& outputs, int width, int height,
                                  float score_threshold) const override;

private:
    struct Level { int grid = 0, stride = 0; std::string scores, boxes; };
    std::vector<Level> levels_;
    int size_ = 416, bins_ = 11;
};

class CenterNetDetector final : public TfjsDetector {
public:
    explicit CenterNetDetector(const std::string& model_json);
    std::string name() const override { return "centernet"; }
    int input_width() const override { return size_; }
    int input_height() const override { return size_; }
    torch::Tensor preprocess(const cv::Mat& rgb8) const override;
    std::vector<std::string> output_refs() const override { return {detections_}; }
    std::vector<Detection> decode(const std::vector<torch::Tensor>& outputs, int width, int height,
                                  float score_threshold) const override;

private:
    std::string detections_;
    int size_ = 512;
};

// MoveNet MultiPose (PoseEstimator's model; pose_estimator.cpp): input [1,S,S,3] int32, the image
// zero-padded to a centred square and resized; output [1,6,56] = per person 17 x (y, x, score)
// normalised to the padded square, then ymin, xmin, ymax, xmax, score.
class MoveNet {
public:
    explicit MoveNet(const std::string& model_json); // throws hoi::Error(Model)
    int input_size() const { return size_; }
    const TfjsGraph& graph() const { return graph_; }
    // The model input for an image (exactly what PoseEstimator::estimate feeds the graph).
    torch::Tensor preprocess(const cv::Mat& rgb8) const;
    // The raw [1,N,56] output.
    torch::Tensor run_raw(const torch::Tensor& input) const;
    // Raw output -> poses in an image of width x height, best score first, above score_threshold.
    std::vector<Pose> decode(const torch::Tensor& output, int width, int height, float score_threshold) const;
    // What one forward pass asks of the machine (TfjsGraph::cost).
    TfjsGraph::Cost cost() const;

private:
    struct Square { int side = 0, top = 0, left = 0; }; // the padded square, and the image's place in it
    static Square square(int width, int height);
    TfjsGraph graph_;
    std::string input_, output_;
    int size_ = 256;
};

// Picks NanoDet or CenterNet decoding from the graph's signature; throws hoi::Error(Model) for
// other graphs.
std::unique_ptr<Detector> make_tfjs_detector(const std::string& model_json);

// CV_8UC3 RGB -> uint8 [1,H,W,3], a view of the image's memory with its row step (valid while rgb8
// is; the resizes read the bytes directly); throws hoi::Error(Input) for an empty or non-8UC3 image.
torch::Tensor image_to_tensor(const cv::Mat& rgb8);

} // namespace hoi::detect
