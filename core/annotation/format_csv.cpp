// A flat CSV of interactions, one row each (see formats.h and csv_columns()).
#include "annotation/codecs.h"

#include "annotation/coco_classes.h"
#include "annotation/csv_table.h"

#include <cmath>
#include <cstdlib>
#include <map>
#include <tuple>
#include <unordered_map>

namespace hoi::annotation {

const std::vector<std::string>& csv_columns() {
    static const std::vector<std::string> cols = {
        "image",       "width",        "height",       "human_id",  "human_x1",  "human_y1",
        "human_x2",    "human_y2",     "human_class",  "human_score", "human_state", "object_id",
        "object_x1",   "object_y1",    "object_x2",    "object_y2", "object",    "object_score",
        "object_state", "verb",        "hico_verb",    "score",     "state",     "prompt"};
    return cols;
}

} // namespace hoi::annotation

namespace hoi::annotation::detail {
namespace {

const char* const kRequired[] = {"image",     "human_x1",  "human_y1",  "human_x2",  "human_y2", "object_x1",
                                 "object_y1", "object_x2", "object_y2", "object",    "verb"};

bool parse_double(const std::string& s, double& out) {
    if (s.empty()) return false;
    const char* b = s.c_str();
    char* e = nullptr;
    double d = std::strtod(b, &e);
    if (e != b + s.size() || !std::isfinite(d)) return false;
    out = d;
    return true;
}

bool parse_long(const std::string& s, long long& out) {
    if (s.empty()) return false;
    const char* b = s.c_str();
    char* e = nullptr;
    errno = 0;
    long long v = std::strtoll(b, &e, 10);
    if (e != b + s.size() || errno == ERANGE) return false;
    out = v;
    return true;
}

std::string cls_name(const ObjectClass& c) {
    return c.coco80 >= 0 ? std::string(coco80_names()[static_cast<size_t>(c.coco80)]) : c.label;
}

} // namespace

Project import_csv(std::string_view text, Problems& problems) {
    Project project;
    std::vector<CsvRow> rows;
    if (!parse_csv(text, problems, rows)) return project;
    if (rows.empty()) {
        problems.add("line 1", "empty file (expected a header row naming the columns)");
        return project;
    }
    std::map<std::string, size_t> col;
    for (size_t i = 0; i < rows[0].fields.size(); ++i) {
        const std::string& name = rows[0].fields[i];
        if (!col.emplace(name, i).second) problems.add("line 1", "column \"" + name + "\" appears twice");
    }
    for (const char* r : kRequired)
        if (!col.count(r)) problems.add("line 1", std::string("missing column \"") + r + "\"");
    if (!problems.empty()) return project;

    Document& doc = project.document;
    struct Row {
        std::string image, human_key, object_key; // instance ids as written ("" when absent)
        long long width = 0, height = 0;
        Instance human, object;
        Interaction inter;
    };
    std::vector<Row> parsed;
    const size_t ncols = rows[0].fields.size();
    for (size_t r = 1; r < rows.size(); ++r) {
        const CsvRow& row = rows[r];
        const std::string where_row = "line " + std::to_string(row.line);
        if (row.fields.size() != ncols) {
            problems.add(where_row, "has " + std::to_string(row.fields.size()) + " fields, the header has " +
                                        std::to_string(ncols));
            continue;
        }
        auto get = [&](const char* name) -> const std::string* {
            auto it = col.find(name);
            return it == col.end() ? nullptr : &row.fields[it->second];
        };
        auto where = [&](const char* name) { return where_row + ", column \"" + name + "\""; };
        bool ok = true;
        Row pr;
        auto number = [&](const char* name, double& out) {
            const std::string* v = get(name);
            if (!v || !parse_double(*v, out)) {
                problems.add(where(name), "expected a finite number, got \"" + (v ? *v : std::string()) + "\"");
                return false;
            }
            return true;
        };
        auto opt_number = [&](const char* name, std::optional<double>& out) {
            const std::string* v = get(name);
            out.reset();
            if (!v || v->empty()) return true;
            double d = 0;
            if (!parse_double(*v, d)) {
                problems.add(where(name), "expected a finite number or nothing, got \"" + *v + "\"");
                return false;
            }
            out = d;
            return true;
        };
        auto opt_int = [&](const char* name, long long min, long long max, long long& out) {
            const std::string* v = get(name);
            if (!v || v->empty()) return true;
            long long x = 0;
            if (!parse_long(*v, x) || x < min || x > max) {
                problems.add(where(name), "expected an integer " + std::to_string(min) + ".." + std::to_string(max) +
                                              ", got \"" + *v + "\"");
                return false;
            }
            out = x;
            return true;
        };
        auto state = [&](const char* name, State fallback, State& out) {
            const std::string* v = get(name);
            out = fallback;
            if (!v || v->empty()) return true;
            auto st = state_from_string(*v);
            if (!st) {
                problems.add(where(name), "unknown state \"" + *v + "\" (expected predicted, accepted, rejected or edited)");
                return false;
            }
            out = *st;
            return true;
        };
        auto box = [&](const char* x1, const char* y1, const char* x2, const char* y2, Box& out) {
            double c[4];
            bool good = number(x1, c[0]);
            good &= number(y1, c[1]);
            good &= number(x2, c[2]);
            good &= number(y2, c[3]);
            if (!good) return false;
            out = Box{c[0], c[1], c[2], c[3]};
            if (!out.valid()) {
                problems.add(where(x1), "box " + to_string(out) + " has " + (out.x2 < out.x1 ? "x2 < x1" : "y2 < y1") +
                                            " (expected x1 <= x2 and y1 <= y2)");
                return false;
            }
            return true;
        };

        pr.image = *get("image");
        if (!is_safe_relative_path(pr.image)) {
            problems.add(where("image"), "file name \"" + pr.image +
                                             "\" is not a relative path inside the image folder (absolute paths and '..' are refused)");
            ok = false;
        }
        ok &= opt_int("width", 0, 1 << 30, pr.width);
        ok &= opt_int("height", 0, 1 << 30, pr.height);
        ok &= box("human_x1", "human_y1", "human_x2", "human_y2", pr.human.box);
        ok &= box("object_x1", "object_y1", "object_x2", "object_y2", pr.object.box);
        const std::string* hc = get("human_class");
        pr.human.cls = hc && !hc->empty() ? ObjectClass::named(*hc) : ObjectClass::coco(kPersonClass);
        if (get("object")->empty()) {
            problems.add(where("object"), "the object class must not be empty");
            ok = false;
        } else {
            pr.object.cls = ObjectClass::named(*get("object"));
        }
        ok &= opt_number("human_score", pr.human.score);
        ok &= opt_number("object_score", pr.object.score);
        ok &= opt_number("score", pr.inter.score);
        ok &= state("human_state", state_for_score(pr.human.score), pr.human.state);
        ok &= state("object_state", state_for_score(pr.object.score), pr.object.state);
        ok &= state("state", state_for_score(pr.inter.score), pr.inter.state);
        pr.inter.verb = *get("verb");
        if (pr.inter.verb.empty()) {
            problems.add(where("verb"), "the verb must not be empty");
            ok = false;
        }
        long long hv = -2;
        ok &= opt_int("hico_verb", -1, 116, hv);
        if (const std::string* p = get("prompt")) pr.inter.prompt = *p;
        long long hid = 0, oid = 0;
        if (ok && opt_int("human_id", 1, 1LL << 53, hid) && opt_int("object_id", 1, 1LL << 53, oid)) {
            if (hid) pr.human_key = std::to_string(hid);
            if (oid) pr.object_key = std::to_string(oid);
            if (hid && hid == oid) {
                problems.add(where("object_id"), "the human and the object are the same instance " + std::to_string(hid));
                ok = false;
            }
        } else {
            ok = false;
        }
        if (ok) {
            pr.inter.hico_verb = hv == -2 ? resolve_hico_verb(pr.inter) : static_cast<int>(hv);
            parsed.push_back(std::move(pr));
        }
    }
    if (!problems.empty()) return project;

    // With id columns, rows naming the same instance id (per image) share the instance, which must
    // then be described identically; without them, identical instances (same image, box, class,
    // score and state) are one instance.
    using Key = std::tuple<Id, double, double, double, double, int, std::string, bool, double, int>;
    std::map<Key, Id> known;
    std::map<std::pair<Id, std::string>, Id> by_written_id;
    auto instance_for = [&](Id image, const Instance& x, const std::string& written_id, size_t line) -> Id {
        Instance y = x;
        y.image = image;
        if (!written_id.empty()) {
            auto it = by_written_id.find({image, written_id});
            if (it != by_written_id.end()) {
                Instance have = *doc.instance(it->second);
                have.id = 0;
                if (have != y) {
                    problems.add("line " + std::to_string(line), "instance id " + written_id +
                                                                     " is described differently than on an earlier line");
                    return 0;
                }
                return it->second;
            }
            Id id = doc.add_instance(y);
            by_written_id.emplace(std::make_pair(image, written_id), id);
            return id;
        }
        Key k{image, x.box.x1, x.box.y1, x.box.x2, x.box.y2, x.cls.coco80, x.cls.label, x.score.has_value(),
              x.score.value_or(0.0), static_cast<int>(x.state)};
        auto it = known.find(k);
        if (it != known.end()) return it->second;
        Id id = doc.add_instance(y);
        known.emplace(k, id);
        return id;
    };
    for (size_t r = 0; r < parsed.size(); ++r) {
        Row& pr = parsed[r];
        const Image* im = doc.image_by_file(pr.image);
        Id image_id = 0;
        if (!im) {
            Image x;
            x.file_name = pr.image;
            x.width = static_cast<int>(pr.width);
            x.height = static_cast<int>(pr.height);
            image_id = doc.add_image(x);
        } else {
            image_id = im->id;
            if ((pr.width && im->width != pr.width) || (pr.height && im->height != pr.height)) {
                problems.add("line " + std::to_string(rows[r + 1].line),
                             "image \"" + pr.image + "\" has a different size than on an earlier line");
                continue;
            }
        }
        const size_t line = rows[r + 1].line;
        pr.inter.subject = instance_for(image_id, pr.human, pr.human_key, line);
        pr.inter.object = instance_for(image_id, pr.object, pr.object_key, line);
        if (!pr.inter.subject || !pr.inter.object) continue;
        if (pr.inter.subject == pr.inter.object) {
            problems.add("line " + std::to_string(rows[r + 1].line), "the human and the object are the same box and class");
            continue;
        }
        doc.add_interaction(pr.inter);
    }
    return project;
}

std::string export_csv(const Project& project, ExportReport& report) {
    const Document& doc = project.document;
    // Every state is expressible in CSV, so rejected entries are written too (state column).
    std::string out;
    const auto& cols = csv_columns();
    for (size_t i = 0; i < cols.size(); ++i) out += (i ? "," : "") + cols[i];
    out += "\r\n";
    std::unordered_map<Id, bool> used;
    std::unordered_map<Id, bool> image_used;
    for (const Interaction& x : doc.interactions()) {
        const Instance* h = doc.instance(x.subject);
        if (!x.object) {
            report.skip_interaction("no object (a relation of its subject alone): a CSV row needs an object box");
            continue;
        }
        const Instance* o = doc.instance(x.object);
        const Image* im = doc.image(x.image);
        auto num = [](double d) { return format_number(d); };
        auto opt = [](const std::optional<double>& d) { return d ? format_number(*d) : std::string(); };
        std::vector<std::string> f = {
            im->file_name,      std::to_string(im->width), std::to_string(im->height), std::to_string(h->id),
            num(h->box.x1),     num(h->box.y1),            num(h->box.x2),
            num(h->box.y2),     cls_name(h->cls),          opt(h->score),
            std::string(to_string(h->state)), std::to_string(o->id), num(o->box.x1), num(o->box.y1),
            num(o->box.x2),     num(o->box.y2),            cls_name(o->cls),
            opt(o->score),      std::string(to_string(o->state)), x.verb,
            std::to_string(x.hico_verb), opt(x.score),     std::string(to_string(x.state)),
            x.prompt};
        for (size_t i = 0; i < f.size(); ++i) out += (i ? "," : "") + csv_field(f[i]);
        out += "\r\n";
        used[h->id] = used[o->id] = true;
        image_used[im->id] = true;
        ++report.interactions;
    }
    for (const Instance& x : doc.instances()) {
        if (used.count(x.id)) ++report.instances;
        else report.skip_instance("instance in no interaction (a CSV row is an interaction)");
    }
    report.images = image_used.size();
    for (const Image& im : doc.images())
        if (!image_used.count(im.id)) ++report.reasons["image without interactions (no row to hold it)"];
    return out;
}

} // namespace hoi::annotation::detail
