// HICO-DET JSON in the QPIC / CDN / GEN-VLKT layout (see formats.h).
#include "annotation/codecs.h"

#include "annotation/coco_classes.h"
#include "annotation/hico_format.h"
#include "annotation/hico_vocabulary.h"
#include "io/error.h"

#include <cmath>

#include <set>
#include <unordered_map>

namespace hoi::annotation::detail {

Project import_hico(std::string_view text, Problems& problems) {
    Project project;
    json root;
    if (!parse_json(text, problems, root)) return project;
    if (!expect_array(root, "", problems)) return project;
    const HicoVocabulary& vocab = HicoVocabulary::instance();
    Document& doc = project.document;
    std::set<std::string> seen_files;

    for (size_t i = 0; i < root.size(); ++i) {
        const std::string p = at("", i);
        const json& entry = root[i];
        if (!expect_object(entry, p, problems)) continue;

        Image image;
        if (const json* f = member(entry, "file_name", p, problems))
            if (read_file_name(*f, at(p, "file_name"), problems, image.file_name) &&
                !seen_files.insert(image.file_name).second)
                problems.add(at(p, "file_name"), "duplicate image \"" + image.file_name + "\"");
        long long w = 0, h = 0;
        if (const json* v = member(entry, "width", p, problems, false)) read_int(*v, at(p, "width"), problems, 0, 1 << 30, w);
        if (const json* v = member(entry, "height", p, problems, false)) read_int(*v, at(p, "height"), problems, 0, 1 << 30, h);
        image.width = static_cast<int>(w);
        image.height = static_cast<int>(h);

        // Instances.
        std::vector<Instance> instances;
        std::vector<bool> instance_ok;
        const json* anns = member(entry, "annotations", p, problems);
        if (anns && expect_array(*anns, at(p, "annotations"), problems)) {
            for (size_t k = 0; k < anns->size(); ++k) {
                const std::string q = at(at(p, "annotations"), k);
                const json& a = (*anns)[k];
                Instance inst;
                bool ok = expect_object(a, q, problems);
                if (ok) {
                    const json* bb = member(a, "bbox", q, problems);
                    ok &= bb && read_box_xyxy(*bb, at(q, "bbox"), problems, inst.box);
                    const json* c = member(a, "category_id", q, problems);
                    long long cid = 0;
                    if (c && read_int(*c, at(q, "category_id"), problems, 1, 90, cid)) {
                        int c80 = coco91_to_coco80(static_cast<int>(cid));
                        if (c80 < 0) {
                            problems.add(at(q, "category_id"), "category_id " + std::to_string(cid) +
                                                                   " is not one of the 80 COCO-91 object ids");
                            ok = false;
                        } else {
                            inst.cls = ObjectClass::coco(c80);
                        }
                    } else {
                        ok = false;
                    }
                    ok &= read_optional_score(a, q, problems, inst.score);
                }
                inst.state = state_for_score(inst.score);
                instances.push_back(inst);
                instance_ok.push_back(ok);
            }
        }

        // Interactions: "hoi_annotation" (HICO classes) and "free_hoi_annotation" (verb text).
        struct Pending {
            size_t subject;
            long long object; // -1: none
            std::string verb;
            int hico_verb;
            std::optional<double> score;
            std::optional<State> state; // "state" written by HOI Studio's export
            std::string prompt;
        };
        std::vector<Pending> pending;
        const long long n = anns && anns->is_array() ? static_cast<long long>(anns->size()) : 0;
        auto read_relations = [&](const char* list, bool free_verbs) {
            const json* hois = member(entry, list, p, problems, !free_verbs);
            if (!hois || !expect_array(*hois, at(p, list), problems)) return;
            for (size_t k = 0; k < hois->size(); ++k) {
                const std::string q = at(at(p, list), k);
                const json& hj = (*hois)[k];
                if (!expect_object(hj, q, problems)) continue;
                long long s = -1, o = -1;
                bool ok = true;
                auto read_index = [&](const char* key, long long& out, long long min) {
                    const json* v = member(hj, key, q, problems);
                    if (!v) return false;
                    if (min == -1 && v->is_number_integer() && v->get<long long>() == -1) {
                        out = -1;
                        return true;
                    }
                    if (n == 0) {
                        problems.add(at(q, key), "refers to an annotation, but \"annotations\" is empty");
                        return false;
                    }
                    return read_int(*v, at(q, key), problems, min, n - 1, out);
                };
                ok &= read_index("subject_id", s, 0);
                // A free relation may have no object (object_id -1: V-COCO's "stand", a role without object).
                ok &= read_index("object_id", o, free_verbs ? -1 : 0);
                Pending pe{};
                long long verb1 = 0, hoi1 = 0;
                const json* hv = nullptr;
                if (free_verbs) {
                    const json* v = member(hj, "verb", q, problems);
                    if (!v || !read_string(*v, at(q, "verb"), problems, pe.verb)) {
                        ok = false;
                    } else if (pe.verb.empty()) {
                        problems.add(at(q, "verb"), "expected the verb's text, got an empty string");
                        ok = false;
                    }
                    pe.hico_verb = vocab.verb_id(pe.verb);
                } else {
                    const json* v = member(hj, "category_id", q, problems);
                    ok &= v && read_int(*v, at(q, "category_id"), problems, 1, HicoVocabulary::kVerbs, verb1);
                    hv = member(hj, "hoi_category_id", q, problems, false);
                    if (hv) ok &= read_int(*hv, at(q, "hoi_category_id"), problems, 1, HicoVocabulary::kHois, hoi1);
                }
                if (const json* pr = member(hj, "prompt", q, problems, false)) ok &= read_string(*pr, at(q, "prompt"), problems, pe.prompt);
                ok &= read_optional_score(hj, q, problems, pe.score);
                if (const json* st = member(hj, "state", q, problems, false)) {
                    const auto parsed = st->is_string() ? state_from_string(st->get<std::string>()) : std::nullopt;
                    if (!parsed || *parsed == State::Rejected) {
                        problems.add(at(q, "state"), "expected \"predicted\", \"accepted\" or \"edited\"");
                        ok = false;
                    } else {
                        pe.state = parsed;
                    }
                }
                if (!ok) continue;
                if (s == o) {
                    problems.add(q, "subject_id and object_id are both " + std::to_string(s) +
                                        " (expected two different annotations)");
                    continue;
                }
                if (!instance_ok[static_cast<size_t>(s)] || (o >= 0 && !instance_ok[static_cast<size_t>(o)])) continue;
                if (!free_verbs) {
                    const int verb = static_cast<int>(verb1 - 1);
                    const int obj80 = instances[static_cast<size_t>(o)].cls.coco80;
                    if (hv) {
                        const HicoHoi& hh = vocab.hoi(static_cast<int>(hoi1 - 1));
                        if (hh.verb != verb || hh.object_coco80 != obj80) {
                            problems.add(at(q, "hoi_category_id"),
                                         "hoi_category_id " + std::to_string(hoi1) + " is (" + vocab.verb_name(hh.verb) +
                                             ", " + vocab.objects_coco80()[static_cast<size_t>(hh.object_coco80)] +
                                             ") but category_id " + std::to_string(verb1) + " and the object say (" +
                                             vocab.verb_name(verb) + ", " +
                                             std::string(coco80_names()[static_cast<size_t>(obj80)]) + ")");
                            continue;
                        }
                    }
                    pe.hico_verb = verb;
                    pe.verb = vocab.verb_name(verb);
                }
                pe.subject = static_cast<size_t>(s);
                pe.object = o; // -1: none
                pending.push_back(pe);
            }
        };
        read_relations("hoi_annotation", false);
        read_relations("free_hoi_annotation", true);
        if (!problems.empty()) continue; // nothing partial is kept: stop building, keep checking

        Id image_id = doc.add_image(image);
        std::vector<Id> ids;
        for (auto inst : instances) {
            inst.image = image_id;
            ids.push_back(doc.add_instance(inst));
        }
        for (const auto& pe : pending) {
            Interaction x;
            x.subject = ids[pe.subject];
            x.object = pe.object >= 0 ? ids[static_cast<size_t>(pe.object)] : 0;
            x.verb = pe.verb;
            x.hico_verb = pe.hico_verb;
            x.score = pe.score;
            x.prompt = pe.prompt;
            x.state = pe.state ? *pe.state : state_for_score(pe.score);
            doc.add_interaction(x);
        }
    }
    return project;
}

namespace {

// One image's entry from the instances and relations the export keeps (document order).
json image_entry(const Document& doc, const Image& im, const std::vector<const Instance*>& instances,
                 const std::vector<const Interaction*>& relations, ExportReport& report, bool states) {
    auto [e, index] = detail::qpic_image(im, instances, "HICO-DET", hico_round_box, hico_round_score, report);
    json hois = json::array(), frees = json::array();
    for (const Interaction* x : relations) {
        auto s = index.find(x->subject), o = index.find(x->object);
        if (s == index.end() || (x->object && o == index.end())) {
            report.skip_interaction("subject or object has a class outside COCO-80");
            continue;
        }
        const Instance* object = x->object ? doc.instance(x->object) : nullptr; // none: a free relation
        const int obj80 = object ? object->cls.resolved_coco80() : -1;
        const int hoi = hico_hoi_of(*x, obj80);
        if (hoi < 0 && x->verb.empty()) {
            report.skip_interaction("no verb");
            continue;
        }
        json h;
        h["subject_id"] = s->second;
        h["object_id"] = object ? static_cast<long long>(o->second) : -1LL;
        if (hoi >= 0) {
            const int verb = HicoVocabulary::instance().hoi(hoi).verb;
            h["category_id"] = verb + 1;
            h["hoi_category_id"] = hoi + 1;
        } else {
            h["verb"] = x->verb;
            if (object) h["object"] = object->cls.label;
        }
        if (!x->prompt.empty()) h["prompt"] = x->prompt;
        if (x->score) h["score"] = hico_round_score(*x->score);
        if (states) h["state"] = std::string(to_string(x->state));
        (hoi >= 0 ? hois : frees).push_back(std::move(h));
        ++report.interactions;
    }
    e["hoi_annotation"] = std::move(hois);
    e["free_hoi_annotation"] = std::move(frees);
    ++report.images;
    return e;
}

} // namespace

std::string export_hico(const Project& project, ExportReport& report, bool states) {
    const Document& doc = project.document;
    ExportSelection sel = select_for_export(doc, report);
    std::unordered_map<Id, std::vector<const Instance*>> instances;
    std::unordered_map<Id, std::vector<const Interaction*>> relations;
    for (const Instance* x : sel.instances) instances[x->image].push_back(x);
    for (const Interaction* x : sel.interactions) relations[x->image].push_back(x);
    json out = json::array();
    for (const Image& im : doc.images()) out.push_back(image_entry(doc, im, instances[im.id], relations[im.id], report, states));
    return out.dump() + "\n";
}

} // namespace hoi::annotation::detail

namespace hoi::annotation {

// Values this large have no digits to round away (and v * 100 must not overflow).
double hico_round_box(double v) { return std::fabs(v) < 1e12 ? std::round(v * 100.0) / 100.0 : v; }
double hico_round_score(double v) { return std::fabs(v) < 1e9 ? std::round(v * 1e6) / 1e6 : v; }

int hico_hoi_of(const Interaction& relation, int object_coco80) {
    if (object_coco80 < 0) return -1;
    const auto& vocab = HicoVocabulary::instance();
    // The relation's HICO verb id, else its verb text (a relation whose id and text disagree, as a
    // CSV can say, is a class when either makes one): the reader resolves a free relation's verb
    // text, so anything written as free must be free by its text too, or a file read and written
    // again would change.
    for (const int verb : {detail::resolve_hico_verb(relation), vocab.verb_id(relation.verb)}) {
        if (verb < 0) continue;
        const int hoi = vocab.hoi_id(verb, object_coco80);
        if (hoi >= 0) return hoi;
    }
    return -1;
}

nlohmann::json hico_image_entry(const Document& doc, Id image, ExportReport& report, bool states) {
    const Image* im = doc.image(image);
    if (!im) throw_input("image id " + std::to_string(image) + " is not in the document");
    const detail::ExportSelection sel = detail::select_for_export(doc, report, image);
    return detail::image_entry(doc, *im, sel.instances, sel.interactions, report, states);
}

} // namespace hoi::annotation
