// The attention products (see attention_kernel.h): one task per (batch item, head) on ATen's
// OpenMP threads; AVX2 for head widths that are a multiple of 8 (CLIP's are 64), portable C++
// otherwise. Both sum in the same order: dot8's for the logits (see dot8.h); rows added one after
// another, for the values.
#include "clip/attention_kernel.h"

#include "clip/cpu_features.h"
#include "clip/dot8.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <immintrin.h>

#ifndef _OPENMP
#error "attention_kernel.cpp needs OpenMP flags: without them at::parallel_for runs everything on one thread"
#endif

namespace hoi::clip {
namespace {

void axpy_generic(float a, const float* x, float* y, int64_t n) {
    for (int64_t k = 0; k < n; ++k) y[k] = std::fma(a, x[k], y[k]);
}

__attribute__((target("avx2,fma"))) void axpy_avx2(float a, const float* x, float* y, int64_t n) {
    const __m256 av = _mm256_set1_ps(a);
    for (int64_t k = 0; k < n; k += 8)
        _mm256_storeu_ps(y + k, _mm256_fmadd_ps(av, _mm256_loadu_ps(x + k), _mm256_loadu_ps(y + k)));
}

bool use_avx2(int64_t hd) { return hd % 8 == 0 && use_simd(SimdPath::Avx2Fma); }

// (batch item, head) tasks per thread at least: a prompt's attention (8 heads of 10 x 10 x 64,
// about 5 us of work) costs less on the calling thread than waking the others and waiting for the
// slowest (twice a block, 24 times a prompt). Only who computes a task changes, not how.
constexpr int64_t kMinFlopsPerThread = 1 << 20;
int64_t grain(int64_t Q, int64_t T, int64_t hd) {
    return std::max<int64_t>(1, kMinFlopsPerThread / std::max<int64_t>(1, 2 * Q * T * hd));
}

} // namespace

void attention_logits(const float* qkv, int64_t B, int64_t T, int64_t H, int64_t hd, float scale, const float* mask,
                      float* logits, int64_t q0, int64_t q1) {
    const int64_t W = H * hd, row = 3 * W;
    if (q1 < 0) q1 = T;
    const int64_t Q = q1 - q0;
    const bool avx = use_avx2(hd);
    at::parallel_for(0, B * H, grain(Q, T, hd), [&](int64_t begin, int64_t end) {
        for (int64_t bh = begin; bh < end; ++bh) {
            const int64_t b = bh / H, h = bh % H;
            const float* base = qkv + b * T * row + h * hd;
            float* out = logits + bh * Q * T;
            for (int64_t t = q0; t < q1; ++t) {
                const float* q = base + t * row;
                float* o = out + (t - q0) * T;
                for (int64_t s = 0; s < T; ++s) {
                    const float* k = base + s * row + W;
                    const float d = avx ? dot8_avx2(q, k, hd) : dot8(q, k, hd);
                    o[s] = mask ? d * scale + mask[t * T + s] : d * scale;
                }
            }
        }
    });
}

void attention_values(const float* probs, const float* qkv, int64_t B, int64_t T, int64_t H, int64_t hd, float* out,
                      int64_t q0, int64_t q1) {
    const int64_t W = H * hd, row = 3 * W;
    if (q1 < 0) q1 = T;
    const int64_t Q = q1 - q0;
    const bool avx = use_avx2(hd);
    at::parallel_for(0, B * H, grain(Q, T, hd), [&](int64_t begin, int64_t end) {
        for (int64_t bh = begin; bh < end; ++bh) {
            const int64_t b = bh / H, h = bh % H;
            const float* v = qkv + b * T * row + 2 * W + h * hd;
            const float* p = probs + bh * Q * T;
            for (int64_t t = 0; t < Q; ++t) {
                float* o = out + (b * Q + t) * W + h * hd;
                for (int64_t d = 0; d < hd; ++d) o[d] = 0.f;
                for (int64_t s = 0; s < T; ++s) {
                    if (avx) axpy_avx2(p[t * T + s], v + s * row, o, hd);
                    else axpy_generic(p[t * T + s], v + s * row, o, hd);
                }
            }
        }
    });
}

} // namespace hoi::clip
