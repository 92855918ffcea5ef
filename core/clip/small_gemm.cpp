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

// Four weight rows at a time against up to three x rows: 12 accumulators in registers.
__attribute__((target("avx2,fma"))) void rows_avx2(const float* x, int64_t M, int64_t K, const float* W,
                                                   const float* b, int64_t n0, int64_t n1, int64_t N, float* y) {
    const int64_t K8 = K / 8 * 8;
    int64_t n = n0;
    for (; n + kRowsPerBlock <= n1; n += kRowsPerBlock) {
        const float* w0 = W + n * K;
        const float* w1 = w0 + K;
        const float* w2 = w1 + K;
        const float* w3 = w2 + K;
        for (int64_t m = 0; m < M; m += 3) {
            const int64_t mr = std::min<int64_t>(3, M - m);
            const float* xa = x + m * K;
            const float* xb = mr > 1 ? xa + K : xa;
            const float* xc = mr > 2 ? xb + K : xb;
            __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
            __m256 b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            __m256 c0 = a0, c1 = a0, c2 = a0, c3 = a0;
            for (int64_t k = 0; k < K8; k += 8) {
                const __m256 v0 = _mm256_loadu_ps(w0 + k), v1 = _mm256_loadu_ps(w1 + k);
                const __m256 v2 = _mm256_loadu_ps(w2 + k), v3 = _mm256_loadu_ps(w3 + k);
                const __m256 xa8 = _mm256_loadu_ps(xa + k);
                a0 = _mm256_fmadd_ps(xa8, v0, a0);
                a1 = _mm256_fmadd_ps(xa8, v1, a1);
                a2 = _mm256_fmadd_ps(xa8, v2, a2);
                a3 = _mm256_fmadd_ps(xa8, v3, a3);
                const __m256 xb8 = _mm256_loadu_ps(xb + k);
                b0 = _mm256_fmadd_ps(xb8, v0, b0);
                b1 = _mm256_fmadd_ps(xb8, v1, b1);
                b2 = _mm256_fmadd_ps(xb8, v2, b2);
                b3 = _mm256_fmadd_ps(xb8, v3, b3);
                const __m256 xc8 = _mm256_loadu_ps(xc + k);
                c0 = _mm256_fmadd_ps(xc8, v0, c0);
                c1 = _mm256_fmadd_ps(xc8, v1, c1);
                c2 = _mm256_fmadd_ps(xc8, v2, c2);
                c3 = _mm256_fmadd_ps(xc8, v3, c3);
            }
            const __m256 acc[3][4] = {{a0, a1, a2, a3}, {b0, b1, b2, b3}, {c0, c1, c2, c3}};
            for (int64_t r = 0; r < mr; ++r) {
                const float* xr = x + (m + r) * K;
                for (int j = 0; j < 4; ++j) {
                    float s = reduce8_avx(acc[r][j]);
                    const float* wj = W + (n + j) * K;
                    for (int64_t k = K8; k < K; ++k) s = std::fma(xr[k], wj[k], s);
                    y[(m + r) * N + n + j] = b ? s + b[n + j] : s;
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
