#include "hoi/text_encoder.h"

#include "annotation/coco_classes.h"
#include "clip/clip_model.h"
#include "clip/text_cache.h"
#include "clip/tokenizer.h"
#include "hoi/learnable_head.h"

#include <torch/torch.h>

#include <algorithm>
#include <set>

namespace hoi::model {

TextEncoder::TextEncoder(std::shared_ptr<clip::ClipModel> clip, const LearnableHead* head,
                         std::vector<std::string> templates, const std::string& text_cache_dir)
    : clip_(std::move(clip)), head_(head), templates_(std::move(templates)) {
    store_ = std::make_unique<clip::TextEmbeddingCache>(clip_, text_cache_dir == "off" ? std::string() : text_cache_dir,
                                                        text_cache_dir != "off");
}

TextEncoder::~TextEncoder() = default;

std::vector<std::string> TextEncoder::checked_templates(const std::vector<std::string>& templates) {
    std::vector<std::string> out = templates.empty() ? default_templates() : templates;
    for (const auto& t : out) render_template(t, "x"); // validates "{}"
    return out;
}

Prompt TextEncoder::no_interaction_prompt(int coco80) {
    Prompt p;
    p.no_interaction = true;
    p.verb = p.verb_ing = "no interaction";
    p.object = std::string(annotation::coco80_names()[static_cast<size_t>(coco80)]);
    p.object_name = p.object;
    p.object_class = coco80;
    return p;
}

// The interaction phrase of a prompt ("person riding a horse"), remembering its parts for the
// learnable prompt context: lead + verb + conj + object == phrase.
std::string TextEncoder::phrase(const Prompt& p) {
    std::string ph = interaction_phrase(p);
    const std::string art = object_article(p.object);
    PhraseParts parts = p.no_interaction ? PhraseParts{"person", " and", " " + art, p.object}
                                         : PhraseParts{"person ", p.verb_ing, " " + art, p.object};
    if (parts.lead + parts.verb + parts.conj + parts.object == ph) phrase_parts_[ph] = std::move(parts);
    return ph;
}

bool TextEncoder::context_active() const { return head_ && !head_->prompt_context_is_zero(); }

// The learned prompt context as a residual on the token embeddings of one rendered prompt:
// prefix vectors on the last tokens before the verb (template words and "person"), conjunction
// vectors on the first tokens between the verb and the object (the article), as CLIP4HOI's
// "[PREFIX] verb [CONJUN] object"; rows beyond what the prompt has are unused.
at::Tensor TextEncoder::context_residual(const std::string& templ, const std::string& phrase, int64_t length,
                                         const at::Tensor& prefix, const at::Tensor& conjun) const {
    const auto& tok = clip::Tokenizer::instance();
    const int64_t W = clip_->config().transformer_width;
    auto r = torch::zeros({1, length, W});
    auto it = phrase_parts_.find(phrase);
    if (it == phrase_parts_.end()) return r; // a phrase not built from a Prompt: plain
    const auto cut = templ.find("{}");
    const std::string before = templ.substr(0, cut) + it->second.lead;
    const int64_t n_before = static_cast<int64_t>(tok.encode(before).size());
    const int64_t n_verb = static_cast<int64_t>(tok.encode(it->second.verb).size());
    const int64_t n_conj = static_cast<int64_t>(tok.encode(it->second.conj).size());
    const int64_t P = std::min<int64_t>(prefix.size(0), n_before);
    for (int64_t i = 0; i < P; ++i) {
        const int64_t pos = 1 + n_before - P + i; // after <|startoftext|>
        if (pos < length) r[0][pos].copy_(prefix[prefix.size(0) - P + i]);
    }
    const int64_t C = std::min<int64_t>(conjun.size(0), n_conj);
    for (int64_t j = 0; j < C; ++j) {
        const int64_t pos = 1 + n_before + n_verb + j;
        if (pos < length) r[0][pos].copy_(conjun[j]);
    }
    return r;
}

// Encodes the phrases not in the cache: every template rendered with the phrase, embedded through
// the persistent text store (each prompt on its own, so the result never depends on the cache's
// state), normalised, averaged and renormalised.
void TextEncoder::encode(const std::vector<std::string>& phrases, const CancelFlag* cancel,
                         const std::function<void(size_t, size_t)>& on_prompt) {
    std::vector<std::string> todo;
    std::set<std::string> seen;
    for (const auto& ph : phrases)
        if (!cache_.count(ph) && seen.insert(ph).second) todo.push_back(ph);
    if (todo.empty()) return;
    const auto& tok = clip::Tokenizer::instance();
    const size_t T = templates_.size();
    std::vector<std::string> rendered;
    std::vector<std::vector<int>> ids; // for the truncation warning and the context path
    std::vector<bool> trunc(todo.size(), false);
    rendered.reserve(todo.size() * T);
    ids.reserve(todo.size() * T);
    for (size_t j = 0; j < todo.size(); ++j)
        for (const auto& t : templates_) {
            rendered.push_back(render_template(t, todo[j]));
            bool tr = false;
            ids.push_back(tok.tokenize(rendered.back(), clip_->config().context_length, &tr));
            if (tr) trunc[j] = true;
        }
    at::Tensor e;
    if (context_active()) {
        // Learned context: not the plain model's embeddings, so not from or into the disk cache.
        std::vector<at::Tensor> rows;
        for (size_t i = 0; i < rendered.size(); ++i) {
            if (cancel) cancel->check();
            auto res = context_residual(templates_[i % T], todo[i / T], static_cast<int64_t>(ids[i].size()),
                                        head_->prompt_prefix(), head_->prompt_conjun());
            rows.push_back(clip_->encode_text({ids[i]}, res)[0]);
            if (on_prompt) on_prompt(i + 1, rendered.size());
        }
        e = torch::stack(rows);
    } else {
        e = store_->embed(rendered, [&](size_t done, size_t total) {
            if (cancel) cancel->check();
            if (on_prompt) on_prompt(done, total);
        }); // [n*T, D]
    }
    at::InferenceMode guard;
    e = ensemble(e, static_cast<int64_t>(todo.size()));
    for (size_t j = 0; j < todo.size(); ++j) {
        auto enc = std::make_shared<PromptEncoding>();
        for (size_t k = j * T; k < (j + 1) * T; ++k) {
            std::vector<int> used = ids[k];
            while (!used.empty() && used.back() == 0) used.pop_back(); // padding after <|endoftext|>
            enc->sentences.push_back(rendered[k]);
            enc->token_ids.push_back(std::move(used));
        }
        cache_[todo[j]] = TextEntry{e[static_cast<long>(j)].clone(), trunc[j], std::move(enc)};
    }
    if (cache_.size() > 50000) {
        // Bound the prompt cache (an entry is D floats); keep what the caller asked for now.
        std::unordered_map<std::string, TextEntry> keep;
        std::unordered_map<std::string, PhraseParts> keep_parts; // and the parts of those phrases
        for (const auto& ph : phrases) {
            if (auto it = cache_.find(ph); it != cache_.end()) keep.emplace(*it);
            if (auto it = phrase_parts_.find(ph); it != phrase_parts_.end()) keep_parts.emplace(*it);
        }
        cache_.swap(keep);
        phrase_parts_.swap(keep_parts);
    }
}

// Rows [n·T, D], T per phrase in template order -> [n, D]: each normalised, averaged, renormalised.
at::Tensor TextEncoder::ensemble(const at::Tensor& rows, int64_t n) const {
    auto e = rows / rows.norm(2, -1, true).clamp_min(1e-12);
    e = e.view({n, static_cast<int64_t>(templates_.size()), -1}).mean(1);
    return e / e.norm(2, -1, true).clamp_min(1e-12);
}

at::Tensor TextEncoder::embed_with_context(const std::vector<Prompt>& prompts, const at::Tensor& prefix,
                                           const at::Tensor& conjun, const CancelFlag* cancel) {
    const auto& tok = clip::Tokenizer::instance();
    const int64_t n = static_cast<int64_t>(prompts.size());
    if (n == 0) return torch::zeros({0, clip_->config().embed_dim});
    std::vector<std::vector<int>> ids;
    std::vector<at::Tensor> residuals;
    for (const auto& p : prompts) {
        const std::string ph = phrase(p);
        for (const auto& t : templates_) {
            if (cancel) cancel->check();
            ids.push_back(tok.tokenize(render_template(t, ph), clip_->config().context_length));
            residuals.push_back(context_residual(t, ph, static_cast<int64_t>(ids.back().size()), prefix, conjun));
        }
    }
    return ensemble(clip_->encode_text(ids, torch::cat(residuals)), n);
}

const TextEntry& TextEncoder::entry(const std::string& phrase) const { return cache_.at(phrase); }

PromptTexts TextEncoder::prompt_texts(const std::vector<Prompt>& prompts, const std::vector<int>& object_classes,
                                      const CancelFlag* cancel) {
    PromptTexts out;
    for (const auto& p : prompts) out.phrases.push_back(phrase(p));
    std::map<int, std::string> null_phrase;
    for (int cls : object_classes)
        if (!null_phrase.count(cls)) null_phrase[cls] = phrase(no_interaction_prompt(cls));
    for (const auto& [cls, ph] : null_phrase) {
        out.null_row[cls] = out.phrases.size();
        out.phrases.push_back(ph);
    }
    const size_t before = cache_.size();
    encode(out.phrases, cancel);
    out.cached = cache_.size() == before;
    for (const auto& ph : out.phrases) out.embeddings.push_back(cache_.at(ph).embedding);
    return out;
}

void TextEncoder::clear() {
    cache_.clear();
    store_->clear_memory(); // saved first; the next use reads the file
}

} // namespace hoi::model
