#include "eval/hico_eval.h"

#include "annotation/hico_vocabulary.h"
#include "io/atomic_file.h"
#include "io/error.h"
#include "io/resources.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <sstream>
#include <unordered_map>

#include <nlohmann/json.hpp>

namespace hoi::eval {

namespace {

std::string fmt(double v) {
    std::ostringstream s;
    s << v;
    return s.str();
}

void check_box(const Box& b, const std::string& where, const char* role) {
    if (!std::isfinite(b.x1) || !std::isfinite(b.y1) || !std::isfinite(b.x2) || !std::isfinite(b.y2))
        throw_input(where + ": the " + role + " box has a non-finite coordinate");
    if (b.x2 < b.x1 || b.y2 < b.y1)
        throw_input(where + ": the " + role + " box [" + fmt(b.x1) + ", " + fmt(b.y1) + ", " + fmt(b.x2) + ", " +
                    fmt(b.y2) + "] has x2 < x1 or y2 < y1 (expected [x1, y1, x2, y2])");
}

void check_hoi(int hoi, const std::string& where) {
    if (hoi < 0 || hoi >= kHicoHois)
        throw_input(where + ": HOI id " + std::to_string(hoi) + " is outside 0.." + std::to_string(kHicoHois - 1));
}

std::string pair_where(const std::string& kind, const std::string& image, size_t index) {
    return kind + " image '" + image + "', pair " + std::to_string(index);
}

} // namespace

Setting parse_setting(std::string_view name) {
    if (name == "default") return Setting::Default;
    if (name == "ko") return Setting::KnownObject;
    throw_usage("unknown setting '" + std::string(name) + "' (expected default or ko)");
}

std::string_view setting_name(Setting setting) { return setting == Setting::KnownObject ? "ko" : "default"; }

double iou_plus1(const Box& a, const Box& b) {
    for (double v : {a.x1, a.y1, a.x2, a.y2, b.x1, b.y1, b.x2, b.y2})
        if (!std::isfinite(v)) return 0.0;
    const double area_a = (a.x2 - a.x1 + 1) * (a.y2 - a.y1 + 1);
    const double area_b = (b.x2 - b.x1 + 1) * (b.y2 - b.y1 + 1);
    const double iy1 = std::max(a.y1, b.y1), iy2 = std::min(a.y2, b.y2);
    const double ix1 = std::max(a.x1, b.x1), ix2 = std::min(a.x2, b.x2);
    if (iy1 >= iy2 || ix1 >= ix2) return 0.0;
    const double inter = (iy2 - iy1 + 1) * (ix2 - ix1 + 1);
    return inter / (area_a + area_b - inter);
}

void precision_recall(std::vector<ScoredDetection>& d, int num_gt, std::vector<double>& rec, std::vector<double>& prec) {
    std::stable_sort(d.begin(), d.end(),
                     [](const ScoredDetection& a, const ScoredDetection& b) { return a.score > b.score; });
    rec.clear();
    prec.clear();
    rec.reserve(d.size());
    prec.reserve(d.size());
    double tp = 0, fp = 0;
    for (const ScoredDetection& x : d) {
        (x.true_positive ? tp : fp) += 1;
        rec.push_back(tp / num_gt);
        prec.push_back(tp / (tp + fp));
    }
}

double voc_ap_11point(const std::vector<double>& recall, const std::vector<double>& precision) {
    if (recall.size() != precision.size())
        throw Error(ErrorKind::Internal, "voc_ap_11point: recall and precision differ in length");
    double ap = 0.0;
    for (int i = 0; i <= 10; ++i) {
        const double t = i * 0.1; // numpy.arange(0., 1.1, 0.1) yields exactly these doubles
        double p = 0.0;
        bool any = false;
        for (size_t k = 0; k < recall.size(); ++k)
            if (recall[k] >= t) {
                p = any ? std::max(p, precision[k]) : precision[k];
                any = true;
            }
        ap += p / 11.0;
    }
    return ap;
}

EvalResult evaluate(const std::vector<GtImage>& gt, const std::vector<PredImage>& pred, const ClassSplit& split,
                    const EvalOptions& options) {
    if (options.max_hois_per_image < 1) throw_usage("the number of HOIs kept per image must be at least 1");
    if (!(options.iou_threshold > 0 && options.iou_threshold <= 1))
        throw_usage("the IoU threshold must be in (0, 1], got " + fmt(options.iou_threshold));

    // Validate and index.
    std::unordered_map<std::string, size_t> gt_index;
    std::array<int, kHicoHois> num_gt{};
    int gt_pairs = 0;
    for (size_t i = 0; i < gt.size(); ++i) {
        if (!gt_index.emplace(gt[i].name, i).second)
            throw_input("ground truth: image '" + gt[i].name + "' appears more than once");
        for (size_t k = 0; k < gt[i].pairs.size(); ++k) {
            const GtPair& p = gt[i].pairs[k];
            const std::string where = pair_where("ground truth", gt[i].name, k);
            check_hoi(p.hoi, where);
            check_box(p.human, where, "human");
            check_box(p.object, where, "object");
            ++num_gt[size_t(p.hoi)];
            ++gt_pairs;
        }
    }
    std::vector<const PredImage*> pred_of(gt.size(), nullptr);
    std::vector<std::string> ignored;
    std::unordered_map<std::string, int> pred_names;
    for (const PredImage& img : pred) {
        const std::string origin = img.origin.empty() ? "predictions" : img.origin;
        if (pred_names[img.name]++) throw_input(origin + ": image '" + img.name + "' appears more than once");
        for (size_t k = 0; k < img.pairs.size(); ++k) {
            const PredPair& p = img.pairs[k];
            const std::string where = img.origin.empty() ? pair_where("predictions", img.name, k)
                                                         : img.origin + ": pair " + std::to_string(k);
            check_hoi(p.hoi, where);
            if (!options.lenient_predictions) {
                check_box(p.human, where, "human");
                check_box(p.object, where, "object");
            }
            if (!std::isfinite(p.score)) throw_input(where + ": the score is not a finite number");
        }
        auto it = gt_index.find(img.name);
        if (it == gt_index.end()) {
            if (!options.lenient_predictions)
                throw_input("predictions: image '" + img.name + "' is not in the ground truth");
            ignored.push_back(img.name);
            continue;
        }
        pred_of[it->second] = &img;
    }

    // Known-Object: the objects each ground-truth image has (COCO-80 ids of its pairs' objects).
    std::vector<std::vector<char>> image_objects;
    std::array<int, kHicoHois> object_of{};
    if (options.setting == Setting::KnownObject) {
        const auto& vocab = annotation::HicoVocabulary::instance();
        for (int h = 0; h < kHicoHois; ++h) object_of[size_t(h)] = vocab.hoi(h).object_coco80;
        image_objects.assign(gt.size(), std::vector<char>(annotation::HicoVocabulary::kObjects, 0));
        for (size_t i = 0; i < gt.size(); ++i)
            for (const GtPair& p : gt[i].pairs) image_objects[i][size_t(object_of[size_t(p.hoi)])] = 1;
    }

    // Match, image by image (ground-truth order, as the reference zips predictions with it).
    std::array<std::vector<ScoredDetection>, kHicoHois> dets;
    std::array<std::vector<FalsePositive>, kHicoHois> false_positives;
    std::array<std::vector<Miss>, kHicoHois> misses;
    int evaluated_predictions = 0;
    for (size_t i = 0; i < gt.size(); ++i) {
        if (!pred_of[i]) {
            if (options.keep_errors)
                for (const GtPair& g : gt[i].pairs) misses[size_t(g.hoi)].push_back(Miss{gt[i].name, g.human, g.object});
            continue;
        }
        const std::vector<PredPair>& pp = pred_of[i]->pairs;
        std::vector<size_t> order(pp.size());
        std::iota(order.begin(), order.end(), size_t(0));
        std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return pp[a].score > pp[b].score; });
        if (order.size() > size_t(options.max_hois_per_image)) order.resize(size_t(options.max_hois_per_image));

        const std::vector<GtPair>& gp = gt[i].pairs;
        std::vector<char> matched(gp.size(), 0);
        for (size_t idx : order) {
            const PredPair& p = pp[idx];
            if (num_gt[size_t(p.hoi)] == 0) continue; // class without ground truth: ignored
            if (!image_objects.empty() && !image_objects[i][size_t(object_of[size_t(p.hoi)])]) continue;
            double best_overlap = 0;
            long best = -1;
            for (size_t g = 0; g < gp.size(); ++g) {
                if (gp[g].hoi != p.hoi) continue;
                const double ih = iou_plus1(p.human, gp[g].human);
                if (ih < options.iou_threshold) continue;
                const double io = iou_plus1(p.object, gp[g].object);
                if (io < options.iou_threshold) continue;
                const double m = std::min(ih, io);
                if (m > best_overlap) {
                    best_overlap = m;
                    best = long(g);
                }
            }
            const bool tp = best >= 0 && !matched[size_t(best)];
            if (tp) matched[size_t(best)] = 1;
            dets[size_t(p.hoi)].push_back({p.score, tp});
            if (!tp && options.keep_errors)
                false_positives[size_t(p.hoi)].push_back(FalsePositive{gt[i].name, p.human, p.object, p.score, best >= 0});
            ++evaluated_predictions;
        }
        if (options.keep_errors)
            for (size_t g = 0; g < gp.size(); ++g)
                if (!matched[g]) misses[size_t(gp[g].hoi)].push_back(Miss{gt[i].name, gp[g].human, gp[g].object});
    }

    // AP per class with ground truth.
    EvalResult r;
    r.split = split.name;
    r.setting = std::string(setting_name(options.setting));
    r.ignored_images = int(ignored.size());
    r.ignored_image_names = std::move(ignored);
    r.subset = split.subset;
    r.complement = split.complement;
    r.images = int(gt.size());
    r.gt_pairs = gt_pairs;
    r.predictions = evaluated_predictions;
    double sum_all = 0, sum_sub = 0, sum_comp = 0, sum_recall = 0;
    for (int h = 0; h < kHicoHois; ++h) {
        const int n = num_gt[size_t(h)];
        if (n == 0) continue;
        ClassResult c;
        c.hoi = h;
        c.in_subset = split.in_subset[size_t(h)];
        c.num_gt = n;
        std::vector<ScoredDetection>& d = dets[size_t(h)];
        c.num_detections = int(d.size());
        std::vector<double> rec, prec;
        precision_recall(d, n, rec, prec);
        for (size_t k = 0; k < d.size(); ++k) {
            c.true_positives += d[k].true_positive ? 1 : 0;
            if (options.keep_curves) c.curve.push_back({d[k].score, d[k].true_positive, rec[k], prec[k]});
        }
        c.ap = d.empty() ? 0.0 : voc_ap_11point(rec, prec);
        c.max_recall = rec.empty() ? 0.0 : *std::max_element(rec.begin(), rec.end());
        if (options.keep_errors) {
            c.false_positives = std::move(false_positives[size_t(h)]);
            std::stable_sort(c.false_positives.begin(), c.false_positives.end(),
                             [](const FalsePositive& a, const FalsePositive& b) { return a.score > b.score; });
            c.misses = std::move(misses[size_t(h)]);
        }
        sum_all += c.ap;
        sum_recall += c.max_recall;
        ++r.evaluated_classes;
        if (c.in_subset) {
            sum_sub += c.ap;
            ++r.subset_classes;
        } else {
            sum_comp += c.ap;
            ++r.complement_classes;
        }
        r.classes.push_back(c);
    }
    if (r.evaluated_classes) {
        r.map_full = sum_all / r.evaluated_classes;
        r.mean_max_recall = sum_recall / r.evaluated_classes;
    }
    if (r.subset_classes) r.map_subset = sum_sub / r.subset_classes;
    if (r.complement_classes) r.map_complement = sum_comp / r.complement_classes;
    return r;
}

// ---- class splits -------------------------------------------------------------------------------

namespace {

struct SplitName {
    const char* cli;
    const char* json_key; // nullptr for the rare/non-rare split
};
constexpr SplitName kSplits[] = {
        {"default", nullptr}, {"rf-uc", "rare_first"}, {"nf-uc", "non_rare_first"},
        {"uo", "unseen_object"}, {"uv", "unseen_verb"}};

std::array<bool, kHicoHois> load_rare(const std::string& tsv_path) {
    const std::string text = io::read_file(tsv_path, 16u << 20);
    std::istringstream in(text);
    std::string line;
    std::array<bool, kHicoHois> rare{};
    int line_no = 0, rows = 0;
    int rare_col = -1, id_col = -1, columns = 0;
    while (std::getline(in, line)) {
        ++line_no;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) continue;
        std::vector<std::string> cells;
        std::string cell;
        std::istringstream ls(line);
        while (std::getline(ls, cell, '\t')) cells.push_back(cell);
        if (id_col < 0) { // header
            for (size_t k = 0; k < cells.size(); ++k) {
                if (cells[k] == "rare") rare_col = int(k);
                if (cells[k] == "hoi_id") id_col = int(k);
            }
            if (rare_col < 0 || id_col < 0)
                throw_model(tsv_path + ": line 1: expected a header with the columns 'hoi_id' and 'rare'");
            columns = int(cells.size());
            continue;
        }
        const std::string where = tsv_path + ": line " + std::to_string(line_no);
        if (int(cells.size()) != columns)
            throw_model(where + ": expected " + std::to_string(columns) + " tab-separated columns, got " +
                        std::to_string(cells.size()));
        if (cells[size_t(id_col)] != std::to_string(rows))
            throw_model(where + ": expected hoi_id " + std::to_string(rows) + ", got '" + cells[size_t(id_col)] + "'");
        const std::string& r = cells[size_t(rare_col)];
        if (r != "0" && r != "1") throw_model(where + ": the rare column must be 0 or 1, got '" + r + "'");
        if (rows >= kHicoHois) throw_model(where + ": more than " + std::to_string(kHicoHois) + " HOI classes");
        rare[size_t(rows)] = r == "1";
        ++rows;
    }
    if (rows != kHicoHois)
        throw_model(tsv_path + ": expected " + std::to_string(kHicoHois) + " HOI classes, found " + std::to_string(rows));
    return rare;
}

std::array<bool, kHicoHois> load_unseen(const std::string& json_path, const std::string& key) {
    const std::string text = io::read_file(json_path, 16u << 20);
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
        throw_model(json_path + ": invalid JSON: " + e.what());
    }
    if (!j.is_object() || !j.contains(key) || !j[key].is_array())
        throw_model(json_path + ": expected an object with a list '" + key + "'");
    std::array<bool, kHicoHois> unseen{};
    size_t k = 0;
    for (const auto& v : j[key]) {
        if (!v.is_number_integer() || v.get<long long>() < 0 || v.get<long long>() >= kHicoHois)
            throw_model(json_path + ": " + key + "[" + std::to_string(k) + "]: expected a HOI id 0..599, got " + v.dump());
        const size_t id = size_t(v.get<long long>());
        if (unseen[id]) throw_model(json_path + ": " + key + ": HOI id " + std::to_string(id) + " appears twice");
        unseen[id] = true;
        ++k;
    }
    if (k == 0) throw_model(json_path + ": " + key + " is empty");
    return unseen;
}

} // namespace

ClassSplit load_split(std::string_view name, const std::string& hico_600_tsv, const std::string& splits_json) {
    for (const SplitName& s : kSplits) {
        if (name != s.cli) continue;
        ClassSplit split;
        split.name = s.cli;
        if (!s.json_key) {
            split.subset = "rare";
            split.complement = "non_rare";
            split.in_subset = load_rare(hico_600_tsv);
        } else {
            split.subset = "unseen";
            split.complement = "seen";
            split.in_subset = load_unseen(splits_json, s.json_key);
        }
        return split;
    }
    throw_usage("unknown split '" + std::string(name) + "' (expected default, rf-uc, nf-uc, uo or uv)");
}

ClassSplit load_split(std::string_view name) {
    // Validate the name before touching resources, so a typo is a usage error.
    bool known = false;
    for (const SplitName& s : kSplits) known |= name == s.cli;
    if (!known) return load_split(name, "", "");
    const bool is_default = name == "default";
    return load_split(name, is_default ? io::resource_path("hico/hico_600.tsv") : std::string(),
                      is_default ? std::string() : io::resource_path("hico/hico_zero_shot_splits.json"));
}

} // namespace hoi::eval
