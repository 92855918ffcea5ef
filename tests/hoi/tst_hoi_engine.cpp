// The whole pipeline on small random-weight CLIP models in OpenAI's .pt layout with the real
// nanodet detector on the sample images: scores, determinism, re-query, cache invalidation,
// untrained head == training-free path, relevance maps, inspection, crop mode, cancellation.
#include "test_util.h"

#include "clip/synthetic.h"
#include "core.h"
#include "hoi/batch.h"
#include "hoi/engine.h"
#include "hoi/learnable_head.h"
#include "hoi/pairs.h"
#include "io/atomic_file.h"
#include "io/error.h"
#include "io/image.h"

#include <cmath>
#include <cstring>
#include <filesystem>

using namespace hoi::model;

namespace {
bool same_bits(float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; }
}

class TestHoiEngine : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;
    std::string vit_, rn_, person_, messi_;

    EngineOptions base() const {
        EngineOptions o;
        o.clip_path = vit_;
        o.models_dir = hoi::test::models_dir();
        o.detector = "nanodet";
        return o;
    }
    static std::vector<std::string> prompts() {
        return {"ride horse", "walk dog", "hold cup", "play guitar", "hug person", "feed horse"};
    }
    void require_models() {
        HOI_REQUIRE_FILE(hoi::test::models_dir() + "/nanodet.json");
        HOI_REQUIRE_FILE(person_);
        HOI_REQUIRE_FILE(messi_);
    }

    // The learnable head's shapes for the tiny test CLIP model.
    static HeadShape tiny_head_shape() {
        HeadShape hs;
        hs.spatial_dims = kSpatialDims;
        hs.embed_dim = 32;
        hs.text_width = 64;
        return hs;
    }
    // An untrained head with the named tensors drawn from N(0, sd), saved; returns the path.
    std::string save_head_with(const std::set<std::string>& names, double sd, const std::string& file) {
        LearnableHead head(tiny_head_shape());
        auto named = head.named_tensors();
        for (auto& [n, t] : named)
            if (names.count(n)) t.normal_(0, sd);
        const std::string w = tmp_.path().toStdString() + "/" + file;
        head.save(w);
        return w;
    }

private Q_SLOTS:
    void initTestCase() {
        hoi::init_runtime();
        QVERIFY(tmp_.isValid());
        vit_ = tmp_.path().toStdString() + "/tiny-vit.pt";
        rn_ = tmp_.path().toStdString() + "/tiny-rn.pt";
        hoi::clip::write_synthetic_model(vit_, hoi::clip::tiny_vit_config(), 7);
        hoi::clip::write_synthetic_model(rn_, hoi::clip::tiny_rn_config(), 8);
        person_ = hoi::test::samples_dir() + "/person.jpg";
        messi_ = hoi::test::samples_dir() + "/messi5.jpg";
    }

    void withoutClip() {
        require_models();
        EngineOptions o = base();
        o.clip_path.clear();
        Engine e(o);
        QVERIFY(!e.has_clip());
        QCOMPARE(QString::fromStdString(e.clip_checksum()), QString());
        auto a = e.analyse(person_, prompts());
        QVERIFY(!a.scored);
        QVERIFY(!a.detections.empty());
        bool person = false;
        for (const auto& d : a.detections) person |= d.class_id == 0;
        QVERIFY(person);
        QVERIFY(!a.pairs.empty());
        for (const auto& s : a.scores) QVERIFY(!s.applies && s.final == 0);
        QVERIFY(a.pair_attention.empty());
        QVERIFY_THROWS_EXCEPTION(hoi::Error, e.relevance_map(a, 0, 0));
        // The prediction entry still has the boxes (an annotator's starting point), no interactions.
        auto j = prediction_entry(a, {});
        QVERIFY(!j["annotations"].empty());
        QVERIFY(j["hoi_annotation"].empty());
    }

    void pipeline() {
        require_models();
        Engine e(base());
        QVERIFY(e.has_clip());
        QStringList stages;
        auto a = e.analyse(person_, prompts(), [&](const hoi::Progress& p) { stages << QString::fromStdString(p.stage); });
        QVERIFY(stages.contains("detect") && stages.contains("clip") && stages.contains("classify"));
        QVERIFY(a.scored);
        QCOMPARE(a.width, 640);
        QCOMPARE(a.height, 424);
        QVERIFY(!a.pairs.empty());
        QCOMPARE(a.scores.size(), a.pairs.size() * a.prompts.size());
        QCOMPARE(a.pair_attention.size(), a.pairs.size());
        int horse_pairs = 0;
        for (size_t p = 0; p < a.pairs.size(); ++p) {
            const auto& pr = a.pairs[p];
            QCOMPARE(a.detections[size_t(pr.human)].class_id, 0);
            QVERIFY(pr.human != pr.object);
            const int cls = a.detections[size_t(pr.object)].class_id;
            horse_pairs += cls == 17;
            double sum_pair = 0, sum_global = 0;
            for (size_t t = 0; t < a.prompts.size(); ++t) {
                const auto& s = a.score(int(p), int(t));
                QCOMPARE(s.applies, a.prompts[t].applies_to(cls));
                if (!s.applies) {
                    QCOMPARE(s.final, 0.f);
                    continue;
                }
                QVERIFY(s.final >= 0 && s.final <= 1);
                QVERIFY(s.s_pair > 0 && s.s_pair < 1);
                QVERIFY(s.s_global > 0 && s.s_global < 1);
                QCOMPARE(s.s_h, a.detections[size_t(pr.human)].score);
                QCOMPARE(s.s_o, a.detections[size_t(pr.object)].score);
                const float want = s.s_h * s.s_o * (0.7f * s.s_pair + 0.3f * s.s_global);
                QVERIFY(std::abs(s.final - want) < 1e-6f);
                sum_pair += s.s_pair;
                sum_global += s.s_global;
            }
            // A softmax that also includes the "no interaction" prompt: the applicable ones sum below 1.
            QVERIFY(sum_pair < 1.0 && sum_global < 1.0);
            const auto& m = a.pair_attention[p];
            QCOMPARE(m.grid_w, 4);
            QCOMPARE(m.grid_h, 4);
            QCOMPARE(int(m.weights.size()), 16);
            double total = 0;
            for (float w : m.weights) {
                QVERIFY(w >= 0);
                total += w;
            }
            QVERIFY(std::abs(total - 1) < 1e-4);
            auto img = m.to_image(a.width, a.height);
            QCOMPARE(img.size(), size_t(a.width) * size_t(a.height));
            QCOMPARE(*std::max_element(img.begin(), img.end()), 1.f);
        }
        QVERIFY2(horse_pairs > 0, "nanodet finds the horse in person.jpg");
        // Timings of every stage.
        QStringList timed;
        for (const auto& t : a.timings) timed << QString::fromStdString(t.stage);
        for (const char* s : {"detect", "pose", "clip", "pairs", "pair_features", "text", "classify"})
            QVERIFY2(timed.contains(s), s);
    }

    void determinism() {
        require_models();
        std::string j1, j2;
        {
            Engine e(base());
            j1 = prediction_entry(e.analyse(messi_, prompts()), {}).dump();
        }
        {
            Engine e(base());
            j2 = prediction_entry(e.analyse(messi_, prompts()), {}).dump();
        }
        QCOMPARE(j1, j2);
        QVERIFY(j1.find("hoi_category_id") != std::string::npos || j1.find("free_hoi_annotation") != std::string::npos);
    }

    void requeryUsesCache() {
        require_models();
        Engine e(base());
        auto a = e.analyse(person_, prompts());
        auto stats = e.cache_stats();
        QCOMPARE(stats.entries, size_t(1));
        QVERIFY(stats.bytes > 0);
        // The same prompts again: identical, every image stage from the cache.
        auto b = e.analyse(person_, prompts());
        for (const auto& t : b.timings)
            if (t.stage == "clip" || t.stage == "detect" || t.stage == "pair_features") QVERIFY(t.cached);
        QCOMPARE(b.scores.size(), a.scores.size());
        for (size_t i = 0; i < a.scores.size(); ++i) QVERIFY(same_bits(a.scores[i].final, b.scores[i].final));
        // A new prompt: only the text encoder and the classifier run; equal to a fresh engine's analysis
        // (up to float rounding: the fresh engine encodes the prompts in another batch).
        std::vector<std::string> more = prompts();
        more.push_back("ride elephant");
        more.push_back("lasso horse");
        auto c = e.requery(a, more);
        for (const auto& t : c.timings)
            if (t.stage != "text" && t.stage != "classify") QVERIFY2(t.cached, t.stage.c_str());
        Engine fresh(base());
        auto d = fresh.analyse(person_, more);
        QCOMPARE(c.scores.size(), d.scores.size());
        for (size_t i = 0; i < c.scores.size(); ++i) {
            QCOMPARE(c.scores[i].applies, d.scores[i].applies);
            QVERIFY(std::abs(c.scores[i].final - d.scores[i].final) < 1e-5f);
        }
        // Fusion changes without recomputation.
        e.set_fusion(1.0f, 0.0f);
        auto f = e.requery(a, prompts());
        for (const auto& s : f.scores)
            if (s.applies) QVERIFY(std::abs(s.final - s.s_pair) < 1e-6f);
        QVERIFY_THROWS_EXCEPTION(hoi::Error, e.set_fusion(1.5f, 1.0f));
    }

    void cacheInvalidation() {
        require_models();
        const std::string img = tmp_.path().toStdString() + "/changing.jpg";
        hoi::io::write_file_atomic(img, hoi::io::read_file(person_));
        EngineOptions o = base();
        Engine e(o);
        auto a = e.analyse(img, prompts());
        // Same path, new content: a different key, a fresh analysis.
        hoi::io::write_file_atomic(img, hoi::io::read_file(messi_));
        auto b = e.analyse(img, prompts());
        QVERIFY(a.image_key != b.image_key);
        QVERIFY(a.width != b.width || a.height != b.height);
        bool cached_clip = false;
        for (const auto& t : b.timings) cached_clip |= t.stage == "clip" && t.cached;
        QVERIFY(!cached_clip);
        QCOMPARE(e.cache_stats().entries, size_t(2));
        // A different model is a different engine key: nothing shared.
        EngineOptions orn = base();
        orn.clip_path = rn_;
        Engine r(orn);
        auto c = r.analyse(img, prompts());
        QVERIFY(c.scored);
        QCOMPARE(c.pair_attention.size(), c.pairs.size());
        // A tiny cache limit keeps only the newest image.
        EngineOptions small = base();
        small.cache_limit_bytes = 1;
        Engine s(small);
        auto x = s.analyse(person_, prompts());
        s.analyse(messi_, prompts());
        QCOMPARE(s.cache_stats().entries, size_t(1));
        auto y = s.requery(x, prompts()); // evicted: recomputed transparently
        for (size_t i = 0; i < x.scores.size(); ++i) QVERIFY(same_bits(x.scores[i].final, y.scores[i].final));
        e.clear_cache();
        QCOMPARE(e.cache_stats().entries, size_t(0));
    }

    void untrainedHeadIsTrainingFree() {
        require_models();
        EngineOptions with = base(), without = base();
        without.learnable_parts = false;
        Engine a(with), b(without);
        for (const auto& img : {person_, messi_}) {
            auto x = a.analyse(img, prompts());
            auto y = b.analyse(img, prompts());
            QCOMPARE(x.scores.size(), y.scores.size());
            for (size_t i = 0; i < x.scores.size(); ++i) {
                QVERIFY(same_bits(x.scores[i].final, y.scores[i].final));
                QVERIFY(same_bits(x.scores[i].cos_pair, y.scores[i].cos_pair));
            }
        }
        // Trained weights change the scores; a wrong file is a Model error naming the key.
        const HeadShape hs = tiny_head_shape();
        const std::string w = save_head_with({"interactor.fc2.weight"}, 0.5, "head.safetensors");
        EngineOptions trained = base();
        trained.weights_path = w;
        Engine c(trained);
        auto z = c.analyse(person_, prompts());
        auto x = a.analyse(person_, prompts());
        bool differs = false;
        for (size_t i = 0; i < z.scores.size(); ++i) differs |= !same_bits(z.scores[i].cos_pair, x.scores[i].cos_pair);
        QVERIFY(differs);
        for (const auto& s : z.scores) QVERIFY(s.final >= 0 && s.final <= 1);
        HeadShape wrong = hs;
        wrong.embed_dim = 16;
        const std::string bad = tmp_.path().toStdString() + "/bad-head.safetensors";
        LearnableHead(wrong).save(bad);
        EngineOptions bo = base();
        bo.weights_path = bad;
        try {
            Engine bad_engine(bo);
            QFAIL("a head of the wrong shape loaded");
        } catch (const hoi::Error& err) {
            QCOMPARE(err.kind(), hoi::ErrorKind::Model);
            QVERIFY2(std::string(err.what()).find("interactor.fc2.weight") != std::string::npos, err.what());
        }
    }

    // A learned prompt context (CLIP4HOI's "[PREFIX] verb [CONJUN] object") loads and changes the
    // text side only: the same pairs and pair features, other text embeddings, scores still in [0, 1].
    void learnedPromptContext() {
        require_models();
        const HeadShape hs = tiny_head_shape();
        const std::string w = save_head_with({"prompt.prefix", "prompt.conjun"}, 0.3, "context.safetensors");
        EngineOptions with = base();
        with.weights_path = w;
        Engine plain(base()), ctx(with);
        auto x = plain.analyse(person_, prompts());
        auto y = ctx.analyse(person_, prompts());
        QCOMPARE(y.pairs.size(), x.pairs.size());
        QCOMPARE(y.scores.size(), x.scores.size());
        bool differs = false;
        for (size_t i = 0; i < x.scores.size(); ++i) {
            differs |= !same_bits(x.scores[i].cos_global, y.scores[i].cos_global);
            QVERIFY(y.scores[i].final >= 0 && y.scores[i].final <= 1);
        }
        QVERIFY(differs);
        // Deterministic: a second engine with the same context gives the same bits.
        Engine ctx2(with);
        auto z = ctx2.analyse(person_, prompts());
        for (size_t i = 0; i < y.scores.size(); ++i) QVERIFY(same_bits(y.scores[i].final, z.scores[i].final));
        // Only the prefix's rows that the prompt has are used: a context of zeros is the plain prompt.
        LearnableHead zero(hs);
        const std::string zw = tmp_.path().toStdString() + "/zero-context.safetensors";
        zero.save(zw);
        EngineOptions zo = base();
        zo.weights_path = zw;
        Engine ze(zo);
        auto u = ze.analyse(person_, prompts());
        for (size_t i = 0; i < x.scores.size(); ++i) QVERIFY(same_bits(x.scores[i].cos_global, u.scores[i].cos_global));
    }

    void relevanceAndInspection() {
        require_models();
        Engine e(base());
        auto a = e.analyse(person_, prompts());
        QVERIFY(!a.pairs.empty());
        auto r = e.relevance_map(a, 0, 0);
        QCOMPARE(r.grid_w, 4);
        QCOMPARE(int(r.weights.size()), 16);
        double total = 0;
        for (float v : r.weights) {
            QVERIFY(std::isfinite(v) && v >= 0);
            total += v;
        }
        QVERIFY(std::abs(total - 1) < 1e-4);
        auto in = e.inspect(a, 0);
        QCOMPARE(in.image_cls.layers, 2);
        QCOMPARE(in.image_cls.heads, 2);
        QCOMPARE(int(in.image_cls.data.size()), 2 * 2 * 16);
        QCOMPARE(in.pair_query.heads, 2);
        QCOMPARE(int(in.pair_query.data.size()), 2 * 16);
        QCOMPARE(int(in.human_map.weights.size()), 16);
        QVERIFY_THROWS_EXCEPTION(hoi::Error, e.relevance_map(a, int(a.pairs.size()), 0));
        // PNG overlay of the image's size.
        const std::string png = tmp_.path().toStdString() + "/att.png";
        write_attention_png(person_, a.pair_attention[0], png);
        auto im = hoi::io::load_image(png);
        QCOMPARE(im.rgb.cols, a.width);
        QCOMPARE(im.rgb.rows, a.height);
    }

    void cropModeAndBoxes() {
        require_models();
        EngineOptions o = base();
        o.pair_features = PairFeatureMode::Crop;
        Engine e(o);
        auto a = e.analyse(person_, prompts());
        QVERIFY(a.scored && !a.pairs.empty());
        for (const auto& s : a.scores) QVERIFY(s.final >= 0 && s.final <= 1);
        // Given boxes replace the detector: exactly these pairs.
        Engine m(base());
        std::vector<hoi::detect::Detection> boxes(3);
        boxes[0] = {10, 10, 200, 400, 0, "person", 0.9f};
        boxes[1] = {150, 100, 500, 400, 17, "horse", 0.8f};
        boxes[2] = {300, 10, 400, 300, 0, "person", 0.6f};
        auto b = m.analyse_boxes(person_, boxes, m.parse_prompts(prompts()));
        QCOMPARE(int(b.detections.size()), 3);
        QCOMPARE(int(b.pairs.size()), 4); // 2 humans x 1 object + 2 human-human
        auto c = m.requery(b, m.parse_prompts({"ride horse"}));
        QCOMPARE(c.pairs.size(), b.pairs.size());
        for (const auto& t : c.timings)
            if (t.stage == "clip") QVERIFY(t.cached);
    }

    // An image without a pair analysed with no prompt (the GUI before any prompt is typed: one
    // person alone, or only objects) is analysed with nothing to score, not an error; a prompt
    // added later re-queries it.
    void noPairAndNoPrompt() {
        require_models();
        Engine e(base());
        std::vector<hoi::detect::Detection> alone(1);
        alone[0] = {10, 10, 200, 400, 0, "person", 0.9f};
        const auto a = e.analyse_boxes(person_, alone, {});
        QVERIFY(a.pairs.empty());
        QVERIFY(a.scores.empty());
        QCOMPARE(int(a.detections.size()), 1);
        std::vector<hoi::detect::Detection> objects(1);
        objects[0] = {150, 100, 500, 400, 17, "horse", 0.8f};
        QVERIFY(e.analyse_boxes(person_, objects, {}).scores.empty());
        const auto b = e.requery(a, e.parse_prompts({"ride horse"}));
        QVERIFY(b.scored);
        QVERIFY(b.scores.empty()); // still no pair
    }

    void promptEdgeCases() {
        require_models();
        Engine e(base());
        std::string longp = "ride horse";
        for (int i = 0; i < 80; ++i) longp += " and another very long horse";
        auto a = e.analyse(person_, std::vector<std::string>{longp, "ride horse"});
        QCOMPARE(int(a.warnings.size()), 1);
        QVERIFY(a.warnings[0].find("truncated") != std::string::npos);
        QVERIFY_THROWS_EXCEPTION(hoi::Error, e.analyse(person_, std::vector<std::string>{""}));
        auto b = e.analyse(person_, std::vector<std::string>{"ride caballo\xc3\xb1"});
        QVERIFY(b.scored);
    }

    void cancellation() {
        require_models();
        Engine e(base());
        hoi::CancelFlag flag;
        flag.cancel();
        try {
            e.analyse(person_, prompts(), {}, &flag);
            QFAIL("not cancelled");
        } catch (const hoi::Error& err) {
            QCOMPARE(err.kind(), hoi::ErrorKind::Cancelled);
        }
        QVERIFY_THROWS_EXCEPTION(hoi::Error, e.analyse(tmp_.path().toStdString() + "/missing.jpg", prompts()));
    }
};

QTEST_GUILESS_MAIN(TestHoiEngine)
#include "tst_hoi_engine.moc"
