#include "hoi/analysis_merge.h"

#include "annotation/hico_vocabulary.h"
#include "io/error.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

namespace hoi::model {

using annotation::Box;
using annotation::Id;
using annotation::Instance;
using annotation::Interaction;
using annotation::State;

std::string relation_verb(const Prompt& prompt) {
    return prompt.verb_id >= 0 ? annotation::HicoVocabulary::instance().verb_name(prompt.verb_id) : prompt.verb;
}

std::vector<int> ranked_prompts(const ImageAnalysis& a, int pair, bool no_interaction) {
    std::vector<int> order;
    if (!a.scored || pair < 0 || size_t(pair) >= a.pairs.size()) return order;
    for (size_t t = 0; t < a.prompts.size(); ++t)
        if ((no_interaction || !a.prompts[t].no_interaction) && a.score(pair, int(t)).applies) order.push_back(int(t));
    std::stable_sort(order.begin(), order.end(),
                     [&](int x, int y) { return a.score(pair, x).final > a.score(pair, y).final; });
    return order;
}

namespace {

Box detection_box(const detect::Detection& d) { return Box{d.x1, d.y1, d.x2, d.y2}; }

bool usable_box(const Box& b) { return b.valid() && b.width() > 0 && b.height() > 0; }

// Step 1 of the policy: detection -> instance, one to one.
std::vector<Id> match_detections(const ImageAnalysis& a, const annotation::Document& doc, Id image,
                                 const MergePolicy& policy, const std::vector<Id>* previous) {
    std::vector<Id> match(a.detections.size(), 0);
    if (previous && previous->size() == a.detections.size()) {
        for (size_t i = 0; i < match.size(); ++i)
            if ((*previous)[i] && doc.instance((*previous)[i])) match[i] = (*previous)[i];
        return match;
    }
    struct Candidate {
        double iou;
        size_t det;
        Id inst;
    };
    std::vector<Candidate> candidates;
    const auto instances = doc.instances_of(image);
    for (size_t d = 0; d < a.detections.size(); ++d) {
        const Box box = detection_box(a.detections[d]);
        for (const Instance* in : instances) {
            const bool person_touched = in->state != State::Predicted;
            if (!person_touched && in->cls.resolved_coco80() != a.detections[d].class_id) continue;
            const double v = annotation::iou(in->box, box);
            if (v >= policy.match_iou) candidates.push_back({v, d, in->id});
        }
    }
    // Best IoU first; ties in document / detection order, so the result never depends on sorting.
    std::stable_sort(candidates.begin(), candidates.end(),
                     [](const Candidate& x, const Candidate& y) { return x.iou > y.iou; });
    std::set<Id> taken;
    for (const Candidate& c : candidates) {
        if (match[c.det] || taken.count(c.inst)) continue;
        match[c.det] = c.inst;
        taken.insert(c.inst);
    }
    return match;
}

} // namespace

MergeResult merge_analysis(const ImageAnalysis& a, annotation::Document& doc, Id image, const MergePolicy& policy,
                           const std::vector<Id>* previous) {
    if (!doc.image(image)) throw_input("image id " + std::to_string(image) + " is not in the document");
    MergeResult result;
    const bool update = policy.mode == MergeMode::Update;
    const int observer = doc.add_observer([&](const annotation::Change&) { result.changed = true; });
    struct Unobserve {
        annotation::Document& doc;
        int handle;
        ~Unobserve() { doc.remove_observer(handle); }
    } unobserve{doc, observer};

    result.detection_instance = match_detections(a, doc, image, policy, previous);
    const bool fresh = !(previous && previous->size() == a.detections.size());

    if (update) {
        const annotation::Image* img = doc.image(image);
        if (a.width > 0 && a.height > 0 && (img->width != a.width || img->height != a.height))
            doc.set_image_size(image, a.width, a.height);
        std::vector<bool> in_pair(a.detections.size(), false);
        for (const Pair& p : a.pairs) {
            if (p.human >= 0 && size_t(p.human) < in_pair.size()) in_pair[size_t(p.human)] = true;
            if (p.object >= 0 && size_t(p.object) < in_pair.size()) in_pair[size_t(p.object)] = true;
        }
        // Predicted instances no detection stands for (and no person's relation needs) go.
        std::set<Id> matched(result.detection_instance.begin(), result.detection_instance.end());
        std::vector<Id> stale;
        for (const Instance* in : doc.instances_of(image)) {
            if (in->state != State::Predicted || matched.count(in->id)) continue;
            bool needed = false;
            for (const Interaction* r : doc.interactions_with(in->id)) needed |= r->state != State::Predicted;
            if (!needed) stale.push_back(in->id);
        }
        for (Id id : stale) doc.remove_instance(id);
        for (size_t d = 0; d < a.detections.size(); ++d) {
            const auto& det = a.detections[d];
            const Box box = detection_box(det);
            if (!usable_box(box)) {
                result.detection_instance[d] = 0;
                continue;
            }
            if (Id id = result.detection_instance[d]) {
                const Instance* in = doc.instance(id);
                if (in->state == State::Predicted) {
                    if (in->box != box) doc.set_box(id, box);
                    if (in->score != std::optional<double>(det.score)) doc.set_instance_score(id, double(det.score));
                }
                continue;
            }
            // A re-query's detection whose instance a person deleted stays deleted.
            const float threshold = det.class_id == 0 ? policy.human_threshold : policy.object_threshold;
            if (!fresh || !(in_pair[d] || (policy.all_detections && det.score >= threshold))) continue;
            Instance in;
            in.image = image;
            in.box = box;
            in.cls = annotation::ObjectClass::coco(det.class_id);
            in.score = det.score;
            in.state = State::Predicted;
            result.detection_instance[d] = doc.add_instance(in);
        }
    }

    // Relations of the image by (subject, object, verb).
    using Key = std::tuple<Id, Id, std::string>;
    std::map<Key, std::vector<Id>> existing;
    for (const Interaction* r : doc.interactions_of(image)) existing[{r->subject, r->object, r->verb}].push_back(r->id);
    std::set<Id> claimed;
    auto claim = [&](const Key& key, const std::string& prompt_text) -> Id {
        auto it = existing.find(key);
        if (it == existing.end()) return 0;
        Id best = 0;
        for (Id id : it->second) {
            if (claimed.count(id)) continue;
            if (doc.interaction(id)->prompt == prompt_text) {
                best = id;
                break;
            }
            if (!best) best = id;
        }
        if (best) claimed.insert(best);
        return best;
    };

    std::vector<Id> drop;
    if (a.scored) {
        for (size_t p = 0; p < a.pairs.size(); ++p) {
            const Pair& pair = a.pairs[p];
            if (pair.human < 0 || pair.object < 0 || size_t(pair.human) >= a.detections.size() ||
                size_t(pair.object) >= a.detections.size())
                continue;
            const Id s = result.detection_instance[size_t(pair.human)];
            const Id o = result.detection_instance[size_t(pair.object)];
            if (!s || !o || s == o) continue;
            // The pair's proposals: applying prompts at min_score or more, best first, top k.
            int proposals = 0;
            for (const int t : ranked_prompts(a, int(p), policy.no_interaction)) {
                const Prompt& prompt = a.prompts[size_t(t)];
                const double score = a.score(int(p), t).final;
                const bool proposed = score >= policy.min_score &&
                                      (policy.top_k_per_pair <= 0 || proposals < policy.top_k_per_pair);
                if (proposed) ++proposals;
                const std::string verb = relation_verb(prompt);
                const Id id = claim({s, o, verb}, prompt.text);
                if (id) {
                    const Interaction* r = doc.interaction(id);
                    if (update && r->state == State::Predicted && !proposed) {
                        drop.push_back(id);
                        continue;
                    }
                    result.relation_source[id] = {int(p), t};
                    if (update && r->score != std::optional<double>(score) &&
                        !(policy.keep_touched_scores && r->state != State::Predicted))
                        doc.set_interaction_score(id, score);
                    continue;
                }
                if (!update || !proposed) continue;
                Interaction r;
                r.image = image;
                r.subject = s;
                r.object = o;
                r.verb = verb;
                r.hico_verb = prompt.verb_id;
                r.score = score;
                r.state = State::Predicted;
                r.prompt = prompt.text;
                const Id added = doc.add_interaction(r);
                claimed.insert(added);
                result.relation_source[added] = {int(p), t};
            }
        }
    }
    if (update) {
        // Scored predictions no prompt of this analysis claims are older model output.
        for (const Interaction* r : doc.interactions_of(image))
            if (r->state == State::Predicted && r->score && !claimed.count(r->id)) drop.push_back(r->id);
        for (Id id : drop) {
            result.relation_source.erase(id);
            if (doc.interaction(id)) doc.remove_interaction(id);
        }
    }
    return result;
}

} // namespace hoi::model
