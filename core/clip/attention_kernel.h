#pragma once
// Multi-head self-attention products for inference, straight from the in_proj output: no q/k/v
// copies, no per-head matrix products. ATen's bmm on CLIP's small per-head matrices (50 x 64 for a
// ViT-B/32 image, 10 x 64 for a prompt) runs one single-threaded BLAS call per head after a
// select: 12-14 ms of a 72 ms image pass. These two kernels do the same products in 1-2 ms.
//
// Layouts: qkv [B, T, 3W] row-major (q | k | v; head h is columns [h*hd, (h+1)*hd) of each third,
// W = H * hd), as the in_proj product gives it. Each output has a fixed summation order, the same
// whatever the thread count and batch size.
#include <cstdint>

namespace hoi::clip {

// Query rows [q0, q1) (q1 < 0: T) of each item attend to all T keys; Q = q1 - q0; heads [h0, h1)
// (h1 < 0: H) of the H, Hs = h1 - h0. A row's (a head's) result is the same to the bit whichever
// rows (heads) are computed with it.

// logits [B*Hs, Q, T] = scale * q k^T (+ mask [T, T], additive, when not null).
void attention_logits(const float* qkv, int64_t B, int64_t T, int64_t H, int64_t hd, float scale, const float* mask,
                      float* logits, int64_t q0 = 0, int64_t q1 = -1, int64_t h0 = 0, int64_t h1 = -1);

// out [B, Q, W] = probs [B*Hs, Q, T] x v, each head written into its columns (the others' untouched).
void attention_values(const float* probs, const float* qkv, int64_t B, int64_t T, int64_t H, int64_t hd, float* out,
                      int64_t q0 = 0, int64_t q1 = -1, int64_t h0 = 0, int64_t h1 = -1);

} // namespace hoi::clip
