// CLIP preprocessing with PIL's resampling (Pillow's libImaging/Resample.c, 8 bits per channel).
// Rows are spread over ATen's threads (each output row is its own integer sums, so the result does
// not depend on the thread count); the file is built with OpenMP flags (core/clip/CMakeLists.txt).
#include "clip/preprocess.h"

#include "io/error.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
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

inline uint8_t clip8(int64_t v) {
    if (v <= 0) return 0;
    v >>= kPrecisionBits;
    return static_cast<uint8_t>(v > 255 ? 255 : v);
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
    auto resample = [&](int xx, const auto& pixel, uint8_t* out) { // one output pixel of a row
        const auto [xmin, n] = ch.bounds[static_cast<size_t>(xx)];
        const int32_t* k = &ch.k[static_cast<size_t>(xx) * static_cast<size_t>(ch.ksize)];
        int64_t s0 = 1 << (kPrecisionBits - 1), s1 = s0, s2 = s0;
        for (int x = 0; x < n; ++x) {
            const uint8_t* p = pixel(x + xmin);
            s0 += int64_t{p[0]} * k[x];
            s1 += int64_t{p[1]} * k[x];
            s2 += int64_t{p[2]} * k[x];
        }
        out[0] = clip8(s0);
        out[1] = clip8(s1);
        out[2] = clip8(s2);
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
                if (xmin >= left && xmin + n <= left + in_w) resample(xx, inside, out + 3 * xx);
                else if (xmin < left + in_w && xmin + n > left) resample(xx, pixel, out + 3 * xx);
            }
        }
    });
    if (!need_v) return tmp;

    cv::Mat out(height, out_w, CV_8UC3);
    at::parallel_for(0, height, 16, [&](int64_t y0, int64_t y1) {
        for (int yy = static_cast<int>(y0); yy < y1; ++yy) {
            const auto [ymin, n] = vbounds[static_cast<size_t>(yy)];
            const int32_t* k = &cv_.k[static_cast<size_t>(yy) * static_cast<size_t>(cv_.ksize)];
            uint8_t* o = out.ptr<uint8_t>(yy);
            for (int xx = 0; xx < out_w * 3; ++xx) {
                int64_t s = 1 << (kPrecisionBits - 1);
                for (int y = 0; y < n; ++y) s += int64_t{tmp.ptr<uint8_t>(y + ymin)[xx]} * k[y];
                o[xx] = clip8(s);
            }
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
    at::Tensor out = torch::empty({3, size, size}, torch::kFloat32);
    float* dst = out.data_ptr<float>();
    const size_t plane = static_cast<size_t>(size) * static_cast<size_t>(size);
    at::parallel_for(0, size, 32, [&](int64_t y0, int64_t y1) {
        for (int y = static_cast<int>(y0); y < y1; ++y) {
            const uint8_t* row = resized.ptr<uint8_t>(top + y) + 3 * left;
            for (int x = 0; x < size; ++x) {
                for (int c = 0; c < 3; ++c) {
                    // ToTensor (x / 255) then Normalize ((x - mean) / std), in float32 as torchvision.
                    const float v = static_cast<float>(row[3 * x + c]) / 255.0f;
                    dst[static_cast<size_t>(c) * plane + static_cast<size_t>(y) * static_cast<size_t>(size) +
                        static_cast<size_t>(x)] = (v - kClipMean[static_cast<size_t>(c)]) / kClipStd[static_cast<size_t>(c)];
                }
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
