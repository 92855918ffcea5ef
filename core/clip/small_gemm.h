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

} // namespace hoi::clip
