// CLIP's ModifiedResNet image tower: 3-convolution stem, anti-aliased Bottlenecks (average pooling
// before strided convolutions), AttentionPool2d; and the attnpool's masked mean-token queries.
#include "clip/clip_modules.h"

#include <cmath>
#include <limits>

namespace hoi::clip::nn {
namespace {

torch::nn::Conv2d conv(int in, int out, int k, int pad, int stride = 1) {
    return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, k).stride(stride).padding(pad).bias(false));
}

at::Tensor bn(const torch::nn::BatchNorm2d& b, const at::Tensor& x) {
    return at::batch_norm(x, b->weight, b->bias, b->running_mean, b->running_var, false, 0.1, b->options.eps(), false);
}

at::Tensor conv_fwd(const torch::nn::Conv2d& c, const at::Tensor& x) {
    // Every convolution here is k x k with padding k / 2 (k = 1 or 3).
    const int64_t pad = c->weight.size(-1) / 2;
    return at::conv2d(x, c->weight, {}, *c->options.stride(), {pad, pad});
}

} // namespace

BottleneckImpl::BottleneckImpl(int inplanes, int planes, int stride_) : stride(stride_) {
    conv1 = register_module("conv1", conv(inplanes, planes, 1, 0));
    bn1 = register_module("bn1", torch::nn::BatchNorm2d(planes));
    conv2 = register_module("conv2", conv(planes, planes, 3, 1));
    bn2 = register_module("bn2", torch::nn::BatchNorm2d(planes));
    conv3 = register_module("conv3", conv(planes, planes * 4, 1, 0));
    bn3 = register_module("bn3", torch::nn::BatchNorm2d(planes * 4));
    if (stride > 1 || inplanes != planes * 4) {
        downsample = register_module("downsample", std::make_shared<torch::nn::Module>());
        down_conv = downsample->register_module("0", conv(inplanes, planes * 4, 1, 0));
        down_bn = downsample->register_module("1", torch::nn::BatchNorm2d(planes * 4));
    }
}

at::Tensor BottleneckImpl::forward(const at::Tensor& x) const {
    auto out = (bn(bn1, conv_fwd(conv1, x))).relu_();
    out = (bn(bn2, conv_fwd(conv2, out))).relu_();
    if (stride > 1) out = at::avg_pool2d(out, stride);
    out = bn(bn3, conv_fwd(conv3, out));
    at::Tensor identity = x;
    if (downsample) {
        identity = stride > 1 ? at::avg_pool2d(x, stride) : x;
        identity = bn(down_bn, conv_fwd(down_conv, identity));
    }
    return (out + identity).relu_();
}

AttentionPool2dImpl::AttentionPool2dImpl(int spacial_dim_, int embed_dim_, int heads_, int output_dim_)
    : spacial_dim(spacial_dim_), embed_dim(embed_dim_), heads(heads_), output_dim(output_dim_) {
    positional_embedding =
        register_parameter("positional_embedding", torch::zeros({spacial_dim * spacial_dim + 1, embed_dim}));
    k_proj = register_module("k_proj", LinearWeights(embed_dim, embed_dim));
    q_proj = register_module("q_proj", LinearWeights(embed_dim, embed_dim));
    v_proj = register_module("v_proj", LinearWeights(embed_dim, embed_dim));
    c_proj = register_module("c_proj", LinearWeights(embed_dim, output_dim));
}

at::Tensor AttentionPool2dImpl::forward(const at::Tensor& x, AttnRecord record, at::Tensor* attn) const {
    const int64_t B = x.size(0), N = x.size(1), T = N + 1, H = heads, hd = embed_dim / heads;
    const double scale = 1.0 / std::sqrt(static_cast<double>(hd));
    auto t = at::cat({x.mean(1, true), x}, 1) + positional_embedding.unsqueeze(0); // [B, T, C]
    auto q = q_proj->forward(t.select(1, 0)).mul(scale).view({B * H, 1, hd});
    auto k = k_proj->forward(t).view({B, T, H, hd}).permute({0, 2, 1, 3}).reshape({B * H, T, hd});
    auto v = v_proj->forward(t).view({B, T, H, hd}).permute({0, 2, 1, 3}).reshape({B * H, T, hd});
    auto w = at::softmax(at::bmm(q, k.transpose(1, 2)), -1); // [B*H, 1, T]
    if (record != AttnRecord::None && attn) {
        const bool graph = record == AttnRecord::Graph;
        auto w4 = graph && B == 1 ? w.view({H, 1, T}) : w.view({B, H, 1, T});
        if (graph && w4.requires_grad()) w4.retain_grad();
        *attn = w4;
        w = w4.view({B * H, 1, T});
    }
    auto o = at::bmm(w, v).view({B, embed_dim});
    return c_proj->forward(o);
}

at::Tensor AttentionPool2dImpl::value_tokens(const at::Tensor& x) const {
    auto xp = x + positional_embedding.narrow(0, 1, x.size(-2));
    return c_proj->forward(v_proj->forward(xp));
}

MaskedQueries AttentionPool2dImpl::masked_queries(const at::Tensor& x, const at::Tensor& masks) const {
    const int64_t N = x.size(0), Q = masks.size(0), H = heads, hd = embed_dim / heads;
    const double scale = 1.0 / std::sqrt(static_cast<double>(hd));
    auto m = masks.to(at::kBool);
    auto mf = m.to(x.scalar_type());
    auto count = mf.sum(1, true);                                          // [Q, 1]
    auto mean_sel = at::mm(mf, x) / count.clamp_min(1);
    auto mean_all = x.mean(0, true).expand({Q, embed_dim});
    auto mean = at::where(count > 0, mean_sel, mean_all);                  // [Q, C]
    auto q0 = mean + positional_embedding.select(0, 0).unsqueeze(0);
    auto qq = q_proj->forward(q0).mul(scale).view({Q, H, hd});
    auto ks = k_proj->forward(q0).view({Q, H, hd});
    auto vs = v_proj->forward(q0).view({Q, H, hd});
    auto xp = x + positional_embedding.narrow(0, 1, N);
    auto kp = k_proj->forward(xp).view({N, H, hd}).permute({1, 2, 0}); // [H, hd, N]
    auto vp = v_proj->forward(xp).view({N, H, hd}).permute({1, 0, 2}); // [H, N, hd]
    auto patch_logits = at::bmm(qq.permute({1, 0, 2}), kp).permute({1, 0, 2});              // [Q, H, N]
    patch_logits = patch_logits.masked_fill(m.logical_not().unsqueeze(1), -std::numeric_limits<float>::infinity());
    auto self_logits = (qq * ks).sum(-1, true);                                             // [Q, H, 1]
    auto w = at::softmax(at::cat({self_logits, patch_logits}, 2), -1);                      // [Q, H, 1+N]
    auto wp = w.narrow(2, 1, N);
    auto o = w.narrow(2, 0, 1) * vs + at::bmm(wp.permute({1, 0, 2}), vp).permute({1, 0, 2}); // [Q, H, hd]
    MaskedQueries r;
    r.features = c_proj->forward(o.reshape({Q, embed_dim}));
    r.attention = wp;
    r.self_attention = w.select(2, 0);
    return r;
}

ModifiedResNetImpl::ModifiedResNetImpl(const std::vector<int>& layers, int output_dim, int heads,
                                       int input_resolution_, int width_)
    : input_resolution(input_resolution_), width(width_) {
    conv1 = register_module("conv1", conv(3, width / 2, 3, 1, 2));
    bn1 = register_module("bn1", torch::nn::BatchNorm2d(width / 2));
    conv2 = register_module("conv2", conv(width / 2, width / 2, 3, 1));
    bn2 = register_module("bn2", torch::nn::BatchNorm2d(width / 2));
    conv3 = register_module("conv3", conv(width / 2, width, 3, 1));
    bn3 = register_module("bn3", torch::nn::BatchNorm2d(width));
    int inplanes = width;
    for (size_t s = 0; s < layers.size(); ++s) {
        const int planes = width << s;
        auto holder = register_module("layer" + std::to_string(s + 1), std::make_shared<torch::nn::Module>());
        std::vector<Bottleneck> blocks;
        for (int b = 0; b < layers[s]; ++b) {
            blocks.push_back(Bottleneck(inplanes, planes, (b == 0 && s > 0) ? 2 : 1));
            holder->register_module(std::to_string(b), blocks.back());
            inplanes = planes * 4;
        }
        stages.push_back(std::move(blocks));
    }
    const int embed = width * 32;
    attnpool = register_module("attnpool", AttentionPool2d(input_resolution / 32, embed, heads, output_dim));
}

VisionOut ModifiedResNetImpl::forward(const at::Tensor& x, bool full, AttnRecord record) const {
    auto y = (bn(bn1, conv_fwd(conv1, x))).relu_();
    y = (bn(bn2, conv_fwd(conv2, y))).relu_();
    y = (bn(bn3, conv_fwd(conv3, y))).relu_();
    y = at::avg_pool2d(y, 2);
    for (const auto& stage : stages)
        for (const auto& b : stage) y = b->forward(y);
    VisionOut out;
    out.grid_h = static_cast<int>(y.size(2));
    out.grid_w = static_cast<int>(y.size(3));
    auto feat = y.flatten(2).transpose(1, 2).contiguous(); // [B, N, C]
    at::Tensor a;
    out.embedding = attnpool->forward(feat, record, &a);
    if (record != AttnRecord::None) out.attentions.push_back(a);
    if (full) {
        out.last_block_input = feat;
        out.tokens = feat;
        out.tokens_proj = attnpool->value_tokens(feat);
    }
    return out;
}

} // namespace hoi::clip::nn
