// COCO detection JSON (boxes only; see formats.h).
#include "annotation/codecs.h"

#include "annotation/coco_classes.h"

#include <map>
#include <set>
#include <unordered_map>

namespace hoi::annotation::detail {
namespace {
constexpr long long kMaxCocoId = (1LL << 53);
constexpr int kFirstCustomCategory = 1000;
} // namespace

Project import_coco(std::string_view text, Problems& problems) {
    Project project;
    json root;
    if (!parse_json(text, problems, root)) return project;
    if (!expect_object(root, "", problems)) return project;
    const json* ims = member(root, "images", "", problems);
    const json* anns = member(root, "annotations", "", problems);
    const json* cats = member(root, "categories", "", problems);
    bool ok = ims && expect_array(*ims, "images", problems);
    ok &= anns && expect_array(*anns, "annotations", problems);
    ok &= cats && expect_array(*cats, "categories", problems);
    if (!ok) return project;

    std::map<long long, ObjectClass> categories;
    for (size_t i = 0; i < cats->size(); ++i) {
        const std::string p = at("categories", i);
        const json& c = (*cats)[i];
        if (!expect_object(c, p, problems)) continue;
        long long id = 0;
        std::string name;
        const json* idj = member(c, "id", p, problems);
        const json* nj = member(c, "name", p, problems);
        bool good = idj && read_int(*idj, at(p, "id"), problems, 0, kMaxCocoId, id);
        good &= nj && read_string(*nj, at(p, "name"), problems, name);
        if (!good) continue;
        if (name.empty()) {
            problems.add(at(p, "name"), "the category name must not be empty");
            continue;
        }
        if (categories.count(id)) {
            problems.add(at(p, "id"), "duplicate category id " + std::to_string(id));
            continue;
        }
        categories[id] = ObjectClass::named(name);
    }

    struct Im {
        Image image;
        size_t index;
    };
    std::map<long long, Im> images;
    std::vector<long long> image_order;
    std::set<std::string> files;
    for (size_t i = 0; i < ims->size(); ++i) {
        const std::string p = at("images", i);
        const json& e = (*ims)[i];
        if (!expect_object(e, p, problems)) continue;
        long long id = 0, w = 0, h = 0;
        Image im;
        const json* idj = member(e, "id", p, problems);
        bool good = idj && read_int(*idj, at(p, "id"), problems, 0, kMaxCocoId, id);
        const json* fj = member(e, "file_name", p, problems);
        good &= fj && read_file_name(*fj, at(p, "file_name"), problems, im.file_name);
        if (const json* v = member(e, "width", p, problems, false)) good &= read_int(*v, at(p, "width"), problems, 0, 1 << 30, w);
        if (const json* v = member(e, "height", p, problems, false)) good &= read_int(*v, at(p, "height"), problems, 0, 1 << 30, h);
        if (!good) continue;
        if (images.count(id)) {
            problems.add(at(p, "id"), "duplicate image id " + std::to_string(id));
            continue;
        }
        if (!files.insert(im.file_name).second) {
            problems.add(at(p, "file_name"), "duplicate image \"" + im.file_name + "\"");
            continue;
        }
        im.width = static_cast<int>(w);
        im.height = static_cast<int>(h);
        images[id] = Im{im, i};
        image_order.push_back(id);
    }

    struct Ann {
        long long image;
        Instance instance;
    };
    std::vector<Ann> list;
    std::set<long long> ann_ids;
    for (size_t i = 0; i < anns->size(); ++i) {
        const std::string p = at("annotations", i);
        const json& a = (*anns)[i];
        if (!expect_object(a, p, problems)) continue;
        long long id = 0, image = 0, cat = 0;
        Instance x;
        const json* v = member(a, "id", p, problems, false);
        bool good = true;
        if (v) {
            good &= read_int(*v, at(p, "id"), problems, 0, kMaxCocoId, id);
            if (good && !ann_ids.insert(id).second) {
                problems.add(at(p, "id"), "duplicate annotation id " + std::to_string(id));
                good = false;
            }
        }
        v = member(a, "image_id", p, problems);
        if (v && read_int(*v, at(p, "image_id"), problems, 0, kMaxCocoId, image)) {
            if (!images.count(image)) {
                problems.add(at(p, "image_id"), "no image with id " + std::to_string(image));
                good = false;
            }
        } else {
            good = false;
        }
        v = member(a, "category_id", p, problems);
        if (v && read_int(*v, at(p, "category_id"), problems, 0, kMaxCocoId, cat)) {
            auto it = categories.find(cat);
            if (it == categories.end()) {
                problems.add(at(p, "category_id"), "no category with id " + std::to_string(cat));
                good = false;
            } else {
                x.cls = it->second;
            }
        } else {
            good = false;
        }
        v = member(a, "bbox", p, problems);
        if (v) {
            const std::string bp = at(p, "bbox");
            if (!v->is_array() || v->size() != 4) {
                problems.add(bp, "expected [x, y, width, height] of 4 numbers");
                good = false;
            } else {
                double c[4];
                bool nums = true;
                for (size_t k = 0; k < 4; ++k) nums &= read_number((*v)[k], at(bp, k), problems, c[k]);
                if (nums && (c[2] < 0 || c[3] < 0)) {
                    problems.add(bp, "width and height must not be negative (got " + format_number(c[2]) + ", " +
                                         format_number(c[3]) + ")");
                    nums = false;
                }
                if (nums) {
                    x.box = Box{c[0], c[1], c[0] + c[2], c[1] + c[3]};
                    if (!x.box.valid()) {
                        problems.add(bp, "the box overflows");
                        nums = false;
                    }
                }
                good &= nums;
            }
        } else {
            good = false;
        }
        good &= read_optional_score(a, p, problems, x.score);
        x.state = state_for_score(x.score);
        if (good) list.push_back(Ann{image, x});
    }
    if (!problems.empty()) return project;

    Document& doc = project.document;
    std::map<long long, Id> doc_id;
    for (long long id : image_order) doc_id[id] = doc.add_image(images[id].image);
    for (auto& a : list) {
        a.instance.image = doc_id[a.image];
        doc.add_instance(a.instance);
    }
    return project;
}

std::string export_coco(const Project& project, ExportReport& report) {
    const Document& doc = project.document;
    ExportSelection sel = select_for_export(doc, report);
    json categories = json::array();
    for (int c = 0; c < kCocoClasses; ++c)
        categories.push_back({{"id", coco80_to_coco91(c)},
                              {"name", std::string(coco80_names()[static_cast<size_t>(c)])},
                              {"supercategory", c == kPersonClass ? "person" : "object"}});
    std::map<std::string, int> custom;
    std::unordered_map<Id, long long> image_index;
    json images = json::array();
    for (size_t i = 0; i < doc.images().size(); ++i) {
        const Image& im = doc.images()[i];
        image_index[im.id] = static_cast<long long>(i + 1);
        images.push_back({{"id", i + 1}, {"file_name", im.file_name}, {"width", im.width}, {"height", im.height}});
        ++report.images;
    }
    json anns = json::array();
    for (const Instance* x : sel.instances) {
        int c80 = x->cls.resolved_coco80();
        int cat = 0;
        if (c80 >= 0) {
            cat = coco80_to_coco91(c80);
        } else {
            auto it = custom.find(x->cls.label);
            if (it == custom.end()) {
                int id = kFirstCustomCategory + static_cast<int>(custom.size());
                it = custom.emplace(x->cls.label, id).first;
                categories.push_back({{"id", id}, {"name", x->cls.label}, {"supercategory", "object"}});
            }
            cat = it->second;
        }
        json a = {{"id", anns.size() + 1},
                  {"image_id", image_index[x->image]},
                  {"category_id", cat},
                  {"bbox", {x->box.x1, x->box.y1, x->box.width(), x->box.height()}},
                  {"area", x->box.area()},
                  {"iscrowd", 0}};
        if (x->score) a["score"] = *x->score;
        anns.push_back(std::move(a));
        ++report.instances;
    }
    for (size_t i = 0; i < sel.interactions.size(); ++i)
        report.skip_interaction("COCO detection JSON has no relations (boxes only)");
    json root;
    root["info"] = {{"description", "exported by HOI Studio"}};
    root["images"] = std::move(images);
    root["annotations"] = std::move(anns);
    root["categories"] = std::move(categories);
    return root.dump() + "\n";
}

} // namespace hoi::annotation::detail
