// The row product kernel: AVX2/FMA when the CPU has it (checked at run time), portable C++
// otherwise. Both sum each output in the same order (dot8.h), then add the bias.
#include "clip/small_gemm.h"

#include "clip/dot8.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <immintrin.h>

#ifndef _OPENMP
#error "small_gemm.cpp needs OpenMP flags: without them at::parallel_for runs everything on one thread"
#endif

namespace hoi::clip {
namespace {

constexpr int64_t kRowsPerBlock = 4; // weight rows per task step

void rows_generic(const float* x, int64_t M, int64_t K, const float* W, const float* b, int64_t n0, int64_t n1,
                  int64_t N, float* y) {
    for (int64_t n = n0; n < n1; ++n) {
        const float* w = W + n * K;
        for (int64_t m = 0; m < M; ++m) {
            const float s = dot8(x + m * K, w, K);
            y[m * N + n] = b ? s + b[n] : s;
        }
    }
}

// MR x rows (1..3) against four weight rows over k in [0, K8): 4*MR accumulators in registers.
// Nothing is chunked over k: a block of four weight rows (8-48 KB) stays in L1/L2 while all x rows
// pass over it, and x (at most 256 rows) stays in L2. Measured against k chunks of 128-1024 this is
// the fastest on CLIP's shapes (131-135 GFLOP/s with 50 rows on the 2-core machine).
// With Prefetch, the first pass over a block also asks for the block kPrefetchBlocks ahead (one
// line of each of its rows every 16 k): the hardware prefetcher alone streams the weights at about
// 13 GB/s here, this reaches 15-16 (one prompt 12-13 -> 10-10.5 ms).
constexpr int64_t kPrefetchBlocks = 3;

template <int MR, bool Prefetch>
__attribute__((target("avx2,fma"))) inline void tile(const float* x, int64_t K, int64_t K8, const float* const* w,
                                                     __m256* out) {
    __m256 a[MR][4];
#pragma GCC unroll 3
    for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
        for (int j = 0; j < 4; ++j) a[r][j] = _mm256_setzero_ps();
    for (int64_t k = 0; k < K8; k += 8) {
        if (Prefetch && (k & 15) == 0)
            for (int j = 0; j < 4; ++j)
                _mm_prefetch(reinterpret_cast<const char*>(w[j] + kPrefetchBlocks * kRowsPerBlock * K + k), _MM_HINT_T0);
        const __m256 v0 = _mm256_loadu_ps(w[0] + k), v1 = _mm256_loadu_ps(w[1] + k);
        const __m256 v2 = _mm256_loadu_ps(w[2] + k), v3 = _mm256_loadu_ps(w[3] + k);
#pragma GCC unroll 3
        for (int r = 0; r < MR; ++r) {
            const __m256 x8 = _mm256_loadu_ps(x + r * K + k);
            a[r][0] = _mm256_fmadd_ps(x8, v0, a[r][0]);
            a[r][1] = _mm256_fmadd_ps(x8, v1, a[r][1]);
            a[r][2] = _mm256_fmadd_ps(x8, v2, a[r][2]);
            a[r][3] = _mm256_fmadd_ps(x8, v3, a[r][3]);
        }
    }
#pragma GCC unroll 3
    for (int r = 0; r < MR; ++r) {
        // Four outputs' partial sums reduced at once: lane j of the result is reduce8 of a[r][j].
        const __m256 h = _mm256_hadd_ps(_mm256_hadd_ps(a[r][0], a[r][1]), _mm256_hadd_ps(a[r][2], a[r][3]));
        out[r] = h;
    }
}

// tile<mr> for mr = 1..3 rows.
template <bool Prefetch>
__attribute__((target("avx2,fma"))) inline void tiles(int64_t mr, const float* x, int64_t K, int64_t K8,
                                                      const float* const* w, __m256* out) {
    switch (mr) {
    case 3: tile<3, Prefetch>(x, K, K8, w, out); break;
    case 2: tile<2, Prefetch>(x, K, K8, w, out); break;
    default: tile<1, Prefetch>(x, K, K8, w, out); break;
    }
}

// Four weight rows at a time against every x row.
__attribute__((target("avx2,fma"))) void rows_avx2(const float* x, int64_t M, int64_t K, const float* W,
                                                   const float* b, int64_t n0, int64_t n1, int64_t N, float* y) {
    const int64_t K8 = K / 8 * 8;
    __m256 h[3];
    int64_t n = n0;
    for (; n + kRowsPerBlock <= n1; n += kRowsPerBlock) {
        const float* w[4] = {W + n * K, W + (n + 1) * K, W + (n + 2) * K, W + (n + 3) * K};
        for (int64_t m = 0; m < M; m += 3) {
            const int64_t mr = std::min<int64_t>(3, M - m);
            if (m == 0) tiles<true>(mr, x, K, K8, w, h); // the first pass prefetches
            else tiles<false>(mr, x + m * K, K, K8, w, h);
            for (int64_t r = 0; r < mr; ++r) {
                alignas(16) float s[4];
                _mm_store_ps(s, _mm_add_ps(_mm256_castps256_ps128(h[r]), _mm256_extractf128_ps(h[r], 1)));
                const float* xm = x + (m + r) * K;
                float* ym = y + (m + r) * N + n;
                for (int j = 0; j < 4; ++j) {
                    for (int64_t k = K8; k < K; ++k) s[j] = std::fma(xm[k], w[j][k], s[j]);
                    ym[j] = b ? s[j] + b[n + j] : s[j];
                }
            }
        }
    }
    if (n < n1) rows_generic(x, M, K, W, b, n, n1, N, y);
}

bool has_avx2_fma() {
    static const bool yes = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    return yes;
}

} // namespace

void small_gemm(const float* x, int64_t M, int64_t K, const float* W, const float* b, int64_t N, float* y) {
    const bool avx = has_avx2_fma();
    // Tasks of whole 4-row blocks; enough of them that every thread streams its share of W.
    const int64_t blocks = (N + kRowsPerBlock - 1) / kRowsPerBlock;
    at::parallel_for(0, blocks, 16, [&](int64_t s, int64_t e) {
        const int64_t n0 = s * kRowsPerBlock, n1 = std::min(N, e * kRowsPerBlock);
        if (avx) rows_avx2(x, M, K, W, b, n0, n1, N, y);
        else rows_generic(x, M, K, W, b, n0, n1, N, y);
    });
}

} // namespace hoi::clip
