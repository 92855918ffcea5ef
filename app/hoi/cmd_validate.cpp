// hoi validate — reports every problem of an annotation file.
#include "cli.h"

#include "annotation/formats.h"
#include "io/atomic_file.h"
#include "io/error.h"

#include <iostream>
#include <optional>

namespace hoi::cli {

static int cmd_validate(std::vector<std::string> argv) {
    Args args("validate", std::move(argv));
    args.description(
            "Checks an annotation file and lists EVERY problem as {file, where, message}.\n"
            "Exit 0 when the file is clean, 3 when there is any problem.\n"
            "Formats: hico, instances, coco, csv, project (default: detected from the content).")
        .option("--format", "FORMAT", "format of FILE (default: detected)")
        .option("--images", "DIR", "also check that every image exists in DIR")
        .positional("FILE", "the annotation file", 1, 1);
    if (!args.parse()) return kOk;
    const std::string file = args.positionals()[0];
    std::optional<annotation::Format> format;
    if (args.has("--format")) format = annotation::parse_format(args.get("--format"));
    annotation::ImportOptions options;
    options.image_dir = args.get("--images");

    std::vector<annotation::Problem> problems;
    std::string text;
    try {
        text = io::read_file(file, annotation::kMaxAnnotationFileBytes);
    } catch (const Error& e) {
        problems.push_back({file, "", e.what()});
    }
    if (problems.empty()) {
        if (!format) format = annotation::detect_format(text);
        problems = annotation::validate_text(text, *format, file, options);
    }
    nlohmann::json list = nlohmann::json::array();
    for (const auto& p : problems) {
        list.push_back({{"file", p.file}, {"where", p.where}, {"message", p.message}});
        std::cerr << p.to_string() << "\n";
    }
    print_json({{"file", file},
                {"format", format ? std::string(annotation::format_name(*format)) : std::string()},
                {"valid", problems.empty()},
                {"problem_count", problems.size()},
                {"problems", list}});
    return problems.empty() ? kOk : kInput;
}

HOI_REGISTER_COMMAND("validate", "report every problem in an annotation file", cmd_validate);

} // namespace hoi::cli
