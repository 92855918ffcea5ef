#include "hoi/learnable_head.h"

#include "io/error.h"
#include "io/safetensors.h"

#include <torch/torch.h>

#include <cmath>
#include <cstring>
#include <map>
#include <regex>
#include <set>

namespace hoi::model {

namespace {
std::string shape_str(const std::vector<int64_t>& s) {
    std::string o = "[";
    for (size_t i = 0; i < s.size(); ++i) o += (i ? ", " : "") + std::to_string(s[i]);
    return o + "]";
}
} // namespace

LearnableHead::LearnableHead(const HeadShape& s) : shape_(s) {
    auto gen = at::make_generator<at::CPUGeneratorImpl>(20231212);
    const double std1 = std::sqrt(2.0 / std::max(1, s.spatial_dims));
    fc1_w_ = at::normal(0.0, std1, {s.hidden, s.spatial_dims}, gen);
    fc1_b_ = torch::zeros({s.hidden});
    fc2_w_ = torch::zeros({s.embed_dim, s.hidden});
    fc2_b_ = torch::zeros({s.embed_dim});
    const double stdd = 1.0 / std::sqrt(static_cast<double>(s.embed_dim));
    for (int l = 0; l < s.decoder_layers; ++l) {
        Layer L;
        L.q = at::normal(0.0, stdd, {s.embed_dim, s.embed_dim}, gen);
        L.k = at::normal(0.0, stdd, {s.embed_dim, s.embed_dim}, gen);
        L.v = at::normal(0.0, stdd, {s.embed_dim, s.embed_dim}, gen);
        L.out = torch::zeros({s.embed_dim, s.embed_dim});
        L.out_b = torch::zeros({s.embed_dim});
        layers_.push_back(L);
    }
    prefix_ = torch::zeros({s.prefix_tokens, s.text_width});
    conjun_ = torch::zeros({s.conjun_tokens, s.text_width});
}

std::vector<std::pair<std::string, at::Tensor>> LearnableHead::named_tensors() const {
    std::vector<std::pair<std::string, at::Tensor>> t = {
        {"interactor.fc1.weight", fc1_w_}, {"interactor.fc1.bias", fc1_b_},
        {"interactor.fc2.weight", fc2_w_}, {"interactor.fc2.bias", fc2_b_}};
    for (size_t l = 0; l < layers_.size(); ++l) {
        const std::string p = "decoder.layers." + std::to_string(l) + ".";
        t.push_back({p + "q.weight", layers_[l].q});
        t.push_back({p + "k.weight", layers_[l].k});
        t.push_back({p + "v.weight", layers_[l].v});
        t.push_back({p + "out.weight", layers_[l].out});
        t.push_back({p + "out.bias", layers_[l].out_b});
    }
    t.push_back({"prompt.prefix", prefix_});
    t.push_back({"prompt.conjun", conjun_});
    if (sigmoid_) {
        t.push_back({"scoring.logit_scale", score_scale_});
        t.push_back({"scoring.bias", score_bias_});
    }
    return t;
}

void LearnableHead::enable_sigmoid(float log_scale, float bias) {
    sigmoid_ = true;
    score_scale_ = torch::full({1}, log_scale);
    score_bias_ = torch::full({1}, bias);
}

LearnableHead LearnableHead::load(const std::string& path, const HeadShape& shape_in) {
    auto file = io::SafetensorsFile::open(path);
    HeadShape shape = shape_in;
    // Decoder layer count and token counts from the file.
    int layers = 0;
    const std::regex layer_re(R"(decoder\.layers\.(\d+)\..*)");
    for (const auto& t : file->tensors()) {
        std::smatch m;
        if (std::regex_match(t.name, m, layer_re)) layers = std::max(layers, std::stoi(m[1].str()) + 1);
    }
    shape.decoder_layers = layers;
    if (const auto* p = file->find("prompt.prefix"); p && p->shape.size() == 2)
        shape.prefix_tokens = static_cast<int>(p->shape[0]);
    if (const auto* c = file->find("prompt.conjun"); c && c->shape.size() == 2)
        shape.conjun_tokens = static_cast<int>(c->shape[0]);
    if (const auto* f = file->find("interactor.fc1.weight"); f && f->shape.size() == 2)
        shape.hidden = static_cast<int>(f->shape[0]);

    LearnableHead head(shape);
    head.metadata_ = file->metadata();
    const auto sc = head.metadata_.find("scoring");
    if (sc != head.metadata_.end() && sc->second != "sigmoid" && sc->second != "softmax")
        throw_model(path + ": unknown scoring '" + sc->second + "' (expected sigmoid or softmax)");
    if ((sc != head.metadata_.end() && sc->second == "sigmoid") || file->find("scoring.bias"))
        head.enable_sigmoid(0, 0);
    auto expected = head.named_tensors();
    std::set<std::string> names;
    for (auto& [name, tensor] : expected) {
        names.insert(name);
        const auto* info = file->find(name);
        if (!info) throw_model(path + ": missing tensor '" + name + "' (expected shape " +
                               shape_str(tensor.sizes().vec()) + ")");
        if (info->dtype != io::StDtype::F32)
            throw_model(path + ": tensor '" + name + "' has dtype " + io::dtype_name(info->dtype) + ", expected F32");
        if (info->shape != tensor.sizes().vec())
            throw_model(path + ": tensor '" + name + "' has shape " + shape_str(info->shape) + ", expected " +
                        shape_str(tensor.sizes().vec()));
        std::memcpy(tensor.data_ptr<float>(), file->data(*info), static_cast<size_t>(info->numel()) * sizeof(float));
        if (!torch::isfinite(tensor).all().item<bool>())
            throw_model(path + ": tensor '" + name + "' contains NaN or infinite values");
    }
    for (const auto& t : file->tensors())
        if (!names.count(t.name)) throw_model(path + ": unexpected tensor '" + t.name + "'");
    head.trained_ = true;
    return head;
}

void LearnableHead::save(const std::string& path, const std::map<std::string, std::string>& metadata) const {
    auto named = named_tensors();
    std::vector<io::StTensorOut> out;
    std::vector<at::Tensor> keep;
    for (auto& [name, t] : named) {
        keep.push_back(t.detach().contiguous());
        const auto& c = keep.back();
        out.push_back({name, io::StDtype::F32, c.sizes().vec(),
                       std::string_view(reinterpret_cast<const char*>(c.data_ptr<float>()),
                                        static_cast<size_t>(c.numel()) * sizeof(float))});
    }
    std::map<std::string, std::string> meta = metadata;
    meta["format"] = "hoi-studio-head";
    meta["scoring"] = sigmoid_ ? "sigmoid" : "softmax";
    io::write_safetensors(path, out, meta);
}

namespace {
bool all_zero(const at::Tensor& t) { return !t.ne(0).any().item<bool>(); }
} // namespace

bool LearnableHead::residuals_are_zero() const {
    if (!all_zero(fc2_w_) || !all_zero(fc2_b_)) return false;
    for (const auto& L : layers_)
        if (!all_zero(L.out) || !all_zero(L.out_b)) return false;
    return true;
}

at::Tensor LearnableHead::apply(const at::Tensor& pair, const at::Tensor& spatial, const at::Tensor& patches) const {
    at::Tensor x = pair;
    if (pair.size(0) == 0) return x;
    // Every branch ends in a zero matrix and a zero bias (an untrained head, as every engine has
    // until one is trained): for finite features each adds exactly +0 (a zero bias plus finite
    // values times 0), so the result is pair + 0, without the branches' products (1.6 ms of a
    // 32-pair image's 6 ms pair stage). Not while training, which needs the graph through them.
    bool graph = false;
    if (at::GradMode::is_enabled()) {
        graph = pair.requires_grad() || spatial.requires_grad();
        for (const auto& [name, t] : named_tensors()) graph = graph || t.requires_grad();
    }
    if (!graph && residuals_are_zero()) return pair + 0.0;
    // Interactor: x + fc2(relu(fc1(spatial))).
    auto h = torch::relu(torch::addmm(fc1_b_, spatial, fc1_w_.t()));
    x = x + torch::addmm(fc2_b_, h, fc2_w_.t());
    // Decoder layers: single-query cross-attention to the patch tokens.
    const double scale = 1.0 / std::sqrt(static_cast<double>(shape_.embed_dim));
    for (const auto& L : layers_) {
        auto q = torch::mm(x, L.q.t());
        auto k = torch::mm(patches, L.k.t());
        auto v = torch::mm(patches, L.v.t());
        auto a = torch::softmax(torch::mm(q, k.t()) * scale, -1);
        x = x + torch::addmm(L.out_b, torch::mm(a, v), L.out.t());
    }
    return x;
}

bool LearnableHead::prompt_context_size_mismatch(int text_width) const {
    return prefix_.size(1) != text_width || conjun_.size(1) != text_width;
}

bool LearnableHead::prompt_context_is_zero() const {
    return all_zero(prefix_) && all_zero(conjun_);
}

} // namespace hoi::model
