// CLIP preprocessing with PIL's resampling (Pillow's libImaging/Resample.c, 8 bits per channel).
// Rows are spread over ATen's threads (each output row is its own integer sums, so the result does
// not depend on the thread count); the file is built with OpenMP flags (core/clip/CMakeLists.txt).
#include "clip/preprocess.h"

#include "clip/cpu_features.h"

#include "io/error.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <immintrin.h>
#include <vector>

#ifndef _OPENMP
#error "preprocess.cpp needs OpenMP flags: without them at::parallel_for runs everything on one thread"
#endif

namespace hoi::clip {

namespace {

constexpr int kPrecisionBits = 32 - 8 - 2; // PIL's fixed point for 8-bit images

// PIL's bicubic kernel (a = -0.5), support 2.
double bicubic(double x) {
    constexpr double a = -0.5;
    if (x < 0.0) x = -x;
    if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
    if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
    return 0.0;
}

// The filter taps of one axis (PIL's precompute_coeffs + normalize_coeffs_8bpc): for output pixel
// i, input pixels [bounds[i].first, +bounds[i].second) with 22-bit fixed-point weights.
struct Coeffs {
    int ksize = 0;
    std::vector<std::pair<int, int>> bounds; // (xmin, count)
    std::vector<int32_t> k;                  // out_size * ksize
};

Coeffs precompute(int in_size, int out_size) {
    const double scale = static_cast<double>(in_size) / out_size;
    const double filterscale = std::max(scale, 1.0); // antialias: the kernel widens when downsampling
    const double support = 2.0 * filterscale;
    Coeffs c;
    c.ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
    c.bounds.resize(static_cast<size_t>(out_size));
    c.k.assign(static_cast<size_t>(out_size) * static_cast<size_t>(c.ksize), 0);
    std::vector<double> w(static_cast<size_t>(c.ksize));
    for (int xx = 0; xx < out_size; ++xx) {
        const double center = (xx + 0.5) * scale;
        const double ss = 1.0 / filterscale;
        int xmin = static_cast<int>(center - support + 0.5); // C truncation, as PIL
        if (xmin < 0) xmin = 0;
        int xmax = static_cast<int>(center + support + 0.5);
        if (xmax > in_size) xmax = in_size;
        xmax -= xmin;
        double ww = 0.0;
        for (int x = 0; x < xmax; ++x) {
            const double v = bicubic((x + xmin - center + 0.5) * ss);
            w[static_cast<size_t>(x)] = v;
            ww += v;
        }
        int32_t* k = &c.k[static_cast<size_t>(xx) * static_cast<size_t>(c.ksize)];
        for (int x = 0; x < xmax; ++x) {
            double v = w[static_cast<size_t>(x)];
            if (ww != 0.0) v /= ww;
            k[x] = static_cast<int32_t>(v < 0 ? -0.5 + v * (1 << kPrecisionBits) : 0.5 + v * (1 << kPrecisionBits));
        }
        c.bounds[static_cast<size_t>(xx)] = {xmin, xmax};
    }
    return c;
}

// PIL's sums are 32-bit (Resample.c: int ss0...). A row's sum lies within 2^21 +- 255 * (the sum of
// its taps' magnitudes); where that fits in 32 bits (every real resize: the taps' magnitudes sum to
// about 1.1 in fixed point) the sums are int32, which AVX2 multiplies eight at a time, else int64 —
// exact integers either way, so the bytes are the same.
bool sums_fit_int32(const Coeffs& c) {
    for (size_t i = 0; i < c.bounds.size(); ++i) {
        int64_t mag = 0;
        for (int x = 0; x < c.bounds[i].second; ++x) mag += std::abs(int64_t{c.k[i * static_cast<size_t>(c.ksize) + static_cast<size_t>(x)]});
        if ((int64_t{1} << (kPrecisionBits - 1)) + 255 * mag > INT32_MAX) return false;
    }
    return true;
}

template <typename Acc>
inline uint8_t clip8(Acc v) {
    if (v <= 0) return 0;
    v >>= kPrecisionBits;
    return static_cast<uint8_t>(v > 255 ? 255 : v);
}

// One output pixel of the horizontal pass from n taps; pixel(x) is the x-th tap's RGB.
template <typename Acc, typename Pixel>
inline void resample_pixel(const Pixel& pixel, const int32_t* k, int n, uint8_t* out) {
    Acc s0 = Acc{1} << (kPrecisionBits - 1), s1 = s0, s2 = s0;
    for (int x = 0; x < n; ++x) {
        const uint8_t* p = pixel(x);
        s0 += Acc{p[0]} * k[x];
        s1 += Acc{p[1]} * k[x];
        s2 += Acc{p[2]} * k[x];
    }
    out[0] = clip8(s0);
    out[1] = clip8(s1);
    out[2] = clip8(s2);
}

// The same for taps that are n consecutive pixels from p: the three channels as lanes of one vector
// (each tap's 4 bytes read as 4 int32, the 4th lane unused; the last pixel of a row is read on its
// own so that nothing past the row is touched).
__attribute__((target("avx2"))) void resample_pixel_avx2(const uint8_t* p, const int32_t* k, int n, bool row_end,
                                                         uint8_t* out) {
    __m128i s = _mm_set1_epi32(1 << (kPrecisionBits - 1));
    const int vec = row_end ? n - 1 : n;
    int x = 0;
    for (; x < vec; ++x) {
        int32_t four;
        std::memcpy(&four, p + 3 * x, 4);
        s = _mm_add_epi32(s, _mm_mullo_epi32(_mm_cvtepu8_epi32(_mm_cvtsi32_si128(four)), _mm_set1_epi32(k[x])));
    }
    alignas(16) int32_t v[4];
    _mm_store_si128(reinterpret_cast<__m128i*>(v), s);
    for (; x < n; ++x)
        for (int c = 0; c < 3; ++c) v[c] += int32_t{p[3 * x + c]} * k[x];
    for (int c = 0; c < 3; ++c) out[c] = clip8(v[c]);
}

// One output row of the vertical pass: len bytes, each the sum over n rows of tmp from `first`.
template <typename Acc>
void vertical_row(const cv::Mat& tmp, int first, const int32_t* k, int n, int len, Acc* sums, uint8_t* out) {
    std::fill(sums, sums + len, Acc{1} << (kPrecisionBits - 1));
    for (int y = 0; y < n; ++y) {
        const uint8_t* r = tmp.ptr<uint8_t>(first + y);
        const Acc w = k[y];
        for (int i = 0; i < len; ++i) sums[i] += Acc{r[i]} * w;
    }
    for (int i = 0; i < len; ++i) out[i] = clip8(sums[i]);
}

__attribute__((target("avx2"))) void vertical_row_avx2(const cv::Mat& tmp, int first, const int32_t* k, int n, int len,
                                                       int32_t* sums, uint8_t* out) {
    const int vec = len / 8 * 8;
    std::fill(sums, sums + len, 1 << (kPrecisionBits - 1));
    for (int y = 0; y < n; ++y) {
        const uint8_t* r = tmp.ptr<uint8_t>(first + y);
        const __m256i w = _mm256_set1_epi32(k[y]);
        for (int i = 0; i < vec; i += 8) {
            const __m256i v = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(r + i)));
            __m256i* s = reinterpret_cast<__m256i*>(sums + i);
            _mm256_storeu_si256(s, _mm256_add_epi32(_mm256_loadu_si256(s), _mm256_mullo_epi32(v, w)));
        }
        for (int i = vec; i < len; ++i) sums[i] += int32_t{r[i]} * k[y];
    }
    for (int i = 0; i < len; ++i) out[i] = clip8(sums[i]);
}

} // namespace

cv::Mat resize_bicubic_pil(const cv::Mat& rgb8, int width, int height) {
    return resize_bicubic_pil_padded(rgb8, rgb8.cols, rgb8.rows, 0, 0, {0, 0, 0}, width, height);
}

cv::Mat resize_bicubic_pil_padded(const cv::Mat& rgb8, int canvas_w, int canvas_h, int left, int top,
                                  const std::array<uint8_t, 3>& fill, int width, int height) {
    if (rgb8.empty()) throw_input("resize: the image is empty");
    if (rgb8.type() != CV_8UC3)
        throw_input("resize: expected an 8-bit 3-channel RGB image (CV_8UC3), got OpenCV type " +
                    std::to_string(rgb8.type()));
    if (width <= 0 || height <= 0)
        throw_input("resize: target size must be positive, got " + std::to_string(width) + "x" + std::to_string(height));
    const int in_w = rgb8.cols, in_h = rgb8.rows;
    if (left < 0 || top < 0 || left + in_w > canvas_w || top + in_h > canvas_h)
        throw_input("resize: the image does not lie inside its " + std::to_string(canvas_w) + "x" +
                    std::to_string(canvas_h) + " canvas");
    const bool padded = canvas_w != in_w || canvas_h != in_h;
    const bool need_h = width != canvas_w, need_v = height != canvas_h;
    if (!need_h && !need_v && !padded) return rgb8.clone();
    const bool avx2 = use_simd(SimdPath::Avx2Fma);

    const Coeffs cv_ = precompute(canvas_h, height);
    std::vector<std::pair<int, int>> vbounds = cv_.bounds;
    // The canvas rows the vertical pass reads, horizontally resized when need_h: rows of the
    // padding are all `fill`, so they are computed once; so are the output pixels whose taps lie in
    // the padding alone. Memory: those rows at the output's width, never the whole canvas.
    const int y_first = vbounds.front().first;
    const int y_last = vbounds.back().first + vbounds.back().second;
    for (auto& b : vbounds) b.first -= y_first;
    const int out_w = need_h ? width : canvas_w;
    Coeffs ch;
    if (need_h) ch = precompute(canvas_w, width);
    const bool h32 = !need_h || sums_fit_int32(ch);
    auto resample = [&](int xx, const auto& pixel, uint8_t* out) { // one output pixel of a row
        const auto [xmin, n] = ch.bounds[static_cast<size_t>(xx)];
        const int32_t* k = &ch.k[static_cast<size_t>(xx) * static_cast<size_t>(ch.ksize)];
        const auto tap = [&](int x) { return pixel(x + xmin); };
        if (h32) resample_pixel<int32_t>(tap, k, n, out);
        else resample_pixel<int64_t>(tap, k, n, out);
    };
    std::vector<uint8_t> fill_row(static_cast<size_t>(out_w) * 3);
    for (int xx = 0; xx < out_w; ++xx) {
        if (need_h) resample(xx, [&](int) { return fill.data(); }, &fill_row[3 * static_cast<size_t>(xx)]);
        else std::copy(fill.begin(), fill.end(), &fill_row[3 * static_cast<size_t>(xx)]);
    }
    cv::Mat tmp(y_last - y_first, out_w, CV_8UC3);
    at::parallel_for(0, tmp.rows, 16, [&](int64_t y0, int64_t y1) {
        for (int y = static_cast<int>(y0); y < y1; ++y) {
            uint8_t* out = tmp.ptr<uint8_t>(y);
            std::copy(fill_row.begin(), fill_row.end(), out);
            const int iy = y + y_first - top;
            if (iy < 0 || iy >= in_h) continue;
            const uint8_t* in = rgb8.ptr<uint8_t>(iy);
            if (!need_h) {
                std::copy(in, in + 3 * in_w, out + 3 * left);
                continue;
            }
            const auto pixel = [&](int x) { return x >= left && x < left + in_w ? in + 3 * (x - left) : fill.data(); };
            const auto inside = [&](int x) { return in + 3 * (x - left); }; // taps all in the image
            for (int xx = 0; xx < width; ++xx) {
                const auto [xmin, n] = ch.bounds[static_cast<size_t>(xx)];
                if (xmin >= left && xmin + n <= left + in_w) {
                    if (avx2 && h32)
                        resample_pixel_avx2(inside(xmin), &ch.k[static_cast<size_t>(xx) * static_cast<size_t>(ch.ksize)],
                                            n, xmin + n == left + in_w, out + 3 * xx);
                    else
                        resample(xx, inside, out + 3 * xx);
                } else if (xmin < left + in_w && xmin + n > left) {
                    resample(xx, pixel, out + 3 * xx);
                }
            }
        }
    });
    if (!need_v) return tmp;

    cv::Mat out(height, out_w, CV_8UC3);
    const bool v32 = sums_fit_int32(cv_);
    const int len = out_w * 3;
    at::parallel_for(0, height, 16, [&](int64_t y0, int64_t y1) {
        std::vector<int64_t> sums(static_cast<size_t>(len)); // room for either width of sum
        for (int yy = static_cast<int>(y0); yy < y1; ++yy) {
            const auto [ymin, n] = vbounds[static_cast<size_t>(yy)];
            const int32_t* k = &cv_.k[static_cast<size_t>(yy) * static_cast<size_t>(cv_.ksize)];
            uint8_t* o = out.ptr<uint8_t>(yy);
            auto* s32 = reinterpret_cast<int32_t*>(sums.data());
            if (avx2 && v32) vertical_row_avx2(tmp, ymin, k, n, len, s32, o);
            else if (v32) vertical_row<int32_t>(tmp, ymin, k, n, len, s32, o);
            else vertical_row<int64_t>(tmp, ymin, k, n, len, sums.data(), o);
        }
    });
    return out;
}

std::array<int, 2> resize_shorter_side(int width, int height, int size) {
    if (width <= 0 || height <= 0 || size <= 0)
        throw_input("resize: sizes must be positive, got image " + std::to_string(width) + "x" +
                    std::to_string(height) + " and size " + std::to_string(size));
    // torchvision: new_short = size, new_long = int(size * long / short)
    const bool w_short = width <= height;
    const int s = w_short ? width : height, l = w_short ? height : width;
    const int new_long = static_cast<int>(static_cast<double>(int64_t{size} * l) / s);
    return w_short ? std::array<int, 2>{size, new_long} : std::array<int, 2>{new_long, size};
}

namespace {

void check_input(const cv::Mat& rgb8, int size) {
    if (rgb8.empty()) throw_input("preprocess: the image is empty");
    if (rgb8.type() != CV_8UC3)
        throw_input("preprocess: expected an 8-bit 3-channel RGB image (CV_8UC3), got OpenCV type " +
                    std::to_string(rgb8.type()));
    if (size <= 0) throw_input("preprocess: input size must be positive, got " + std::to_string(size));
}

// The size x size crop of `resized` at (top, left) as a normalised float32 tensor [3, size, size].
at::Tensor normalised_crop(const cv::Mat& resized, int top, int left, int size) {
    // ToTensor (x / 255) then Normalize ((x - mean) / std), in float32 as torchvision: computed once
    // for each of the 256 byte values of each channel.
    static const auto table = [] {
        std::array<std::array<float, 256>, 3> t{};
        for (size_t c = 0; c < 3; ++c)
            for (int b = 0; b < 256; ++b)
                t[c][static_cast<size_t>(b)] = (static_cast<float>(b) / 255.0f - kClipMean[c]) / kClipStd[c];
        return t;
    }();
    at::Tensor out = torch::empty({3, size, size}, torch::kFloat32);
    float* dst = out.data_ptr<float>();
    const size_t plane = static_cast<size_t>(size) * static_cast<size_t>(size);
    at::parallel_for(0, size, 32, [&](int64_t y0, int64_t y1) {
        for (int y = static_cast<int>(y0); y < y1; ++y) {
            const uint8_t* row = resized.ptr<uint8_t>(top + y) + 3 * left;
            for (size_t c = 0; c < 3; ++c) {
                float* d = dst + c * plane + static_cast<size_t>(y) * static_cast<size_t>(size);
                const auto& t = table[c];
                for (int x = 0; x < size; ++x) d[x] = t[row[3 * x + static_cast<int>(c)]];
            }
        }
    });
    return out;
}

} // namespace

at::Tensor preprocess(const cv::Mat& rgb8, int size) {
    check_input(rgb8, size);
    const auto [rw, rh] = resize_shorter_side(rgb8.cols, rgb8.rows, size);
    const cv::Mat resized = resize_bicubic_pil(rgb8, rw, rh);
    // torchvision CenterCrop: top/left = int(round((dim - size) / 2.0)), Python's round half to even.
    const int top = static_cast<int>(std::nearbyint((rh - size) / 2.0));
    const int left = static_cast<int>(std::nearbyint((rw - size) / 2.0));
    return normalised_crop(resized, top, left, size);
}

std::array<uint8_t, 3> mean_rgb8() {
    std::array<uint8_t, 3> c{};
    for (size_t i = 0; i < 3; ++i) c[i] = static_cast<uint8_t>(std::lround(kClipMean[i] * 255));
    return c;
}

at::Tensor preprocess_padded_square(const cv::Mat& rgb8, int size) {
    check_input(rgb8, size);
    const int side = std::max(rgb8.cols, rgb8.rows);
    // A square resized to size x size: the center crop is the whole of it.
    return normalised_crop(resize_bicubic_pil_padded(rgb8, side, side, (side - rgb8.cols) / 2, (side - rgb8.rows) / 2,
                                                     mean_rgb8(), size, size),
                           0, 0, size);
}

} // namespace hoi::clip
