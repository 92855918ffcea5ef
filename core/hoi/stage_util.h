#pragma once
// Small helpers the engine's stages (image_stage, pair_stage, text_encoder, pair_classifier,
// explainer) share: stage timing, a tensor's values as floats, and the float formatting used in
// cache keys and messages. Internal header (torch).
#include <ATen/core/Tensor.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

namespace hoi::model {

using StageClock = std::chrono::steady_clock;
// Milliseconds since t (StageTiming::ms).
inline double ms_since(StageClock::time_point t) {
    return std::chrono::duration<double, std::milli>(StageClock::now() - t).count();
}

// The tensor's values, row-major, as float32.
std::vector<float> to_vec(const at::Tensor& t);

// "%.6g": option values in cache keys and messages.
inline std::string fmt_float(float v) {
    char b[32];
    std::snprintf(b, sizeof b, "%.6g", static_cast<double>(v));
    return b;
}

} // namespace hoi::model
