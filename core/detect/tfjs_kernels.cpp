// Kernels of the TF.js runner written by hand for ATen's threads (at::parallel_for). This file is
// built with OpenMP flags (core/detect/CMakeLists.txt): at::parallel_for is a header template and,
// in a file built without them, runs every range on the calling thread.
#include "detect/tfjs_graph.h"
#include "detect/tfjs_ops.h"

#include <ATen/Parallel.h>

#include <immintrin.h>

#include <algorithm>
#include <cmath>
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

// One pass over the output, rows spread over ATen's threads: every output value is its own sum of
// four terms (no reduction across threads, so the result does not depend on the thread count).
// (As tensor ops, 4 gathers and 3 lerps, it made 7 passes over the output and was CenterNet's
// costliest op after the convolutions.)
Tensor tf_resize_bilinear_padded(const Tensor& nhwc, int64_t canvas_h, int64_t canvas_w, int64_t top, int64_t left,
                                 int64_t out_h, int64_t out_w, bool align_corners, bool half_pixel_centers) {
    TORCH_CHECK(nhwc.dim() == 4, "resize expects a 4-D NHWC tensor");
    TORCH_CHECK(out_h > 0 && out_w > 0, "resize to an empty size");
    const Tensor x = (nhwc.scalar_type() == torch::kFloat ? nhwc : nhwc.to(torch::kFloat)).contiguous();
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
    Tensor y = torch::empty({N, out_h, out_w, C}, x.options());
    const std::vector<float> zeros(static_cast<size_t>(C), 0.0f);
    const float* src = x.data_ptr<float>();
    float* dst = y.data_ptr<float>();
    const int64_t grain = std::max<int64_t>(1, 32768 / std::max<int64_t>(1, out_w * C));
    at::parallel_for(0, N * out_h, grain, [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r) {
            const int64_t n = r / out_h;
            const Tap& ty = ry[static_cast<size_t>(r % out_h)];
            const float* image = src + n * H * W * C;
            auto pixel = [&](int64_t yi, int64_t xi) {
                return yi >= 0 && xi >= 0 ? image + (yi * W + xi) * C : zeros.data();
            };
            float* out = dst + r * out_w * C;
            const float fy = ty.frac;
            for (int64_t o = 0; o < out_w; ++o, out += C) {
                const Tap& tx = rx[static_cast<size_t>(o)];
                const float *tl = pixel(ty.lo, tx.lo), *tr = pixel(ty.lo, tx.hi);
                const float *bl = pixel(ty.hi, tx.lo), *br = pixel(ty.hi, tx.hi);
                const float fx = tx.frac;
                for (int64_t c = 0; c < C; ++c) {
                    const float upper = tl[c] + (tr[c] - tl[c]) * fx;
                    const float lower = bl[c] + (br[c] - bl[c]) * fx;
                    out[c] = upper + (lower - upper) * fy;
                }
            }
        }
    });
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
bool cpu_has_avx2() {
    static const bool yes = __builtin_cpu_supports("avx2");
    return yes;
}

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
    const bool avx2 = cpu_has_avx2();
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
    const bool avx2 = cpu_has_avx2();
    at::parallel_for(0, xc.numel(), 16384, [&](int64_t b, int64_t e) {
        if (avx2) {
            hard_swish_avx2(src + b, dst + b, e - b, c, a);
        } else {
            for (int64_t i = b; i < e; ++i) dst[i] = hard_swish1(src[i], c, a);
        }
    });
    return y;
}

} // namespace tfjs

} // namespace hoi::detect
