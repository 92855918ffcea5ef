#include "heatmap.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace hoi::ui {

namespace {
// Control points of the inferno colour map (matplotlib), sampled at 0, 1/8, ..., 1.
constexpr std::array<std::array<int, 3>, 9> kInferno{{
    {0, 0, 4}, {31, 12, 72}, {85, 15, 109}, {136, 34, 106}, {186, 54, 85},
    {227, 89, 51}, {249, 140, 10}, {249, 201, 50}, {252, 255, 164},
}};
} // namespace

QColor heatColor(double t) {
    if (!std::isfinite(t)) t = 0;
    t = std::clamp(t, 0.0, 1.0);
    const double pos = t * (kInferno.size() - 1);
    const int i = std::min(int(pos), int(kInferno.size()) - 2);
    const double f = pos - i;
    auto lerp = [&](int c) { return int(std::lround(kInferno[i][c] + f * (kInferno[i + 1][c] - kInferno[i][c]))); };
    return QColor(lerp(0), lerp(1), lerp(2));
}

QImage heatmapImage(const Grid& grid, bool translucent) {
    if (grid.empty()) return {};
    float lo = 0, hi = 0;
    bool first = true;
    for (float v : grid.values) {
        if (!std::isfinite(v)) continue;
        if (first) { lo = hi = v; first = false; }
        lo = std::min(lo, v);
        hi = std::max(hi, v);
    }
    const float range = hi - lo;
    QImage img(grid.cols, grid.rows, QImage::Format_ARGB32_Premultiplied);
    for (int r = 0; r < grid.rows; ++r) {
        auto* line = reinterpret_cast<QRgb*>(img.scanLine(r));
        for (int c = 0; c < grid.cols; ++c) {
            float v = grid.values[size_t(r) * grid.cols + c];
            double t = (range > 0 && std::isfinite(v)) ? (v - lo) / range : 0.0;
            QColor col = heatColor(t);
            int a = translucent ? int(std::lround(255 * std::clamp(0.15 + 0.85 * t, 0.0, 1.0) * std::min(1.0, t * 3.0)))
                                : 255;
            line[c] = qPremultiply(qRgba(col.red(), col.green(), col.blue(), a));
        }
    }
    return img;
}

} // namespace hoi::ui
