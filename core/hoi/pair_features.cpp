#include "hoi/pair_features.h"

#include "clip/clip_model.h"

#include <torch/torch.h>

namespace hoi::model {

at::Tensor pair_masks(const std::vector<detect::Detection>& dets, const std::vector<Pair>& pairs,
                      const SquareFrame& frame, int gw, int gh) {
    const int N = gw * gh;
    const long P = static_cast<long>(pairs.size());
    auto masks = torch::zeros({3 * P, N}, torch::kBool);
    auto macc = masks.accessor<bool, 2>();
    for (long p = 0; p < P; ++p) {
        const auto& h = dets[static_cast<size_t>(pairs[static_cast<size_t>(p)].human)];
        const auto& o = dets[static_cast<size_t>(pairs[static_cast<size_t>(p)].object)];
        const auto u = union_box(h, o);
        const detect::Detection* boxes[3] = {&u, &h, &o};
        for (int k = 0; k < 3; ++k) {
            auto m = box_patch_mask(boxes[k]->x1, boxes[k]->y1, boxes[k]->x2, boxes[k]->y2, frame, gw, gh);
            for (int n = 0; n < N; ++n) macc[3 * p + k][n] = m[static_cast<size_t>(n)] != 0;
        }
    }
    return masks;
}

at::Tensor combine_box_features(const at::Tensor& features, float w) {
    at::Tensor f = features / features.norm(2, -1, true).clamp_min(1e-12);
    f = f.view({f.size(0) / 3, 3, -1});
    return f.select(1, 0) + (f.select(1, 1) + f.select(1, 2)) * (w / 2.0f);
}

at::Tensor spatial_tensor(const std::vector<Pair>& pairs) {
    const long P = static_cast<long>(pairs.size());
    auto out = torch::empty({P, kSpatialDims}, torch::kFloat32);
    for (long p = 0; p < P; ++p)
        std::copy(pairs[static_cast<size_t>(p)].spatial.begin(), pairs[static_cast<size_t>(p)].spatial.end(),
                  out[p].data_ptr<float>());
    return out;
}

at::Tensor joint_patches(const clip::ImageFeatures& f) {
    return f.tokens_proj / f.tokens_proj.norm(2, -1, true).clamp_min(1e-12);
}

} // namespace hoi::model
