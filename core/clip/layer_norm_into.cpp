// layer_norm_into (clip_modules.h). Its own file: ATen's layer-norm and softmax kernel headers
// declare the same names, so they cannot share one (softmax_into.cpp).
//
// Debian's libtorch (1.13) carries ATen's AVX2 and AVX-512 kernels; its headers must be told so,
// before any ATen header, for a kernel's dispatch stub to be called directly (the stub's lookup
// takes one pointer per instruction set).
#define HAVE_AVX512_CPU_DEFINITION
#define HAVE_AVX2_CPU_DEFINITION
#include <ATen/native/layer_norm.h>

#include "clip/clip_modules.h"

namespace hoi::clip::nn {

void layer_norm_into(const torch::nn::LayerNorm& ln, const at::Tensor& x, int64_t M, at::Tensor& y, at::Tensor& mean,
                     at::Tensor& rstd) {
    const int64_t N = x.size(-1);
    TORCH_CHECK(x.is_contiguous() && y.is_contiguous() && x.numel() >= M * N && y.numel() >= M * N &&
                    mean.numel() >= M && rstd.numel() >= M && ln->weight.is_contiguous() && ln->bias.is_contiguous(),
                "layer_norm_into: unexpected buffers");
    if (M > 0) at::native::LayerNormKernel(at::kCPU, x, ln->weight, ln->bias, M, N, ln->options.eps(), &y, &mean, &rstd);
}

} // namespace hoi::clip::nn
