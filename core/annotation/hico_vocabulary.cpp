#include "annotation/hico_vocabulary.h"

#include "io/atomic_file.h"
#include "io/error.h"
#include "io/resources.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <memory>
#include <mutex>
#include <sstream>

namespace hoi::annotation {
namespace {

constexpr size_t kMaxResourceBytes = 4u << 20;

std::vector<std::string> read_lines(const std::string& path) {
    std::string text = io::read_file(path, kMaxResourceBytes);
    std::vector<std::string> lines;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        lines.push_back(line);
    }
    while (!lines.empty() && lines.back().empty()) lines.pop_back();
    return lines;
}

std::vector<std::string> split_tabs(const std::string& line) {
    std::vector<std::string> out;
    size_t start = 0;
    while (true) {
        size_t t = line.find('\t', start);
        out.push_back(line.substr(start, t == std::string::npos ? std::string::npos : t - start));
        if (t == std::string::npos) break;
        start = t + 1;
    }
    return out;
}

int parse_int(const std::string& s, const std::string& where) {
    try {
        size_t pos = 0;
        int v = std::stoi(s, &pos);
        if (pos == s.size()) return v;
    } catch (...) {}
    throw_model(where + ": expected an integer, got '" + s + "'");
}

} // namespace

std::string HicoVocabulary::normalise(std::string_view name) {
    size_t b = 0, e = name.size();
    while (b < e && std::isspace(static_cast<unsigned char>(name[b]))) ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(name[e - 1]))) --e;
    std::string key;
    key.reserve(e - b);
    for (size_t i = b; i < e; ++i) {
        char c = name[i];
        if (c == ' ' || c == '-' || c == '\t') c = '_';
        key += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return key;
}

HicoVocabulary HicoVocabulary::load(const std::string& dir) {
    namespace fs = std::filesystem;
    auto file = [&](const char* name) { return (fs::path(dir) / name).string(); };
    HicoVocabulary v;

    v.verbs_ = read_lines(file("hico_verbs.txt"));
    if (v.verbs_.size() != kVerbs)
        throw_model(file("hico_verbs.txt") + ": expected " + std::to_string(kVerbs) + " verbs, found " +
                    std::to_string(v.verbs_.size()));
    v.objects_hico_ = read_lines(file("hico_objects.txt"));
    v.objects_coco80_ = read_lines(file("hico_objects_coco80_order.txt"));
    if (v.objects_hico_.size() != kObjects || v.objects_coco80_.size() != kObjects)
        throw_model(dir + ": expected " + std::to_string(kObjects) + " objects in hico_objects.txt and "
                    "hico_objects_coco80_order.txt");
    for (int i = 0; i < kVerbs; ++i) v.verb_index_[normalise(v.verbs_[static_cast<size_t>(i)])] = i;
    for (int i = 0; i < kObjects; ++i) v.object_index_[normalise(v.objects_hico_[static_cast<size_t>(i)])] = i;
    v.hico_to_coco80_.assign(kObjects, -1);
    v.coco80_to_hico_.assign(kObjects, -1);
    for (int c = 0; c < kObjects; ++c) {
        auto it = v.object_index_.find(normalise(v.objects_coco80_[static_cast<size_t>(c)]));
        if (it == v.object_index_.end())
            throw_model(file("hico_objects_coco80_order.txt") + " line " + std::to_string(c + 1) + ": object '" +
                        v.objects_coco80_[static_cast<size_t>(c)] + "' is not in hico_objects.txt");
        v.coco80_to_hico_[static_cast<size_t>(c)] = it->second;
        v.hico_to_coco80_[static_cast<size_t>(it->second)] = c;
    }

    const std::string tsv = file("hico_600.tsv");
    auto lines = read_lines(tsv);
    if (lines.size() != kHois + 1)
        throw_model(tsv + ": expected a header and " + std::to_string(kHois) + " rows, found " +
                    std::to_string(lines.size()) + " lines");
    v.pair_to_hoi_.assign(static_cast<size_t>(kVerbs * kObjects), -1);
    for (int r = 0; r < kHois; ++r) {
        const std::string where = tsv + " line " + std::to_string(r + 2);
        auto f = split_tabs(lines[static_cast<size_t>(r + 1)]);
        if (f.size() != 7) throw_model(where + ": expected 7 tab-separated fields");
        HicoHoi h;
        h.id = parse_int(f[0], where);
        h.verb = parse_int(f[1], where);
        h.object_hico = parse_int(f[3], where);
        h.object_coco80 = parse_int(f[5], where);
        h.rare = parse_int(f[6], where) != 0;
        if (h.id != r) throw_model(where + ": expected hoi id " + std::to_string(r));
        if (h.verb < 0 || h.verb >= kVerbs || v.verbs_[static_cast<size_t>(h.verb)] != f[2])
            throw_model(where + ": verb id and name do not match hico_verbs.txt");
        if (h.object_hico < 0 || h.object_hico >= kObjects ||
            v.objects_hico_[static_cast<size_t>(h.object_hico)] != f[4] ||
            v.hico_to_coco80_[static_cast<size_t>(h.object_hico)] != h.object_coco80)
            throw_model(where + ": object ids and name do not match the object lists");
        int& slot = v.pair_to_hoi_[static_cast<size_t>(h.verb * kObjects + h.object_coco80)];
        if (slot >= 0) throw_model(where + ": the (verb, object) pair repeats hoi " + std::to_string(slot));
        slot = h.id;
        v.hois_.push_back(h);
    }

    const std::string splits = file("hico_zero_shot_splits.json");
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(io::read_file(splits, kMaxResourceBytes));
    } catch (const nlohmann::json::exception& e) {
        throw_model(splits + ": " + e.what());
    }
    if (!j.is_object()) throw_model(splits + ": expected an object of split name -> hoi ids");
    for (auto it = j.begin(); it != j.end(); ++it) {
        if (!it.key().empty() && it.key()[0] == '_') continue; // "_source" and other notes
        if (!it.value().is_array()) throw_model(splits + ": '" + it.key() + "' must be an array of ids");
        const bool verbs = it.key() == "unseen_verb_verb_ids";
        const int limit = verbs ? kVerbs : kHois;
        std::vector<int> ids;
        for (const auto& x : it.value()) {
            if (!x.is_number_integer() || x.get<long long>() < 0 || x.get<long long>() >= limit)
                throw_model(splits + ": '" + it.key() + "' holds a value that is not an id 0.." + std::to_string(limit - 1));
            ids.push_back(x.get<int>());
        }
        if (verbs) v.unseen_verbs_ = std::move(ids);
        else v.splits_.emplace_back(it.key(), std::move(ids));
    }
    return v;
}

const HicoVocabulary& HicoVocabulary::instance() {
    static std::once_flag once;
    static std::unique_ptr<HicoVocabulary> vocab;
    std::call_once(once, [] {
        std::string dir = std::filesystem::path(io::resource_path("hico/hico_600.tsv")).parent_path().string();
        vocab = std::make_unique<HicoVocabulary>(load(dir));
    });
    return *vocab;
}

const std::string& HicoVocabulary::verb_name(int verb) const {
    if (verb < 0 || verb >= kVerbs) throw_input("HICO verb id " + std::to_string(verb) + " is out of range 0..116");
    return verbs_[static_cast<size_t>(verb)];
}

int HicoVocabulary::verb_id(std::string_view name) const {
    auto it = verb_index_.find(normalise(name));
    return it == verb_index_.end() ? -1 : it->second;
}

int HicoVocabulary::hico_object_to_coco80(int o) const {
    return o >= 0 && o < kObjects ? hico_to_coco80_[static_cast<size_t>(o)] : -1;
}

int HicoVocabulary::coco80_to_hico_object(int c) const {
    return c >= 0 && c < kObjects ? coco80_to_hico_[static_cast<size_t>(c)] : -1;
}

int HicoVocabulary::object_id(std::string_view name) const {
    auto it = object_index_.find(normalise(name));
    return it == object_index_.end() ? -1 : it->second;
}

const HicoHoi& HicoVocabulary::hoi(int id) const {
    if (id < 0 || id >= kHois) throw_input("HICO HOI id " + std::to_string(id) + " is out of range 0..599");
    return hois_[static_cast<size_t>(id)];
}

int HicoVocabulary::hoi_id(int verb, int object_coco80) const {
    if (verb < 0 || verb >= kVerbs || object_coco80 < 0 || object_coco80 >= kObjects) return -1;
    return pair_to_hoi_[static_cast<size_t>(verb * kObjects + object_coco80)];
}

int HicoVocabulary::hoi_id(std::string_view verb, std::string_view object) const {
    int o = object_id(object);
    return hoi_id(verb_id(verb), hico_object_to_coco80(o));
}

int HicoVocabulary::rare_count() const {
    return static_cast<int>(std::count_if(hois_.begin(), hois_.end(), [](const HicoHoi& h) { return h.rare; }));
}

std::vector<std::string> HicoVocabulary::split_names() const {
    std::vector<std::string> out;
    for (const auto& [name, ids] : splits_) out.push_back(name);
    return out;
}

const std::vector<int>& HicoVocabulary::unseen_hois(const std::string& split) const {
    for (const auto& [name, ids] : splits_)
        if (name == split) return ids;
    std::string known;
    for (const auto& [name, ids] : splits_) known += (known.empty() ? "" : ", ") + name;
    throw_input("unknown zero-shot split '" + split + "' (known: " + known + ")");
}

} // namespace hoi::annotation
