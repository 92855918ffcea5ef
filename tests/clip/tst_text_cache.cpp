// The text-embedding cache: the same numbers as the text tower, encoded once per model (in memory
// and on disk), and a corrupt or foreign cache file ignored, never trusted.
#include <QtTest>

#include "clip/clip_model.h"
#include "clip/synthetic.h"
#include "clip/text_cache.h"
#include "clip/tokenizer.h"
#include "core.h"
#include "io/atomic_file.h"
#include "test_util.h"

#include <filesystem>
#include <torch/torch.h>

using namespace hoi;
using namespace hoi::clip;

class TestTextCache : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    std::shared_ptr<ClipModel> model_;
    std::vector<std::string> prompts_ = {"a photo of a person riding a horse", "a person holding an umbrella",
                                         "a photo of a person riding a horse", "eat pizza"};

    at::Tensor direct(const std::vector<std::string>& p) {
        std::vector<std::vector<int>> ids;
        for (const auto& s : p) ids.push_back(Tokenizer::instance().tokenize(s));
        return model_->encode_text(ids, false);
    }

private Q_SLOTS:
    void initTestCase() {
        hoi::init_runtime();
        QVERIFY(dir_.isValid());
        model_ = ClipModel::from_state_dict(synthetic_weights(tiny_vit_config(), 5), "tiny");
    }

    void encodesOnceAndPersists() {
        const auto dir = (dir_.path() + "/a").toStdString();
        TextEmbeddingCache c(model_, dir);
        auto e = c.embed(prompts_);
        QCOMPARE(e.sizes().vec(), std::vector<int64_t>({4, 32}));
        QVERIFY(torch::allclose(e, direct(prompts_), 1e-5, 1e-5));
        QCOMPARE(c.misses(), 3);
        QCOMPARE(c.hits(), 0);
        QCOMPARE(int(c.size()), 3);
        // Three prompts are fewer than a save batch: on disk after flush().
        QVERIFY(!std::filesystem::exists(c.file()));
        c.flush();
        QVERIFY(std::filesystem::exists(c.file()));
        QVERIFY(QString::fromStdString(c.file()).contains(QString::fromStdString(model_->checksum())));
        c.embed({"eat pizza"});
        QCOMPARE(c.hits(), 1);
        // A new cache (a new run) reads the file: nothing is encoded again.
        TextEmbeddingCache c2(model_, dir);
        auto e2 = c2.embed(prompts_);
        QCOMPARE(c2.misses(), 0);
        QCOMPARE(c2.hits(), 4);
        QVERIFY(torch::equal(e, e2));
        // A new prompt is added to the file (when its cache is destroyed, as at exit).
        {
            TextEmbeddingCache c2b(model_, dir);
            c2b.embed({"ride bicycle"});
        }
        TextEmbeddingCache c3(model_, dir);
        c3.embed({"ride bicycle", "eat pizza"});
        QCOMPARE(c3.misses(), 0);
    }

    void corruptFileIgnored() {
        const auto dir = (dir_.path() + "/b").toStdString();
        TextEmbeddingCache c(model_, dir);
        c.embed({"hold cup"});
        c.flush();
        const auto file = c.file();
        auto bytes = io::read_file(file);
        // Flip the header length: unreadable -> ignored with a warning, recomputed, file replaced.
        bytes[0] = static_cast<char>(0xff);
        bytes[5] = static_cast<char>(0x7f);
        io::write_file_atomic(file, bytes);
        TextEmbeddingCache c2(model_, dir);
        auto e = c2.embed({"hold cup"});
        QCOMPARE(c2.misses(), 1);
        QVERIFY(torch::allclose(e, direct({"hold cup"}), 1e-5, 1e-5));
        c2.flush();
        TextEmbeddingCache c3(model_, dir);
        c3.embed({"hold cup"});
        QCOMPARE(c3.misses(), 0); // the rewritten file is good again
        // Garbage values of the right shape but for another model's checksum: ignored.
        io::write_file_atomic(file, io::read_file(file).replace(io::read_file(file).find(model_->checksum()), 4, "beef"));
        TextEmbeddingCache c4(model_, dir);
        c4.embed({"hold cup"});
        QCOMPARE(c4.misses(), 1);
    }

    void otherModelOtherFile() {
        auto other = ClipModel::from_state_dict(synthetic_weights(tiny_vit_config(), 6), "other");
        QVERIFY(other->checksum() != model_->checksum());
        const auto dir = (dir_.path() + "/c").toStdString();
        TextEmbeddingCache a(model_, dir), b(other, dir);
        QVERIFY(a.file() != b.file());
        auto ea = a.embed({"kick ball"}), eb = b.embed({"kick ball"});
        QVERIFY(!torch::allclose(ea, eb));
    }

    // An embedding is the same bits whether its prompt was encoded alone or among others, so a
    // run's scores do not depend on what the cache held before.
    void embeddingIndependentOfBatch() {
        TextEmbeddingCache together(model_, "", false), alone(model_, "", false);
        auto all = together.embed({"ride a horse", "a photo of a person eating a very large pizza slice", "hold cup"});
        auto one = alone.embed({"a photo of a person eating a very large pizza slice"});
        QVERIFY(torch::equal(all[1], one[0]));
    }

    void memoryOnly() {
        TextEmbeddingCache c(model_, "", false);
        c.embed({"x"});
        c.embed({"x"});
        QCOMPARE(c.hits(), 1);
        QVERIFY(c.file().empty());
    }
};

QTEST_GUILESS_MAIN(TestTextCache)
#include "tst_text_cache.moc"
