#include "hoi/scoring.h"

#include <algorithm>
#include <cmath>

namespace hoi::model {

std::vector<float> scaled_softmax(const std::vector<float>& cos, float scale) {
    std::vector<float> out(cos.size());
    if (cos.empty()) return out;
    double mx = -INFINITY;
    for (float c : cos) mx = std::max(mx, static_cast<double>(scale) * c);
    double sum = 0;
    for (size_t i = 0; i < cos.size(); ++i) {
        double e = std::exp(static_cast<double>(scale) * cos[i] - mx);
        out[i] = static_cast<float>(e);
        sum += e;
    }
    for (auto& v : out) v = static_cast<float>(v / sum);
    return out;
}

float fuse_score(float s_pair, float s_global, float s_h, float s_o, float alpha, float lambda) {
    auto c01 = [](float v) { return std::isfinite(v) ? std::clamp(v, 0.f, 1.f) : 0.f; };
    s_pair = c01(s_pair);
    s_global = c01(s_global);
    s_h = c01(s_h);
    s_o = c01(s_o);
    alpha = c01(alpha);
    lambda = std::isfinite(lambda) ? std::max(0.f, lambda) : 1.f;
    const double det = std::pow(static_cast<double>(s_h), lambda) * std::pow(static_cast<double>(s_o), lambda);
    const double cls = static_cast<double>(alpha) * s_pair + (1.0 - static_cast<double>(alpha)) * s_global;
    return c01(static_cast<float>(det * cls));
}

} // namespace hoi::model
