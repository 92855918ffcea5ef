// The whole CLIP network and its text tower: token embedding, causal transformer, ln_final,
// the feature at the <|endoftext|> position, text_projection.
#include "clip/clip_modules.h"
#include "clip/cpu_features.h"
#include "clip/thread_team.h"

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
    const bool inference = !transformer->blocks.empty() && clip::use_inference_kernels({&x, &mask});
    if (inference && B == 1 && transformer->blocks.front()->attn->in_proj_packed.defined())
        return encode_one_prompt(x, eot[0].item<int64_t>(), mask);
    const auto eot_rows = at::arange(B, eot.options()).mul_(L).add_(eot);
    at::Tensor rows;
    if (inference) {
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
    return project(rows);
}

at::Tensor ClipNetImpl::project(const at::Tensor& rows) const {
    return at::mm(at::layer_norm(rows, {config.transformer_width}, ln_final->weight, ln_final->bias, 1e-5), text_projection);
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
    // whole pass (tst_clip_model::textPrefixReuseIsExact). The steps are those of
    // ResidualAttentionBlockImpl::forward_mlp and MlpImpl::forward, in one parallel region
    // (thread_team.h): each product split among the threads by columns, the other steps by rows or
    // heads, into buffers made once per prompt. ln_final and text_projection end the region when
    // the projection was matched to at::mm's bits (blas_matched_product.h), else follow it (project).
    const int64_t L = x.size(1), W = config.transformer_width, H = transformer->heads;
    const auto input = x[0].contiguous();
    const auto [from, P] = text_prefixes->longest_prefix(input, eot); // the <|endoftext|> row is always computed
    auto entry = std::make_shared<TextPrefixCache::Entry>();
    entry->input = input;
    const int64_t R = L - P; // the rows this pass computes
    const auto opts = input.options();
    // h: the residual stream of the computed rows; t: an attention / MLP output; u: the MLP's hidden
    // layer; n: a layer norm's output; o: the attention before out_proj.
    auto h = at::empty({R, W}, opts), t = at::empty({R, W}, opts), u = at::empty({R, 4 * W}, opts);
    auto n = at::empty({R, W}, opts), o = at::empty({R, W}, opts), mean = at::empty({R}, opts), rstd = at::empty({R}, opts);
    // The attention's logits and probabilities: R query rows in every block but the last, 1 in it.
    auto logits = at::empty({H, R, L}, opts), probs = at::empty({H, R, L}, opts);
    auto logits1 = logits.view(-1).narrow(0, 0, H * L).view({H, 1, L}), probs1 = probs.view(-1).narrow(0, 0, H * L).view({H, 1, L});
    std::memcpy(h.data_ptr<float>(), input.data_ptr<float>() + P * W, static_cast<size_t>(R * W) * sizeof(float));
    const auto& blocks = transformer->blocks;
    // The blocks' in_proj outputs, in one allocation (a prompt's first rows come from `from`, copied
    // in the region below).
    const auto qkv_all = at::empty({static_cast<int64_t>(blocks.size()), L, 3 * W}, opts);
    for (size_t l = 0; l < blocks.size(); ++l) entry->qkv.push_back(qkv_all[static_cast<int64_t>(l)]);
    // The embedding, when the projection runs in the region.
    const bool project_here = text_projection_row.defined();
    auto embedding = project_here ? at::empty({1, text_projection_row.out_features()}, opts) : at::Tensor();
    const auto bias = [](const at::Tensor& b) { return b.defined() ? b.data_ptr<float>() : nullptr; };
    const float* maskp = mask.data_ptr<float>();
    float *hp = h.data_ptr<float>(), *tp = t.data_ptr<float>(), *up = u.data_ptr<float>(), *np = n.data_ptr<float>(),
          *op = o.data_ptr<float>();
    // The small steps split among the threads: the residual adds and layer norms by rows (of the R
    // rows, or of the last block's one row), the attention by heads; each thread's views made here.
    const int parts = team_threads();
    struct Rows {
        int64_t r0 = 0, count = 0;
        at::Tensor h, n, mean, rstd;
    };
    struct Heads {
        int64_t h0 = 0, h1 = 0;
        at::Tensor logits, probs, logits1, probs1;
    };
    std::vector<Rows> rows_of_R(static_cast<size_t>(parts)), rows_of_1(static_cast<size_t>(parts));
    std::vector<Heads> heads(static_cast<size_t>(parts));
    for (int part = 0; part < parts; ++part) {
        for (auto [all_rows, split] : {std::pair{R, &rows_of_R}, std::pair{int64_t{1}, &rows_of_1}}) {
            auto& r = (*split)[static_cast<size_t>(part)];
            r.r0 = all_rows * part / parts;
            r.count = all_rows * (part + 1) / parts - r.r0;
            r.h = h.narrow(0, r.r0, r.count);
            r.n = n.narrow(0, r.r0, r.count);
            r.mean = mean.narrow(0, r.r0, r.count);
            r.rstd = rstd.narrow(0, r.r0, r.count);
        }
        auto& hd = heads[static_cast<size_t>(part)];
        hd.h0 = H * part / parts;
        hd.h1 = H * (part + 1) / parts;
        hd.logits = logits.narrow(0, hd.h0, hd.h1 - hd.h0);
        hd.probs = probs.narrow(0, hd.h0, hd.h1 - hd.h0);
        hd.logits1 = logits1.narrow(0, hd.h0, hd.h1 - hd.h0);
        hd.probs1 = probs1.narrow(0, hd.h0, hd.h1 - hd.h0);
    }
    // h += t on a part's rows (a block's attention or MLP output), then ln of them into n (no ln: the add alone).
    const auto add_then_norm = [&](Rows& r, const torch::nn::LayerNorm* ln) {
        float* hr = hp + r.r0 * W;
        add_rows(hr, tp + r.r0 * W, hr, r.count * W);
        if (ln) layer_norm_into(*ln, r.h, r.count, r.n, r.mean, r.rstd);
    };
    run_on_team([&](const ThreadTeam& team) {
        const int me = team.index(), all = team.size();
        for (size_t l = 0; l < blocks.size(); ++l) {
            const auto& blk = blocks[l];
            const auto& attn = blk->attn;
            const auto& mlp = blk->mlp;
            const bool last = l + 1 == blocks.size();
            // The last block's queries: the <|endoftext|> row alone (no row depends on another after it).
            const int64_t q0 = last ? eot : P, q1 = last ? eot + 1 : L, rows = q1 - q0;
            float* qkv = entry->qkv[l].data_ptr<float>();
            team.each_part(parts, [&](int part) {
                // The opening's rows from the recent prompt, each thread a part (the attention reads
                // them two barriers later). From memory the weights have long pushed out of the
                // caches: 40-60 us a prompt on one thread before the region.
                const int64_t opening = P * 3 * W, c0 = opening * part / parts, c1 = opening * (part + 1) / parts;
                if (c1 > c0)
                    std::memcpy(qkv + c0, from->qkv[l].data_ptr<float>() + c0, static_cast<size_t>(c1 - c0) * sizeof(float));
                auto& r = rows_of_R[static_cast<size_t>(part)];
                float* hr = hp + r.r0 * W;
                if (l > 0) add_rows(hr, tp + r.r0 * W, hr, r.count * W); // the previous block's MLP (all R rows)
                layer_norm_into(blk->ln_1, r.h, r.count, r.n, r.mean, r.rstd);
            });
            team.barrier();
            attn->in_proj_packed.apply_share(np, R, bias(attn->in_proj_bias), qkv + P * 3 * W, me, all);
            team.barrier();
            team.each_part(parts, [&](int part) {
                const auto& hd = heads[static_cast<size_t>(part)];
                if (part == 0 && last && q0 != P)
                    std::memmove(hp, hp + (q0 - P) * W, static_cast<size_t>(W) * sizeof(float));
                attn->attend_into(qkv, 1, L, maskp, q0, q1, last ? hd.logits1 : hd.logits, last ? hd.probs1 : hd.probs,
                                  op, hd.h0, hd.h1);
            });
            team.barrier();
            attn->out_proj->packed.apply_share(op, rows, bias(attn->out_proj->bias), tp, me, all);
            team.barrier();
            team.each_part(parts, [&](int part) {
                add_then_norm((last ? rows_of_1 : rows_of_R)[static_cast<size_t>(part)], &blk->ln_2);
            });
            team.barrier();
            mlp->c_fc->packed.apply_share(np, rows, bias(mlp->c_fc->bias), up, me, all, PackedLinear::Epilogue::QuickGelu);
            team.barrier();
            mlp->c_proj->packed.apply_share(up, rows, bias(mlp->c_proj->bias), tp, me, all);
            team.barrier();
        }
        // The last block's MLP (its one row), then ln_final when the projection follows here.
        team.each_part(parts, [&](int part) {
            add_then_norm(rows_of_1[static_cast<size_t>(part)], project_here ? &ln_final : nullptr);
        });
        if (project_here) {
            team.barrier();
            text_projection_row.apply_share(np, embedding.data_ptr<float>(), me, all);
        }
    });
    text_prefixes->insert(std::move(entry));
    return project_here ? embedding : project(h.narrow(0, 0, 1));
}

} // namespace hoi::clip::nn
