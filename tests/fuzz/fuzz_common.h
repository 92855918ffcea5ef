#pragma once
// Shared body of the importer fuzz targets: validate and import arbitrary bytes; when the import
// succeeds, export to every format and check the invariants the tests rely on (a round trip through
// the same format gives the same document for project and hico; csv keeps every interaction;
// nothing is dropped without being counted in the report). A broken invariant aborts, which
// libFuzzer reports as a crash.
#include "annotation/formats.h"
#include "io/error.h"

#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace hoi::fuzz {

inline void check(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
        std::abort();
    }
}

inline int run_importer(const uint8_t* data, size_t size, annotation::Format format) {
    using namespace hoi::annotation;
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto problems = validate_text(text, format, "fuzz");
    Project p;
    try {
        p = import_text(text, format, "fuzz");
    } catch (const hoi::Error& e) {
        check(e.kind() == hoi::ErrorKind::Input, "import failed with an error kind other than Input");
        check(!problems.empty(), "import threw but validate reported no problem");
        return 0;
    }
    check(problems.empty(), "validate reported problems but import succeeded");
    const size_t n = p.document.interactions().size();
    for (Format f : {Format::Hico, Format::Vcoco, Format::Instances, Format::Coco, Format::Csv, Format::Project}) {
        ExportReport report;
        std::string out;
        try {
            out = export_text(p, f, &report);
        } catch (const hoi::Error& e) {
            std::fprintf(stderr, "export to %s failed: %s\n", std::string(format_name(f)).c_str(), e.what());
            check(false, "export of an imported document failed");
        }
        check(report.interactions + report.interactions_skipped == n, "an interaction vanished from the report");
        Project q;
        try {
            q = import_text(out, f, "fuzz-export");
        } catch (const hoi::Error& e) {
            std::fprintf(stderr, "re-import of %s failed: %s\n", std::string(format_name(f)).c_str(), e.what());
            check(false, "an exported file does not import");
        }
        check(q.document.interactions().size() == report.interactions, "re-import lost interactions");
        if (f == Format::Project) check(q == p, "project round trip changed the document");
        // The HICO-DET writer rounds (boxes to 1/100 pixel, scores to 1e-6) and puts the relations it
        // cannot give a HOI class into free_hoi_annotation: a file it wrote, read and written again,
        // is the same file.
        // The V-COCO writer writes numbers as they are: the same holds for it.
        if (f == Format::Hico || f == Format::Vcoco) {
            std::string again;
            try {
                again = export_text(q, f);
            } catch (const hoi::Error&) {
                check(false, "export of a re-imported hico or vcoco file failed");
            }
            check(again == out, "a hico or vcoco file read and written again changed");
        }
    }
    return 0;
}

} // namespace hoi::fuzz
