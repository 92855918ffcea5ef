// hoi convert — converts annotation files between formats (hico, vcoco, instances, coco, csv, project).
#include "cli.h"

#include "annotation/formats.h"
#include "annotation/recovery_store.h"
#include "io/atomic_file.h"
#include "io/error.h"

#include <iostream>

namespace hoi::cli {

static nlohmann::json report_json(const annotation::ExportReport& r) {
    nlohmann::json reasons = nlohmann::json::object();
    for (const auto& [reason, n] : r.reasons) reasons[reason] = n;
    return {{"format", r.format},
            {"images", r.images},
            {"instances", r.instances},
            {"interactions", r.interactions},
            {"instances_skipped", r.instances_skipped},
            {"interactions_skipped", r.interactions_skipped},
            {"lossless", r.lossless()},
            {"reasons", reasons}};
}

static int cmd_convert(std::vector<std::string> argv) {
    Args args("convert", std::move(argv));
    args.description(
            "Converts an annotation file from one format to another.\n"
            "Formats: hico (QPIC/CDN/GEN-VLKT HICO-DET JSON), vcoco (QPIC/GEN-VLKT V-COCO JSON,\n"
            "trainval_vcoco.json / test_vcoco.json: the 29 action classes; relations whose verb is\n"
            "not one are left out and counted), instances (fredzzhang/hicodet\n"
            "instances_*.json), coco (COCO detection JSON, boxes only), csv (one row per\n"
            "interaction), project (HOI Studio project file). --from defaults to a guess from\n"
            "the content. What the target format cannot express is counted in the export\n"
            "report (stderr, and \"report\" in the JSON on stdout).")
        .option("--from", "FORMAT", "format of IN (default: detected)")
        .option("--to", "FORMAT", "format of OUT")
        .option("--images", "DIR", "image folder: every image must exist there; stored in a project")
        .flag("--recovery", "write OUT's autosave recovery file (.OUT.recovery.json) instead of OUT "
                            "(project only; what the GUI's autosave does)")
        .positional("IN OUT", "input and output files", 2, 2);
    if (!args.parse()) return kOk;
    if (!args.has("--to")) throw_usage("--to FORMAT is required (see hoi convert --help)");
    const std::string in = args.positionals()[0];
    const std::string out = args.positionals()[1];
    const annotation::Format to = annotation::parse_format(args.get("--to"));
    const bool recovery = args.has("--recovery");
    if (recovery && to != annotation::Format::Project) throw_usage("--recovery needs --to project");

    std::string text = io::read_file(in, annotation::kMaxAnnotationFileBytes);
    const annotation::Format from =
        args.has("--from") ? annotation::parse_format(args.get("--from")) : annotation::detect_format(text);
    annotation::ImportOptions options;
    options.image_dir = args.get("--images");
    annotation::Project project = annotation::import_text(text, from, in, options);
    text.clear();
    text.shrink_to_fit();

    annotation::ExportReport report;
    std::string written;
    if (recovery) {
        annotation::RecoveryStore store(out);
        store.write(project);
        report.format = "project";
        report.images = project.document.images().size();
        report.instances = project.document.instances().size();
        report.interactions = project.document.interactions().size();
        written = store.recovery_path();
    } else {
        report = annotation::export_file(project, out, to);
        written = out;
    }
    std::cerr << report.to_string() << std::endl;
    const auto& d = project.document;
    print_json({{"input", in},
                {"output", written},
                {"from", std::string(annotation::format_name(from))},
                {"to", std::string(annotation::format_name(to))},
                {"read", {{"images", d.images().size()},
                          {"instances", d.instances().size()},
                          {"interactions", d.interactions().size()}}},
                {"report", report_json(report)}});
    return kOk;
}

HOI_REGISTER_COMMAND("convert", "convert annotations between hico, vcoco, instances, coco, csv and project", cmd_convert);

} // namespace hoi::cli
