#include "clip/synthetic.h"

#include "clip/clip_modules.h"
#include "io/atomic_file.h"
#include "io/error.h"
#include "io/safetensors.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/script.h>

#include <cmath>
#include <map>
#include <sstream>

namespace hoi::clip {
namespace {

bool ends_with(const std::string& s, const std::string& p) {
    return s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0;
}

void fill(const std::string& name, at::Tensor& t, at::Generator& gen) {
    if (name == "logit_scale") {
        t.fill_(std::log(1.0 / 0.07));
    } else if (ends_with(name, "running_var")) {
        t.uniform_(0.5, 1.5, gen);
    } else if (ends_with(name, "running_mean")) {
        t.normal_(0.0, 0.1, gen);
    } else if (t.dim() == 1 && ends_with(name, ".weight")) { // LayerNorm / BatchNorm scales
        t.normal_(1.0, 0.1, gen);
    } else if (ends_with(name, "bias")) {
        t.normal_(0.0, 0.02, gen);
    } else if (name == "token_embedding.weight") {
        t.normal_(0.0, 0.02, gen);
    } else if (ends_with(name, "positional_embedding")) {
        t.normal_(0.0, name == "positional_embedding" ? 0.01 : 1.0 / std::sqrt(static_cast<double>(t.size(1))), gen);
    } else if (ends_with(name, "class_embedding")) {
        t.normal_(0.0, 1.0 / std::sqrt(static_cast<double>(t.size(0))), gen);
    } else if (name == "visual.proj" || name == "text_projection") {
        t.normal_(0.0, 1.0 / std::sqrt(static_cast<double>(t.size(0))), gen);
    } else {
        const double fan_in = static_cast<double>(t.numel() / std::max<int64_t>(1, t.size(0)));
        t.normal_(0.0, 1.0 / std::sqrt(fan_in), gen);
    }
}

at::Tensor cast(const at::Tensor& t, bool fp16) {
    return (fp16 && t.is_floating_point() ? t.to(at::kHalf) : t).contiguous();
}

} // namespace

ClipConfig tiny_vit_config() {
    ClipConfig c;
    c.vit = true;
    c.image_resolution = 64;
    c.vision_patch_size = 16;
    c.grid = 4;
    c.vision_width = 128;
    c.vision_layers = 2;
    c.vision_heads = 2;
    c.embed_dim = 32;
    c.context_length = 77;
    c.vocab_size = 49408;
    c.transformer_width = 64;
    c.transformer_heads = 1;
    c.transformer_layers = 2;
    return c;
}

ClipConfig tiny_rn_config() {
    ClipConfig c;
    c.vit = false;
    c.image_resolution = 64;
    c.vision_patch_size = 32;
    c.grid = 2;
    c.vision_width = 8;
    c.vision_layers_rn = {1, 1, 1, 1};
    c.vision_layers = 4;
    c.vision_heads = 8 * 32 / 64;
    c.embed_dim = 32;
    c.context_length = 77;
    c.vocab_size = 49408;
    c.transformer_width = 64;
    c.transformer_heads = 1;
    c.transformer_layers = 2;
    return c;
}

ClipConfig vit_b32_config() {
    ClipConfig c;
    c.vit = true;
    c.image_resolution = 224;
    c.vision_patch_size = 32;
    c.grid = 7;
    c.vision_width = 768;
    c.vision_layers = 12;
    c.vision_heads = 12;
    c.embed_dim = 512;
    c.context_length = 77;
    c.vocab_size = 49408;
    c.transformer_width = 512;
    c.transformer_heads = 8;
    c.transformer_layers = 12;
    return c;
}

ClipConfig vit_b16_config() {
    ClipConfig c = vit_b32_config();
    c.vision_patch_size = 16;
    c.grid = 14;
    return c;
}

ClipConfig vit_l14_config() {
    ClipConfig c = vit_b32_config();
    c.vision_patch_size = 14;
    c.grid = 16;
    c.vision_width = 1024;
    c.vision_layers = 24;
    c.vision_heads = 16;
    c.embed_dim = 768;
    c.transformer_width = 768;
    c.transformer_heads = 12;
    return c;
}

ClipConfig rn50_config() {
    ClipConfig c = vit_b32_config();
    c.vit = false;
    c.vision_width = 64;
    c.vision_layers_rn = {3, 4, 6, 3};
    c.vision_layers = 16;
    c.vision_heads = 64 * 32 / 64;
    c.embed_dim = 1024;
    return c;
}

ClipConfig published_config(const std::string& name) {
    for (auto make : {vit_b32_config, vit_b16_config, vit_l14_config, rn50_config}) {
        ClipConfig c = make();
        if (c.name() == name) return c;
    }
    throw_usage("unknown CLIP architecture '" + name + "': expected ViT-B/32, ViT-B/16, ViT-L/14 or RN50");
}

NamedTensors synthetic_weights(const ClipConfig& config, uint64_t seed) {
    at::NoGradGuard no_grad;
    nn::ClipNet net(config);
    auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
    NamedTensors out;
    for (const auto& p : net->named_parameters(true)) {
        auto t = at::empty(p.value().sizes());
        fill(p.key(), t, gen);
        if (p.key() != "logit_scale") t.copy_(t.to(at::kHalf)); // fp16 values, as in OpenAI's checkpoints
        out.emplace_back(p.key(), t);
    }
    for (const auto& b : net->named_buffers(true)) {
        if (ends_with(b.key(), "num_batches_tracked")) {
            out.emplace_back(b.key(), at::zeros({}, at::kLong));
            continue;
        }
        auto t = at::empty(b.value().sizes());
        fill(b.key(), t, gen);
        out.emplace_back(b.key(), t);
    }
    return out;
}

void write_torchscript(const std::string& path, const NamedTensors& tensors, bool fp16) {
    auto cu = std::make_shared<torch::jit::CompilationUnit>();
    torch::jit::Module root(c10::QualifiedName("__torch__.model.CLIP"), cu, true);
    std::map<std::string, torch::jit::Module> modules;
    std::function<torch::jit::Module(const std::string&)> module_at = [&](const std::string& p) -> torch::jit::Module {
        if (p.empty()) return root;
        auto it = modules.find(p);
        if (it != modules.end()) return it->second;
        auto dot = p.rfind('.');
        auto parent = module_at(dot == std::string::npos ? "" : p.substr(0, dot));
        std::string type = "__torch__.model.M_";
        for (char ch : p) type.push_back(ch == '.' ? '_' : (ch == '-' ? 'n' : ch));
        torch::jit::Module m(c10::QualifiedName(type), cu, true);
        parent.register_module(dot == std::string::npos ? p : p.substr(dot + 1), m);
        modules.emplace(p, m);
        return m;
    };
    for (const auto& [name, t] : tensors) {
        auto dot = name.rfind('.');
        auto owner = module_at(dot == std::string::npos ? "" : name.substr(0, dot));
        const std::string leaf = dot == std::string::npos ? name : name.substr(dot + 1);
        const bool buffer = ends_with(name, "running_mean") || ends_with(name, "running_var") ||
                            ends_with(name, "num_batches_tracked");
        if (buffer) owner.register_buffer(leaf, cast(t, fp16 && !ends_with(name, "num_batches_tracked")));
        else owner.register_parameter(leaf, cast(t, fp16), false);
    }
    std::ostringstream os;
    root.save(os);
    io::write_file_atomic(path, os.str());
}

void write_clip_safetensors(const std::string& path, const NamedTensors& tensors, bool hf_layout, bool fp16) {
    NamedTensors named = hf_layout ? openai_to_hf(tensors) : tensors;
    std::vector<at::Tensor> keep;
    std::vector<io::StTensorOut> out;
    for (const auto& [name, t] : named) {
        auto c = cast(t, fp16);
        io::StDtype dt = io::StDtype::F32;
        switch (c.scalar_type()) {
        case at::kHalf: dt = io::StDtype::F16; break;
        case at::kFloat: dt = io::StDtype::F32; break;
        case at::kLong: dt = io::StDtype::I64; break;
        default: throw Error(ErrorKind::Internal, "write_clip_safetensors: unsupported dtype of " + name);
        }
        keep.push_back(c);
        io::StTensorOut o;
        o.name = name;
        o.dtype = dt;
        o.shape = c.sizes().vec();
        o.bytes = std::string_view(static_cast<const char*>(c.data_ptr()), static_cast<size_t>(c.numel() * c.element_size()));
        out.push_back(std::move(o));
    }
    io::write_safetensors(path, out, {{"format", "pt"}});
}

void write_synthetic_model(const std::string& path, const ClipConfig& config, uint64_t seed, SyntheticFormat format) {
    if (format == SyntheticFormat::SafetensorsHF && !config.vit)
        throw_usage("the Hugging Face CLIP layout has no ResNet image tower");
    auto w = synthetic_weights(config, seed);
    switch (format) {
    case SyntheticFormat::TorchScript: write_torchscript(path, w, true); break;
    case SyntheticFormat::SafetensorsOpenClip: write_clip_safetensors(path, w, false); break;
    case SyntheticFormat::SafetensorsHF: write_clip_safetensors(path, w, true); break;
    }
}

} // namespace hoi::clip
