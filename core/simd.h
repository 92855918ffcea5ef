#pragma once
// The one place that decides whether a kernel may take a wide code path: the CPU features each path
// needs (detected once; the OS must save the wider registers too), and the switch to the portable
// C++ paths, which give the same bits: HOI_KERNEL=portable for the process (read once), or
// set_kernels_portable for tests. CLIP's kernels (clip/cpu_features.h, packed_linear.h) and the
// detector's (detect/tfjs_kernels.cpp) ask here before every call.
namespace hoi {

enum class SimdPath {
    Avx2Fma,     // AVX2 and FMA (the attention kernel, image resizing, the detector's kernels)
    Avx2FmaF16c, // and F16C (the panel kernel, float16 panels)
    Avx512F16c,  // and AVX-512F (the panel kernel's widest path)
};
// Whether the CPU (and the OS) has a path's features.
bool cpu_has(SimdPath path);
// Whether the path may run: the CPU has the features and the portable paths are not forced.
bool use_simd(SimdPath path);
// For tests: run the portable C++ paths even where the CPU has the wider instructions.
void set_kernels_portable(bool on);

} // namespace hoi
