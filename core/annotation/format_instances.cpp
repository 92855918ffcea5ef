// fredzzhang/hicodet instances_*.json (see formats.h): one entry per box pair, 0-based HICO hoi and
// verb ids, COCO-80 object ids, image file names and sizes in parallel lists.
#include "annotation/codecs.h"

#include "annotation/coco_classes.h"
#include "annotation/hico_vocabulary.h"

#include <set>
#include <unordered_map>

namespace hoi::annotation::detail {

Project import_instances(std::string_view text, Problems& problems) {
    Project project;
    json root;
    if (!parse_json(text, problems, root)) return project;
    if (!expect_object(root, "", problems)) return project;
    const HicoVocabulary& vocab = HicoVocabulary::instance();

    const json* anns = member(root, "annotation", "", problems);
    const json* files = member(root, "filenames", "", problems);
    const json* sizes = member(root, "size", "", problems, false);
    if (!anns || !files) return project;
    bool ok = expect_array(*anns, "annotation", problems);
    ok &= expect_array(*files, "filenames", problems);
    if (sizes) ok &= expect_array(*sizes, "size", problems);
    if (!ok) return project;
    if (anns->size() != files->size()) {
        problems.add("annotation", "has " + std::to_string(anns->size()) + " entries but \"filenames\" has " +
                                       std::to_string(files->size()) + " (expected one annotation per file)");
        return project;
    }
    if (sizes && sizes->size() != files->size()) {
        problems.add("size", "has " + std::to_string(sizes->size()) + " entries but \"filenames\" has " +
                                 std::to_string(files->size()));
        return project;
    }
    if (const json* empty = member(root, "empty", "", problems, false)) {
        if (expect_array(*empty, "empty", problems))
            for (size_t i = 0; i < empty->size(); ++i) {
                long long k = 0;
                read_int((*empty)[i], at("empty", i), problems, 0, static_cast<long long>(files->size()) - 1, k);
            }
    }

    Document& doc = project.document;
    std::set<std::string> seen;
    for (size_t i = 0; i < files->size(); ++i) {
        Image image;
        if (read_file_name((*files)[i], at("filenames", i), problems, image.file_name) &&
            !seen.insert(image.file_name).second)
            problems.add(at("filenames", i), "duplicate image \"" + image.file_name + "\"");
        if (sizes) {
            const json& s = (*sizes)[i];
            const std::string sp = at("size", i);
            long long w = 0, h = 0;
            if (!s.is_array() || s.size() != 2) {
                problems.add(sp, "expected [width, height]");
            } else if (read_int(s[0], at(sp, 0), problems, 0, 1 << 30, w) &&
                       read_int(s[1], at(sp, 1), problems, 0, 1 << 30, h)) {
                image.width = static_cast<int>(w);
                image.height = static_cast<int>(h);
            }
        }

        const std::string p = at("annotation", i);
        const json& a = (*anns)[i];
        if (!expect_object(a, p, problems)) continue;
        const char* keys[] = {"boxes_h", "boxes_o", "hoi", "object", "verb"};
        const json* arr[5] = {};
        bool have = true;
        for (int k = 0; k < 5; ++k) {
            arr[k] = member(a, keys[k], p, problems);
            have &= arr[k] && expect_array(*arr[k], at(p, keys[k]), problems);
        }
        if (!have) continue;
        const size_t n = arr[0]->size();
        bool same = true;
        for (int k = 1; k < 5; ++k)
            if (arr[k]->size() != n) {
                problems.add(at(p, keys[k]), "has " + std::to_string(arr[k]->size()) + " entries but \"boxes_h\" has " +
                                                 std::to_string(n) + " (expected one per box pair)");
                same = false;
            }
        if (!same) continue;

        struct Pair {
            Box h, o;
            int object, verb;
        };
        std::vector<Pair> pairs;
        for (size_t k = 0; k < n; ++k) {
            Pair pr{};
            long long hoi = 0, obj = 0, verb = 0;
            bool good = read_box_xyxy((*arr[0])[k], at(at(p, "boxes_h"), k), problems, pr.h);
            good &= read_box_xyxy((*arr[1])[k], at(at(p, "boxes_o"), k), problems, pr.o);
            good &= read_int((*arr[2])[k], at(at(p, "hoi"), k), problems, 0, HicoVocabulary::kHois - 1, hoi);
            good &= read_int((*arr[3])[k], at(at(p, "object"), k), problems, 0, HicoVocabulary::kObjects - 1, obj);
            good &= read_int((*arr[4])[k], at(at(p, "verb"), k), problems, 0, HicoVocabulary::kVerbs - 1, verb);
            if (!good) continue;
            const HicoHoi& hh = vocab.hoi(static_cast<int>(hoi));
            if (hh.verb != verb || hh.object_coco80 != obj) {
                problems.add(at(at(p, "hoi"), k),
                             "hoi " + std::to_string(hoi) + " is (" + vocab.verb_name(hh.verb) + ", " +
                                 vocab.objects_coco80()[static_cast<size_t>(hh.object_coco80)] + ") but verb " +
                                 std::to_string(verb) + " and object " + std::to_string(obj) + " say (" +
                                 vocab.verb_name(static_cast<int>(verb)) + ", " +
                                 vocab.objects_coco80()[static_cast<size_t>(obj)] + ")");
                continue;
            }
            pr.object = static_cast<int>(obj);
            pr.verb = static_cast<int>(verb);
            pairs.push_back(pr);
        }
        if (!problems.empty()) continue;

        // The layout repeats boxes per pair; identical boxes (and class) are one instance.
        Id image_id = doc.add_image(image);
        std::vector<std::pair<std::pair<Box, int>, Id>> known;
        auto instance_for = [&](const Box& b, int cls) {
            for (const auto& [key, id] : known)
                if (key.first == b && key.second == cls) return id;
            Instance x;
            x.image = image_id;
            x.box = b;
            x.cls = ObjectClass::coco(cls);
            x.state = State::Accepted;
            Id id = doc.add_instance(x);
            known.push_back({{b, cls}, id});
            return id;
        };
        for (const Pair& pr : pairs) {
            Interaction x;
            x.subject = instance_for(pr.h, kPersonClass);
            x.object = instance_for(pr.o, pr.object);
            if (x.subject == x.object) {
                // A person box paired with itself (a person as the object with the same box):
                // keep them as two instances so the relation survives.
                Instance y;
                y.image = image_id;
                y.box = pr.o;
                y.cls = ObjectClass::coco(pr.object);
                x.object = doc.add_instance(y);
            }
            x.verb = vocab.verb_name(pr.verb);
            x.hico_verb = pr.verb;
            x.state = State::Accepted;
            doc.add_interaction(x);
        }
    }
    return project;
}

std::string export_instances(const Project& project, ExportReport& report) {
    const HicoVocabulary& vocab = HicoVocabulary::instance();
    const Document& doc = project.document;
    ExportSelection sel = select_for_export(doc, report);
    std::unordered_map<Id, const Instance*> inst;
    for (const Instance* x : sel.instances) inst[x->id] = x;
    std::unordered_map<Id, std::vector<const Interaction*>> by_image;
    for (const Interaction* x : sel.interactions) by_image[x->image].push_back(x);
    std::set<Id> used;

    json annotation = json::array(), filenames = json::array(), size = json::array(), empty = json::array();
    for (size_t i = 0; i < doc.images().size(); ++i) {
        const Image& im = doc.images()[i];
        json bh = json::array(), bo = json::array(), hoi = json::array(), obj = json::array(), verb = json::array();
        for (const Interaction* x : by_image[im.id]) {
            const Instance* s = inst[x->subject];
            if (!x->object) {
                report.skip_interaction("no object (a relation of its subject alone): not expressible in instances");
                continue;
            }
            const Instance* o = inst[x->object];
            int v = resolve_hico_verb(*x);
            if (v < 0) {
                report.skip_interaction("verb \"" + x->verb + "\" is not one of HICO's 117 verbs");
                continue;
            }
            int c80 = o->cls.resolved_coco80();
            if (c80 < 0) {
                report.skip_interaction("object class \"" + o->cls.label + "\" is outside COCO-80");
                continue;
            }
            int h = vocab.hoi_id(v, c80);
            if (h < 0) {
                report.skip_interaction("(" + vocab.verb_name(v) + ", " + std::string(coco80_names()[static_cast<size_t>(c80)]) +
                                        ") is not one of HICO's 600 HOI classes");
                continue;
            }
            bh.push_back({s->box.x1, s->box.y1, s->box.x2, s->box.y2});
            bo.push_back({o->box.x1, o->box.y1, o->box.x2, o->box.y2});
            hoi.push_back(h);
            obj.push_back(c80);
            verb.push_back(v);
            used.insert(s->id);
            used.insert(o->id);
            ++report.interactions;
        }
        if (hoi.empty()) empty.push_back(i);
        annotation.push_back({{"boxes_h", std::move(bh)}, {"boxes_o", std::move(bo)}, {"hoi", std::move(hoi)},
                              {"object", std::move(obj)}, {"verb", std::move(verb)}});
        filenames.push_back(im.file_name);
        size.push_back({im.width, im.height});
        ++report.images;
    }
    for (const Instance* x : sel.instances) {
        if (used.count(x->id)) ++report.instances;
        else report.skip_instance("instance in no exported interaction (the layout stores box pairs only)");
    }
    json corr = json::array(), rare = json::array(), non_rare = json::array();
    for (const HicoHoi& h : vocab.hois()) {
        corr.push_back({h.id, h.object_coco80, h.verb});
        (h.rare ? rare : non_rare).push_back(h.id);
    }
    json root;
    root["annotation"] = std::move(annotation);
    root["filenames"] = std::move(filenames);
    root["size"] = std::move(size);
    root["empty"] = std::move(empty);
    root["objects"] = vocab.objects_coco80();
    root["verbs"] = vocab.verbs();
    root["correspondence"] = std::move(corr);
    root["rare"] = std::move(rare);
    root["non_rare"] = std::move(non_rare);
    return root.dump() + "\n";
}

} // namespace hoi::annotation::detail
