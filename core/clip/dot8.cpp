#include "clip/dot8.h"

#include "clip/cpu_features.h"

#include <immintrin.h>

namespace hoi::clip {

__attribute__((target("avx2,fma"))) float dot8_avx2(const float* a, const float* b, int64_t n) {
    __m256 acc = _mm256_setzero_ps();
    for (int64_t k = 0; k < n; k += 8) acc = _mm256_fmadd_ps(_mm256_loadu_ps(a + k), _mm256_loadu_ps(b + k), acc);
    alignas(32) float p[8];
    _mm256_store_ps(p, acc);
    return reduce8(p);
}

float dot(const float* a, const float* b, int64_t n) {
    return n % 8 == 0 && use_simd(SimdPath::Avx2Fma) ? dot8_avx2(a, b, n) : dot8(a, b, n);
}

} // namespace hoi::clip
