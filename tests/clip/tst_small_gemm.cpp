// The row kernel behind one-prompt text encoding and the ViT image tower: the same numbers as a BLAS product
// for every row count, odd widths included, and each row's result independent of the other rows
// and of the thread count (what keeps text embeddings independent of how prompts were batched).
#include <QtTest>

#include "clip/small_gemm.h"
#include "core.h"
#include "test_util.h"

#include <ATen/Parallel.h>
#include <torch/torch.h>

using namespace hoi::clip;

namespace {
at::Tensor run(const at::Tensor& x, const at::Tensor& w, const at::Tensor& b) {
    auto y = at::empty({x.size(0), w.size(0)});
    small_gemm(x.data_ptr<float>(), x.size(0), x.size(1), w.data_ptr<float>(), b.defined() ? b.data_ptr<float>() : nullptr,
               w.size(0), y.data_ptr<float>());
    return y;
}
} // namespace

class TestSmallGemm : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { hoi::init_runtime(); }

    void matchesBlas_data() {
        QTest::addColumn<int>("M");
        QTest::addColumn<int>("N");
        QTest::addColumn<int>("K");
        QTest::addColumn<bool>("bias");
        QTest::newRow("1 row") << 1 << 512 << 512 << true;
        QTest::newRow("10 rows, c_fc") << 10 << 2048 << 512 << true;
        QTest::newRow("10 rows, c_proj") << 10 << 512 << 2048 << true;
        QTest::newRow("16 rows, no bias") << 16 << 64 << 96 << false;
        QTest::newRow("odd N and K") << 7 << 37 << 53 << true;
        QTest::newRow("K below 8") << 5 << 9 << 3 << true;
        QTest::newRow("20 rows, 3-row tiles and a 2-row rest") << 20 << 33 << 40 << true;
        QTest::newRow("50 rows, ViT-B/32 in_proj") << 50 << 2304 << 768 << true;
        QTest::newRow("256 rows, odd K") << 256 << 68 << 771 << true;
    }
    void matchesBlas() {
        QFETCH(int, M);
        QFETCH(int, N);
        QFETCH(int, K);
        QFETCH(bool, bias);
        torch::manual_seed(M * 1000 + N + K);
        auto x = torch::randn({M, K}), w = torch::randn({N, K}) / std::sqrt(double(K));
        at::Tensor b = bias ? torch::randn({N}) : at::Tensor();
        auto ref = bias ? at::addmm(b, x, w.t()) : at::mm(x, w.t());
        auto y = run(x, w, b);
        QVERIFY2(torch::allclose(y, ref, 1e-4, 1e-5),
                 qPrintable(QString("max diff %1").arg((y - ref).abs().max().item<float>())));
    }

    void rowsIndependentOfBatchAndThreads() {
        torch::manual_seed(7);
        auto x = torch::randn({13, 520}), w = torch::randn({300, 520}), b = torch::randn({300});
        auto all = run(x, w, b);
        for (int m : {0, 5, 12}) {
            auto one = run(x.narrow(0, m, 1).contiguous(), w, b);
            QVERIFY(torch::equal(one[0], all[m]));
            auto three = run(x.narrow(0, std::max(0, m - 2), 3).contiguous(), w, b);
            QVERIFY(torch::equal(three[m - std::max(0, m - 2)], all[m]));
        }
        const int threads = at::get_num_threads();
        at::set_num_threads(1);
        auto single = run(x, w, b);
        at::set_num_threads(threads);
        QVERIFY(torch::equal(single, all));
    }
};

QTEST_GUILESS_MAIN(TestSmallGemm)
#include "tst_small_gemm.moc"
