#pragma once
// y = x · Wᵀ + b for up to a few hundred rows (the tokens of one prompt, the 50 tokens of a
// ViT-B/32 image): every block of four weight rows is read once, on all threads, and meets every
// x row while it is in cache. Each output has a fixed summation order: the result of a row depends
// neither on the other rows nor on the thread count. Measured on the 2-core machine:
//   - one 10-token prompt, the text tower's 151 MB of products: 10-11 ms (oneDNN 26-29 ms,
//     OpenBLAS 28-32 ms; a plain sum over the same weights 6-8 ms): bound by memory;
//   - 50 rows, the ViT-B/32 image tower's products: 131-135 GFLOP/s (oneDNN 90-94).
// Beyond kSmallGemmMaxRows rows oneDNN's blocked kernels win.
#include <cstdint>

namespace hoi::clip {

// Largest row count the kernel is used for (it stays ahead of oneDNN up to about 400 rows).
constexpr int64_t kSmallGemmMaxRows = 256;

// x [M, K], W [N, K], b [N] or null, y [M, N]; all row-major and contiguous.
void small_gemm(const float* x, int64_t M, int64_t K, const float* W, const float* b, int64_t N, float* y);

} // namespace hoi::clip
