// `hoi bench`: a quick run of the clip and engine sections gives the JSON scripts read, with every
// existing field kept (fields are added, never renamed) and the structure of the measurements
// (which rows a new prompt reuses, which floors the full pipeline is compared with: compute floors
// and rooflines). No timing is
// asserted: speed is what `hoi bench` reports, not what a test decides.
#include <QtTest>

#include "test_util.h"

#include <nlohmann/json.hpp>

class TestCmdBench : public QObject {
    Q_OBJECT

    nlohmann::json out_;

private Q_SLOTS:
    void initTestCase() {
        HOI_REQUIRE_FILE(hoi::test::bin_path("hoi"));
        const auto r = hoi::test::run_hoi({"bench", "--quick", "--section", "clip", "--section", "engine"}, 600000);
        QVERIFY2(r.exit_code == 0 && !r.crashed, r.err.c_str());
        out_ = nlohmann::json::parse(r.out);
    }

    void clipSection() {
        QVERIFY(out_["blas"]["gemm_gflops"].get<double>() > 0);
        QVERIFY(out_["blas"]["read_gbps"].get<double>() > 0);
        const auto& clip = out_["clip"];
        QCOMPARE(clip["architecture"].get<std::string>(), std::string("ViT-B/32"));
        QVERIFY(clip["image_encoder"]["ratio_to_floor"].get<double>() > 0);
        const auto& text = clip["text_encoder"];
        for (const char* k : {"1_prompt_cut", "1_prompt_cold", "1_prompt_full", "64_prompts_cut", "64_prompts_full"}) {
            QVERIFY2(text.contains(k), k);
            for (const char* f : {"ms", "floor_ms", "ratio_to_floor", "memory_floor_ms", "ratio_to_memory_floor"})
                QVERIFY2(text[k].contains(f) && text[k][f].get<double>() > 0, qPrintable(QString("%1.%2").arg(k, f)));
        }
        // A new prompt takes its template's opening ("<|startoftext|> a photo of a person") from the
        // tower's recent states; one with nothing reused computes all of its rows.
        QCOMPARE(text["1_prompt_cut"]["rows_reused_per_prompt"].get<double>(), 6.0);
        QVERIFY(text["1_prompt_cut"]["gflop"].get<double>() < text["1_prompt_cold"]["gflop"].get<double>());
        QCOMPARE(text["1_prompt_cold"]["memory_floor_ms"].get<double>(), text["1_prompt_cut"]["memory_floor_ms"].get<double>());
    }

    void engineSection() {
        const auto& e = out_["engine"];
        if (e.contains("skipped")) QSKIP(qPrintable(QString::fromStdString(e["skipped"].get<std::string>())));
        for (const char* k : {"full_pipeline_ms", "full_vs_floors", "sum_of_stage_floors_ms", "sum_of_stage_medians_ms",
                              "requery_ms", "requery_cached_prompt_ms", "peak_rss_mib", "rss_after_model_mib",
                              "text_600_prompts_first_time_ms", "text_600_prompts_from_disk_ms", "sum_of_compute_floors_ms",
                              "full_vs_compute_floors", "sum_of_roofline_floors_ms", "full_vs_roofline_floors"})
            QVERIFY2(e.contains(k) && e[k].get<double>() > 0, k);
        QCOMPARE(e["target_full_vs_floors"].get<double>(), 1.3);
        // The detector's and the pose model's stages carry their graphs' compute floors, which the
        // compute-floor sum counts in place of their measured time.
        const auto& stages = e["stages"];
        // The roofline sum counts them at their rooflines (node by node the longer of arithmetic and
        // memory time), which are never below their compute floors.
        double with_graph_floors = 0, with_rooflines = 0;
        for (const auto& [name, s] : stages.items()) {
            const bool graph = name == "detect" || name == "pose";
            if (graph) {
                QVERIFY2(s.contains("floor_ms") && s["floor_ms"].get<double>() > 0, name.c_str());
                QVERIFY2(s.contains("roofline_floor_ms") &&
                                 s["roofline_floor_ms"].get<double>() >= s["floor_ms"].get<double>(),
                         name.c_str());
            }
            with_graph_floors += s.contains("floor_ms") ? s["floor_ms"].get<double>() : s["ms"].get<double>();
            with_rooflines += graph ? s["roofline_floor_ms"].get<double>()
                                    : s.contains("floor_ms") ? s["floor_ms"].get<double>() : s["ms"].get<double>();
        }
        QVERIFY(qAbs(with_rooflines - e["sum_of_roofline_floors_ms"].get<double>()) < 1e-6 * with_rooflines);
        QVERIFY(qAbs(e["full_vs_roofline_floors"].get<double>() -
                     e["full_pipeline_ms"].get<double>() / e["sum_of_roofline_floors_ms"].get<double>()) < 1e-9);
        QVERIFY(stages.contains("detect") && stages.contains("pose"));
        QVERIFY(qAbs(with_graph_floors - e["sum_of_compute_floors_ms"].get<double>()) < 1e-6 * with_graph_floors);
        QVERIFY(qAbs(e["full_vs_compute_floors"].get<double>() -
                     e["full_pipeline_ms"].get<double>() / e["sum_of_compute_floors_ms"].get<double>()) < 1e-9);
    }
};

QTEST_GUILESS_MAIN(TestCmdBench)
#include "tst_cmd_bench.moc"
