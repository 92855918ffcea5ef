#include "hoi/prompt.h"

#include "annotation/vcoco_vocabulary.h"

#include "annotation/hico_vocabulary.h"

#include "annotation/coco_classes.h"
#include "io/atomic_file.h"
#include "io/error.h"
#include "io/resources.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <unordered_map>

namespace hoi::model {

namespace {

std::vector<std::string> split_words(const std::string& s) {
    std::vector<std::string> out;
    std::istringstream in(s);
    std::string w;
    while (in >> w) out.push_back(w);
    return out;
}

std::string join(const std::vector<std::string>& words, size_t from = 0, size_t to = std::string::npos) {
    std::string out;
    to = std::min(to, words.size());
    for (size_t i = from; i < to; ++i) {
        if (!out.empty()) out += ' ';
        out += words[i];
    }
    return out;
}

bool is_vowel(char c) { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u'; }

// Vowel groups of an ASCII word (a rough syllable count; 'y' after a consonant counts as a vowel).
int vowel_groups(const std::string& w) {
    int groups = 0;
    bool in_group = false;
    for (size_t i = 0; i < w.size(); ++i) {
        char c = w[i];
        bool v = is_vowel(c) || (c == 'y' && i > 0 && !is_vowel(w[i - 1]));
        if (c == 'u' && i > 0 && w[i - 1] == 'q') v = false; // "qu" is a consonant sound
        if (v && !in_group) ++groups;
        in_group = v;
    }
    return groups;
}

// Ends consonant-vowel-consonant with a final consonant other than w, x, y ("sit", "stir", "quit").
bool ends_cvc(const std::string& w) {
    size_t n = w.size();
    if (n < 2) return false;
    char c3 = w[n - 1], v = w[n - 2];
    if (!std::isalpha(static_cast<unsigned char>(c3)) || is_vowel(c3) || c3 == 'w' || c3 == 'x' || c3 == 'y')
        return false;
    if (!is_vowel(v)) return false;
    if (n == 2) return true; // "up" style words: vowel-consonant
    char c1 = w[n - 3];
    if (c1 == 'u' && n >= 4 && w[n - 4] == 'q') return true; // "quit"
    return !is_vowel(c1);
}

// Multi-syllable verbs stressed on the last syllable (their final consonant doubles).
const std::set<std::string>& doubling_exceptions() {
    static const std::set<std::string> s = {"control", "begin", "admit", "permit", "commit", "refer",
                                            "prefer", "occur", "patrol", "compel", "equip", "forget",
                                            "upset", "regret", "submit", "transmit", "propel", "unzip",
                                            "rebut", "omit", "expel", "excel", "acquit"};
    return s;
}

const std::map<std::string, std::string>& irregular_gerunds() {
    static const std::map<std::string, std::string> m = {
        {"lie", "lying"}, {"die", "dying"}, {"tie", "tying"}, {"vie", "vying"}, {"be", "being"},
        {"see", "seeing"}, {"flee", "fleeing"}, {"agree", "agreeing"}, {"free", "freeing"},
        {"ski", "skiing"}, {"hoe", "hoeing"}, {"toe", "toeing"}, {"canoe", "canoeing"},
        {"shoe", "shoeing"}, {"dye", "dyeing"}, {"eye", "eyeing"}, {"singe", "singeing"},
        {"picnic", "picnicking"}, {"panic", "panicking"}, {"mimic", "mimicking"}, {"traffic", "trafficking"},
        {"frolic", "frolicking"}, {"age", "ageing"}};
    return m;
}

std::string gerund_word(const std::string& w) {
    if (w.empty()) return w;
    auto& irr = irregular_gerunds();
    if (auto it = irr.find(w); it != irr.end()) return it->second;
    const size_t n = w.size();
    if (w.size() >= 3 && w.compare(n - 3, 3, "ing") == 0 && vowel_groups(w) >= 2) return w; // already
    if (n >= 2 && w.compare(n - 2, 2, "ie") == 0) return w.substr(0, n - 2) + "ying";
    if (n >= 2 && w[n - 1] == 'e') {
        char p = w[n - 2];
        if (p == 'e' || p == 'o' || p == 'y') return w + "ing"; // "see", "hoe" handled; "agree"
        if (n == 2) return w + "ing";                           // "be" handled above
        return w.substr(0, n - 1) + "ing";                      // "ride" -> "riding"
    }
    if (ends_cvc(w) && (vowel_groups(w) == 1 || doubling_exceptions().count(w)) && n >= 3)
        return w + w.back() + "ing"; // "sit" -> "sitting", "hop" -> "hopping"
    if (n >= 2 && w[n - 1] == 'c' && vowel_groups(w) == 1) return w + "king"; // rare
    return w + "ing";
}

const std::set<std::string>& particles() {
    static const std::set<std::string> s = {"on", "at", "with", "under", "up", "in", "into", "onto", "off",
                                            "over", "from", "to", "around", "through", "behind", "near",
                                            "beside", "across", "along", "down", "out", "inside", "toward",
                                            "towards", "against", "for", "about", "by", "above", "below",
                                            "upon", "next", "underneath", "beneath", "past", "like"};
    return s;
}

const std::set<std::string>& subject_words() {
    static const std::set<std::string> s = {"person", "people", "man", "woman", "men", "women", "boy", "girl",
                                            "child", "children", "kid", "kids", "human", "someone", "somebody",
                                            "player", "guy", "lady", "persons", "humans", "rider"};
    return s;
}

const std::set<std::string>& determiners() {
    static const std::set<std::string> s = {"a", "an", "the", "some", "his", "her", "their", "its", "my",
                                            "your", "our", "this", "that", "these", "those", "one", "two"};
    return s;
}

const std::unordered_map<std::string, std::string>& object_synonyms() {
    static const std::unordered_map<std::string, std::string> m = {
        {"people", "person"}, {"man", "person"}, {"woman", "person"}, {"men", "person"}, {"women", "person"},
        {"boy", "person"}, {"girl", "person"}, {"child", "person"}, {"children", "person"}, {"kid", "person"},
        {"human", "person"}, {"baby", "person"}, {"player", "person"}, {"someone", "person"}, {"friend", "person"},
        {"bike", "bicycle"}, {"cycle", "bicycle"}, {"motorbike", "motorcycle"}, {"scooter", "motorcycle"},
        {"moped", "motorcycle"}, {"plane", "airplane"}, {"aeroplane", "airplane"}, {"jet", "airplane"},
        {"aircraft", "airplane"}, {"ship", "boat"}, {"canoe", "boat"}, {"kayak", "boat"}, {"sailboat", "boat"},
        {"yacht", "boat"}, {"automobile", "car"}, {"taxi", "car"}, {"cab", "car"}, {"lorry", "truck"},
        {"pickup", "truck"}, {"pickup truck", "truck"}, {"coach", "bus"}, {"locomotive", "train"},
        {"tram", "train"}, {"traffic signal", "traffic light"}, {"stoplight", "traffic light"},
        {"hydrant", "fire hydrant"}, {"stop sign", "stop sign"}, {"meter", "parking meter"},
        {"puppy", "dog"}, {"doggy", "dog"}, {"kitten", "cat"}, {"kitty", "cat"}, {"pony", "horse"},
        {"foal", "horse"}, {"lamb", "sheep"}, {"calf", "cow"}, {"bull", "cow"}, {"cattle", "cow"},
        {"ox", "cow"}, {"rucksack", "backpack"}, {"bag", "handbag"}, {"purse", "handbag"},
        {"necktie", "tie"}, {"luggage", "suitcase"}, {"ski", "skis"}, {"ball", "sports ball"},
        {"football", "sports ball"}, {"soccer ball", "sports ball"}, {"basketball", "sports ball"},
        {"tennis ball", "sports ball"}, {"baseball", "sports ball"}, {"volleyball", "sports ball"},
        {"bat", "baseball bat"}, {"glove", "baseball glove"}, {"mitt", "baseball glove"},
        {"board", "skateboard"}, {"racket", "tennis racket"}, {"racquet", "tennis racket"},
        {"tennis racquet", "tennis racket"}, {"glass", "wine glass"}, {"mug", "cup"}, {"teacup", "cup"},
        {"plate", "bowl"}, {"donut", "donut"}, {"doughnut", "donut"}, {"hotdog", "hot dog"},
        {"sofa", "couch"}, {"settee", "couch"}, {"plant", "potted plant"}, {"houseplant", "potted plant"},
        {"flowerpot", "potted plant"}, {"table", "dining table"}, {"desk", "dining table"},
        {"tv", "tv"}, {"television", "tv"}, {"tv monitor", "tv"}, {"monitor", "tv"}, {"screen", "tv"},
        {"computer", "laptop"}, {"notebook", "laptop"}, {"computer mouse", "mouse"},
        {"remote control", "remote"}, {"controller", "remote"}, {"phone", "cell phone"},
        {"cellphone", "cell phone"}, {"mobile", "cell phone"}, {"mobile phone", "cell phone"},
        {"smartphone", "cell phone"}, {"telephone", "cell phone"}, {"iphone", "cell phone"},
        {"microwave oven", "microwave"}, {"stove", "oven"}, {"fridge", "refrigerator"},
        {"hair dryer", "hair drier"}, {"hairdryer", "hair drier"}, {"blow dryer", "hair drier"},
        {"dryer", "hair drier"}, {"teddy", "teddy bear"}, {"stuffed animal", "teddy bear"},
        {"novel", "book"}, {"magazine", "book"}, {"sub", "sandwich"}, {"burger", "sandwich"},
        {"hamburger", "sandwich"}, {"wine", "wine glass"}, {"surf board", "surfboard"},
        {"skate board", "skateboard"}, {"snow board", "snowboard"}, {"flying disc", "frisbee"},
        {"disc", "frisbee"}, {"toothbrushes", "toothbrush"}, {"knives", "knife"}, {"loaves", "bread"}};
    return m;
}

// Singular of a plural noun phrase (last word only): "horses" -> "horse", "benches" -> "bench".
std::string singular(const std::string& phrase) {
    auto words = split_words(phrase);
    if (words.empty()) return phrase;
    std::string& w = words.back();
    const size_t n = w.size();
    if (n > 3 && w.compare(n - 3, 3, "ies") == 0) w = w.substr(0, n - 3) + "y";
    else if (n > 4 && (w.compare(n - 4, 4, "ches") == 0 || w.compare(n - 4, 4, "shes") == 0 ||
                       w.compare(n - 4, 4, "sses") == 0))
        w = w.substr(0, n - 2);
    else if (n > 3 && w.compare(n - 3, 3, "xes") == 0) w = w.substr(0, n - 2);
    else if (n > 3 && w.back() == 's' && w[n - 2] != 's' && w[n - 2] != 'u' && w[n - 2] != 'i')
        w = w.substr(0, n - 1);
    return join(words);
}

int class_of_exact(const std::string& phrase) {
    int c = annotation::coco80_from_name(phrase);
    if (c >= 0) return c;
    auto& syn = object_synonyms();
    if (auto it = syn.find(phrase); it != syn.end()) return annotation::coco80_from_name(it->second);
    return -1;
}

std::string article_for(const std::string& object) {
    static const std::set<std::string> no_article = {"skis", "scissors", "broccoli", "people", "luggage",
                                                     "cattle", "children", "men", "women", "food", "water", "something"};
    auto words = split_words(object);
    if (words.empty()) return "";
    if (determiners().count(words.front())) return "";
    if (no_article.count(words.back())) return "";
    const std::string& last = words.back();
    if (last.size() > 3 && last.back() == 's' && last[last.size() - 2] != 's' && last[last.size() - 2] != 'u')
        return ""; // a plural as written ("kites")
    char c = words.front()[0];
    return is_vowel(c) ? "an " : "a ";
}

bool is_printable_text(const std::string& s) {
    for (unsigned char c : s)
        if (c < 0x20 || c == 0x7f) return false;
    return true;
}

// Lower-cases ASCII, turns '_' and punctuation into spaces; UTF-8 bytes pass through.
std::string normalise(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    for (unsigned char c : text) {
        if (c >= 0x80) out += static_cast<char>(c);
        else if (std::isalnum(c) || c == '\'' || c == '-') out += static_cast<char>(std::tolower(c));
        else out += ' ';
    }
    return join(split_words(out));
}

} // namespace

const std::vector<std::string>& default_templates() {
    // One template by default: a new prompt then costs one text-encoder sequence (the re-query
    // latency target); an ensemble ("a picture of a {}.", "an image of a {}.", ...) is an option.
    static const std::vector<std::string> t = {"a photo of a {}."};
    return t;
}

std::string render_template(const std::string& templ, const std::string& phrase) {
    auto pos = templ.find("{}");
    if (pos == std::string::npos) throw_usage("prompt template '" + templ + "' has no '{}' for the interaction");
    return templ.substr(0, pos) + phrase + templ.substr(pos + 2);
}

std::string object_article(const std::string& object) { return article_for(object); }

std::string interaction_phrase(const Prompt& p) {
    if (p.no_interaction) return "person and " + article_for(p.object) + p.object;
    if (p.object.empty()) return "person " + p.verb_ing; // V-COCO's actions without an object ("person standing")
    return "person " + p.verb_ing + " " + article_for(p.object) + p.object;
}

std::string PromptParser::gerund(const std::string& verb_phrase) {
    auto words = split_words(verb_phrase);
    if (words.empty()) return verb_phrase;
    words[0] = gerund_word(words[0]);
    return join(words);
}

// The HICO-DET tables are annotation::HicoVocabulary's (one copy, loaded once); the parser keeps
// only what it derives for parsing: the gerunds of the HICO verbs' first words.
struct PromptParser::Impl {
    std::unordered_map<std::string, std::string> gerund_to_base; // "sitting" -> "sit"
};

namespace {
const annotation::HicoVocabulary& vocab() { return annotation::HicoVocabulary::instance(); }
} // namespace

PromptParser::PromptParser() {
    auto impl = std::make_unique<Impl>();
    for (const std::string& v : vocab().verbs()) {
        std::string spaced = v;
        std::replace(spaced.begin(), spaced.end(), '_', ' ');
        auto words = split_words(spaced);
        if (!words.empty() && v != "no_interaction") impl->gerund_to_base[gerund_word(words[0])] = words[0];
    }
    impl_ = impl.release();
}

const PromptParser& PromptParser::instance() {
    static const PromptParser parser; // thread-safe static initialisation
    return parser;
}

int PromptParser::object_class(const std::string& object_phrase) {
    std::string p = normalise(object_phrase);
    auto words = split_words(p);
    while (!words.empty() && determiners().count(words.front())) words.erase(words.begin());
    p = join(words);
    if (p.empty()) return -1;
    if (int c = class_of_exact(p); c >= 0) return c;
    if (int c = class_of_exact(singular(p)); c >= 0) return c;
    // "red bike", "wooden chair": the head noun is the last word(s).
    for (size_t from = 1; from < words.size(); ++from) {
        std::string tail = join(words, from);
        if (int c = class_of_exact(tail); c >= 0) return c;
        if (int c = class_of_exact(singular(tail)); c >= 0) return c;
    }
    return -1;
}

std::string PromptParser::base_form(const std::string& phrase) const {
    auto words = split_words(phrase);
    if (words.empty()) return phrase;
    std::string& w = words[0];
    const size_t n = w.size();
    if (n > 4 && w.compare(n - 3, 3, "ing") == 0) {
        if (auto it = impl_->gerund_to_base.find(w); it != impl_->gerund_to_base.end()) {
            w = it->second;
        } else {
            std::string stem = w.substr(0, n - 3);
            if (stem.size() >= 2 && stem.back() == 'y' && stem.size() == 2) stem = stem.substr(0, 1) + "ie"; // lying
            else if (stem.size() >= 3 && stem.back() == stem[stem.size() - 2] && !is_vowel(stem.back()) &&
                     stem.back() != 'l' && stem.back() != 's' && stem.back() != 'z' && stem.back() != 'f')
                stem.pop_back(); // sitting -> sit
            else if (stem.size() <= 3 && ends_cvc(stem))
                stem += 'e'; // riding -> ride, making -> make
            w = stem;
        }
    }
    return join(words);
}

Prompt PromptParser::parse(const std::string& raw) const {
    std::string text = raw;
    auto b = text.find_first_not_of(" \t\r\n");
    auto e = text.find_last_not_of(" \t\r\n");
    text = b == std::string::npos ? "" : text.substr(b, e - b + 1);
    if (text.empty()) throw_input("empty prompt: write a verb and an object, e.g. \"ride horse\"");
    if (!is_printable_text(text)) throw_input("prompt \"" + text + "\" contains control characters");

    std::string norm = normalise(text);
    auto words = split_words(norm);
    if (words.empty()) throw_input("prompt \"" + text + "\" has no words: write a verb and an object, e.g. \"ride horse\"");

    // Leading "a photo of": people paste whole CLIP sentences.
    for (const std::string lead : {"a photo of", "a picture of", "an image of", "photo of", "picture of"}) {
        auto lw = split_words(lead);
        if (words.size() > lw.size() && std::equal(lw.begin(), lw.end(), words.begin()))
            words.erase(words.begin(), words.begin() + static_cast<long>(lw.size()));
    }
    // Subject: "person", "a man", "the woman", optionally followed by "is"/"are".
    bool had_subject = false;
    {
        size_t i = 0;
        if (i < words.size() && determiners().count(words[i])) ++i;
        if (i < words.size() && subject_words().count(words[i]) && i + 1 < words.size()) {
            words.erase(words.begin(), words.begin() + static_cast<long>(i + 1));
            had_subject = true;
            if (!words.empty() && (words[0] == "is" || words[0] == "are")) words.erase(words.begin());
        }
    }
    if (words.empty()) throw_input("prompt \"" + text + "\" has no verb: write e.g. \"ride horse\"");

    Prompt p;
    p.text = text;
    // No interaction: "no interaction horse", "no_interaction horse".
    if (words.size() >= 2 && words[0] == "no" && words[1] == "interaction") {
        p.no_interaction = true;
        p.verb = "no interaction";
        p.verb_ing = "no interaction";
        words.erase(words.begin(), words.begin() + 2);
        while (!words.empty() && (words[0] == "with" || determiners().count(words[0]))) words.erase(words.begin());
        if (words.empty()) throw_input("prompt \"" + text + "\" has no object: write e.g. \"no_interaction horse\"");
        p.object = join(words);
        p.verb_id = vocab().verb_id("no_interaction");
    } else {
        if (words.size() < 2) {
            if (object_class(words[0]) >= 0)
                throw_input("prompt \"" + text + "\" has no verb: write the interaction, e.g. \"ride " + words[0] + "\"");
            throw_input("prompt \"" + text + "\" has no object: write a verb and an object, e.g. \"ride horse\"");
        }
        std::string first = words[0];
        std::string base = base_form(first);
        const bool was_gerund = base != first;
        // Third person ("rides horse" / "person holds a cup").
        if (!was_gerund && first.size() > 3 && first.back() == 's' && first[first.size() - 2] != 's') {
            std::string cand = first.substr(0, first.size() - 1);
            std::string cand_es = first.size() > 4 && first.compare(first.size() - 2, 2, "es") == 0
                                          ? first.substr(0, first.size() - 2) : "";
            if (vocab().verb_id(cand) >= 0) base = cand;
            else if (!cand_es.empty() && vocab().verb_id(cand_es) >= 0) base = cand_es;
            else if (had_subject) base = (!cand_es.empty() && (cand_es.back() == 'h' || cand_es.back() == 'x' ||
                                                                cand_es.back() == 's')) ? cand_es : cand;
        }
        size_t obj_start = 1;
        std::string verb = base;
        std::string verb_written = was_gerund ? first : gerund_word(base);
        // Particles: "sit on", "pick up", "next to".
        while (obj_start + 1 < words.size() && particles().count(words[obj_start])) {
            verb += " " + words[obj_start];
            verb_written += " " + words[obj_start];
            ++obj_start;
            if (words[obj_start - 1] == "next" && obj_start + 1 < words.size() && words[obj_start] == "to") {
                verb += " to";
                verb_written += " to";
                ++obj_start;
            }
        }
        while (obj_start < words.size() && determiners().count(words[obj_start]) && obj_start + 1 < words.size())
            ++obj_start;
        p.verb = verb;
        p.verb_ing = verb_written;
        p.object = join(words, obj_start);
        if (p.object.empty())
            throw_input("prompt \"" + text + "\" has no object: write a verb and an object, e.g. \"ride horse\"");
        p.verb_id = vocab().verb_id(p.verb);
        // "pick up cup" is HICO's pick_up; "sit chair" is still sit (not sit_on): keep as written.
    }
    p.object_class = object_class(p.object);
    p.object_name = p.object_class >= 0 ? std::string(annotation::coco80_names()[static_cast<size_t>(p.object_class)])
                                        : p.object;
    if (p.verb_id >= 0 && p.object_class >= 0) p.hoi_id = vocab().hoi_id(p.verb_id, p.object_class);
    p.clip_text = render_template(default_templates()[0], interaction_phrase(p));
    return p;
}

std::vector<Prompt> PromptParser::parse_all(const std::vector<std::string>& texts) const {
    std::vector<Prompt> out;
    out.reserve(texts.size());
    for (const auto& t : texts) out.push_back(parse(t));
    return out;
}

std::vector<Prompt> PromptParser::hico_prompts() const {
    const auto& v = vocab();
    std::vector<Prompt> out;
    out.reserve(v.hois().size());
    for (const annotation::HicoHoi& h : v.hois()) {
        Prompt p;
        const std::string& verb = v.verb_name(h.verb);
        std::string object = v.objects_hico()[static_cast<size_t>(h.object_hico)];
        std::replace(object.begin(), object.end(), '_', ' ');
        p.text = verb + " " + object;
        std::replace(p.text.begin(), p.text.end(), ' ', '_');
        p.no_interaction = verb == "no_interaction";
        p.verb = verb;
        std::replace(p.verb.begin(), p.verb.end(), '_', ' ');
        p.verb_ing = p.no_interaction ? p.verb : gerund(p.verb);
        p.object = object;
        p.object_class = h.object_coco80;
        p.object_name = std::string(annotation::coco80_names()[static_cast<size_t>(h.object_coco80)]);
        p.verb_id = h.verb;
        p.hoi_id = h.id;
        p.clip_text = render_template(default_templates()[0], interaction_phrase(p));
        out.push_back(std::move(p));
    }
    return out;
}

std::vector<Prompt> PromptParser::vcoco_prompts() {
    // The phrase of each class: the action's gerund and what its role is (an object, an
    // instrument), with no COCO class, so every pair is scored. Order: vcoco_vocabulary.h's.
    struct Phrase {
        const char* cls;
        const char* verb_ing;
        const char* object;
    };
    static const Phrase kPhrases[] = {
            {"hold_obj", "holding", "something"},
            {"stand", "standing", ""},
            {"sit_instr", "sitting on", "something"},
            {"ride_instr", "riding", "something"},
            {"walk", "walking", ""},
            {"look_obj", "looking at", "something"},
            {"hit_instr", "hitting with", "something"},
            {"hit_obj", "hitting", "something"},
            {"eat_obj", "eating", "something"},
            {"eat_instr", "eating with", "something"},
            {"jump_instr", "jumping on", "something"},
            {"lay_instr", "lying on", "something"},
            {"talk_on_phone_instr", "talking on", "phone"},
            {"carry_obj", "carrying", "something"},
            {"throw_obj", "throwing", "something"},
            {"catch_obj", "catching", "something"},
            {"cut_instr", "cutting with", "something"},
            {"cut_obj", "cutting", "something"},
            {"run", "running", ""},
            {"work_on_computer_instr", "working on", "computer"},
            {"ski_instr", "skiing on", "skis"},
            {"surf_instr", "surfing on", "surfboard"},
            {"skateboard_instr", "skateboarding on", "skateboard"},
            {"smile", "smiling", ""},
            {"drink_instr", "drinking from", "something"},
            {"kick_obj", "kicking", "something"},
            {"point_instr", "pointing at", "something"},
            {"read_obj", "reading", "something"},
            {"snowboard_instr", "snowboarding on", "snowboard"},
    };
    const auto& classes = annotation::vcoco::verb_classes();
    static_assert(sizeof(kPhrases) / sizeof(kPhrases[0]) == annotation::vcoco::kVerbClasses, "29 V-COCO classes");
    std::vector<Prompt> out;
    for (size_t k = 0; k < classes.size(); ++k) {
        if (classes[k].name != kPhrases[k].cls) throw Error(ErrorKind::Internal, "V-COCO prompt table out of order");
        Prompt p;
        p.text = classes[k].name;
        p.verb = classes[k].name;
        p.verb_ing = kPhrases[k].verb_ing;
        p.object = kPhrases[k].object;
        p.object_name = p.object;
        p.clip_text = render_template(default_templates()[0], interaction_phrase(p));
        out.push_back(std::move(p));
    }
    return out;
}

} // namespace hoi::model
