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

// Eight keys' logits for one query: each key's dot product in dot8's order (8 lanes over k, the
// lanes reduced as ((p0+p1)+(p2+p3)) + ((p4+p5)+(p6+p7)): two horizontal adds and the two halves
// added), then * scale and + mask as the scalar code does (this file is built without implicit
// fma contraction). q is read once for the eight keys and their eight chains run side by side,
// where dot8_avx2 waits on one chain per key.
__attribute__((target("avx2,fma"))) void logits8_avx2(const float* q, const float* k0, int64_t kstride, int64_t hd,
                                                     float scale, const float* mask, float* out) {
    __m256 a[8];
#pragma GCC unroll 8
    for (int j = 0; j < 8; ++j) a[j] = _mm256_setzero_ps();
    for (int64_t d = 0; d < hd; d += 8) {
        const __m256 qv = _mm256_loadu_ps(q + d);
#pragma GCC unroll 8
        for (int j = 0; j < 8; ++j) a[j] = _mm256_fmadd_ps(_mm256_loadu_ps(k0 + j * kstride + d), qv, a[j]);
    }
    const __m256 g0 = _mm256_hadd_ps(_mm256_hadd_ps(a[0], a[1]), _mm256_hadd_ps(a[2], a[3]));
    const __m256 g1 = _mm256_hadd_ps(_mm256_hadd_ps(a[4], a[5]), _mm256_hadd_ps(a[6], a[7]));
    // Lane j of g0 (j < 4) is key j's first half sum, lane j + 4 its second; g1 for keys 4-7.
    const __m256 sums = _mm256_add_ps(_mm256_permute2f128_ps(g0, g1, 0x20), _mm256_permute2f128_ps(g0, g1, 0x31));
    __m256 v = _mm256_mul_ps(sums, _mm256_set1_ps(scale));
    if (mask) v = _mm256_add_ps(v, _mm256_loadu_ps(mask));
    _mm256_storeu_ps(out, v);
}

// Columns [c0, c0 + 8 CH) of one query's attention output, o[d] = sum over s of p[s] v[s][d] as
// fma(p[s], v[s][d], o[d]) for s in order from 0 (axpy's chain), the running sums in registers.
template <int CH>
__attribute__((target("avx2,fma"))) inline void values_cols(const float* p, const float* v, int64_t vstride, int64_t T,
                                                           int64_t c0, float* o) {
    __m256 acc[CH];
#pragma GCC unroll 8
    for (int c = 0; c < CH; ++c) acc[c] = _mm256_setzero_ps();
    for (int64_t s = 0; s < T; ++s) {
        const __m256 ps = _mm256_set1_ps(p[s]);
        const float* vs = v + s * vstride + c0;
#pragma GCC unroll 8
        for (int c = 0; c < CH; ++c) acc[c] = _mm256_fmadd_ps(ps, _mm256_loadu_ps(vs + 8 * c), acc[c]);
    }
#pragma GCC unroll 8
    for (int c = 0; c < CH; ++c) _mm256_storeu_ps(o + c0 + 8 * c, acc[c]);
}

// One query's attention output (hd a multiple of 8), 64 columns at a time, then 8.
__attribute__((target("avx2,fma"))) void values_avx2(const float* p, const float* v, int64_t vstride, int64_t T,
                                                    int64_t hd, float* o) {
    int64_t c0 = 0;
    for (; c0 + 64 <= hd; c0 += 64) values_cols<8>(p, v, vstride, T, c0, o);
    for (; c0 < hd; c0 += 8) values_cols<1>(p, v, vstride, T, c0, o);
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
                      float* logits, int64_t q0, int64_t q1, int64_t h0, int64_t h1) {
    const int64_t W = H * hd, row = 3 * W;
    if (q1 < 0) q1 = T;
    if (h1 < 0) h1 = H;
    const int64_t Q = q1 - q0, Hs = h1 - h0;
    const bool avx = use_avx2(hd);
    at::parallel_for(0, B * Hs, grain(Q, T, hd), [&](int64_t begin, int64_t end) {
        for (int64_t bh = begin; bh < end; ++bh) {
            const int64_t b = bh / Hs, h = h0 + bh % Hs;
            const float* base = qkv + b * T * row + h * hd;
            float* out = logits + bh * Q * T;
            for (int64_t t = q0; t < q1; ++t) {
                const float* q = base + t * row;
                float* o = out + (t - q0) * T;
                int64_t s = 0;
                if (avx)
                    for (; s + 8 <= T; s += 8)
                        logits8_avx2(q, base + s * row + W, row, hd, scale, mask ? mask + t * T + s : nullptr, o + s);
                for (; s < T; ++s) {
                    const float* k = base + s * row + W;
                    const float d = avx ? dot8_avx2(q, k, hd) : dot8(q, k, hd);
                    o[s] = mask ? d * scale + mask[t * T + s] : d * scale;
                }
            }
        }
    });
}

void attention_values(const float* probs, const float* qkv, int64_t B, int64_t T, int64_t H, int64_t hd, float* out,
                      int64_t q0, int64_t q1, int64_t h0, int64_t h1) {
    const int64_t W = H * hd, row = 3 * W;
    if (q1 < 0) q1 = T;
    if (h1 < 0) h1 = H;
    const int64_t Q = q1 - q0, Hs = h1 - h0;
    const bool avx = use_avx2(hd);
    at::parallel_for(0, B * Hs, grain(Q, T, hd), [&](int64_t begin, int64_t end) {
        for (int64_t bh = begin; bh < end; ++bh) {
            const int64_t b = bh / Hs, h = h0 + bh % Hs;
            const float* v = qkv + b * T * row + 2 * W + h * hd;
            const float* p = probs + bh * Q * T;
            for (int64_t t = 0; t < Q; ++t) {
                float* o = out + (b * Q + t) * W + h * hd;
                if (avx) {
                    values_avx2(p + t * T, v, row, T, hd, o);
                    continue;
                }
                for (int64_t d = 0; d < hd; ++d) o[d] = 0.f;
                for (int64_t s = 0; s < T; ++s) axpy_generic(p[t * T + s], v + s * row, o, hd);
            }
        }
    });
}

} // namespace hoi::clip
