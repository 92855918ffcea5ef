#pragma once
// The dot product of the CLIP kernels (attention_kernel.cpp) and the few-shot adapter: 8
// interleaved partial sums over k, reduced as ((p0+p1)+(p2+p3)) + ((p4+p5)+(p6+p7)) (the order of
// their AVX2 horizontal adds), then the k % 8 rest. The AVX2 versions sum in exactly this order,
// so both give the same bits.
#include <cmath>
#include <cstdint>

namespace hoi::clip {

inline float reduce8(const float* p) { return ((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + (p[6] + p[7])); }

inline float dot8(const float* a, const float* b, int64_t n) {
    float p[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t k = 0;
    for (; k + 8 <= n; k += 8)
        for (int l = 0; l < 8; ++l) p[l] = std::fma(a[k + l], b[k + l], p[l]);
    float s = reduce8(p);
    for (; k < n; ++k) s = std::fma(a[k], b[k], s);
    return s;
}

// The same sum with AVX2 + FMA (n a multiple of 8; the CPU must have them: cpu_features.h). Same bits
// as dot8.
float dot8_avx2(const float* a, const float* b, int64_t n);
// dot8 on the widest path this CPU may use (cpu_features.h's use_simd): the same bits either way.
float dot(const float* a, const float* b, int64_t n);

} // namespace hoi::clip
