// The panel kernel, three code paths chosen at run time (the widest the CPU has, see
// active_kernel_path): AVX-512F (one zmm holds a panel's 16 outputs; up to 12 rows x 2 panels per
// tile), AVX2/FMA/F16C (6 rows x 1 panel, two ymm per row), portable C++. All compute each output
// as fma(x[k], w[k], acc) for k = 0..K-1, then add the bias (then the same QuickGELU), so they give
// the same bits. Only the functions marked with a target attribute use the wider instructions; the
// rest of the build keeps its baseline.
#include "clip/packed_linear.h"
#include "clip/cpu_features.h"

#include "io/error.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <immintrin.h>

#ifndef _OPENMP
#error "packed_linear.cpp needs OpenMP flags: without them at::parallel_for runs everything on one thread"
#endif

namespace hoi::clip {
namespace {

constexpr int64_t kPanel = 16;    // output rows per panel
constexpr int64_t kPair = 2;      // panels stored side by side, k-row by k-row (see PackedLinear::pack)
constexpr int64_t kLdp = kPair * kPanel; // weights per k step of a pair: the stride of every panel's k rows
constexpr int kMaxTileRows = 6;   // AVX2 x rows per tile: 12 accumulators + 2 weight vectors + 1 broadcast
constexpr int kMaxTileRows512 = 12; // AVX-512 x rows per tile: 24 accumulators (2 panels) + 2 weights + 1 broadcast
constexpr int kMaxPanels512 = 2;    // AVX-512 panels per tile (each x value broadcast once for 32 outputs)
static_assert(kMaxPanels512 == kPair, "an AVX-512 tile reads one pair");
constexpr int64_t kRowBlock = 384; // x rows per pass over the weights (the block stays in L2/L3)
// The first tile of a pair asks for the pair's data this many k steps ahead (later tiles find it
// in L1/L2): 8 KB in float16. Measured against 0, 64, 256 and 512 on the 2-core machine, and for
// the paired layout against 32, 64, 256 and 512 (the 48 products of one prompt: 0.92-0.93 ms at
// 128 and 256, 1.00-1.54 at the others).
constexpr int64_t kPrefetchSteps = 128;

// The loop's prefetches run kPrefetchSteps ahead, so the first kPrefetchSteps steps of a pair
// (a quarter of a 512-wide one) would wait on memory: ask for them before the loop starts.
template <typename W> inline void warm_pair(const W* p, int64_t K) {
    const char* c = reinterpret_cast<const char*>(p);
    const int64_t bytes = std::min(K, kPrefetchSteps) * kLdp * static_cast<int64_t>(sizeof(W));
    for (int64_t b = 0; b < bytes; b += 64) _mm_prefetch(c + b, _MM_HINT_T0);
}

// The first tile of a pair asks for its k row kPrefetchSteps ahead: one 64-byte line per step in
// float16, two in float32. p: the row of step k.
template <typename W> inline void prefetch_ahead(const W* p) {
    const char* c = reinterpret_cast<const char*>(p + kPrefetchSteps * kLdp);
    _mm_prefetch(c, _MM_HINT_T0);
    if constexpr (sizeof(W) == 4) _mm_prefetch(c + 64, _MM_HINT_T0);
}

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

// One panel (its k rows kLdp apart) against rows [0, MR) of x: y[r][j] = sum_k x[r][k] w[k][j] + b[j],
// j < 16. first: the tile that reads the pair from memory (it asks for the lines ahead).
template <typename W, int MR, bool Gelu>
__attribute__((target("avx2,fma,f16c"))) inline void tile(const float* x, int64_t K, const W* p, const float* b,
                                                            float* y, int64_t ldy, bool first) {
    __m256 a0[MR], a1[MR];
#pragma GCC unroll 6
    for (int r = 0; r < MR; ++r) a0[r] = a1[r] = _mm256_setzero_ps();
    if (first) warm_pair(p, K);
    for (int64_t k = 0; k < K; ++k) {
        // The hardware prefetcher alone leaves the first tile waiting on memory: one line per 64
        // bytes read, kPrefetchSteps ahead, takes one prompt from 5.8 to 5.1-5.3 ms.
        if (first) prefetch_ahead(p + k * kLdp);
        __m256 w0, w1;
        if constexpr (sizeof(W) == 2) {
            w0 = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + k * kLdp)));
            w1 = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + k * kLdp + 8)));
        } else {
            w0 = _mm256_loadu_ps(p + k * kLdp);
            w1 = _mm256_loadu_ps(p + k * kLdp + 8);
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

// NP panels (1 or 2) of a pair against rows [0, MR) of x: one zmm per 16 outputs. The same
// chain per output as tile: fma over k in order, + bias, then QuickGELU (the AVX2 version on each
// half, so the epilogue is one piece of code).
template <typename W, int MR, int NP, bool Gelu>
__attribute__((target("avx512f,avx2,fma,f16c"))) inline void tile512(const float* x, int64_t K, const W* p,
                                                                      const float* b, float* y, int64_t ldy,
                                                                      bool first) {
    __m512 acc[NP][MR];
#pragma GCC unroll 24
    for (int i = 0; i < NP * MR; ++i) acc[i / MR][i % MR] = _mm512_setzero_ps();
    if (first) warm_pair(p, K);
    for (int64_t k = 0; k < K; ++k) {
        const W* pk = p + k * kLdp;
        if (first) prefetch_ahead(pk);
        __m512 w[NP];
#pragma GCC unroll 2
        for (int q = 0; q < NP; ++q) {
            if constexpr (sizeof(W) == 2)
                w[q] = _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(pk + q * kPanel)));
            else w[q] = _mm512_loadu_ps(pk + q * kPanel);
        }
#pragma GCC unroll 12
        for (int r = 0; r < MR; ++r) {
            const __m512 xb = _mm512_set1_ps(x[r * K + k]);
#pragma GCC unroll 2
            for (int q = 0; q < NP; ++q) acc[q][r] = _mm512_fmadd_ps(xb, w[q], acc[q][r]);
        }
    }
#pragma GCC unroll 2
    for (int q = 0; q < NP; ++q) {
        const __m512 bq = _mm512_loadu_ps(b + q * kPanel);
#pragma GCC unroll 12
        for (int r = 0; r < MR; ++r) {
            const __m512 v = _mm512_add_ps(acc[q][r], bq);
            float* out = y + r * ldy + q * kPanel;
            _mm512_storeu_ps(out, v);
            if constexpr (Gelu) {
                _mm256_storeu_ps(out, quick_gelu8(_mm256_loadu_ps(out)));
                _mm256_storeu_ps(out + 8, quick_gelu8(_mm256_loadu_ps(out + 8)));
            }
        }
    }
}

template <typename W, int NP, bool Gelu>
__attribute__((target("avx512f,avx2,fma,f16c"))) void tile512_rows(int mr, const float* x, int64_t K, const W* p,
                                                                    const float* b, float* y, int64_t ldy, bool first) {
    switch (mr) {
    case 12: tile512<W, 12, NP, Gelu>(x, K, p, b, y, ldy, first); break;
    case 11: tile512<W, 11, NP, Gelu>(x, K, p, b, y, ldy, first); break;
    case 10: tile512<W, 10, NP, Gelu>(x, K, p, b, y, ldy, first); break;
    case 9: tile512<W, 9, NP, Gelu>(x, K, p, b, y, ldy, first); break;
    case 8: tile512<W, 8, NP, Gelu>(x, K, p, b, y, ldy, first); break;
    case 7: tile512<W, 7, NP, Gelu>(x, K, p, b, y, ldy, first); break;
    case 6: tile512<W, 6, NP, Gelu>(x, K, p, b, y, ldy, first); break;
    case 5: tile512<W, 5, NP, Gelu>(x, K, p, b, y, ldy, first); break;
    case 4: tile512<W, 4, NP, Gelu>(x, K, p, b, y, ldy, first); break;
    case 3: tile512<W, 3, NP, Gelu>(x, K, p, b, y, ldy, first); break;
    case 2: tile512<W, 2, NP, Gelu>(x, K, p, b, y, ldy, first); break;
    default: tile512<W, 1, NP, Gelu>(x, K, p, b, y, ldy, first); break;
    }
}

template <typename W>
void tile_avx512(bool gelu, int mr, int panels, const float* x, int64_t K, const W* p, const float* b, float* y,
                 int64_t ldy, bool first) {
    if (panels == 2) {
        if (gelu) tile512_rows<W, 2, true>(mr, x, K, p, b, y, ldy, first);
        else tile512_rows<W, 2, false>(mr, x, K, p, b, y, ldy, first);
    } else {
        if (gelu) tile512_rows<W, 1, true>(mr, x, K, p, b, y, ldy, first);
        else tile512_rows<W, 1, false>(mr, x, K, p, b, y, ldy, first);
    }
}

void tile_generic(bool gelu, int mr, const float* x, int64_t K, const uint16_t* ph, const float* pf, const float* b,
                  float* y, int64_t ldy) {
    for (int r = 0; r < mr; ++r)
        for (int64_t j = 0; j < kPanel; ++j) {
            float s = 0.f;
            for (int64_t k = 0; k < K; ++k)
                s = std::fma(x[r * K + k], ph ? to_float(ph[k * kLdp + j]) : pf[k * kLdp + j], s);
            s = s + b[j];
            y[r * ldy + j] = gelu ? quick_gelu_scalar(s) : s;
        }
}

// Whether the CPU has what a path needs (the one feature check: clip/cpu_features.h).
bool cpu_can_run(KernelPath path) {
    switch (path) {
    case KernelPath::Avx512: return cpu_has(SimdPath::Avx512F16c);
    case KernelPath::Avx2: return cpu_has(SimdPath::Avx2FmaF16c);
    case KernelPath::Portable: return true;
    }
    return false;
}

constexpr KernelPath kAllPaths[] = {KernelPath::Avx512, KernelPath::Avx2, KernelPath::Portable};

// HOI_KERNEL if set, else the widest path the CPU has.
KernelPath default_path() {
    static const KernelPath path = [] {
        const char* env = std::getenv("HOI_KERNEL");
        if (!env || !*env) return available_kernel_paths().front();
        for (KernelPath p : kAllPaths) {
            if (std::string(env) != kernel_path_name(p)) continue;
            if (!cpu_can_run(p)) throw_usage(std::string("HOI_KERNEL=") + env + ": this CPU cannot run that path");
            return p;
        }
        throw_usage(std::string("HOI_KERNEL=") + env + ": expected avx512, avx2 or portable");
    }();
    return path;
}

std::atomic<int> g_forced{-1};
std::atomic<uint64_t> g_calls[3];

} // namespace

const char* kernel_path_name(KernelPath path) {
    switch (path) {
    case KernelPath::Avx512: return "avx512";
    case KernelPath::Avx2: return "avx2";
    case KernelPath::Portable: return "portable";
    }
    return "?";
}

std::vector<KernelPath> available_kernel_paths() {
    std::vector<KernelPath> out;
    for (KernelPath p : kAllPaths)
        if (cpu_can_run(p)) out.push_back(p);
    return out;
}

KernelPath active_kernel_path() {
    const int forced = g_forced.load(std::memory_order_relaxed);
    if (forced >= 0) return static_cast<KernelPath>(forced);
    // HOI_KERNEL=portable and set_kernels_portable (simd.h) turn every kernel's wide paths off, this one's too.
    if (!use_simd(SimdPath::Avx2FmaF16c)) return KernelPath::Portable;
    return default_path();
}

void set_packed_linear_path(std::optional<KernelPath> path) {
    if (path && !cpu_can_run(*path))
        throw_usage(std::string("kernel path ") + kernel_path_name(*path) + " is not available on this CPU");
    g_forced = path ? static_cast<int>(*path) : -1;
}

std::array<uint64_t, 3> packed_linear_calls() {
    return {g_calls[0].load(), g_calls[1].load(), g_calls[2].load()};
}

PackedLinear PackedLinear::pack(const at::Tensor& w) {
    TORCH_CHECK(w.dim() == 2, "PackedLinear::pack: expected a [N, K] weight");
    PackedLinear p;
    p.n_ = w.size(0);
    p.k_ = w.size(1);
    const int64_t pairs = (p.n_ + kLdp - 1) / kLdp;
    auto padded = at::zeros({pairs * kLdp, p.k_}, at::kFloat);
    padded.narrow(0, 0, p.n_).copy_(w);
    auto f32 = padded.view({pairs, kLdp, p.k_}).transpose(1, 2).contiguous(); // [pairs, K, 32]
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

int64_t PackedLinear::groups(KernelPath path) const {
    const int64_t np = (n_ + kPanel - 1) / kPanel, group = path == KernelPath::Avx512 ? kMaxPanels512 : 1;
    return (np + group - 1) / group;
}

void PackedLinear::apply(const float* x, int64_t M, const float* bias, float* y, Epilogue epilogue) const {
    TORCH_CHECK(defined(), "PackedLinear::apply on an empty weight");
    const KernelPath path = active_kernel_path();
    g_calls[static_cast<int>(path)].fetch_add(1, std::memory_order_relaxed);
    at::parallel_for(0, groups(path), 1,
                     [&](int64_t s, int64_t e) { apply_groups(x, M, bias, y, epilogue, path, s, e); });
}

namespace {
// Groups [begin, end) of share `part` of `parts`: at::parallel_for's split (OpenMP build) with a
// grain of 1.
std::pair<int64_t, int64_t> share_of(int64_t groups, int part, int parts) {
    const int64_t used = std::min<int64_t>(parts, groups), chunk = used > 0 ? (groups + used - 1) / used : 0;
    const int64_t begin = std::min(groups, part * chunk);
    return {begin, std::min(groups, begin + chunk)};
}
} // namespace

void PackedLinear::apply_share(const float* x, int64_t M, const float* bias, float* y, int part, int parts,
                               Epilogue epilogue) const {
    TORCH_CHECK(defined(), "PackedLinear::apply_share on an empty weight");
    const KernelPath path = active_kernel_path();
    if (part == 0) g_calls[static_cast<int>(path)].fetch_add(1, std::memory_order_relaxed);
    const auto [g0, g1] = share_of(groups(path), part, parts);
    if (g0 < g1) apply_groups(x, M, bias, y, epilogue, path, g0, g1);
}

void PackedLinear::apply_groups(const float* x, int64_t M, const float* bias, float* y, Epilogue epilogue,
                                KernelPath path, int64_t g0, int64_t g1) const {
    const int64_t N = n_, K = k_, np = (N + kPanel - 1) / kPanel;
    const bool wide = path == KernelPath::Avx512;
    const int64_t group = wide ? kMaxPanels512 : 1; // panels per tile
    const int max_rows = wide ? kMaxTileRows512 : kMaxTileRows;
    const int64_t pair_size = K * kLdp; // a pair's weights
    const bool gelu = epilogue == Epilogue::QuickGelu;
    const uint16_t* ph = half_ ? reinterpret_cast<const uint16_t*>(panels_.data_ptr<at::Half>()) : nullptr;
    const float* pf = half_ ? nullptr : panels_.data_ptr<float>();
    alignas(64) float part[kMaxTileRows512 * kMaxPanels512 * kPanel];
    alignas(64) float bpad[kMaxPanels512 * kPanel];
    for (int64_t m0 = 0; m0 < M; m0 += kRowBlock) {
        const int64_t mb = std::min(kRowBlock, M - m0);
        // Tiles of nearly equal size (10 rows: 5 + 5 on AVX2), none over max_rows.
        const int64_t tiles = (mb + max_rows - 1) / max_rows;
        for (int64_t gi = g0; gi < g1; ++gi) {
            const int64_t p0 = gi * group, panels = std::min(group, np - p0);
            const int64_t n0 = p0 * kPanel, width = panels * kPanel, cols = std::min(width, N - n0);
            const float* b = bias + n0;
            if (!bias || cols < width) {
                std::fill(bpad, bpad + width, 0.f);
                if (bias) std::copy(bias + n0, bias + n0 + cols, bpad);
                b = bpad;
            }
            int64_t m = m0;
            for (int64_t t = 0; t < tiles; ++t) {
                const int mr = static_cast<int>(mb / tiles + (t < mb % tiles ? 1 : 0));
                const float* xm = x + m * K;
                // A partial tile (N % 16) is computed into `part`, then its columns copied.
                float* out = cols == width ? y + m * N + n0 : part;
                const int64_t ldy = cols == width ? N : width;
                // Panel p0 in its pair: the pair's first k row, then the panel's columns in it.
                const int64_t at = p0 / kPair * pair_size + p0 % kPair * kPanel;
                const uint16_t* h = ph ? ph + at : nullptr;
                const float* f = pf ? pf + at : nullptr;
                // The first tile of the pair reads it from memory (AVX2: the pair's first panel,
                // or a share's first panel when it is the pair's second).
                const bool first = t == 0 && (wide || p0 % kPair == 0 || gi == g0);
                switch (path) {
                case KernelPath::Avx512:
                    if (h) tile_avx512(gelu, mr, int(panels), xm, K, h, b, out, ldy, first);
                    else tile_avx512(gelu, mr, int(panels), xm, K, f, b, out, ldy, first);
                    break;
                case KernelPath::Avx2:
                    if (h) tile_avx2(gelu, mr, xm, K, h, b, out, ldy, first);
                    else tile_avx2(gelu, mr, xm, K, f, b, out, ldy, first);
                    break;
                case KernelPath::Portable: tile_generic(gelu, mr, xm, K, h, f, b, out, ldy); break;
                }
                if (cols < width)
                    for (int r = 0; r < mr; ++r) std::memcpy(y + (m + r) * N + n0, part + r * width, cols * sizeof(float));
                m += mr;
            }
        }
    }
}

} // namespace hoi::clip
