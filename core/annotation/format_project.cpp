// The project file (JSON, schema in project.h), with migration of schema version 1.
#include "annotation/codecs.h"

#include "annotation/coco_classes.h"
#include "io/atomic_file.h"
#include "io/error.h"

#include <set>

#ifndef HOI_VERSION
#define HOI_VERSION "dev"
#endif

namespace hoi::annotation::detail {
namespace {

constexpr long long kMaxId = (1LL << 53); // exactly representable in every JSON reader

json settings_to_json(const ProjectSettings& s) {
    json j;
    j["image_dir"] = s.image_dir;
    j["prompts"] = s.prompts;
    j["thresholds"] = json::object();
    for (const auto& [k, v] : s.thresholds) j["thresholds"][k] = v;
    j["models"] = json::object();
    for (const auto& [k, v] : s.models) j["models"][k] = v;
    j["templates"] = s.templates;
    return j;
}

void read_string_list(const json& obj, const char* key, const std::string& path, Problems& problems,
                      std::vector<std::string>& out) {
    const json* v = member(obj, key, path, problems, false);
    if (!v) return;
    if (!expect_array(*v, at(path, key), problems)) return;
    for (size_t i = 0; i < v->size(); ++i) {
        std::string s;
        if (read_string((*v)[i], at(at(path, key), i), problems, s)) out.push_back(std::move(s));
    }
}

ProjectSettings settings_from_json(const json& j, int version, Problems& problems) {
    ProjectSettings s;
    const std::string p = "settings";
    if (!expect_object(j, p, problems)) return s;
    if (const json* v = member(j, "image_dir", p, problems, false)) read_string(*v, at(p, "image_dir"), problems, s.image_dir);
    read_string_list(j, "prompts", p, problems, s.prompts);
    read_string_list(j, "templates", p, problems, s.templates);
    if (version == 1) {
        if (const json* v = member(j, "threshold", p, problems, false)) {
            double d = 0;
            if (read_number(*v, at(p, "threshold"), problems, d)) s.thresholds["score"] = d;
        }
    } else if (const json* v = member(j, "thresholds", p, problems, false)) {
        if (expect_object(*v, at(p, "thresholds"), problems))
            for (auto it = v->begin(); it != v->end(); ++it) {
                double d = 0;
                if (read_number(it.value(), at(at(p, "thresholds"), it.key()), problems, d)) s.thresholds[it.key()] = d;
            }
    }
    if (const json* v = member(j, "models", p, problems, false)) {
        if (expect_object(*v, at(p, "models"), problems))
            for (auto it = v->begin(); it != v->end(); ++it) {
                std::string m;
                if (read_string(it.value(), at(at(p, "models"), it.key()), problems, m)) s.models[it.key()] = m;
            }
    }
    return s;
}

bool read_state(const json& obj, const std::string& path, Problems& problems, State& out) {
    const json* v = member(obj, "state", path, problems, false);
    if (!v) {
        out = State::Accepted;
        return true;
    }
    std::string s;
    if (!read_string(*v, at(path, "state"), problems, s)) return false;
    auto st = state_from_string(s);
    if (!st) {
        problems.add(at(path, "state"), "unknown state \"" + s + "\" (expected predicted, accepted, rejected or edited)");
        return false;
    }
    out = *st;
    return true;
}

bool read_id(const json& obj, const char* key, const std::string& path, Problems& problems, Id& out) {
    const json* v = member(obj, key, path, problems);
    long long x = 0;
    if (!v || !read_int(*v, at(path, key), problems, 1, kMaxId, x)) return false;
    out = x;
    return true;
}

} // namespace

Project import_project(std::string_view text, Problems& problems) {
    Project project;
    json root;
    if (!parse_json(text, problems, root)) return project;
    if (!expect_object(root, "", problems)) return project;
    long long version = 0;
    if (!root.contains("schema_version")) {
        // detect_format sends every JSON object it does not recognise here: say what was expected.
        problems.add("(top level)", "not a recognised annotation file: a HOI Studio project has \"schema_version\", HICO-DET "
                         "(QPIC) JSON is a list of images, COCO JSON has \"images\" and \"annotations\", instances "
                         "JSON has \"filenames\" and \"annotation\"");
        return project;
    }
    const json* vj = member(root, "schema_version", "", problems);
    if (!vj || !read_int(*vj, "schema_version", problems, 1, 1LL << 31, version)) return project;
    if (version > kProjectSchemaVersion) {
        problems.add("schema_version", "the file has schema version " + std::to_string(version) +
                                           ", newer than the newest this version of HOI Studio reads (" +
                                           std::to_string(kProjectSchemaVersion) + "); open it with a newer HOI Studio");
        return project;
    }
    const int ver = static_cast<int>(version);

    if (const json* s = member(root, "settings", "", problems, false))
        project.settings = settings_from_json(*s, ver, problems);

    std::vector<Image> images;
    std::vector<Instance> instances;
    std::vector<Interaction> interactions;
    std::set<Id> image_ids, instance_ids, interaction_ids;
    std::set<std::string> files;
    std::map<Id, Id> image_of_instance;

    const json* ims = member(root, "images", "", problems);
    if (ims && expect_array(*ims, "images", problems))
        for (size_t i = 0; i < ims->size(); ++i) {
            const std::string p = at("images", i);
            const json& e = (*ims)[i];
            if (!expect_object(e, p, problems)) continue;
            Image im;
            bool ok = read_id(e, "id", p, problems, im.id);
            if (ok && !image_ids.insert(im.id).second) {
                problems.add(at(p, "id"), "duplicate image id " + std::to_string(im.id));
                ok = false;
            }
            const json* f = member(e, "file_name", p, problems);
            if (f && read_file_name(*f, at(p, "file_name"), problems, im.file_name)) {
                if (!files.insert(im.file_name).second) {
                    problems.add(at(p, "file_name"), "duplicate image \"" + im.file_name + "\"");
                    ok = false;
                }
            } else {
                ok = false;
            }
            long long w = 0, h = 0;
            if (const json* v = member(e, "width", p, problems, false)) ok &= read_int(*v, at(p, "width"), problems, 0, 1 << 30, w);
            if (const json* v = member(e, "height", p, problems, false)) ok &= read_int(*v, at(p, "height"), problems, 0, 1 << 30, h);
            im.width = static_cast<int>(w);
            im.height = static_cast<int>(h);
            if (const json* v = member(e, "reviewed", p, problems, false)) ok &= read_bool(*v, at(p, "reviewed"), problems, im.reviewed);
            if (ok) images.push_back(im);
        }

    const json* ins = member(root, "instances", "", problems);
    if (ins && expect_array(*ins, "instances", problems))
        for (size_t i = 0; i < ins->size(); ++i) {
            const std::string p = at("instances", i);
            const json& e = (*ins)[i];
            if (!expect_object(e, p, problems)) continue;
            Instance x;
            bool ok = read_id(e, "id", p, problems, x.id);
            if (ok && !instance_ids.insert(x.id).second) {
                problems.add(at(p, "id"), "duplicate instance id " + std::to_string(x.id));
                ok = false;
            }
            if (read_id(e, "image", p, problems, x.image)) {
                if (!image_ids.count(x.image)) {
                    problems.add(at(p, "image"), "no image with id " + std::to_string(x.image));
                    ok = false;
                }
            } else {
                ok = false;
            }
            const json* b = member(e, "box", p, problems);
            ok &= b && read_box_xyxy(*b, at(p, "box"), problems, x.box);
            if (ver == 1) {
                // v1: "class" is a COCO-80 id or a free-text name.
                const json* c = member(e, "class", p, problems);
                if (c && c->is_string()) {
                    std::string name = c->get<std::string>();
                    if (name.empty()) {
                        problems.add(at(p, "class"), "class name must not be empty");
                        ok = false;
                    }
                    x.cls = ObjectClass::named(name);
                } else if (c) {
                    long long id = 0;
                    if (read_int(*c, at(p, "class"), problems, 0, kCocoClasses - 1, id))
                        x.cls = ObjectClass::coco(static_cast<int>(id));
                    else
                        ok = false;
                } else {
                    ok = false;
                }
            } else {
                long long c80 = -1;
                const json* c = member(e, "coco80", p, problems);
                ok &= c && read_int(*c, at(p, "coco80"), problems, -1, kCocoClasses - 1, c80);
                x.cls.coco80 = static_cast<int>(c80);
                if (const json* l = member(e, "label", p, problems, false)) ok &= read_string(*l, at(p, "label"), problems, x.cls.label);
                if (ok && x.cls.coco80 < 0 && x.cls.label.empty()) {
                    problems.add(p, "an instance needs a COCO-80 class (coco80 0..79) or a label");
                    ok = false;
                }
            }
            ok &= read_optional_score(e, p, problems, x.score);
            ok &= read_state(e, p, problems, x.state);
            if (ok) {
                instances.push_back(x);
                image_of_instance[x.id] = x.image;
            }
        }

    const json* its = member(root, "interactions", "", problems);
    if (its && expect_array(*its, "interactions", problems))
        for (size_t i = 0; i < its->size(); ++i) {
            const std::string p = at("interactions", i);
            const json& e = (*its)[i];
            if (!expect_object(e, p, problems)) continue;
            Interaction x;
            bool ok = read_id(e, "id", p, problems, x.id);
            if (ok && !interaction_ids.insert(x.id).second) {
                problems.add(at(p, "id"), "duplicate interaction id " + std::to_string(x.id));
                ok = false;
            }
            bool refs = read_id(e, "subject", p, problems, x.subject);
            // "object": 0 = a relation without an object (document.h).
            {
                const json* v = member(e, "object", p, problems);
                long long id = 0;
                if (v && read_int(*v, at(p, "object"), problems, 0, kMaxId, id)) x.object = id;
                else refs = false;
            }
            if (refs) {
                for (auto [key, id] : {std::pair<const char*, Id>{"subject", x.subject}, {"object", x.object}})
                    if (id != 0 && !instance_ids.count(id)) {
                        problems.add(at(p, key), "no instance with id " + std::to_string(id));
                        refs = false;
                    }
            }
            if (refs && x.subject == x.object) {
                problems.add(p, "subject and object are the same instance " + std::to_string(x.subject));
                refs = false;
            }
            if (refs && x.object && image_of_instance.count(x.subject) && image_of_instance.count(x.object) &&
                image_of_instance[x.subject] != image_of_instance[x.object]) {
                problems.add(p, "subject " + std::to_string(x.subject) + " and object " + std::to_string(x.object) +
                                    " are in different images");
                refs = false;
            }
            ok &= refs;
            if (ver >= 2) {
                if (read_id(e, "image", p, problems, x.image)) {
                    if (refs && image_of_instance.count(x.subject) && image_of_instance[x.subject] != x.image) {
                        problems.add(at(p, "image"), "image " + std::to_string(x.image) +
                                                         " is not the image of its instances (" +
                                                         std::to_string(image_of_instance[x.subject]) + ")");
                        ok = false;
                    }
                } else {
                    ok = false;
                }
            } else if (refs && image_of_instance.count(x.subject)) {
                x.image = image_of_instance[x.subject];
            }
            const json* v = member(e, "verb", p, problems);
            if (v && read_string(*v, at(p, "verb"), problems, x.verb)) {
                if (x.verb.empty()) {
                    problems.add(at(p, "verb"), "the verb must not be empty");
                    ok = false;
                }
            } else {
                ok = false;
            }
            if (const json* hv = member(e, "hico_verb", p, problems, false)) {
                long long h = -1;
                ok &= read_int(*hv, at(p, "hico_verb"), problems, -1, 116, h);
                x.hico_verb = static_cast<int>(h);
            } else if (ok) {
                x.hico_verb = resolve_hico_verb(x);
            }
            if (ver >= 2)
                if (const json* pr = member(e, "prompt", p, problems, false)) ok &= read_string(*pr, at(p, "prompt"), problems, x.prompt);
            ok &= read_optional_score(e, p, problems, x.score);
            ok &= read_state(e, p, problems, x.state);
            if (ok) interactions.push_back(x);
        }

    std::optional<IdCounters> counters;
    if (ver >= 2) {
        const json* n = member(root, "next_ids", "", problems);
        if (n && expect_object(*n, "next_ids", problems)) {
            IdCounters c;
            bool ok = read_id(*n, "image", "next_ids", problems, c.image);
            ok &= read_id(*n, "instance", "next_ids", problems, c.instance);
            ok &= read_id(*n, "interaction", "next_ids", problems, c.interaction);
            if (ok) counters = c;
        }
    }
    if (!problems.empty()) return project;
    try {
        project.document = Document::from_parts(std::move(images), std::move(instances), std::move(interactions), counters);
    } catch (const Error& e) {
        problems.add(counters ? "next_ids" : "", e.what());
    }
    return project;
}

std::string export_project(const Project& project, ExportReport& report) {
    const Document& doc = project.document;
    json root;
    root["schema_version"] = kProjectSchemaVersion;
    root["generator"] = std::string("HOI Studio ") + HOI_VERSION;
    root["settings"] = settings_to_json(project.settings);
    const IdCounters& c = doc.counters();
    root["next_ids"] = {{"image", c.image}, {"instance", c.instance}, {"interaction", c.interaction}};
    json ims = json::array();
    for (const Image& im : doc.images()) {
        ims.push_back({{"id", im.id},
                       {"file_name", im.file_name},
                       {"width", im.width},
                       {"height", im.height},
                       {"reviewed", im.reviewed}});
        ++report.images;
    }
    json ins = json::array();
    for (const Instance& x : doc.instances()) {
        json e = {{"id", x.id},
                  {"image", x.image},
                  {"box", {x.box.x1, x.box.y1, x.box.x2, x.box.y2}},
                  {"coco80", x.cls.coco80},
                  {"label", x.cls.label},
                  {"state", std::string(to_string(x.state))}};
        if (x.score) e["score"] = *x.score;
        ins.push_back(std::move(e));
        ++report.instances;
    }
    json its = json::array();
    for (const Interaction& x : doc.interactions()) {
        json e = {{"id", x.id},         {"image", x.image},         {"subject", x.subject},
                  {"object", x.object}, {"verb", x.verb},           {"hico_verb", x.hico_verb},
                  {"prompt", x.prompt}, {"state", std::string(to_string(x.state))}};
        if (x.score) e["score"] = *x.score;
        its.push_back(std::move(e));
        ++report.interactions;
    }
    root["images"] = std::move(ims);
    root["instances"] = std::move(ins);
    root["interactions"] = std::move(its);
    return root.dump(1) + "\n";
}

} // namespace hoi::annotation::detail

namespace hoi::annotation {

void save_project(const Project& project, const std::string& path) {
    ExportReport report;
    io::write_file_atomic(path, detail::export_project(project, report));
}

Project load_project(const std::string& path) { return import_file(path, Format::Project); }

} // namespace hoi::annotation
