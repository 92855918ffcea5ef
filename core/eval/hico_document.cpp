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

template <class F>
void for_each_pair(const annotation::Document& doc, const std::string& source, F&& emit_image) {
    for (const annotation::Image& img : doc.images()) {
        std::vector<Converted> pairs;
        size_t k = 0;
        for (const annotation::Interaction* x : doc.interactions_of(img.id)) {
            const size_t index = k++;
            if (x->state == annotation::State::Rejected) continue;
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

std::vector<PredImage> predictions_from_document(const annotation::Document& doc, const std::string& source) {
    std::vector<PredImage> out;
    for_each_pair(doc, source, [&](const annotation::Image& img, const std::vector<Converted>& pairs,
                                   const std::string& src) {
        PredImage p{img.file_name, {}};
        for (size_t k = 0; k < pairs.size(); ++k) {
            if (!pairs[k].score)
                throw_input(src + ": image '" + img.file_name + "', interaction " + std::to_string(pairs[k].index) +
                            ": a prediction needs a \"score\"");
            p.pairs.push_back(PredPair{pairs[k].human, pairs[k].object, pairs[k].hoi, *pairs[k].score});
        }
        out.push_back(std::move(p));
    });
    return out;
}

} // namespace hoi::eval
