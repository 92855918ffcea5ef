// A `hoi run` output with free-verb predictions goes through `hoi convert` (to HICO-DET and through a
// project, what the GUI saves) and through the annotation API the GUI opens and exports with, and
// nothing is lost: every relation (boxes, verb, prompt, score), the free verbs included. One HICO-DET
// reader and writer (annotation/hico_format.h) serves all of them.
#include "test_util.h"

#include "annotation/formats.h"
#include "annotation/hico_format.h"
#include "annotation/hico_vocabulary.h"
#include "clip/synthetic.h"
#include "core.h"
#include "io/atomic_file.h"

#include <filesystem>
#include <set>
#include <tuple>

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// One relation of a HICO-DET file as its reader should see it: image, both boxes and classes, the
// verb (HICO verbs by name), the prompt and the score.
using Row = std::tuple<std::string, std::string, std::string, int, int, std::string, std::string, double>;

std::multiset<Row> rows(const json& file, size_t* free_count = nullptr) {
    const auto& verbs = hoi::annotation::HicoVocabulary::instance();
    std::multiset<Row> out;
    if (free_count) *free_count = 0;
    for (const auto& e : file) {
        const json& anns = e["annotations"];
        auto add = [&](const json& h, const std::string& verb) {
            const json& s = anns[h["subject_id"].get<size_t>()];
            const json& o = anns[h["object_id"].get<size_t>()];
            out.insert({e["file_name"].get<std::string>(), s["bbox"].dump(), o["bbox"].dump(),
                        s["category_id"].get<int>(), o["category_id"].get<int>(), verb,
                        h.value("prompt", std::string()), h.value("score", -1.0)});
        };
        for (const auto& h : e["hoi_annotation"]) add(h, verbs.verb_name(h["category_id"].get<int>() - 1));
        if (e.contains("free_hoi_annotation"))
            for (const auto& h : e["free_hoi_annotation"]) {
                add(h, h["verb"].get<std::string>());
                if (free_count) ++*free_count;
            }
    }
    return out;
}

} // namespace

class TestRunOutputRoundTrip : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;
    std::string out(const std::string& name) const { return tmp_.path().toStdString() + "/" + name; }

private Q_SLOTS:
    void initTestCase() {
        hoi::init_runtime();
        QVERIFY(tmp_.isValid());
    }

    void runOutputSurvivesConvertOpenAndExport() {
        HOI_REQUIRE_FILE(hoi::test::models_dir() + "/nanodet.json");
        HOI_REQUIRE_FILE(hoi::test::samples_dir() + "/messi5.jpg");
        HOI_REQUIRE_FILE(hoi::test::bin_path("hoi"));
        const std::string clip = out("tiny.pt");
        hoi::clip::write_synthetic_model(clip, hoi::clip::tiny_vit_config(), 3);
        // "juggle ball" and "play guitar" are not HICO-DET classes (free verbs), "ride horse" is.
        auto r = hoi::test::run_hoi({"run", "--clip", QString::fromStdString(clip), "--prompt", "juggle ball",
                                     "--prompt", "play guitar", "--prompt", "ride horse", "--prompt", "kick ball",
                                     QString::fromStdString(hoi::test::samples_dir() + "/messi5.jpg"),
                                     QString::fromStdString(hoi::test::samples_dir() + "/person.jpg"), "--out",
                                     QString::fromStdString(out("run.json"))},
                                    600000);
        QVERIFY2(r.exit_code == 0, r.err.c_str());
        const json run = json::parse(hoi::io::read_file(out("run.json")));
        size_t frees = 0;
        const auto want = rows(run, &frees);
        QVERIFY(frees > 0);
        QVERIFY(want.size() > frees); // HICO classes too
        for (const auto& row : want) {
            QVERIFY(std::get<7>(row) >= 0); // every prediction has its score
            QVERIFY(!std::get<6>(row).empty()); // and its prompt
        }

        // hoi convert, hico -> hico and hico -> project -> hico.
        r = hoi::test::run_hoi({"convert", "--from", "hico", "--to", "hico", QString::fromStdString(out("run.json")),
                                QString::fromStdString(out("conv.json"))});
        QVERIFY2(r.exit_code == 0, r.err.c_str());
        QVERIFY2(json::parse(r.out)["report"]["lossless"].get<bool>(), r.err.c_str());
        const json conv = json::parse(hoi::io::read_file(out("conv.json")));
        size_t conv_frees = 0;
        QCOMPARE(rows(conv, &conv_frees), want);
        QCOMPARE(conv_frees, frees);
        r = hoi::test::run_hoi({"convert", "--to", "project", QString::fromStdString(out("run.json")),
                                QString::fromStdString(out("run.hoiproj"))});
        QVERIFY2(r.exit_code == 0, r.err.c_str());
        r = hoi::test::run_hoi({"convert", "--to", "hico", QString::fromStdString(out("run.hoiproj")),
                                QString::fromStdString(out("via_project.json"))});
        QVERIFY2(r.exit_code == 0, r.err.c_str());
        QCOMPARE(rows(json::parse(hoi::io::read_file(out("via_project.json")))), want);
        // Entries equal the run's but for the run's own resume key.
        json stripped = run;
        for (auto& e : stripped) e.erase("image_path");
        QCOMPARE(conv.dump(), stripped.dump());

        // Opened through the annotation API (the GUI's File > Open) and exported again (its Ctrl+E).
        using namespace hoi::annotation;
        const Project p = import_file(out("conv.json"), Format::Hico);
        size_t free_relations = 0;
        for (const Interaction& x : p.document.interactions()) {
            QVERIFY(x.score.has_value());
            QVERIFY(!x.prompt.empty());
            if (x.hico_verb < 0) {
                ++free_relations;
                QVERIFY(x.verb == "juggle" || x.verb == "play");
            }
        }
        QCOMPARE(free_relations, frees);
        const ExportReport report = export_file(p, out("export.json"), Format::Hico);
        QVERIFY2(report.lossless(), report.to_string().c_str());
        QCOMPARE(report.interactions, want.size());
        QCOMPARE(hoi::io::read_file(out("export.json")), hoi::io::read_file(out("conv.json")));
    }
};

QTEST_GUILESS_MAIN(TestRunOutputRoundTrip)
#include "tst_run_output_roundtrip.moc"
