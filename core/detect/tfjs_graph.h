#pragma once
// A TF.js graph-model runner on LibTorch (internal to core/detect; includes torch).
//
// Loads model.json (modelTopology = a TensorFlow GraphDef in JSON, weightsManifest = the layout
// of the .bin shards), dequantises the weights (float16, uint8/uint16 min+scale) and executes the
// GraphDef nodes in topological order through an op table that maps each TensorFlow op to torch
// calls with TensorFlow's semantics (NHWC convolutions run as NCHW views with channels-last
// memory, SAME padding is TensorFlow's asymmetric padding, resizes follow TensorFlow's
// align_corners / half_pixel_centers rules). Everything is validated at load time: an unknown op,
// an unsupported attribute value, a missing or mis-shaped weight, a truncated .bin all throw
// hoi::Error(Model) naming the node or the weight.
#include <torch/torch.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace hoi::detect {

struct TfjsTensorSpec {
    std::string name;              // signature key (e.g. "input_1:0")
    std::string node;              // node name ("input_1")
    int output_index = 0;          // ":k"
    torch::ScalarType dtype = torch::kFloat;
    std::vector<int64_t> shape;    // -1 = dynamic
};

class TfjsGraph {
public:
    // Loads model.json and its weight files (paths relative to the json's folder).
    explicit TfjsGraph(const std::string& model_json_path);
    ~TfjsGraph();

    // Runs the graph: inputs by Placeholder node name, outputs as "node" or "node:k".
    // Throws hoi::Error(Input) for missing inputs or a wrong dtype/shape.
    std::vector<torch::Tensor> run(const std::map<std::string, torch::Tensor>& inputs,
                                   const std::vector<std::string>& outputs) const;

    const std::vector<TfjsTensorSpec>& inputs() const { return inputs_; }
    const std::vector<TfjsTensorSpec>& outputs() const { return outputs_; }
    // The ops used by the graph, with their counts.
    std::map<std::string, int> op_counts() const;
    // 64-bit FNV-1a of the weight bytes, hex.
    const std::string& checksum() const { return checksum_; }
    const std::string& path() const { return path_; }

    // What one forward pass asks of the machine, counted node by node from the actual shapes (runs
    // the graph once): multiply-accumulate FLOPs (2 per MAC) of the conv / matmul nodes, and the
    // bytes each node reads and writes (its inputs, weights included, and its outputs; a node whose
    // output is a view of its input moves nothing).
    struct Cost {
        double flops = 0, bytes = 0;
        std::vector<std::pair<double, double>> nodes; // per node run: flops, bytes
        // The sum of the nodes' floors, each the longer of its FLOPs at gflops and its bytes at gbps
        // (a roofline per node: a depthwise convolution or an Add waits on memory, a wide 1x1
        // convolution on arithmetic).
        double floor_ms(double gflops, double gbps) const;
    };
    // outputs as for run(); none: the signature's outputs.
    Cost cost(const std::map<std::string, torch::Tensor>& inputs, std::vector<std::string> outputs = {}) const;

    struct Node;
    using Values = std::vector<std::vector<torch::Tensor>>;

private:
    std::string path_;
    std::string checksum_;
    std::vector<std::unique_ptr<Node>> nodes_;      // topological order
    std::map<std::string, int> index_;             // node name -> position in nodes_
    std::vector<TfjsTensorSpec> inputs_, outputs_;
    std::vector<std::vector<torch::Tensor>> constants_; // per node; non-empty for constants

    std::vector<torch::Tensor> execute(const std::map<std::string, torch::Tensor>& inputs,
                                       const std::vector<std::string>& outputs, Cost* cost) const;
};

// TensorFlow's image resizes on an NHWC float tensor (exact TF / TF.js CPU semantics). The bilinear
// ones also read uint8 images directly (the same values as converting them to float first) and
// return float.
torch::Tensor tf_resize_bilinear(const torch::Tensor& nhwc, int64_t out_h, int64_t out_w,
                                 bool align_corners, bool half_pixel_centers);
// The bilinear resize of the image placed at (top, left) on a zero canvas of canvas_h x canvas_w
// (e.g. padded to a square), without building the canvas: memory follows the output, not the canvas.
torch::Tensor tf_resize_bilinear_padded(const torch::Tensor& nhwc, int64_t canvas_h, int64_t canvas_w, int64_t top,
                                        int64_t left, int64_t out_h, int64_t out_w, bool align_corners,
                                        bool half_pixel_centers);
// tf_resize_bilinear(nhwc, ...) / divisor as a contiguous NCHW tensor, in one pass (the same bits).
torch::Tensor tf_resize_bilinear_nchw(const torch::Tensor& nhwc, int64_t out_h, int64_t out_w, bool align_corners,
                                      bool half_pixel_centers, float divisor);
torch::Tensor tf_resize_nearest(const torch::Tensor& nhwc, int64_t out_h, int64_t out_w,
                                bool align_corners, bool half_pixel_centers);

} // namespace hoi::detect
