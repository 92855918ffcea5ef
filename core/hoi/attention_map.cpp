#include "hoi/attention_map.h"

#include "hoi/stage_util.h"
#include "io/atomic_file.h"
#include "io/error.h"
#include "io/image.h"

#include <torch/torch.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace hoi::model {

AttentionMap attention_map(const at::Tensor& weights_n, int gw, int gh, const SquareFrame& fr) {
    AttentionMap m;
    m.grid_w = gw;
    m.grid_h = gh;
    m.frame_x = fr.x;
    m.frame_y = fr.y;
    m.frame_size = fr.size;
    auto w = weights_n.to(torch::kFloat32).clamp_min(0);
    double s = w.sum().item<double>();
    if (s > 0) w = w / s;
    m.weights = to_vec(w);
    return m;
}

std::vector<float> AttentionMap::to_image(int width, int height) const {
    std::vector<float> out(static_cast<size_t>(std::max(0, width)) * static_cast<size_t>(std::max(0, height)), 0.f);
    if (weights.empty() || grid_w <= 0 || grid_h <= 0 || frame_size <= 0 || out.empty()) return out;
    float mx = 0;
    for (int y = 0; y < height; ++y) {
        const float gy = std::clamp((static_cast<float>(y) + 0.5f - frame_y) / frame_size * grid_h - 0.5f, 0.f,
                                    static_cast<float>(grid_h - 1));
        const int y0 = static_cast<int>(gy), y1 = std::min(y0 + 1, grid_h - 1);
        const float fy = gy - static_cast<float>(y0);
        for (int x = 0; x < width; ++x) {
            const float gx = std::clamp((static_cast<float>(x) + 0.5f - frame_x) / frame_size * grid_w - 0.5f, 0.f,
                                        static_cast<float>(grid_w - 1));
            const int x0 = static_cast<int>(gx), x1 = std::min(x0 + 1, grid_w - 1);
            const float fx = gx - static_cast<float>(x0);
            auto w = [&](int r, int c) { return weights[static_cast<size_t>(r * grid_w + c)]; };
            const float v = (1 - fy) * ((1 - fx) * w(y0, x0) + fx * w(y0, x1)) + fy * ((1 - fx) * w(y1, x0) + fx * w(y1, x1));
            out[static_cast<size_t>(y) * static_cast<size_t>(width) + static_cast<size_t>(x)] = v;
            mx = std::max(mx, v);
        }
    }
    if (mx > 0)
        for (auto& v : out) v /= mx;
    return out;
}

void write_attention_png(const std::string& image_path, const AttentionMap& map, const std::string& png_path) {
    io::Image img = io::load_image(image_path);
    const int W = img.rgb.cols, H = img.rgb.rows;
    std::vector<float> heat = map.to_image(W, H);
    cv::Mat h8(H, W, CV_8UC1);
    for (int y = 0; y < H; ++y)
        for (int x = 0; x < W; ++x)
            h8.at<unsigned char>(y, x) = static_cast<unsigned char>(
                    std::lround(std::clamp(heat[static_cast<size_t>(y) * W + x], 0.f, 1.f) * 255));
    cv::Mat colour, bgr, blended;
    cv::applyColorMap(h8, colour, cv::COLORMAP_JET);
    cv::cvtColor(img.rgb, bgr, cv::COLOR_RGB2BGR);
    cv::addWeighted(bgr, 0.5, colour, 0.5, 0, blended);
    std::vector<unsigned char> buf;
    if (!cv::imencode(".png", blended, buf)) throw_input("cannot encode PNG for " + png_path);
    io::write_file_atomic(png_path, std::string_view(reinterpret_cast<const char*>(buf.data()), buf.size()));
}

} // namespace hoi::model
