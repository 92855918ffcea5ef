// hoi bench — benchmarks of every stage on this machine, with compute floors.
#include "bench.h"
#include "cli.h"

#include "clip/packed_linear.h"
#include "clip/synthetic.h"
#include "core.h"
#include "io/error.h"
#include "io/resources.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <set>

#include <torch/torch.h>

namespace hoi::bench {

static std::vector<Section>& registry() {
    static std::vector<Section> r;
    return r;
}

bool register_section(Section s) {
    registry().push_back(std::move(s));
    return true;
}

const std::vector<Section>& sections() {
    auto& r = registry();
    std::stable_sort(r.begin(), r.end(), [](const Section& a, const Section& b) { return a.order < b.order; });
    return r;
}

double time_ms(const std::function<void()>& fn, int repeats, int warmup) {
    for (int i = 0; i < warmup; ++i) fn();
    std::vector<double> t;
    t.reserve(static_cast<size_t>(std::max(1, repeats)));
    // Fast stages are sampled over at least kMinSpanMs (up to kMaxSamples calls): ten calls of a
    // 5 ms stage fit inside one burst of load from the host, and their median is then the burst's.
    constexpr double kMinSpanMs = 1000;
    constexpr int kMaxSamples = 200;
    const int n = std::max(1, repeats);
    double span = 0;
    for (int i = 0; i < n || (repeats >= 5 && span < kMinSpanMs && i < kMaxSamples); ++i) {
        auto a = std::chrono::steady_clock::now();
        fn();
        auto b = std::chrono::steady_clock::now();
        t.push_back(std::chrono::duration<double, std::milli>(b - a).count());
        span += t.back();
    }
    std::sort(t.begin(), t.end());
    return t[t.size() / 2];
}

double peak_rss_mib() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
    }
    return 0;
}

// The matrix-product rate: float32 GEMM at sizes typical of the models (ViT-B MLPs, attention),
// the best of every path LibTorch has here: OpenBLAS as the runtime uses it (one thread, see
// hoi::init_runtime), OpenBLAS on every core, and oneDNN on ATen's threads. Floors use the best.
static nlohmann::json bench_blas(Context& ctx) {
    torch::NoGradGuard no_grad;
    nlohmann::json paths;
    double best = 0;
    const int runtime_blas_threads = hoi::blas_threads();
    auto measure = [&](const std::string& name, const std::function<void(at::Tensor&, const at::Tensor&, const at::Tensor&)>& mm) {
        nlohmann::json sizes = nlohmann::json::array();
        double path_best = 0;
        for (int n : {256, 512, 1024, 2048}) {
            auto a = torch::randn({n, n});
            auto b = torch::randn({n, n});
            auto c = torch::empty({n, n});
            const int reps = ctx.quick ? 2 : (n >= 2048 ? 5 : 20);
            double ms = time_ms([&] { mm(c, a, b); }, reps, 2);
            double gflops = 2.0 * n * n * n / (ms * 1e6);
            path_best = std::max(path_best, gflops);
            sizes.push_back({{"n", n}, {"ms", ms}, {"gflops", gflops}});
        }
        best = std::max(best, path_best);
        paths[name] = {{"gflops", path_best}, {"sizes", sizes}};
    };
    auto blas = [](at::Tensor& c, const at::Tensor& a, const at::Tensor& b) { at::mm_out(c, a, b); };
    measure("openblas_" + std::to_string(runtime_blas_threads) + "_thread", blas);
    const int cores = at::get_num_threads();
    if (cores != runtime_blas_threads) {
        hoi::set_blas_threads(cores);
        if (hoi::blas_threads() == cores) measure("openblas_" + std::to_string(cores) + "_threads", blas);
        hoi::set_blas_threads(runtime_blas_threads);
    }
    if (at::hasMKLDNN()) {
        measure("onednn_" + std::to_string(cores) + "_threads", [](at::Tensor& c, const at::Tensor& a, const at::Tensor& b) {
            // oneDNN's inner product computes a @ b^T (b as [out, in] weights): the same FLOPs.
            c = at::mkldnn_linear(a.to_mkldnn(), b, c10::nullopt).to_dense();
        });
    }
    ctx.gemm_gflops = best;

    // The memory read rate, for stages that read more weight bytes than their FLOPs can hide (one
    // prompt through the text tower): a sum over 256 MB, far beyond the caches, on every thread.
    auto big = torch::ones({64 << 20});
    double read_ms = time_ms([&] { (void)big.sum().item<float>(); }, ctx.quick ? 2 : 10, 1);
    ctx.read_gbps = big.numel() * 4.0 / (read_ms * 1e6);
    return {{"gemm_gflops", best}, {"read_gbps", ctx.read_gbps}, {"threads", cores}, {"paths", paths}};
}
HOI_REGISTER_BENCH("blas", "float32 matrix-product rate (GFLOP/s): best of OpenBLAS and oneDNN; memory read rate (GB/s)", 0, bench_blas);

} // namespace hoi::bench

namespace hoi::cli {

static int cmd_bench(std::vector<std::string> argv) {
    Args args("bench", std::move(argv));
    args.description(
            "Measures each stage on this machine and reports it with its compute floor\n"
            "(the stage's FLOPs divided by the matrix-product rate measured in the same run).\n"
            "Sections: " + [] {
                std::string s;
                for (const auto& sec : bench::sections()) s += (s.empty() ? "" : ", ") + sec.name;
                return s;
            }())
        .flag("--blas", "only the matrix-product rate")
        .option("--section", "NAME", "run only this section (and blas)", true)
        .option("--clip", "MODEL", "CLIP model for the CLIP sections (default: random weights of --clip-arch's shapes)")
        .option("--clip-arch", "ARCH", "shapes of the random-weight CLIP model: ViT-B/32 (default), ViT-B/16, ViT-L/14 or RN50")
        .option("--repeats", "N", "timed repetitions per measurement (default 10)")
        .flag("--quick", "few repetitions (a smoke run)")
        .option("--write-clip", "PATH", "write the random-weight model (--clip-arch, default ViT-B/32) as an OpenAI .pt "
                                        "archive and exit (to time `hoi run` and `hoi-studio --bench` on the same weights)");
    if (!args.parse()) return kOk;

    bench::Context ctx;
    if (args.has("--clip-arch")) ctx.clip_arch = args.get("--clip-arch");
    const auto arch_config = clip::published_config(ctx.clip_arch); // Usage error for an unknown name
    if (args.has("--write-clip")) {
        clip::write_synthetic_model(args.get("--write-clip"), arch_config, 0);
        std::cout << nlohmann::json{{"written", args.get("--write-clip")},
                                    {"model", "synthetic " + ctx.clip_arch + " (random weights)"}}.dump(1)
                  << std::endl;
        return 0;
    }
    ctx.quick = args.has("--quick");
    ctx.repeats = args.get_int("--repeats", ctx.quick ? 2 : 10);
    if (ctx.repeats < 1) throw_usage("--repeats must be at least 1");
    ctx.models_dir = io::models_dir();
    ctx.clip_path = args.get("--clip");

    std::set<std::string> only;
    for (const auto& s : args.all("--section")) only.insert(s);
    if (args.has("--blas")) only.insert("blas");
    for (const auto& s : only) {
        bool known = false;
        for (const auto& sec : bench::sections()) known |= sec.name == s;
        if (!known) throw_usage("unknown bench section '" + s + "'");
    }

    nlohmann::json out;
    out["machine"] = {{"threads", at::get_num_threads()},
                      {"clip_kernel", clip::kernel_path_name(clip::active_kernel_path())}};
    for (const auto& sec : bench::sections()) {
        if (!only.empty() && sec.name != "blas" && !only.count(sec.name)) continue;
        std::cerr << "bench: " << sec.name << " ..." << std::endl;
        out[sec.name] = sec.run(ctx);
    }
    out["peak_rss_mib"] = bench::peak_rss_mib();
    print_json(out);
    return kOk;
}

HOI_REGISTER_COMMAND("bench", "benchmark every stage on this machine (with compute floors)", cmd_bench);

} // namespace hoi::cli
