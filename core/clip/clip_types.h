#pragma once
// The value types of the CLIP towers: the architecture (ClipConfig), an image's features and the
// masked queries' results. Shared by the model (clip_model.h) and its modules (clip_modules.h),
// which do not include each other's headers.
#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

namespace hoi::clip {

struct ClipConfig {
    bool vit = true;              // VisionTransformer (true) or ModifiedResNet (false)
    int image_resolution = 224;   // input side in pixels
    int vision_width = 768;       // ViT: token width; RN: stem width (64 for RN50)
    int vision_layers = 12;       // ViT: residual blocks; RN: sum of vision_layers_rn
    int vision_patch_size = 32;   // ViT only
    int grid = 7;                 // patch grid side (ViT: resolution / patch, RN: resolution / 32)
    std::vector<int> vision_layers_rn; // RN only: blocks per stage, e.g. {3, 4, 6, 3}
    int embed_dim = 512;          // joint embedding size
    int context_length = 77;
    int vocab_size = 49408;
    int transformer_width = 512;
    int transformer_heads = 8;    // transformer_width / 64
    int transformer_layers = 12;
    int vision_heads = 12;        // ViT: vision_width / 64; RN: vision_width * 32 / 64

    // The token width entering the last image block / attnpool (ViT: vision_width, RN: vision_width*32).
    int vision_token_width() const { return vit ? vision_width : vision_width * 32; }
    // "ViT-B/32"-style name when the shapes match a published model, else e.g. "ViT-W256-L2-P16".
    std::string name() const;
};

struct ImageFeatures {
    at::Tensor embedding;        // [D] projected image embedding (not normalised), as encode_image
    // ViT: [1+N, W] tokens entering the last residual block (class token first).
    // RN:  [N, C] spatial features entering attnpool (row-major over the grid, no positional embedding).
    at::Tensor last_block_input;
    // ViT: [1+N, W] output of the last block, before ln_post.  RN: [N, C] (same as last_block_input).
    at::Tensor tokens;
    // [N, D] patch tokens in the joint space: ViT: ln_post then proj; RN: attnpool's value path
    // (v_proj of feature + positional embedding, then c_proj), as in MaskCLIP.
    at::Tensor tokens_proj;
    int grid_h = 0, grid_w = 0;  // patch grid (N = grid_h * grid_w)
    // Only when requested. ViT: per layer [heads, 1+N, 1+N] softmax weights (index 0 = class token).
    // RN: one entry, attnpool's [heads, 1, 1+N] (query = mean token; keys: mean token, then patches).
    std::vector<at::Tensor> attentions;
};

struct MaskedQueries {
    at::Tensor features;  // [Q, D] projected (not normalised)
    at::Tensor attention; // [Q, heads, N] the query's attention weights over the patches (0 where masked out)
    at::Tensor self_attention; // [Q, heads] the weight the query gives itself (rows of attention + this sum to 1)
};

} // namespace hoi::clip
