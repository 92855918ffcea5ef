#include "eval/prediction_file.h"

#include "annotation/coco_classes.h"
#include "annotation/formats.h"
#include "annotation/hico_vocabulary.h"
#include "eval/python_literal.h"
#include "io/atomic_file.h"
#include "io/error.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <unordered_set>

namespace hoi::eval {

namespace {

using nlohmann::json;

enum class Layout { Annotation, Qpic, GenVlkt };

std::string at(const std::string& p, const std::string& key) { return p + "." + key; }
std::string at(const std::string& p, size_t i) { return p + "[" + std::to_string(i) + "]"; }

class Reader {
public:
    explicit Reader(const std::string& source) : source_(source) {}

    PredictionFile read(const json& root) {
        const json* list = &root;
        std::string base;
        if (root.is_object() && root.contains("preds")) { // GEN-VLKT's dump
            list = &root["preds"];
            base = ".preds";
        }
        if (!list->is_array())
            fail(base.empty() ? "(top level)" : base,
                 "expected a list of images (or an object with a \"preds\" list)");
        out_.layout = "annotation";
        std::unordered_set<std::string> names;
        for (size_t i = 0; i < list->size(); ++i) {
            const std::string p = at(base, i);
            const json& e = (*list)[i];
            if (!e.is_object()) fail(p, "expected an object");
            PredImage img;
            img.name = file_name(e, p);
            img.origin = source_ + ": " + p;
            if (!names.insert(img.name).second) fail(p, "duplicate image \"" + img.name + "\"");
            read_image(e, p, img);
            out_.images.push_back(std::move(img));
        }
        return std::move(out_);
    }

private:
    const std::string& source_;
    PredictionFile out_;
    const annotation::HicoVocabulary& vocab_ = annotation::HicoVocabulary::instance();

    [[noreturn]] void fail(const std::string& where, const std::string& what) const {
        throw_input(source_ + ": " + where + ": " + what);
    }
    void warn(const std::string& where, const std::string& what) { out_.warnings.push_back({where, what}); }

    std::string file_name(const json& e, const std::string& p) const {
        for (const char* key : {"file_name", "filename"}) {
            auto it = e.find(key);
            if (it == e.end()) continue;
            if (!it->is_string() || it->get_ref<const std::string&>().empty())
                fail(at(p, key), "expected a non-empty string");
            return it->get<std::string>();
        }
        fail(p, "missing \"file_name\" (or \"filename\"): predictions are matched to the ground truth by it");
    }

    long long integer(const json& v, const std::string& where, long long lo, long long hi) const {
        std::optional<double> d = number_or_marker(v);
        if (!d || !std::isfinite(*d) || *d != std::floor(*d))
            fail(where, "expected an integer, got " + v.dump());
        if (*d < double(lo) || *d > double(hi))
            fail(where, v.dump() + " is outside " + std::to_string(lo) + ".." + std::to_string(hi));
        return static_cast<long long>(*d);
    }

    const json& member(const json& e, std::initializer_list<const char*> keys, const std::string& p,
                       std::string& found) const {
        for (const char* k : keys) {
            auto it = e.find(k);
            if (it != e.end()) {
                found = k;
                return *it;
            }
        }
        std::string names;
        for (const char* k : keys) names += std::string(names.empty() ? "\"" : " or \"") + k + "\"";
        fail(p, "missing " + names);
    }

    Box box(const json& a, const std::string& q) {
        auto it = a.find("bbox");
        if (it == a.end()) fail(q, "missing \"bbox\"");
        const std::string w = at(q, "bbox");
        if (!it->is_array() || it->size() != 4) fail(w, "expected [x1, y1, x2, y2]");
        double v[4];
        for (size_t k = 0; k < 4; ++k) {
            std::optional<double> d = number_or_marker((*it)[k]);
            if (!d) fail(at(w, k), "expected a number, got " + (*it)[k].dump());
            v[k] = *d;
        }
        Box b{v[0], v[1], v[2], v[3]};
        if (!(b.x2 > b.x1 && b.y2 > b.y1))
            warn(w, "degenerate box [" + (*it)[0].dump() + ", " + (*it)[1].dump() + ", " + (*it)[2].dump() + ", " +
                            (*it)[3].dump() + "] (kept; it overlaps nothing)");
        return b;
    }

    void read_image(const json& e, const std::string& p, PredImage& img) {
        std::string boxes_key, hois_key;
        const json& boxes = member(e, {"annotations", "predictions"}, p, boxes_key);
        const json& hois = member(e, {"hoi_annotation", "hoi_prediction"}, p, hois_key);
        const std::string bp = at(p, boxes_key), hp = at(p, hois_key);
        if (!boxes.is_array()) fail(bp, "expected a list of boxes");
        if (!hois.is_array()) fail(hp, "expected a list of HOIs");
        const bool evaluator = boxes_key == "predictions";

        std::vector<Box> bx;
        std::vector<int> cls; // COCO-80, -1 when absent
        bool any_class = false;
        for (size_t k = 0; k < boxes.size(); ++k) {
            const std::string q = at(bp, k);
            const json& a = boxes[k];
            if (!a.is_object()) fail(q, "expected an object");
            bx.push_back(box(a, q));
            int c80 = -1;
            if (auto it = a.find("category_id"); it != a.end()) {
                any_class = true;
                if (evaluator) {
                    c80 = int(integer(*it, at(q, "category_id"), 0, annotation::HicoVocabulary::kObjects - 1));
                } else {
                    c80 = annotation::coco91_to_coco80(int(integer(*it, at(q, "category_id"), 1, 90)));
                    if (c80 < 0) fail(at(q, "category_id"), it->dump() + " is not one of the 80 COCO-91 object ids");
                }
            }
            cls.push_back(c80);
        }
        const Layout layout = !evaluator ? Layout::Annotation : any_class ? Layout::Qpic : Layout::GenVlkt;
        if (layout != Layout::Annotation && !bx.empty()) out_.layout = layout == Layout::Qpic ? "qpic" : "gen-vlkt";

        for (size_t k = 0; k < hois.size(); ++k) {
            const std::string q = at(hp, k);
            const json& h = hois[k];
            if (!h.is_object()) fail(q, "expected an object");
            if (bx.empty()) fail(q, "refers to a box, but \"" + boxes_key + "\" is empty");
            const long long n = static_cast<long long>(bx.size());
            std::string key; // which of the alternatives member() found (unused: one each here)
            const size_t s = size_t(integer(member(h, {"subject_id"}, q, key), at(q, "subject_id"), 0, n - 1));
            const size_t o = size_t(integer(member(h, {"object_id"}, q, key), at(q, "object_id"), 0, n - 1));
            auto sc = h.find("score");
            if (sc == h.end()) fail(q, "missing \"score\" (AP ranks predictions by it)");
            const std::optional<double> score = number_or_marker(*sc);
            if (!score) fail(at(q, "score"), "expected a number, got " + sc->dump());
            if (!std::isfinite(*score)) fail(at(q, "score"), "the score is " + sc->dump() + " (expected a finite number)");

            int hoi = -1;
            if (auto hc = h.find("hoi_category_id"); hc != h.end() && layout == Layout::Annotation) {
                hoi = int(integer(*hc, at(q, "hoi_category_id"), 1, kHicoHois)) - 1;
            } else if (layout == Layout::GenVlkt) {
                hoi = int(integer(member(h, {"category_id"}, q, key), at(q, "category_id"), 0, kHicoHois - 1));
            } else {
                const bool zero_based = layout == Layout::Qpic;
                const long long lo = zero_based ? 0 : 1;
                const int verb = int(integer(member(h, {"category_id"}, q, key), at(q, "category_id"), lo,
                                             annotation::HicoVocabulary::kVerbs - 1 + lo) - lo);
                const int obj = cls[o];
                if (obj < 0) fail(at(at(bp, o), "category_id"), "missing: the HOI class needs the object's category_id (or give hoi_category_id)");
                if (zero_based && cls[s] != 0) {
                    warn(q, "the subject box is not a person (left out, as QPIC's evaluator does)");
                    ++out_.entries_left_out;
                    continue;
                }
                hoi = vocab_.hoi_id(verb, obj);
                if (hoi < 0) {
                    warn(q, "(" + vocab_.verb_name(verb) + ", " + std::string(annotation::coco80_names()[size_t(obj)]) +
                                    ") is not one of the 600 HICO-DET classes (left out)");
                    ++out_.entries_left_out;
                    continue;
                }
            }
            img.pairs.push_back(PredPair{bx[s], bx[o], hoi, *score});
        }
    }
};

} // namespace

PredictionFile read_prediction_text(std::string_view text, const std::string& source) {
    json root;
    try {
        root = json::parse(text);
    } catch (const json::parse_error& e) {
        throw_input(source + ": invalid JSON: " + e.what());
    }
    if (root.is_string()) root = parse_python_literal(root.get_ref<const std::string&>(), source);
    return Reader(source).read(root);
}

PredictionFile read_prediction_file(const std::string& path) {
    return read_prediction_text(io::read_file(path, annotation::kMaxAnnotationFileBytes), path);
}

} // namespace hoi::eval
