// CLIP's VisionTransformer image tower and its masked last-block class-token queries.
#include "clip/clip_modules.h"

#include "io/error.h"

#include <cmath>

namespace hoi::clip::nn {

static at::Tensor layer_norm(const torch::nn::LayerNorm& ln, const at::Tensor& x) {
    return at::layer_norm(x, ln->options.normalized_shape(), ln->weight, ln->bias, ln->options.eps());
}

VisionTransformerImpl::VisionTransformerImpl(int input_resolution_, int patch_size_, int width_, int layers_,
                                             int heads_, int output_dim_)
    : input_resolution(input_resolution_), patch_size(patch_size_), width(width_), layers(layers_), heads(heads_),
      output_dim(output_dim_), grid(input_resolution_ / patch_size_) {
    conv1 = register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, width, patch_size)
                                                           .stride(patch_size)
                                                           .bias(false)));
    class_embedding = register_parameter("class_embedding", torch::zeros({width}));
    positional_embedding = register_parameter("positional_embedding", torch::zeros({grid * grid + 1, width}));
    ln_pre = register_module("ln_pre", torch::nn::LayerNorm(torch::nn::LayerNormOptions({width}).eps(1e-5)));
    transformer = register_module("transformer", Transformer(width, layers, heads));
    ln_post = register_module("ln_post", torch::nn::LayerNorm(torch::nn::LayerNormOptions({width}).eps(1e-5)));
    proj = register_parameter("proj", torch::zeros({width, output_dim}));
}

VisionOut VisionTransformerImpl::forward(const at::Tensor& x, bool full, AttnRecord record) const {
    const int64_t B = x.size(0), p = patch_size, g = grid, N = g * g;
    // Patch embedding: the stride-p convolution without bias is one matrix product over the patches.
    auto patches = x.view({B, 3, g, p, g, p}).permute({0, 2, 4, 1, 3, 5}).reshape({B * N, 3 * p * p});
    auto emb = linear(patches, patch_packed, conv1->weight.view({width, 3 * p * p}), at::Tensor()).view({B, N, width});
    auto cls = class_embedding.view({1, 1, width}).expand({B, 1, width});
    auto t = at::cat({cls, emb}, 1) + positional_embedding.unsqueeze(0);
    t = layer_norm(ln_pre, t);

    VisionOut out;
    out.grid_h = out.grid_w = static_cast<int>(g);
    std::vector<at::Tensor>* attn = record == AttnRecord::None ? nullptr : &out.attentions;
    auto lbi = transformer->forward(t, at::Tensor(), layers - 1, record, attn);
    at::Tensor a;
    auto tokens = transformer->blocks.back()->forward(lbi, at::Tensor(), attn ? record : AttnRecord::None, &a);
    if (attn) attn->push_back(a);
    if (full) {
        auto post = layer_norm(ln_post, tokens);
        auto projected = at::matmul(post, proj); // [B, 1+N, D]
        out.embedding = projected.select(1, 0);
        out.tokens_proj = projected.narrow(1, 1, N);
        out.last_block_input = lbi;
        out.tokens = tokens;
    } else {
        out.embedding = at::mm(layer_norm(ln_post, tokens.select(1, 0)), proj);
    }
    return out;
}

MaskedQueries VisionTransformerImpl::masked_queries(const at::Tensor& lbi, const at::Tensor& masks) const {
    const auto& blk = transformer->blocks.back();
    const int64_t T = lbi.size(0), N = T - 1, Q = masks.size(0), H = heads, hd = width / heads;
    const double scale = 1.0 / std::sqrt(static_cast<double>(hd));
    auto h = layer_norm(blk->ln_1, lbi);
    auto qkv = blk->attn->project_in(h); // [T, 3W]
    auto q0 = qkv.select(0, 0).narrow(0, 0, width).view({H, hd, 1});
    auto k = qkv.narrow(1, width, width).view({T, H, hd}).permute({1, 0, 2});     // [H, T, hd]
    auto v = qkv.narrow(1, 2 * width, width).view({T, H, hd}).permute({1, 0, 2}); // [H, T, hd]
    auto logits = at::bmm(k, q0).squeeze(-1).mul(scale);                          // [H, T]
    // Keys: the class token itself (always) and the selected patches.
    auto allowed = at::cat({at::ones({Q, 1}, masks.options().dtype(at::kBool)), masks.to(at::kBool)}, 1);
    auto bias = at::zeros({Q, 1, T}, lbi.options())
                    .masked_fill(allowed.logical_not().unsqueeze(1), -std::numeric_limits<float>::infinity());
    auto w = at::softmax(logits.unsqueeze(0) + bias, -1);                      // [Q, H, T]
    auto o = at::bmm(w.transpose(0, 1), v).permute({1, 0, 2}).reshape({Q, width}); // [Q, W]
    auto y = lbi.select(0, 0).unsqueeze(0) + blk->attn->out_proj->forward(o);
    y = blk->forward_mlp(y);
    MaskedQueries r;
    r.features = at::mm(layer_norm(ln_post, y), proj);
    r.attention = w.narrow(2, 1, N);
    r.self_attention = w.select(2, 0);
    return r;
}

} // namespace hoi::clip::nn
