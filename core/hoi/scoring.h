#pragma once
// Score fusion (torch-free): the softmax over a pair's candidate prompts, a trained head's sigmoid,
// the final HOI score, and a score recomputed without the few-shot adapter's term.
#include <optional>
#include <vector>

namespace hoi::model {

struct ImageAnalysis;

// Softmax of scale * cos over the given entries (numerically stable); empty in, empty out.
std::vector<float> scaled_softmax(const std::vector<float>& cos, float scale);

// s = s_h^λ · s_o^λ · (α · s_pair + (1 − α) · s_global), clamped to [0, 1].
// Inputs outside [0, 1] are clamped first; α is clamped to [0, 1], λ to >= 0.
float fuse_score(float s_pair, float s_global, float s_h, float s_o, float alpha, float lambda);

// A trained head's per-prompt score σ(scale · cos + bias + term) (PairScoring::Sigmoid).
float sigmoid_score(float cos, float scale, float bias, float term);

// The score of (pair, prompt) in `analysis` with the few-shot adapter's terms taken out of the
// pair logits: what the engine gives with an empty adapter (to float rounding), recomputed from
// the breakdown, no model run. Softmax: s_pair renormalised over the pair's prompts without their
// terms (the hidden "no interaction" prompt's share included; every term of the pair counts, not
// only this prompt's); Sigmoid: the prompt's own sigmoid without its term. nullopt when the prompt
// does not apply to the pair (or the analysis is not scored).
std::optional<float> score_without_adapter(const ImageAnalysis& analysis, int pair, int prompt);

} // namespace hoi::model
