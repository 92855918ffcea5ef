#pragma once
// Internal: the per-format importers and exporters behind formats.h.
// Importers add every problem to `problems` and return what they could build (callers discard it
// when there is any problem); exporters fill the report.
#include "annotation/formats.h"
#include "annotation/problems.h"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <unordered_map>

namespace hoi::annotation::detail {

Project import_hico(std::string_view text, Problems& problems);
std::string export_hico(const Project& project, ExportReport& report, bool states = false);

Project import_instances(std::string_view text, Problems& problems);
std::string export_instances(const Project& project, ExportReport& report);

Project import_coco(std::string_view text, Problems& problems);
std::string export_coco(const Project& project, ExportReport& report);

Project import_csv(std::string_view text, Problems& problems);
std::string export_csv(const Project& project, ExportReport& report);

Project import_vcoco(std::string_view text, Problems& problems);
std::string export_vcoco(const Project& project, ExportReport& report);

Project import_project(std::string_view text, Problems& problems);
std::string export_project(const Project& project, ExportReport& report);

// Review state of an imported entry in a format without states.
inline State state_for_score(const std::optional<double>& score) {
    return score ? State::Predicted : State::Accepted;
}

// The HICO verb id of an interaction: hico_verb when set, else the vocabulary's id of its verb
// text, else -1.
int resolve_hico_verb(const Interaction& interaction);

// Common export filter: rejected entries are left out; interactions whose subject or object is
// left out are left out too. Counts them in the report. Returns the kept ids: of every image, or of
// `image` alone when it is not 0.
struct ExportSelection {
    std::vector<const Instance*> instances;       // kept, document order
    std::vector<const Interaction*> interactions; // kept, document order
};
ExportSelection select_for_export(const Document& doc, ExportReport& report, Id image = 0);

// The start of an image's entry in the QPIC layout that HICO-DET and V-COCO files share:
// file_name, width and height (when known) and "annotations", the boxes (bbox, COCO-91
// category_id, score) of the instances with a COCO-80 class in order, their numbers passed through
// round_box / round_score. `index` maps each written instance to its position; the others are left
// out and counted ("not expressible in <format>").
struct QpicImage {
    nlohmann::json entry;
    std::unordered_map<Id, size_t> index;
};
QpicImage qpic_image(const Image& image, const std::vector<const Instance*>& instances, std::string_view format,
                     double (*round_box)(double), double (*round_score)(double), ExportReport& report);

} // namespace hoi::annotation::detail
