// HICO-DET JSON in the QPIC / CDN / GEN-VLKT layout (see formats.h).
#include "annotation/codecs.h"

#include "annotation/coco_classes.h"
#include "annotation/hico_vocabulary.h"

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

        // Interactions.
        struct Pending {
            size_t subject, object;
            int verb;
            std::optional<double> score;
            std::optional<State> state; // "state" written by HOI Studio's export
        };
        std::vector<Pending> pending;
        const json* hois = member(entry, "hoi_annotation", p, problems);
        if (hois && expect_array(*hois, at(p, "hoi_annotation"), problems)) {
            const long long n = anns && anns->is_array() ? static_cast<long long>(anns->size()) : 0;
            for (size_t k = 0; k < hois->size(); ++k) {
                const std::string q = at(at(p, "hoi_annotation"), k);
                const json& hj = (*hois)[k];
                if (!expect_object(hj, q, problems)) continue;
                long long s = -1, o = -1, verb1 = 0, hoi1 = 0;
                bool ok = true;
                auto read_index = [&](const char* key, long long& out) {
                    const json* v = member(hj, key, q, problems);
                    if (!v) return false;
                    if (n == 0) {
                        problems.add(at(q, key), "refers to an annotation, but \"annotations\" is empty");
                        return false;
                    }
                    return read_int(*v, at(q, key), problems, 0, n - 1, out);
                };
                ok &= read_index("subject_id", s);
                ok &= read_index("object_id", o);
                const json* v = nullptr;
                v = member(hj, "category_id", q, problems);
                ok &= v && read_int(*v, at(q, "category_id"), problems, 1, HicoVocabulary::kVerbs, verb1);
                const json* hv = member(hj, "hoi_category_id", q, problems, false);
                bool has_hoi = hv != nullptr;
                if (hv) ok &= read_int(*hv, at(q, "hoi_category_id"), problems, 1, HicoVocabulary::kHois, hoi1);
                Pending pe{};
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
                if (!instance_ok[static_cast<size_t>(s)] || !instance_ok[static_cast<size_t>(o)]) continue;
                const int verb = static_cast<int>(verb1 - 1);
                const int obj80 = instances[static_cast<size_t>(o)].cls.coco80;
                if (has_hoi) {
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
                pe.subject = static_cast<size_t>(s);
                pe.object = static_cast<size_t>(o);
                pe.verb = verb;
                pending.push_back(pe);
            }
        }
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
            x.object = ids[pe.object];
            x.verb = vocab.verb_name(pe.verb);
            x.hico_verb = pe.verb;
            x.score = pe.score;
            x.state = pe.state ? *pe.state : state_for_score(pe.score);
            doc.add_interaction(x);
        }
    }
    return project;
}

std::string export_hico(const Project& project, ExportReport& report, bool states) {
    const HicoVocabulary& vocab = HicoVocabulary::instance();
    const Document& doc = project.document;
    ExportSelection sel = select_for_export(doc, report);

    // Instances whose class is not a COCO class cannot be written (category_id is a COCO-91 id).
    std::unordered_map<Id, int> coco_of;
    std::unordered_map<Id, std::vector<const Instance*>> by_image;
    for (const Instance* x : sel.instances) {
        int c80 = x->cls.resolved_coco80();
        if (c80 < 0) {
            report.skip_instance("object class outside COCO-80 (\"" + x->cls.label + "\"): not expressible in HICO-DET");
            continue;
        }
        coco_of[x->id] = c80;
        by_image[x->image].push_back(x);
    }
    std::unordered_map<Id, std::vector<const Interaction*>> inter_by_image;
    for (const Interaction* x : sel.interactions) inter_by_image[x->image].push_back(x);

    json out = json::array();
    for (const Image& im : doc.images()) {
        json e;
        e["file_name"] = im.file_name;
        if (im.width > 0 || im.height > 0) {
            e["width"] = im.width;
            e["height"] = im.height;
        }
        json anns = json::array();
        std::unordered_map<Id, size_t> index;
        for (const Instance* x : by_image[im.id]) {
            json a;
            a["bbox"] = {x->box.x1, x->box.y1, x->box.x2, x->box.y2};
            a["category_id"] = coco80_to_coco91(coco_of[x->id]);
            if (x->score) a["score"] = *x->score;
            index[x->id] = anns.size();
            anns.push_back(std::move(a));
            ++report.instances;
        }
        json hois = json::array();
        for (const Interaction* x : inter_by_image[im.id]) {
            auto s = index.find(x->subject), o = index.find(x->object);
            if (s == index.end() || o == index.end()) {
                report.skip_interaction("subject or object has a class outside COCO-80");
                continue;
            }
            int verb = resolve_hico_verb(*x);
            if (verb < 0) {
                report.skip_interaction("verb \"" + x->verb + "\" is not one of HICO's 117 verbs");
                continue;
            }
            int hoi = vocab.hoi_id(verb, coco_of[x->object]);
            if (hoi < 0) {
                report.skip_interaction("(" + vocab.verb_name(verb) + ", " +
                                        std::string(coco80_names()[static_cast<size_t>(coco_of[x->object])]) +
                                        ") is not one of HICO's 600 HOI classes");
                continue;
            }
            json h;
            h["subject_id"] = s->second;
            h["object_id"] = o->second;
            h["category_id"] = verb + 1;
            h["hoi_category_id"] = hoi + 1;
            if (x->score) h["score"] = *x->score;
            if (states) h["state"] = std::string(to_string(x->state));
            hois.push_back(std::move(h));
            ++report.interactions;
        }
        e["annotations"] = std::move(anns);
        e["hoi_annotation"] = std::move(hois);
        out.push_back(std::move(e));
        ++report.images;
    }
    return out.dump() + "\n";
}

} // namespace hoi::annotation::detail
