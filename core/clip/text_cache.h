#pragma once
// Text-embedding cache: prompt text -> projected text embedding (not normalised), in memory and on
// disk, keyed by the model's checksum, so the 600 HICO-DET prompts are encoded once per model, not
// once per run. The disk file is a safetensors file (<dir>/text-<checksum>.safetensors: one F32
// [N, D] tensor, the prompts and the model checksum in its metadata), rewritten atomically when new
// prompts were encoded (at once for 16 or more, else with later ones, by flush() or on destruction).
// A file that is corrupt, of another model or inconsistent is ignored with a
// warning on stderr (and replaced on the next save), never trusted.
#include <ATen/core/Tensor.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace hoi::clip {

class ClipModel;

class TextEmbeddingCache {
public:
    // dir: where the cache file lives; "" = default_dir(). persistent=false keeps it in memory only.
    explicit TextEmbeddingCache(std::shared_ptr<const ClipModel> model, std::string dir = "", bool persistent = true);

    // $HOI_TEXT_CACHE, else $HOI_MODELS/cache, else $XDG_CACHE_HOME/hoi-studio (~/.cache/hoi-studio).
    static std::string default_dir();

    // Called after each newly encoded prompt (done of total); it may throw to cancel (what was
    // encoded until then is kept and saved).
    using Progress = std::function<void(size_t done, size_t total)>;

    // [B, D] embeddings of the prompts, in order. Encodes only the prompts not yet cached, each on
    // its own (tokenizer + text tower cut to its length), so an embedding is a function of the model
    // and the prompt alone, never of which other prompts were encoded with it or what the cache held:
    // runs and shards give byte-identical scores whatever the state of the cache. Then saves the
    // file when something was added. Thread-safe.
    at::Tensor embed(const std::vector<std::string>& prompts, const Progress& progress = {});

    // Saves entries not yet on disk (the destructor does too).
    void flush();
    ~TextEmbeddingCache();
    TextEmbeddingCache(const TextEmbeddingCache&) = delete;
    TextEmbeddingCache& operator=(const TextEmbeddingCache&) = delete;

    std::string file() const { return file_; }
    size_t size() const;
    int hits() const { return hits_; }
    int misses() const { return misses_; }
    // Saves, then drops the in-memory entries (the file stays).
    void clear_memory();

private:
    void load_file();
    void save_file();
    std::shared_ptr<const ClipModel> model_;
    std::string file_;
    bool persistent_;
    bool loaded_ = false;
    mutable std::mutex mutex_;
    std::vector<std::string> texts_;              // insertion order (the file's row order)
    std::unordered_map<std::string, at::Tensor> map_;
    int hits_ = 0, misses_ = 0;
    size_t unsaved_ = 0;                    // entries encoded since the last save
    static constexpr size_t kSaveEvery = 16; // save at once when this many are pending
};

} // namespace hoi::clip
