#include "clip/clip_model.h"

#include "clip/clip_modules.h"
#include "clip/sha256.h"
#include "clip/weights.h"
#include "io/error.h"
#include "io/resources.h"

#include <cstdlib>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <filesystem>
#include <mutex>
#include <optional>

namespace hoi::clip {

struct ClipModel::Impl {
    ClipConfig config;
    nn::ClipNet net{nullptr};
    std::string path;        // file, or the origin of a from_state_dict model
    bool from_file = false;
    mutable std::once_flag checksum_once;
    mutable std::string checksum;
};

ClipModel::ClipModel(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ClipModel::~ClipModel() = default;

// Takes the tensors: once they are assigned, the parameters hold the only references, so packing
// frees each float32 matrix as it goes (peak: the float32 weights plus one packed matrix).
static std::unique_ptr<ClipModel::Impl> build(NamedTensors&& tensors, const std::string& origin) {
    auto impl = std::make_unique<ClipModel::Impl>();
    impl->config = infer_config(tensors, origin);
    impl->net = nn::ClipNet(impl->config);
    assign_weights(*impl->net, tensors, origin);
    NamedTensors().swap(tensors);
    nn::pack_for_inference(*impl->net);
#ifdef __GLIBC__
    // The released float32 matrices (1-9 MB each) leave holes in malloc's heap that it keeps
    // mapped: a ViT-B/32 holds 916 MiB resident after packing without this, 507 MiB with it.
    malloc_trim(0);
#endif
    impl->net->eval();
    impl->path = origin;
    return impl;
}

std::shared_ptr<ClipModel> ClipModel::load(const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec))
        throw_model("CLIP model file " + path + " does not exist or is not a file");
    auto weights = read_clip_weights(path);
    std::unique_ptr<ClipModel::Impl> impl;
    try {
        impl = build(std::move(weights.tensors), path);
    } catch (const Error&) {
        throw;
    } catch (const std::exception& e) { // a LibTorch check on tensors the file made: a model problem
        throw_model(path + ": cannot build the CLIP model from its tensors: " + library_message(e));
    }
    impl->from_file = true;
    return std::shared_ptr<ClipModel>(new ClipModel(std::move(impl)));
}

std::shared_ptr<ClipModel> ClipModel::from_state_dict(const std::vector<std::pair<std::string, at::Tensor>>& tensors,
                                                      const std::string& origin) {
    return from_state_dict(NamedTensors(tensors), origin);
}

std::shared_ptr<ClipModel> ClipModel::from_state_dict(std::vector<std::pair<std::string, at::Tensor>>&& tensors,
                                                      const std::string& origin) {
    for (auto& [n, t] : tensors)
        if (t.is_floating_point()) t = t.to(at::kFloat).contiguous();
    return std::shared_ptr<ClipModel>(new ClipModel(build(std::move(tensors), origin)));
}

const ClipConfig& ClipModel::config() const { return impl_->config; }
int ClipModel::input_size() const { return impl_->config.image_resolution; }
int ClipModel::embed_dim() const { return impl_->config.embed_dim; }
float ClipModel::logit_scale() const { return std::exp(impl_->net->logit_scale.item<float>()); }
const std::string& ClipModel::path() const { return impl_->path; }

size_t ClipModel::image_matrix_bytes() const {
    if (impl_->net->visual_vit) return nn::matrix_bytes(*impl_->net->visual_vit->transformer);
    size_t bytes = 0; // ModifiedResNet: its convolution kernels and attnpool's matrices (float32)
    for (const auto& p : impl_->net->visual_rn->parameters())
        if (p.dim() >= 2) bytes += p.nbytes();
    return bytes;
}
size_t ClipModel::text_matrix_bytes() const { return nn::matrix_bytes(*impl_->net->transformer); }

std::string ClipModel::checksum() const {
    std::call_once(impl_->checksum_once, [this] {
        if (impl_->from_file) {
            impl_->checksum = sha256_file(impl_->path);
            return;
        }
        // In-memory model: the digest of its tensors (names, shapes, float32 bytes).
        Sha256 h;
        nn::for_each_dense_parameter(*impl_->net, [&](const std::string& name, const at::Tensor& value) {
            h.update(name);
            for (auto s : value.sizes()) h.update(&s, sizeof(s));
            auto c = value.contiguous();
            h.update(c.data_ptr(), c.numel() * c.element_size());
        });
        impl_->checksum = h.hex();
    });
    return impl_->checksum;
}

static void check_image(const at::Tensor& image, int size, int64_t dims) {
    if (!image.defined() || image.dim() != dims || image.size(dims - 3) != 3 || image.size(dims - 2) != size ||
        image.size(dims - 1) != size) {
        std::string got = "undefined";
        if (image.defined()) {
            got = "[";
            for (int64_t i = 0; i < image.dim(); ++i) got += (i ? ", " : "") + std::to_string(image.size(i));
            got += "]";
        }
        throw_input("CLIP image input has shape " + got + ", expected " + (dims == 4 ? "[B, " : "[") + "3, " +
                    std::to_string(size) + ", " + std::to_string(size) + "] (preprocess to the model's input size)");
    }
}

static ImageFeatures to_features(nn::VisionOut&& o) {
    ImageFeatures f;
    f.embedding = o.embedding.select(0, 0);
    f.last_block_input = o.last_block_input.select(0, 0);
    f.tokens = o.tokens.select(0, 0);
    f.tokens_proj = o.tokens_proj.select(0, 0);
    f.grid_h = o.grid_h;
    f.grid_w = o.grid_w;
    for (auto& a : o.attentions) f.attentions.push_back(a.select(0, 0));
    return f;
}

ImageFeatures ClipModel::encode_image(const at::Tensor& image, bool with_attention) const {
    check_image(image, input_size(), 3);
    at::InferenceMode guard;
    auto x = image.to(at::kFloat).contiguous().unsqueeze(0);
    const auto rec = with_attention ? nn::AttnRecord::Weights : nn::AttnRecord::None;
    auto o = impl_->config.vit ? impl_->net->visual_vit->forward(x, true, rec) : impl_->net->visual_rn->forward(x, true, rec);
    return to_features(std::move(o));
}

at::Tensor ClipModel::encode_images(const at::Tensor& images) const {
    check_image(images, input_size(), 4);
    at::InferenceMode guard;
    auto x = images.to(at::kFloat).contiguous();
    auto o = impl_->config.vit ? impl_->net->visual_vit->forward(x, false) : impl_->net->visual_rn->forward(x, false);
    return o.embedding;
}

ImageFeatures ClipModel::encode_image_grad(const at::Tensor& image) const {
    if (c10::InferenceMode::is_enabled())
        throw Error(ErrorKind::Internal, "ClipModel::encode_image_grad called inside an at::InferenceMode scope");
    check_image(image, input_size(), 3);
    at::AutoGradMode grad(true);
    // The graph's root: a copy of the image that requires grad (the weights never do).
    auto x = image.detach().to(at::kFloat).contiguous().unsqueeze(0).clone().requires_grad_(true);
    auto o = impl_->config.vit ? impl_->net->visual_vit->forward(x, true, nn::AttnRecord::Graph)
                               : impl_->net->visual_rn->forward(x, true, nn::AttnRecord::Graph);
    ImageFeatures f;
    f.embedding = o.embedding.select(0, 0);
    f.last_block_input = o.last_block_input.select(0, 0);
    f.tokens = o.tokens.select(0, 0);
    f.tokens_proj = o.tokens_proj.select(0, 0);
    f.grid_h = o.grid_h;
    f.grid_w = o.grid_w;
    // The recorded tensors are [H, T, T] graph tensors consumed by the pass (retain_grad() called).
    f.attentions = std::move(o.attentions);
    return f;
}

at::Tensor ClipModel::encode_text(const std::vector<std::vector<int>>& tokens, bool cut_to_longest) const {
    return encode_text(tokens, at::Tensor(), cut_to_longest);
}

at::Tensor ClipModel::encode_text(const std::vector<std::vector<int>>& tokens, const at::Tensor& residual,
                                  bool cut_to_longest) const {
    const auto& c = impl_->config;
    const int64_t B = static_cast<int64_t>(tokens.size());
    if (B == 0) return at::zeros({0, c.embed_dim});
    std::vector<int64_t> eot(static_cast<size_t>(B), 0);
    int64_t longest = 1;
    for (int64_t b = 0; b < B; ++b) {
        const auto& t = tokens[static_cast<size_t>(b)];
        if (t.empty()) throw_input("prompt " + std::to_string(b) + " has no tokens");
        if (static_cast<int64_t>(t.size()) > c.context_length)
            throw_input("prompt " + std::to_string(b) + " has " + std::to_string(t.size()) +
                        " tokens, more than the model's context length " + std::to_string(c.context_length));
        int best = -1;
        for (size_t i = 0; i < t.size(); ++i) {
            if (t[i] < 0 || t[i] >= c.vocab_size)
                throw_input("prompt " + std::to_string(b) + " has token id " + std::to_string(t[i]) +
                            " outside the vocabulary [0, " + std::to_string(c.vocab_size) + ")");
            if (t[i] > best) {
                best = t[i];
                eot[static_cast<size_t>(b)] = static_cast<int64_t>(i);
            }
        }
        longest = std::max(longest, eot[static_cast<size_t>(b)] + 1);
    }
    const int64_t L = cut_to_longest ? longest : c.context_length;
    auto ids = at::zeros({B, L}, at::kLong);
    auto acc = ids.accessor<int64_t, 2>();
    for (int64_t b = 0; b < B; ++b) {
        const auto& t = tokens[static_cast<size_t>(b)];
        const int64_t n = std::min<int64_t>(L, static_cast<int64_t>(t.size()));
        for (int64_t i = 0; i < n; ++i) acc[b][i] = t[static_cast<size_t>(i)];
    }
    auto eot_t = at::tensor(eot, at::kLong);
    at::Tensor res;
    if (residual.defined()) {
        if (residual.dim() != 3 || residual.size(0) != B || residual.size(1) > c.context_length ||
            residual.size(2) != c.transformer_width)
            throw_input("encode_text: the token residual must be [" + std::to_string(B) + ", <= " +
                        std::to_string(c.context_length) + ", " + std::to_string(c.transformer_width) + "]");
        res = at::zeros({B, L, c.transformer_width});
        const int64_t n = std::min<int64_t>(L, residual.size(1));
        res.narrow(1, 0, n).copy_(residual.narrow(1, 0, n));
    }
    // A residual that requires grad (prompt-context training) keeps the graph: the result is
    // differentiable with respect to it (CLIP's own weights never require grad).
    const bool graph = res.defined() && residual.requires_grad() && at::GradMode::is_enabled() &&
                       !c10::InferenceMode::is_enabled();
    std::optional<at::InferenceMode> guard;
    if (!graph) guard.emplace();
    return impl_->net->encode_text(ids, eot_t, res);
}

TextPrefixCache& ClipModel::text_states() const { return *impl_->net->text_prefixes; }

MaskedQueries ClipModel::encode_masked_queries(const ImageFeatures& f, const at::Tensor& masks) const {
    if (!f.last_block_input.defined()) throw_input("encode_masked_queries: the image features are empty");
    const int64_t N = static_cast<int64_t>(f.grid_h) * f.grid_w;
    if (!masks.defined() || masks.dim() != 2 || masks.size(1) != N)
        throw_input("encode_masked_queries: masks must be [Q, " + std::to_string(N) + "] over the " +
                    std::to_string(f.grid_h) + "x" + std::to_string(f.grid_w) + " patch grid");
    const bool graph = f.last_block_input.requires_grad() && !c10::InferenceMode::is_enabled();
    std::optional<at::InferenceMode> guard;
    if (!graph) guard.emplace();
    auto m = masks.to(at::kBool);
    if (masks.size(0) == 0) {
        MaskedQueries r;
        const int heads = impl_->config.vision_heads;
        r.features = at::zeros({0, impl_->config.embed_dim});
        r.attention = at::zeros({0, heads, N});
        r.self_attention = at::zeros({0, heads});
        return r;
    }
    if (impl_->config.vit) return impl_->net->visual_vit->masked_queries(f.last_block_input, m);
    return impl_->net->visual_rn->attnpool->masked_queries(f.last_block_input, m);
}

std::string ClipConfig::name() const {
    if (vit && vision_width == 768 && vision_layers == 12 && transformer_width == 512 && embed_dim == 512) {
        if (vision_patch_size == 32 && image_resolution == 224) return "ViT-B/32";
        if (vision_patch_size == 16 && image_resolution == 224) return "ViT-B/16";
    }
    if (vit && vision_width == 1024 && vision_layers == 24 && vision_patch_size == 14)
        return image_resolution == 336 ? "ViT-L/14@336px" : "ViT-L/14";
    if (!vit && vision_layers_rn == std::vector<int>{3, 4, 6, 3} && vision_width == 64) return "RN50";
    if (!vit && vision_layers_rn == std::vector<int>{3, 4, 23, 3} && vision_width == 64) return "RN101";
    if (vit)
        return "ViT-W" + std::to_string(vision_width) + "-L" + std::to_string(vision_layers) + "-P" +
               std::to_string(vision_patch_size) + "-R" + std::to_string(image_resolution);
    std::string s = "RN-W" + std::to_string(vision_width) + "-";
    for (size_t i = 0; i < vision_layers_rn.size(); ++i) s += (i ? "." : "") + std::to_string(vision_layers_rn[i]);
    return s + "-R" + std::to_string(image_resolution);
}

std::string resolve_clip_path(const std::string& cli_value, const std::string& gui_setting) {
    if (!cli_value.empty()) return cli_value;
    if (const char* env = std::getenv("HOI_CLIP"); env && *env) return env;
    if (!gui_setting.empty()) return gui_setting;
    std::error_code ec;
    auto def = std::filesystem::path(io::models_dir()) / "ViT-B-32.pt";
    if (std::filesystem::is_regular_file(def, ec)) return def.string();
    return "";
}

} // namespace hoi::clip
