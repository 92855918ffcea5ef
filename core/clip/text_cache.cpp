#include "clip/text_cache.h"

#include "clip/clip_model.h"
#include "clip/tokenizer.h"
#include "io/error.h"
#include "io/safetensors.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>

namespace fs = std::filesystem;

namespace hoi::clip {

TextEmbeddingCache::TextEmbeddingCache(std::shared_ptr<const ClipModel> model, std::string dir, bool persistent)
    : model_(std::move(model)), persistent_(persistent) {
    if (!model_) throw Error(ErrorKind::Internal, "TextEmbeddingCache needs a model");
    if (persistent_) {
        if (dir.empty()) dir = default_dir();
        file_ = (fs::path(dir) / ("text-" + model_->checksum() + ".safetensors")).string();
    }
}

std::string TextEmbeddingCache::default_dir() {
    auto env = [](const char* n) {
        const char* v = std::getenv(n);
        return v ? std::string(v) : std::string();
    };
    if (auto v = env("HOI_TEXT_CACHE"); !v.empty()) return v;
    if (auto v = env("HOI_MODELS"); !v.empty()) return v + "/cache";
    if (auto v = env("XDG_CACHE_HOME"); !v.empty()) return v + "/hoi-studio";
    return env("HOME") + "/.cache/hoi-studio";
}

size_t TextEmbeddingCache::size() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return map_.size();
}

TextEmbeddingCache::~TextEmbeddingCache() {
    try {
        flush();
    } catch (...) {
    }
}

void TextEmbeddingCache::flush() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (unsaved_ > 0) save_file();
}

void TextEmbeddingCache::clear_memory() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (unsaved_ > 0) save_file();
    map_.clear();
    texts_.clear();
    loaded_ = false;
}

void TextEmbeddingCache::load_file() {
    loaded_ = true;
    if (!persistent_) return;
    std::error_code ec;
    if (!fs::exists(file_, ec)) return;
    auto warn = [&](const std::string& why) {
        std::cerr << "warning: ignoring the text-embedding cache " << file_ << ": " << why << std::endl;
    };
    try {
        auto f = io::SafetensorsFile::open(file_);
        const auto& md = f->metadata();
        auto m = md.find("model");
        if (m == md.end() || m->second != model_->checksum()) return warn("it belongs to another model");
        auto tx = md.find("texts");
        if (tx == md.end()) return warn("no prompt list in its metadata");
        auto texts = nlohmann::json::parse(tx->second);
        const auto* t = f->find("embeddings");
        const int64_t D = model_->embed_dim();
        if (!texts.is_array() || !t || t->dtype != io::StDtype::F32 || t->shape.size() != 2 ||
            t->shape[0] != static_cast<int64_t>(texts.size()) || t->shape[1] != D)
            return warn("its embeddings do not match its prompt list or the model's embedding size");
        auto e = at::empty({t->shape[0], D});
        if (t->end > t->begin) std::memcpy(e.data_ptr(), f->data(*t), t->end - t->begin);
        if (!at::isfinite(e).all().item<bool>()) return warn("it holds non-finite values");
        for (size_t i = 0; i < texts.size(); ++i) {
            if (!texts[i].is_string()) return warn("a prompt in its metadata is not a string");
        }
        for (size_t i = 0; i < texts.size(); ++i) {
            auto s = texts[i].get<std::string>();
            if (map_.emplace(s, e[static_cast<int64_t>(i)].clone()).second) texts_.push_back(s);
        }
    } catch (const std::exception& e) {
        warn(e.what());
    }
}

void TextEmbeddingCache::save_file() {
    unsaved_ = 0;
    if (!persistent_) return;
    const int64_t D = model_->embed_dim();
    auto all = at::empty({static_cast<int64_t>(texts_.size()), D});
    nlohmann::json texts = nlohmann::json::array();
    for (size_t i = 0; i < texts_.size(); ++i) {
        all[static_cast<int64_t>(i)].copy_(map_.at(texts_[i]));
        texts.push_back(texts_[i]);
    }
    io::StTensorOut o;
    o.name = "embeddings";
    o.dtype = io::StDtype::F32;
    o.shape = {all.size(0), D};
    o.bytes = std::string_view(static_cast<const char*>(all.data_ptr()), static_cast<size_t>(all.numel()) * 4);
    try {
        std::error_code ec;
        fs::create_directories(fs::path(file_).parent_path(), ec);
        io::write_safetensors(file_, {o}, {{"model", model_->checksum()}, {"texts", texts.dump()}, {"format", "hoi-text-cache-1"}});
    } catch (const std::exception& e) {
        // A cache that cannot be written only costs time next run.
        std::cerr << "warning: could not write the text-embedding cache " << file_ << ": " << e.what() << std::endl;
    }
}

at::Tensor TextEmbeddingCache::embed(const std::vector<std::string>& prompts, const Progress& progress) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!loaded_) load_file();
    std::vector<std::string> todo;
    std::unordered_map<std::string, int> pending;
    for (const auto& p : prompts) {
        if (map_.count(p)) {
            ++hits_;
        } else if (!pending.count(p)) {
            pending[p] = static_cast<int>(todo.size());
            todo.push_back(p);
            ++misses_;
        }
    }
    if (!todo.empty()) {
        const auto& tok = Tokenizer::instance();
        const int ctx = model_->config().context_length;
        try {
            for (size_t i = 0; i < todo.size(); ++i) {
                // One prompt per forward (see the header): batching would make the bits depend on
                // the batch. A one-prompt forward reads the weights at the memory's speed.
                auto e = model_->encode_text({tok.tokenize(todo[i], ctx)}, true);
                map_.emplace(todo[i], e[0].clone());
                texts_.push_back(todo[i]);
                if (progress) progress(i + 1, todo.size());
            }
        } catch (...) {
            save_file();
            throw;
        }
        // A prompt or two typed in the GUI is not worth rewriting the file for each time (it would
        // double a re-query); they are saved with the next larger batch, by flush(), or on exit.
        unsaved_ += todo.size();
        if (unsaved_ >= kSaveEvery) save_file();
    }
    auto out = at::empty({static_cast<int64_t>(prompts.size()), model_->embed_dim()});
    for (size_t i = 0; i < prompts.size(); ++i) out[static_cast<int64_t>(i)].copy_(map_.at(prompts[i]));
    return out;
}

} // namespace hoi::clip
