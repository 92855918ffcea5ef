#pragma once
// Score fusion (torch-free): the softmax over a pair's candidate prompts and the final HOI score.
#include <vector>

namespace hoi::model {

// Softmax of scale * cos over the given entries (numerically stable); empty in, empty out.
std::vector<float> scaled_softmax(const std::vector<float>& cos, float scale);

// s = s_h^λ · s_o^λ · (α · s_pair + (1 − α) · s_global), clamped to [0, 1].
// Inputs outside [0, 1] are clamped first; α is clamped to [0, 1], λ to >= 0.
float fuse_score(float s_pair, float s_global, float s_h, float s_o, float alpha, float lambda);

} // namespace hoi::model
