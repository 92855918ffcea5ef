#include "hoi/scoring.h"

#include "hoi/engine.h"

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

float sigmoid_score(float cos, float scale, float bias, float term) {
    return 1.0f / (1.0f + std::exp(-(scale * cos + bias + term)));
}

std::optional<float> score_without_adapter(const ImageAnalysis& a, int pair, int prompt) {
    const size_t P = a.pairs.size(), T = a.prompts.size();
    if (!a.scored || pair < 0 || prompt < 0 || static_cast<size_t>(pair) >= P || static_cast<size_t>(prompt) >= T ||
        a.scores.size() != P * T)
        return std::nullopt;
    const ScoreBreakdown& target = a.score(pair, prompt);
    if (!target.applies) return std::nullopt;
    float s_pair = target.s_pair;
    if (a.scoring == PairScoring::Sigmoid) {
        // Each prompt on its own: only this prompt's term counts; the head's sigmoid without it.
        if (target.adapter == 0) return target.final;
        s_pair = sigmoid_score(target.cos_pair, a.sigmoid_scale, a.sigmoid_bias, 0.0f);
    } else {
        // s_t = e^(l_t + a_t) / Z over the pair's candidates: the applying prompts listed in the
        // analysis and, unless a listed prompt is it, the object's "no interaction" prompt (its
        // share: what the listed ones leave; it never has a term). Without the terms:
        // s'_t = s_t e^(−a_t) / (Σ_v s_v e^(−a_v) + hidden share). Any term of the pair moves
        // every prompt's share, so "no term on this prompt" is not "unchanged".
        double listed = 0, sum = 0, mine = 0;
        bool adapted = false;
        for (size_t t = 0; t < T; ++t) {
            const ScoreBreakdown& sc = a.score(pair, static_cast<int>(t));
            if (!sc.applies) continue;
            adapted |= sc.adapter != 0;
            listed += static_cast<double>(sc.s_pair);
            const double e = static_cast<double>(sc.s_pair) * std::exp(-static_cast<double>(sc.adapter));
            sum += e;
            if (static_cast<int>(t) == prompt) mine = e;
        }
        if (!adapted) return target.final;
        sum += std::max(0.0, 1.0 - listed);
        if (!(sum > 0)) return std::nullopt;
        s_pair = static_cast<float>(mine / sum);
    }
    return fuse_score(s_pair, target.s_global, target.s_h, target.s_o, a.alpha, a.lambda);
}

} // namespace hoi::model
