// The op table: each TensorFlow op of a TF.js graph model as torch calls with TensorFlow's
// semantics. Attributes are validated when the graph loads (compile()); kernels run per call.
#include "detect/tfjs_ops.h"
#include "detect/tfjs_graph.h"

#include "io/error.h"

#include <ATen/core/dispatch/Dispatcher.h>

#include <cmath>
#include <limits>
#include <map>
#include <mutex>
#include <optional>

namespace hoi::detect {

using torch::Tensor;
using json = nlohmann::json;
namespace F = torch::nn::functional;

// ---------------------------------------------------------------------------------------------
// Convolution paths.

namespace {

// A convolution by one algorithm whatever the thread count. torch::conv2d picks oneDNN or ATen's
// own im2col path partly by at::get_num_threads() (1x1 filters on one thread go to ATen), and the
// two sum in different orders: boxes and scores then changed in the 6th digit with HOI_THREADS.
// oneDNN's forward convolution splits work over output pixels and channels, never over the sum.
// It runs on channels-last (NHWC) memory: TF.js graphs are NHWC, so the activations already are,
// and the output comes back NHWC. With NCHW memory oneDNN reorders every activation to its blocked
// layout and back around each convolution (on CenterNet that took longer than the convolutions).
Tensor conv2d_fixed_order(const Tensor& x, const Tensor& w, const Tensor& b, torch::IntArrayRef stride,
                          torch::IntArrayRef pad, torch::IntArrayRef dil, int64_t groups) {
#if AT_MKLDNN_ENABLED()
    if (at::hasMKLDNN() && x.scalar_type() == torch::kFloat && w.scalar_type() == torch::kFloat)
        return at::mkldnn_convolution(x.contiguous(at::MemoryFormat::ChannelsLast),
                                      w.contiguous(at::MemoryFormat::ChannelsLast),
                                      b.defined() ? c10::optional<Tensor>(b.contiguous()) : c10::nullopt, pad, stride,
                                      dil, groups);
#endif
    return torch::conv2d(x, w, b, stride, pad, dil, groups);
}

// LibTorch's prepacked oneDNN convolution (the ops its TorchScript passes insert), if it has them.
struct PrepackedOps {
    c10::OperatorHandle prepack, run;
};
const PrepackedOps* prepacked_ops() {
#if AT_MKLDNN_ENABLED()
    static const std::optional<PrepackedOps> ops = []() -> std::optional<PrepackedOps> {
        if (!at::hasMKLDNN()) return std::nullopt;
        auto& d = c10::Dispatcher::singleton();
        auto prepack = d.findSchema({"mkldnn_prepacked::conv2d_prepack", ""});
        auto run = d.findSchema({"mkldnn_prepacked::conv2d_run", ""});
        if (!prepack || !run) return std::nullopt;
        return PrepackedOps{*prepack, *run};
    }();
    return ops ? &*ops : nullptr;
#else
    return nullptr;
#endif
}

// A convolution by a constant filter. oneDNN's copy of the filter, in the blocked layout its kernel
// reads, is made once per input shape and thread count, instead of reordered from the plain filter
// on every call (2.7 MB per call on MoveNet's widest 1x1 layers; 8-10 % of the forward passes).
// The prepacked op runs the oneDNN kernel conv2d_fixed_order runs (the same bits); without it,
// conv2d_fixed_order.
class PackedConv {
public:
    PackedConv(Tensor w, Tensor b, int64_t groups) : w_(std::move(w)), b_(std::move(b)), groups_(groups) {}

    Tensor operator()(const Tensor& x, const std::vector<int64_t>& stride, const std::vector<int64_t>& pad,
                      const std::vector<int64_t>& dil) {
        const PrepackedOps* ops = prepacked_ops();
        if (!ops || x.scalar_type() != torch::kFloat || x.dim() != 4)
            return conv2d_fixed_order(x, w_, b_, stride, pad, dil, groups_);
        const Tensor xc = x.contiguous(at::MemoryFormat::ChannelsLast);
        std::vector<int64_t> key = xc.sizes().vec();
        for (const auto* v : {&stride, &pad, &dil}) key.insert(key.end(), v->begin(), v->end());
        key.push_back(at::get_num_threads());
        c10::IValue packed;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            auto it = packed_.find(key);
            if (it == packed_.end()) {
                if (packed_.size() >= kMaxShapes) packed_.clear(); // inputs of ever new sizes: bounded memory
                torch::jit::Stack st{w_, b_.defined() ? c10::optional<Tensor>(b_) : c10::nullopt, stride, pad, dil,
                                     groups_, xc.sizes().vec(), std::string("none")};
                ops->prepack.callBoxed(&st);
                it = packed_.emplace(key, st.at(0)).first;
            }
            packed = it->second;
        }
        torch::jit::Stack st{xc, packed};
        ops->run.callBoxed(&st);
        return st.at(0).toTensor();
    }

private:
    static constexpr size_t kMaxShapes = 8;
    const Tensor w_, b_;
    const int64_t groups_;
    std::mutex mutex_;
    std::map<std::vector<int64_t>, c10::IValue> packed_;
};

} // namespace

// ---------------------------------------------------------------------------------------------
// Resizes (TF / TF.js CPU semantics). The bilinear ones are in tfjs_kernels.cpp.

Tensor tf_resize_nearest(const Tensor& nhwc, int64_t out_h, int64_t out_w, bool align_corners,
                         bool half_pixel_centers) {
    TORCH_CHECK(nhwc.dim() == 4, "resize expects a 4-D NHWC tensor");
    auto axis = [&](int64_t in, int64_t out) {
        const double ratio = (align_corners && out > 1) ? static_cast<double>(in - 1) / static_cast<double>(out - 1)
                                                        : static_cast<double>(in) / static_cast<double>(out);
        std::vector<int64_t> idx(static_cast<size_t>(out));
        for (int64_t o = 0; o < out; ++o) {
            const double src = half_pixel_centers ? ratio * (static_cast<double>(o) + 0.5) : ratio * static_cast<double>(o);
            int64_t s = std::min<int64_t>(in - 1, static_cast<int64_t>(align_corners ? std::round(src) : std::floor(src)));
            if (half_pixel_centers) s = std::max<int64_t>(0, s);
            idx[static_cast<size_t>(o)] = s;
        }
        return torch::tensor(idx, torch::kLong);
    };
    return nhwc.index_select(1, axis(nhwc.size(1), out_h)).index_select(2, axis(nhwc.size(2), out_w));
}

namespace tfjs {

namespace {

// ---------------------------------------------------------------------------------------------
// Attribute access with validation.

std::string base64_decode(const std::string& in) {
    static const std::string chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    int val = 0, bits = -8;
    for (char c : in) {
        const auto p = chars.find(c);
        if (p == std::string::npos) break;
        val = (val << 6) + static_cast<int>(p);
        bits += 6;
        if (bits >= 0) {
            out.push_back(static_cast<char>((val >> bits) & 0xff));
            bits -= 8;
        }
    }
    return out;
}

struct Attrs {
    explicit Attrs(const NodeDef& d) : def(d) {}
    const NodeDef& def;
    bool has(const std::string& k) const { return def.attr.contains(k); }
    [[noreturn]] void fail(const std::string& msg) const { throw_model(def.where + ": " + msg); }
    std::string s(const std::string& k, const std::string& fallback) const {
        if (!has(k)) return fallback;
        return base64_decode(def.attr[k].value("s", ""));
    }
    int64_t i(const std::string& k, int64_t fallback) const {
        if (!has(k) || !def.attr[k].contains("i")) return fallback;
        const auto& v = def.attr[k]["i"];
        return v.is_string() ? std::stoll(v.get<std::string>()) : v.get<int64_t>();
    }
    double f(const std::string& k, double fallback) const {
        if (!has(k) || !def.attr[k].contains("f")) return fallback;
        return def.attr[k]["f"].get<double>();
    }
    bool b(const std::string& k, bool fallback) const {
        if (!has(k) || !def.attr[k].contains("b")) return fallback;
        return def.attr[k]["b"].get<bool>();
    }
    std::string type(const std::string& k, const std::string& fallback) const {
        if (!has(k)) return fallback;
        return def.attr[k].value("type", fallback);
    }
    std::vector<int64_t> list_i(const std::string& k) const {
        std::vector<int64_t> r;
        if (!has(k) || !def.attr[k].contains("list") || !def.attr[k]["list"].contains("i")) return r;
        for (const auto& v : def.attr[k]["list"]["i"])
            r.push_back(v.is_string() ? std::stoll(v.get<std::string>()) : v.get<int64_t>());
        return r;
    }
    std::vector<std::string> list_s(const std::string& k) const {
        std::vector<std::string> r;
        if (!has(k) || !def.attr[k].contains("list") || !def.attr[k]["list"].contains("s")) return r;
        for (const auto& v : def.attr[k]["list"]["s"]) r.push_back(base64_decode(v.get<std::string>()));
        return r;
    }
    void inputs(size_t n) const {
        if (def.const_inputs.size() != n)
            fail("expected " + std::to_string(n) + " inputs, the graph gives " + std::to_string(def.const_inputs.size()));
    }
    void inputs_at_least(size_t n) const {
        if (def.const_inputs.size() < n)
            fail("expected at least " + std::to_string(n) + " inputs, the graph gives " +
                 std::to_string(def.const_inputs.size()));
    }
};

torch::ScalarType dtype_of(const Attrs& a, const std::string& key, const std::string& tf) {
    if (tf == "DT_FLOAT") return torch::kFloat;
    if (tf == "DT_INT32") return torch::kInt;
    if (tf == "DT_INT64") return torch::kLong;
    if (tf == "DT_BOOL") return torch::kBool;
    a.fail("unsupported " + key + " " + tf + " (expected DT_FLOAT, DT_INT32, DT_INT64 or DT_BOOL)");
}

std::vector<int64_t> ints(const Tensor& t) {
    TORCH_CHECK(!t.is_floating_point() || torch::isfinite(t).all().item<bool>(),
                "expected integers, got NaN or infinite values");
    Tensor l = t.to(torch::kLong).contiguous().flatten();
    return std::vector<int64_t>(l.data_ptr<int64_t>(), l.data_ptr<int64_t>() + l.numel());
}

int64_t scalar_int(const Tensor& t) {
    TORCH_CHECK(t.numel() == 1, "expected a scalar, got shape ", t.sizes());
    return ints(t)[0];
}

// A shape the graph derived from data, before anything of that shape is allocated: no negative
// dimension, at most kMaxElements elements (garbage weights must not allocate gigabytes).
const std::vector<int64_t>& checked_shape(const std::vector<int64_t>& shape, const char* what) {
    int64_t count = 1;
    for (int64_t d : shape) {
        TORCH_CHECK(d >= 0, what, " has a negative dimension in ", c10::IntArrayRef(shape));
        count = d > 0 && count > kMaxElements / d ? kMaxElements + 1 : count * d;
    }
    TORCH_CHECK(count <= kMaxElements, what, " ", c10::IntArrayRef(shape), " has more than ", kMaxElements,
                " elements (damaged weights?)");
    return shape;
}

int64_t wrap_axis(int64_t axis, int64_t rank) {
    const int64_t a = axis < 0 ? axis + rank : axis;
    TORCH_CHECK(a >= 0 && a < std::max<int64_t>(rank, 1), "axis ", axis, " out of range for rank ", rank);
    return a;
}

Compiled one(Kernel k) { return Compiled{std::move(k), 1, false}; }

using Factory = std::function<Compiled(const NodeDef&)>;

// ---------------------------------------------------------------------------------------------
// Convolutions.

struct Pads { int64_t top = 0, bottom = 0, left = 0, right = 0; };

int64_t same_pad_total(int64_t in, int64_t k, int64_t s, int64_t d) {
    const int64_t out = (in + s - 1) / s;
    const int64_t eff = (k - 1) * d + 1;
    return std::max<int64_t>((out - 1) * s + eff - in, 0);
}

enum class Act { None, Relu, Relu6, Elu, LeakyRelu, Sigmoid, Tanh, Prelu };

struct ConvSpec {
    bool nhwc = true, depthwise = false;
    int64_t sh = 1, sw = 1, dh = 1, dw = 1;
    std::string padding;
    std::vector<int64_t> explicit_pads;
    bool has_bias = false;
    Act act = Act::None;
    double alpha = 0.2;
};

Tensor prepare_filter(const Tensor& f, bool depthwise) {
    TORCH_CHECK(f.dim() == 4, "a convolution filter must be 4-D, got ", f.sizes());
    Tensor w = f.to(torch::kFloat);
    // [KH,KW,IC,OC] -> [OC,IC,KH,KW], channels-last as conv2d_fixed_order runs it
    if (!depthwise) return w.permute({3, 2, 0, 1}).contiguous(at::MemoryFormat::ChannelsLast);
    // [KH,KW,IC,M] -> [IC,M,KH,KW] -> [IC*M,1,KH,KW]
    return w.permute({2, 3, 0, 1}).contiguous().reshape({f.size(2) * f.size(3), 1, f.size(0), f.size(1)});
}

Compiled compile_conv(const NodeDef& def, bool depthwise, bool fused) {
    Attrs a(def);
    ConvSpec c;
    c.depthwise = depthwise;
    const std::string fmt = a.s("data_format", "NHWC");
    if (fmt != "NHWC" && fmt != "NCHW") a.fail("unsupported data_format '" + fmt + "'");
    c.nhwc = fmt == "NHWC";
    const int hi = c.nhwc ? 1 : 2, wi = c.nhwc ? 2 : 3;
    auto strides = a.list_i("strides");
    if (strides.empty()) strides = {1, 1, 1, 1};
    if (strides.size() != 4 || strides[0] != 1 || strides[c.nhwc ? 3 : 1] != 1)
        a.fail("unsupported strides (expected 4 values with batch and channel stride 1)");
    c.sh = strides[static_cast<size_t>(hi)];
    c.sw = strides[static_cast<size_t>(wi)];
    auto dil = a.list_i("dilations");
    if (dil.empty()) dil = {1, 1, 1, 1};
    if (dil.size() != 4 || dil[0] != 1 || dil[c.nhwc ? 3 : 1] != 1) a.fail("unsupported dilations");
    c.dh = dil[static_cast<size_t>(hi)];
    c.dw = dil[static_cast<size_t>(wi)];
    c.padding = a.s("padding", "");
    if (c.padding == "EXPLICIT") {
        c.explicit_pads = a.list_i("explicit_paddings");
        if (c.explicit_pads.size() != 8) a.fail("EXPLICIT padding needs 8 explicit_paddings");
    } else if (c.padding != "SAME" && c.padding != "VALID") {
        a.fail("unsupported padding '" + c.padding + "' (expected SAME, VALID or EXPLICIT)");
    }
    size_t n_inputs = 2;
    if (fused) {
        const auto ops = a.list_s("fused_ops");
        const int64_t num_args = a.i("num_args", 0);
        size_t k = 0;
        if (k < ops.size() && ops[k] == "BiasAdd") {
            c.has_bias = true;
            ++k;
        } else if (!ops.empty()) {
            a.fail("unsupported fused_ops '" + ops[0] + "' (supported: BiasAdd followed by an activation)");
        }
        if (k < ops.size()) {
            const std::string& act = ops[k];
            if (act == "Relu") c.act = Act::Relu;
            else if (act == "Relu6") c.act = Act::Relu6;
            else if (act == "Elu") c.act = Act::Elu;
            else if (act == "Sigmoid") c.act = Act::Sigmoid;
            else if (act == "Tanh") c.act = Act::Tanh;
            else if (act == "LeakyRelu") { c.act = Act::LeakyRelu; c.alpha = a.f("leakyrelu_alpha", 0.2); }
            else if (act == "Prelu") c.act = Act::Prelu;
            else a.fail("unsupported fused activation '" + act + "'");
            ++k;
        }
        if (k != ops.size()) a.fail("unsupported fused_ops sequence (more than BiasAdd + one activation)");
        const int64_t expect_args = (c.has_bias ? 1 : 0) + (c.act == Act::Prelu ? 1 : 0);
        if (num_args != expect_args && !(num_args == 0 && expect_args == 0))
            a.fail("num_args " + std::to_string(num_args) + " does not match fused_ops (expected " +
                   std::to_string(expect_args) + ")");
        n_inputs += static_cast<size_t>(expect_args);
    }
    a.inputs(n_inputs);
    Tensor wconst, bconst, pconst;
    if (def.const_inputs[1]) {
        if (def.const_inputs[1]->dim() != 4) a.fail("the filter must be 4-D");
        wconst = prepare_filter(*def.const_inputs[1], depthwise);
    }
    if (c.has_bias && def.const_inputs[2]) bconst = def.const_inputs[2]->to(torch::kFloat).flatten().contiguous();
    if (c.act == Act::Prelu && def.const_inputs[3]) pconst = def.const_inputs[3]->to(torch::kFloat).flatten().contiguous();
    if (wconst.defined() && bconst.defined() && bconst.numel() != wconst.size(0))
        a.fail("bias has " + std::to_string(bconst.numel()) + " values for " + std::to_string(wconst.size(0)) +
               " output channels");

    // The filter (and bias) constant, as in every model so far: prepacked for oneDNN.
    std::shared_ptr<PackedConv> packed;
    if (wconst.defined() && (!c.has_bias || bconst.defined()))
        packed = std::make_shared<PackedConv>(wconst, bconst, depthwise ? def.const_inputs[1]->size(2) : 1);
    // A depthwise filter of multiplier 1 on NHWC data with no activation, relu or relu6: our own
    // kernel (same bits, no padded copy, the activation in the same pass), [KH,KW,C].
    Tensor dwfilter;
    if (packed && depthwise && c.nhwc && def.const_inputs[1]->size(3) == 1 &&
        (c.act == Act::None || c.act == Act::Relu || c.act == Act::Relu6)) {
        const Tensor& f = *def.const_inputs[1];
        dwfilter = f.to(torch::kFloat).reshape({f.size(0), f.size(1), f.size(2)}).contiguous();
    }

    Kernel k = [c, wconst, bconst, pconst, packed, dwfilter](const std::vector<Tensor>& in, double* flops) -> std::vector<Tensor> {
        TORCH_CHECK(in[0].dim() == 4, "convolution input must be 4-D, got ", in[0].sizes());
        Tensor x = in[0].scalar_type() == torch::kFloat ? in[0] : in[0].to(torch::kFloat);
        x = c.nhwc ? x.permute({0, 3, 1, 2}) : x;
        const Tensor w = wconst.defined() ? wconst : prepare_filter(in[1], c.depthwise);
        Tensor b;
        if (c.has_bias) b = bconst.defined() ? bconst : in[2].to(torch::kFloat).flatten();
        const int64_t IC = x.size(1), H = x.size(2), W = x.size(3);
        const int64_t KH = w.size(2), KW = w.size(3);
        const int64_t groups = c.depthwise ? IC : 1;
        TORCH_CHECK(w.size(1) * groups == IC, "filter expects ", w.size(1) * groups, " input channels, got ", IC);
        Pads p;
        if (c.padding == "SAME") {
            const int64_t th = same_pad_total(H, KH, c.sh, c.dh), tw = same_pad_total(W, KW, c.sw, c.dw);
            p = {th / 2, th - th / 2, tw / 2, tw - tw / 2};
        } else if (c.padding == "EXPLICIT") {
            const size_t hi = c.nhwc ? 2 : 4, wi = c.nhwc ? 4 : 6;
            p = {c.explicit_pads[hi], c.explicit_pads[hi + 1], c.explicit_pads[wi], c.explicit_pads[wi + 1]};
        }
        if (dwfilter.defined() && in[0].scalar_type() == torch::kFloat && dwfilter.size(2) == IC) {
            const int act = c.act == Act::Relu6 ? 2 : c.act == Act::Relu ? 1 : 0;
            Tensor y = depthwise_conv_nhwc(in[0], dwfilter, b, {c.sh, c.sw}, {c.dh, c.dw}, {p.top, p.bottom, p.left, p.right}, act);
            if (flops) *flops += 2.0 * static_cast<double>(y.numel()) * static_cast<double>(KH * KW);
            return {y};
        }
        // oneDNN pads symmetrically only: TensorFlow's uneven SAME padding is a copy first.
        std::vector<int64_t> pad{p.top, p.left};
        if (p.top != p.bottom || p.left != p.right) {
            x = torch::constant_pad_nd(x, {p.left, p.right, p.top, p.bottom}, 0);
            pad = {0, 0};
        }
        const std::vector<int64_t> stride{c.sh, c.sw}, dil{c.dh, c.dw};
        Tensor y = packed ? (*packed)(x, stride, pad, dil) : conv2d_fixed_order(x, w, b, stride, pad, dil, groups);
        if (flops)
            *flops += 2.0 * static_cast<double>(y.numel()) * static_cast<double>(w.size(1) * KH * KW);
        switch (c.act) {
        case Act::None: break;
        case Act::Relu: y.relu_(); break;
        case Act::Relu6: y.clamp_(0, 6); break;
        case Act::Elu: torch::elu_(y); break;
        case Act::Sigmoid: y.sigmoid_(); break;
        case Act::Tanh: y.tanh_(); break;
        case Act::LeakyRelu: torch::leaky_relu_(y, c.alpha); break;
        case Act::Prelu: {
            Tensor alpha = pconst.defined() ? pconst : in[3].to(torch::kFloat).flatten();
            if (alpha.numel() == 1) alpha = alpha.expand({y.size(1)}).contiguous();
            y = torch::prelu(y, alpha);
            break;
        }
        }
        return {c.nhwc ? y.permute({0, 2, 3, 1}) : y};
    };
    return one(std::move(k));
}

Compiled compile_pool(const NodeDef& def, bool max) {
    Attrs a(def);
    a.inputs(1);
    const std::string fmt = a.s("data_format", "NHWC");
    if (fmt != "NHWC" && fmt != "NCHW") a.fail("unsupported data_format '" + fmt + "'");
    const bool nhwc = fmt == "NHWC";
    const auto ks = a.list_i("ksize"), st = a.list_i("strides");
    const size_t hi = nhwc ? 1 : 2, wi = nhwc ? 2 : 3, ci = nhwc ? 3 : 1;
    if (ks.size() != 4 || st.size() != 4 || ks[0] != 1 || ks[ci] != 1 || st[0] != 1 || st[ci] != 1)
        a.fail("unsupported ksize/strides (pooling over batch or channels)");
    const std::string padding = a.s("padding", "");
    if (padding != "SAME" && padding != "VALID") a.fail("unsupported padding '" + padding + "'");
    const int64_t kh = ks[hi], kw = ks[wi], sh = st[hi], sw = st[wi];
    return one([=](const std::vector<Tensor>& in, double*) -> std::vector<Tensor> {
        TORCH_CHECK(in[0].dim() == 4, "pooling input must be 4-D");
        Tensor x = nhwc ? in[0].permute({0, 3, 1, 2}) : in[0];
        Pads p;
        if (padding == "SAME") {
            const int64_t th = same_pad_total(x.size(2), kh, sh, 1), tw = same_pad_total(x.size(3), kw, sw, 1);
            p = {th / 2, th - th / 2, tw / 2, tw - tw / 2};
        }
        Tensor y;
        if (max && nhwc && in[0].scalar_type() == torch::kFloat)
            return {max_pool_nhwc(in[0], {kh, kw}, {sh, sw}, {p.top, p.bottom, p.left, p.right})};
        if (max) {
            // LibTorch's channels-last max pooling is 7x faster than its NCHW one here (0.9 vs
            // 6.6 ms for NanoDet's 209x209x24 pool), but it runs pixel by pixel over the channels:
            // MoveNet's one-channel 64x64 heatmap pool took 0.37 ms that way. Maxima are exact
            // either way.
            x = x.size(1) >= 8 ? x.contiguous(at::MemoryFormat::ChannelsLast) : x.contiguous();
            const bool sym = p.top == p.bottom && p.left == p.right && p.top <= kh / 2 && p.left <= kw / 2;
            if (sym) {
                y = torch::max_pool2d(x, {kh, kw}, {sh, sw}, {p.top, p.left});
            } else {
                x = torch::constant_pad_nd(x, {p.left, p.right, p.top, p.bottom},
                                           -std::numeric_limits<double>::infinity());
                y = torch::max_pool2d(x, {kh, kw}, {sh, sw});
            }
        } else {
            // TensorFlow averages over the valid (unpadded) cells only.
            Tensor xp = torch::constant_pad_nd(x, {p.left, p.right, p.top, p.bottom}, 0);
            Tensor ones = torch::constant_pad_nd(torch::ones({1, 1, x.size(2), x.size(3)}, x.options()),
                                                 {p.left, p.right, p.top, p.bottom}, 0);
            y = torch::avg_pool2d(xp, {kh, kw}, {sh, sw}) / torch::avg_pool2d(ones, {kh, kw}, {sh, sw});
        }
        return {nhwc ? y.permute({0, 2, 3, 1}) : y};
    });
}

// ---------------------------------------------------------------------------------------------
// Shape ops.

Tensor strided_slice(const Tensor& x, std::vector<int64_t> begin, std::vector<int64_t> end,
                     std::vector<int64_t> strides, int64_t begin_mask, int64_t end_mask, int64_t ellipsis_mask,
                     int64_t new_axis_mask, int64_t shrink_mask) {
    const size_t sparse = begin.size();
    TORCH_CHECK(end.size() == sparse && strides.size() == sparse, "StridedSlice begin/end/strides differ in length");
    // Build the dense spec (TensorFlow's BuildDenseSpec).
    size_t sdims = sparse;
    if (ellipsis_mask == 0) { // implicit ellipsis at the end
        ellipsis_mask = int64_t(1) << sparse;
        ++sdims;
        begin.push_back(0);
        end.push_back(0);
        strides.push_back(1);
    }
    const int64_t rank = x.dim();
    const int64_t kNew = -1, kShrink = -2;
    std::vector<int64_t> db(static_cast<size_t>(rank), 0), de(static_cast<size_t>(rank), 0),
            ds(static_cast<size_t>(rank), 1);
    std::vector<char> dbm(static_cast<size_t>(rank), 0), dem(static_cast<size_t>(rank), 0),
            dsh(static_cast<size_t>(rank), 0);
    std::vector<int64_t> gather; // final shape: dense dim index, kNew or kShrink
    int64_t num_new_after_ellipsis = 0;
    bool seen = false;
    for (size_t i = 0; i < sdims; ++i) {
        if ((ellipsis_mask >> i) & 1) seen = true;
        else if (seen && ((new_axis_mask >> i) & 1)) ++num_new_after_ellipsis;
    }
    int64_t full = 0;
    for (size_t i = 0; i < sdims; ++i) {
        if ((ellipsis_mask >> i) & 1) {
            const int64_t next = std::min<int64_t>(rank - (static_cast<int64_t>(sdims) - static_cast<int64_t>(i)) + 1 +
                                                           num_new_after_ellipsis,
                                                   rank);
            for (; full < next; ++full) {
                dbm[static_cast<size_t>(full)] = dem[static_cast<size_t>(full)] = 1;
                gather.push_back(full);
            }
        } else if ((new_axis_mask >> i) & 1) {
            gather.push_back(kNew);
        } else {
            TORCH_CHECK(full < rank, "StridedSlice index out of range for rank ", rank);
            const size_t f = static_cast<size_t>(full);
            db[f] = begin[i];
            de[f] = end[i];
            ds[f] = strides[i];
            dbm[f] = (begin_mask >> i) & 1;
            dem[f] = (end_mask >> i) & 1;
            dsh[f] = (shrink_mask >> i) & 1;
            gather.push_back(dsh[f] ? kShrink : full);
            ++full;
        }
    }
    Tensor y = x;
    for (int64_t d = 0; d < rank; ++d) {
        const size_t f = static_cast<size_t>(d);
        const int64_t dim = x.size(d);
        const int64_t s = ds[f];
        TORCH_CHECK(s != 0, "StridedSlice stride 0");
        if (dsh[f]) {
            int64_t b = db[f] < 0 ? db[f] + dim : db[f];
            TORCH_CHECK(b >= 0 && b < dim, "StridedSlice shrink index ", db[f], " out of range for size ", dim);
            y = y.narrow(d, b, 1);
            continue;
        }
        const int64_t lo = s > 0 ? 0 : -1, hi = s > 0 ? dim : dim - 1;
        auto canon = [&](int64_t v, bool masked, bool is_begin) {
            if (masked) return s > 0 ? (is_begin ? lo : hi) : (is_begin ? hi : lo);
            const int64_t fwd = v < 0 ? dim + v : v;
            return std::max(lo, std::min(hi, fwd));
        };
        const int64_t b = canon(db[f], dbm[f], true), e = canon(de[f], dem[f], false);
        if (s > 0) {
            y = y.slice(d, b, std::max(b, e), s);
        } else {
            std::vector<int64_t> idx;
            for (int64_t v = b; v > e; v += s) idx.push_back(v);
            y = y.index_select(d, torch::tensor(idx, torch::kLong));
        }
    }
    std::vector<int64_t> shape;
    for (int64_t g : gather) {
        if (g == kNew) shape.push_back(1);
        else if (g != kShrink) shape.push_back(y.size(g));
    }
    return y.reshape(shape);
}

Tensor reduce(const Tensor& x, const Tensor& axes_t, bool keep, const std::string& op) {
    std::vector<int64_t> axes = ints(axes_t);
    for (auto& a : axes) a = wrap_axis(a, x.dim());
    if (axes.empty()) return x;
    if (op == "Sum") return x.sum(axes, keep);
    if (op == "Mean") return x.to(x.is_floating_point() ? x.scalar_type() : torch::kFloat).mean(axes, keep).to(x.scalar_type());
    if (op == "Max") {
        if (axes.size() == 1 && max_over_axis_applies(x, axes[0])) return max_over_axis(x, axes[0], keep).first;
        return x.amax(axes, keep);
    }
    if (op == "Min") return x.amin(axes, keep);
    if (op == "Prod") {
        Tensor y = x;
        std::sort(axes.begin(), axes.end(), std::greater<int64_t>());
        for (int64_t a : axes) y = y.prod(a, keep);
        return y;
    }
    if (op == "Any") return x.to(torch::kBool).amax(axes, keep);
    if (op == "All") return x.to(torch::kBool).amin(axes, keep);
    TORCH_CHECK(false, "unknown reduction ", op);
}

// ---------------------------------------------------------------------------------------------
// The table.

std::map<std::string, Factory>& table() {
    static std::map<std::string, Factory> t;
    if (!t.empty()) return t;

    // Identity-like.
    for (const char* op : {"Identity", "Snapshot", "StopGradient", "PreventGradient"})
        t[op] = [](const NodeDef& d) {
            Attrs(d).inputs(1);
            return one([](const std::vector<Tensor>& in, double*) -> std::vector<Tensor> { return {in[0]}; });
        };
    t["IdentityN"] = [](const NodeDef& d) {
        Compiled c = one([](const std::vector<Tensor>& in, double*) { return in; });
        c.num_outputs = static_cast<int>(d.const_inputs.size());
        return c;
    };
    t["NoOp"] = [](const NodeDef&) {
        Compiled c = one([](const std::vector<Tensor>&, double*) { return std::vector<Tensor>{}; });
        c.num_outputs = 0;
        return c;
    };

    // Convolutions and pooling.
    t["Conv2D"] = [](const NodeDef& d) { return compile_conv(d, false, false); };
    t["_FusedConv2D"] = [](const NodeDef& d) { return compile_conv(d, false, true); };
    t["DepthwiseConv2dNative"] = [](const NodeDef& d) { return compile_conv(d, true, false); };
    t["FusedDepthwiseConv2dNative"] = [](const NodeDef& d) { return compile_conv(d, true, true); };
    t["MaxPool"] = [](const NodeDef& d) { return compile_pool(d, true); };
    t["AvgPool"] = [](const NodeDef& d) { return compile_pool(d, false); };
    t["BiasAdd"] = [](const NodeDef& d) {
        Attrs a(d);
        a.inputs(2);
        const std::string fmt = a.s("data_format", "NHWC");
        if (fmt != "NHWC" && fmt != "NCHW") a.fail("unsupported data_format '" + fmt + "'");
        const bool nchw = fmt == "NCHW";
        return one([nchw](const std::vector<Tensor>& in, double*) -> std::vector<Tensor> {
            if (!nchw) return {in[0] + in[1]};
            std::vector<int64_t> shape(static_cast<size_t>(in[0].dim()), 1);
            shape[1] = -1;
            return {in[0] + in[1].reshape(shape)};
        });
    };
    t["MatMul"] = [](const NodeDef& d) {
        Attrs a(d);
        a.inputs(2);
        const bool ta = a.b("transpose_a", false), tb = a.b("transpose_b", false);
        return one([ta, tb](const std::vector<Tensor>& in, double* flops) -> std::vector<Tensor> {
            Tensor x = ta ? in[0].t() : in[0];
            Tensor w = tb ? in[1].t() : in[1];
            if (flops) *flops += 2.0 * static_cast<double>(x.size(0) * x.size(1) * w.size(1));
            return {torch::mm(x, w)};
        });
    };

    // Element-wise binary ops (TF broadcasting = torch broadcasting). A per-channel constant on a
    // large tensor takes periodic_binary's single pass.
    static const auto or_else = [](Tensor fast, const auto& aten) { return fast.defined() ? fast : aten(); };
    using Bin = Tensor (*)(const Tensor&, const Tensor&);
    const std::map<std::string, Bin> binary = {
            {"Add", [](const Tensor& a, const Tensor& b) { return or_else(periodic_binary(a, b, '+'), [&] { return a + b; }); }},
            {"AddV2", [](const Tensor& a, const Tensor& b) { return or_else(periodic_binary(a, b, '+'), [&] { return a + b; }); }},
            {"Sub", [](const Tensor& a, const Tensor& b) { return or_else(periodic_binary(a, b, '-'), [&] { return a - b; }); }},
            {"Mul", [](const Tensor& a, const Tensor& b) { return or_else(periodic_binary(a, b, '*'), [&] { return a * b; }); }},
            {"RealDiv", [](const Tensor& a, const Tensor& b) { return or_else(periodic_binary(a, b, '/'), [&] { return a / b; }); }},
            {"Div",
             [](const Tensor& a, const Tensor& b) {
                 return a.is_floating_point() ? a / b : torch::div(a, b, "trunc");
             }},
            {"DivNoNan",
             [](const Tensor& a, const Tensor& b) { return torch::where(b == 0, torch::zeros_like(a / b), a / b); }},
            {"FloorDiv",
             [](const Tensor& a, const Tensor& b) {
                 return a.is_floating_point() ? torch::floor(a / b) : torch::div(a, b, "floor");
             }},
            {"FloorMod", [](const Tensor& a, const Tensor& b) { return torch::remainder(a, b); }},
            {"Maximum", [](const Tensor& a, const Tensor& b) { return torch::maximum(a, b); }},
            {"Minimum", [](const Tensor& a, const Tensor& b) { return torch::minimum(a, b); }},
            {"Pow", [](const Tensor& a, const Tensor& b) { return torch::pow(a, b); }},
            {"SquaredDifference", // the difference once, then squared in place: the same two roundings
             [](const Tensor& a, const Tensor& b) {
                 Tensor d = a - b;
                 return d.mul_(d);
             }},
            {"Equal", [](const Tensor& a, const Tensor& b) { return torch::eq(a, b); }},
            {"NotEqual", [](const Tensor& a, const Tensor& b) { return torch::ne(a, b); }},
            {"Less", [](const Tensor& a, const Tensor& b) { return torch::lt(a, b); }},
            {"LessEqual", [](const Tensor& a, const Tensor& b) { return torch::le(a, b); }},
            {"Greater", [](const Tensor& a, const Tensor& b) { return torch::gt(a, b); }},
            {"GreaterEqual", [](const Tensor& a, const Tensor& b) { return torch::ge(a, b); }},
            {"LogicalAnd", [](const Tensor& a, const Tensor& b) { return torch::logical_and(a, b); }},
            {"LogicalOr", [](const Tensor& a, const Tensor& b) { return torch::logical_or(a, b); }},
    };
    for (const auto& [name, fn] : binary) {
        Bin f = fn;
        t[name] = [f](const NodeDef& d) {
            Attrs(d).inputs(2);
            return one([f](const std::vector<Tensor>& in, double*) -> std::vector<Tensor> { return {f(in[0], in[1])}; });
        };
    }
    // The runner's own op (fold_hard_swish in tfjs_graph.cpp): x, scale, shift.
    t["_HoiHardSwish"] = [](const NodeDef& d) {
        Attrs(d).inputs(3);
        return one([](const std::vector<Tensor>& in, double*) -> std::vector<Tensor> {
            return {hard_swish(in[0], in[1], in[2])};
        });
    };
    t["AddN"] = [](const NodeDef& d) {
        Attrs(d).inputs_at_least(1);
        return one([](const std::vector<Tensor>& in, double*) -> std::vector<Tensor> {
            Tensor s = in[0].clone();
            for (size_t i = 1; i < in.size(); ++i) s.add_(in[i]);
            return {s};
        });
    };

    // Element-wise unary ops.
    using Un = Tensor (*)(const Tensor&);
    const std::map<std::string, Un> unary = {
            {"Sigmoid", [](const Tensor& x) { return torch::sigmoid(x); }},
            {"Relu", [](const Tensor& x) { return torch::relu(x); }},
            {"Relu6", [](const Tensor& x) { return torch::clamp(x, 0, 6); }},
            {"Elu", [](const Tensor& x) { return torch::elu(x); }},
            {"Selu", [](const Tensor& x) { return torch::selu(x); }},
            {"Exp", [](const Tensor& x) { return torch::exp(x); }},
            {"Log", [](const Tensor& x) { return torch::log(x); }},
            {"Sqrt", [](const Tensor& x) { return torch::sqrt(x); }},
            {"Rsqrt", [](const Tensor& x) { return torch::rsqrt(x); }},
            {"Square", [](const Tensor& x) { return x * x; }},
            {"Tanh", [](const Tensor& x) { return torch::tanh(x); }},
            {"Floor", [](const Tensor& x) { return torch::floor(x); }},
            {"Ceil", [](const Tensor& x) { return torch::ceil(x); }},
            {"Round", [](const Tensor& x) { return torch::round(x); }}, // half to even, as TF
            {"Abs", [](const Tensor& x) { return torch::abs(x); }},
            {"Neg", [](const Tensor& x) { return torch::neg(x); }},
            {"Sign", [](const Tensor& x) { return torch::sign(x); }},
            {"Reciprocal", [](const Tensor& x) { return torch::reciprocal(x); }},
            {"Softplus", [](const Tensor& x) { return torch::softplus(x); }},
            {"LogicalNot", [](const Tensor& x) { return torch::logical_not(x); }},
            {"ZerosLike", [](const Tensor& x) { return torch::zeros_like(x); }},
            {"OnesLike", [](const Tensor& x) { return torch::ones_like(x); }},
    };
    for (const auto& [name, fn] : unary) {
        Un f = fn;
        t[name] = [f](const NodeDef& d) {
            Attrs(d).inputs(1);
            return one([f](const std::vector<Tensor>& in, double*) -> std::vector<Tensor> { return {f(in[0])}; });
        };
    }
    t["LeakyRelu"] = [](const NodeDef& d) {
        Attrs a(d);
        a.inputs(1);
        const double alpha = a.f("alpha", 0.2);
        return one([alpha](const std::vector<Tensor>& in, double*) -> std::vector<Tensor> {
            return {torch::leaky_relu(in[0], alpha)};
        });
    };
    t["Prelu"] = [](const NodeDef& d) {
        Attrs(d).inputs(2);
        return one([](const std::vector<Tensor>& in, double*) -> std::vector<Tensor> {
            return {torch::where(in[0] > 0, in[0], in[0] * in[1])};
        });
    };
    t["Softmax"] = [](const NodeDef& d) {
        Attrs(d).inputs(1);
        return one([](const std::vector<Tensor>& in, double*) -> std::vector<Tensor> { return {torch::softmax(in[0], -1)}; });
    };
    t["Select"] = [](const NodeDef& d) {
        Attrs(d).inputs(3);
        return one([](const std::vector<Tensor>& in, double*) -> std::vector<Tensor> {
            Tensor c = in[0];
            if (c.dim() == 1 && in[1].dim() > 1) { // TF1 Select: a vector picks rows
                std::vector<int64_t> shape(static_cast<size_t>(in[1].dim()), 1);
                shape[0] = c.size(0);
                c = c.reshape(shape);
            }
            return {torch::where(c, in[1], in[2])};
        });
    };
    t["SelectV2"] = [](const NodeDef& d) {
        Attrs(d).inputs(3);
        return one([](const std::vector<Tensor>& in, double*) -> std::vector<Tensor> {
            return {torch::where(in[0], in[1], in[2])};
        });
    };
    t["Cast"] = [](const NodeDef& d) {
        Attrs a(d);
        a.inputs(1);
        const auto dst = dtype_of(a, "DstT", a.type("DstT", "DT_FLOAT"));
        if (a.has("SrcT")) (void)dtype_of(a, "SrcT", a.type("SrcT", "DT_FLOAT"));
        return one([dst](const std::vector<Tensor>& in, double*) -> std::vector<Tensor> { return {in[0].to(dst)}; });
    };

    // Reductions.
    for (const char* op : {"Sum", "Mean", "Max", "Min", "Prod", "Any", "All"}) {
        std::string name = op;
        t[name] = [name](const NodeDef& d) {
            Attrs a(d);
            a.inputs(2);
            const bool keep = a.b("keep_dims", false);
            return one([keep, name](const std::vector<Tensor>& in, double*) -> std::vector<Tensor> {
                return {reduce(in[0], in[1], keep, name)};
            });
        };
    }
    for (const char* op : {"ArgMax", "ArgMin"}) {
        const bool is_max = std::string(op) == "ArgMax";
        t[op] = [is_max](const NodeDef& d) {
            Attrs a(d);
            a.inputs(2);
            const auto out = dtype_of(a, "output_type", a.type("output_type", "DT_INT64"));
            return one([is_max, out](const std::vector<Tensor>& in, double*) -> std::vector<Tensor> {
                const int64_t axis = wrap_axis(scalar_int(in[1]), in[0].dim());
                if (is_max && max_over_axis_applies(in[0], axis)) return {max_over_axis(in[0], axis, false).second.to(out)};
                return {(is_max ? in[0].argmax(axis) : in[0].argmin(axis)).to(out)};
            });
        };
    }

    // Shapes and layout.
    t["Transpose"] = [](const NodeDef& d) {
        Attrs(d).inputs(2);
        return one([](const std::vector<Tensor>& in, double*) -> std::vector<Tensor> {
            return {in[0].permute(ints(in[1]))};
        });
    };
    t["Reshape"] = [](const NodeDef& d) {
        Attrs(d).inputs(2);
        return one([](const std::vector<Tensor>& in, double*) -> std::vector<Tensor> {
            return {in[0].reshape(ints(in[1]))};
        });
    };
    t["Squeeze"] = [](const NodeDef& d) {
        Attrs a(d);
        a.inputs(1);
        const auto dims = a.list_i("squeeze_dims");
        return one([dims](const std::vector<Tensor>& in, double*) -> std::vector<Tensor> {
            if (dims.empty()) return {in[0].squeeze()};
            std::vector<int64_t> keep;
            std::vector<char> drop(static_cast<size_t>(in[0].dim()), 0);
            for (int64_t dd : dims) {
                const int64_t a = wrap_axis(dd, in[0].dim());
                TORCH_CHECK(in[0].size(a) == 1, "Squeeze of dimension ", a, " of size ", in[0].size(a));
                drop[static_cast<size_t>(a)] = 1;
            }
            for (int64_t i = 0; i < in[0].dim(); ++i)
                if (!drop[static_cast<size_t>(i)]) keep.push_back(in[0].size(i));
            return {in[0].reshape(keep)};
        });
    };
    t["ExpandDims"] = [](const NodeDef& d) {
        Attrs(d).inputs(2);
        return one([](const std::vector<Tensor>& in, double*) -> std::vector<Tensor> {
            int64_t axis = scalar_int(in[1]);
            if (axis < 0) axis += in[0].dim() + 1;
            TORCH_CHECK(axis >= 0 && axis <= in[0].dim(), "ExpandDims axis out of range");
            return {in[0].unsqueeze(axis)};
        });
    };
    t["Shape"] = [](const NodeDef& d) {
        Attrs a(d);
        a.inputs(1);
        const auto out = dtype_of(a, "out_type", a.type("out_type", "DT_INT32"));
        return one([out](const std::vector<Tensor>& in, double*) -> std::vector<Tensor> {
            return {torch::tensor(in[0].sizes().vec(), torch::kLong).to(out)};
        });
    };
    t["Size"] = [](const NodeDef& d) {
        Attrs a(d);
        a.inputs(1);
        const auto out = dtype_of(a, "out_type", a.type("out_type", "DT_INT32"));
        return one([out](const std::vector<Tensor>& in, double*) -> std::vector<Tensor> {
            return {torch::scalar_tensor(in[0].numel(), torch::kLong).to(out)};
        });
    };
    t["Rank"] = [](const NodeDef& d) {
        Attrs(d).inputs(1);
        return one([](const std::vector<Tensor>& in, double*) -> std::vector<Tensor> {
            return {torch::scalar_tensor(in[0].dim(), torch::kInt)};
        });
    };
    t["ConcatV2"] = [](const NodeDef& d) {
        Attrs a(d);
        a.inputs_at_least(2);
        return one([](const std::vector<Tensor>& in, double*) -> std::vector<Tensor> {
            const int64_t axis = wrap_axis(scalar_int(in.back()), in[0].dim());
            std::vector<Tensor> parts(in.begin(), in.end() - 1);
            return {torch::cat(parts, axis)};
        });
    };
    t["Pack"] = [](const NodeDef& d) {
        Attrs a(d);
        a.inputs_at_least(1);
        const int64_t axis = a.i("axis", 0);
        return one([axis](const std::vector<Tensor>& in, double*) -> std::vector<Tensor> {
            int64_t ax = axis < 0 ? axis + in[0].dim() + 1 : axis;
            return {torch::stack(in, ax)};
        });
    };
    t["Unpack"] = [](const NodeDef& d) {
        Attrs a(d);
        a.inputs(1);
        const int64_t axis = a.i("axis", 0), num = a.i("num", -1);
        if (num < 0) a.fail("Unpack without num");
        Compiled c = one([axis, num](const std::vector<Tensor>& in, double*) {
            const int64_t ax = wrap_axis(axis, in[0].dim());
            TORCH_CHECK(in[0].size(ax) == num, "Unpack of ", num, " along a dimension of size ", in[0].size(ax));
            return in[0].unbind(ax);
        });
        c.num_outputs = static_cast<int>(num);
        return c;
    };
    t["Split"] = [](const NodeDef& d) {
        Attrs a(d);
        a.inputs(2);
        const int64_t num = a.i("num_split", -1);
        if (num < 1) a.fail("Split without num_split");
        Compiled c = one([num](const std::vector<Tensor>& in, double*) {
            const int64_t ax = wrap_axis(scalar_int(in[0]), in[1].dim());
            TORCH_CHECK(in[1].size(ax) % num == 0, "Split of size ", in[1].size(ax), " into ", num);
            return in[1].split(in[1].size(ax) / num, ax);
        });
        c.num_outputs = static_cast<int>(num);
        return c;
    };
    t["SplitV"] = [](const NodeDef& d) {
        Attrs a(d);
        a.inputs(3);
        const int64_t num = a.i("num_split", -1);
        if (num < 1) a.fail("SplitV without num_split");
        Compiled c = one([num](const std::vector<Tensor>& in, double*) {
            const int64_t ax = wrap_axis(scalar_int(in[2]), in[0].dim());
            auto sizes = ints(in[1]);
            TORCH_CHECK(static_cast<int64_t>(sizes.size()) == num, "SplitV size_splits has ", sizes.size(),
                        " entries for num_split ", num);
            int64_t known = 0, unknown = -1;
            for (size_t i = 0; i < sizes.size(); ++i) {
                if (sizes[i] < 0) unknown = static_cast<int64_t>(i);
                else known += sizes[i];
            }
            if (unknown >= 0) sizes[static_cast<size_t>(unknown)] = in[0].size(ax) - known;
            return in[0].split_with_sizes(sizes, ax);
        });
        c.num_outputs = static_cast<int>(num);
        return c;
    };
    t["StridedSlice"] = [](const NodeDef& d) {
        Attrs a(d);
        a.inputs(4);
        const int64_t bm = a.i("begin_mask", 0), em = a.i("end_mask", 0), elm = a.i("ellipsis_mask", 0),
                      nm = a.i("new_axis_mask", 0), sm = a.i("shrink_axis_mask", 0);
        if (elm & (elm - 1)) a.fail("more than one ellipsis in ellipsis_mask");
        return one([=](const std::vector<Tensor>& in, double*) -> std::vector<Tensor> {
            return {strided_slice(in[0], ints(in[1]), ints(in[2]), ints(in[3]), bm, em, elm, nm, sm)};
        });
    };
    t["Slice"] = [](const NodeDef& d) {
        Attrs(d).inputs(3);
        return one([](const std::vector<Tensor>& in, double*) -> std::vector<Tensor> {
            const auto b = ints(in[1]), s = ints(in[2]);
            TORCH_CHECK(static_cast<int64_t>(b.size()) == in[0].dim() && b.size() == s.size(), "Slice rank mismatch");
            Tensor y = in[0];
            for (size_t i = 0; i < b.size(); ++i) {
                const int64_t len = s[i] < 0 ? y.size(static_cast<int64_t>(i)) - b[i] : s[i];
                y = y.narrow(static_cast<int64_t>(i), b[i], len);
            }
            return {y};
        });
    };
    t["Pad"] = t["PadV2"] = [](const NodeDef& d) {
        Attrs a(d);
        const bool v2 = d.op == "PadV2";
        a.inputs(v2 ? 3 : 2);
        return one([v2](const std::vector<Tensor>& in, double*) -> std::vector<Tensor> {
            const auto p = ints(in[1]);
            TORCH_CHECK(static_cast<int64_t>(p.size()) == 2 * in[0].dim(), "paddings must be [rank, 2]");
            std::vector<int64_t> tp; // torch order: last dim first
            for (int64_t i = in[0].dim() - 1; i >= 0; --i) {
                tp.push_back(p[static_cast<size_t>(2 * i)]);
                tp.push_back(p[static_cast<size_t>(2 * i + 1)]);
            }
            std::vector<int64_t> shape = in[0].sizes().vec();
            for (size_t i = 0; i < shape.size(); ++i) shape[i] += p[2 * i] + p[2 * i + 1];
            checked_shape(shape, "Pad output");
            const double value = v2 ? in[2].to(torch::kDouble).item<double>() : 0.0;
            return {torch::constant_pad_nd(in[0], tp, value)};
        });
    };
    t["Tile"] = [](const NodeDef& d) {
        Attrs(d).inputs(2);
        return one([](const std::vector<Tensor>& in, double*) -> std::vector<Tensor> {
            const auto reps = ints(in[1]);
            std::vector<int64_t> shape = reps;
            for (int64_t i = 0; i < in[0].dim() && i < static_cast<int64_t>(reps.size()); ++i)
                shape[reps.size() - 1 - static_cast<size_t>(i)] *= in[0].size(in[0].dim() - 1 - i);
            checked_shape(shape, "Tile output");
            return {in[0].repeat(reps)};
        });
    };
    t["Fill"] = [](const NodeDef& d) {
        Attrs(d).inputs(2);
        return one([](const std::vector<Tensor>& in, double*) -> std::vector<Tensor> {
            return {in[1].reshape({}).expand(checked_shape(ints(in[0]), "Fill shape")).contiguous()};
        });
    };
    t["Range"] = [](const NodeDef& d) {
        Attrs(d).inputs(3);
        return one([](const std::vector<Tensor>& in, double*) -> std::vector<Tensor> {
            const auto type = in[0].scalar_type();
            const double start = in[0].item<double>(), limit = in[1].item<double>(), delta = in[2].item<double>();
            TORCH_CHECK(std::isfinite(start) && std::isfinite(limit) && std::isfinite(delta) && delta != 0,
                        "Range(", start, ", ", limit, ", ", delta, ") is not a finite range");
            checked_shape({static_cast<int64_t>(std::min(std::max(0.0, std::ceil((limit - start) / delta)), 1e18))},
                          "Range");
            if (in[0].is_floating_point())
                return {torch::arange(in[0].item<double>(), in[1].item<double>(), in[2].item<double>(),
                                      torch::TensorOptions().dtype(type))};
            return {torch::arange(scalar_int(in[0]), scalar_int(in[1]), scalar_int(in[2]),
                                  torch::TensorOptions().dtype(type))};
        });
    };
    t["GatherV2"] = [](const NodeDef& d) {
        Attrs a(d);
        a.inputs(3);
        if (a.i("batch_dims", 0) != 0) a.fail("unsupported batch_dims " + std::to_string(a.i("batch_dims", 0)));
        return one([](const std::vector<Tensor>& in, double*) -> std::vector<Tensor> {
            const int64_t axis = wrap_axis(scalar_int(in[2]), in[0].dim());
            Tensor idx = in[1].to(torch::kLong);
            Tensor flat = in[0].index_select(axis, idx.flatten());
            std::vector<int64_t> shape(in[0].sizes().begin(), in[0].sizes().begin() + axis);
            for (auto s : idx.sizes()) shape.push_back(s);
            for (int64_t i = axis + 1; i < in[0].dim(); ++i) shape.push_back(in[0].size(i));
            return {flat.reshape(shape)};
        });
    };
    t["GatherNd"] = [](const NodeDef& d) {
        Attrs(d).inputs(2);
        return one([](const std::vector<Tensor>& in, double*) -> std::vector<Tensor> {
            const Tensor& p = in[0];
            Tensor idx = in[1].to(torch::kLong);
            const int64_t K = idx.size(-1);
            TORCH_CHECK(K <= p.dim(), "GatherNd index depth ", K, " > rank ", p.dim());
            std::vector<int64_t> rest(p.sizes().begin() + K, p.sizes().end());
            int64_t outer = 1;
            for (int64_t i = 0; i < K; ++i) outer *= p.size(i);
            std::vector<int64_t> flat_shape{outer};
            flat_shape.insert(flat_shape.end(), rest.begin(), rest.end());
            Tensor lin = torch::zeros(idx.sizes().slice(0, static_cast<size_t>(idx.dim() - 1)), torch::kLong);
            for (int64_t i = 0; i < K; ++i) {
                Tensor c = idx.select(-1, i);
                TORCH_CHECK(c.numel() == 0 || (c.min().item<int64_t>() >= 0 && c.max().item<int64_t>() < p.size(i)),
                            "GatherNd index out of range");
                lin = lin * p.size(i) + c;
            }
            Tensor g = p.reshape(flat_shape).index_select(0, lin.flatten());
            std::vector<int64_t> shape(idx.sizes().begin(), idx.sizes().end() - 1);
            shape.insert(shape.end(), rest.begin(), rest.end());
            return {g.reshape(shape)};
        });
    };
    t["TopKV2"] = [](const NodeDef& d) {
        Attrs a(d);
        a.inputs(2);
        if (!a.b("sorted", true)) a.fail("unsorted TopKV2 is not supported");
        Compiled c = one([](const std::vector<Tensor>& in, double*) -> std::vector<Tensor> {
            const int64_t k = scalar_int(in[1]);
            TORCH_CHECK(k >= 0 && k <= in[0].size(-1), "TopKV2 k=", k, " for a last dimension of ", in[0].size(-1));
            // TensorFlow orders equal values by index. Fast path: topk, then order the k winners by
            // (value desc, index asc) when no tie straddles the k-th place; else a stable full sort.
            const int64_t n = in[0].size(-1);
            if (k > 0 && k < n) {
                auto [v, i] = largest(in[0], k + 1);
                if ((v.narrow(-1, k - 1, 1) > v.narrow(-1, k, 1)).all().item<bool>()) {
                    v = v.narrow(-1, 0, k);
                    i = i.narrow(-1, 0, k);
                    auto [is, by_index] = i.sort(-1);
                    Tensor vs = v.gather(-1, by_index);
                    auto [v2, by_value] = vs.sort(/*stable=*/true, -1, /*descending=*/true);
                    return {v2.contiguous(), is.gather(-1, by_value).to(torch::kInt).contiguous()};
                }
            }
            auto [v, i] = in[0].sort(/*stable=*/true, -1, /*descending=*/true);
            return {v.narrow(-1, 0, k).contiguous(), i.narrow(-1, 0, k).to(torch::kInt).contiguous()};
        });
        c.num_outputs = 2;
        return c;
    };
    t["SparseToDense"] = [](const NodeDef& d) {
        Attrs(d).inputs(4);
        return one([](const std::vector<Tensor>& in, double*) -> std::vector<Tensor> {
            const auto shape = checked_shape(ints(in[1]), "SparseToDense output_shape");
            Tensor out = in[3].to(in[2].scalar_type()).reshape({}).expand(shape).contiguous();
            Tensor idx = in[0].to(torch::kLong);
            if (idx.dim() < 2) idx = idx.reshape({-1, 1});
            TORCH_CHECK(idx.size(1) == static_cast<int64_t>(shape.size()), "SparseToDense index depth mismatch");
            Tensor values = in[2].dim() == 0 ? in[2].expand({idx.size(0)}) : in[2];
            std::vector<int64_t> strides(shape.size(), 1);
            for (int64_t i = static_cast<int64_t>(shape.size()) - 2; i >= 0; --i)
                strides[static_cast<size_t>(i)] = strides[static_cast<size_t>(i + 1)] * shape[static_cast<size_t>(i + 1)];
            Tensor lin = (idx * torch::tensor(strides, torch::kLong)).sum(1);
            out.view({-1}).index_put_({lin}, values.to(out.scalar_type()));
            return {out};
        });
    };
    t["ResizeBilinear"] = [](const NodeDef& d) {
        Attrs a(d);
        a.inputs(2);
        const bool ac = a.b("align_corners", false), hp = a.b("half_pixel_centers", false);
        if (ac && hp) a.fail("align_corners and half_pixel_centers cannot both be true");
        return one([ac, hp](const std::vector<Tensor>& in, double*) -> std::vector<Tensor> {
            const auto s = ints(in[1]);
            TORCH_CHECK(s.size() == 2, "resize size must have 2 values");
            checked_shape({in[0].size(0), s[0], s[1], in[0].size(-1)}, "ResizeBilinear output");
            return {tf_resize_bilinear(in[0], s[0], s[1], ac, hp)};
        });
    };
    t["ResizeNearestNeighbor"] = [](const NodeDef& d) {
        Attrs a(d);
        a.inputs(2);
        const bool ac = a.b("align_corners", false), hp = a.b("half_pixel_centers", false);
        if (ac && hp) a.fail("align_corners and half_pixel_centers cannot both be true");
        return one([ac, hp](const std::vector<Tensor>& in, double*) -> std::vector<Tensor> {
            const auto s = ints(in[1]);
            TORCH_CHECK(s.size() == 2, "resize size must have 2 values");
            checked_shape({in[0].size(0), s[0], s[1], in[0].size(-1)}, "ResizeNearestNeighbor output");
            return {tf_resize_nearest(in[0], s[0], s[1], ac, hp)};
        });
    };
    return t;
}

} // namespace

Compiled compile(const NodeDef& node) {
    const auto& t = table();
    auto it = t.find(node.op);
    if (it == t.end())
        throw_model(node.where + ": unsupported op '" + node.op + "' (the runner cannot execute this graph)");
    return it->second(node);
}

std::vector<std::string> supported_ops() {
    std::vector<std::string> r;
    for (const auto& [k, v] : table()) r.push_back(k);
    r.push_back("Const");
    r.push_back("Placeholder");
    return r;
}

} // namespace tfjs
} // namespace hoi::detect
