#include "clip/cpu_features.h"

#include <ATen/ATen.h>

#include <atomic>
#include <cstdlib>
#include <string>

namespace hoi::clip {

namespace {
std::atomic<bool> g_portable{false};
} // namespace

bool cpu_has(SimdPath path) {
    static const bool avx2_fma = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    static const bool f16c = __builtin_cpu_supports("f16c");
    static const bool avx512f = __builtin_cpu_supports("avx512f");
    switch (path) {
    case SimdPath::Avx2Fma: return avx2_fma;
    case SimdPath::Avx2FmaF16c: return avx2_fma && f16c;
    case SimdPath::Avx512F16c: return avx2_fma && f16c && avx512f;
    }
    return false;
}

bool use_simd(SimdPath path) { return !g_portable.load(std::memory_order_relaxed) && cpu_has(path); }

void set_kernels_portable(bool on) { g_portable = on; }

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
