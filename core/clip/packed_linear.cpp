// The panel kernel: AVX2/FMA/F16C when the CPU has them (checked at run time), portable C++
// otherwise. Both compute each output as fma(x[k], w[k], acc) for k = 0..K-1, then add the bias,
// so they give the same bits.
#include "clip/packed_linear.h"
#include "clip/cpu_features.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <immintrin.h>

#ifndef _OPENMP
#error "packed_linear.cpp needs OpenMP flags: without them at::parallel_for runs everything on one thread"
#endif

namespace hoi::clip {
namespace {

constexpr int64_t kPanel = 16;    // output rows per panel
constexpr int kMaxTileRows = 6;   // x rows per tile: 12 accumulators + 2 weight vectors + 1 broadcast
constexpr int64_t kRowBlock = 384; // x rows per pass over the weights (the block stays in L2/L3)
// The first tile of a panel asks for the panel's data this many k steps ahead (later tiles find it
// in L1/L2). Measured against 0, 64, 256 and 512 on the 2-core machine.
constexpr int64_t kPrefetchSteps = 128;

inline float to_float(uint16_t h) { return static_cast<float>(c10::Half(h, c10::Half::from_bits())); }

// QuickGELU, v * sigmoid(1.702 v) = v / (1 + exp(-1.702 v)), with Cephes' expf: exp(z) = 2^n e^r,
// n = round(z log2 e), r = z - n ln 2 (in two parts), e^r by a polynomial. Where exp(z) would
// overflow the result is v * 0, as ATen's; z is clamped below so that 2^n stays a normal float
// (1 + exp(z) is then 1).
// The AVX2 and portable versions do the same operations in the same order (the file is built
// with -ffp-contract=off), so they give the same bits.
constexpr float kGeluScale = -1.702f, kExpHi = 88.3f, kExpLo = -87.3f, kLog2e = 1.44269504088896341f;
constexpr float kLn2Hi = 0.693359375f, kLn2Lo = -2.12194440e-4f;
constexpr float kExpP[6] = {1.9875691500e-4f, 1.3981999507e-3f, 8.3334519073e-3f,
                            4.1665795894e-2f, 1.6666665459e-1f, 5.0000001201e-1f};

float quick_gelu_scalar(float v) {
    const float z0 = v * kGeluScale;
    if (z0 > kExpHi) return v * 0.f; // sigmoid underflows to 0, as in ATen (-0 for v < 0)
    const float z = std::max(z0, kExpLo);
    const float n = std::nearbyint(z * kLog2e);
    float r = std::fma(n, -kLn2Hi, z);
    r = std::fma(n, -kLn2Lo, r);
    float p = kExpP[0];
    for (int i = 1; i < 6; ++i) p = std::fma(p, r, kExpP[i]);
    float e = std::fma(p, r * r, r) + 1.f;
    const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
    float scale;
    std::memcpy(&scale, &bits, sizeof(scale));
    e = e * scale;
    return v / (1.f + e);
}

__attribute__((target("avx2,fma,f16c"))) inline __m256 quick_gelu8(__m256 v) {
    const __m256 z0 = _mm256_mul_ps(v, _mm256_set1_ps(kGeluScale));
    const __m256 under = _mm256_cmp_ps(z0, _mm256_set1_ps(kExpHi), _CMP_GT_OQ);
    const __m256 z = _mm256_min_ps(_mm256_max_ps(z0, _mm256_set1_ps(kExpLo)), _mm256_set1_ps(kExpHi));
    const __m256 n = _mm256_round_ps(_mm256_mul_ps(z, _mm256_set1_ps(kLog2e)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fmadd_ps(n, _mm256_set1_ps(-kLn2Hi), z);
    r = _mm256_fmadd_ps(n, _mm256_set1_ps(-kLn2Lo), r);
    __m256 p = _mm256_set1_ps(kExpP[0]);
    for (int i = 1; i < 6; ++i) p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kExpP[i]));
    __m256 e = _mm256_add_ps(_mm256_fmadd_ps(p, _mm256_mul_ps(r, r), r), _mm256_set1_ps(1.f));
    const __m256 scale = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23));
    e = _mm256_mul_ps(e, scale);
    const __m256 g = _mm256_div_ps(v, _mm256_add_ps(_mm256_set1_ps(1.f), e));
    return _mm256_blendv_ps(g, _mm256_mul_ps(v, _mm256_setzero_ps()), under);
}

// One panel against rows [0, MR) of x: y[r][j] = sum_k x[r][k] w[k][j] + b[j], j < 16.
template <typename W, int MR, bool Gelu>
__attribute__((target("avx2,fma,f16c"))) inline void tile(const float* x, int64_t K, const W* p, const float* b,
                                                            float* y, int64_t ldy, bool first) {
    __m256 a0[MR], a1[MR];
#pragma GCC unroll 6
    for (int r = 0; r < MR; ++r) a0[r] = a1[r] = _mm256_setzero_ps();
    for (int64_t k = 0; k < K; ++k) {
        // The hardware prefetcher alone leaves the first tile waiting on memory: one line per 64
        // bytes read, kPrefetchSteps ahead, takes one prompt from 5.8 to 5.1-5.3 ms.
        if (first && (sizeof(W) == 4 || (k & 1) == 0))
            _mm_prefetch(reinterpret_cast<const char*>(p + (k + kPrefetchSteps) * kPanel), _MM_HINT_T0);
        __m256 w0, w1;
        if constexpr (sizeof(W) == 2) {
            w0 = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + k * kPanel)));
            w1 = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + k * kPanel + 8)));
        } else {
            w0 = _mm256_loadu_ps(p + k * kPanel);
            w1 = _mm256_loadu_ps(p + k * kPanel + 8);
        }
#pragma GCC unroll 6
        for (int r = 0; r < MR; ++r) {
            const __m256 xb = _mm256_broadcast_ss(x + r * K + k);
            a0[r] = _mm256_fmadd_ps(xb, w0, a0[r]);
            a1[r] = _mm256_fmadd_ps(xb, w1, a1[r]);
        }
    }
    const __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
#pragma GCC unroll 6
    for (int r = 0; r < MR; ++r) {
        __m256 v0 = _mm256_add_ps(a0[r], b0), v1 = _mm256_add_ps(a1[r], b1);
        if constexpr (Gelu) {
            v0 = quick_gelu8(v0);
            v1 = quick_gelu8(v1);
        }
        _mm256_storeu_ps(y + r * ldy, v0);
        _mm256_storeu_ps(y + r * ldy + 8, v1);
    }
}

template <typename W, bool Gelu>
__attribute__((target("avx2,fma,f16c"))) void tile_rows(int mr, const float* x, int64_t K, const W* p,
                                                         const float* b, float* y, int64_t ldy, bool first) {
    switch (mr) {
    case 6: tile<W, 6, Gelu>(x, K, p, b, y, ldy, first); break;
    case 5: tile<W, 5, Gelu>(x, K, p, b, y, ldy, first); break;
    case 4: tile<W, 4, Gelu>(x, K, p, b, y, ldy, first); break;
    case 3: tile<W, 3, Gelu>(x, K, p, b, y, ldy, first); break;
    case 2: tile<W, 2, Gelu>(x, K, p, b, y, ldy, first); break;
    default: tile<W, 1, Gelu>(x, K, p, b, y, ldy, first); break;
    }
}

template <typename W>
void tile_avx2(bool gelu, int mr, const float* x, int64_t K, const W* p, const float* b, float* y, int64_t ldy,
               bool first) {
    if (gelu) tile_rows<W, true>(mr, x, K, p, b, y, ldy, first);
    else tile_rows<W, false>(mr, x, K, p, b, y, ldy, first);
}

void tile_generic(bool gelu, int mr, const float* x, int64_t K, const uint16_t* ph, const float* pf, const float* b,
                  float* y, int64_t ldy) {
    for (int r = 0; r < mr; ++r)
        for (int64_t j = 0; j < kPanel; ++j) {
            float s = 0.f;
            for (int64_t k = 0; k < K; ++k)
                s = std::fma(x[r * K + k], ph ? to_float(ph[k * kPanel + j]) : pf[k * kPanel + j], s);
            s = s + b[j];
            y[r * ldy + j] = gelu ? quick_gelu_scalar(s) : s;
        }
}

} // namespace

PackedLinear PackedLinear::pack(const at::Tensor& w) {
    TORCH_CHECK(w.dim() == 2, "PackedLinear::pack: expected a [N, K] weight");
    PackedLinear p;
    p.n_ = w.size(0);
    p.k_ = w.size(1);
    const int64_t np = (p.n_ + kPanel - 1) / kPanel;
    auto padded = at::zeros({np * kPanel, p.k_}, at::kFloat);
    padded.narrow(0, 0, p.n_).copy_(w);
    auto f32 = padded.view({np, kPanel, p.k_}).transpose(1, 2).contiguous(); // [np, K, 16]
    auto f16 = f32.to(at::kHalf);
    p.half_ = f16.to(at::kFloat).equal(f32); // lossless only
    p.panels_ = p.half_ ? f16 : f32;
    return p;
}

at::Tensor PackedLinear::dense() const {
    TORCH_CHECK(defined(), "PackedLinear::dense on an empty weight");
    return panels_.to(at::kFloat).transpose(1, 2).reshape({-1, k_}).narrow(0, 0, n_).contiguous();
}

float quick_gelu_ref(float v) { return quick_gelu_scalar(v); }

void PackedLinear::apply(const float* x, int64_t M, const float* bias, float* y, Epilogue epilogue) const {
    TORCH_CHECK(defined(), "PackedLinear::apply on an empty weight");
    const int64_t N = n_, K = k_, np = (N + kPanel - 1) / kPanel;
    const bool avx = use_simd(SimdPath::Avx2FmaF16c);
    const bool gelu = epilogue == Epilogue::QuickGelu;
    const uint16_t* ph = half_ ? reinterpret_cast<const uint16_t*>(panels_.data_ptr<at::Half>()) : nullptr;
    const float* pf = half_ ? nullptr : panels_.data_ptr<float>();
    for (int64_t m0 = 0; m0 < M; m0 += kRowBlock) {
        const int64_t mb = std::min(kRowBlock, M - m0);
        // Tiles of nearly equal size (10 rows: 5 + 5), none over kMaxTileRows.
        const int64_t tiles = (mb + kMaxTileRows - 1) / kMaxTileRows;
        at::parallel_for(0, np, 1, [&](int64_t s, int64_t e) {
            alignas(32) float part[kMaxTileRows * kPanel];
            alignas(32) float bpad[kPanel];
            for (int64_t pi = s; pi < e; ++pi) {
                const int64_t n0 = pi * kPanel, cols = std::min(kPanel, N - n0);
                const float* b = bias + n0;
                if (!bias || cols < kPanel) {
                    std::fill(bpad, bpad + kPanel, 0.f);
                    if (bias) std::copy(bias + n0, bias + n0 + cols, bpad);
                    b = bpad;
                }
                int64_t m = m0;
                for (int64_t t = 0; t < tiles; ++t) {
                    const int mr = static_cast<int>(mb / tiles + (t < mb % tiles ? 1 : 0));
                    const float* xm = x + m * K;
                    // A partial panel (N % 16) is computed into `part`, then its columns copied.
                    float* out = cols == kPanel ? y + m * N + n0 : part;
                    const int64_t ldy = cols == kPanel ? N : kPanel;
                    if (avx && ph) tile_avx2(gelu, mr, xm, K, ph + pi * K * kPanel, b, out, ldy, t == 0);
                    else if (avx) tile_avx2(gelu, mr, xm, K, pf + pi * K * kPanel, b, out, ldy, t == 0);
                    else tile_generic(gelu, mr, xm, K, ph ? ph + pi * K * kPanel : nullptr,
                                      pf ? pf + pi * K * kPanel : nullptr, b, out, ldy);
                    if (cols < kPanel)
                        for (int r = 0; r < mr; ++r) std::memcpy(y + (m + r) * N + n0, part + r * kPanel, cols * sizeof(float));
                    m += mr;
                }
            }
        });
    }
}

} // namespace hoi::clip
