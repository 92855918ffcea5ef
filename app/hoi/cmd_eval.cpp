// hoi eval — HICO-DET mAP of predictions against ground truth (the QPIC / GEN-VLKT protocol).
#include "cli.h"

#include "annotation/formats.h"
#include "annotation/hico_vocabulary.h"
#include "eval/hico_document.h"
#include "eval/hico_eval.h"
#include "io/error.h"

namespace hoi::cli {

namespace {

nlohmann::json optional_number(const std::optional<double>& v) {
    return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
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
            "carry a \"score\" on every hoi_annotation entry).")
        .option("--gt", "GT", "ground-truth annotation file")
        .option("--pred", "PRED", "predictions file (every interaction with a score)")
        .option("--split", "NAME", "default (rare / non-rare), rf-uc, nf-uc, uo or uv (unseen / seen)")
        .option("--format", "FMT", "format of both files: hico (default) or instances")
        .option("--max-hois", "N", "predictions kept per image, by score (default 100)")
        .flag("--per-class", "also print the AP of every evaluated HOI class");
    if (!args.parse()) return kOk;
    if (!args.has("--gt")) throw_usage("missing --gt GT (see hoi eval --help)");
    if (!args.has("--pred")) throw_usage("missing --pred PRED (see hoi eval --help)");

    const annotation::Format format = annotation::parse_format(args.get("--format", "hico"));
    if (format != annotation::Format::Hico && format != annotation::Format::Instances)
        throw_usage("--format must be hico or instances (HOI classes are needed), got '" + args.get("--format") + "'");
    eval::EvalOptions options;
    options.max_hois_per_image = args.get_int("--max-hois", 100);
    if (options.max_hois_per_image < 1) throw_usage("--max-hois must be at least 1");
    const eval::ClassSplit split = eval::load_split(args.get("--split", "default"));

    const std::string gt_path = args.get("--gt"), pred_path = args.get("--pred");
    const auto gt_project = annotation::import_file(gt_path, format);
    const auto pred_project = annotation::import_file(pred_path, format);
    const auto gt = eval::ground_truth_from_document(gt_project.document, gt_path);
    const auto pred = eval::predictions_from_document(pred_project.document, pred_path);
    const eval::EvalResult r = eval::evaluate(gt, pred, split, options);

    nlohmann::json out;
    out["split"] = r.split;
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

HOI_REGISTER_COMMAND("eval", "HICO-DET mAP (Full / Rare / Non-rare, or zero-shot Unseen / Seen)", cmd_eval);

} // namespace hoi::cli
