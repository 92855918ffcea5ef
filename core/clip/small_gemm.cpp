// The few-row product kernel: AVX2/FMA when the CPU has it (checked at run time), portable C++
// otherwise. Both sum each output in the same order: 8 interleaved partial sums over k, then a
// fixed reduction of the 8, then the bias.
#include "clip/small_gemm.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <immintrin.h>

namespace hoi::clip {
namespace {

constexpr int64_t kRowsPerBlock = 4; // weight rows per task step

// The 8 partial sums reduced as ((p0+p4)+(p2+p6)) + ((p1+p5)+(p3+p7)) in both versions.
inline float reduce8(const float* p) { return ((p[0] + p[4]) + (p[2] + p[6])) + ((p[1] + p[5]) + (p[3] + p[7])); }

void rows_generic(const float* x, int64_t M, int64_t K, const float* W, const float* b, int64_t n0, int64_t n1,
                  int64_t N, float* y) {
    for (int64_t n = n0; n < n1; ++n) {
        const float* w = W + n * K;
        for (int64_t m = 0; m < M; ++m) {
            const float* xm = x + m * K;
            float p[8] = {0, 0, 0, 0, 0, 0, 0, 0};
            int64_t k = 0;
            for (; k + 8 <= K; k += 8)
                for (int l = 0; l < 8; ++l) p[l] = std::fma(xm[k + l], w[k + l], p[l]);
            float s = reduce8(p);
            for (; k < K; ++k) s = std::fma(xm[k], w[k], s);
            y[m * N + n] = b ? s + b[n] : s;
        }
    }
}

__attribute__((target("avx2,fma"))) inline float reduce8_avx(__m256 v) {
    alignas(32) float p[8];
    _mm256_store_ps(p, v);
    return reduce8(p);
}

// MR x rows (1..3) against four weight rows, over k in [k0, k1): 4*MR accumulators in registers,
// carried in acc[MR][4] between k chunks.
template <int MR>
__attribute__((target("avx2,fma"))) inline void tile(const float* const* xr, const float* const* w, int64_t k0,
                                                     int64_t k1, __m256 (*acc)[4]) {
    __m256 a[MR][4];
#pragma GCC unroll 3
    for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
        for (int j = 0; j < 4; ++j) a[r][j] = acc[r][j];
    for (int64_t k = k0; k < k1; k += 8) {
        const __m256 v0 = _mm256_loadu_ps(w[0] + k), v1 = _mm256_loadu_ps(w[1] + k);
        const __m256 v2 = _mm256_loadu_ps(w[2] + k), v3 = _mm256_loadu_ps(w[3] + k);
#pragma GCC unroll 3
        for (int r = 0; r < MR; ++r) {
            const __m256 x8 = _mm256_loadu_ps(xr[r] + k);
            a[r][0] = _mm256_fmadd_ps(x8, v0, a[r][0]);
            a[r][1] = _mm256_fmadd_ps(x8, v1, a[r][1]);
            a[r][2] = _mm256_fmadd_ps(x8, v2, a[r][2]);
            a[r][3] = _mm256_fmadd_ps(x8, v3, a[r][3]);
        }
    }
#pragma GCC unroll 3
    for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
        for (int j = 0; j < 4; ++j) acc[r][j] = a[r][j];
}

// Four weight rows at a time. k runs in chunks of kChunk so the four rows' chunk (4 KB) stays in L1
// while every x row passes over it; the partial sums wait in acc between chunks, which keeps each
// output's summation order exactly that of rows_generic.
__attribute__((target("avx2,fma"))) void rows_avx2(const float* x, int64_t M, int64_t K, const float* W,
                                                   const float* b, int64_t n0, int64_t n1, int64_t N, float* y) {
    constexpr int64_t kChunk = 256;
    const int64_t K8 = K / 8 * 8;
    __m256 acc[kSmallGemmMaxRows][4];
    int64_t n = n0;
    for (; n + kRowsPerBlock <= n1; n += kRowsPerBlock) {
        const float* w[4] = {W + n * K, W + (n + 1) * K, W + (n + 2) * K, W + (n + 3) * K};
        for (int64_t m = 0; m < M; ++m)
            for (int j = 0; j < 4; ++j) acc[m][j] = _mm256_setzero_ps();
        for (int64_t k0 = 0; k0 < K8; k0 += kChunk) {
            const int64_t k1 = std::min(K8, k0 + kChunk);
            for (int64_t m = 0; m < M; m += 3) {
                const float* xr[3] = {x + m * K, x + std::min(m + 1, M - 1) * K, x + std::min(m + 2, M - 1) * K};
                switch (std::min<int64_t>(3, M - m)) {
                case 3: tile<3>(xr, w, k0, k1, acc + m); break;
                case 2: tile<2>(xr, w, k0, k1, acc + m); break;
                default: tile<1>(xr, w, k0, k1, acc + m); break;
                }
            }
        }
        for (int64_t m = 0; m < M; ++m) {
            const float* xm = x + m * K;
            for (int j = 0; j < 4; ++j) {
                float s = reduce8_avx(acc[m][j]);
                for (int64_t k = K8; k < K; ++k) s = std::fma(xm[k], w[j][k], s);
                y[m * N + n + j] = b ? s + b[n + j] : s;
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
    // The AVX2 path keeps kSmallGemmMaxRows rows of partial sums; more rows take the portable path.
    const bool avx = has_avx2_fma() && M <= kSmallGemmMaxRows;
    // Tasks of whole 4-row blocks; enough of them that every thread streams its share of W.
    const int64_t blocks = (N + kRowsPerBlock - 1) / kRowsPerBlock;
    at::parallel_for(0, blocks, 16, [&](int64_t s, int64_t e) {
        const int64_t n0 = s * kRowsPerBlock, n1 = std::min(N, e * kRowsPerBlock);
        if (avx) rows_avx2(x, M, K, W, b, n0, n1, N, y);
        else rows_generic(x, M, K, W, b, n0, n1, N, y);
    });
}

} // namespace hoi::clip
