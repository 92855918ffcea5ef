#include "hoi/stage_util.h"

#include <torch/torch.h>

namespace hoi::model {

std::vector<float> to_vec(const at::Tensor& t) {
    auto c = t.to(torch::kFloat32).contiguous();
    return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

} // namespace hoi::model
