#pragma once
// The op table of the TF.js graph runner: TensorFlow op -> torch calls (internal).
#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <array>
#include <functional>
#include <string>
#include <tuple>
#include <vector>

namespace hoi::detect::tfjs {

// The most elements a tensor may have when the graph takes its size from data (a shape constant,
// an input signature): 2^28 (1 GiB of float32), far above any detector's tensors. Garbage weights
// or a hostile model file then give an error instead of an allocation of many gigabytes.
constexpr int64_t kMaxElements = int64_t(1) << 28;

// Runs one node: inputs in graph order; `flops` (may be null) accumulates conv/matmul FLOPs.
using Kernel = std::function<std::vector<torch::Tensor>(const std::vector<torch::Tensor>&, double* flops)>;

struct NodeDef {
    const std::string& name;
    const std::string& op;
    const nlohmann::json& attr;
    const std::vector<const torch::Tensor*>& const_inputs; // null where the input is not constant
    const std::string& where;                              // "model.json: node 'x' (Op)" for messages
};

struct Compiled {
    Kernel kernel;
    int num_outputs = 1;
    bool stateful = false; // never constant-folded
};

// Validates the node's attributes and returns its kernel; throws hoi::Error(Model) naming the node
// for an unknown op, an unsupported attribute value or a wrong number of inputs.
Compiled compile(const NodeDef& node);

// The m largest values along the last dimension, descending, and their int64 indices (as
// Tensor::topk; which of equal values at the m-th place is unspecified). tfjs_kernels.cpp.
std::tuple<torch::Tensor, torch::Tensor> largest(const torch::Tensor& x, int64_t m);

// TensorFlow's hard-swish chain, Mul(x, scale) * Relu6(Add(x, shift)), in one pass: each value
// goes through the same four float operations in the same order (the same bits as the four
// nodes; AVX2 where the CPU has it, which does not change them). scale and shift are one-value
// float tensors. tfjs_kernels.cpp.
torch::Tensor hard_swish(const torch::Tensor& x, const torch::Tensor& scale, const torch::Tensor& shift);

// The maximum of a float tensor along one axis that is not its last, and the index of its first
// occurrence (NaN counts as the largest and the first NaN wins, as in ATen's amax / argmax): one
// pass over the rows instead of ATen's strided reduction (MoveNet's ArgMax over 4096 rows of 102
// took half a millisecond). Exact (a selection). keepdim as in amax. tfjs_kernels.cpp.
std::pair<torch::Tensor, torch::Tensor> max_over_axis(const torch::Tensor& x, int64_t axis, bool keepdim);
// Whether max_over_axis takes x along axis (a float tensor, axis before the last, not empty).
bool max_over_axis_applies(const torch::Tensor& x, int64_t axis);

// A depthwise convolution (channel multiplier 1) on NHWC float memory: x [N,H,W,C], filter
// [KH,KW,C], bias [C] or undefined, pads {top, bottom, left, right} (taps outside the input are
// skipped), then act 0 (none), 1 (relu) or 2 (relu6). Each output value is one fused-multiply-add
// chain from 0 over the taps, kh outer and kw inner, plus the bias: the order of oneDNN's depthwise
// kernel, so the same bits as the convolution it replaces (tst_detector compares them), without
// its padded copy before a strided layer and the separate activation pass. AVX2 + FMA where the
// CPU has them (simd.h), else a portable loop with the same bits. tfjs_kernels.cpp.
torch::Tensor depthwise_conv_nhwc(const torch::Tensor& x, const torch::Tensor& w, const torch::Tensor& bias,
                                  std::array<int64_t, 2> stride, std::array<int64_t, 2> dilation,
                                  std::array<int64_t, 4> pads, int act);

// Max pooling on NHWC float memory: x [N,H,W,C], window and stride {h, w}, pads {top, bottom,
// left, right} (cells outside the input are skipped). Each value follows ATen's rule tap by tap
// (from -inf, a larger value or a NaN replaces the maximum), so the same values as
// torch::max_pool2d (exact: a selection), without its pixel-by-pixel channel loop or the -inf
// padded copy an uneven SAME padding needed. AVX2 where the CPU has it. tfjs_kernels.cpp.
torch::Tensor max_pool_nhwc(const torch::Tensor& x, std::array<int64_t, 2> kernel, std::array<int64_t, 2> stride,
                            std::array<int64_t, 4> pads);

// a op b (op '+', '-', '*' or '/') where one operand is a float tensor of at most 64 values that
// repeats along the other's trailing dimensions (a per-channel constant: MoveNet's input
// normalisation) and the other is float, contiguous and of at least 16384 values: one vectorized
// pass instead of ATen's broadcast loop over a last dimension of 3. Each value is the same single
// IEEE operation, so the same bits. Returns an undefined tensor where it does not apply.
// tfjs_kernels.cpp.
torch::Tensor periodic_binary(const torch::Tensor& a, const torch::Tensor& b, char op);

// The ops the table knows.
std::vector<std::string> supported_ops();

} // namespace hoi::detect::tfjs
