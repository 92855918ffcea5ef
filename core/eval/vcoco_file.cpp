#include "eval/vcoco_file.h"

#include "annotation/formats.h"
#include "io/atomic_file.h"
#include "io/error.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <map>
#include <unordered_set>

namespace hoi::eval::vcoco {

namespace {

using nlohmann::json;
using annotation::vcoco::verb_classes;

constexpr int kPersonCoco91 = 1;

std::string at(const std::string& p, const std::string& key) { return p + "." + key; }
std::string at(const std::string& p, size_t i) { return p + "[" + std::to_string(i) + "]"; }

struct Box91 {
    Box box;
    int category = 0; // COCO-91 id, 0 when absent
};

struct Entry {
    size_t subject;
    long object; // -1: none
    int verb_class;
    double score = 0;
};

struct ImageEntries {
    std::string name, where;
    std::vector<Box91> boxes;
    std::vector<Entry> entries;
};

class Reader {
public:
    Reader(const std::string& source, bool predictions) : source_(source), predictions_(predictions) {}

    std::vector<ImageEntries> read(std::string_view text) {
        json root;
        try {
            root = json::parse(text);
        } catch (const json::parse_error& e) {
            throw_input(source_ + ": invalid JSON: " + e.what());
        }
        if (!root.is_array()) fail("(top level)", "expected a list of images (the trainval_vcoco.json layout)");
        std::vector<ImageEntries> out;
        std::unordered_set<std::string> names;
        for (size_t i = 0; i < root.size(); ++i) {
            const std::string p = at("", i);
            const json& e = root[i];
            if (!e.is_object()) fail(p, "expected an object");
            ImageEntries img;
            img.where = p;
            const json& f = need(e, "file_name", p);
            if (!f.is_string() || f.get_ref<const std::string&>().empty()) fail(at(p, "file_name"), "expected a non-empty string");
            img.name = f.get<std::string>();
            if (!names.insert(img.name).second) fail(at(p, "file_name"), "duplicate image \"" + img.name + "\"");
            read_boxes(e, p, img);
            read_entries(e, p, img);
            out.push_back(std::move(img));
        }
        return out;
    }

private:
    const std::string& source_;
    bool predictions_;

    [[noreturn]] void fail(const std::string& where, const std::string& what) const {
        throw_input(source_ + ": " + where + ": " + what);
    }
    const json& need(const json& e, const char* key, const std::string& p) const {
        auto it = e.find(key);
        if (it == e.end()) fail(p, std::string("missing \"") + key + "\"");
        return *it;
    }
    const json* either(const json& e, const char* a, const char* b, const std::string& p, std::string& key) const {
        for (const char* k : {a, b}) {
            auto it = e.find(k);
            if (it != e.end() && (predictions_ || k == a)) {
                key = k;
                return &*it;
            }
        }
        fail(p, std::string("missing \"") + a + "\"");
    }
    long long integer(const json& v, const std::string& where, long long lo, long long hi) const {
        if (!v.is_number_integer()) fail(where, "expected an integer, got " + v.dump());
        const long long x = v.get<long long>();
        if (x < lo || x > hi) fail(where, std::to_string(x) + " is outside " + std::to_string(lo) + ".." + std::to_string(hi));
        return x;
    }

    void read_boxes(const json& e, const std::string& p, ImageEntries& img) const {
        std::string key;
        const json& boxes = *either(e, "annotations", "predictions", p, key);
        const std::string bp = at(p, key);
        if (!boxes.is_array()) fail(bp, "expected a list of boxes");
        for (size_t k = 0; k < boxes.size(); ++k) {
            const std::string q = at(bp, k);
            const json& a = boxes[k];
            if (!a.is_object()) fail(q, "expected an object");
            const json& bb = need(a, "bbox", q);
            if (!bb.is_array() || bb.size() != 4) fail(at(q, "bbox"), "expected [x1, y1, x2, y2]");
            double v[4];
            for (size_t j = 0; j < 4; ++j) {
                if (!bb[j].is_number()) fail(at(at(q, "bbox"), j), "expected a number, got " + bb[j].dump());
                v[j] = bb[j].get<double>();
            }
            Box91 b{Box{v[0], v[1], v[2], v[3]}, 0};
            if (!predictions_ && (b.box.x2 < b.box.x1 || b.box.y2 < b.box.y1))
                fail(at(q, "bbox"), "x2 < x1 or y2 < y1 (expected [x1, y1, x2, y2])");
            if (auto c = a.find("category_id"); c != a.end()) b.category = int(integer(*c, at(q, "category_id"), 1, 90));
            else if (!predictions_) fail(q, "missing \"category_id\"");
            img.boxes.push_back(b);
        }
    }

    void read_entries(const json& e, const std::string& p, ImageEntries& img) const {
        std::string key;
        const json& hois = *either(e, "hoi_annotation", "hoi_prediction", p, key);
        const std::string hp = at(p, key);
        if (!hois.is_array()) fail(hp, "expected a list");
        const long long n = static_cast<long long>(img.boxes.size());
        for (size_t k = 0; k < hois.size(); ++k) {
            const std::string q = at(hp, k);
            const json& h = hois[k];
            if (!h.is_object()) fail(q, "expected an object");
            if (n == 0) fail(q, "refers to a box, but the image has none");
            Entry x{};
            x.subject = size_t(integer(need(h, "subject_id", q), at(q, "subject_id"), 0, n - 1));
            x.object = long(integer(need(h, "object_id", q), at(q, "object_id"), -1, n - 1));
            x.verb_class = int(integer(need(h, "category_id", q), at(q, "category_id"), 0, annotation::vcoco::kVerbClasses - 1));
            const auto& vc = verb_classes()[size_t(x.verb_class)];
            if (vc.role < 0 && x.object != -1)
                fail(at(q, "object_id"), "\"" + vc.name + "\" has no object role (expected -1)");
            if (x.object == long(x.subject)) fail(q, "subject_id and object_id are the same box");
            if (!predictions_ && img.boxes[x.subject].category != kPersonCoco91)
                fail(at(q, "subject_id"), "the subject is not a person box (category_id 1)");
            if (predictions_) {
                auto s = h.find("score");
                if (s == h.end()) fail(q, "missing \"score\" (AP ranks predictions by it)");
                if (!s->is_number() || !std::isfinite(s->get<double>()))
                    fail(at(q, "score"), "expected a finite number, got " + s->dump());
                x.score = s->get<double>();
            }
            img.entries.push_back(x);
        }
    }
};

} // namespace

std::vector<GtImage> read_ground_truth_text(std::string_view text, const std::string& source) {
    std::vector<GtImage> out;
    for (const ImageEntries& img : Reader(source, false).read(text)) {
        GtImage g{img.name, {}};
        std::map<size_t, size_t> person_of; // box index -> person index
        for (size_t k = 0; k < img.boxes.size(); ++k)
            if (img.boxes[k].category == kPersonCoco91) {
                person_of[k] = g.persons.size();
                GtPerson p;
                p.box = img.boxes[k].box;
                g.persons.push_back(p);
            }
        for (const Entry& x : img.entries) {
            GtPerson& p = g.persons[person_of.at(x.subject)];
            const auto& vc = verb_classes()[size_t(x.verb_class)];
            p.actions[size_t(vc.action)] = true;
            if (vc.role >= 0 && x.object >= 0) p.roles[size_t(vc.action)][size_t(vc.role)] = img.boxes[size_t(x.object)].box;
        }
        out.push_back(std::move(g));
    }
    return out;
}

std::vector<PredImage> read_predictions_text(std::string_view text, const std::string& source) {
    std::vector<PredImage> out;
    for (const ImageEntries& img : Reader(source, true).read(text)) {
        PredImage p{img.name, {}, source + ": " + img.where};
        std::map<std::pair<size_t, long>, size_t> detection_of; // (subject, object) -> detection
        for (const Entry& x : img.entries) {
            auto [it, fresh] = detection_of.emplace(std::make_pair(x.subject, x.object), p.detections.size());
            if (fresh) {
                Detection d;
                d.person = img.boxes[x.subject].box;
                p.detections.push_back(d);
            }
            Detection& d = p.detections[it->second];
            const auto& vc = verb_classes()[size_t(x.verb_class)];
            double& agent = d.agent[size_t(vc.action)];
            if (std::isnan(agent) || x.score > agent) agent = x.score;
            if (vc.role >= 0) {
                RolePrediction& r = d.roles[size_t(vc.action)][size_t(vc.role)];
                if (std::isnan(r.score) || x.score > r.score) {
                    r.score = x.score;
                    if (x.object >= 0) r.box = img.boxes[size_t(x.object)].box;
                }
            }
        }
        out.push_back(std::move(p));
    }
    return out;
}

std::vector<GtImage> read_ground_truth_file(const std::string& path) {
    return read_ground_truth_text(io::read_file(path, annotation::kMaxAnnotationFileBytes), path);
}

std::vector<PredImage> read_predictions_file(const std::string& path) {
    return read_predictions_text(io::read_file(path, annotation::kMaxAnnotationFileBytes), path);
}

} // namespace hoi::eval::vcoco
