// Kernels of the TF.js runner written by hand for ATen's threads (at::parallel_for). This file is
// built with OpenMP flags (core/detect/CMakeLists.txt): at::parallel_for is a header template and,
// in a file built without them, runs every range on the calling thread.
#include "detect/tfjs_graph.h"
#include "detect/tfjs_ops.h"
#include "simd.h"

#include <ATen/Parallel.h>

#include <immintrin.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <type_traits>
#include <vector>

#ifndef _OPENMP
#error "tfjs_kernels.cpp needs OpenMP flags: without them at::parallel_for runs everything on one thread"
#endif

namespace hoi::detect {

using torch::Tensor;

namespace {

// One output coordinate of a bilinear resize: the two source indices it blends and the weight of
// the second (TensorFlow's legacy / align_corners / half_pixel_centers rules).
struct Tap {
    int64_t lo = 0, hi = 0;
    float frac = 0;
};

std::vector<Tap> bilinear_axis(int64_t in, int64_t out, bool align_corners, bool half_pixel) {
    const double ratio = (align_corners && out > 1) ? static_cast<double>(in - 1) / static_cast<double>(out - 1)
                                                    : static_cast<double>(in) / static_cast<double>(out);
    std::vector<Tap> taps(static_cast<size_t>(out));
    for (int64_t o = 0; o < out; ++o) {
        const double src = half_pixel ? ratio * (static_cast<double>(o) + 0.5) - 0.5 : ratio * static_cast<double>(o);
        const double fl = std::max(0.0, std::floor(src));
        Tap& t = taps[static_cast<size_t>(o)];
        t.lo = std::min<int64_t>(in - 1, static_cast<int64_t>(fl));
        t.hi = std::max<int64_t>(0, std::min<int64_t>(in - 1, static_cast<int64_t>(std::ceil(src))));
        t.frac = static_cast<float>(src - fl);
    }
    return taps;
}

} // namespace

Tensor tf_resize_bilinear(const Tensor& nhwc, int64_t out_h, int64_t out_w, bool align_corners,
                          bool half_pixel_centers) {
    TORCH_CHECK(nhwc.dim() == 4, "resize expects a 4-D NHWC tensor");
    return tf_resize_bilinear_padded(nhwc, nhwc.size(1), nhwc.size(2), 0, 0, out_h, out_w, align_corners,
                                     half_pixel_centers);
}

namespace {

// Where resized values go: element (n, y, x, c) of the output at n*n_ + y*y_ + x*x_ + c*c_ floats,
// each divided by `divisor` when it is not 1 (the same float division as dividing the tensor).
struct ResizeOut {
    float* data = nullptr;
    int64_t n_ = 0, y_ = 0, x_ = 0, c_ = 0;
    float divisor = 1;
};

// One pass over the output, rows spread over ATen's threads: every output value is its own sum of
// four terms (no reduction across threads, so the result does not depend on the thread count).
// (As tensor ops, 4 gathers and 3 lerps, it made 7 passes over the output and was CenterNet's
// costliest op after the convolutions.) kC is the channel count when known at compile time (3 for
// images), 0 otherwise.
template <int kC, typename T>
void resize_rows(const T* src, int64_t N, int64_t H, int64_t W, int64_t C, const std::vector<Tap>& ry,
                 const std::vector<Tap>& rx, const ResizeOut& o) {
    const int64_t out_h = static_cast<int64_t>(ry.size()), out_w = static_cast<int64_t>(rx.size());
    const int64_t channels = kC > 0 ? kC : C;
    // Column taps as element offsets into a row, -1 on the padding.
    std::vector<int64_t> lo(static_cast<size_t>(out_w)), hi(static_cast<size_t>(out_w));
    for (int64_t x = 0; x < out_w; ++x) {
        lo[static_cast<size_t>(x)] = rx[static_cast<size_t>(x)].lo >= 0 ? rx[static_cast<size_t>(x)].lo * channels : -1;
        hi[static_cast<size_t>(x)] = rx[static_cast<size_t>(x)].hi >= 0 ? rx[static_cast<size_t>(x)].hi * channels : -1;
    }
    const bool divide = o.divisor != 1.0f;
    const int64_t grain = std::max<int64_t>(1, 32768 / std::max<int64_t>(1, out_w * channels));
    at::parallel_for(0, N * out_h, grain, [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r) {
            const int64_t n = r / out_h, yo = r % out_h;
            const Tap& ty = ry[static_cast<size_t>(yo)];
            const T* image = src + n * H * W * channels;
            const T* top = ty.lo >= 0 ? image + ty.lo * W * channels : nullptr; // nullptr: a padding row
            const T* bottom = ty.hi >= 0 ? image + ty.hi * W * channels : nullptr;
            const auto at = [](const T* row, int64_t off, int64_t c) {
                return row && off >= 0 ? static_cast<float>(row[off + c]) : 0.0f;
            };
            float* out = o.data + n * o.n_ + yo * o.y_;
            const float fy = ty.frac;
            for (int64_t x = 0; x < out_w; ++x) {
                const int64_t l = lo[static_cast<size_t>(x)], h = hi[static_cast<size_t>(x)];
                const float fx = rx[static_cast<size_t>(x)].frac;
                float* px = out + x * o.x_;
                for (int64_t c = 0; c < channels; ++c) {
                    const float a = at(top, l, c), b = at(top, h, c);
                    const float d = at(bottom, l, c), e = at(bottom, h, c);
                    const float upper = a + (b - a) * fx;
                    const float lower = d + (e - d) * fx;
                    const float v = upper + (lower - upper) * fy;
                    px[c * o.c_] = divide ? v / o.divisor : v;
                }
            }
        }
    });
}

// The resize of the NHWC tensor placed at (top, left) on a zero canvas into `o`.
void resize_into(const Tensor& nhwc, int64_t canvas_h, int64_t canvas_w, int64_t top, int64_t left, int64_t out_h,
                 int64_t out_w, bool align_corners, bool half_pixel_centers, const ResizeOut& o) {
    const bool bytes = nhwc.scalar_type() == torch::kUInt8;
    const Tensor x = (bytes || nhwc.scalar_type() == torch::kFloat ? nhwc : nhwc.to(torch::kFloat)).contiguous();
    const int64_t N = x.size(0), H = x.size(1), W = x.size(2), C = x.size(3);
    TORCH_CHECK(H > 0 && W > 0 && top >= 0 && left >= 0 && top + H <= canvas_h && left + W <= canvas_w,
                "the image must lie inside the canvas");
    // Canvas indices -> image indices; -1 where they fall on the padding (whose value is zero).
    auto on_image = [](std::vector<Tap> taps, int64_t offset, int64_t size) {
        for (auto& t : taps) {
            t.lo = t.lo - offset >= 0 && t.lo - offset < size ? t.lo - offset : -1;
            t.hi = t.hi - offset >= 0 && t.hi - offset < size ? t.hi - offset : -1;
        }
        return taps;
    };
    const auto ry = on_image(bilinear_axis(canvas_h, out_h, align_corners, half_pixel_centers), top, H);
    const auto rx = on_image(bilinear_axis(canvas_w, out_w, align_corners, half_pixel_centers), left, W);
    if (bytes && C == 3) resize_rows<3>(x.data_ptr<uint8_t>(), N, H, W, C, ry, rx, o);
    else if (bytes) resize_rows<0>(x.data_ptr<uint8_t>(), N, H, W, C, ry, rx, o);
    else resize_rows<0>(x.data_ptr<float>(), N, H, W, C, ry, rx, o);
}

} // namespace

Tensor tf_resize_bilinear_padded(const Tensor& nhwc, int64_t canvas_h, int64_t canvas_w, int64_t top, int64_t left,
                                 int64_t out_h, int64_t out_w, bool align_corners, bool half_pixel_centers) {
    TORCH_CHECK(nhwc.dim() == 4, "resize expects a 4-D NHWC tensor");
    TORCH_CHECK(out_h > 0 && out_w > 0, "resize to an empty size");
    // 8-bit images are read as they are (a byte is exactly a float: the same values as converting
    // the whole image first, which took a pass over it per model); other types become float.
    const int64_t N = nhwc.size(0), C = nhwc.size(3);
    Tensor y = torch::empty({N, out_h, out_w, C}, nhwc.options().dtype(torch::kFloat));
    resize_into(nhwc, canvas_h, canvas_w, top, left, out_h, out_w, align_corners, half_pixel_centers,
                {y.data_ptr<float>(), out_h * out_w * C, out_w * C, C, 1});
    return y;
}

Tensor tf_resize_bilinear_nchw(const Tensor& nhwc, int64_t out_h, int64_t out_w, bool align_corners,
                               bool half_pixel_centers, float divisor) {
    TORCH_CHECK(nhwc.dim() == 4, "resize expects a 4-D NHWC tensor");
    TORCH_CHECK(out_h > 0 && out_w > 0, "resize to an empty size");
    const int64_t N = nhwc.size(0), C = nhwc.size(3);
    Tensor y = torch::empty({N, C, out_h, out_w}, nhwc.options().dtype(torch::kFloat));
    resize_into(nhwc, nhwc.size(1), nhwc.size(2), 0, 0, out_h, out_w, align_corners, half_pixel_centers,
                {y.data_ptr<float>(), C * out_h * out_w, out_w, 1, out_h * out_w, divisor});
    return y;
}

namespace tfjs {

// The m largest values along the last dimension, in descending order, with their indices (which of
// equal values at the m-th place is unspecified, as with topk). Long rows (CenterNet's 1.3 million
// scores) are split over ATen's threads: the m largest of each part, then the m largest of those;
// a selection, no arithmetic, so the values do not depend on the split. (One topk on one thread
// was 8 % of CenterNet's forward pass on 2 cores.)
std::tuple<Tensor, Tensor> largest(const Tensor& x, int64_t m) {
    constexpr int64_t kMinPart = 1 << 15;
    const int64_t n = x.size(-1);
    const int64_t parts = std::min<int64_t>(at::get_num_threads(), n / std::max(kMinPart, m));
    if (parts < 2 || x.dim() == 0) return x.topk(m, -1, true, true);
    const Tensor rows = x.reshape({-1, n});
    const int64_t len = (n + parts - 1) / parts;
    std::vector<Tensor> values(static_cast<size_t>(parts)), indices(static_cast<size_t>(parts));
    at::parallel_for(0, parts, 1, [&](int64_t begin, int64_t end) {
        for (int64_t p = begin; p < end; ++p) {
            const int64_t start = p * len, size = std::min(len, n - start);
            auto [v, i] = rows.narrow(1, start, size).topk(std::min(m, size), 1, true, true);
            values[static_cast<size_t>(p)] = v;
            indices[static_cast<size_t>(p)] = i + start;
        }
    });
    auto [v, pick] = torch::cat(values, 1).topk(m, 1, true, true);
    std::vector<int64_t> shape = x.sizes().vec();
    shape.back() = m;
    return {v.reshape(shape), torch::cat(indices, 1).gather(1, pick).reshape(shape)};
}


namespace {
// One row of max_over_axis on columns [0, n - n % 8): the same choice as its scalar loop.
__attribute__((target("avx2"))) int64_t max_rows_avx2(const float* row, float* v, int32_t* r, int64_t n, int32_t k) {
    const __m256i kk = _mm256_set1_epi32(k);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 w = _mm256_loadu_ps(row + i), cur = _mm256_loadu_ps(v + i);
        const __m256 take = _mm256_and_ps(_mm256_cmp_ps(cur, cur, _CMP_ORD_Q),
                                          _mm256_or_ps(_mm256_cmp_ps(w, cur, _CMP_GT_OQ), _mm256_cmp_ps(w, w, _CMP_UNORD_Q)));
        _mm256_storeu_ps(v + i, _mm256_blendv_ps(cur, w, take));
        const __m256i old = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(r + i));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(r + i),
                            _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(old), _mm256_castsi256_ps(kk), take)));
    }
    return i;
}
} // namespace

bool max_over_axis_applies(const Tensor& x, int64_t axis) {
    return x.scalar_type() == torch::kFloat && axis >= 0 && axis + 1 < x.dim() && x.size(axis) > 0;
}

std::pair<Tensor, Tensor> max_over_axis(const Tensor& x, int64_t axis, bool keepdim) {
    TORCH_CHECK(max_over_axis_applies(x, axis), "max_over_axis: a float tensor and an axis before its last");
    const Tensor xc = x.contiguous();
    int64_t outer = 1, inner = 1;
    for (int64_t d = 0; d < axis; ++d) outer *= xc.size(d);
    for (int64_t d = axis + 1; d < xc.dim(); ++d) inner *= xc.size(d);
    const int64_t rows = xc.size(axis);
    auto sizes = xc.sizes().vec();
    if (keepdim) sizes[static_cast<size_t>(axis)] = 1;
    else sizes.erase(sizes.begin() + axis);
    Tensor values = torch::empty(sizes, xc.options()), index = torch::empty(sizes, xc.options().dtype(torch::kLong));
    const float* src = xc.data_ptr<float>();
    float* best = values.data_ptr<float>();
    int64_t* at_row = index.data_ptr<int64_t>();
    // Row by row (the memory in order), each thread on its own columns: a column keeps the first
    // row holding its largest value (a NaN, once seen, stays). Row numbers are kept as int32 while
    // scanning (AVX2 compares eight columns at once where the CPU has it).
    TORCH_CHECK(rows < (int64_t{1} << 31), "max_over_axis: too many rows");
    const bool avx2 = use_simd(SimdPath::Avx2Fma);
    at::parallel_for(0, outer * inner, 2048, [&](int64_t b, int64_t e) {
        std::vector<int32_t> r32;
        for (int64_t j = b; j < e;) {
            const int64_t o = j / inner, i0 = j % inner, i1 = std::min(inner, i0 + (e - j)), n = i1 - i0;
            const float* block = src + o * rows * inner + i0;
            float* v = best + o * inner + i0;
            r32.assign(static_cast<size_t>(n), 0);
            std::copy(block, block + n, v);
            for (int64_t k = 1; k < rows; ++k) {
                const int64_t done = avx2 ? max_rows_avx2(block + k * inner, v, r32.data(), n, static_cast<int32_t>(k)) : 0;
                for (int64_t i = done; i < n; ++i) {
                    const float w = block[k * inner + i], cur = v[i];
                    const bool take = cur == cur && (w > cur || w != w);
                    v[i] = take ? w : cur;
                    r32[static_cast<size_t>(i)] = take ? static_cast<int32_t>(k) : r32[static_cast<size_t>(i)];
                }
            }
            std::copy(r32.begin(), r32.end(), at_row + o * inner + i0);
            j += n;
        }
    });
    return {values, index};
}

namespace {
// m = x * c; r = clamp(x + a, 0, 6) (NaN stays NaN); y = m * r. The AVX2 loop and the scalar one
// do the same operations (max(t, 0) gives +0 for t = -0 in both).
inline float hard_swish1(float v, float c, float a) {
    const float m = v * c, t = v + a;
    float r = t > 0.f ? t : 0.f;
    r = r < 6.f ? r : 6.f;
    return m * (t != t ? t : r);
}

__attribute__((target("avx2"))) void hard_swish_avx2(const float* x, float* y, int64_t n, float c, float a) {
    const __m256 vc = _mm256_set1_ps(c), va = _mm256_set1_ps(a), zero = _mm256_setzero_ps(), six = _mm256_set1_ps(6.f);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 v = _mm256_loadu_ps(x + i);
        const __m256 m = _mm256_mul_ps(v, vc), t = _mm256_add_ps(v, va);
        __m256 r = _mm256_min_ps(_mm256_max_ps(t, zero), six);
        r = _mm256_blendv_ps(r, t, _mm256_cmp_ps(t, t, _CMP_UNORD_Q));
        _mm256_storeu_ps(y + i, _mm256_mul_ps(m, r));
    }
    for (; i < n; ++i) y[i] = hard_swish1(x[i], c, a);
}
} // namespace

Tensor hard_swish(const Tensor& x, const Tensor& scale, const Tensor& shift) {
    TORCH_CHECK(x.scalar_type() == torch::kFloat && scale.scalar_type() == torch::kFloat &&
                        shift.scalar_type() == torch::kFloat,
                "hard-swish needs float32 values");
    TORCH_CHECK(scale.numel() == 1 && shift.numel() == 1, "hard-swish needs a single scale and shift");
    const Tensor xc = x.contiguous();
    Tensor y = torch::empty_like(xc);
    const float c = scale.item<float>(), a = shift.item<float>();
    const float* src = xc.data_ptr<float>();
    float* dst = y.data_ptr<float>();
    const bool avx2 = use_simd(SimdPath::Avx2Fma);
    at::parallel_for(0, xc.numel(), 16384, [&](int64_t b, int64_t e) {
        if (avx2) {
            hard_swish_avx2(src + b, dst + b, e - b, c, a);
        } else {
            for (int64_t i = b; i < e; ++i) dst[i] = hard_swish1(src[i], c, a);
        }
    });
    return y;
}

namespace {
// The geometry of one depthwise convolution (NHWC), taps outside the input skipped.
struct DwShape {
    int64_t H, W, C, OH, OW, KH, KW, sh, sw, dh, dw, top, left;
};

// The taps [k0, k1) of K taps d apart from input position i0 that fall inside [0, n).
inline std::pair<int64_t, int64_t> taps_inside(int64_t i0, int64_t d, int64_t K, int64_t n) {
    int64_t k0 = 0, k1 = K;
    while (k0 < k1 && i0 + k0 * d < 0) ++k0;
    while (k1 > k0 && i0 + (k1 - 1) * d >= n) --k1;
    return {k0, k1};
}

// The activation on 8 accumulators, as ATen's clamp_min / clamp kernels compute it:
// max(0, v) keeps a NaN and -0, min(6, .) keeps a NaN.
__attribute__((target("avx2,fma"))) inline __m256 dw_act8(__m256 v, int act) {
    if (act >= 1) v = _mm256_max_ps(_mm256_setzero_ps(), v);
    if (act == 2) v = _mm256_min_ps(_mm256_set1_ps(6.f), v);
    return v;
}

// Loads and stores of 8 channels, or under a mask (the last vector of a row whose channels are
// not a multiple of 8: the masked lanes are neither read nor written).
template <bool MASK>
__attribute__((target("avx2,fma"))) inline __m256 dw_load(const float* p, __m256i m) {
    if constexpr (MASK) return _mm256_maskload_ps(p, m);
    else return _mm256_loadu_ps(p);
}
template <bool MASK>
__attribute__((target("avx2,fma"))) inline void dw_store(float* p, __m256 v, __m256i m) {
    if constexpr (MASK) _mm256_maskstore_ps(p, m, v);
    else _mm256_storeu_ps(p, v);
}

// NO output pixels side by side x NV vectors of channels from channel c (MASK: one vector, the
// lanes in m), over the taps' rows kh0..kh1 and columns kw0..kw1 (inside the input): each tap's
// weights are loaded once for the NO pixels. Per value: acc = 0, then acc = fma(x, w, acc) over
// the taps, kh outer and kw inner, then acc + bias, then the activation.
template <int NO, int NV, bool MASK = false>
__attribute__((target("avx2,fma"))) inline void dw_block(const float* x, const float* w, const float* bias, float* out,
                                                         const DwShape& s, int64_t ih0, int64_t kh0, int64_t kh1,
                                                         int64_t iw0, int64_t kw0, int64_t kw1, int64_t c, int act,
                                                         __m256i m) {
    static_assert(!MASK || NV == 1, "a masked block is one vector wide");
    const int64_t C = s.C, step = s.sw * C;
    // The accumulators stay in registers only if these loops are unrolled (GCC's -O2 does not).
    __m256 a[NO][NV];
#pragma GCC unroll 8
    for (int i = 0; i < NO * NV; ++i) a[i / NV][i % NV] = _mm256_setzero_ps();
    for (int64_t kh = kh0; kh < kh1; ++kh) {
        const float* xr = x + ((ih0 + kh * s.dh) * s.W + iw0) * C + c;
        const float* wr = w + kh * s.KW * C + c;
        for (int64_t kw = kw0; kw < kw1; ++kw) {
            const float* xp = xr + kw * s.dw * C;
            __m256 wv[NV];
#pragma GCC unroll 2
            for (int v = 0; v < NV; ++v) wv[v] = dw_load<MASK>(wr + kw * C + 8 * v, m);
#pragma GCC unroll 8
            for (int i = 0; i < NO * NV; ++i)
                a[i / NV][i % NV] =
                        _mm256_fmadd_ps(dw_load<MASK>(xp + (i / NV) * step + 8 * (i % NV), m), wv[i % NV], a[i / NV][i % NV]);
        }
    }
#pragma GCC unroll 8
    for (int i = 0; i < NO * NV; ++i) {
        __m256 r = a[i / NV][i % NV];
        if (bias) r = _mm256_add_ps(r, dw_load<MASK>(bias + c + 8 * (i % NV), m));
        dw_store<MASK>(out + (i / NV) * C + c + 8 * (i % NV), dw_act8(r, act), m);
    }
}

// NO output pixels from ow on, all channels, over the taps' columns kw0..kw1.
template <int NO>
__attribute__((target("avx2,fma"))) void dw_pixels(const float* x, const float* w, const float* bias, float* y,
                                                   const DwShape& s, int64_t ih0, int64_t kh0, int64_t kh1, int64_t ow,
                                                   int64_t kw0, int64_t kw1, int act) {
    const int64_t C = s.C, c16 = C / 16 * 16, c8 = C / 8 * 8, iw0 = ow * s.sw - s.left;
    float* out = y + ow * C;
    const __m256i all = _mm256_set1_epi32(-1);
    for (int64_t c = 0; c < c16; c += 16) dw_block<NO, 2>(x, w, bias, out, s, ih0, kh0, kh1, iw0, kw0, kw1, c, act, all);
    if (c8 > c16) dw_block<NO, 1>(x, w, bias, out, s, ih0, kh0, kh1, iw0, kw0, kw1, c16, act, all);
    if (c8 < C) {
        const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
        const __m256i m = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(C - c8)), lane);
        dw_block<NO, 1, true>(x, w, bias, out, s, ih0, kh0, kh1, iw0, kw0, kw1, c8, act, m);
    }
}

// One output row: the pixels whose taps all lie inside the input in width four at a time, the
// border pixels one at a time with their taps outside skipped.
__attribute__((target("avx2,fma"))) void dw_row_avx2(const float* x, const float* w, const float* bias, float* y,
                                                     const DwShape& s, int64_t oh, int act) {
    const int64_t ih0 = oh * s.sh - s.top;
    const auto rows = taps_inside(ih0, s.dh, s.KH, s.H);
    const int64_t kh0 = rows.first, kh1 = rows.second; // named variables: the lambda captures them
    auto border = [&](int64_t ow) {
        const int64_t iw0 = ow * s.sw - s.left;
        const auto [kw0, kw1] = taps_inside(iw0, s.dw, s.KW, s.W);
        dw_pixels<1>(x, w, bias, y, s, ih0, kh0, kh1, ow, kw0, kw1, act);
    };
    // Interior pixels: ow * sw - left >= 0 and ow * sw - left + (KW - 1) * dw < W.
    const int64_t ow_lo = std::min(s.OW, (s.left + s.sw - 1) / s.sw);
    const int64_t last = s.W - 1 - (s.KW - 1) * s.dw + s.left;
    const int64_t ow_hi = last < 0 ? ow_lo : std::max(ow_lo, std::min(s.OW, last / s.sw + 1));
    int64_t ow = 0;
    for (; ow < ow_lo; ++ow) border(ow);
    for (; ow + 4 <= ow_hi; ow += 4) dw_pixels<4>(x, w, bias, y, s, ih0, kh0, kh1, ow, 0, s.KW, act);
    for (; ow < ow_hi; ++ow) dw_pixels<1>(x, w, bias, y, s, ih0, kh0, kh1, ow, 0, s.KW, act);
    for (; ow < s.OW; ++ow) border(ow);
}
// The portable path: each output value as dw_block computes it (acc = 0, fma over the taps, kh
// outer and kw inner, + bias, the activation as dw_act8's max / min), so the same bits.
void dw_row_portable(const float* x, const float* w, const float* bias, float* y, const DwShape& s, int64_t oh, int act) {
    const int64_t C = s.C, ih0 = oh * s.sh - s.top;
    const auto [kh0, kh1] = taps_inside(ih0, s.dh, s.KH, s.H);
    for (int64_t ow = 0; ow < s.OW; ++ow) {
        const int64_t iw0 = ow * s.sw - s.left;
        const auto [kw0, kw1] = taps_inside(iw0, s.dw, s.KW, s.W);
        for (int64_t c = 0; c < C; ++c) {
            float a = 0.f;
            for (int64_t kh = kh0; kh < kh1; ++kh)
                for (int64_t kw = kw0; kw < kw1; ++kw)
                    a = std::fma(x[((ih0 + kh * s.dh) * s.W + iw0 + kw * s.dw) * C + c], w[(kh * s.KW + kw) * C + c], a);
            if (bias) a = a + bias[c];
            if (act >= 1) a = 0.f > a ? 0.f : a;
            if (act == 2) a = 6.f < a ? 6.f : a;
            y[ow * C + c] = a;
        }
    }
}
} // namespace

Tensor depthwise_conv_nhwc(const Tensor& x, const Tensor& w, const Tensor& bias, std::array<int64_t, 2> stride,
                           std::array<int64_t, 2> dilation, std::array<int64_t, 4> pads, int act) {
    TORCH_CHECK(x.dim() == 4 && w.dim() == 3 && x.scalar_type() == torch::kFloat && w.scalar_type() == torch::kFloat,
                "depthwise_conv_nhwc: a float NHWC input and a float [KH,KW,C] filter");
    TORCH_CHECK(w.size(2) == x.size(3), "depthwise filter has ", w.size(2), " channels, the input ", x.size(3));
    TORCH_CHECK(!bias.defined() || (bias.scalar_type() == torch::kFloat && bias.numel() == x.size(3)),
                "depthwise bias must have one float per channel");
    TORCH_CHECK(stride[0] > 0 && stride[1] > 0 && dilation[0] > 0 && dilation[1] > 0, "bad stride or dilation");
    TORCH_CHECK(act >= 0 && act <= 2, "depthwise_conv_nhwc: activation 0 (none), 1 (relu) or 2 (relu6)");
    DwShape s{x.size(1), x.size(2), x.size(3), 0, 0, w.size(0), w.size(1),
              stride[0], stride[1], dilation[0], dilation[1], pads[0], pads[2]};
    const int64_t eh = (s.KH - 1) * s.dh + 1, ew = (s.KW - 1) * s.dw + 1;
    for (const int64_t p : pads) TORCH_CHECK(p >= 0 && p <= kMaxElements, "depthwise padding out of range: ", p);
    TORCH_CHECK(s.H + pads[0] + pads[1] >= eh && s.W + pads[2] + pads[3] >= ew, "depthwise filter larger than its input");
    s.OH = (s.H + pads[0] + pads[1] - eh) / s.sh + 1;
    s.OW = (s.W + pads[2] + pads[3] - ew) / s.sw + 1;
    TORCH_CHECK(s.OH <= kMaxElements / std::max<int64_t>(1, s.OW * s.C * x.size(0)), "depthwise output too large");
    const Tensor xc = x.contiguous(), wc = w.contiguous(), bc = bias.defined() ? bias.contiguous() : bias;
    const int64_t N = x.size(0);
    Tensor y = torch::empty({N, s.OH, s.OW, s.C}, xc.options());
    const float* src = xc.data_ptr<float>();
    const float* wp = wc.data_ptr<float>();
    const float* bp = bc.defined() ? bc.data_ptr<float>() : nullptr;
    float* dst = y.data_ptr<float>();
    const bool avx2 = use_simd(SimdPath::Avx2Fma);
    at::parallel_for(0, N * s.OH, 1, [&](int64_t b, int64_t e) {
        for (int64_t r = b; r < e; ++r) {
            const int64_t n = r / s.OH, oh = r % s.OH;
            const float* img = src + n * s.H * s.W * s.C;
            if (avx2) dw_row_avx2(img, wp, bp, dst + r * s.OW * s.C, s, oh, act);
            else dw_row_portable(img, wp, bp, dst + r * s.OW * s.C, s, oh, act);
        }
    });
    return y;
}

namespace {
// One max-pool output value's rule, as ATen's kernels apply it tap by tap from -inf: a larger
// value or a NaN replaces the maximum (ties keep the first; the last NaN wins).
inline float pool_take(float m, float v) { return (v > m || v != v) ? v : m; }

__attribute__((target("avx2"))) inline __m256 pool_take8(__m256 m, __m256 v) {
    return _mm256_blendv_ps(m, v, _mm256_or_ps(_mm256_cmp_ps(v, m, _CMP_GT_OQ), _mm256_cmp_ps(v, v, _CMP_UNORD_Q)));
}

// Channels [0, C - C % 8) of one output pixel over the taps' rows kh0..kh1 and columns kw0..kw1;
// returns where the scalar channels start.
__attribute__((target("avx2"))) int64_t pool_pixel_avx2(const float* x, float* out, int64_t W, int64_t C, int64_t ih0,
                                                        int64_t kh0, int64_t kh1, int64_t iw0, int64_t kw0, int64_t kw1) {
    int64_t c = 0;
    for (; c + 8 <= C; c += 8) {
        __m256 m = _mm256_set1_ps(-INFINITY);
        for (int64_t kh = kh0; kh < kh1; ++kh)
            for (int64_t kw = kw0; kw < kw1; ++kw) m = pool_take8(m, _mm256_loadu_ps(x + ((ih0 + kh) * W + iw0 + kw) * C + c));
        _mm256_storeu_ps(out + c, m);
    }
    return c;
}
} // namespace

Tensor max_pool_nhwc(const Tensor& x, std::array<int64_t, 2> kernel, std::array<int64_t, 2> stride,
                     std::array<int64_t, 4> pads) {
    TORCH_CHECK(x.dim() == 4 && x.scalar_type() == torch::kFloat, "max_pool_nhwc: a float NHWC input");
    TORCH_CHECK(kernel[0] > 0 && kernel[1] > 0 && stride[0] > 0 && stride[1] > 0, "max_pool_nhwc: bad window or stride");
    const int64_t N = x.size(0), H = x.size(1), W = x.size(2), C = x.size(3), KH = kernel[0], KW = kernel[1];
    for (const int64_t p : pads) TORCH_CHECK(p >= 0 && p < std::max(KH, KW), "max_pool_nhwc: padding out of range: ", p);
    TORCH_CHECK(H + pads[0] + pads[1] >= KH && W + pads[2] + pads[3] >= KW, "max_pool_nhwc: window larger than its input");
    const int64_t OH = (H + pads[0] + pads[1] - KH) / stride[0] + 1, OW = (W + pads[2] + pads[3] - KW) / stride[1] + 1;
    const Tensor xc = x.contiguous();
    Tensor y = torch::empty({N, OH, OW, C}, xc.options());
    const float* src = xc.data_ptr<float>();
    float* dst = y.data_ptr<float>();
    const bool avx2 = use_simd(SimdPath::Avx2Fma);
    at::parallel_for(0, N * OH, 1, [&](int64_t b, int64_t e) {
        for (int64_t r = b; r < e; ++r) {
            const int64_t n = r / OH, oh = r % OH, ih0 = oh * stride[0] - pads[0];
            const int64_t kh0 = std::max<int64_t>(0, -ih0), kh1 = std::min(KH, H - ih0);
            const float* img = src + n * H * W * C;
            for (int64_t ow = 0; ow < OW; ++ow) {
                const int64_t iw0 = ow * stride[1] - pads[2];
                const int64_t kw0 = std::max<int64_t>(0, -iw0), kw1 = std::min(KW, W - iw0);
                float* out = dst + (r * OW + ow) * C;
                int64_t c = avx2 ? pool_pixel_avx2(img, out, W, C, ih0, kh0, kh1, iw0, kw0, kw1) : 0;
                for (; c < C; ++c) {
                    float m = -INFINITY;
                    for (int64_t kh = kh0; kh < kh1; ++kh)
                        for (int64_t kw = kw0; kw < kw1; ++kw) m = pool_take(m, img[((ih0 + kh) * W + iw0 + kw) * C + c]);
                    out[c] = m;
                }
            }
        }
    });
    return y;
}

namespace {
template <char OP>
inline float apply1(float x, float y) {
    if constexpr (OP == '+') return x + y;
    else if constexpr (OP == '-') return x - y;
    else if constexpr (OP == '*') return x * y;
    else return x / y;
}

template <char OP>
__attribute__((target("avx2"))) inline __m256 apply8(__m256 x, __m256 y) {
    if constexpr (OP == '+') return _mm256_add_ps(x, y);
    else if constexpr (OP == '-') return _mm256_sub_ps(x, y);
    else if constexpr (OP == '*') return _mm256_mul_ps(x, y);
    else return _mm256_div_ps(x, y);
}

// out[i] = big[i] op pat[j] (pat op big with SMALL_FIRST) over whole periods [i, i + L) from i.
template <char OP, bool SMALL_FIRST>
__attribute__((target("avx2"))) int64_t periodic_blocks_avx2(const float* big, const float* pat, int64_t L, float* out,
                                                             int64_t i, int64_t e) {
    for (; i + L <= e; i += L)
        for (int64_t j = 0; j < L; j += 8) {
            const __m256 x = _mm256_loadu_ps(big + i + j), y = _mm256_loadu_ps(pat + j);
            _mm256_storeu_ps(out + i + j, SMALL_FIRST ? apply8<OP>(y, x) : apply8<OP>(x, y));
        }
    return i;
}

// out[i] = big[i] op pat[i % L] (or pat op big with SMALL_FIRST) for i in [b, e); L = 8 * period.
// The whole periods by AVX2 where the CPU has it, the rest one by one (the same operation).
template <char OP, bool SMALL_FIRST>
void periodic_run(const float* big, const float* pat, int64_t L, float* out, int64_t b, int64_t e, bool avx2) {
    auto one = [&](int64_t i) {
        const float x = big[i], y = pat[i % L];
        out[i] = SMALL_FIRST ? apply1<OP>(y, x) : apply1<OP>(x, y);
    };
    int64_t i = b;
    for (; i < e && i % L != 0; ++i) one(i);
    if (avx2) i = periodic_blocks_avx2<OP, SMALL_FIRST>(big, pat, L, out, i, e);
    for (; i < e; ++i) one(i);
}

// The number of values after which `small` repeats along `big` (its trailing dimensions), or 0.
int64_t period_of(const Tensor& big, const Tensor& small) {
    if (big.scalar_type() != torch::kFloat || small.scalar_type() != torch::kFloat || !big.is_contiguous() ||
        big.numel() < 16384 || small.numel() < 1 || small.numel() > 64 || small.dim() > big.dim())
        return 0;
    int64_t d = 0;
    while (d < small.dim() && small.size(d) == 1) ++d; // leading ones broadcast
    const int64_t k = small.dim() - d;
    for (int64_t j = 0; j < k; ++j)
        if (small.size(d + j) != big.size(big.dim() - k + j)) return 0;
    return small.numel();
}
} // namespace

Tensor periodic_binary(const Tensor& a, const Tensor& b, char op) {
    const bool a_big = a.numel() >= b.numel();
    const Tensor& big = a_big ? a : b;
    // Only the shapes decide; the small operand is made contiguous once it applies (not for two
    // large operands, which go back to ATen).
    const int64_t P = period_of(big, a_big ? b : a);
    if (P == 0 || (op != '+' && op != '-' && op != '*' && op != '/')) return {};
    const Tensor small = (a_big ? b : a).contiguous();
    const int64_t L = 8 * P;
    std::vector<float> pat(static_cast<size_t>(L));
    const float* s = small.data_ptr<float>();
    for (int64_t j = 0; j < L; ++j) pat[static_cast<size_t>(j)] = s[j % P];
    Tensor y = torch::empty_like(big);
    const float* x = big.data_ptr<float>();
    float* out = y.data_ptr<float>();
    const bool avx2 = use_simd(SimdPath::Avx2Fma);
    // One instantiation per operation and operand order.
    auto run = [&](auto op_tag, int64_t b0, int64_t e0) {
        constexpr char OP = decltype(op_tag)::value;
        if (a_big) periodic_run<OP, false>(x, pat.data(), L, out, b0, e0, avx2);
        else periodic_run<OP, true>(x, pat.data(), L, out, b0, e0, avx2);
    };
    at::parallel_for(0, big.numel(), 32768, [&](int64_t b0, int64_t e0) {
        switch (op) {
        case '+': run(std::integral_constant<char, '+'>{}, b0, e0); break;
        case '-': run(std::integral_constant<char, '-'>{}, b0, e0); break;
        case '*': run(std::integral_constant<char, '*'>{}, b0, e0); break;
        default: run(std::integral_constant<char, '/'>{}, b0, e0); break;
        }
    });
    return y;
}

} // namespace tfjs

} // namespace hoi::detect
