#include "simd.h"

#include <atomic>
#include <cstdlib>
#include <cstring>

namespace hoi {

namespace {
std::atomic<bool> g_portable{false};

bool env_portable() {
    static const bool yes = [] {
        const char* v = std::getenv("HOI_KERNEL");
        return v && std::strcmp(v, "portable") == 0;
    }();
    return yes;
}
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

bool use_simd(SimdPath path) {
    return !g_portable.load(std::memory_order_relaxed) && !env_portable() && cpu_has(path);
}

void set_kernels_portable(bool on) { g_portable = on; }

} // namespace hoi
