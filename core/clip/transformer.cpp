// The residual attention transformer shared by the ViT image tower and the text tower.
#include "clip/clip_modules.h"
#include "clip/attention_kernel.h"
#include "clip/cpu_features.h"

#include <cmath>
#include <cstdlib>
#include <functional>
#include <map>
#include <string>

namespace hoi::clip::nn {

namespace {
// Whether linear() may use its inference kernels (the panel kernel on packed weights, oneDNN on
// dense ones): the one gate (cpu_features.h) over x, the weight (the dense one, or the empty tensor
// a packed weight leaves) and the bias, which must also be contiguous. Otherwise OpenBLAS.
bool use_inference_kernels(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias) {
    if (bias.defined() && !bias.is_contiguous()) return false;
    if (!weight.defined() || !clip::use_inference_kernels({&x, &weight, &bias})) return false;
    return true;
}
} // namespace

at::Tensor linear(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias) {
    const int64_t K = x.size(-1), N = weight.size(0);
    auto x2 = x.dim() == 2 ? x : x.reshape({-1, K});
    at::Tensor y;
    static const bool onednn = at::hasMKLDNN();
    if (onednn && use_inference_kernels(x2, weight, bias)) {
        // Weights that are not packed (modules used directly, outside ClipModel): oneDNN's inner
        // product (on ATen's OpenMP threads) beats OpenBLAS by 1.2-4x on CLIP's shapes (see
        // init_runtime for why OpenBLAS runs on one thread).
        y = at::mkldnn_linear(x2.contiguous().to_mkldnn(), weight,
                              bias.defined() ? c10::optional<at::Tensor>(bias) : c10::nullopt)
                .to_dense();
    } else {
        // Autograd (relevance maps, prompt learning), HOI_ONEDNN=0, or other dtypes: OpenBLAS.
        y = bias.defined() ? at::addmm(bias, x2, weight.t()) : at::mm(x2, weight.t());
    }
    if (x.dim() == 2) return y;
    auto sizes = x.sizes().vec();
    sizes.back() = N;
    return y.view(sizes);
}

at::Tensor linear(const at::Tensor& x, const PackedLinear& packed, const at::Tensor& weight, const at::Tensor& bias,
                  bool gelu) {
    auto dense = [&](const at::Tensor& w) {
        auto y = linear(x, w, bias);
        return gelu ? quick_gelu(y) : y;
    };
    if (!packed.defined()) return dense(weight);
    const int64_t K = x.size(-1), N = packed.out_features();
    TORCH_CHECK(K == packed.in_features(), "linear: input has ", K, " features, the weight expects ",
                packed.in_features());
    if (!use_inference_kernels(x, weight, bias)) return dense(weight.numel() ? weight : packed.dense());
    auto xc = x.reshape({-1, K}).contiguous();
    auto y = at::empty({xc.size(0), N}, xc.options());
    packed.apply(xc.data_ptr<float>(), xc.size(0), bias.defined() ? bias.data_ptr<float>() : nullptr, y.data_ptr<float>(),
                 gelu ? PackedLinear::Epilogue::QuickGelu : PackedLinear::Epilogue::None);
    auto sizes = x.sizes().vec();
    sizes.back() = N;
    return y.view(sizes);
}

at::Tensor quick_gelu(const at::Tensor& x) {
    // x * sigmoid(1.702 x); in place on the temporary when no graph is being recorded.
    if (!at::GradMode::is_enabled() || !x.requires_grad()) {
        auto s = at::sigmoid(x * 1.702);
        return s.mul_(x);
    }
    return x * at::sigmoid(x * 1.702);
}

LinearWeightsImpl::LinearWeightsImpl(int in, int out) {
    weight = register_parameter("weight", torch::empty({out, in}));
    bias = register_parameter("bias", torch::empty({out}));
}

EmbeddingWeightsImpl::EmbeddingWeightsImpl(int rows, int width) {
    weight = register_parameter("weight", torch::empty({rows, width}));
}

MultiheadAttentionImpl::MultiheadAttentionImpl(int width_, int heads_) : width(width_), heads(heads_) {
    in_proj_weight = register_parameter("in_proj_weight", torch::empty({3 * width, width}));
    in_proj_bias = register_parameter("in_proj_bias", torch::empty({3 * width}));
    out_proj = register_module("out_proj", LinearWeights(width, width));
}

at::Tensor MultiheadAttentionImpl::forward(const at::Tensor& x, const at::Tensor& mask, AttnRecord record,
                                           at::Tensor* attn) const {
    const int64_t B = x.size(0), T = x.size(1), H = heads, hd = width / heads;
    const double scale = 1.0 / std::sqrt(static_cast<double>(hd));
    auto qkv = project_in(x); // [B, T, 3W]
    if (record != AttnRecord::Graph && clip::use_inference_kernels({&qkv, &mask}) &&
        (!mask.defined() || (mask.dim() == 2 && mask.size(0) == T && mask.size(1) == T))) {
        // Inference: the products straight from qkv (see attention_kernel.h).
        at::Tensor w;
        auto o = attend(qkv.contiguous(), mask.defined() ? mask.contiguous() : at::Tensor(), 0, -1, &w);
        if (record == AttnRecord::Weights && attn) *attn = w.view({B, H, T, T});
        return out_proj->forward(o);
    }
    // q, k, v as [B*H, T, hd] for autograd (relevance maps) and other mask shapes.
    auto qkv5 = qkv.view({B, T, 3, H, hd}).permute({2, 0, 3, 1, 4});
    auto q = qkv5[0].reshape({B * H, T, hd});
    auto k = qkv5[1].reshape({B * H, T, hd});
    auto v = qkv5[2].reshape({B * H, T, hd});
    at::Tensor logits;
    if (mask.defined())
        logits = at::baddbmm(mask.unsqueeze(0), q, k.transpose(1, 2), 1.0, scale);
    else
        logits = at::bmm(q, k.transpose(1, 2)).mul_(scale);
    auto w = at::softmax(logits, -1);
    if (record == AttnRecord::Graph) {
        // The graph tensor itself: its .grad() after backward is dS/dA. Single images are recorded
        // as [H, T, T] and the rest of the pass consumes exactly that tensor.
        auto wr = B == 1 ? w.view({H, T, T}) : w.view({B, H, T, T});
        if (wr.requires_grad()) wr.retain_grad();
        *attn = wr;
        w = wr.view({B * H, T, T});
    } else if (record == AttnRecord::Weights && attn) {
        *attn = w.view({B, H, T, T});
    }
    auto o = at::bmm(w, v).view({B, H, T, hd}).permute({0, 2, 1, 3}).reshape({B, T, width});
    return out_proj->forward(o);
}

at::Tensor MultiheadAttentionImpl::attend(const at::Tensor& qkv, const at::Tensor& mask, int64_t q0, int64_t q1,
                                          at::Tensor* weights) const {
    const int64_t B = qkv.size(0), T = qkv.size(1);
    if (q1 < 0) q1 = T;
    auto logits = at::empty({B * heads, q1 - q0, T}, qkv.options());
    auto w = at::empty_like(logits);
    auto o = at::empty({B, q1 - q0, width}, qkv.options());
    attend_into(qkv.data_ptr<float>(), B, T, mask.defined() ? mask.data_ptr<float>() : nullptr, q0, q1, logits, w,
                o.data_ptr<float>());
    if (weights) *weights = w;
    return o;
}

void MultiheadAttentionImpl::attend_into(const float* qkv, int64_t B, int64_t T, const float* mask, int64_t q0,
                                         int64_t q1, const at::Tensor& logits, const at::Tensor& probs, float* out,
                                         int64_t h0, int64_t h1) const {
    const int64_t H = heads, hd = width / heads;
    const float scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(hd)));
    attention_logits(qkv, B, T, H, hd, scale, mask, logits.data_ptr<float>(), q0, q1, h0, h1);
    softmax_last_dim_into(logits, probs);
    attention_values(probs.data_ptr<float>(), qkv, B, T, H, hd, out, q0, q1, h0, h1);
}

MlpImpl::MlpImpl(int width) {
    c_fc = register_module("c_fc", LinearWeights(width, width * 4));
    c_proj = register_module("c_proj", LinearWeights(width * 4, width));
}

at::Tensor MlpImpl::forward(const at::Tensor& x) const {
    return c_proj->forward(linear(x, c_fc->packed, c_fc->weight, c_fc->bias, /*gelu=*/true));
}

ResidualAttentionBlockImpl::ResidualAttentionBlockImpl(int width, int heads) {
    attn = register_module("attn", MultiheadAttention(width, heads));
    ln_1 = register_module("ln_1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({width}).eps(1e-5)));
    mlp = register_module("mlp", Mlp(width));
    ln_2 = register_module("ln_2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({width}).eps(1e-5)));
}

static at::Tensor layer_norm(const torch::nn::LayerNorm& ln, const at::Tensor& x) {
    return at::layer_norm(x, ln->options.normalized_shape(), ln->weight, ln->bias, ln->options.eps());
}

at::Tensor ResidualAttentionBlockImpl::forward_mlp(const at::Tensor& y) const {
    return y + mlp->forward(layer_norm(ln_2, y));
}

at::Tensor ResidualAttentionBlockImpl::forward(const at::Tensor& x, const at::Tensor& mask, AttnRecord record,
                                               at::Tensor* a) const {
    auto y = x + attn->forward(layer_norm(ln_1, x), mask, record, a);
    return forward_mlp(y);
}

TransformerImpl::TransformerImpl(int width_, int layers_, int heads_) : width(width_), layers(layers_), heads(heads_) {
    resblocks = register_module("resblocks", torch::nn::ModuleList());
    for (int i = 0; i < layers; ++i) {
        blocks.push_back(ResidualAttentionBlock(width, heads));
        resblocks->push_back(blocks.back());
    }
}

at::Tensor TransformerImpl::forward(at::Tensor x, const at::Tensor& mask, int end, AttnRecord record,
                                    std::vector<at::Tensor>* attn) const {
    if (end < 0) end = layers;
    for (int i = 0; i < end; ++i) {
        at::Tensor a;
        x = blocks[static_cast<size_t>(i)]->forward(x, mask, attn ? record : AttnRecord::None, &a);
        if (attn && record != AttnRecord::None) attn->push_back(a);
    }
    return x;
}

namespace {
// Calls f(name of the weight parameter, weight, packed) for every packable weight under net.
template <typename F> void for_each_packable(const torch::nn::Module& net, F&& f) {
    for (const auto& m : net.named_modules()) {
        const std::string prefix = m.key().empty() ? "" : m.key() + ".";
        if (auto* l = dynamic_cast<LinearWeightsImpl*>(m.value().get())) f(prefix + "weight", l->weight, l->packed);
        else if (auto* a = dynamic_cast<MultiheadAttentionImpl*>(m.value().get()))
            f(prefix + "in_proj_weight", a->in_proj_weight, a->in_proj_packed);
    }
}
} // namespace

void pack_for_inference(torch::nn::Module& net) {
    at::NoGradGuard no_grad;
    for_each_packable(net, [](const std::string&, at::Tensor& weight, PackedLinear& packed) {
        if (packed.defined() || weight.dim() != 2) return;
        packed = PackedLinear::pack(weight);
        weight.set_data(at::empty({0}, weight.options()));
    });
    for (const auto& m : net.modules()) {
        if (auto* v = dynamic_cast<VisionTransformerImpl*>(m.get()); v && !v->patch_packed.defined())
            v->patch_packed = PackedLinear::pack(v->conv1->weight.view({v->width, -1}));
        if (auto* c = dynamic_cast<ClipNetImpl*>(m.get())) {
            c->text_prefixes->clear();
            if (c->text_projection.defined() && c->text_projection.dim() == 2)
                c->text_projection_row = BlasMatchedProduct::find(c->text_projection);
        }
    }
}

void for_each_dense_parameter(const torch::nn::Module& net,
                              const std::function<void(const std::string&, const at::Tensor&)>& f) {
    std::map<std::string, const PackedLinear*> released;
    for_each_packable(net, [&](const std::string& name, const at::Tensor& weight, const PackedLinear& packed) {
        if (packed.defined() && weight.numel() == 0) released[name] = &packed;
    });
    for (const auto& p : net.named_parameters(true)) {
        auto it = released.find(p.key());
        f(p.key(), it == released.end() ? p.value() : it->second->dense());
    }
}

size_t matrix_bytes(const TransformerImpl& t) {
    size_t bytes = 0;
    auto add = [&](const at::Tensor& w, const PackedLinear& p) { bytes += p.defined() ? p.nbytes() : w.nbytes(); };
    for (const auto& b : t.blocks) {
        add(b->attn->in_proj_weight, b->attn->in_proj_packed);
        add(b->attn->out_proj->weight, b->attn->out_proj->packed);
        add(b->mlp->c_fc->weight, b->mlp->c_fc->packed);
        add(b->mlp->c_proj->weight, b->mlp->c_proj->packed);
    }
    return bytes;
}

bool is_ignored_key(const std::string& name) {
    auto ends_with = [&](const std::string& s) {
        return name.size() >= s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0;
    };
    return name == "input_resolution" || name == "context_length" || name == "vocab_size" ||
           ends_with("num_batches_tracked") || ends_with("position_ids") || ends_with("attn_mask");
}

} // namespace hoi::clip::nn
