#pragma once
// Internal: the CLIP network as LibTorch modules whose parameter names are exactly OpenAI's
// state-dict names (visual.transformer.resblocks.0.attn.in_proj_weight, ...), so weights are copied
// by name. Tensors are batch-first ([B, T, W]) inside; OpenAI's sequence-first layout gives the
// same numbers. Forward code calls ATen directly (addmm with the bias fused, baddbmm for the
// attention logits) instead of the generic nn modules. Not part of the public API.
#include "clip/blas_matched_product.h"
#include "clip/clip_types.h"
#include "clip/packed_linear.h"
#include "clip/text_prefix_cache.h"

#include <torch/torch.h>

#include <functional>
#include <vector>

namespace hoi::clip::nn {

// How a forward pass records attention: not at all, detached copies, or graph tensors with
// retain_grad() (gradient relevance maps).
enum class AttnRecord { None, Weights, Graph };

// x [..., in] @ weight^T + bias on the flattened rows with a dense weight: oneDNN in inference,
// OpenBLAS otherwise (see the body, and DEVELOPERS.md). bias may be undefined (none).
at::Tensor linear(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias);
at::Tensor quick_gelu(const at::Tensor& x);

// The same with the weight packed for inference: the panel kernel (packed_linear.h) in inference,
// otherwise (autograd, HOI_ONEDNN=0) linear() on `weight`, or on the packed values unpacked when
// pack_for_inference has released `weight`. An undefined `packed` is plain linear().
// gelu: quick_gelu of the result (fused into the kernel's epilogue in inference).
at::Tensor linear(const at::Tensor& x, const PackedLinear& packed, const at::Tensor& weight, const at::Tensor& bias,
                  bool gelu = false);

// y = layer_norm(x) on the first M rows of contiguous float x, into the caller's buffers (y like
// x, mean and rstd [>= M]): ATen's own CPU kernel, the one at::layer_norm runs, so the same bits,
// without the dispatch and the three tensors at::layer_norm makes (about 10 us for a prompt's
// rows). Inference only; runs on the calling thread when inside a parallel region.
void layer_norm_into(const torch::nn::LayerNorm& ln, const at::Tensor& x, int64_t M, at::Tensor& y, at::Tensor& mean,
                     at::Tensor& rstd);

// probs = at::softmax(logits, -1) for contiguous float tensors of the same shape, into the
// caller's tensor: ATen's kernel for it (softmax_cpu_out's), so the same bits without the dispatch.
void softmax_last_dim_into(const at::Tensor& logits, const at::Tensor& probs);

// A linear layer's parameters ("weight" [out, in], "bias" [out]) left uninitialised: unlike
// torch::nn::Linear, constructing it touches no memory, so a model being built holds no second
// copy of its weights before assign_weights hands it the loaded tensors.
struct LinearWeightsImpl : torch::nn::Module {
    LinearWeightsImpl(int in, int out);
    // x [..., in] -> [..., out].
    at::Tensor forward(const at::Tensor& x) const { return linear(x, packed, weight, bias); }
    at::Tensor weight, bias;
    PackedLinear packed; // set by pack_for_inference
};
TORCH_MODULE(LinearWeights);

// An embedding table ("weight" [rows, width]), uninitialised for the same reason.
struct EmbeddingWeightsImpl : torch::nn::Module {
    EmbeddingWeightsImpl(int rows, int width);
    at::Tensor weight;
};
TORCH_MODULE(EmbeddingWeights);

// Multi-head self-attention with OpenAI's names: in_proj_weight [3W, W], in_proj_bias [3W], out_proj.
struct MultiheadAttentionImpl : torch::nn::Module {
    MultiheadAttentionImpl(int width, int heads);
    // x: [B, T, W]; mask: additive [T, T] or undefined. Records [B, H, T, T] weights into *attn when
    // `record` says so.
    at::Tensor forward(const at::Tensor& x, const at::Tensor& mask, AttnRecord record = AttnRecord::None,
                       at::Tensor* attn = nullptr) const;
    // x [..., W] -> q | k | v [..., 3W].
    at::Tensor project_in(const at::Tensor& x) const { return linear(x, in_proj_packed, in_proj_weight, in_proj_bias); }
    // Inference: the attention of query rows [q0, q1) (q1 < 0: T) of a contiguous in_proj output qkv
    // [B, T, 3W] over all T keys (attention_kernel.h), before out_proj: [B, Q, W]. Fills *weights
    // with the softmax [B*H, Q, T] when given.
    at::Tensor attend(const at::Tensor& qkv, const at::Tensor& mask, int64_t q0 = 0, int64_t q1 = -1,
                      at::Tensor* weights = nullptr) const;
    // The same into the caller's buffers, allocating nothing: qkv [B, T, 3W] and mask [T, T] (or
    // null) as raw floats, logits and probs [B*Hs, Q, T] and out [B, Q, W] contiguous float; heads
    // [h0, h1) (h1 < 0: all, Hs of them), the others' columns of out untouched.
    void attend_into(const float* qkv, int64_t B, int64_t T, const float* mask, int64_t q0, int64_t q1,
                     const at::Tensor& logits, const at::Tensor& probs, float* out, int64_t h0 = 0,
                     int64_t h1 = -1) const;
    int width, heads;
    at::Tensor in_proj_weight, in_proj_bias;
    PackedLinear in_proj_packed; // set by pack_for_inference
    LinearWeights out_proj{nullptr};
};
TORCH_MODULE(MultiheadAttention);

struct MlpImpl : torch::nn::Module {
    explicit MlpImpl(int width);
    at::Tensor forward(const at::Tensor& x) const;
    LinearWeights c_fc{nullptr}, c_proj{nullptr};
};
TORCH_MODULE(Mlp);

struct ResidualAttentionBlockImpl : torch::nn::Module {
    ResidualAttentionBlockImpl(int width, int heads);
    at::Tensor forward(const at::Tensor& x, const at::Tensor& mask, AttnRecord record = AttnRecord::None,
                       at::Tensor* attn = nullptr) const;
    // The part after the attention: y + mlp(ln_2(y)).
    at::Tensor forward_mlp(const at::Tensor& y) const;
    MultiheadAttention attn{nullptr};
    torch::nn::LayerNorm ln_1{nullptr}, ln_2{nullptr};
    Mlp mlp{nullptr};
};
TORCH_MODULE(ResidualAttentionBlock);

struct TransformerImpl : torch::nn::Module {
    TransformerImpl(int width, int layers, int heads);
    // Runs blocks [0, end) (end = -1: all). Appends one [B, H, T, T] per block to *attn when recording.
    at::Tensor forward(at::Tensor x, const at::Tensor& mask, int end = -1, AttnRecord record = AttnRecord::None,
                       std::vector<at::Tensor>* attn = nullptr) const;
    int width, layers, heads;
    std::vector<ResidualAttentionBlock> blocks;
    torch::nn::ModuleList resblocks{nullptr};
};
TORCH_MODULE(Transformer);

// Output of an image tower for one batch.
struct VisionOut {
    at::Tensor embedding;        // [B, D]
    at::Tensor last_block_input; // ViT [B, 1+N, W]; RN [B, N, C]
    at::Tensor tokens;           // ViT [B, 1+N, W]; RN [B, N, C]
    at::Tensor tokens_proj;      // [B, N, D]
    std::vector<at::Tensor> attentions; // per layer [B, H, T, T] (RN: [B, H, 1, 1+N])
    int grid_h = 0, grid_w = 0;
};

struct VisionTransformerImpl : torch::nn::Module {
    VisionTransformerImpl(int input_resolution, int patch_size, int width, int layers, int heads, int output_dim);
    // x: [B, 3, R, R]. full: also last_block_input / tokens / tokens_proj.
    VisionOut forward(const at::Tensor& x, bool full, AttnRecord record = AttnRecord::None) const;
    // The class-token query of the last block restricted by masks [Q, N].
    MaskedQueries masked_queries(const at::Tensor& last_block_input, const at::Tensor& masks) const;
    int input_resolution, patch_size, width, layers, heads, output_dim, grid;
    torch::nn::Conv2d conv1{nullptr};
    PackedLinear patch_packed; // conv1 as [width, 3 p p], set by pack_for_inference (conv1 is kept)
    at::Tensor class_embedding, positional_embedding, proj;
    torch::nn::LayerNorm ln_pre{nullptr}, ln_post{nullptr};
    Transformer transformer{nullptr};
};
TORCH_MODULE(VisionTransformer);

struct BottleneckImpl : torch::nn::Module {
    BottleneckImpl(int inplanes, int planes, int stride);
    at::Tensor forward(const at::Tensor& x) const;
    int stride;
    torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, conv3{nullptr};
    torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr}, bn3{nullptr};
    // OpenAI's Sequential("-1": AvgPool2d(stride), "0": conv 1x1, "1": bn); only "0" and "1" hold weights.
    std::shared_ptr<torch::nn::Module> downsample;
    torch::nn::Conv2d down_conv{nullptr};
    torch::nn::BatchNorm2d down_bn{nullptr};
};
TORCH_MODULE(Bottleneck);

struct AttentionPool2dImpl : torch::nn::Module {
    AttentionPool2dImpl(int spacial_dim, int embed_dim, int heads, int output_dim);
    // x: [B, N, C] spatial features. Returns [B, D]; records [B, H, 1, 1+N] into *attn.
    at::Tensor forward(const at::Tensor& x, AttnRecord record = AttnRecord::None, at::Tensor* attn = nullptr) const;
    // MaskCLIP value path: c_proj(v_proj(x + pos[1:])) -> [B, N, D].
    at::Tensor value_tokens(const at::Tensor& x) const;
    MaskedQueries masked_queries(const at::Tensor& x /*[N, C]*/, const at::Tensor& masks) const;
    int spacial_dim, embed_dim, heads, output_dim;
    at::Tensor positional_embedding;
    LinearWeights k_proj{nullptr}, q_proj{nullptr}, v_proj{nullptr}, c_proj{nullptr};
};
TORCH_MODULE(AttentionPool2d);

struct ModifiedResNetImpl : torch::nn::Module {
    ModifiedResNetImpl(const std::vector<int>& layers, int output_dim, int heads, int input_resolution, int width);
    VisionOut forward(const at::Tensor& x, bool full, AttnRecord record = AttnRecord::None) const;
    int input_resolution, width;
    torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, conv3{nullptr};
    torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr}, bn3{nullptr};
    std::vector<std::vector<Bottleneck>> stages;
    AttentionPool2d attnpool{nullptr};
};
TORCH_MODULE(ModifiedResNet);

// The whole CLIP model (OpenAI's CLIP class): visual, transformer, token_embedding,
// positional_embedding, ln_final, text_projection, logit_scale.
struct ClipNetImpl : torch::nn::Module {
    explicit ClipNetImpl(const ClipConfig& config);
    // ids: [B, L] int64 with L <= context_length; eot: [B] positions. Returns [B, D].
    // residual: [B, L, W] added to the token embeddings, or undefined.
    at::Tensor encode_text(const at::Tensor& ids, const at::Tensor& eot, const at::Tensor& residual = at::Tensor()) const;
    ClipConfig config;
    // Recent prompts' states (see text_prefix_cache.h), used once the text tower's weights are
    // packed (and so fixed); pack_for_inference empties it.
    std::shared_ptr<TextPrefixCache> text_prefixes = std::make_shared<TextPrefixCache>();
    VisionTransformer visual_vit{nullptr};
    ModifiedResNet visual_rn{nullptr};
    Transformer transformer{nullptr};
    EmbeddingWeights token_embedding{nullptr};
    at::Tensor positional_embedding, text_projection, logit_scale;
    // text_projection for one row on the panel kernel with at::mm's bits (set by pack_for_inference
    // when they could be matched; empty otherwise).
    BlasMatchedProduct text_projection_row;
    torch::nn::LayerNorm ln_final{nullptr};
    at::Tensor causal_mask; // [context, context] 0 / -inf above the diagonal

private:
    // One prompt's inference pass, x [1, L, W] the tower's input: its embedding [1, D].
    at::Tensor encode_one_prompt(const at::Tensor& x, int64_t eot, const at::Tensor& mask) const;
    // Rows [M, W] after the last block -> embeddings [M, D]: ln_final, then text_projection (at::mm).
    at::Tensor project(const at::Tensor& rows) const;
};
TORCH_MODULE(ClipNet);

// Packs every linear weight of `net` (attention and MLP matrices, the ModifiedResNet attention
// pool) for the panel kernel and releases the float32 parameter (it becomes an empty tensor):
// float16 weights then take half the memory. The ViT patch embedding is packed too (and kept as
// the convolution). Call once, after the weights are loaded.
void pack_for_inference(torch::nn::Module& net);
// Calls f(name, value) for net's named parameters in order, released weights restored from their
// packed values one at a time (for digests: never more than one unpacked copy alive).
void for_each_dense_parameter(const torch::nn::Module& net,
                              const std::function<void(const std::string&, const at::Tensor&)>& f);
// Bytes of a transformer's attention and MLP matrices as stored: what one pass reads.
size_t matrix_bytes(const TransformerImpl& t);

// Names that appear in checkpoints but are not weights (OpenAI's archives keep the ints
// input_resolution / context_length / vocab_size; BN's num_batches_tracked; HF's position_ids).
bool is_ignored_key(const std::string& name);

} // namespace hoi::clip::nn
