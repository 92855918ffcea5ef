#pragma once
// One row through a projection, y [N] = x [K] w [K, N] (CLIP's text_projection), with the bits
// at::mm gives it, on the panel kernel (packed_linear.h) and on the caller's threads.
//
// at::mm sends a one-row product to the BLAS (OpenBLAS, kept to one thread: hoi::init_runtime),
// which copies all of w into its own panels on every call: for one prompt's 512 x 512 projection
// 0.12-0.14 ms of a 1.4-1.9 ms pass, on one thread. The BLAS's result has a known shape: its level-3
// driver cuts k into blocks of at most Q (a remainder between Q and 2Q into two halves, rounded up
// to 16), each block's sum is one fused multiply-add chain over k in order from zero, and the
// blocks' sums are added in order to the zeroed output. Here each block is a PackedLinear (each of
// its outputs one such chain on every kernel path), the first written plus zero, each later one
// added to it as its bias.
//
// Which Q the BLAS uses depends on its build and the CPU's kernel (OpenBLAS 0.3.21's Haswell
// kernel, which it runs on AMD Zen too: 320; one block when K <= Q). find() tries the candidates
// on probe rows against the reference product, bit for bit, and keeps the first that gives every
// output's bits; when none does (another BLAS, another kernel), the product is left empty and the
// caller keeps at::mm. Only one-row products are modelled: for more rows the BLAS's bits can
// depend on the row count.
#include "clip/packed_linear.h"

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>
#include <vector>

namespace hoi::clip {

class BlasMatchedProduct {
public:
    // x [1, K] -> [1, N]: the product whose bits are to be matched (at::mm(x, w) by default).
    using Reference = std::function<at::Tensor(const at::Tensor& x)>;
    // The product for w [K, N] float32, or an empty one when no candidate block size gives the
    // reference's bits on the probe rows.
    static BlasMatchedProduct find(const at::Tensor& w, const Reference& reference = {});

    bool defined() const { return !blocks_.empty(); }
    int64_t in_features() const { return k_; }
    int64_t out_features() const { return n_; }
    // The block size found (K when k is not cut).
    int64_t block_size() const { return q_; }

    // y [N] = x [K] w for share `part` of `parts` of the outputs (PackedLinear::apply_share's
    // split, the same for every block), on the calling thread: all shares give the whole row.
    void apply_share(const float* x, float* y, int part, int parts) const;
    // The whole row on the calling thread.
    void apply(const float* x, float* y) const { apply_share(x, y, 0, 1); }

    // The lengths of the blocks the BLAS's driver cuts K into for block size q.
    static std::vector<int64_t> cut(int64_t K, int64_t q);

private:
    std::vector<PackedLinear> blocks_; // w's rows of each block, as [N, block] weights
    std::vector<int64_t> starts_;      // each block's first k
    int64_t k_ = 0, n_ = 0, q_ = 0;
};

} // namespace hoi::clip
