// The whole CLIP network and its text tower: token embedding, causal transformer, ln_final,
// the feature at the <|endoftext|> position, text_projection.
#include "clip/clip_modules.h"
#include "clip/cpu_features.h"

#include <cstring>
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
    const int64_t W = config.transformer_width;
    const auto eot_rows = at::arange(B, eot.options()).mul_(L).add_(eot);
    at::Tensor rows;
    const bool inference = !transformer->blocks.empty() && clip::use_inference_kernels({&x, &mask});
    if (inference && B == 1 && transformer->blocks.front()->attn->in_proj_packed.defined()) {
        rows = encode_one_prompt(x, eot[0].item<int64_t>(), mask);
    } else if (inference) {
        // Inference: only the <|endoftext|> rows are needed after the transformer, and after the
        // last block's attention no row depends on another, so that block's out_proj, ln_2 and MLP
        // run on those B rows alone (one prompt: 1 row instead of L; 1/12 of the text tower's
        // products). Every kernel computes a row the same way whatever the row count (packed_linear.h,
        // attention_kernel.h; layer norm and the residual adds are per row), so the result is the
        // same to the bit as running the whole block (MultiheadAttentionImpl::forward's inference
        // path, whose steps are repeated here) and selecting the rows after it.
        x = transformer->forward(x, mask, transformer->layers - 1).contiguous();
        const auto& last = transformer->blocks.back();
        const auto& attn = last->attn;
        const auto qkv = attn->project_in(at::layer_norm(x, last->ln_1->options.normalized_shape(), last->ln_1->weight,
                                                         last->ln_1->bias, last->ln_1->options.eps()))
                             .contiguous();
        const auto o = attn->attend(qkv, mask);
        const auto o_eot = o.view({B * L, W}).index_select(0, eot_rows);
        const auto x_eot = x.view({B * L, W}).index_select(0, eot_rows);
        rows = last->forward_mlp(x_eot + attn->out_proj->forward(o_eot));
    } else {
        x = transformer->forward(x, mask);
        // Only the <|endoftext|> rows are needed after the transformer (ln_final is per token).
        rows = x.reshape({B * L, W}).index_select(0, eot_rows);
    }
    rows = at::layer_norm(rows, {W}, ln_final->weight, ln_final->bias, 1e-5);
    return at::mm(rows, text_projection);
}

namespace {
// y[r] = a[r] + b[r], element by element (ATen's float add: the same bits).
void add_rows(const float* a, const float* b, float* y, int64_t n) {
    for (int64_t i = 0; i < n; ++i) y[i] = a[i] + b[i];
}
} // namespace

at::Tensor ClipNetImpl::encode_one_prompt(const at::Tensor& x, int64_t eot, const at::Tensor& mask) const {
    // The batch path's steps (MultiheadAttentionImpl::forward's inference path, the last block on
    // the <|endoftext|> row), on the rows after the longest opening shared with a recent prompt:
    // that prompt's keys and values stand in for the opening's rows. Each kernel computes a row the
    // same way whatever rows are computed with it, so the result is the same to the bit as the
    // whole pass (tst_clip_model::textPrefixReuseIsExact). The products write into buffers made
    // once per prompt (the panel kernels directly, and the residual adds on the buffers) instead of
    // a tensor per step: about 20 tensor operations fewer per block, 3-5 % of a new prompt. The
    // steps are those of ResidualAttentionBlockImpl::forward_mlp and MlpImpl::forward.
    const int64_t L = x.size(1), W = config.transformer_width;
    const auto input = x[0].contiguous();
    const auto [from, P] = text_prefixes->longest_prefix(input, eot); // the <|endoftext|> row is always computed
    auto entry = std::make_shared<TextPrefixCache::Entry>();
    entry->input = input;
    const int64_t R = L - P; // the rows this pass computes
    // h: the residual stream of the computed rows; t: the attention / MLP output; u: the MLP's
    // hidden layer.
    auto work = at::empty({R * (W + W + 4 * W)}, input.options());
    float* h = work.data_ptr<float>();
    float* t = h + R * W;
    float* u = t + R * W;
    std::memcpy(h, input.data_ptr<float>() + P * W, static_cast<size_t>(R * W) * sizeof(float));
    const auto h_rows = [&](int64_t n) { return at::from_blob(h, {n, W}, input.options()); };
    const auto bias = [](const at::Tensor& b) { return b.defined() ? b.data_ptr<float>() : nullptr; };
    int64_t rows = R; // rows of h still needed (the last block keeps the <|endoftext|> row alone)
    for (size_t l = 0; l < transformer->blocks.size(); ++l) {
        const auto& blk = transformer->blocks[l];
        const auto& attn = blk->attn;
        const auto& mlp = blk->mlp;
        const bool last = l + 1 == transformer->blocks.size();
        const auto ln1 = at::layer_norm(h_rows(rows), blk->ln_1->options.normalized_shape(), blk->ln_1->weight,
                                        blk->ln_1->bias, blk->ln_1->options.eps());
        auto qkv = at::empty({L, 3 * W}, input.options());
        float* q = qkv.data_ptr<float>();
        if (P > 0) std::memcpy(q, from->qkv[l].data_ptr<float>(), static_cast<size_t>(P * 3 * W) * sizeof(float));
        attn->in_proj_packed.apply(ln1.data_ptr<float>(), R, bias(attn->in_proj_bias), q + P * 3 * W);
        entry->qkv.push_back(qkv);
        // The last block's queries: the <|endoftext|> row alone (no row depends on another after it).
        const int64_t q0 = last ? eot : P, q1 = last ? eot + 1 : L, n = q1 - q0;
        if (last && q0 != P) std::memmove(h, h + (q0 - P) * W, static_cast<size_t>(W) * sizeof(float));
        rows = n;
        const auto o = attn->attend(qkv.unsqueeze(0), mask, q0, q1);
        attn->out_proj->packed.apply(o.data_ptr<float>(), n, bias(attn->out_proj->bias), t);
        add_rows(h, t, h, n * W);
        const auto ln2 = at::layer_norm(h_rows(n), blk->ln_2->options.normalized_shape(), blk->ln_2->weight,
                                        blk->ln_2->bias, blk->ln_2->options.eps());
        mlp->c_fc->packed.apply(ln2.data_ptr<float>(), n, bias(mlp->c_fc->bias), u,
                                PackedLinear::Epilogue::QuickGelu);
        mlp->c_proj->packed.apply(u, n, bias(mlp->c_proj->bias), t);
        add_rows(h, t, h, n * W);
    }
    text_prefixes->insert(std::move(entry));
    return h_rows(1).clone();
}

} // namespace hoi::clip::nn
