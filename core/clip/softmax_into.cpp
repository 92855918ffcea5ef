// softmax_last_dim_into (clip_modules.h). Its own file: ATen's softmax and layer-norm kernel
// headers declare the same names, so they cannot share one (layer_norm_into.cpp, which says why
// the two definitions come first).
#define HAVE_AVX512_CPU_DEFINITION
#define HAVE_AVX2_CPU_DEFINITION
#include <ATen/native/cpu/SoftmaxKernel.h>

#include "clip/clip_modules.h"

namespace hoi::clip::nn {

void softmax_last_dim_into(const at::Tensor& logits, const at::Tensor& probs) {
    TORCH_CHECK(logits.scalar_type() == at::kFloat && logits.is_contiguous() && probs.is_contiguous() &&
                    logits.sizes() == probs.sizes() && logits.dim() > 0,
                "softmax_last_dim_into: unexpected tensors");
    if (logits.numel() > 0) at::native::softmax_lastdim_kernel(at::kCPU, probs, logits);
}

} // namespace hoi::clip::nn
