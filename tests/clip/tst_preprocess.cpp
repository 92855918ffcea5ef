// CLIP preprocessing: PIL-compatible bicubic resize, center crop, normalisation.
#include <QtTest>

#include <ATen/Parallel.h>

#include "clip/cpu_features.h"
#include "clip/preprocess.h"
#include "io/error.h"
#include "test_util.h"

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <torch/torch.h>

#include <cmath>
#include <fstream>

using namespace hoi::clip;

namespace {

// An independent, straightforward floating-point version of PIL's separable resize: for each
// output sample, every input sample weighted by the bicubic kernel (a = -0.5) stretched by the
// downscale factor, weights normalised to sum 1; horizontal pass then vertical, each rounded
// and clipped to 8 bits as PIL stores its intermediate image.
double cubic(double x) {
    x = std::abs(x);
    const double a = -0.5;
    if (x < 1) return (a + 2) * x * x * x - (a + 3) * x * x + 1;
    if (x < 2) return a * x * x * x - 5 * a * x * x + 8 * a * x - 4 * a;
    return 0;
}

std::vector<std::vector<double>> weights(int in, int out) {
    const double scale = double(in) / out, fs = std::max(1.0, scale);
    std::vector<std::vector<double>> w(static_cast<size_t>(out), std::vector<double>(static_cast<size_t>(in), 0.0));
    for (int o = 0; o < out; ++o) {
        const double center = (o + 0.5) * scale;
        double sum = 0;
        for (int i = 0; i < in; ++i) sum += w[o][i] = cubic((i + 0.5 - center) / fs);
        for (int i = 0; i < in; ++i) w[o][i] /= sum;
    }
    return w;
}

uint8_t to8(double v) { return static_cast<uint8_t>(std::clamp(std::floor(v + 0.5), 0.0, 255.0)); }

// The separable structure both references below share: a horizontal pass (when the width
// changes), then a vertical one (when the height does), each output byte sample(horizontal, o, n,
// in) of the n input samples in(i) along its axis.
template <typename Sample>
cv::Mat two_passes(const cv::Mat& img, int width, int height, const Sample& sample) {
    cv::Mat h = img.clone();
    if (width != img.cols) {
        h = cv::Mat(img.rows, width, CV_8UC3);
        for (int y = 0; y < img.rows; ++y)
            for (int x = 0; x < width; ++x)
                for (int c = 0; c < 3; ++c)
                    h.at<cv::Vec3b>(y, x)[c] = sample(true, x, img.cols, [&](int i) { return img.at<cv::Vec3b>(y, i)[c]; });
    }
    if (height == img.rows) return h;
    cv::Mat out(height, width, CV_8UC3);
    for (int y = 0; y < height; ++y)
        for (int x = 0; x < width; ++x)
            for (int c = 0; c < 3; ++c)
                out.at<cv::Vec3b>(y, x)[c] = sample(false, y, img.rows, [&](int i) { return h.at<cv::Vec3b>(i, x)[c]; });
    return out;
}

cv::Mat reference_resize(const cv::Mat& img, int width, int height) {
    const auto wx = weights(img.cols, width), wy = weights(img.rows, height);
    return two_passes(img, width, height, [&](bool horizontal, int o, int n, const auto& in) {
        const auto& w = (horizontal ? wx : wy)[static_cast<size_t>(o)];
        double s = 0;
        for (int i = 0; i < n; ++i) s += w[static_cast<size_t>(i)] * in(i);
        return to8(s);
    });
}

// PIL's fixed-point resize written out plainly: the same normalised weights as reference_resize
// rounded to 22 bits (half away from zero), every sum in 64 bits over the whole row or column (taps
// outside the filter are zero), rounded with 2^21 and shifted, clipped to 8 bits after each pass.
cv::Mat fixed_point_resize(const cv::Mat& img, int width, int height) {
    auto fixed = [](int in, int out) {
        auto w = weights(in, out);
        std::vector<std::vector<int64_t>> k(w.size(), std::vector<int64_t>(static_cast<size_t>(in)));
        for (size_t o = 0; o < w.size(); ++o)
            for (size_t i = 0; i < k[o].size(); ++i)
                k[o][i] = static_cast<int64_t>(w[o][i] < 0 ? -0.5 + w[o][i] * (1 << 22) : 0.5 + w[o][i] * (1 << 22));
        return k;
    };
    const auto kx = fixed(img.cols, width), ky = fixed(img.rows, height);
    return two_passes(img, width, height, [&](bool horizontal, int o, int n, const auto& in) {
        const auto& k = (horizontal ? kx : ky)[static_cast<size_t>(o)];
        int64_t s = 1 << 21;
        for (int i = 0; i < n; ++i) s += k[static_cast<size_t>(i)] * in(i);
        return static_cast<uint8_t>(s <= 0 ? 0 : std::min<int64_t>(255, s >> 22));
    });
}

cv::Mat random_image(int width, int height, int seed) {
    cv::Mat img(height, width, CV_8UC3);
    cv::RNG rng(static_cast<uint64_t>(seed));
    rng.fill(img, cv::RNG::UNIFORM, 0, 256);
    // add smooth structure so that the filter matters beyond noise
    for (int y = 0; y < height; ++y)
        for (int x = 0; x < width; ++x) {
            auto& p = img.at<cv::Vec3b>(y, x);
            p[0] = static_cast<uint8_t>((p[0] / 4) + (x * 191 / std::max(1, width - 1)));
        }
    return img;
}

int max_abs_diff(const cv::Mat& a, const cv::Mat& b) {
    cv::Mat d;
    cv::absdiff(a, b, d);
    double mx = 0;
    cv::minMaxLoc(d.reshape(1), nullptr, &mx);
    return static_cast<int>(mx);
}

// Normalised CHW tensor of an 8-bit RGB image region, the way torchvision computes it.
torch::Tensor normalise(const cv::Mat& rgb) {
    auto t = torch::from_blob(const_cast<uint8_t*>(rgb.ptr<uint8_t>()), {rgb.rows, rgb.cols, 3}, torch::kUInt8)
                     .permute({2, 0, 1})
                     .to(torch::kFloat32)
                     .div(255);
    auto mean = torch::tensor({kClipMean[0], kClipMean[1], kClipMean[2]}).view({3, 1, 1});
    auto std = torch::tensor({kClipStd[0], kClipStd[1], kClipStd[2]}).view({3, 1, 1});
    return (t - mean) / std;
}

} // namespace

class TestPreprocess : public QObject {
    Q_OBJECT

private Q_SLOTS:
    // The 32-px preprocessing of a 64x128 image by OpenAI's clip._transform (PIL + torchvision).
    void reference_transform() {
        const std::string path = hoi::test::models_dir() + "/clip_data.json";
        HOI_REQUIRE_FILE(path);
        std::ifstream in(path);
        const auto data = nlohmann::json::parse(in);
        const int size = data.at("transform_resolution").get<int>();
        const auto& input = data.at("transform_input");
        const int h = static_cast<int>(input.size()), w = static_cast<int>(input[0].size());
        QCOMPARE(h, 64);
        QCOMPARE(w, 128);
        cv::Mat img(h, w, CV_8UC3);
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x)
                for (int c = 0; c < 3; ++c) img.at<cv::Vec3b>(y, x)[c] = input[y][x][c].get<uint8_t>();
        const at::Tensor out = preprocess(img, size);
        QCOMPARE(out.sizes().vec(), (std::vector<int64_t>{3, size, size}));
        QCOMPARE(out.scalar_type(), at::kFloat);
        QVERIFY(out.is_contiguous());
        const auto& expected = data.at("transform_output"); // [size][size][3] (HWC)
        double worst = 0;
        auto acc = out.accessor<float, 3>();
        for (int y = 0; y < size; ++y)
            for (int x = 0; x < size; ++x)
                for (int c = 0; c < 3; ++c)
                    worst = std::max(worst, std::abs(double(acc[c][y][x]) - expected[y][x][c].get<double>()));
        QVERIFY2(worst < 1e-4, qPrintable(QString("max abs difference %1").arg(worst)));
    }

    void resize_matches_float_reference() {
        struct Case { int w, h, ow, oh; };
        const std::vector<Case> cases = {
                {100, 80, 37, 23},  // downsample, non-integer factors (antialiased)
                {64, 128, 32, 64},  // exact 2x
                {13, 7, 40, 29},    // upsample
                {50, 50, 50, 20},   // vertical only
                {50, 50, 21, 50},   // horizontal only
                {9, 300, 31, 11},   // up in x, strong down in y
                {1, 1, 5, 3},       // a single pixel
        };
        int seed = 1;
        for (const auto& c : cases) {
            const cv::Mat img = random_image(c.w, c.h, seed++);
            const cv::Mat got = resize_bicubic_pil(img, c.ow, c.oh);
            QCOMPARE(got.cols, c.ow);
            QCOMPARE(got.rows, c.oh);
            QCOMPARE(got.type(), CV_8UC3);
            const int d = max_abs_diff(got, reference_resize(img, c.ow, c.oh));
            QVERIFY2(d <= 1, qPrintable(QString("%1x%2 -> %3x%4: max difference %5 levels")
                                                .arg(c.w).arg(c.h).arg(c.ow).arg(c.oh).arg(d)));
        }
        // same size: an identical copy
        const cv::Mat img = random_image(17, 11, 99);
        const cv::Mat same = resize_bicubic_pil(img, 17, 11);
        QCOMPARE(max_abs_diff(same, img), 0);
        QVERIFY(same.data != img.data);
        // a constant image stays constant (weights sum to one in fixed point)
        cv::Mat flat(23, 41, CV_8UC3, cv::Scalar(7, 128, 250));
        for (auto [w, h] : {std::pair{10, 5}, std::pair{97, 61}}) {
            const cv::Mat r = resize_bicubic_pil(flat, w, h);
            QCOMPARE(max_abs_diff(r, cv::Mat(h, w, CV_8UC3, cv::Scalar(7, 128, 250))), 0);
        }
        // bicubic overshoots at a hard edge: PIL clips to [0, 255]
        cv::Mat edge(8, 8, CV_8UC3, cv::Scalar(0, 0, 0));
        edge.colRange(4, 8).setTo(cv::Scalar(255, 255, 255));
        const cv::Mat up = resize_bicubic_pil(edge, 32, 8);
        QCOMPARE(max_abs_diff(up, reference_resize(edge, 32, 8)) <= 1, true);
        QCOMPARE(int(up.at<cv::Vec3b>(0, 0)[0]), 0);
        QCOMPARE(int(up.at<cv::Vec3b>(0, 31)[0]), 255);
        // a non-continuous ROI is read correctly
        const cv::Mat big = random_image(60, 40, 7);
        const cv::Mat roi = big(cv::Rect(5, 3, 30, 20));
        QVERIFY(!roi.isContinuous());
        QCOMPARE(max_abs_diff(resize_bicubic_pil(roi, 12, 9), resize_bicubic_pil(roi.clone(), 12, 9)), 0);
    }

    void resize_is_pils_fixed_point_on_every_path() {
        // The kernel's 32-bit sums (eight at a time on AVX2, or one pixel's three channels as one
        // vector) against 64-bit sums written out plainly: the same bytes, on the AVX2 path and on the
        // portable one, for images of extreme values (the largest sums) and random ones, through the
        // plain resize and through a padded canvas.
        struct Case { int w, h, ow, oh; };
        const std::vector<Case> cases = {{640, 424, 224, 224}, {100, 80, 37, 23}, {13, 7, 40, 29},  {9, 300, 31, 11},
                                         {1, 1, 5, 3},         {301, 9, 7, 50},   {97, 61, 97, 20}, {61, 97, 20, 97}};
        cv::Mat stripes(300, 640, CV_8UC3);
        for (int y = 0; y < stripes.rows; ++y)
            for (int x = 0; x < stripes.cols; ++x)
                stripes.at<cv::Vec3b>(y, x) = (x / 2 + y) % 2 ? cv::Vec3b(255, 255, 255) : cv::Vec3b(0, 0, 0);
        int seed = 60;
        for (bool portable : {false, true}) {
            hoi::set_kernels_portable(portable);
            for (const auto& c : cases) {
                for (const cv::Mat& img : {random_image(c.w, c.h, seed++),
                                           cv::Mat(stripes(cv::Rect(0, 0, std::min(c.w, 640), std::min(c.h, 300))))}) {
                    const cv::Mat want = fixed_point_resize(img, c.ow, c.oh);
                    QVERIFY2(max_abs_diff(resize_bicubic_pil(img, c.ow, c.oh), want) == 0,
                             qPrintable(QString("%1x%2 -> %3x%4 portable %5").arg(img.cols).arg(img.rows).arg(c.ow).arg(c.oh).arg(portable)));
                }
            }
            // A wide image centred on a square canvas, as preprocess_padded_square resizes it.
            const cv::Mat img = random_image(120, 50, seed++);
            const std::array<uint8_t, 3> fill{123, 117, 104};
            cv::Mat canvas(120, 120, CV_8UC3, cv::Scalar(fill[0], fill[1], fill[2]));
            img.copyTo(canvas(cv::Rect(0, 35, 120, 50)));
            QVERIFY(max_abs_diff(resize_bicubic_pil_padded(img, 120, 120, 0, 35, fill, 37, 37),
                                 fixed_point_resize(canvas, 37, 37)) == 0);
        }
        hoi::set_kernels_portable(false);
    }

    void padded_canvas_is_exact() {
        // Resizing through a virtual canvas gives the bytes of resizing the built canvas.
        struct Case { int w, h, cw, ch, left, top, ow, oh; };
        const std::vector<Case> cases = {
                {30, 7, 30, 30, 0, 11, 16, 16},    // wide, padded above and below, downsampled
                {7, 30, 30, 30, 11, 0, 50, 50},    // tall, upsampled
                {20, 10, 41, 33, 3, 20, 41, 12},   // no horizontal resize
                {20, 10, 41, 33, 21, 1, 9, 33},    // no vertical resize
                {20, 10, 41, 33, 0, 0, 41, 33},    // no resize at all: the canvas itself
                {5, 5, 300, 9, 290, 2, 17, 5},     // taps mostly in the padding
        };
        const std::array<uint8_t, 3> fill{123, 117, 104};
        int seed = 40;
        for (const auto& c : cases) {
            const cv::Mat img = random_image(c.w, c.h, seed++);
            cv::Mat canvas(c.ch, c.cw, CV_8UC3, cv::Scalar(fill[0], fill[1], fill[2]));
            img.copyTo(canvas(cv::Rect(c.left, c.top, c.w, c.h)));
            const cv::Mat a = resize_bicubic_pil(canvas, c.ow, c.oh);
            const cv::Mat b = resize_bicubic_pil_padded(img, c.cw, c.ch, c.left, c.top, fill, c.ow, c.oh);
            QCOMPARE(b.cols, c.ow);
            QCOMPARE(b.rows, c.oh);
            QVERIFY2(max_abs_diff(a, b) == 0, qPrintable(QString("case with canvas %1x%2").arg(c.cw).arg(c.ch)));
        }
        // preprocess_padded_square = preprocess of the image padded to a centred square of CLIP's mean.
        const auto fill8 = mean_rgb8();
        const cv::Mat big = random_image(90, 70, 8);
        for (const cv::Mat& img : {random_image(61, 20, 5), random_image(20, 61, 6), random_image(33, 33, 7),
                                   big(cv::Rect(3, 4, 50, 21))}) {
            const int side = std::max(img.cols, img.rows);
            cv::Mat square(side, side, CV_8UC3, cv::Scalar(fill8[0], fill8[1], fill8[2]));
            img.copyTo(square(cv::Rect((side - img.cols) / 2, (side - img.rows) / 2, img.cols, img.rows)));
            QVERIFY(at::equal(preprocess_padded_square(img, 32), preprocess(square, 32)));
        }
        // A 60000 x 100 panorama (and its tall twin): no 10.8 GB square is built.
        for (auto [w, h] : {std::pair{60000, 100}, std::pair{100, 60000}}) {
            const at::Tensor t = preprocess_padded_square(cv::Mat(h, w, CV_8UC3, cv::Scalar(200, 10, 30)), 224);
            QCOMPARE(t.sizes().vec(), (std::vector<int64_t>{3, 224, 224}));
        }
    }

    void threads_do_not_change_bytes() {
        // Rows are spread over ATen's threads: one thread and two give the same bytes.
        const cv::Mat img = random_image(640, 424, 9);
        const int before = at::get_num_threads();
        at::set_num_threads(1);
        const at::Tensor a = preprocess_padded_square(img, 224), b = preprocess(img, 224);
        at::set_num_threads(2);
        const at::Tensor c = preprocess_padded_square(img, 224), d = preprocess(img, 224);
        at::set_num_threads(before);
        QVERIFY(at::equal(a, c));
        QVERIFY(at::equal(b, d));
    }

    void shorter_side() {
        QCOMPARE(resize_shorter_side(128, 64, 32), (std::array<int, 2>{64, 32}));
        QCOMPARE(resize_shorter_side(30, 50, 32), (std::array<int, 2>{32, 53})); // int(32*50/30) = int(53.33)
        QCOMPARE(resize_shorter_side(640, 427, 224), (std::array<int, 2>{335, 224})); // int(335.77)
        QCOMPARE(resize_shorter_side(10, 10, 224), (std::array<int, 2>{224, 224}));
    }

    void non_square_crops() {
        // wide: 50x30 -> 53x32, crop left = round((53-32)/2 = 10.5) = 10 (Python rounds half to even)
        const cv::Mat wide = random_image(50, 30, 3);
        const cv::Mat rw = resize_bicubic_pil(wide, 53, 32);
        at::Tensor expected = normalise(rw(cv::Rect(10, 0, 32, 32)).clone());
        QVERIFY(torch::allclose(preprocess(wide, 32), expected, 0, 1e-6));
        // the neighbouring offset is different data: the crop position is checked for real
        QVERIFY(!torch::allclose(preprocess(wide, 32), normalise(rw(cv::Rect(11, 0, 32, 32)).clone()), 0, 1e-6));
        // tall: 30x51 -> 32x54, crop top = round(11.0) = 11
        const cv::Mat tall = random_image(30, 51, 4);
        const cv::Mat rt = resize_bicubic_pil(tall, 32, 54);
        expected = normalise(rt(cv::Rect(0, 11, 32, 32)).clone());
        QVERIFY(torch::allclose(preprocess(tall, 32), expected, 0, 1e-6));
        // 55x32 (no resize): round(11.5) = 12 (half to even, up this time); 37x16 -> 74x32: 21;
        // 27x8 -> 108x32: 38
        for (auto [w, h, left] : {std::tuple{55, 32, 12}, std::tuple{37, 16, 21}, std::tuple{27, 8, 38}}) {
            const cv::Mat img = random_image(w, h, w);
            const auto [nw, nh] = resize_shorter_side(w, h, 32);
            const cv::Mat r = resize_bicubic_pil(img, nw, nh);
            QVERIFY(torch::allclose(preprocess(img, 32), normalise(r(cv::Rect(left, 0, 32, 32)).clone()), 0, 1e-6));
        }
    }

    void upsampling() {
        // smaller than the input size: 20x10 -> 64x32 -> crop 32x32 at left 16
        const cv::Mat small = random_image(20, 10, 5);
        const at::Tensor out = preprocess(small, 32);
        QCOMPARE(out.sizes().vec(), (std::vector<int64_t>{3, 32, 32}));
        const cv::Mat ref = reference_resize(small, 64, 32)(cv::Rect(16, 0, 32, 32)).clone();
        // within one 8-bit level of the float reference, in normalised units
        const double tol = 1.0 / 255.0 / kClipStd[1] + 1e-5;
        QVERIFY((out - normalise(ref)).abs().max().item<double>() <= tol);
        // a white image maps to (1 - mean) / std, a black one to -mean / std
        const at::Tensor white = preprocess(cv::Mat(5, 7, CV_8UC3, cv::Scalar(255, 255, 255)), 16);
        const at::Tensor black = preprocess(cv::Mat(5, 7, CV_8UC3, cv::Scalar(0, 0, 0)), 16);
        for (int c = 0; c < 3; ++c) {
            QVERIFY(std::abs(white[c].min().item<float>() - (1 - kClipMean[c]) / kClipStd[c]) < 1e-6);
            QVERIFY(std::abs(white[c].max().item<float>() - (1 - kClipMean[c]) / kClipStd[c]) < 1e-6);
            QVERIFY(std::abs(black[c].max().item<float>() + kClipMean[c] / kClipStd[c]) < 1e-6);
        }
        // channel order is kept: a red image has its maximum in channel 0
        const at::Tensor red = preprocess(cv::Mat(9, 9, CV_8UC3, cv::Scalar(255, 0, 0)), 8);
        QVERIFY(red[0].mean().item<float>() > 1.5f);
        QVERIFY(red[1].mean().item<float>() < -1.5f);
    }

    void errors() {
        const cv::Mat img = random_image(10, 10, 1);
        auto expect_input = [](auto fn) {
            try {
                fn();
            } catch (const hoi::Error& e) {
                return e.kind() == hoi::ErrorKind::Input;
            }
            return false;
        };
        QVERIFY(expect_input([&] { preprocess(cv::Mat(), 32); }));
        QVERIFY(expect_input([&] { preprocess(cv::Mat(4, 4, CV_8UC1, cv::Scalar(0)), 32); }));
        QVERIFY(expect_input([&] { preprocess(cv::Mat(4, 4, CV_32FC3, cv::Scalar(0)), 32); }));
        QVERIFY(expect_input([&] { preprocess(img, 0); }));
        QVERIFY(expect_input([&] { resize_bicubic_pil(img, 0, 5); }));
        QVERIFY(expect_input([&] { resize_bicubic_pil(img, 5, -1); }));
        QVERIFY(expect_input([&] { resize_bicubic_pil(cv::Mat(4, 4, CV_8UC4, cv::Scalar(0)), 2, 2); }));
    }
};

QTEST_GUILESS_MAIN(TestPreprocess)
#include "tst_preprocess.moc"
