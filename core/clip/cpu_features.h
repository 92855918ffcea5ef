#pragma once
// The one place that decides which code paths CLIP's inference kernels take:
// - the CPU features the wide paths need (detected once; the attention kernel needs AVX2 + FMA, the
//   panel kernel also F16C, its AVX-512 path also AVX-512F), and the tests' switch to the portable C++ paths, which give the same
//   bits (see packed_linear.h, dot8.h);
// - the gate "may this product use the inference kernels" (the panel kernel, oneDNN and the
//   attention kernel): float32 tensors, no autograd graph being recorded through them, and not
//   turned off with HOI_ONEDNN=0 (every product then goes to ATen / OpenBLAS, for comparisons).
// Torch-free header (the tensors are passed by pointer); the kernel files include it.
#include <initializer_list>

namespace at {
class Tensor;
}

namespace hoi::clip {

enum class SimdPath {
    Avx2Fma,     // AVX2 and FMA (the attention kernel)
    Avx2FmaF16c, // and F16C (the panel kernel, float16 panels)
    Avx512F16c,  // and AVX-512F (the panel kernel's widest path)
};
// Whether the CPU (and the OS, which must save the wider registers) has a path's features.
bool cpu_has(SimdPath path);
// Whether the path may run: the CPU has the features and the portable paths were not forced.
bool use_simd(SimdPath path);
// For tests: run the portable C++ paths even where the CPU has AVX2/FMA/F16C.
void set_kernels_portable(bool on);

// Whether HOI_ONEDNN=0 turned the inference kernels off (read once).
bool inference_kernels_disabled();
// The gate: the kernels are on, every defined tensor is float32, and no autograd graph is recorded
// through any of them (grad mode on and one of them requiring grad). Undefined tensors are skipped.
bool use_inference_kernels(std::initializer_list<const at::Tensor*> tensors);

} // namespace hoi::clip
