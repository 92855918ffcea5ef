#include "clip/blas_matched_product.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace hoi::clip {

namespace {
// Block sizes to try after "no cut": OpenBLAS's single-precision GEMM_Q on its x86 kernels is
// among them (320 on Haswell and Zen).
constexpr int64_t kCandidates[] = {320, 256, 384, 512, 192, 128, 640, 768, 1024};
constexpr int kProbeRows = 4;

// Probe rows of roughly unit normal values (a layer norm's output), from a fixed seed and without
// touching ATen's random generator.
at::Tensor probe_rows(int64_t K) {
    auto x = at::empty({kProbeRows, K}, at::kFloat);
    float* p = x.data_ptr<float>();
    uint64_t s = 0x9e3779b97f4a7c15ull;
    auto uniform = [&] {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        return (static_cast<double>(s >> 11) + 0.5) / 9007199254740992.0; // (0, 1)
    };
    for (int64_t i = 0; i < x.numel(); ++i)
        p[i] = static_cast<float>(std::sqrt(-2 * std::log(uniform())) * std::cos(6.283185307179586 * uniform()));
    return x;
}
} // namespace

std::vector<int64_t> BlasMatchedProduct::cut(int64_t K, int64_t q) {
    std::vector<int64_t> out;
    for (int64_t k = 0; k < K;) {
        int64_t len = K - k;
        if (len >= 2 * q) len = q;
        else if (len > q) len = (len / 2 + 15) / 16 * 16;
        out.push_back(len);
        k += len;
    }
    return out;
}

BlasMatchedProduct BlasMatchedProduct::find(const at::Tensor& w, const Reference& reference) {
    TORCH_CHECK(w.dim() == 2 && w.scalar_type() == at::kFloat, "BlasMatchedProduct: a float [K, N] weight");
    at::NoGradGuard no_grad;
    const int64_t K = w.size(0), N = w.size(1);
    const at::Tensor x = probe_rows(K);
    std::vector<at::Tensor> want;
    for (int r = 0; r < kProbeRows; ++r) {
        const auto row = x.narrow(0, r, 1);
        want.push_back((reference ? reference(row) : at::mm(row, w)).contiguous());
        TORCH_CHECK(want.back().scalar_type() == at::kFloat && want.back().numel() == N,
                    "BlasMatchedProduct: the reference gave a wrong shape");
    }
    std::vector<int64_t> tried = {K}; // no cut first
    for (int64_t q : kCandidates)
        if (q < K) tried.push_back(q);
    std::vector<float> y(static_cast<size_t>(N));
    for (const int64_t q : tried) {
        BlasMatchedProduct p;
        p.k_ = K;
        p.n_ = N;
        p.q_ = q;
        int64_t k0 = 0;
        for (const int64_t len : cut(K, q)) {
            p.starts_.push_back(k0);
            p.blocks_.push_back(PackedLinear::pack(w.narrow(0, k0, len).t()));
            k0 += len;
        }
        bool same = true;
        for (int r = 0; r < kProbeRows && same; ++r) {
            p.apply(x.data_ptr<float>() + r * K, y.data());
            same = std::memcmp(y.data(), want[static_cast<size_t>(r)].data_ptr<float>(), y.size() * sizeof(float)) == 0;
        }
        if (same) return p;
    }
    return {};
}

void BlasMatchedProduct::apply_share(const float* x, float* y, int part, int parts) const {
    TORCH_CHECK(defined(), "BlasMatchedProduct::apply_share on an empty product");
    // The first block plus zero (no bias), then each block added to the outputs so far: one row,
    // so the bias may be the output itself (PackedLinear::apply reads each bias value first).
    for (size_t b = 0; b < blocks_.size(); ++b)
        blocks_[b].apply_share(x + starts_[b], 1, b == 0 ? nullptr : y, y, part, parts);
}

} // namespace hoi::clip
