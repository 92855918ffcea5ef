#pragma once
// Attention maps over CLIP's patch grid (AttentionMap, engine.h): made from a tensor of patch
// weights here; AttentionMap::to_image and write_attention_png (engine.h) are implemented beside it.
// Internal header (torch).
#include "hoi/engine.h"
#include "hoi/pairs.h"

#include <ATen/core/Tensor.h>

namespace hoi::model {

// The map of non-negative patch weights [N] (negatives clamped to 0, normalised to sum 1 unless all
// are 0) over a grid_w x grid_h grid covering `frame`.
AttentionMap attention_map(const at::Tensor& weights, int grid_w, int grid_h, const SquareFrame& frame);

} // namespace hoi::model
