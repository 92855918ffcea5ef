#pragma once
// `hoi bench`: benchmark sections register themselves (bench_*.cpp) and add JSON results.
// Every section can use the machine's measured matrix-product rate (GFLOP/s, from the "blas"
// section, measured first in the same run) to report its compute floor: FLOPs / rate.
#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "detect/detector.h"
#include "detect/tfjs_graph.h"

namespace hoi::clip {
class ClipModel;
struct ClipConfig;
} // namespace hoi::clip

namespace hoi::bench {

struct Context {
    double gemm_gflops = 0;     // measured matrix-product rate in this run
    double read_gbps = 0;       // measured memory read rate (GB/s, all threads) in this run
    int repeats = 10;           // timed repetitions per measurement (after warm-up)
    bool quick = false;         // --quick: fewer repetitions (smoke runs in tests)
    std::string models_dir;     // where fetched models live
    std::string clip_path;      // --clip MODEL, if given
    std::string clip_arch = "ViT-B/32"; // --clip-arch: shapes of the random-weight model otherwise
};

struct Section {
    std::string name;
    std::string summary;
    int order = 100; // sections run by ascending order; "blas" is 0
    std::function<nlohmann::json(Context&)> run;
};

bool register_section(Section s);
const std::vector<Section>& sections();

// Median wall time in milliseconds of `repeats` calls of fn, after `warmup` untimed calls; with
// repeats >= 5, of as many more calls as fit in one second (at most 200 in all) for fast stages.
double time_ms(const std::function<void()>& fn, int repeats, int warmup = 2);
// Peak resident set size of this process so far, in MiB (from /proc/self/status VmHWM).
double peak_rss_mib();

// The CLIP model of a section: --clip MODEL when given, else random weights of --clip-arch's shapes
// (built in memory). Records which in out["model"] and out["architecture"]; `section` names the
// section on stderr.
std::shared_ptr<clip::ClipModel> bench_clip_model(const Context& ctx, nlohmann::json& out, const std::string& section);
// 4 people and 8 objects laid out over a W x H image: exactly 32 human-object pairs.
std::vector<detect::Detection> grid_boxes(int W, int H);
// A fresh folder under the temporary directory, removed with everything in it at scope exit.
struct ScopedTempDir {
    std::filesystem::path path;
    explicit ScopedTempDir(const std::string& prefix);
    ~ScopedTempDir();
    ScopedTempDir(const ScopedTempDir&) = delete;
    ScopedTempDir& operator=(const ScopedTempDir&) = delete;
};
// CLIP helpers shared by the sections (bench_clip.cpp):
// FLOPs of one image through the image tower (ViT or ModifiedResNet);
double clip_image_flops(const clip::ClipConfig& c);
// FLOPs of one pre-LN residual block over T tokens of width W (2*M*N*K per matrix product,
// attention products included);
double block_flops(double T, double W);
// The floors of a detector's or the pose model's graph (bench_detect.cpp): "gflops", "floor_ms"
// (its FLOPs at the matrix-product rate, the compute floor), "memory_floor_ms" (the bytes its nodes
// read and write at the read rate) and "roofline_floor_ms" (node by node the longer of the two).
nlohmann::json graph_floors(const detect::TfjsGraph::Cost& cost, const Context& ctx);
// which code path of the CLIP panel kernel ran the products since `before`
// (packed_linear_calls()): {"kernel": widest path used, "kernel_calls": {path: products}}.
nlohmann::json kernel_paths_since(const std::array<uint64_t, 3>& before);

} // namespace hoi::bench

#define HOI_BENCH_CONCAT2(a, b) a##b
#define HOI_BENCH_CONCAT(a, b) HOI_BENCH_CONCAT2(a, b)
#define HOI_REGISTER_BENCH(...)                                                                   \
    static const bool HOI_BENCH_CONCAT(hoi_bench_registered_, __LINE__) =                        \
        ::hoi::bench::register_section(::hoi::bench::Section{__VA_ARGS__})
