#include "clip/weights.h"

#include "clip/clip_modules.h"
#include "io/error.h"
#include "io/safetensors.h"
#include "io/zip_directory.h"

#include <c10/core/CPUAllocator.h>
#include <caffe2/serialize/inline_container.h>
#include <torch/script.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <mutex>
#include <regex>
#include <set>
#include <sstream>
#include <unordered_map>

namespace hoi::clip {
namespace {

std::string shape_str(at::IntArrayRef s) {
    std::string out = "[";
    for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
    return out + "]";
}

std::string list(const std::vector<std::string>& v, size_t max = 8) {
    std::string out;
    for (size_t i = 0; i < v.size() && i < max; ++i) out += (i ? ", " : "") + v[i];
    if (v.size() > max) out += ", ... (" + std::to_string(v.size()) + " in all)";
    return out;
}

bool starts_with(const std::string& s, const std::string& p) { return s.compare(0, p.size(), p) == 0; }

at::Tensor to_float(const at::Tensor& t) {
    auto f = t.scalar_type() == at::kFloat ? t : t.to(at::kFloat);
    return f.contiguous();
}

// Refuses a float tensor holding NaN or infinite values (which would give NaN embeddings silently).
void check_finite(const at::Tensor& t, const std::string& path, const std::string& name) {
    if (t.is_floating_point() && !at::isfinite(t).all().item<bool>())
        throw_model(path + ": tensor '" + name + "' holds NaN or infinite values");
}

// While installed as LibTorch's CPU allocator, records the size of every allocation. The archive
// reader allocates each storage entry at the entry's byte size, whereas the storage it builds has the
// size the pickle claims (trusted by LibTorch): a damaged file can claim more than its entry holds.
class SizeRecordingAllocator final : public c10::Allocator {
public:
    c10::DataPtr allocate(size_t n) const override {
        c10::DataPtr p = base_->allocate(n);
        std::lock_guard<std::mutex> lock(mutex_);
        sizes_[p.get()] = n;
        return p;
    }
    c10::DeleterFnPtr raw_deleter() const override { return base_->raw_deleter(); }

    // Installs itself for the guard's lifetime; one load at a time.
    class Scope {
    public:
        explicit Scope(SizeRecordingAllocator& a) : a_(a), load_(a.load_mutex_) {
            a_.base_ = c10::GetCPUAllocator();
            c10::SetCPUAllocator(&a_);
            installed_ = c10::GetCPUAllocator() == &a_; // not when another allocator has priority
        }
        ~Scope() {
            if (installed_) c10::SetCPUAllocator(a_.base_);
            std::lock_guard<std::mutex> lock(a_.mutex_);
            a_.sizes_.clear();
        }
        // The byte size allocated at p while installed, or SIZE_MAX when unknown.
        size_t size_of(const void* p) const {
            std::lock_guard<std::mutex> lock(a_.mutex_);
            auto it = a_.sizes_.find(p);
            return installed_ && it != a_.sizes_.end() ? it->second : SIZE_MAX;
        }

    private:
        SizeRecordingAllocator& a_;
        std::lock_guard<std::mutex> load_;
        bool installed_ = false;
    };

private:
    c10::Allocator* base_ = nullptr;
    mutable std::mutex mutex_;
    mutable std::unordered_map<const void*, size_t> sizes_;
    std::mutex load_mutex_;
};

// Refuses a tensor that would read past its storage: the bytes its offset, sizes and strides reach
// against what the storage holds (`entry_bytes`: what the archive's entry held, when known).
void check_extent(const at::Tensor& t, size_t entry_bytes, const std::string& path, const std::string& name) {
    const auto where = path + ": tensor '" + name + "' ";
    if (t.numel() == 0) return;
    unsigned __int128 last = static_cast<unsigned __int128>(std::max<int64_t>(t.storage_offset(), 0));
    bool negative = t.storage_offset() < 0;
    for (int64_t d = 0; d < t.dim(); ++d) {
        negative |= t.stride(d) < 0;
        last += static_cast<unsigned __int128>(t.size(d) - 1) *
                static_cast<uint64_t>(std::max<int64_t>(t.stride(d), 0));
    }
    if (negative) throw_model(where + "has a negative offset or stride in the archive (a damaged file)");
    const unsigned __int128 needed = (last + 1) * static_cast<unsigned __int128>(t.element_size());
    const size_t available = std::min(t.storage().nbytes(), entry_bytes);
    if (needed > available) {
        const std::string need = needed > UINT64_MAX ? std::string("more than 2^64")
                                                     : std::to_string(static_cast<uint64_t>(needed));
        throw_model(where + "(shape " + shape_str(t.sizes()) + ", " + std::string(c10::toString(t.scalar_type())) +
                    ") needs " + need + " bytes of its storage but the archive's entry holds only " +
                    std::to_string(available) + " bytes (a damaged or incomplete file: download it again)");
    }
}

LoadedWeights read_torchscript(const std::string& path) {
    // The zip container is checked without LibTorch first: its end record (a truncated download has
    // none), and every entry inside the file, before the directory, not overlapping another.
    io::ZipDirectory::read(path);
    static SizeRecordingAllocator recorder;
    LoadedWeights w;
    w.format = WeightFormat::TorchScript;
    try {
        SizeRecordingAllocator::Scope sizes(recorder);
        torch::jit::Module m;
        try {
            m = torch::jit::load(path, c10::Device(c10::kCPU));
        } catch (const std::exception& e) {
            bool torchscript = true; // a torch.save zip checkpoint has no TorchScript constants
            try {
                torchscript = caffe2::serialize::PyTorchStreamReader(path).hasRecord("constants.pkl");
            } catch (const std::exception&) {}
            if (!torchscript)
                throw_model(path + ": a torch.save checkpoint, not a TorchScript archive (OpenAI's CLIP .pt files "
                            "are); convert it to safetensors");
            throw_model(path + ": not a loadable TorchScript archive: " + library_message(e));
        }
        // Every tensor is checked against its storage before anything reads it.
        std::vector<std::pair<std::string, at::Tensor>> found;
        std::set<std::string> seen;
        for (const auto& p : m.named_parameters(true))
            if (seen.insert(p.name).second) found.emplace_back(p.name, p.value.detach());
        for (const auto& b : m.named_buffers(true))
            if (seen.insert(b.name).second) found.emplace_back(b.name, b.value.detach());
        for (const auto& [name, t] : found) check_extent(t, sizes.size_of(t.storage().data()), path, name);
        for (auto& [name, t] : found) {
            if (t.is_floating_point()) t = to_float(t);
            check_finite(t, path, name);
            w.tensors.emplace_back(name, std::move(t));
        }
    } catch (const Error&) {
        throw;
    } catch (const std::exception& e) {
        throw_model(path + ": cannot read the TorchScript archive: " + library_message(e));
    }
    if (w.tensors.empty()) throw_model(path + ": the TorchScript archive holds no parameters");
    return w;
}

at::ScalarType torch_dtype(io::StDtype d, bool* ok) {
    *ok = true;
    switch (d) {
    case io::StDtype::F16: return at::kHalf;
    case io::StDtype::BF16: return at::kBFloat16;
    case io::StDtype::F32: return at::kFloat;
    case io::StDtype::F64: return at::kDouble;
    case io::StDtype::I64: return at::kLong;
    case io::StDtype::I32: return at::kInt;
    case io::StDtype::I16: return at::kShort;
    case io::StDtype::I8: return at::kChar;
    case io::StDtype::U8: return at::kByte;
    case io::StDtype::BOOL: return at::kBool;
    default: *ok = false; return at::kFloat;
    }
}

LoadedWeights read_safetensors(const std::string& path) {
    auto f = io::SafetensorsFile::open(path);
    NamedTensors raw;
    for (const auto& t : f->tensors()) {
        bool ok = false;
        auto dt = torch_dtype(t.dtype, &ok);
        if (!ok) throw_model(path + ": tensor '" + t.name + "' has dtype " + io::dtype_name(t.dtype) +
                             ", which a CLIP model cannot use");
        // Copy out of the mapping (offsets need not be aligned for the element type).
        auto tensor = at::empty(t.shape, at::TensorOptions().dtype(dt));
        if (t.end > t.begin) std::memcpy(tensor.data_ptr(), f->data(t), t.end - t.begin);
        const bool is_float = tensor.is_floating_point();
        if (is_float) {
            tensor = to_float(tensor);
            check_finite(tensor, path, t.name);
        }
        raw.emplace_back(t.name, tensor);
    }
    LoadedWeights w;
    bool hf = false;
    for (const auto& [name, t] : raw) hf |= starts_with(name, "vision_model.") || starts_with(name, "text_model.");
    if (hf) {
        w.format = WeightFormat::SafetensorsHF;
        w.tensors = hf_to_openai(raw, path);
    } else {
        w.format = WeightFormat::SafetensorsOpenAI;
        w.tensors = std::move(raw);
    }
    return w;
}

const at::Tensor* find(const NamedTensors& t, const std::string& name) {
    for (const auto& [n, v] : t)
        if (n == name) return &v;
    return nullptr;
}

// HF suffix inside a layer -> OpenAI suffix inside a resblock.
const std::vector<std::pair<std::string, std::string>>& layer_map() {
    static const std::vector<std::pair<std::string, std::string>> m = {
        {"self_attn.out_proj.weight", "attn.out_proj.weight"},
        {"self_attn.out_proj.bias", "attn.out_proj.bias"},
        {"layer_norm1.weight", "ln_1.weight"},
        {"layer_norm1.bias", "ln_1.bias"},
        {"layer_norm2.weight", "ln_2.weight"},
        {"layer_norm2.bias", "ln_2.bias"},
        {"mlp.fc1.weight", "mlp.c_fc.weight"},
        {"mlp.fc1.bias", "mlp.c_fc.bias"},
        {"mlp.fc2.weight", "mlp.c_proj.weight"},
        {"mlp.fc2.bias", "mlp.c_proj.bias"},
    };
    return m;
}

const std::vector<std::pair<std::string, std::string>>& plain_map() {
    static const std::vector<std::pair<std::string, std::string>> m = {
        {"text_model.embeddings.token_embedding.weight", "token_embedding.weight"},
        {"text_model.embeddings.position_embedding.weight", "positional_embedding"},
        {"text_model.final_layer_norm.weight", "ln_final.weight"},
        {"text_model.final_layer_norm.bias", "ln_final.bias"},
        {"vision_model.embeddings.class_embedding", "visual.class_embedding"},
        {"vision_model.embeddings.patch_embedding.weight", "visual.conv1.weight"},
        {"vision_model.embeddings.position_embedding.weight", "visual.positional_embedding"},
        {"vision_model.pre_layrnorm.weight", "visual.ln_pre.weight"},
        {"vision_model.pre_layrnorm.bias", "visual.ln_pre.bias"},
        {"vision_model.post_layernorm.weight", "visual.ln_post.weight"},
        {"vision_model.post_layernorm.bias", "visual.ln_post.bias"},
        {"logit_scale", "logit_scale"},
    };
    return m;
}

} // namespace

const char* format_name(WeightFormat f) {
    switch (f) {
    case WeightFormat::TorchScript: return "openai-torchscript";
    case WeightFormat::SafetensorsOpenAI: return "safetensors-openclip";
    case WeightFormat::SafetensorsHF: return "safetensors-hf";
    }
    return "?";
}

LoadedWeights read_clip_weights(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw_model("CLIP model file " + path + " cannot be opened: " + std::strerror(errno));
    char magic[9] = {0};
    in.read(magic, 9);
    const auto got = in.gcount();
    in.close();
    if (got >= 4 && std::memcmp(magic, "PK\x03\x04", 4) == 0) return read_torchscript(path);
    if (got == 9 && magic[8] == '{') return read_safetensors(path);
    if (got >= 2 && static_cast<unsigned char>(magic[0]) == 0x80)
        throw_model(path + ": a legacy (non-zip) pickle checkpoint; CLIP models load from OpenAI's TorchScript "
                    ".pt archives or from .safetensors files");
    throw_model(path + ": not a CLIP model file (neither a TorchScript zip archive nor safetensors)");
}

NamedTensors hf_to_openai(const NamedTensors& hf, const std::string& origin) {
    NamedTensors out;
    std::map<std::string, std::map<std::string, at::Tensor>> qkv; // openai key -> {q,k,v} parts
    static const std::regex layer_re(R"(^(vision|text)_model\.encoder\.layers\.(\d+)\.(.+)$)");
    for (const auto& [name, t] : hf) {
        if (nn::is_ignored_key(name)) continue;
        std::smatch m;
        if (name == "visual_projection.weight") {
            out.emplace_back("visual.proj", t.t().contiguous());
            continue;
        }
        if (name == "text_projection.weight") {
            out.emplace_back("text_projection", t.t().contiguous());
            continue;
        }
        bool mapped = false;
        for (const auto& [h, o] : plain_map()) {
            if (name == h) {
                out.emplace_back(o, t);
                mapped = true;
                break;
            }
        }
        if (mapped) continue;
        if (std::regex_match(name, m, layer_re)) {
            const std::string prefix =
                (m[1] == "vision" ? "visual.transformer.resblocks." : "transformer.resblocks.") + m[2].str() + ".";
            const std::string rest = m[3];
            static const std::regex qkv_re(R"(^self_attn\.(q|k|v)_proj\.(weight|bias)$)");
            std::smatch q;
            if (std::regex_match(rest, q, qkv_re)) {
                qkv[prefix + "attn.in_proj_" + q[2].str()][q[1].str()] = t;
                continue;
            }
            for (const auto& [h, o] : layer_map()) {
                if (rest == h) {
                    out.emplace_back(prefix + o, t);
                    mapped = true;
                    break;
                }
            }
            if (mapped) continue;
        }
        out.emplace_back(name, t); // unknown: a strict load names it as unexpected
    }
    for (auto& [key, parts] : qkv) {
        for (const char* p : {"q", "k", "v"}) {
            if (!parts.count(p)) {
                throw_model(origin + ": Hugging Face layout: " + p + "_proj of '" + key +
                            "' is missing (q_proj, k_proj and v_proj must all be present)");
            }
        }
        const auto& q = parts["q"];
        if (!parts["k"].sizes().equals(q.sizes()) || !parts["v"].sizes().equals(q.sizes()))
            throw_model(origin + ": Hugging Face layout: q/k/v projections of '" + key + "' have different shapes " +
                        shape_str(q.sizes()) + ", " + shape_str(parts["k"].sizes()) + ", " + shape_str(parts["v"].sizes()));
        out.emplace_back(key, at::cat({q, parts["k"], parts["v"]}, 0));
    }
    return out;
}

NamedTensors openai_to_hf(const NamedTensors& sd) {
    NamedTensors out;
    static const std::regex block_re(R"(^(visual\.)?transformer\.resblocks\.(\d+)\.(.+)$)");
    for (const auto& [name, t] : sd) {
        if (name == "visual.proj") {
            out.emplace_back("visual_projection.weight", t.t().contiguous());
            continue;
        }
        if (name == "text_projection") {
            out.emplace_back("text_projection.weight", t.t().contiguous());
            continue;
        }
        bool mapped = false;
        for (const auto& [h, o] : plain_map()) {
            if (name == o) {
                out.emplace_back(h, t);
                mapped = true;
                break;
            }
        }
        if (mapped) continue;
        std::smatch m;
        if (std::regex_match(name, m, block_re)) {
            const std::string prefix =
                std::string(m[1].matched ? "vision_model" : "text_model") + ".encoder.layers." + m[2].str() + ".";
            const std::string rest = m[3];
            if (rest == "attn.in_proj_weight" || rest == "attn.in_proj_bias") {
                const std::string kind = rest == "attn.in_proj_weight" ? "weight" : "bias";
                auto parts = t.chunk(3, 0);
                out.emplace_back(prefix + "self_attn.q_proj." + kind, parts[0].contiguous());
                out.emplace_back(prefix + "self_attn.k_proj." + kind, parts[1].contiguous());
                out.emplace_back(prefix + "self_attn.v_proj." + kind, parts[2].contiguous());
                continue;
            }
            for (const auto& [h, o] : layer_map()) {
                if (rest == o) {
                    out.emplace_back(prefix + h, t);
                    mapped = true;
                    break;
                }
            }
            if (mapped) continue;
        }
        out.emplace_back(name, t);
    }
    return out;
}

ClipConfig infer_config(const NamedTensors& sd, const std::string& origin) {
    auto need = [&](const std::string& key, int64_t dims) -> const at::Tensor& {
        const at::Tensor* t = find(sd, key);
        if (!t) throw_model(origin + ": not a CLIP checkpoint: tensor '" + key + "' is missing");
        if (t->dim() != dims)
            throw_model(origin + ": tensor '" + key + "' has shape " + shape_str(t->sizes()) + ", expected " +
                        std::to_string(dims) + " dimensions");
        return *t;
    };
    auto count_distinct = [&](const std::string& prefix) {
        std::set<std::string> ids;
        for (const auto& [n, t] : sd) {
            if (!starts_with(n, prefix)) continue;
            auto rest = n.substr(prefix.size());
            auto dot = rest.find('.');
            if (dot != std::string::npos) ids.insert(rest.substr(0, dot));
        }
        return static_cast<int>(ids.size());
    };
    ClipConfig c;
    c.vit = find(sd, "visual.proj") != nullptr;
    if (c.vit) {
        const auto& conv = need("visual.conv1.weight", 4);
        c.vision_width = static_cast<int>(conv.size(0));
        c.vision_patch_size = static_cast<int>(conv.size(-1));
        c.vision_layers = count_distinct("visual.transformer.resblocks.");
        const auto& pos = need("visual.positional_embedding", 2);
        c.grid = static_cast<int>(std::lround(std::sqrt(static_cast<double>(pos.size(0) - 1))));
        if (static_cast<int64_t>(c.grid) * c.grid + 1 != pos.size(0))
            throw_model(origin + ": visual.positional_embedding has " + std::to_string(pos.size(0)) +
                        " rows, not a square grid plus the class token");
        c.image_resolution = c.vision_patch_size * c.grid;
        if (c.vision_layers < 1) throw_model(origin + ": no visual.transformer.resblocks.* tensors");
        c.vision_heads = c.vision_width / 64;
    } else {
        c.vision_layers_rn.clear();
        for (int b = 1; b <= 4; ++b) {
            int n = count_distinct("visual.layer" + std::to_string(b) + ".");
            if (n < 1)
                throw_model(origin + ": not a CLIP checkpoint: neither 'visual.proj' (ViT) nor 'visual.layer" +
                            std::to_string(b) + ".*' (ResNet) tensors are present");
            c.vision_layers_rn.push_back(n);
        }
        c.vision_layers = 0;
        for (int n : c.vision_layers_rn) c.vision_layers += n;
        c.vision_width = static_cast<int>(need("visual.layer1.0.conv1.weight", 4).size(0));
        const auto& pos = need("visual.attnpool.positional_embedding", 2);
        c.grid = static_cast<int>(std::lround(std::sqrt(static_cast<double>(pos.size(0) - 1))));
        if (static_cast<int64_t>(c.grid) * c.grid + 1 != pos.size(0))
            throw_model(origin + ": visual.attnpool.positional_embedding has " + std::to_string(pos.size(0)) +
                        " rows, not a square grid plus the mean token");
        c.image_resolution = c.grid * 32;
        c.vision_patch_size = 32;
        c.vision_heads = c.vision_width * 32 / 64;
    }
    c.embed_dim = static_cast<int>(need("text_projection", 2).size(1));
    c.context_length = static_cast<int>(need("positional_embedding", 2).size(0));
    c.vocab_size = static_cast<int>(need("token_embedding.weight", 2).size(0));
    c.transformer_width = static_cast<int>(need("ln_final.weight", 1).size(0));
    c.transformer_heads = c.transformer_width / 64;
    c.transformer_layers = count_distinct("transformer.resblocks.");
    if (c.vision_heads < 1 || c.transformer_heads < 1)
        throw_model(origin + ": widths (vision " + std::to_string(c.vision_width) + ", text " +
                    std::to_string(c.transformer_width) + ") must be multiples of 64 (CLIP's heads = width / 64)");
    if (c.transformer_layers < 1) throw_model(origin + ": no transformer.resblocks.* tensors");
    if (c.grid < 1) throw_model(origin + ": empty patch grid");
    return c;
}

void assign_weights(torch::nn::Module& module, const NamedTensors& tensors, const std::string& origin) {
    std::map<std::string, const at::Tensor*> src;
    for (const auto& [n, t] : tensors) src[n] = &t;
    std::vector<std::string> missing, misshaped, unexpected;
    std::set<std::string> used;
    std::vector<std::pair<at::Tensor, const at::Tensor*>> copies;
    auto visit = [&](const std::string& name, const at::Tensor& dst) {
        if (nn::is_ignored_key(name)) return;
        auto it = src.find(name);
        if (it == src.end()) {
            missing.push_back(name);
            return;
        }
        used.insert(name);
        if (!it->second->sizes().equals(dst.sizes())) {
            misshaped.push_back(name + " (file " + shape_str(it->second->sizes()) + ", expected " +
                                shape_str(dst.sizes()) + ")");
            return;
        }
        copies.emplace_back(dst, it->second);
    };
    for (const auto& p : module.named_parameters(true)) visit(p.key(), p.value());
    for (const auto& b : module.named_buffers(true)) visit(b.key(), b.value());
    for (const auto& [n, t] : tensors)
        if (!used.count(n) && !nn::is_ignored_key(n)) unexpected.push_back(n);
    if (!missing.empty() || !misshaped.empty() || !unexpected.empty()) {
        std::string msg = origin + ": the tensors do not match the CLIP architecture inferred from their shapes";
        if (!missing.empty()) msg += "; missing: " + list(missing);
        if (!misshaped.empty()) msg += "; wrong shape: " + list(misshaped);
        if (!unexpected.empty()) msg += "; unexpected: " + list(unexpected);
        throw_model(msg);
    }
    at::NoGradGuard no_grad;
    for (auto& [dst, s] : copies) {
        auto d = dst;
        // A float32 tensor that owns exactly its storage becomes the parameter itself (shared, not
        // copied): loading then holds one copy of the weights, not two. Anything else is copied.
        const bool share = s->scalar_type() == d.scalar_type() && s->is_contiguous() && s->storage_offset() == 0 &&
                           s->storage().nbytes() == s->nbytes() && !s->is_inference();
        if (share) d.set_data(*s);
        else d.copy_(*s);
    }
    for (auto& p : module.parameters(true)) p.set_requires_grad(false);
}

} // namespace hoi::clip
