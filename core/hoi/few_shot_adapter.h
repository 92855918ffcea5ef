#pragma once
// hoi::model::FewShotAdapter — a training-free cache of reviewed relations (Tip-Adapter, Zhang et
// al. ECCV 2022; ADA-CM's training-free mode, Lei et al. ICCV 2023), applied to HOI pairs.
//
// Keys are the pair features (normalised, as the engine scores them) of relations a person
// reviewed; values are their class (Prompt::key(), "verb|object") and a sign: +1 accepted,
// -1 rejected. When the engine scores a pair feature f against a prompt of class c, the adapter
// adds to that prompt's pair logit
//
//     term(f, c) = weight · Σ_{examples i of class c} sign_i · exp(−sharpness · (1 − cos(f, k_i)))
//
// (Tip-Adapter's affinity exp(−β(1 − f·k)); summed in insertion order). An example only touches
// prompts of its own class, so images without a pair of that object are never changed. An
// affinity below `min_affinity` counts as 0, so far-away pairs of the same class are not nudged.
// With no example of a class the term is exactly 0 and the engine's scores are bit-identical to
// the adapter-free ones; removing an example (undo) restores the previous scores exactly.
//
// Cost: add() is O(1) amortised (the feature is appended; no gradient step, nothing recomputed);
// remove() is O(examples of that class); term() is O(examples of the class × dim).
//
// Torch-free. Not thread-safe: like the Engine that owns it, use it from one thread at a time.
#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

namespace hoi::model {

struct AdapterOptions {
    // Logit added per example at affinity 1 (an identical pair feature). The pair logits are
    // logit_scale · cos (≈ 100 · cos for OpenAI's CLIP, where prompts of one pair differ by a few
    // units): 3 lets one accepted example of a near-identical pair lift its prompt clearly, and a
    // few rejected ones push a wrong prompt down, without overruling CLIP on unrelated pairs.
    float weight = 3.0f;
    // β in exp(−β(1 − cos)): 5.5 (Tip-Adapter's default) halves the affinity at cos ≈ 0.87.
    float sharpness = 5.5f;
    // Affinities below this count as 0 (exp(−5.5·0.5) ≈ 0.064: pairs with cos < 0.5 are ignored).
    float min_affinity = 0.064f;
};

struct AdapterExample {
    std::uint64_t id = 0;        // assigned by add() when 0
    std::string class_key;       // Prompt::key() of the relation, e.g. "ride|horse"
    bool positive = true;        // accepted (true) or rejected (false)
    std::vector<float> feature;  // the pair feature (normalised by add())
    // Where it came from, for the inspector (thumbnails of the contributing pairs).
    std::string image_path;
    std::string prompt;                       // the prompt text
    std::array<float, 4> human_box{};         // x1, y1, x2, y2 in image pixels
    std::array<float, 4> object_box{};
};

// One example's share of a term (the inspector's "which reviewed examples contributed").
struct AdapterContribution {
    std::uint64_t id = 0;
    float similarity = 0; // cos(f, key)
    float affinity = 0;   // exp(−β(1 − cos)), 0 below min_affinity
    float term = 0;       // sign · weight · affinity
};

class FewShotAdapter {
public:
    explicit FewShotAdapter(AdapterOptions options = {});

    const AdapterOptions& options() const { return options_; }
    // Throws hoi::Error(Usage) for a negative or non-finite weight / sharpness / min_affinity.
    void set_options(const AdapterOptions& options);

    // Adds an example; returns its id (the given one when not 0 and unused, else a fresh one).
    // The feature is normalised. Throws hoi::Error(Usage) for an empty class, an empty or
    // non-finite feature, a feature whose size differs from the examples already held, or an id in use.
    std::uint64_t add(AdapterExample example);
    // Removes an example; false when no example has this id.
    bool remove(std::uint64_t id);
    void clear();

    std::size_t size() const { return class_of_.size(); }
    bool empty() const { return class_of_.empty(); }
    std::size_t dim() const { return dim_; }
    bool has_class(const std::string& class_key) const;
    const AdapterExample* find(std::uint64_t id) const;
    // Every example, grouped by class (classes sorted), each class in insertion order.
    std::vector<const AdapterExample*> examples() const;
    // Increases with every add / remove / clear / set_options (a GUI re-scores when it changed).
    std::uint64_t revision() const { return revision_; }

    // The logit term of a pair feature (normalised, `dim()` floats) for a class; exactly 0 when the
    // class has no example. Deterministic: the same examples give the same bits.
    float term(const float* feature, const std::string& class_key) const;
    // The examples of the class by decreasing |term| (ties by id), at most top_k.
    std::vector<AdapterContribution> contributions(const float* feature, const std::string& class_key,
                                                   std::size_t top_k) const;

private:
    float affinity(const float* feature, const AdapterExample& e, float* similarity) const;

    AdapterOptions options_;
    std::size_t dim_ = 0;
    std::uint64_t next_id_ = 1, revision_ = 0;
    std::map<std::string, std::vector<AdapterExample>> by_class_;
    std::unordered_map<std::uint64_t, std::string> class_of_;
};

} // namespace hoi::model
