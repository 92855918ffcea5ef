#pragma once
// The HICO-DET vocabulary: 117 verbs, 80 objects, 600 HOI classes (verb, object) with the rare
// flag, and the standard zero-shot splits, loaded from the resource files (resources/hico/).
//
// Id conventions (all 0-based here):
//   verb id 0..116 (line of hico_verbs.txt), HOI id 0..599 (hico_600.tsv),
//   object ids either in HICO order (alphabetical, hico_objects.txt) or COCO-80 order (person = 0,
//   hico_objects_coco80_order.txt, the order detectors and this project's documents use).
// QPIC-style files use 1-based verb and HOI ids and COCO-91 object ids; the converters add 1.
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace hoi::annotation {

struct HicoHoi {
    int id = -1;          // 0..599
    int verb = -1;        // 0..116
    int object_hico = -1; // 0..79, HICO (alphabetical) order
    int object_coco80 = -1;
    bool rare = false;    // fewer than 10 training instances
};

class HicoVocabulary {
public:
    static constexpr int kVerbs = 117;
    static constexpr int kObjects = 80;
    static constexpr int kHois = 600;

    // The vocabulary from hoi::io::resource_path("hico/..."), loaded once (thread-safe).
    // Throws hoi::Error(Model) when a resource is missing or malformed.
    static const HicoVocabulary& instance();
    // Loads the five files from a folder (hico_verbs.txt, hico_objects.txt,
    // hico_objects_coco80_order.txt, hico_600.tsv, hico_zero_shot_splits.json).
    static HicoVocabulary load(const std::string& dir);

    const std::vector<std::string>& verbs() const { return verbs_; }
    const std::string& verb_name(int verb) const;          // throws Error(Input) out of range
    // Verb id of a name: HICO spelling ("sit_on"), also "sit on", any case; -1 when not a HICO verb.
    int verb_id(std::string_view name) const;

    const std::vector<std::string>& objects_hico() const { return objects_hico_; }     // HICO order
    const std::vector<std::string>& objects_coco80() const { return objects_coco80_; } // COCO-80 order
    int hico_object_to_coco80(int object_hico) const; // -1 out of range
    int coco80_to_hico_object(int coco80) const;      // -1 out of range
    // HICO object id (HICO order) of a name ("sports_ball", "sports ball", any case); -1 unknown.
    int object_id(std::string_view name) const;

    const std::vector<HicoHoi>& hois() const { return hois_; }
    const HicoHoi& hoi(int id) const; // throws Error(Input) out of range
    // HOI id of (verb id, COCO-80 object id); -1 when the pair is not one of the 600 classes.
    int hoi_id(int verb, int object_coco80) const;
    // The same by names ("ride", "horse"); -1 when either is unknown or the pair is not a class.
    int hoi_id(std::string_view verb, std::string_view object) const;
    bool is_rare(int hoi) const { return hoi >= 0 && hoi < kHois && hois_[static_cast<size_t>(hoi)].rare; }
    int rare_count() const;

    // Zero-shot split names ("rare_first", "non_rare_first", "unseen_object", "unseen_verb") and
    // the unseen HOI ids of one; throws Error(Input) for an unknown split name.
    std::vector<std::string> split_names() const;
    const std::vector<int>& unseen_hois(const std::string& split) const;
    // The 20 verb ids of the unseen_verb split (0-based verb ids).
    const std::vector<int>& unseen_verbs() const { return unseen_verbs_; }

    // Normalised key used by the lookups: lower case, spaces and '-' as '_', trimmed.
    static std::string normalise(std::string_view name);

private:
    std::vector<std::string> verbs_, objects_hico_, objects_coco80_;
    std::vector<int> hico_to_coco80_, coco80_to_hico_;
    std::vector<HicoHoi> hois_;
    std::vector<int> pair_to_hoi_; // verb * 80 + coco80 -> hoi id or -1
    std::unordered_map<std::string, int> verb_index_, object_index_;
    std::vector<std::pair<std::string, std::vector<int>>> splits_;
    std::vector<int> unseen_verbs_;
};

} // namespace hoi::annotation
