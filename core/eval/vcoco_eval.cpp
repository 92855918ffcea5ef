#include "eval/vcoco_eval.h"

#include "io/error.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <unordered_map>

namespace hoi::eval::vcoco {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool finite(const Box& b) {
    return std::isfinite(b.x1) && std::isfinite(b.y1) && std::isfinite(b.x2) && std::isfinite(b.y2);
}

// vsrl_eval.py: a role box of four zeros or four NaN means "no object predicted".
bool empty_role(const Box& b) {
    const bool zeros = b.x1 == 0 && b.y1 == 0 && b.x2 == 0 && b.y2 == 0;
    const bool nans = std::isnan(b.x1) && std::isnan(b.y1) && std::isnan(b.x2) && std::isnan(b.y2);
    return zeros || nans;
}

enum class Scenario { Agent, One, Two };

// The person a detection is matched to: numpy's argmax over the overlaps (the first maximum; the
// first NaN when there is one).
struct Match {
    long index = -1; // -1: the image has no ground-truth person
    double overlap = kNaN;
};

Match best_person(const std::vector<GtPerson>& persons, const Box& box) {
    Match m;
    for (size_t g = 0; g < persons.size(); ++g) {
        const double o = overlap(persons[g].box, box);
        if (std::isnan(o)) {
            if (m.index < 0 || !std::isnan(m.overlap)) return Match{long(g), o};
            continue;
        }
        if (m.index < 0 || o > m.overlap) m = Match{long(g), o};
    }
    return m;
}

// Detections of one class (an action's agent, or one of its roles in a scenario) over all images.
ClassAp evaluate_class(const std::vector<GtImage>& gt, const std::vector<const PredImage*>& pred_of, int action,
                       int role, Scenario scenario, double thr) {
    ClassAp c;
    c.action = action;
    c.role = role;
    const auto& a = annotation::vcoco::actions()[size_t(action)];
    c.name = role < 0 ? a.name : a.name + "-" + a.roles[size_t(role)];
    std::vector<ScoredDetection> all;
    for (size_t i = 0; i < gt.size(); ++i) {
        const std::vector<GtPerson>& persons = gt[i].persons;
        for (const GtPerson& p : persons) c.positives += !p.ignore && p.actions[size_t(action)] ? 1 : 0;
        if (!pred_of[i]) continue;
        const std::vector<Detection>& dets = pred_of[i]->detections;
        auto score_of = [&](const Detection& d) {
            return role < 0 ? d.agent[size_t(action)] : d.roles[size_t(action)][size_t(role)].score;
        };
        std::vector<size_t> order;
        for (size_t k = 0; k < dets.size(); ++k)
            if (!std::isnan(score_of(dets[k]))) order.push_back(k);
        std::stable_sort(order.begin(), order.end(),
                         [&](size_t x, size_t y) { return score_of(dets[x]) > score_of(dets[y]); });
        std::vector<char> covered(persons.size(), 0);
        for (size_t k : order) {
            const Detection& d = dets[k];
            const Match m = best_person(persons, d.person);
            if (m.index >= 0 && persons[size_t(m.index)].ignore) continue;
            bool tp = false;
            if (m.index >= 0) {
                const GtPerson& p = persons[size_t(m.index)];
                double role_overlap = 1.0;
                if (role >= 0) {
                    const std::optional<Box>& object = p.roles[size_t(action)][size_t(role)];
                    const Box& predicted = d.roles[size_t(action)][size_t(role)].box;
                    if (object) role_overlap = overlap(*object, predicted);
                    else if (scenario == Scenario::One) role_overlap = empty_role(predicted) ? 1.0 : 0.0;
                }
                tp = p.actions[size_t(action)] && m.overlap >= thr && role_overlap >= thr &&
                     !covered[size_t(m.index)];
                if (tp) covered[size_t(m.index)] = 1;
            }
            all.push_back({score_of(d), tp});
            c.true_positives += tp ? 1 : 0;
        }
    }
    c.detections = int(all.size());
    if (c.positives == 0) {
        c.ap = kNaN;
        return c;
    }
    std::vector<double> rec, prec;
    precision_recall(all, c.positives, rec, prec);
    c.ap = all.empty() ? 0.0 : voc_ap_all_points(rec, prec);
    return c;
}

} // namespace

Detection::Detection() {
    person = Box{};
    agent.fill(kNaN);
    for (auto& roles_of_action : roles)
        for (RolePrediction& r : roles_of_action) r = RolePrediction{Box{kNaN, kNaN, kNaN, kNaN}, kNaN};
}

double overlap(const Box& gt, const Box& pred) {
    if (!finite(gt) || !finite(pred)) return kNaN;
    const double iw = std::max(std::min(gt.x2, pred.x2) - std::max(gt.x1, pred.x1) + 1.0, 0.0);
    const double ih = std::max(std::min(gt.y2, pred.y2) - std::max(gt.y1, pred.y1) + 1.0, 0.0);
    const double inter = iw * ih;
    const double uni = (pred.x2 - pred.x1 + 1.0) * (pred.y2 - pred.y1 + 1.0) +
                       (gt.x2 - gt.x1 + 1.0) * (gt.y2 - gt.y1 + 1.0) - inter;
    return inter / uni;
}

double voc_ap_all_points(const std::vector<double>& recall, const std::vector<double>& precision) {
    if (recall.size() != precision.size())
        throw Error(ErrorKind::Internal, "voc_ap_all_points: recall and precision differ in length");
    std::vector<double> mrec{0.0}, mpre{0.0};
    mrec.insert(mrec.end(), recall.begin(), recall.end());
    mpre.insert(mpre.end(), precision.begin(), precision.end());
    mrec.push_back(1.0);
    mpre.push_back(0.0);
    for (size_t i = mpre.size() - 1; i > 0; --i) mpre[i - 1] = std::max(mpre[i - 1], mpre[i]);
    double ap = 0.0;
    for (size_t i = 0; i + 1 < mrec.size(); ++i)
        if (mrec[i + 1] != mrec[i]) ap += (mrec[i + 1] - mrec[i]) * mpre[i + 1];
    return ap;
}

Result evaluate(const std::vector<GtImage>& gt, const std::vector<PredImage>& pred, double thr) {
    if (!(thr > 0 && thr <= 1)) throw_usage("the IoU threshold must be in (0, 1]");
    std::unordered_map<std::string, size_t> index;
    Result r;
    for (size_t i = 0; i < gt.size(); ++i) {
        if (!index.emplace(gt[i].name, i).second)
            throw_input("ground truth: image '" + gt[i].name + "' appears more than once");
        r.persons += int(gt[i].persons.size());
    }
    r.images = int(gt.size());
    std::vector<const PredImage*> pred_of(gt.size(), nullptr);
    std::unordered_map<std::string, int> seen;
    for (const PredImage& p : pred) {
        if (seen[p.name]++)
            throw_input((p.origin.empty() ? "predictions" : p.origin) + ": image '" + p.name + "' appears more than once");
        auto it = index.find(p.name);
        if (it == index.end()) {
            r.ignored_image_names.push_back(p.name);
            continue;
        }
        pred_of[it->second] = &p;
    }
    r.ignored_images = int(r.ignored_image_names.size());

    double agent_sum = 0;
    for (int a = 0; a < kActions; ++a) {
        r.agent.push_back(evaluate_class(gt, pred_of, a, -1, Scenario::Agent, thr));
        if (!std::isnan(r.agent.back().ap)) agent_sum += r.agent.back().ap;
        const auto& roles = annotation::vcoco::actions()[size_t(a)].roles;
        for (int k = 0; k < int(roles.size()); ++k) {
            r.role_s1.push_back(evaluate_class(gt, pred_of, a, k, Scenario::One, thr));
            r.role_s2.push_back(evaluate_class(gt, pred_of, a, k, Scenario::Two, thr));
        }
    }
    r.agent_map = agent_sum / kActions;
    auto nanmean = [](const std::vector<ClassAp>& v) {
        double s = 0;
        int n = 0;
        for (const ClassAp& c : v)
            if (!std::isnan(c.ap)) {
                s += c.ap;
                ++n;
            }
        return n ? s / n : kNaN;
    };
    r.role_map_s1 = nanmean(r.role_s1);
    r.role_map_s2 = nanmean(r.role_s2);
    return r;
}

} // namespace hoi::eval::vcoco
