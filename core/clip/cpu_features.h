#pragma once
// What decides which code paths CLIP's inference kernels take:
// - the wide paths' CPU features and the switch to the portable C++ paths, which give the same bits
//   (see packed_linear.h, dot8.h): simd.h, shared with the detector's kernels;
// - the gate "may this product use the inference kernels" (the panel kernel, oneDNN and the
//   attention kernel): float32 tensors, no autograd graph being recorded through them, and not
//   turned off with HOI_ONEDNN=0 (every product then goes to ATen / OpenBLAS, for comparisons).
// Torch-free header (the tensors are passed by pointer); the kernel files include it.
#include "simd.h"

#include <initializer_list>

namespace at {
class Tensor;
}

namespace hoi::clip {

// Whether HOI_ONEDNN=0 turned the inference kernels off (read once).
bool inference_kernels_disabled();
// The gate: the kernels are on, every defined tensor is float32, and no autograd graph is recorded
// through any of them (grad mode on and one of them requiring grad). Undefined tensors are skipped.
bool use_inference_kernels(std::initializer_list<const at::Tensor*> tensors);

} // namespace hoi::clip
