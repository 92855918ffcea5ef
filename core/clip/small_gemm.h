#pragma once
// y = x · Wᵀ + b for a few rows (prompts of one text, a handful of queries): the product is bound by
// streaming W from memory, which oneDNN and OpenBLAS do at a third of the machine's bandwidth for
// so few rows. This kernel reads every weight row once, on all threads, and computes each output
// with a fixed summation order: the result of a row does not depend on the other rows or on the
// thread count.
#include <cstdint>

namespace hoi::clip {

// Largest row count the kernel is meant for.
constexpr int64_t kSmallGemmMaxRows = 16;

// x [M, K], W [N, K], b [N] or null, y [M, N]; all row-major and contiguous.
void small_gemm(const float* x, int64_t M, int64_t K, const float* W, const float* b, int64_t N, float* y);

} // namespace hoi::clip
