#pragma once
// A linear layer's weight W [N, K] repacked for inference: panels of 16 output rows, two side by
// side and stored k-major ([ceil(N/32)][K][32], zero rows past N: each k step of a pair is one
// 64-byte line in float16, so a pair is read as one stream), in float16 when every weight is exactly a
// float16 value (OpenAI's checkpoints are float16) and in float32 otherwise, so packing never
// changes a result. The kernel broadcasts one x value against 16 weights per step (AVX2: 6 x rows x
// 16 outputs of accumulators per tile; AVX-512: up to 12 rows x 32 outputs, two panels): no
// horizontal sums, every weight read once per 6 (12) rows, and in float16 half the bytes to
// stream. Each output is one fused multiply-add chain over k in order, then the bias: a row's
// result depends neither on the other rows, nor on the thread count, nor on the code path.
//
// Measured on the 2-core machine (float16 panels, against the row kernel it replaced, which ran
// on the float32 weights with 4-row dot products, and oneDNN's inner product):
//   - a 10-token prompt's 48 products (0.75 GFLOP): 4.5-5.1 ms (row kernel 8.8-9.1 ms);
//   - 50 rows, the ViT-B/32 image tower's products: 180 GFLOP/s (row kernel 143);
//   - 257-640 rows: 180-193 GFLOP/s (oneDNN 102-168).
#include <ATen/core/Tensor.h>

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

namespace hoi::clip {

// The kernel's code paths, widest first (see active_kernel_path below).
enum class KernelPath { Avx512, Avx2, Portable };

class PackedLinear {
public:
    PackedLinear() = default;
    // w: [N, K] float32, contiguous or not.
    static PackedLinear pack(const at::Tensor& w);

    bool defined() const { return panels_.defined(); }
    int64_t out_features() const { return n_; }
    int64_t in_features() const { return k_; }
    bool is_half() const { return half_; }
    size_t nbytes() const { return panels_.defined() ? panels_.nbytes() : 0; }
    // The panels as a tensor: [ceil(N/32), K, 32], float16 or float32.
    const at::Tensor& panels() const { return panels_; }

    // W back as [N, K] float32 (exactly the packed values), for the paths that need a dense
    // weight: autograd, HOI_ONEDNN=0.
    at::Tensor dense() const;

    // What apply does to each output after the bias.
    enum class Epilogue {
        None,
        QuickGelu, // v * sigmoid(1.702 v), CLIP's activation (exp to within 2 ulp; see quick_gelu_ref)
    };
    // y [M, N] = epilogue(x [M, K] W^T + b) (b [N] or null); row-major and contiguous. With one
    // row, b may be y itself: each bias value is read before its output is written.
    void apply(const float* x, int64_t M, const float* b, float* y, Epilogue epilogue = Epilogue::None) const;
    // apply's outputs of share `part` of `parts` (the columns at::parallel_for would give that
    // thread), on the calling thread: for a caller running its own parallel region (thread_team.h),
    // each thread its share. All shares together give apply's result, bit for bit.
    void apply_share(const float* x, int64_t M, const float* b, float* y, int part, int parts,
                     Epilogue epilogue = Epilogue::None) const;

private:
    // The outputs of panel groups [g0, g1) for all M rows (see packed_linear.cpp).
    void apply_groups(const float* x, int64_t M, const float* b, float* y, Epilogue epilogue, KernelPath path,
                      int64_t g0, int64_t g1) const;
    int64_t groups(KernelPath path) const;

    at::Tensor panels_;
    int64_t n_ = 0, k_ = 0;
    bool half_ = false;
};

// The epilogue's QuickGELU on one value, exactly as apply computes it (both code paths).
float quick_gelu_ref(float v);

// The kernel's code paths, widest first (the CPU features each needs: simd.h, whose
// HOI_KERNEL=portable and set_kernels_portable force Portable here too). Each computes every output as the same fma chain over k
// in order, so all give the same bits; the widest the CPU has runs (checked once at run time),
// unless HOI_KERNEL=avx512|avx2|portable or set_packed_linear_path forces one.
const char* kernel_path_name(KernelPath path);
// The paths this CPU can run, widest first (Portable always last).
std::vector<KernelPath> available_kernel_paths();
// The path apply uses now. Throws hoi::Error (Usage) if HOI_KERNEL names an unknown path or one
// this CPU cannot run.
KernelPath active_kernel_path();
// For tests and comparisons: force a path (it must be available), or nullopt for the default.
void set_packed_linear_path(std::optional<KernelPath> path);
// Products (apply calls) run on each path since the process started, indexed by KernelPath; the
// bench reports the difference around a measurement.
std::array<uint64_t, 3> packed_linear_calls();

} // namespace hoi::clip
