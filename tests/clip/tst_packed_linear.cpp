// The panel kernel behind every CLIP transformer product in inference (packed_linear.h): the same
// numbers as a BLAS product for every row count and odd shapes, float16 storage only when it is
// lossless, rows independent of the batch and of the thread count, every code path this CPU can
// run (AVX-512, AVX2) bit-identical to the portable one; and a model packed for inference gives
// the unpacked model's outputs, releases
// its float32 matrices, keeps its digest and still runs under autograd; the one-row product that
// gives the BLAS's bits (blas_matched_product.h) does so on every path.
#include <QtTest>

#include "clip/attention_kernel.h"
#include "clip/blas_matched_product.h"
#include "clip/clip_modules.h"
#include "clip/cpu_features.h"
#include "clip/dot8.h"
#include "clip/packed_linear.h"
#include "clip/synthetic.h"
#include "clip/thread_team.h"
#include "clip/weights.h"
#include "core.h"
#include "test_util.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <array>
#include <atomic>
#include <chrono>
#include <limits>
#include <stdexcept>
#include <thread>

using namespace hoi::clip;

namespace {
at::Tensor run(const PackedLinear& p, const at::Tensor& x, const at::Tensor& b) {
    auto y = at::empty({x.size(0), p.out_features()});
    p.apply(x.data_ptr<float>(), x.size(0), b.defined() ? b.data_ptr<float>() : nullptr, y.data_ptr<float>());
    return y;
}
at::Tensor half_values(const at::Tensor& t) { return t.to(at::kHalf).to(at::kFloat); }

bool close(const at::Tensor& a, const at::Tensor& b, double tol) { return torch::allclose(a, b, tol, tol); }
} // namespace

class TestPackedLinear : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { hoi::init_runtime(); }
    void cleanup() {
        hoi::set_kernels_portable(false);
        set_packed_linear_path(std::nullopt);
    }

    void matchesBlas_data() {
        QTest::addColumn<int>("M");
        QTest::addColumn<int>("N");
        QTest::addColumn<int>("K");
        QTest::addColumn<bool>("bias");
        QTest::addColumn<bool>("half");
        QTest::addColumn<bool>("portable");
        QTest::newRow("1 row") << 1 << 512 << 512 << true << true << false;
        QTest::newRow("10 rows, c_fc") << 10 << 2048 << 512 << true << true << false;
        QTest::newRow("10 rows, c_proj, float32") << 10 << 512 << 2048 << true << false << false;
        QTest::newRow("16 rows, no bias") << 16 << 64 << 96 << false << true << false;
        QTest::newRow("odd N and K") << 7 << 37 << 53 << true << true << false;
        QTest::newRow("N below one panel, K below 8") << 5 << 9 << 3 << true << false << false;
        QTest::newRow("50 rows, ViT-B/32 in_proj") << 50 << 2304 << 768 << true << true << false;
        QTest::newRow("385 rows: two row blocks") << 385 << 40 << 70 << true << true << false;
        QTest::newRow("700 rows, float32") << 700 << 48 << 33 << false << false << false;
        QTest::newRow("portable, float16") << 13 << 37 << 53 << true << true << true;
        QTest::newRow("portable, float32") << 8 << 20 << 19 << false << false << true;
    }
    void matchesBlas() {
        QFETCH(int, M);
        QFETCH(int, N);
        QFETCH(int, K);
        QFETCH(bool, bias);
        QFETCH(bool, half);
        QFETCH(bool, portable);
        torch::manual_seed(M * 1000 + N + K);
        auto x = torch::randn({M, K}), w = torch::randn({N, K}) / std::sqrt(double(K));
        if (half) w = half_values(w);
        at::Tensor b = bias ? torch::randn({N}) : at::Tensor();
        auto p = PackedLinear::pack(w);
        QCOMPARE(p.is_half(), half);
        QCOMPARE(p.out_features(), int64_t(N));
        QCOMPARE(p.in_features(), int64_t(K));
        if (portable) set_packed_linear_path(KernelPath::Portable);
        auto y = run(p, x, b);
        auto ref = bias ? at::addmm(b, x, w.t()) : at::mm(x, w.t());
        QVERIFY2(torch::allclose(y, ref, 1e-4, 1e-5),
                 qPrintable(QString("max diff %1").arg((y - ref).abs().max().item<float>())));
    }

    void quickGeluEpilogue() {
        // The fused activation against ATen's x * sigmoid(1.702 x): over the range activations
        // take, out to where it saturates, and the same bits on both code paths.
        auto v = at::cat({torch::linspace(-120, 120, 4801), torch::randn({2000}) * 3,
                          torch::tensor({0.f, -0.f, 1e-30f, -1e-30f, 3e38f, -3e38f})});
        auto ref = v * torch::sigmoid(v * 1.702);
        for (int64_t i = 0; i < v.numel(); ++i) {
            const float x = v[i].item<float>(), want = ref[i].item<float>(), got = quick_gelu_ref(x);
            QVERIFY2(std::abs(got - want) <= 3e-7f * std::abs(want) + 1e-30f,
                     qPrintable(QString("x %1: %2 vs %3").arg(x).arg(got).arg(want)));
        }
        QVERIFY(std::isnan(quick_gelu_ref(std::nanf(""))));
        // Through apply: an identity weight passes x to the epilogue unchanged.
        const int64_t n = 48;
        auto p = PackedLinear::pack(torch::eye(n));
        QVERIFY(p.is_half());
        auto x = v.narrow(0, 0, 100 * n).view({100, n}).contiguous();
        auto y = at::empty({100, n});
        p.apply(x.data_ptr<float>(), 100, nullptr, y.data_ptr<float>(), PackedLinear::Epilogue::QuickGelu);
        for (int64_t i = 0; i < x.numel(); i += 37)
            QCOMPARE(y.view(-1)[i].item<float>(), quick_gelu_ref(x.view(-1)[i].item<float>()));
        for (KernelPath path : available_kernel_paths()) {
            set_packed_linear_path(path);
            auto y2 = at::empty({100, n});
            p.apply(x.data_ptr<float>(), 100, nullptr, y2.data_ptr<float>(), PackedLinear::Epilogue::QuickGelu);
            QVERIFY2(torch::equal(y, y2), kernel_path_name(path));
        }
    }

    void oneGateForEveryKernel() {
        // The linear products and the attention products ask one gate (cpu_features.h): float32,
        // no autograd graph, HOI_ONEDNN not 0; and one portable switch covers both kernels, which
        // give the same bits on either path.
        using hoi::clip::use_inference_kernels;
        auto x = torch::randn({4, 8});
        at::Tensor none;
        QCOMPARE(use_inference_kernels({&x, &none}), !hoi::clip::inference_kernels_disabled());
        auto d = x.to(at::kDouble);
        QVERIFY(!use_inference_kernels({&x, &d}));
        auto g = x.clone().requires_grad_(true);
        QVERIFY(!use_inference_kernels({&g}));
        {
            at::NoGradGuard no_grad;
            QCOMPARE(use_inference_kernels({&g}), !hoi::clip::inference_kernels_disabled());
        }
        torch::manual_seed(11);
        hoi::clip::nn::MultiheadAttention attn(64, 2);
        for (auto& p : attn->parameters()) {
            p.set_requires_grad(false);
            p.copy_(torch::randn(p.sizes()) * 0.1);
        }
        auto q = torch::randn({2, 7, 64});
        at::Tensor simd, portable;
        {
            at::InferenceMode guard;
            simd = attn->forward(q, at::Tensor());
            hoi::set_kernels_portable(true);
            portable = attn->forward(q, at::Tensor());
            QCOMPARE(active_kernel_path(), KernelPath::Portable); // the panel kernel's switch too
            hoi::set_kernels_portable(false);
        }
        QVERIFY(torch::equal(simd, portable));
        // The dot product the attention kernel and the few-shot adapter share: the same bits on
        // every path, for lengths with and without a rest.
        for (int64_t n : {8, 512, 515, 768}) {
            auto a = torch::randn({n}), b = torch::randn({n});
            const float wide = hoi::clip::dot(a.data_ptr<float>(), b.data_ptr<float>(), n);
            QVERIFY(wide == hoi::clip::dot8(a.data_ptr<float>(), b.data_ptr<float>(), n)); // exact, not fuzzy
            hoi::set_kernels_portable(true);
            QVERIFY(hoi::clip::dot(a.data_ptr<float>(), b.data_ptr<float>(), n) == wide);
            hoi::set_kernels_portable(false);
        }
    }

    void halfOnlyWhenLossless() {
        torch::manual_seed(3);
        auto w = half_values(torch::randn({20, 30}));
        QVERIFY(PackedLinear::pack(w).is_half());
        QVERIFY(!PackedLinear::pack(torch::randn({20, 30})).is_half()); // float32 values
        auto big = w.clone();
        big[3][4] = 1e6f; // beyond float16's range
        QVERIFY(!PackedLinear::pack(big).is_half());
        auto tiny = w.clone();
        tiny[0][0] = 1e-10f; // below float16's smallest subnormal
        QVERIFY(!PackedLinear::pack(tiny).is_half());
        // Either way dense() gives back exactly the weights, and half storage takes half the bytes.
        for (const auto& t : {w, big, tiny}) QVERIFY(torch::equal(PackedLinear::pack(t).dense(), t));
        QCOMPARE(PackedLinear::pack(w).nbytes() * 2, PackedLinear::pack(big).nbytes());
        QVERIFY(torch::equal(PackedLinear::pack(w.t()).dense(), w.t())); // non-contiguous input
    }

    void rowsIndependentOfBatchThreadsAndPath() {
        torch::manual_seed(7);
        auto x = torch::randn({13, 520}), b = torch::randn({300});
        auto p = PackedLinear::pack(half_values(torch::randn({300, 520})));
        auto all = run(p, x, b);
        for (int m : {0, 5, 12}) {
            QVERIFY(torch::equal(run(p, x.narrow(0, m, 1).contiguous(), b)[0], all[m]));
            const int s = std::max(0, m - 2);
            QVERIFY(torch::equal(run(p, x.narrow(0, s, 3).contiguous(), b)[m - s], all[m]));
        }
        const int threads = at::get_num_threads();
        at::set_num_threads(1);
        auto single = run(p, x, b);
        at::set_num_threads(threads);
        QVERIFY(torch::equal(single, all));
        for (KernelPath path : available_kernel_paths()) {
            set_packed_linear_path(path);
            QVERIFY2(torch::equal(run(p, x, b), all), kernel_path_name(path));
        }
    }

    void sharesTogetherGiveApplysBits() {
        // A caller running its own parallel region (the one-prompt text pass) computes each thread's
        // share with apply_share: all shares, in any order, give apply's outputs, on every path, for
        // more parts than panel groups too.
        torch::manual_seed(8);
        const float nan = std::numeric_limits<float>::quiet_NaN();
        for (auto [M, N, K] : {std::array<int, 3>{1, 300, 520}, {13, 48, 64}, {4, 16, 33}}) {
            auto x = torch::randn({M, K}), b = torch::randn({N});
            auto p = PackedLinear::pack(half_values(torch::randn({N, K})));
            for (KernelPath path : available_kernel_paths()) {
                set_packed_linear_path(path);
                const auto all = run(p, x, b);
                for (int parts : {1, 2, 3, 7, 40}) {
                    auto y = torch::full({M, N}, nan);
                    for (int part = parts - 1; part >= 0; --part) {
                        p.apply_share(x.data_ptr<float>(), M, b.data_ptr<float>(), y.data_ptr<float>(), part, parts);
                    }
                    QVERIFY2(torch::equal(y, all), qPrintable(QString("%1, %2 parts, N %3").arg(kernel_path_name(path)).arg(parts).arg(N)));
                }
            }
        }
    }

    void attentionKernelsGiveThePortableBits() {
        // The attention products on AVX2 (eight keys' logits at a time, the values' sums held in
        // registers) give the portable code's bits: head widths of 1, 5, 8 and 16 lanes, key counts
        // with and without a rest of 8, a mask, a range of query rows, two batch items.
        if (!hoi::use_simd(hoi::SimdPath::Avx2Fma)) QSKIP("the wide paths are off (no AVX2 on this CPU, or HOI_KERNEL=portable): only the portable path runs");
        torch::manual_seed(12);
        for (auto [T, H, hd] : {std::array<int64_t, 3>{7, 2, 32}, {13, 3, 64}, {50, 2, 64}, {197, 1, 64}, {20, 1, 128}, {9, 2, 40}, {16, 1, 8}}) {
            auto qkv = torch::randn({2, T, 3 * H * hd});
            // An additive mask: CLIP's causal one (0 and -inf) plus arbitrary values, so that a fused
            // multiply-add would show.
            auto causal = torch::full({T, T}, -std::numeric_limits<float>::infinity()).triu_(1) + torch::randn({T, T});
            for (bool masked : {false, true})
                for (auto [q0, q1] : {std::array<int64_t, 2>{0, T}, {T - 3, T}}) {
                    const float* mask = masked ? causal.data_ptr<float>() : nullptr;
                    const float scale = 0.1581139f; // not a power of two: the product rounds
                    auto run = [&](bool portable) {
                        hoi::set_kernels_portable(portable);
                        auto logits = torch::empty({2 * H, q1 - q0, T});
                        hoi::clip::attention_logits(qkv.data_ptr<float>(), 2, T, H, hd, scale, mask, logits.data_ptr<float>(), q0, q1);
                        auto probs = at::softmax(logits, -1);
                        auto out = torch::empty({2, q1 - q0, H * hd});
                        hoi::clip::attention_values(probs.data_ptr<float>(), qkv.data_ptr<float>(), 2, T, H, hd, out.data_ptr<float>(), q0, q1);
                        hoi::set_kernels_portable(false);
                        return std::pair{logits, out};
                    };
                    const auto [l_simd, o_simd] = run(false);
                    const auto [l_port, o_port] = run(true);
                    const QString what = QString("T %1, %2 heads of %3, mask %4, rows %5-%6").arg(T).arg(H).arg(hd).arg(masked).arg(q0).arg(q1);
                    QVERIFY2(torch::equal(l_simd, l_port), qPrintable("logits: " + what));
                    QVERIFY2(torch::equal(o_simd, o_port), qPrintable("values: " + what));
                    // A range of heads (the one-prompt pass splits them among threads): the same
                    // bits as the whole, written into those heads' columns only.
                    if (H < 2) continue;
                    auto out = torch::full({2, q1 - q0, H * hd}, 7.f);
                    for (auto [h0, h1] : {std::array<int64_t, 2>{0, 1}, {1, H}}) {
                        auto logits = torch::empty({2 * (h1 - h0), q1 - q0, T});
                        hoi::clip::attention_logits(qkv.data_ptr<float>(), 2, T, H, hd, scale, mask, logits.data_ptr<float>(), q0, q1, h0, h1);
                        for (int64_t b = 0; b < 2; ++b)
                            QVERIFY2(torch::equal(logits.narrow(0, b * (h1 - h0), h1 - h0), l_simd.narrow(0, b * H + h0, h1 - h0)),
                                     qPrintable("head range logits: " + what));
                        auto probs = at::softmax(logits, -1);
                        hoi::clip::attention_values(probs.data_ptr<float>(), qkv.data_ptr<float>(), 2, T, H, hd, out.data_ptr<float>(), q0, q1, h0, h1);
                        if (h0 == 0) // the other heads' columns untouched
                            QVERIFY2((out.narrow(2, hd, (H - 1) * hd) == 7.f).all().item<bool>(), qPrintable("head range columns: " + what));
                    }
                    QVERIFY2(torch::equal(out, o_simd), qPrintable("head range values: " + what));
                }
        }
    }

    void atenKernelsCalledDirectlyKeepAtenBits() {
        // The one-prompt pass calls ATen's softmax and layer-norm kernels without the dispatcher:
        // the bits of at::softmax and at::layer_norm (here on a masked row, and on the first rows of
        // a buffer).
        at::InferenceMode im;
        torch::manual_seed(9);
        auto logits = torch::randn({8, 5, 10}) * 4;
        logits[0][0][3] = -std::numeric_limits<float>::infinity();
        auto probs = at::empty_like(logits);
        nn::softmax_last_dim_into(logits, probs);
        QVERIFY(torch::equal(probs, at::softmax(logits, -1)));
        torch::nn::LayerNorm ln(torch::nn::LayerNormOptions({64}).eps(1e-5));
        ln->weight.normal_();
        ln->bias.normal_();
        auto x = torch::randn({7, 64}) * 3 + 1, y = at::empty({7, 64}), mean = at::empty({7}), rstd = at::empty({7});
        nn::layer_norm_into(ln, x, 5, y, mean, rstd);
        QVERIFY(torch::equal(y.narrow(0, 0, 5), at::layer_norm(x.narrow(0, 0, 5), {64}, ln->weight, ln->bias, 1e-5)));
    }

    void teamRunsEveryThreadAndRethrowsAfterTheRegion() {
        const int threads = at::get_num_threads();
        std::atomic<int> ran{0};
        const auto caller = std::this_thread::get_id();
        bool serial_on_caller = false;
        int serial_runs = 0;
        run_on_team([&](const ThreadTeam& team) {
            ++ran;
            team.barrier();
            team.serial([&] {
                serial_on_caller = std::this_thread::get_id() == caller;
                ++serial_runs;
            });
            team.barrier();
        });
        QCOMPARE(ran.load(), threads);
        QVERIFY(serial_on_caller);
        QCOMPARE(serial_runs, 1);
        // A failed serial step: the later ones are skipped, every thread still meets every barrier,
        // and the exception reaches the caller after the region.
        int later = 0;
        try {
            run_on_team([&](const ThreadTeam& team) {
                team.serial([] { throw std::runtime_error("step failed"); });
                team.barrier();
                team.serial([&] { ++later; });
                team.barrier();
            });
            QFAIL("the serial step's exception was lost");
        } catch (const std::runtime_error& e) {
            QCOMPARE(QString(e.what()), QString("step failed"));
        }
        QCOMPARE(later, 0);

        // each_part: with as many parts as threads, each thread runs its own part; with another
        // count, the calling thread runs them all; every part in the caller's inference mode,
        // whichever thread runs it. An exception in any part skips the later steps and reaches the
        // caller.
        for (int parts : {threads, threads + 2}) {
            std::vector<std::atomic<int>> ran_by(static_cast<size_t>(parts));
            std::atomic<int> inference{0};
            for (auto& r : ran_by) r = -1;
            {
                c10::InferenceMode guard;
                run_on_team([&](const ThreadTeam& team) {
                    team.each_part(parts, [&](int part) {
                        ran_by[static_cast<size_t>(part)] = team.index();
                        if (c10::InferenceMode::is_enabled()) ++inference;
                    });
                });
            }
            for (int part = 0; part < parts; ++part)
                QCOMPARE(ran_by[static_cast<size_t>(part)].load(), parts == threads ? part : 0);
            QCOMPARE(inference.load(), parts);
        }
        std::atomic<int> after{0};
        try {
            run_on_team([&](const ThreadTeam& team) {
                team.each_part(team.size(), [&](int part) {
                    if (part == team.size() - 1) throw std::runtime_error("part failed");
                });
                team.barrier();
                team.each_part(team.size(), [&](int) { ++after; });
                team.serial([&] { ++after; });
                team.barrier();
            });
            QFAIL("the part's exception was lost");
        } catch (const std::runtime_error& e) {
            QCOMPARE(QString(e.what()), QString("part failed"));
        }
        QCOMPARE(after.load(), 0);
    }

    void teamBarrierHoldsEveryThreadUntilAllArrive() {
        // Each round every thread writes its slot, meets the others, reads every slot (all must hold
        // this round's value: nobody went past the barrier before the last write), and meets them
        // again before the next round's writes. A barrier that lets a thread through early, or does
        // not publish the writes, shows as a slot of another round.
        const int threads = at::get_num_threads();
        if (threads < 2) at::set_num_threads(2);
        const int team_size = at::get_num_threads();
        std::vector<std::atomic<int>> slots(static_cast<size_t>(team_size));
        std::atomic<int> wrong{0}, size_seen{0};
        constexpr int kRounds = 20000;
        run_on_team([&](const ThreadTeam& team) {
            size_seen = team.size();
            for (int round = 1; round <= kRounds; ++round) {
                slots[static_cast<size_t>(team.index())].store(round, std::memory_order_relaxed);
                team.barrier();
                for (const auto& s : slots)
                    if (s.load(std::memory_order_relaxed) != round) ++wrong;
                team.barrier();
            }
        });
        at::set_num_threads(threads);
        QCOMPARE(size_seen.load(), team_size);
        QCOMPARE(wrong.load(), 0);
    }

    void sideBySideRunsBothAtOnceEachOnOneThread() {
        const int threads = at::get_num_threads();
        if (threads < 2) at::set_num_threads(2);
        // Both at once: each waits until the other has started (a side run after the other would
        // never see it). Each runs its parallel regions on its one thread (a team of one), the
        // second with the caller's inference mode.
        std::atomic<int> started{0};
        auto meet = [&] {
            ++started;
            const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
            while (started.load() < 2 && std::chrono::steady_clock::now() < until) std::this_thread::yield();
            return started.load() == 2;
        };
        const auto caller = std::this_thread::get_id();
        bool met[2] = {false, false}, first_on_caller = false, second_elsewhere = false, second_inference = false;
        int region_threads[2] = {0, 0};
        {
            c10::InferenceMode guard;
            run_side_by_side(
                    [&] {
                        met[0] = meet();
                        first_on_caller = std::this_thread::get_id() == caller;
                        run_on_team([&](const ThreadTeam& team) { region_threads[0] = team.size(); });
                    },
                    [&] {
                        met[1] = meet();
                        second_elsewhere = std::this_thread::get_id() != caller;
                        second_inference = c10::InferenceMode::is_enabled();
                        run_on_team([&](const ThreadTeam& team) { region_threads[1] = team.size(); });
                    });
        }
        QVERIFY(met[0] && met[1]);
        QVERIFY(first_on_caller && second_elsewhere && second_inference);
        QCOMPARE(region_threads[0], 1);
        QCOMPARE(region_threads[1], 1);
        // Exceptions reach the caller after both have finished, the first's before the second's.
        bool second_finished = false;
        try {
            run_side_by_side([] { throw std::runtime_error("first"); },
                             [&] {
                                 std::this_thread::sleep_for(std::chrono::milliseconds(50));
                                 second_finished = true;
                                 throw std::runtime_error("second");
                             });
            QFAIL("no exception");
        } catch (const std::runtime_error& e) {
            QCOMPARE(QString(e.what()), QString("first"));
        }
        QVERIFY(second_finished);
        try {
            run_side_by_side([] {}, [] { throw std::runtime_error("second"); });
            QFAIL("no exception");
        } catch (const std::runtime_error& e) {
            QCOMPARE(QString(e.what()), QString("second"));
        }
        // One thread in the pool: one after the other on the caller.
        at::set_num_threads(1);
        std::vector<int> order;
        run_side_by_side([&] { order.push_back(std::this_thread::get_id() == caller ? 1 : -1); },
                         [&] { order.push_back(std::this_thread::get_id() == caller ? 2 : -2); });
        QCOMPARE(order, (std::vector<int>{1, 2}));
        at::set_num_threads(threads);
    }

    void everyPathGivesThePortableBits_data() {
        QTest::addColumn<int>("M");
        QTest::addColumn<int>("N");
        QTest::addColumn<int>("K");
        QTest::addColumn<bool>("half");
        QTest::addColumn<bool>("bias");
        QTest::addColumn<bool>("gelu");
        // Row counts around every tile size (AVX2 6 rows, AVX-512 12), odd panel counts (AVX-512
        // takes two panels per tile), partial panels, both storage types and epilogues.
        for (int M : {1, 5, 6, 7, 11, 12, 13, 25, 50})
            QTest::addRow("%d rows, float16, 3 panels", M) << M << 48 << 77 << true << true << false;
        QTest::newRow("odd N, float16, gelu") << 17 << 37 << 53 << true << true << true;
        QTest::newRow("odd N, float32, gelu") << 23 << 37 << 53 << false << true << true;
        QTest::newRow("N below one panel, no bias") << 9 << 9 << 3 << false << false << false;
        QTest::newRow("2 panels + 1 column, float32") << 14 << 33 << 40 << false << true << false;
        QTest::newRow("c_fc 10 rows, gelu") << 10 << 2048 << 512 << true << true << true;
        QTest::newRow("c_proj 10 rows") << 10 << 512 << 2048 << true << true << false;
        QTest::newRow("in_proj 50 rows") << 50 << 2304 << 768 << true << true << false;
        QTest::newRow("400 rows: two row blocks, gelu") << 400 << 80 << 64 << true << false << true;
    }
    void everyPathGivesThePortableBits() {
        QFETCH(int, M);
        QFETCH(int, N);
        QFETCH(int, K);
        QFETCH(bool, half);
        QFETCH(bool, bias);
        QFETCH(bool, gelu);
        const auto paths = available_kernel_paths();
        QVERIFY(!paths.empty());
        QCOMPARE(paths.back(), KernelPath::Portable); // always there, always tested
        torch::manual_seed(M * 7 + N * 3 + K);
        auto x = torch::randn({M, K}) * 2, w = torch::randn({N, K}) / std::sqrt(double(K));
        if (half) w = half_values(w);
        at::Tensor b = bias ? torch::randn({N}) : at::Tensor();
        auto p = PackedLinear::pack(w);
        QCOMPARE(p.is_half(), half);
        const auto epilogue = gelu ? PackedLinear::Epilogue::QuickGelu : PackedLinear::Epilogue::None;
        auto apply = [&](KernelPath path) {
            set_packed_linear_path(path);
            auto y = at::empty({M, N});
            p.apply(x.data_ptr<float>(), M, b.defined() ? b.data_ptr<float>() : nullptr, y.data_ptr<float>(), epilogue);
            return y;
        };
        const auto before = packed_linear_calls();
        const auto want = apply(KernelPath::Portable);
        for (KernelPath path : paths) {
            const auto got = apply(path);
            QVERIFY2(torch::equal(got, want),
                     qPrintable(QString("%1: %2 outputs differ from the portable path")
                                        .arg(kernel_path_name(path))
                                        .arg((got != want).sum().item<int64_t>())));
        }
        // Each product is counted on the path that ran it.
        const auto after = packed_linear_calls();
        for (KernelPath path : paths)
            QCOMPARE(after[int(path)] - before[int(path)], uint64_t(path == KernelPath::Portable ? 2 : 1));
    }

    void defaultPathIsTheWidest() {
        if (qEnvironmentVariableIsSet("HOI_KERNEL")) QSKIP("HOI_KERNEL forces a path");
        QCOMPARE(active_kernel_path(), available_kernel_paths().front());
        QVERIFY(QString(kernel_path_name(active_kernel_path())).size() > 0);
    }

    void packedModelMatchesUnpacked() {
        auto weights = synthetic_weights(tiny_vit_config(), 21); // float16 values, as OpenAI's checkpoints
        auto net = nn::ClipNet(tiny_vit_config());
        assign_weights(*net, weights, "tiny");
        torch::NoGradGuard ng;
        auto ids = torch::randint(1, 1000, {3, 9}, torch::kLong);
        auto eot = torch::tensor({8, 5, 8}, torch::kLong);
        auto image = torch::randn({2, 3, 64, 64});
        auto text_before = net->encode_text(ids, eot);
        auto image_before = net->visual_vit->forward(image, true);
        const auto bytes_before = nn::matrix_bytes(*net->transformer);
        std::vector<std::pair<std::string, at::Tensor>> params_before;
        for (const auto& p : net->named_parameters(true)) params_before.emplace_back(p.key(), p.value().clone());

        nn::pack_for_inference(*net);
        const auto& blk = net->transformer->blocks[0];
        QCOMPARE(blk->attn->in_proj_weight.numel(), int64_t(0)); // float32 copies released
        QCOMPARE(blk->mlp->c_fc->weight.numel(), int64_t(0));
        QVERIFY(blk->mlp->c_fc->packed.is_half());
        QCOMPARE(nn::matrix_bytes(*net->transformer) * 2, bytes_before);
        QVERIFY(close(net->encode_text(ids, eot), text_before, 1e-5));
        auto image_after = net->visual_vit->forward(image, true);
        QVERIFY(close(image_after.embedding, image_before.embedding, 1e-5));
        QVERIFY(close(image_after.tokens_proj, image_before.tokens_proj, 1e-5));
        // The digest input is unchanged: every parameter, released ones restored exactly.
        size_t i = 0;
        nn::for_each_dense_parameter(*net, [&](const std::string& name, const at::Tensor& value) {
            QVERIFY(i < params_before.size());
            QCOMPARE(name, params_before[i].first);
            QVERIFY2(torch::equal(value, params_before[i].second), name.c_str());
            ++i;
        });
        QCOMPARE(i, params_before.size());
    }

    void textTowerLastBlockOnTheEndRowsIsExact() {
        // In inference the text tower runs its last block's out_proj, ln_2 and MLP on the
        // <|endoftext|> rows alone (text_transformer.cpp): the same bits as the whole block on every
        // row and the rows picked after it, on every code path and with one thread or all.
        auto net = nn::ClipNet(tiny_vit_config());
        assign_weights(*net, synthetic_weights(tiny_vit_config(), 23), "tiny");
        nn::pack_for_inference(*net);
        at::InferenceMode im;
        auto ids = torch::randint(1, 1000, {3, 9}, torch::kLong);
        auto eot = torch::tensor({8, 3, 6}, torch::kLong);
        const int64_t B = 3, L = 9, W = net->config.transformer_width;
        auto whole = [&] {
            auto x = at::embedding(net->token_embedding->weight, ids) + net->positional_embedding.narrow(0, 0, L).unsqueeze(0);
            x = net->transformer->forward(x, net->causal_mask.narrow(0, 0, L).narrow(1, 0, L).contiguous());
            auto rows = x.reshape({B * L, W}).index_select(0, at::arange(B, eot.options()).mul_(L).add_(eot));
            rows = at::layer_norm(rows, {W}, net->ln_final->weight, net->ln_final->bias, 1e-5);
            return at::mm(rows, net->text_projection);
        };
        const int threads = at::get_num_threads();
        // One prompt's projection in its pass (matched to at::mm's bits, where this BLAS's could
        // be), and after it (at::mm).
        const BlasMatchedProduct matched = net->text_projection_row;
        for (bool in_pass : {true, false}) {
            net->text_projection_row = in_pass ? matched : BlasMatchedProduct();
            for (KernelPath path : available_kernel_paths()) {
                set_packed_linear_path(path);
                for (int t : {1, threads}) {
                    at::set_num_threads(t);
                    QVERIFY2(torch::equal(net->encode_text(ids, eot), whole()), kernel_path_name(path));
                    // One prompt on its own (same length): its row in the batch.
                    QVERIFY2(torch::equal(net->encode_text(ids.narrow(0, 1, 1).contiguous(), eot.narrow(0, 1, 1))[0], whole()[1]),
                             kernel_path_name(path));
                }
            }
        }
        at::set_num_threads(threads);
        set_packed_linear_path(std::nullopt);
    }

    // The driver's cut of k (blas_matched_product.h): blocks of q, a remainder between q and 2q
    // in two halves rounded up to 16.
    void blasMatchedCut() {
        using V = std::vector<int64_t>;
        QCOMPARE(BlasMatchedProduct::cut(300, 320), V({300}));
        QCOMPARE(BlasMatchedProduct::cut(512, 320), V({256, 256}));
        QCOMPARE(BlasMatchedProduct::cut(640, 320), V({320, 320}));
        QCOMPARE(BlasMatchedProduct::cut(768, 320), V({320, 224, 224}));
        QCOMPARE(BlasMatchedProduct::cut(1024, 320), V({320, 320, 192, 192}));
        QCOMPARE(BlasMatchedProduct::cut(330, 320), V({176, 154}));
    }

    // One row through the matched product: at::mm's bits, on every path, whole or in shares (the
    // text tower's projection, CLIP's widths: 512 for ViT-B and RN50, 768 for ViT-L).
    void blasMatchedProductGivesAtMmBits_data() {
        QTest::addColumn<int>("K");
        QTest::addColumn<int>("N");
        QTest::addColumn<bool>("half");
        QTest::newRow("512x512 float16 values") << 512 << 512 << true;
        QTest::newRow("768x768 float16 values") << 768 << 768 << true;
        QTest::newRow("512x512 float32") << 512 << 512 << false;
        QTest::newRow("64x32 (no cut)") << 64 << 32 << true;
        QTest::newRow("1024x40 (partial panel)") << 1024 << 40 << false;
    }
    void blasMatchedProductGivesAtMmBits() {
        QFETCH(int, K);
        QFETCH(int, N);
        QFETCH(bool, half);
        torch::manual_seed(K + N);
        auto w = torch::randn({K, N}) * 0.05;
        if (half) w = half_values(w);
        const auto p = BlasMatchedProduct::find(w);
        if (!p.defined()) QSKIP("this BLAS's one-row product is none of the modelled cuts: the text tower keeps at::mm");
        QCOMPARE(p.in_features(), int64_t(K));
        QCOMPARE(p.out_features(), int64_t(N));
        const auto x = torch::randn({20, K});
        for (KernelPath path : available_kernel_paths()) {
            set_packed_linear_path(path);
            for (int parts : {1, 2, 3}) {
                for (int64_t r = 0; r < x.size(0); ++r) {
                    const auto row = x.narrow(0, r, 1).contiguous();
                    auto y = at::full({1, N}, std::numeric_limits<float>::quiet_NaN());
                    for (int part = 0; part < parts; ++part) p.apply_share(row.data_ptr<float>(), y.data_ptr<float>(), part, parts);
                    QVERIFY2(torch::equal(y, at::mm(row, w)),
                             qPrintable(QString("%1, %2 parts, row %3, block size %4")
                                                .arg(kernel_path_name(path)).arg(parts).arg(r).arg(p.block_size())));
                }
            }
        }
        // The one-chain product (no cut) is not at::mm's for these widths: the cut matters.
        if (K > p.block_size()) {
            const auto one = PackedLinear::pack(w.t());
            QVERIFY(!torch::equal(run(one, x, {}), at::mm(x, w)));
        }
    }

    // A reference no cut reproduces (the product in double precision, rounded once): no product.
    void blasMatchedProductEmptyWhenNothingMatches() {
        torch::manual_seed(5);
        const auto w = half_values(torch::randn({512, 64}) * 0.05);
        const auto p = BlasMatchedProduct::find(w, [&](const at::Tensor& x) {
            return at::mm(x.to(at::kDouble), w.to(at::kDouble)).to(at::kFloat);
        });
        QVERIFY(!p.defined());
        // And one that is a single chain is found as such.
        const auto one = PackedLinear::pack(w.t());
        const auto q = BlasMatchedProduct::find(w, [&](const at::Tensor& x) { return run(one, x.contiguous(), {}); });
        QVERIFY(q.defined());
        QCOMPARE(q.block_size(), int64_t(512));
    }

    void packedModelRunsUnderAutograd() {
        // Relevance maps and prompt learning differentiate through the towers: the released
        // weights are unpacked for those passes, and gradients reach the input.
        auto net = nn::ClipNet(tiny_vit_config());
        assign_weights(*net, synthetic_weights(tiny_vit_config(), 22), "tiny");
        torch::NoGradGuard ng_outer;
        auto ids = torch::randint(1, 1000, {1, 6}, torch::kLong);
        auto eot = torch::tensor({5}, torch::kLong);
        auto want = net->encode_text(ids, eot, torch::zeros({1, 6, 64}));
        nn::pack_for_inference(*net);
        torch::AutoGradMode grad(true);
        auto residual = torch::zeros({1, 6, 64}, torch::requires_grad());
        auto out = net->encode_text(ids, eot, residual);
        QVERIFY(out.requires_grad());
        QVERIFY(close(out.detach(), want, 1e-5));
        out.sum().backward();
        QVERIFY(residual.grad().defined());
        QVERIFY(residual.grad().abs().sum().item<float>() > 0);
    }
};

QTEST_GUILESS_MAIN(TestPackedLinear)
#include "tst_packed_linear.moc"
