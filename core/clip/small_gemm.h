#pragma once
// y = x · Wᵀ + b for a few rows (the tokens of one prompt): the product reads every weight once for
// little arithmetic, so it is bound by memory. This kernel reads every weight row once, on all
// threads, and computes each output with a fixed summation order: the result of a row depends
// neither on the other rows nor on the thread count. Measured on the 2-core machine, the text
// tower's 151 MB of products for one 10-token prompt: 23.5 ms (oneDNN 26-29 ms, OpenBLAS 28-32 ms;
// a plain sum over the same weights 6-7.5 ms).
#include <cstdint>

namespace hoi::clip {

// Largest row count the kernel is meant for.
constexpr int64_t kSmallGemmMaxRows = 16;

// x [M, K], W [N, K], b [N] or null, y [M, N]; all row-major and contiguous.
void small_gemm(const float* x, int64_t M, int64_t K, const float* W, const float* b, int64_t N, float* y);

// The same product with W stored as fp16 (half the bytes to read), packed so the kernel reads one
// 64-byte line per step: [N/4][K/8][4 rows][8 values]. fp16 -> fp32 is exact, so for weights that
// are fp16 values (OpenAI's checkpoints are fp16) the result is bit-identical to small_gemm's.
// Needs the CPU's F16C and AVX2 (small_gemm_f16_supported) and N % 4 == 0, K % 8 == 0.
bool small_gemm_f16_supported();
void small_gemm_f16(const float* x, int64_t M, int64_t K, const uint16_t* Wpacked, const float* b, int64_t N,
                    float* y);

} // namespace hoi::clip

namespace at {
class Tensor;
}

namespace hoi::clip {

// Whether every value of the float32 tensor W is exactly an fp16 value.
bool exactly_f16(const at::Tensor& W);
// W [N, K] float32 -> the packed fp16 layout above (an int16 tensor), or undefined when N % 4 or
// K % 8 is not 0.
at::Tensor pack_f16(const at::Tensor& W);

} // namespace hoi::clip
