#pragma once
// CLIP (Radford et al. 2021) on LibTorch: the image tower (VisionTransformer or ModifiedResNet), the
// text tower, and the last-block masked queries the HOI engine uses for pair features.
//
// Weights: OpenAI's official TorchScript archives (.pt, fp16), or safetensors in the OpenCLIP layout
// (same names as OpenAI) or the Hugging Face CLIPModel layout; the format is recognised by content,
// the architecture is inferred from the tensors' shapes exactly as OpenAI's build_model does.
// All parameters are held in float32 on the CPU.
//
// Threading: a loaded model is immutable; every const method may be called from several threads.
// Inference runs under at::InferenceMode unless stated otherwise (see encode_image_grad).
#include "clip/clip_types.h"
#include "clip/model_path.h"
#include <ATen/core/Tensor.h>

#include <memory>
#include <string>
#include <vector>

namespace hoi::clip {

class TextPrefixCache;

class ClipModel {
public:
    // Loads an OpenAI .pt (TorchScript) archive or a .safetensors file (OpenCLIP or HF layout),
    // recognised by content. Throws hoi::Error(Model) naming the file and what is wrong: unknown
    // format, corrupt archive, missing / unexpected / mis-shaped tensors.
    static std::shared_ptr<ClipModel> load(const std::string& path);
    ~ClipModel();

    const ClipConfig& config() const;
    int input_size() const;    // image_resolution
    int embed_dim() const;
    float logit_scale() const; // exp(logit_scale), e.g. 100
    const std::string& path() const;
    // sha256 (hex) of the weight file, computed on first use (for caches keyed by model).
    std::string checksum() const;
    // Bytes of the image (ViT; 0 for ModifiedResNet) / text transformer's attention and MLP
    // matrices as held for inference (float16 when the weights are float16 values, as in OpenAI's
    // checkpoints): what one pass must read from memory. ModifiedResNet: its convolution kernels
    // and attnpool's matrices.
    size_t image_matrix_bytes() const;
    size_t text_matrix_bytes() const;

    // image: [3, H, W] float32 preprocessed (H = W = input_size()). with_attention fills attentions.
    ImageFeatures encode_image(const at::Tensor& image, bool with_attention = false) const;
    // Batch: [B, 3, H, W] -> [B, D] projected image embeddings.
    at::Tensor encode_images(const at::Tensor& images) const;

    // Gradient relevance maps (Chefer et al. 2021): the same forward pass with autograd on, outside
    // InferenceMode. Every entry of `attentions` (always filled) is a non-leaf tensor of the graph on
    // which retain_grad() was called, and `embedding`/`tokens`/`last_block_input` are in the graph.
    // Use: s = score(features.embedding or encode_masked_queries(features, m).features[q]);
    //      s.backward(); then features.attentions[l].grad() is dS/dA_l ([heads, T, T]).
    // Weights never require grad; the graph is rooted at an internal copy of the input image.
    // Do not call from an at::InferenceMode scope (throws hoi::Error(Internal)).
    ImageFeatures encode_image_grad(const at::Tensor& image) const;

    // tokens: one id sequence per prompt (as the Tokenizer returns: 77 ids, zero-padded; shorter
    // sequences are zero-padded; longer than context_length is an Input error). The feature is taken
    // at the position of the largest id (<|endoftext|>), as OpenAI's encode_text.
    // cut_to_longest: run the transformer only on the first max(eot position)+1 positions of the
    // batch — exact under the causal mask, and much faster for short prompts. Returns [B, D].
    at::Tensor encode_text(const std::vector<std::vector<int>>& tokens, bool cut_to_longest = true) const;
    // The same with learned vectors added to the token embeddings (prompt context, CLIP4HOI's
    // "[PREFIX] verb [CONJUN] object"): residual [B, L, transformer_width] with L <= context_length,
    // zero where nothing is learned; added before the positional embedding. A zero residual gives
    // exactly encode_text's result. A residual that requires grad (outside InferenceMode, with grad
    // mode on) gives a result in its graph (prompt-context training); otherwise runs under InferenceMode.
    at::Tensor encode_text(const std::vector<std::vector<int>>& tokens, const at::Tensor& residual,
                           bool cut_to_longest = true) const;
    // The text tower's states of recent prompts, reused by prompts that begin the same way
    // (text_prefix_cache.h): for tests and measurements (rows reused, clear).
    TextPrefixCache& text_states() const;

    // The attention mask on the last block. masks: [Q, N] bool over the patch grid (row-major).
    // For each query q the class token (ViT) / mean token (RN attnpool) is re-run through the last
    // attention, with keys and values restricted to itself plus the patches where masks[q] is true;
    // then (ViT) the rest of the block, ln_post and proj; (RN) c_proj.
    //  - ViT: the query token is last_block_input[0] (the class token, unchanged).
    //  - RN:  the query token is the mean of the selected patches' features (the whole image's mean
    //         when the row is empty) plus positional_embedding[0] — a region-pooled query.
    // The query always sees itself, so an empty row is well defined. An all-true row reproduces
    // encode_image's embedding exactly. Runs under InferenceMode unless `f` carries autograd
    // (from encode_image_grad), in which case the result is in the same graph.
    MaskedQueries encode_masked_queries(const ImageFeatures& f, const at::Tensor& masks) const;

    // Building from tensors already in OpenAI naming (float32), e.g. in tests. Same checks as load().
    struct Impl;
    static std::shared_ptr<ClipModel> from_state_dict(const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                                                      const std::string& origin);
    // The same, taking the tensors: float32 ones become the parameters, and peak memory stays near
    // one copy of the weights.
    static std::shared_ptr<ClipModel> from_state_dict(std::vector<std::pair<std::string, at::Tensor>>&& tensors,
                                                      const std::string& origin);

private:
    explicit ClipModel(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

} // namespace hoi::clip
