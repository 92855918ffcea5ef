#include "eval/hico_document.h"

#include "annotation/hico_format.h"
#include "io/error.h"

namespace hoi::eval {

namespace {

Box to_box(const annotation::Box& b) { return Box{b.x1, b.y1, b.x2, b.y2}; }

struct Converted {
    Box human, object;
    int hoi;
    std::optional<double> score;
    size_t index; // the interaction's position among the image's interactions
};

bool not_rejected(const annotation::Interaction& x) { return x.state != annotation::State::Rejected; }

// Calls emit_image(image, pairs, source) for every image `take_image` keeps, with the interactions
// `take` keeps that HICO-DET can express.
template <class F, class TakeImage = bool (*)(const annotation::Image&),
          class Take = bool (*)(const annotation::Interaction&)>
void for_each_pair(const annotation::Document& doc, const std::string& source, F&& emit_image,
                   TakeImage take_image = [](const annotation::Image&) { return true; }, Take take = not_rejected) {
    for (const annotation::Image& img : doc.images()) {
        if (!take_image(img)) continue;
        std::vector<Converted> pairs;
        size_t k = 0;
        for (const annotation::Interaction* x : doc.interactions_of(img.id)) {
            const size_t index = k++;
            if (!take(*x)) continue;
            if (!x->object) continue; // a relation without an object: no HICO-DET class evaluates it
            const annotation::Instance* s = doc.instance(x->subject);
            const annotation::Instance* o = doc.instance(x->object);
            const std::string where =
                    source + ": image '" + img.file_name + "', interaction " + std::to_string(index);
            if (!s || !o) throw Error(ErrorKind::Internal, where + ": refers to a missing instance");
            const int hoi = annotation::hico_hoi_of(*x, o->cls.resolved_coco80());
            if (hoi < 0) continue; // a free relation: no HICO-DET class evaluates it
            pairs.push_back(Converted{to_box(s->box), to_box(o->box), hoi, x->score, index});
        }
        emit_image(img, pairs, source);
    }
}

} // namespace

std::vector<GtImage> ground_truth_from_document(const annotation::Document& doc, const std::string& source) {
    std::vector<GtImage> out;
    for_each_pair(doc, source, [&](const annotation::Image& img, const std::vector<Converted>& pairs,
                                   const std::string&) {
        GtImage g{img.file_name, {}};
        for (const auto& p : pairs) g.pairs.push_back(GtPair{p.human, p.object, p.hoi});
        out.push_back(std::move(g));
    });
    return out;
}

namespace {

std::vector<PredImage> predictions(const annotation::Document& doc, const std::string& source,
                                   std::optional<double> missing_score) {
    std::vector<PredImage> out;
    for_each_pair(doc, source, [&](const annotation::Image& img, const std::vector<Converted>& pairs,
                                   const std::string& src) {
        PredImage p{img.file_name, {}, {}};
        for (size_t k = 0; k < pairs.size(); ++k) {
            if (!pairs[k].score && !missing_score)
                throw_input(src + ": image '" + img.file_name + "', interaction " + std::to_string(pairs[k].index) +
                            ": a prediction needs a \"score\"");
            p.pairs.push_back(PredPair{pairs[k].human, pairs[k].object, pairs[k].hoi,
                                       pairs[k].score ? *pairs[k].score : *missing_score});
        }
        out.push_back(std::move(p));
    });
    return out;
}

} // namespace

std::vector<PredImage> predictions_from_document(const annotation::Document& doc, const std::string& source) {
    return predictions(doc, source, std::nullopt);
}

std::vector<PredImage> predictions_from_document(const annotation::Document& doc, const std::string& source,
                                                 double missing_score) {
    return predictions(doc, source, missing_score);
}

std::vector<GtImage> reviewed_ground_truth(const annotation::Document& doc) {
    std::vector<GtImage> out;
    for_each_pair(
            doc, "project",
            [&](const annotation::Image& img, const std::vector<Converted>& pairs, const std::string&) {
                GtImage g{img.file_name, {}};
                for (const auto& p : pairs) g.pairs.push_back(GtPair{p.human, p.object, p.hoi});
                out.push_back(std::move(g));
            },
            [](const annotation::Image& img) { return img.reviewed; },
            [](const annotation::Interaction& x) {
                return x.state == annotation::State::Accepted || x.state == annotation::State::Edited;
            });
    return out;
}

std::vector<PredImage> model_predictions(const annotation::Document& doc, bool reviewed_only) {
    std::vector<PredImage> out;
    for_each_pair(
            doc, "project",
            [&](const annotation::Image& img, const std::vector<Converted>& pairs, const std::string&) {
                PredImage p{img.file_name, {}, {}};
                for (const auto& c : pairs) p.pairs.push_back(PredPair{c.human, c.object, c.hoi, *c.score});
                out.push_back(std::move(p));
            },
            [reviewed_only](const annotation::Image& img) { return !reviewed_only || img.reviewed; },
            [](const annotation::Interaction& x) { return x.score && x.state != annotation::State::Edited; });
    return out;
}

} // namespace hoi::eval
