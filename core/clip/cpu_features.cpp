#include "clip/cpu_features.h"

#include <ATen/ATen.h>

#include <atomic>
#include <cstdlib>
#include <string>

namespace hoi::clip {

bool inference_kernels_disabled() {
    static const bool off = [] {
        const char* v = std::getenv("HOI_ONEDNN");
        return v && std::string(v) == "0";
    }();
    return off;
}

bool use_inference_kernels(std::initializer_list<const at::Tensor*> tensors) {
    if (inference_kernels_disabled()) return false;
    const bool grad = at::GradMode::is_enabled();
    for (const at::Tensor* t : tensors) {
        if (!t || !t->defined()) continue;
        if (t->scalar_type() != at::kFloat) return false;
        if (grad && t->requires_grad()) return false;
    }
    return true;
}

} // namespace hoi::clip
