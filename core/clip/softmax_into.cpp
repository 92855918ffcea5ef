// softmax_last_dim_into (clip_modules.h). Its own file: ATen's softmax and layer-norm kernel
// headers declare the same names, so they cannot share one.
#include "clip/clip_modules.h"

// Debian's libtorch (1.13) carries ATen's AVX2 and AVX-512 kernels; its headers must be told so
// for a kernel's dispatch stub to be called directly (the stub's lookup takes one pointer per set).
#define HAVE_AVX512_CPU_DEFINITION
#define HAVE_AVX2_CPU_DEFINITION
#include <ATen/native/cpu/SoftmaxKernel.h>

namespace hoi::clip::nn {

void softmax_last_dim_into(const at::Tensor& logits, const at::Tensor& probs) {
    TORCH_CHECK(logits.scalar_type() == at::kFloat && logits.is_contiguous() && probs.is_contiguous() &&
                    logits.sizes() == probs.sizes() && logits.dim() > 0,
                "softmax_last_dim_into: unexpected tensors");
    if (logits.numel() > 0) at::native::softmax_lastdim_kernel(at::kCPU, probs, logits);
}

} // namespace hoi::clip::nn
