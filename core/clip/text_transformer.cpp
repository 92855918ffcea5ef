// The whole CLIP network and its text tower: token embedding, causal transformer, ln_final,
// the feature at the <|endoftext|> position, text_projection.
#include "clip/clip_modules.h"

#include <limits>

namespace hoi::clip::nn {

ClipNetImpl::ClipNetImpl(const ClipConfig& c) : config(c) {
    if (c.vit) {
        visual_vit = register_module("visual", VisionTransformer(c.image_resolution, c.vision_patch_size, c.vision_width,
                                                                 c.vision_layers, c.vision_heads, c.embed_dim));
    } else {
        visual_rn = register_module("visual", ModifiedResNet(c.vision_layers_rn, c.embed_dim, c.vision_heads,
                                                             c.image_resolution, c.vision_width));
    }
    transformer = register_module("transformer", Transformer(c.transformer_width, c.transformer_layers, c.transformer_heads));
    token_embedding = register_module("token_embedding", EmbeddingWeights(c.vocab_size, c.transformer_width));
    positional_embedding = register_parameter("positional_embedding", torch::zeros({c.context_length, c.transformer_width}));
    ln_final = register_module("ln_final", torch::nn::LayerNorm(torch::nn::LayerNormOptions({c.transformer_width}).eps(1e-5)));
    text_projection = register_parameter("text_projection", torch::zeros({c.transformer_width, c.embed_dim}));
    logit_scale = register_parameter("logit_scale", torch::zeros({}));
    causal_mask = torch::full({c.context_length, c.context_length}, -std::numeric_limits<float>::infinity()).triu_(1);
}

at::Tensor ClipNetImpl::encode_text(const at::Tensor& ids, const at::Tensor& eot, const at::Tensor& residual) const {
    const int64_t B = ids.size(0), L = ids.size(1);
    auto tok = at::embedding(token_embedding->weight, ids);
    if (residual.defined()) tok = tok + residual;
    auto x = tok + positional_embedding.narrow(0, 0, L).unsqueeze(0);
    auto mask = causal_mask.narrow(0, 0, L).narrow(1, 0, L).contiguous(); // once, not in every block
    x = transformer->forward(x, mask);
    // Only the <|endoftext|> rows are needed after the transformer (ln_final is per token).
    auto rows = x.reshape({B * L, config.transformer_width})
                    .index_select(0, at::arange(B, eot.options()).mul_(L).add_(eot));
    rows = at::layer_norm(rows, {config.transformer_width}, ln_final->weight, ln_final->bias, 1e-5);
    return at::mm(rows, text_projection);
}

} // namespace hoi::clip::nn
