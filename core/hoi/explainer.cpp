#include "hoi/explainer.h"

#include "clip/clip_model.h"
#include "hoi/attention_map.h"
#include "hoi/pair_features.h"
#include "hoi/stage_util.h"

#include <torch/torch.h>

namespace hoi::model {

Explainer::Explainer(std::shared_ptr<clip::ClipModel> clip) : clip_(std::move(clip)) {}

AttentionMap Explainer::relevance(const ImageState& st, const detect::Detection& h, const detect::Detection& o,
                                  const at::Tensor& text) const {
    clip::ImageFeatures f = clip_->encode_image_grad(st.image_tensor.clone());
    const int gw = f.grid_w, gh = f.grid_h;
    Pair pair;
    pair.human = 0;
    pair.object = 1;
    // The union box's mask (the first of the pair's three).
    auto mask = pair_masks({h, o}, {pair}, st.frame, gw, gh).narrow(0, 0, 1).contiguous();
    auto mq = clip_->encode_masked_queries(f, mask);
    const bool q_grad = mq.attention.requires_grad();
    if (q_grad) mq.attention.retain_grad();
    if (mq.self_attention.defined() && mq.self_attention.requires_grad()) mq.self_attention.retain_grad();
    at::Tensor feat = mq.features[0];
    at::Tensor s = torch::dot(feat / feat.norm().clamp_min(1e-12), text) * clip_->logit_scale();
    s.backward();

    const long T = f.attentions.empty() ? 0 : f.attentions[0].size(-1); // 1 + N
    at::Tensor R = torch::eye(T);
    const size_t L = f.attentions.size();
    // Every block but the last (the pair's query replaces the class token there).
    for (size_t l = 0; l + 1 < L; ++l) {
        const auto& A = f.attentions[l];
        at::Tensor G = A.grad();
        if (!G.defined()) continue; // block not on the path to the score
        at::Tensor Abar = (G * A.detach()).clamp_min(0).mean(0); // [T, T]
        R = R + torch::mm(Abar, R);
    }
    // The pair query in the last block: relevance row over (itself = class token, patches).
    at::Tensor row = torch::zeros({T});
    if (q_grad && mq.attention.grad().defined()) {
        at::Tensor qa = (mq.attention.grad()[0] * mq.attention.detach()[0]).clamp_min(0).mean(0); // [N]
        row.slice(0, 1, T).copy_(qa);
        if (mq.self_attention.defined() && mq.self_attention.requires_grad() && mq.self_attention.grad().defined())
            row[0] = (mq.self_attention.grad()[0] * mq.self_attention.detach()[0]).clamp_min(0).mean();
    } else {
        // No gradient on the query attention: use its weights (attention rollout on the last block).
        row.slice(0, 1, T).copy_(mq.attention.detach()[0].mean(0));
    }
    at::Tensor rel = torch::mv(R.t(), row); // relevance of every token through the earlier blocks
    rel[0] = 0; // the class token is not a place in the image
    return attention_map(rel.slice(0, 1, T).detach(), gw, gh, st.frame);
}

PairInspection Explainer::inspect(const ImageState& st, int pair) const {
    PairInspection out;
    if (!st.has_clip || !st.query_attention.defined()) return out;
    at::InferenceMode guard;
    const int gw = st.feats.grid_w, gh = st.feats.grid_h, N = gw * gh;
    std::vector<at::Tensor> atts = st.feats.attentions;
    if (atts.empty()) atts = clip_->encode_image(st.image_tensor, true).attentions;
    auto frame_into = [&](AttentionStack& s) {
        s.grid_w = gw;
        s.grid_h = gh;
        s.frame_x = st.frame.x;
        s.frame_y = st.frame.y;
        s.frame_size = st.frame.size;
    };
    if (!atts.empty() && atts[0].size(-1) == N + 1) { // ViT: the class token's row
        std::vector<at::Tensor> rows;
        for (const auto& A : atts) rows.push_back(A.select(1, 0).slice(1, 1, N + 1)); // [heads, N]
        at::Tensor all = torch::stack(rows); // [L, heads, N]
        out.image_cls.layers = static_cast<int>(all.size(0));
        out.image_cls.heads = static_cast<int>(all.size(1));
        frame_into(out.image_cls);
        out.image_cls.data = to_vec(all);
    }
    const long p = pair;
    at::Tensor q = st.query_attention.slice(0, 3 * p, 3 * p + 3); // [3, heads, N]
    out.pair_query.layers = 1;
    out.pair_query.heads = static_cast<int>(q.size(1));
    frame_into(out.pair_query);
    out.pair_query.data = to_vec(q[0]);
    out.union_map = attention_map(q[0].mean(0), gw, gh, st.frame);
    out.human_map = attention_map(q[1].mean(0), gw, gh, st.frame);
    out.object_map = attention_map(q[2].mean(0), gw, gh, st.frame);
    return out;
}

} // namespace hoi::model
