#include "hoi/document_export.h"

#include "io/error.h"

#include <algorithm>
#include <set>

namespace hoi::model {

namespace {
double box_iou(const annotation::Box& a, const annotation::Box& b) {
    const double iw = std::min(a.x2, b.x2) - std::max(a.x1, b.x1);
    const double ih = std::min(a.y2, b.y2) - std::max(a.y1, b.y1);
    if (iw <= 0 || ih <= 0) return 0;
    const double inter = iw * ih;
    const double uni = a.area() + b.area() - inter;
    return uni > 0 ? inter / uni : 0;
}
} // namespace

DocumentExportResult to_document(const ImageAnalysis& a, annotation::Document& doc, annotation::Id image,
                                 const DocumentExportOptions& opt) {
    using namespace annotation;
    if (!doc.image(image)) throw_input("image id " + std::to_string(image) + " is not in the document");
    DocumentExportResult result;
    result.instances.assign(a.detections.size(), 0);

    if (opt.replace_predicted) {
        std::vector<Id> drop_inter;
        for (const Interaction* i : doc.interactions_of(image))
            if (i->state == State::Predicted) drop_inter.push_back(i->id);
        for (Id id : drop_inter) doc.remove_interaction(id);
        std::vector<Id> drop_inst;
        for (const Instance* in : doc.instances_of(image))
            if (in->state == State::Predicted && doc.interactions_with(in->id).empty()) drop_inst.push_back(in->id);
        for (Id id : drop_inst) doc.remove_instance(id);
    }

    // Instance for a detection: an existing one of the same class over the same box, else a new one.
    auto instance_for = [&](int det) -> Id {
        if (result.instances[static_cast<size_t>(det)]) return result.instances[static_cast<size_t>(det)];
        const auto& d = a.detections[static_cast<size_t>(det)];
        Box box{d.x1, d.y1, d.x2, d.y2};
        for (const Instance* in : doc.instances_of(image))
            if (in->cls.resolved_coco80() == d.class_id && box_iou(in->box, box) >= 0.9)
                return result.instances[static_cast<size_t>(det)] = in->id;
        Instance in;
        in.image = image;
        in.box = box;
        in.cls = ObjectClass::coco(d.class_id);
        in.score = d.score;
        in.state = State::Predicted;
        return result.instances[static_cast<size_t>(det)] = doc.add_instance(in);
    };
    if (opt.all_detections)
        for (size_t d = 0; d < a.detections.size(); ++d) instance_for(static_cast<int>(d));

    const auto& parser = PromptParser::instance();
    for (size_t p = 0; p < a.pairs.size(); ++p) {
        const Id s = instance_for(a.pairs[p].human), o = instance_for(a.pairs[p].object);
        if (!a.scored) continue;
        std::vector<size_t> order;
        for (size_t t = 0; t < a.prompts.size(); ++t) {
            const auto& sc = a.score(static_cast<int>(p), static_cast<int>(t));
            if (sc.applies && sc.final >= opt.min_score) order.push_back(t);
        }
        std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) {
            return a.score(static_cast<int>(p), static_cast<int>(x)).final > a.score(static_cast<int>(p), static_cast<int>(y)).final;
        });
        if (opt.top_k_per_pair > 0 && order.size() > static_cast<size_t>(opt.top_k_per_pair))
            order.resize(static_cast<size_t>(opt.top_k_per_pair));
        for (size_t t : order) {
            const Prompt& pr = a.prompts[t];
            Interaction in;
            in.image = image;
            in.subject = s;
            in.object = o;
            in.hico_verb = pr.verb_id;
            in.verb = pr.verb_id >= 0 ? parser.verb_name(pr.verb_id) : pr.verb;
            in.score = a.score(static_cast<int>(p), static_cast<int>(t)).final;
            in.state = State::Predicted;
            in.prompt = pr.text;
            bool known = false; // the same (subject, object, verb) already there: rejected or kept
            for (const Interaction* x : doc.interactions_with(s))
                known |= x->subject == s && x->object == o && x->verb == in.verb;
            if (known) continue;
            result.interactions.push_back(doc.add_interaction(in));
        }
    }
    return result;
}

} // namespace hoi::model
