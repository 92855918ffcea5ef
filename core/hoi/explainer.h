#pragma once
// Explanations of the engine's scores, computed on request from an image's cached state:
//   - relevance: gradient-weighted relevance of a pair's score for one text embedding through the
//     CLIP layers (Chefer et al., ICCV 2021), over the patch grid;
//   - inspect: the class token's attention in every CLIP layer and the pair's masked queries'
//     attention in the last layer (union, human, object), per head, for the inspector.
// Attention maps themselves: attention_map.h. Internal header (torch).
#include "hoi/image_stage.h"

#include <ATen/core/Tensor.h>

#include <memory>

namespace hoi::model {

class Explainer {
public:
    explicit Explainer(std::shared_ptr<clip::ClipModel> clip);

    // The relevance map of the pair (human, object) of the state's image for `text` ([D],
    // normalised): one forward and backward pass with autograd on.
    AttentionMap relevance(const ImageState& state, const detect::Detection& human, const detect::Detection& object,
                           const at::Tensor& text) const;
    // The attention of pair `pair` (index into state.pairs) and of the image's class token; empty
    // when the state has no pair features.
    PairInspection inspect(const ImageState& state, int pair) const;

private:
    std::shared_ptr<clip::ClipModel> clip_;
};

} // namespace hoi::model
