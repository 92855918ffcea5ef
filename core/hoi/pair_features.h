#pragma once
// The inputs of the pair classifier, shared by the engine (inference) and the learning module's
// feature cache (training), so both compute exactly the same numbers:
//   - pair_masks: for every pair its union, human and object box as patch masks, [3P, N] bool
//   - combine_box_features: the pair feature before the learnable head,
//       n(f_union) + w · (n(f_human) + n(f_object)) / 2       (n = L2-normalised), [P, D]
//   - spatial_tensor: the pairs' spatial encodings, [P, kSpatialDims]
//   - joint_patches: the patch tokens in the joint space, L2-normalised, [N, D]
// Internal header (torch).
#include "hoi/engine.h"
#include "hoi/pairs.h"

#include <ATen/core/Tensor.h>

#include <vector>

namespace hoi::clip {
struct ImageFeatures;
}

namespace hoi::model {

at::Tensor pair_masks(const std::vector<detect::Detection>& dets, const std::vector<Pair>& pairs,
                      const SquareFrame& frame, int grid_w, int grid_h);
// f: [3P, D] projected query features (union, human, object per pair).
at::Tensor combine_box_features(const at::Tensor& f, float box_feature_weight);
at::Tensor spatial_tensor(const std::vector<Pair>& pairs);
at::Tensor joint_patches(const clip::ImageFeatures& features);

} // namespace hoi::model
