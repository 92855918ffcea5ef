#pragma once
// The engine's text stage (design.md: prompts -> tokenizer -> text encoder): a prompt's interaction
// phrase ("person riding a horse"), rendered under every template, tokenised and embedded by CLIP's
// text tower; the template embeddings are normalised, averaged and renormalised. Embeddings are kept
// per phrase in memory and, for the plain model, in the persistent text cache
// (clip::TextEmbeddingCache: each prompt encoded on its own, so an embedding never depends on what
// was encoded with it). With a learned prompt context (learnable_head.h) the context vectors are
// added to the token embeddings of each sentence, outside the disk cache.
// Internal header (torch).
#include "hoi/engine.h"

#include <ATen/core/Tensor.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace hoi::clip {
class TextEmbeddingCache;
}

namespace hoi::model {

class LearnableHead;

// One phrase's embedding and what was encoded for it.
struct TextEntry {
    at::Tensor embedding; // [D] normalised template ensemble
    bool truncated = false; // a sentence was longer than CLIP's context
    std::shared_ptr<const PromptEncoding> encoding; // the sentences and token ids encoded
};

// The text side of one image's classification: the prompts' rows, then one "no interaction" row
// per object class of the pairs (classes in increasing order).
struct PromptTexts {
    std::vector<std::string> phrases;      // per row
    std::vector<at::Tensor> embeddings;    // per row, [D] normalised
    std::map<int, std::size_t> null_row;   // object class -> the row of its "no interaction" prompt
    bool cached = false;                   // nothing had to be encoded
};

class TextEncoder {
public:
    // head: the learnable head in use (its prompt context), or null. text_cache_dir as
    // EngineOptions::text_cache_dir ("off" = in memory only). clip and head must not be null / must
    // outlive the encoder.
    TextEncoder(std::shared_ptr<clip::ClipModel> clip, const LearnableHead* head, std::vector<std::string> templates,
                const std::string& text_cache_dir);
    ~TextEncoder();
    TextEncoder(const TextEncoder&) = delete;
    TextEncoder& operator=(const TextEncoder&) = delete;

    // The templates an engine uses: the given ones, or default_templates() when empty; each must
    // hold "{}" (render_template throws otherwise).
    static std::vector<std::string> checked_templates(const std::vector<std::string>& templates);
    // The "no interaction" prompt of a COCO-80 class (scored beside a pair's prompts).
    static Prompt no_interaction_prompt(int coco80);

    // The prompt's interaction phrase (the key of its embedding); remembers the phrase's parts for
    // the prompt context.
    std::string phrase(const Prompt& prompt);
    // Encodes the phrases not yet held. on_prompt(done, total) follows the sentences encoded.
    // Throws Error(Cancelled) when *cancel is set.
    void encode(const std::vector<std::string>& phrases, const CancelFlag* cancel,
                const std::function<void(size_t, size_t)>& on_prompt = {});
    // An encoded phrase (std::out_of_range when it was not encoded).
    const TextEntry& entry(const std::string& phrase) const;

    // The prompts and the "no interaction" prompts of the given object classes, encoded.
    PromptTexts prompt_texts(const std::vector<Prompt>& prompts, const std::vector<int>& object_classes,
                             const CancelFlag* cancel);

    // The prompts' embeddings [n, D] (normalised template ensembles, as prompt_texts) with the given
    // prompt context — prefix [P, W], conjun [C, W], laid out as LearnableHead's — in one batch and
    // in the context's autograd graph: differentiable with respect to it (prompt-context training,
    // learn/trainer.h). Nothing is cached; the encoder's own head is not used.
    at::Tensor embed_with_context(const std::vector<Prompt>& prompts, const at::Tensor& prefix,
                                  const at::Tensor& conjun, const CancelFlag* cancel = nullptr);

    std::size_t size() const { return cache_.size(); }
    // Drops the embeddings held in memory (the disk cache is saved first and read again on use).
    void clear();

private:
    struct PhraseParts {
        std::string lead, verb, conj, object;
    };
    bool context_active() const;
    at::Tensor context_residual(const std::string& templ, const std::string& phrase, int64_t length,
                                const at::Tensor& prefix, const at::Tensor& conjun) const;
    at::Tensor ensemble(const at::Tensor& rows, int64_t n) const;

    std::shared_ptr<clip::ClipModel> clip_;
    const LearnableHead* head_;
    std::vector<std::string> templates_;
    std::unique_ptr<clip::TextEmbeddingCache> store_;          // rendered prompt -> embedding (disk)
    std::unordered_map<std::string, TextEntry> cache_;         // phrase -> template ensemble
    std::unordered_map<std::string, PhraseParts> phrase_parts_; // lead + verb + conj + object == phrase
};

} // namespace hoi::model
