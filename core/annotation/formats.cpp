#include "annotation/formats.h"

#include "annotation/codecs.h"
#include "annotation/coco_classes.h"
#include "annotation/hico_vocabulary.h"
#include "io/atomic_file.h"
#include "io/error.h"

#include <nlohmann/json.hpp>

#include <cctype>
#include <filesystem>
#include <unordered_set>

namespace hoi::annotation {

std::string_view format_name(Format f) {
    switch (f) {
    case Format::Hico: return "hico";
    case Format::Instances: return "instances";
    case Format::Coco: return "coco";
    case Format::Csv: return "csv";
    case Format::Project: return "project";
    case Format::Vcoco: return "vcoco";
    }
    return "project";
}

Format parse_format(std::string_view name) {
    for (Format f : {Format::Hico, Format::Vcoco, Format::Instances, Format::Coco, Format::Csv, Format::Project})
        if (format_name(f) == name) return f;
    throw_usage("unknown annotation format '" + std::string(name) +
                "' (expected one of: hico, vcoco, instances, coco, csv, project)");
}

namespace {

// A JSON list in the V-COCO layout rather than HICO-DET's: relations ("subject_id", or
// "hoi_prediction") and no key only HICO-DET has: QPIC's HICO-DET files give every relation a
// "hoi_category_id", HOI Studio's always have "free_hoi_annotation". (A file without relations is
// read the same either way.)
bool looks_like_vcoco(std::string_view text) {
    auto has = [&](std::string_view key) { return text.find(key) != std::string_view::npos; };
    if (has("\"hoi_category_id\"") || has("\"free_hoi_annotation\"")) return false;
    return has("\"hoi_prediction\"") || has("\"subject_id\"");
}

} // namespace

Format detect_format(std::string_view text) {
    size_t i = 0;
    if (text.substr(0, 3) == "\xEF\xBB\xBF") i = 3;
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (i < text.size() && text[i] == '[') return looks_like_vcoco(text.substr(i)) ? Format::Vcoco : Format::Hico;
    if (i < text.size() && text[i] == '{') {
        // Look at the top-level keys without parsing the whole file twice: cheap substring checks
        // are enough to pick a reader; the reader then checks everything.
        auto has = [&](std::string_view key) { return text.find(key) != std::string_view::npos; };
        if (has("\"schema_version\"")) return Format::Project;
        if (has("\"filenames\"") && has("\"annotation\"")) return Format::Instances;
        if (has("\"images\"") && has("\"annotations\"")) return Format::Coco;
        return Format::Project;
    }
    return Format::Csv;
}

std::string Problem::to_string() const {
    return file + ": " + (where.empty() ? "" : where + ": ") + message;
}

void ExportReport::skip_instance(const std::string& reason) {
    ++instances_skipped;
    ++reasons[reason];
}

void ExportReport::skip_interaction(const std::string& reason) {
    ++interactions_skipped;
    ++reasons[reason];
}

namespace {
const char* const kRejectedInstance = "rejected instance (left out on purpose)";
const char* const kRejectedInteraction = "rejected interaction (left out on purpose)";
const char* const kRejectedEndpoint = "its subject or object instance was rejected";
} // namespace

void ExportReport::reject_instance() {
    skip_instance(kRejectedInstance);
    ++instances_rejected;
}

void ExportReport::reject_interaction(bool because_of_a_box) {
    skip_interaction(because_of_a_box ? kRejectedEndpoint : kRejectedInteraction);
    ++interactions_rejected;
}

bool ExportReport::is_rejection(const std::string& reason) {
    return reason == kRejectedInstance || reason == kRejectedInteraction || reason == kRejectedEndpoint;
}

std::string ExportReport::to_string() const {
    std::string s = format + ": wrote " + std::to_string(images) + " images, " + std::to_string(instances) +
                    " instances, " + std::to_string(interactions) + " interactions";
    if (lossless()) return s + "; nothing left out";
    s += "; left out " + std::to_string(instances_skipped) + " instances and " +
         std::to_string(interactions_skipped) + " interactions:";
    for (const auto& [reason, n] : reasons) s += "\n  " + std::to_string(n) + " x " + reason;
    return s;
}



namespace detail {

int resolve_hico_verb(const Interaction& x) {
    if (x.hico_verb >= 0 && x.hico_verb < HicoVocabulary::kVerbs) return x.hico_verb;
    return HicoVocabulary::instance().verb_id(x.verb);
}

ExportSelection select_for_export(const Document& doc, ExportReport& report, Id image) {
    ExportSelection sel;
    std::unordered_set<Id> kept;
    for (const Instance& x : doc.instances()) {
        if (image && x.image != image) continue;
        if (x.state == State::Rejected) {
            report.reject_instance();
            continue;
        }
        kept.insert(x.id);
        sel.instances.push_back(&x);
    }
    for (const Interaction& x : doc.interactions()) {
        if (image && x.image != image) continue;
        if (x.state == State::Rejected) {
            report.reject_interaction(false);
            continue;
        }
        if (!kept.count(x.subject) || (x.object && !kept.count(x.object))) { // object 0: none
            report.reject_interaction(true);
            continue;
        }
        sel.interactions.push_back(&x);
    }
    return sel;
}

QpicImage qpic_image(const Image& image, const std::vector<const Instance*>& instances, std::string_view format,
                     double (*round_box)(double), double (*round_score)(double), ExportReport& report) {
    QpicImage out;
    nlohmann::json& e = out.entry;
    e["file_name"] = image.file_name;
    if (image.width > 0 || image.height > 0) {
        e["width"] = image.width;
        e["height"] = image.height;
    }
    // Instances whose class is not a COCO class cannot be written (category_id is a COCO-91 id).
    nlohmann::json anns = nlohmann::json::array();
    for (const Instance* x : instances) {
        const int c80 = x->cls.resolved_coco80();
        if (c80 < 0) {
            report.skip_instance("object class outside COCO-80 (\"" + x->cls.label + "\"): not expressible in " +
                                 std::string(format));
            continue;
        }
        nlohmann::json a;
        const Box& b = x->box;
        a["bbox"] = nlohmann::json::array({round_box(b.x1), round_box(b.y1), round_box(b.x2), round_box(b.y2)});
        a["category_id"] = coco80_to_coco91(c80);
        if (x->score) a["score"] = round_score(*x->score);
        out.index[x->id] = anns.size();
        anns.push_back(std::move(a));
        ++report.instances;
    }
    e["annotations"] = std::move(anns);
    return out;
}

namespace {

Project run_import(std::string_view text, Format format, Problems& problems, const ImportOptions& options) {
    Project p;
    try {
        switch (format) {
        case Format::Hico: p = import_hico(text, problems); break;
        case Format::Instances: p = import_instances(text, problems); break;
        case Format::Coco: p = import_coco(text, problems); break;
        case Format::Csv: p = import_csv(text, problems); break;
        case Format::Project: p = import_project(text, problems); break;
        case Format::Vcoco: p = import_vcoco(text, problems); break;
        }
    } catch (const Error& e) {
        if (e.kind() == ErrorKind::Model) throw; // missing resources: not a problem of the file
        problems.add("", e.what());
    }
    if (!options.image_dir.empty() && problems.empty()) {
        namespace fs = std::filesystem;
        for (size_t i = 0; i < p.document.images().size(); ++i) {
            const Image& im = p.document.images()[i];
            std::error_code ec;
            if (!fs::is_regular_file(fs::path(options.image_dir) / im.file_name, ec))
                problems.add("image \"" + im.file_name + "\"", "not found in the image folder " + options.image_dir);
        }
    }
    if (!options.image_dir.empty() && p.settings.image_dir.empty()) p.settings.image_dir = options.image_dir;
    return p;
}

} // namespace
} // namespace detail

Project import_text(std::string_view text, Format format, const std::string& file, const ImportOptions& options) {
    detail::Problems problems(file);
    Project p = detail::run_import(text, format, problems, options);
    problems.throw_if_any();
    return p;
}

std::vector<Problem> validate_text(std::string_view text, Format format, const std::string& file,
                                   const ImportOptions& options) {
    detail::Problems problems(file);
    detail::run_import(text, format, problems, options);
    auto list = problems.list();
    if (problems.total() > list.size())
        list.push_back(Problem{file, "", std::to_string(problems.total() - list.size()) + " more problems not listed"});
    return list;
}

namespace {

// The project with only what the scope takes; what it leaves out is counted as omitted.
Project scoped(const Project& project, ExportScope scope, ExportReport& r) {
    Project out;
    out.settings = project.settings;
    const Document& doc = project.document;
    std::vector<Image> images;
    std::vector<Instance> instances;
    std::vector<Interaction> interactions;
    std::unordered_set<Id> kept_images, used;
    for (const Image& im : doc.images()) {
        if (scope == ExportScope::Reviewed && !im.reviewed) {
            ++r.images_omitted;
            continue;
        }
        kept_images.insert(im.id);
        images.push_back(im);
    }
    for (const Interaction& x : doc.interactions()) {
        const bool by_person = x.state == State::Accepted || x.state == State::Edited;
        if (!kept_images.count(x.image) || (scope == ExportScope::Accepted && !by_person)) {
            ++r.interactions_omitted;
            continue;
        }
        used.insert(x.subject);
        if (x.object) used.insert(x.object);
        interactions.push_back(x);
    }
    for (const Instance& x : doc.instances()) {
        const bool keep = kept_images.count(x.image) &&
                          (scope != ExportScope::Accepted || used.count(x.id) || x.state != State::Predicted);
        if (!keep) {
            ++r.instances_omitted;
            continue;
        }
        instances.push_back(x);
    }
    out.document = Document::from_parts(std::move(images), std::move(instances), std::move(interactions),
                                        doc.counters());
    return out;
}

} // namespace

std::string export_text(const Project& project, Format format, ExportReport* report, const ExportOptions& options) {
    ExportReport local;
    ExportReport& r = report ? *report : local;
    r = ExportReport{};
    r.format = std::string(format_name(format));
    std::optional<Project> limited;
    if (options.scope != ExportScope::All) limited = scoped(project, options.scope, r);
    const Project& p = limited ? *limited : project;
    try {
        switch (format) {
        case Format::Hico: return detail::export_hico(p, r, options.hico_states);
        case Format::Instances: return detail::export_instances(p, r);
        case Format::Coco: return detail::export_coco(p, r);
        case Format::Csv: return detail::export_csv(p, r);
        case Format::Project: return detail::export_project(p, r);
        case Format::Vcoco: return detail::export_vcoco(p, r);
        }
    } catch (const nlohmann::json::exception& e) {
        // Only reachable with text that is not UTF-8 (importers and the GUI never produce it).
        throw_input(std::string("cannot write ") + std::string(format_name(format)) + ": " + e.what());
    }
    return {};
}

Project import_file(const std::string& path, Format format, const ImportOptions& options) {
    std::string text = io::read_file(path, kMaxAnnotationFileBytes);
    return import_text(text, format, path, options);
}

std::vector<Problem> validate_file(const std::string& path, Format format, const ImportOptions& options) {
    std::string text;
    try {
        text = io::read_file(path, kMaxAnnotationFileBytes);
    } catch (const Error& e) {
        return {Problem{path, "", e.what()}};
    }
    return validate_text(text, format, path, options);
}

ExportReport export_file(const Project& project, const std::string& path, Format format, const ExportOptions& options) {
    ExportReport report;
    std::string text = export_text(project, format, &report, options);
    io::write_file_atomic(path, text);
    return report;
}

} // namespace hoi::annotation
