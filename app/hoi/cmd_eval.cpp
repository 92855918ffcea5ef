// hoi eval — HICO-DET mAP of predictions against ground truth (the QPIC / GEN-VLKT protocol), or
// V-COCO agent / role AP (vsrl_eval.py).
#include "cli.h"

#include "annotation/formats.h"
#include "annotation/hico_vocabulary.h"
#include "eval/curves_csv.h"
#include "eval/hico_document.h"
#include "eval/hico_eval.h"
#include "eval/prediction_file.h"
#include "eval/vcoco_file.h"
#include "io/atomic_file.h"
#include "io/error.h"

#include <cmath>
#include <iostream>

namespace hoi::cli {

namespace {

nlohmann::json optional_number(const std::optional<double>& v) {
    return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

constexpr size_t kWarningsShown = 5;

nlohmann::json number_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

void print_lines(const std::string& path, const std::vector<std::string>& lines) {
    if (lines.empty()) return;
    std::cerr << "hoi eval: warning: " << path << ": " << lines.size()
              << " cases read leniently, as the reference evaluators do (--strict refuses them):\n";
    for (size_t k = 0; k < lines.size() && k < kWarningsShown; ++k) std::cerr << "  " << lines[k] << "\n";
    if (lines.size() > kWarningsShown) std::cerr << "  ... and " << lines.size() - kWarningsShown << " more\n";
}

// hoi eval --vcoco: vsrl_eval.py's agent AP and role AP (scenarios 1 and 2).
int eval_vcoco(const std::string& gt_path, const std::string& pred_path, bool per_class) {
    const auto gt = eval::vcoco::read_ground_truth_file(gt_path);
    const auto pred = eval::vcoco::read_predictions_file(pred_path);
    const eval::vcoco::Result r = eval::vcoco::evaluate(gt, pred);
    std::vector<std::string> lines;
    for (const std::string& name : r.ignored_image_names) {
        std::string where;
        for (const auto& img : pred)
            if (img.name == name) where = img.origin.substr(img.origin.rfind(": ") + 2);
        lines.push_back(where + ": image \"" + name + "\" is not in the ground truth (ignored)");
    }
    print_lines(pred_path, lines);

    nlohmann::json out;
    out["dataset"] = "vcoco";
    out["agent_map"] = r.agent_map;
    out["role_map_scenario_1"] = number_or_null(r.role_map_s1);
    out["role_map_scenario_2"] = number_or_null(r.role_map_s2);
    out["images"] = r.images;
    out["persons"] = r.persons;
    out["prediction_images_ignored"] = r.ignored_images;
    if (per_class) {
        nlohmann::json agent = nlohmann::json::array(), role = nlohmann::json::array();
        for (const auto& c : r.agent)
            agent.push_back({{"action", c.name}, {"positives", c.positives}, {"detections", c.detections},
                             {"true_positives", c.true_positives}, {"ap", number_or_null(c.ap)}});
        for (size_t k = 0; k < r.role_s1.size(); ++k)
            role.push_back({{"class", r.role_s1[k].name}, {"positives", r.role_s1[k].positives},
                            {"detections", r.role_s1[k].detections},
                            {"ap_scenario_1", number_or_null(r.role_s1[k].ap)},
                            {"ap_scenario_2", number_or_null(r.role_s2[k].ap)}});
        out["per_class_agent"] = agent;
        out["per_class_role"] = role;
    }
    print_json(out);
    return kOk;
}

// Predictions read leniently: the reader's warnings and the images the evaluation ignored, as a
// count and the first few cases on stderr.
void print_warnings(const std::string& path, const eval::PredictionFile& file, const eval::EvalResult& r) {
    std::vector<std::string> lines;
    for (const auto& w : file.warnings) lines.push_back(w.where + ": " + w.message);
    for (const std::string& name : r.ignored_image_names) {
        std::string where = name;
        for (const auto& img : file.images)
            if (img.name == name) where = img.origin.substr(img.origin.rfind(": ") + 2);
        lines.push_back(where + ": image \"" + name + "\" is not in the ground truth (ignored)");
    }
    print_lines(path, lines);
}

} // namespace

static int cmd_eval(std::vector<std::string> argv) {
    Args args("eval", std::move(argv));
    args.description(
            "Evaluates HOI predictions with the HICO-DET protocol as QPIC / GEN-VLKT do: top 100\n"
            "HOIs per image, a true positive needs the HOI class and min(IoU human, IoU object) >= 0.5\n"
            "(+1-pixel IoU) with a ground-truth pair not matched before, 11-point interpolated AP per\n"
            "HOI class, mean over the classes that have ground truth.\n"
            "Output: {map_full, map_rare, map_non_rare} for the default split, {map_full, map_unseen,\n"
            "map_seen} for a zero-shot split (null when the subset has no class with ground truth).\n"
            "GT and PRED are annotation files (default format hico: QPIC-style JSON; predictions\n"
            "carry a \"score\" on every hoi_annotation entry). Ground truth is validated strictly;\n"
            "predictions are read as the reference evaluators read them: the QPIC-style list, or the\n"
            "evaluators' own layout (predictions / hoi_prediction, as QPIC and GEN-VLKT hold it and\n"
            "GEN-VLKT dumps it); degenerate boxes overlap nothing, images not in the ground truth\n"
            "and classes outside the 600 are ignored, each counted in a warning on stderr; a missing\n"
            "or non-finite score or a duplicate image is an error. --strict refuses all of these\n"
            "(as does --format instances, whose predictions are always read strictly).\n"
            "--setting ko: Known-Object, each class counted only on the images whose ground truth\n"
            "has its object.\n"
            "--vcoco: V-COCO instead (GT and PRED in QPIC's test_vcoco.json layout, predictions with\n"
            "a score per hoi_annotation entry, as hoi run --vcoco writes them): agent AP and role AP\n"
            "in scenarios 1 and 2, the rules of s-gupta/v-coco's vsrl_eval.py.")
        .option("--gt", "GT", "ground-truth annotation file")
        .option("--pred", "PRED", "predictions file (every interaction with a score)")
        .option("--split", "NAME", "default (rare / non-rare), rf-uc, nf-uc, uo or uv (unseen / seen)")
        .option("--format", "FMT", "format of both files: hico (default) or instances")
        .option("--setting", "S", "default (every image) or ko (Known-Object)")
        .option("--max-hois", "N", "predictions kept per image, by score (default 100)")
        .option("--curves", "FILE.csv", "write every class's precision-recall points")
        .flag("--per-class", "also print the AP, #GT and max recall of every evaluated HOI class")
        .flag("--vcoco", "evaluate V-COCO (agent AP, role AP scenario 1 and 2)")
        .flag("--strict", "validate predictions as strictly as ground truth (refuse the file on any problem)");
    if (!args.parse()) return kOk;
    if (!args.has("--gt")) throw_usage("missing --gt GT (see hoi eval --help)");
    if (!args.has("--pred")) throw_usage("missing --pred PRED (see hoi eval --help)");

    if (args.has("--vcoco")) {
        for (const char* o : {"--split", "--setting", "--format", "--max-hois", "--curves", "--strict"})
            if (args.has(o)) throw_usage(std::string(o) + " is for HICO-DET; --vcoco takes --gt, --pred and --per-class");
        return eval_vcoco(args.get("--gt"), args.get("--pred"), args.has("--per-class"));
    }
    const annotation::Format format = annotation::parse_format(args.get("--format", "hico"));
    if (format != annotation::Format::Hico && format != annotation::Format::Instances)
        throw_usage("--format must be hico or instances (HOI classes are needed), got '" + args.get("--format") + "'");
    eval::EvalOptions options;
    options.max_hois_per_image = args.get_int("--max-hois", 100);
    if (options.max_hois_per_image < 1) throw_usage("--max-hois must be at least 1");
    options.setting = eval::parse_setting(args.get("--setting", "default"));
    options.keep_curves = args.has("--curves");
    const bool strict = args.has("--strict") || format != annotation::Format::Hico;
    options.lenient_predictions = !strict;
    const eval::ClassSplit split = eval::load_split(args.get("--split", "default"));

    const std::string gt_path = args.get("--gt"), pred_path = args.get("--pred");
    const auto gt_project = annotation::import_file(gt_path, format);
    const auto gt = eval::ground_truth_from_document(gt_project.document, gt_path);
    eval::PredictionFile lenient;
    std::vector<eval::PredImage> strict_pred;
    if (strict) {
        const auto pred_project = annotation::import_file(pred_path, format);
        strict_pred = eval::predictions_from_document(pred_project.document, pred_path);
    } else {
        lenient = eval::read_prediction_file(pred_path);
    }
    const eval::EvalResult r = eval::evaluate(gt, strict ? strict_pred : lenient.images, split, options);
    if (!strict) print_warnings(pred_path, lenient, r);
    if (args.has("--curves")) io::write_file_atomic(args.get("--curves"), eval::curves_csv(r));

    nlohmann::json out;
    out["split"] = r.split;
    out["setting"] = r.setting;
    out["map_full"] = r.map_full;
    out["map_" + r.subset] = optional_number(r.map_subset);
    out["map_" + r.complement] = optional_number(r.map_complement);
    out["mean_max_recall"] = r.mean_max_recall;
    out["classes_evaluated"] = r.evaluated_classes;
    out["classes_" + r.subset] = r.subset_classes;
    out["classes_" + r.complement] = r.complement_classes;
    out["images"] = r.images;
    out["gt_pairs"] = r.gt_pairs;
    out["predictions_evaluated"] = r.predictions;
    if (!strict) {
        out["prediction_layout"] = lenient.layout;
        out["prediction_images_ignored"] = r.ignored_images;
        out["prediction_entries_left_out"] = lenient.entries_left_out;
        out["prediction_warnings"] = lenient.warnings.size() + size_t(r.ignored_images);
    }
    if (args.has("--per-class")) {
        const auto& vocab = annotation::HicoVocabulary::instance();
        nlohmann::json classes = nlohmann::json::array();
        for (const auto& c : r.classes) {
            const auto& h = vocab.hoi(c.hoi);
            classes.push_back({{"hoi", c.hoi},
                               {"verb", vocab.verb_name(h.verb)},
                               {"object", vocab.objects_coco80()[size_t(h.object_coco80)]},
                               {r.subset, c.in_subset},
                               {"num_gt", c.num_gt},
                               {"detections", c.num_detections},
                               {"true_positives", c.true_positives},
                               {"ap", c.ap},
                               {"max_recall", c.max_recall}});
        }
        out["per_class"] = classes;
    }
    print_json(out);
    return kOk;
}

HOI_REGISTER_COMMAND("eval", "HICO-DET mAP (Full / Rare / Non-rare, or zero-shot Unseen / Seen); V-COCO agent / role AP", cmd_eval);

} // namespace hoi::cli
