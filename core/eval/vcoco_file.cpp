#include "eval/vcoco_file.h"

#include "annotation/formats.h"
#include "annotation/vcoco_format.h"
#include "annotation/vcoco_vocabulary.h"
#include "io/atomic_file.h"
#include "io/error.h"

#include <cmath>
#include <map>

namespace hoi::eval::vcoco {

namespace {

using annotation::vcoco::verb_classes;
namespace layout = annotation::vcoco;

constexpr int kPersonCoco91 = 1;

Box box_of(const annotation::Box& b) { return Box{b.x1, b.y1, b.x2, b.y2}; }

} // namespace

std::vector<GtImage> read_ground_truth_text(std::string_view text, const std::string& source) {
    std::vector<GtImage> out;
    for (const layout::FileImage& img : layout::parse(text, source, layout::ReadMode::GroundTruth)) {
        GtImage g{img.file_name, {}};
        std::map<size_t, size_t> person_of; // box index -> person index
        for (size_t k = 0; k < img.boxes.size(); ++k)
            if (img.boxes[k].coco91 == kPersonCoco91) {
                person_of[k] = g.persons.size();
                GtPerson p;
                p.box = box_of(img.boxes[k].box);
                g.persons.push_back(p);
            }
        for (const layout::FileEntry& x : img.entries) {
            GtPerson& p = g.persons[person_of.at(x.subject)];
            const auto& vc = verb_classes()[size_t(x.verb_class)];
            p.actions[size_t(vc.action)] = true;
            if (vc.role >= 0 && x.object >= 0) p.roles[size_t(vc.action)][size_t(vc.role)] = box_of(img.boxes[size_t(x.object)].box);
        }
        out.push_back(std::move(g));
    }
    return out;
}

std::vector<PredImage> read_predictions_text(std::string_view text, const std::string& source) {
    std::vector<PredImage> out;
    for (const layout::FileImage& img : layout::parse(text, source, layout::ReadMode::Predictions)) {
        PredImage p{img.file_name, {}, source + ": " + img.where};
        std::map<std::pair<size_t, long>, size_t> detection_of; // (subject, object) -> detection
        for (const layout::FileEntry& x : img.entries) {
            auto [it, fresh] = detection_of.emplace(std::make_pair(x.subject, x.object), p.detections.size());
            if (fresh) {
                Detection d;
                d.person = box_of(img.boxes[x.subject].box);
                p.detections.push_back(d);
            }
            Detection& d = p.detections[it->second];
            const auto& vc = verb_classes()[size_t(x.verb_class)];
            double& agent = d.agent[size_t(vc.action)];
            const double score = x.score.value_or(0.0); // always there in Predictions
            if (std::isnan(agent) || score > agent) agent = score;
            if (vc.role >= 0) {
                RolePrediction& r = d.roles[size_t(vc.action)][size_t(vc.role)];
                if (std::isnan(r.score) || score > r.score) {
                    r.score = score;
                    if (x.object >= 0) r.box = box_of(img.boxes[size_t(x.object)].box);
                }
            }
        }
        out.push_back(std::move(p));
    }
    return out;
}

std::vector<GtImage> read_ground_truth_file(const std::string& path) {
    return read_ground_truth_text(io::read_file(path, annotation::kMaxAnnotationFileBytes), path);
}

std::vector<PredImage> read_predictions_file(const std::string& path) {
    return read_predictions_text(io::read_file(path, annotation::kMaxAnnotationFileBytes), path);
}

} // namespace hoi::eval::vcoco
