#include "learn/labelled_set.h"

#include "annotation/coco_classes.h"
#include "annotation/formats.h"
#include "annotation/hico_format.h"
#include "clip/sha256.h"
#include "io/atomic_file.h"
#include "io/error.h"

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <unordered_map>

namespace fs = std::filesystem;

namespace hoi::learn {

std::string LabelledSet::summary() const {
    std::ostringstream s;
    s << images.size() << " image(s), " << positives << " positive and " << negatives << " negative relation(s)";
    if (!missing_images.empty()) s << ", " << missing_images.size() << " image(s) missing";
    for (const auto& [reason, n] : skipped) s << "; " << n << " skipped (" << reason << ")";
    return s.str();
}

LabelledSet read_labelled_set(const std::string& path, const std::string& image_dir) {
    using namespace annotation;
    const std::string text = io::read_file(path, kMaxAnnotationFileBytes);
    const Format format = detect_format(text);
    Project project = import_text(text, format, path);
    LabelledSet set;
    set.source = path;
    set.format = std::string(format_name(format));
    set.sha256 = clip::sha256_hex(text);

    fs::path dir = image_dir;
    if (dir.empty()) {
        const fs::path base = fs::path(path).parent_path();
        dir = project.settings.image_dir.empty() ? base
              : fs::path(project.settings.image_dir).is_absolute() ? fs::path(project.settings.image_dir)
                                                                    : base / project.settings.image_dir;
    }
    const auto& parser = model::PromptParser::instance();
    const auto hico = parser.hico_prompts();
    const Document& doc = project.document;
    for (const auto& img : doc.images()) {
        LabelledImage li;
        li.file_name = img.file_name;
        li.path = (dir / img.file_name).lexically_normal().string();
        li.width = img.width;
        li.height = img.height;
        std::unordered_map<Id, int> box_of;
        for (const Instance* in : doc.instances_of(img.id)) {
            if (in->state == State::Rejected) continue;
            const int cls = in->cls.resolved_coco80();
            if (cls < 0) continue;
            detect::Detection d;
            d.x1 = static_cast<float>(in->box.x1);
            d.y1 = static_cast<float>(in->box.y1);
            d.x2 = static_cast<float>(in->box.x2);
            d.y2 = static_cast<float>(in->box.y2);
            d.class_id = cls;
            d.label = std::string(coco80_names()[static_cast<size_t>(cls)]);
            d.score = 1.0f;
            box_of[in->id] = static_cast<int>(li.boxes.size());
            li.boxes.push_back(d);
        }
        for (const Interaction* r : doc.interactions_of(img.id)) {
            if (r->state == State::Predicted) {
                ++set.skipped["not reviewed (predicted)"];
                continue;
            }
            if (!r->object) {
                ++set.skipped["no object (the pair classifier scores a person and an object)"];
                continue;
            }
            auto s = box_of.find(r->subject), o = box_of.find(r->object);
            if (s == box_of.end() || o == box_of.end()) {
                ++set.skipped["a box is rejected or outside COCO-80"];
                continue;
            }
            if (li.boxes[static_cast<size_t>(s->second)].class_id != 0) {
                ++set.skipped["the subject is not a person"];
                continue;
            }
            LabelledRelation rel;
            rel.subject = s->second;
            rel.object = o->second;
            rel.positive = r->state != State::Rejected;
            const int cls = li.boxes[static_cast<size_t>(o->second)].class_id;
            const int hoi = annotation::hico_hoi_of(*r, cls); // the HICO class, as the HICO-DET writer gives it
            if (hoi >= 0) {
                rel.prompt = hico[static_cast<size_t>(hoi)];
            } else {
                std::string verb = r->verb;
                std::replace(verb.begin(), verb.end(), '_', ' ');
                try {
                    rel.prompt = parser.parse(verb + " " + li.boxes[static_cast<size_t>(o->second)].label);
                } catch (const Error&) {
                    ++set.skipped["the verb cannot be read as a prompt"];
                    continue;
                }
            }
            li.relations.push_back(std::move(rel));
        }
        if (li.relations.empty()) continue;
        std::error_code ec;
        if (!fs::is_regular_file(li.path, ec)) {
            set.missing_images.push_back(li.path);
            set.skipped["image missing"] += li.relations.size();
            continue;
        }
        for (const auto& r : li.relations) (r.positive ? set.positives : set.negatives)++;
        set.images.push_back(std::move(li));
    }
    return set;
}

MatchedImage add_matched_detections(const LabelledImage& image, const std::vector<detect::Detection>& detections,
                                    float min_iou) {
    MatchedImage m;
    m.image = image;
    for (int b = 0; b < static_cast<int>(image.boxes.size()); ++b) m.source.push_back(b);
    for (const auto& d : detections) {
        int best = -1;
        float best_iou = min_iou;
        for (size_t b = 0; b < image.boxes.size(); ++b) {
            if (image.boxes[b].class_id != d.class_id) continue;
            const float o = detect::iou(d, image.boxes[b]);
            if (o >= best_iou && (best < 0 || o > best_iou)) {
                best = static_cast<int>(b);
                best_iou = o;
            }
        }
        if (best < 0) continue;
        m.image.boxes.push_back(d);
        m.source.push_back(best);
        ++m.matched;
    }
    return m;
}

} // namespace hoi::learn
