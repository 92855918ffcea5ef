#pragma once
// Open-vocabulary HOI prompts: free text ("ride horse", "riding a horse", "person holding a cup",
// "hold_cup", "talk on phone") or HICO-DET classes, parsed into a verb phrase and an object phrase,
// matched to the detector's COCO-80 classes and to HICO-DET's verbs / HOI classes, and rendered as
// natural CLIP prompts ("a photo of a person riding a horse"). Torch-free and Qt-free: the GUI's
// prompt bar uses it directly.
#include <string>
#include <vector>

namespace hoi::model {

struct Prompt {
    std::string text;          // as given by the user (trimmed)
    std::string verb;          // verb phrase in base form, words joined by spaces: "ride", "sit on", "talk on"
    std::string verb_ing;      // gerund phrase: "riding", "sitting on", "talking on"
    std::string object;        // object phrase as written (singular, lower case): "horse", "phone", "guitar"
    int object_class = -1;     // COCO-80 class of the object (0 = person), -1 when the detector does not know it
    std::string object_name;   // the COCO-80 name when known ("cell phone"), else `object`
    int verb_id = -1;          // HICO-DET verb id (0-based, 117 verbs) or -1 when the verb is not HICO's
    int hoi_id = -1;           // HICO-DET HOI class id (0-based, 600) or -1 when (verb, object) is not one
    bool no_interaction = false; // the "no interaction" class ("no_interaction horse")
    std::string clip_text;     // the sentence given to CLIP ("a photo of a person riding a horse")

    // Whether this prompt is scored against a pair whose object has COCO-80 class `cls`:
    // the same class, or any class when the object is unknown to the detector.
    bool applies_to(int cls) const { return object_class < 0 || object_class == cls; }
    // Canonical key: "verb|object" (e.g. "ride|horse"), used for de-duplication and the export.
    std::string key() const { return verb + "|" + object_name; }
};

// The CLIP sentence templates; "{}" is replaced by the interaction phrase
// ("person riding a horse"). Default: {"a photo of a {}."} (one text-encoder pass per prompt, for
// re-query latency); several templates are averaged in embedding space (EngineOptions::templates).
const std::vector<std::string>& default_templates();

class PromptParser {
public:
    // Uses annotation::HicoVocabulary (the HICO-DET verbs and HOI table from the resources).
    // Throws hoi::Error(Model) when they are missing or malformed.
    PromptParser();
    static const PromptParser& instance();

    // Parses one prompt. Throws hoi::Error(Input) for an empty prompt, one without a verb and an
    // object ("horse"), or one that is not printable text. Non-ASCII letters are kept (CLIP's
    // tokenizer handles UTF-8); control characters are rejected.
    Prompt parse(const std::string& text) const;
    std::vector<Prompt> parse_all(const std::vector<std::string>& texts) const;

    // The 600 HICO-DET classes as prompts, in hoi_id order (the `--hico` preset).
    std::vector<Prompt> hico_prompts() const;
    // The 29 V-COCO verb classes as prompts, in their order (the `--vcoco` preset,
    // annotation/vcoco_vocabulary.h): text and verb are the class name ("hold_obj", "hit_instr",
    // "stand"), so the relations they make carry it as their verb and the V-COCO writer finds the
    // class and role; the CLIP sentence is a phrase of the action and its role ("person hitting with
    // something", "person standing"); no COCO class, so every pair is scored.
    static std::vector<Prompt> vcoco_prompts();

    // Gerund of a base verb phrase: "ride" -> "riding", "sit on" -> "sitting on",
    // "lie on" -> "lying on", "hop on" -> "hopping on", "make" -> "making", "see" -> "seeing".
    static std::string gerund(const std::string& verb_phrase);
    // The base form of a gerund phrase, when it is one ("riding" -> "ride", "sitting on" ->
    // "sit on"); returns the input unchanged otherwise. Uses the HICO verbs to resolve ambiguity.
    std::string base_form(const std::string& phrase) const;
    // COCO-80 class of an object phrase through names and synonyms (bike -> bicycle,
    // phone -> cell phone, ball -> sports ball, tv/television, laptop/computer, couch/sofa, plurals
    // "horses"), -1 when unknown.
    static int object_class(const std::string& object_phrase);

    // HICO-DET's verbs and HOI classes: annotation::HicoVocabulary (the one table).

private:
    struct Impl;
    const Impl* impl_;
};

// The CLIP sentence of an interaction phrase under a template ("a photo of a {}.").
std::string render_template(const std::string& templ, const std::string& phrase);
// The interaction phrase of a prompt: "person riding a horse" / "person and a horse" (no interaction).
std::string interaction_phrase(const Prompt& p);
// The article the phrase puts before an object: "a ", "an " or "" (plurals, mass nouns, "the ...").
std::string object_article(const std::string& object);

} // namespace hoi::model
