// V-COCO JSON in the QPIC / GEN-VLKT layout (see vcoco_format.h): the one parser (the importer and
// hoi eval --vcoco's readers) and the one writer (the exporter and hoi run --vcoco).
#include "annotation/codecs.h"

#include "annotation/coco_classes.h"
#include "annotation/vcoco_format.h"
#include "annotation/vcoco_vocabulary.h"
#include "io/error.h"
#include "io/names.h"

#include <cctype>
#include <cmath>
#include <unordered_map>
#include <unordered_set>

namespace hoi::annotation::vcoco {

namespace {

using detail::at;
using detail::Problems;
using nlohmann::json;

constexpr int kPersonCoco91 = 1;

std::string shown(const json& v) {
    std::string s;
    try {
        s = v.dump();
    } catch (const json::exception&) {
        s = "(text)";
    }
    if (s.size() > 40) s = s.substr(0, 37) + "...";
    return s;
}

bool integer(const json& v, const std::string& where, long long lo, long long hi, Problems& pr, long long& out) {
    if (!v.is_number_integer()) {
        pr.add(where, "expected an integer, got " + shown(v));
        return false;
    }
    if (v.is_number_unsigned() && v.get<unsigned long long>() > static_cast<unsigned long long>(hi)) {
        pr.add(where, shown(v) + " is outside " + std::to_string(lo) + ".." + std::to_string(hi));
        return false;
    }
    const long long x = v.get<long long>();
    if (x < lo || x > hi) {
        pr.add(where, std::to_string(x) + " is outside " + std::to_string(lo) + ".." + std::to_string(hi));
        return false;
    }
    out = x;
    return true;
}

// The list under `key`, or under `alt` when the mode allows it (predictions); nullptr + a problem
// when neither is there. `used` gets the key found.
const json* list_of(const json& e, const char* key, const char* alt, ReadMode mode, const std::string& p,
                    Problems& pr, std::string& used) {
    for (const char* k : {key, alt}) {
        if (k == alt && mode == ReadMode::GroundTruth) break;
        auto it = e.find(k);
        if (it != e.end()) {
            used = k;
            return &*it;
        }
    }
    pr.add(p, std::string("missing \"") + key + "\"");
    return nullptr;
}

void read_boxes(const json& e, const std::string& p, ReadMode mode, Problems& pr, FileImage& img,
                std::vector<bool>& ok_boxes) {
    std::string key;
    const json* boxes = list_of(e, "annotations", "predictions", mode, p, pr, key);
    if (!boxes) return;
    const std::string bp = at(p, key);
    if (!boxes->is_array()) {
        pr.add(bp, "expected a list of boxes, got " + shown(*boxes));
        return;
    }
    for (size_t k = 0; k < boxes->size(); ++k) {
        const std::string q = at(bp, k);
        const json& a = (*boxes)[k];
        FileBox b;
        bool ok = detail::expect_object(a, q, pr);
        if (ok) {
            const json* bb = detail::member(a, "bbox", q, pr);
            if (!bb) {
                ok = false;
            } else if (mode == ReadMode::Predictions) {
                // Read as the reference reads predictions: any four numbers.
                if (!bb->is_array() || bb->size() != 4) {
                    pr.add(at(q, "bbox"), "expected [x1, y1, x2, y2], got " + shown(*bb));
                    ok = false;
                } else {
                    double v[4];
                    for (size_t j = 0; j < 4; ++j) ok &= detail::read_number((*bb)[j], at(at(q, "bbox"), j), pr, v[j]);
                    if (ok) b.box = Box{v[0], v[1], v[2], v[3]};
                }
            } else {
                ok &= detail::read_box_xyxy(*bb, at(q, "bbox"), pr, b.box);
            }
            auto c = a.find("category_id");
            long long cid = 0;
            if (c != a.end()) {
                if (integer(*c, at(q, "category_id"), 1, 90, pr, cid)) {
                    b.coco91 = static_cast<int>(cid);
                    if (mode == ReadMode::Annotation && coco91_to_coco80(b.coco91) < 0) {
                        pr.add(at(q, "category_id"),
                               "category_id " + std::to_string(cid) + " is not one of the 80 COCO-91 object ids");
                        ok = false;
                    }
                } else {
                    ok = false;
                }
            } else if (mode != ReadMode::Predictions) {
                pr.add(q, "missing \"category_id\"");
                ok = false;
            }
            if (mode == ReadMode::Annotation) ok &= detail::read_optional_score(a, q, pr, b.score);
        }
        img.boxes.push_back(b);
        ok_boxes.push_back(ok);
    }
}

void read_entries(const json& e, const std::string& p, ReadMode mode, Problems& pr, FileImage& img,
                  const std::vector<bool>& ok_boxes) {
    std::string key;
    const json* hois = list_of(e, "hoi_annotation", "hoi_prediction", mode, p, pr, key);
    if (!hois) return;
    const std::string hp = at(p, key);
    if (!hois->is_array()) {
        pr.add(hp, "expected a list, got " + shown(*hois));
        return;
    }
    const long long n = static_cast<long long>(img.boxes.size());
    for (size_t k = 0; k < hois->size(); ++k) {
        const std::string q = at(hp, k);
        const json& h = (*hois)[k];
        if (!detail::expect_object(h, q, pr)) continue;
        if (n == 0) {
            pr.add(q, "refers to a box, but the image has none");
            continue;
        }
        long long s = 0, o = -1, vc = 0;
        bool ok = true;
        const json* js = detail::member(h, "subject_id", q, pr);
        ok &= js && integer(*js, at(q, "subject_id"), 0, n - 1, pr, s);
        const json* jo = detail::member(h, "object_id", q, pr);
        ok &= jo && integer(*jo, at(q, "object_id"), -1, n - 1, pr, o);
        const json* jc = detail::member(h, "category_id", q, pr);
        ok &= jc && integer(*jc, at(q, "category_id"), 0, kVerbClasses - 1, pr, vc);
        FileEntry x;
        if (mode == ReadMode::Predictions) {
            auto sc = h.find("score");
            if (sc == h.end()) {
                pr.add(q, "missing \"score\" (AP ranks predictions by it)");
                ok = false;
            } else if (!sc->is_number() || !std::isfinite(sc->get<double>())) {
                pr.add(at(q, "score"), "expected a finite number, got " + shown(*sc));
                ok = false;
            } else {
                x.score = sc->get<double>();
            }
        } else if (mode == ReadMode::Annotation) {
            ok &= detail::read_optional_score(h, q, pr, x.score);
            if (const json* pm = detail::member(h, "prompt", q, pr, false))
                ok &= detail::read_string(*pm, at(q, "prompt"), pr, x.prompt);
        }
        if (!ok) continue;
        const VerbClass& cls = verb_classes()[static_cast<size_t>(vc)];
        if (cls.role < 0 && o != -1) {
            pr.add(at(q, "object_id"), "\"" + cls.name + "\" has no object role (expected -1)");
            continue;
        }
        if (o == s) {
            pr.add(q, "subject_id and object_id are the same box");
            continue;
        }
        if (mode != ReadMode::Predictions && ok_boxes[static_cast<size_t>(s)] &&
            img.boxes[static_cast<size_t>(s)].coco91 != kPersonCoco91) {
            pr.add(at(q, "subject_id"), "the subject is not a person box (category_id 1)");
            continue;
        }
        x.subject = static_cast<size_t>(s);
        x.object = static_cast<long>(o);
        x.verb_class = static_cast<int>(vc);
        img.entries.push_back(std::move(x));
    }
}

std::vector<FileImage> parse_into(std::string_view text, ReadMode mode, Problems& pr) {
    std::vector<FileImage> out;
    json root;
    if (!detail::parse_json(text, pr, root)) return out;
    if (!root.is_array()) {
        pr.add("(top level)", "expected a list of images (the trainval_vcoco.json layout), got " +
                                      std::string(root.is_object() ? "an object" : "a single value"));
        return out;
    }
    std::unordered_set<std::string> names;
    for (size_t i = 0; i < root.size(); ++i) {
        const std::string p = at("", i);
        const json& e = root[i];
        if (!detail::expect_object(e, p, pr)) continue;
        FileImage img;
        img.where = p;
        if (const json* f = detail::member(e, "file_name", p, pr)) {
            bool named = false;
            if (mode == ReadMode::Annotation) {
                named = detail::read_file_name(*f, at(p, "file_name"), pr, img.file_name);
            } else if (!f->is_string() || f->get_ref<const std::string&>().empty()) {
                pr.add(at(p, "file_name"), "expected a non-empty string, got " + shown(*f));
            } else {
                img.file_name = f->get<std::string>();
                named = true;
            }
            if (named && !names.insert(img.file_name).second)
                pr.add(at(p, "file_name"), "duplicate image \"" + img.file_name + "\"");
        }
        long long w = 0, h = 0;
        if (const json* v = detail::member(e, "width", p, pr, false)) detail::read_int(*v, at(p, "width"), pr, 0, 1 << 30, w);
        if (const json* v = detail::member(e, "height", p, pr, false)) detail::read_int(*v, at(p, "height"), pr, 0, 1 << 30, h);
        img.width = static_cast<int>(w);
        img.height = static_cast<int>(h);
        std::vector<bool> ok_boxes;
        read_boxes(e, p, mode, pr, img, ok_boxes);
        read_entries(e, p, mode, pr, img, ok_boxes);
        out.push_back(std::move(img));
    }
    return out;
}

std::string normalised(std::string_view name) {
    std::string key;
    for (char c : name) key += c == ' ' || c == '-' ? '_' : char(std::tolower(static_cast<unsigned char>(c)));
    return key;
}

double as_read(double v) { return v; }

json image_entry(const Document& doc, const Image& im, const std::vector<const Instance*>& instances,
                 const std::vector<const Interaction*>& relations, ExportReport& report) {
    // Numbers as they were read (a second write is byte-identical).
    auto [e, index] = detail::qpic_image(im, instances, "V-COCO", as_read, as_read, report);
    json hois = json::array();
    for (const Interaction* x : relations) {
        auto s = index.find(x->subject);
        if (s == index.end()) {
            report.skip_interaction("its subject has a class outside COCO-80");
            continue;
        }
        if (doc.instance(x->subject)->cls.resolved_coco80() != 0) {
            report.skip_interaction("its subject is not a person (V-COCO relations are a person's)");
            continue;
        }
        const int vc = vcoco_verb_class(*x);
        if (vc < 0) {
            report.skip_interaction("verb \"" + x->verb + "\" is not a V-COCO action (or names no role of one)");
            continue;
        }
        const VerbClass& cls = verb_classes()[static_cast<size_t>(vc)];
        long object = -1;
        if (cls.role >= 0 && x->object) {
            auto o = index.find(x->object);
            if (o == index.end()) {
                report.skip_interaction("its object has a class outside COCO-80");
                continue;
            }
            object = static_cast<long>(o->second);
        }
        json h;
        h["subject_id"] = s->second;
        h["object_id"] = object;
        h["category_id"] = vc;
        if (x->score) h["score"] = *x->score;
        if (!x->prompt.empty()) h["prompt"] = x->prompt;
        hois.push_back(std::move(h));
        ++report.interactions;
    }
    e["hoi_annotation"] = std::move(hois);
    ++report.images;
    return e;
}

} // namespace

std::vector<FileImage> parse(std::string_view text, const std::string& source, ReadMode mode) {
    Problems pr(source);
    std::vector<FileImage> out = parse_into(text, mode, pr);
    if (!pr.empty()) {
        std::string msg = pr.list().front().to_string();
        if (pr.total() > 1)
            msg += " (and " + std::to_string(pr.total() - 1) + " more problem" + (pr.total() > 2 ? "s" : "") + ")";
        throw_input(msg);
    }
    return out;
}

int vcoco_verb_class(const Interaction& r) {
    const int direct = verb_class_id(r.verb);
    if (direct >= 0) return direct;
    const std::string verb = normalised(r.verb);
    const auto& acts = actions();
    for (int a = 0; a < int(acts.size()); ++a) {
        if (acts[size_t(a)].name != verb) continue;
        const auto& roles = acts[size_t(a)].roles;
        if (roles.size() <= 1) return verb_class_of(a, roles.empty() ? -1 : 0);
        const int named = verb_class_id(r.prompt);
        if (named >= 0 && verb_classes()[size_t(named)].action == a) return named;
        return -1;
    }
    return -1;
}

nlohmann::json vcoco_image_entry(const Document& doc, Id image, ExportReport& report) {
    const Image* im = doc.image(image);
    if (!im) throw_input("image id " + std::to_string(image) + " is not in the document");
    const detail::ExportSelection sel = detail::select_for_export(doc, report, image);
    return image_entry(doc, *im, sel.instances, sel.interactions, report);
}

} // namespace hoi::annotation::vcoco

namespace hoi::annotation::detail {

Project import_vcoco(std::string_view text, Problems& problems) {
    Project project;
    const std::vector<vcoco::FileImage> images = vcoco::parse_into(text, vcoco::ReadMode::Annotation, problems);
    if (!problems.empty()) return project; // nothing partial is kept
    Document& doc = project.document;
    for (const vcoco::FileImage& f : images) {
        Image image;
        image.file_name = f.file_name;
        image.width = f.width;
        image.height = f.height;
        const Id image_id = doc.add_image(image);
        std::vector<Id> ids;
        for (const vcoco::FileBox& b : f.boxes) {
            Instance inst;
            inst.image = image_id;
            inst.box = b.box;
            inst.cls = ObjectClass::coco(coco91_to_coco80(b.coco91));
            inst.score = b.score;
            inst.state = state_for_score(b.score);
            ids.push_back(doc.add_instance(inst));
        }
        for (const vcoco::FileEntry& x : f.entries) {
            Interaction r;
            r.subject = ids[x.subject];
            r.object = x.object >= 0 ? ids[static_cast<size_t>(x.object)] : 0;
            r.verb = vcoco::verb_classes()[static_cast<size_t>(x.verb_class)].name;
            r.score = x.score;
            r.prompt = x.prompt;
            r.state = state_for_score(x.score);
            doc.add_interaction(r);
        }
    }
    return project;
}

std::string export_vcoco(const Project& project, ExportReport& report) {
    const Document& doc = project.document;
    ExportSelection sel = select_for_export(doc, report);
    std::unordered_map<Id, std::vector<const Instance*>> instances;
    std::unordered_map<Id, std::vector<const Interaction*>> relations;
    for (const Instance* x : sel.instances) instances[x->image].push_back(x);
    for (const Interaction* x : sel.interactions) relations[x->image].push_back(x);
    json out = json::array();
    for (const Image& im : doc.images())
        out.push_back(vcoco::image_entry(doc, im, instances[im.id], relations[im.id], report));
    // Numbers as they are (nlohmann writes the shortest text that reads back to the same double),
    // so read -> write -> read is lossless; names made UTF-8.
    return io::json_safe(out).dump() + "\n";
}

} // namespace hoi::annotation::detail
