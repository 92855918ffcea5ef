// The few-shot adapter (hoi/few_shot_adapter.h) on a small random-weight CLIP model with the real
// nanodet detector: an accepted pair raises the score of the same interaction on a re-encoded copy
// of its image, a rejected one lowers it, unrelated images keep their exact scores, and removing
// the example (undo) restores the previous scores bit for bit. The score without the adapter's
// terms, recomputed from an adapted analysis (score_without_adapter, the agreement indicator's
// "before learning"), is the engine's score with the adapter emptied, in the training-free softmax
// scoring and with a trained head's sigmoids. Also `hoi run --adapt-from`.
#include "test_util.h"

#include "annotation/coco_classes.h"
#include "clip/synthetic.h"
#include "core.h"
#include "hoi/engine.h"
#include "hoi/few_shot_adapter.h"
#include "hoi/learnable_head.h"
#include "hoi/pairs.h"
#include "hoi/scoring.h"
#include "io/atomic_file.h"
#include "io/error.h"
#include "io/image.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <tuple>

using namespace hoi::model;

namespace {

bool same_scores(const ImageAnalysis& a, const ImageAnalysis& b) {
    if (a.scores.size() != b.scores.size()) return false;
    for (size_t i = 0; i < a.scores.size(); ++i)
        if (std::memcmp(&a.scores[i].final, &b.scores[i].final, sizeof(float)) != 0 ||
            std::memcmp(&a.scores[i].s_pair, &b.scores[i].s_pair, sizeof(float)) != 0 ||
            a.scores[i].adapter != b.scores[i].adapter)
            return false;
    return true;
}

double box_iou(const hoi::detect::Detection& a, const hoi::detect::Detection& b) {
    const double ix = std::max(0.f, std::min(a.x2, b.x2) - std::max(a.x1, b.x1));
    const double iy = std::max(0.f, std::min(a.y2, b.y2) - std::max(a.y1, b.y1));
    const double i = ix * iy, u = (a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - i;
    return u > 0 ? i / u : 0;
}

// The pair of `b` with the same boxes as pair p of `a` (IoU >= 0.7 for both), or -1.
int same_pair(const ImageAnalysis& a, int p, const ImageAnalysis& b) {
    const auto& pa = a.pairs[size_t(p)];
    for (size_t q = 0; q < b.pairs.size(); ++q) {
        const auto& pb = b.pairs[q];
        if (box_iou(a.detections[size_t(pa.human)], b.detections[size_t(pb.human)]) >= 0.7 &&
            box_iou(a.detections[size_t(pa.object)], b.detections[size_t(pb.object)]) >= 0.7)
            return int(q);
    }
    return -1;
}

} // namespace

class TestFewShotAdapter : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;
    std::string clip_, messi_, copy_dir_, copy_, person_, kite_;

    EngineOptions base() const {
        EngineOptions o;
        o.clip_path = clip_;
        o.models_dir = hoi::test::models_dir();
        o.text_cache_dir = "off";
        return o;
    }
    static std::vector<std::string> prompts() {
        return {"kick sports ball", "hold sports ball", "throw sports ball", "catch sports ball", "ride horse",
                "walk dog", "fly kite"};
    }
    void require() {
        HOI_REQUIRE_FILE(hoi::test::models_dir() + "/nanodet.json");
        HOI_REQUIRE_FILE(messi_);
        HOI_REQUIRE_FILE(person_);
        HOI_REQUIRE_FILE(kite_);
    }
    // The first pair of `a` scored for prompt 0 ("kick sports ball").
    static int ball_pair(const ImageAnalysis& a) {
        for (size_t p = 0; p < a.pairs.size(); ++p)
            if (a.score(int(p), 0).applies) return int(p);
        return -1;
    }

private Q_SLOTS:
    void initTestCase() {
        hoi::init_runtime();
        QVERIFY(tmp_.isValid());
        clip_ = tmp_.path().toStdString() + "/tiny.pt";
        hoi::clip::write_synthetic_model(clip_, hoi::clip::tiny_vit_config(), 11);
        messi_ = hoi::test::samples_dir() + "/messi5.jpg";
        person_ = hoi::test::samples_dir() + "/person.jpg";
        kite_ = hoi::test::samples_dir() + "/kite.jpg";
        copy_dir_ = tmp_.path().toStdString() + "/copies";
        std::filesystem::create_directories(copy_dir_);
        copy_ = copy_dir_ + "/messi5_q60.jpg";
        if (hoi::test::file_exists(messi_)) {
            // The same photo re-encoded at another JPEG quality: other bytes, other pixels.
            hoi::io::Image img = hoi::io::load_image(messi_);
            cv::Mat bgr;
            cv::cvtColor(img.rgb, bgr, cv::COLOR_RGB2BGR);
            QVERIFY(cv::imwrite(copy_, bgr, {cv::IMWRITE_JPEG_QUALITY, 60}));
            QVERIFY(hoi::io::read_file(copy_) != hoi::io::read_file(messi_));
        }
    }

    void adapterUnit() {
        FewShotAdapter ad;
        QCOMPARE(ad.term(nullptr, "kick|sports ball"), 0.0f); // no example: exactly 0
        const std::vector<float> f = {1, 0, 0, 0}, g = {0, 1, 0, 0};
        AdapterExample e;
        e.class_key = "kick|sports ball";
        e.feature = {2, 0, 0, 0}; // normalised on add
        const auto id = ad.add(e);
        QCOMPARE(ad.size(), size_t(1));
        QCOMPARE(ad.term(f.data(), "kick|sports ball"), ad.options().weight); // affinity 1
        QCOMPARE(ad.term(f.data(), "hold|sports ball"), 0.0f);                // another class
        QCOMPARE(ad.term(g.data(), "kick|sports ball"), 0.0f);                // orthogonal: below the cut-off
        e.positive = false;
        e.feature = {1, 0, 0, 0};
        const auto id2 = ad.add(e);
        QCOMPARE(ad.term(f.data(), "kick|sports ball"), 0.0f); // + and - cancel
        const auto top = ad.contributions(f.data(), "kick|sports ball", 1);
        QCOMPARE(int(top.size()), 1);
        QCOMPARE(top[0].id, id); // equal |term|: the lower id first
        QVERIFY(ad.remove(id2));
        QVERIFY(!ad.remove(id2));
        e.feature = {1, 0};
        QVERIFY_THROWS_EXCEPTION(hoi::Error, ad.add(e)); // another model's feature size
        ad.clear();
        QVERIFY(ad.empty());
    }

    void acceptRaisesRejectLowersUndoRestores() {
        require();
        Engine engine(base());
        const auto ps = engine.parse_prompts(prompts());
        const ImageAnalysis a = engine.analyse(messi_, ps);
        const int p = ball_pair(a);
        QVERIFY2(p >= 0, "nanodet finds a person and the ball in messi5.jpg");
        // The copy with the original's boxes (nanodet's ball score sits at its threshold, so
        // the re-encoded pixels may drop it): the adapter's part is the pair feature.
        auto analyse_copy = [&] { return engine.analyse_boxes(copy_, a.detections, ps); };
        const ImageAnalysis copy0 = analyse_copy();
        const int q = same_pair(a, p, copy0);
        QVERIFY2(q >= 0, "the re-encoded copy has the same pair");
        const ImageAnalysis person0 = engine.analyse(person_, ps), kite0 = engine.analyse(kite_, ps);
        QVERIFY(!person0.pairs.empty() && !kite0.pairs.empty());
        const ScoreBreakdown before = copy0.score(q, 0);
        QCOMPARE(before.adapter, 0.0f);

        // Accept "kick sports ball" on messi5.jpg: the copy's same pair scores higher.
        const auto id = engine.add_example(a, p, ps[0], true);
        QCOMPARE(engine.adapter().size(), size_t(1));
        const ImageAnalysis copy1 = analyse_copy();
        QCOMPARE(copy1.pairs.size(), copy0.pairs.size());
        QVERIFY(copy1.score(q, 0).adapter > 0);
        QVERIFY2(copy1.score(q, 0).s_pair > before.s_pair, "accepting raises s_pair");
        QVERIFY2(copy1.score(q, 0).final > before.final, "accepting raises the final score");
        // The other prompts of that pair share the softmax: they go down, they get no term.
        QCOMPARE(copy1.score(q, 1).adapter, 0.0f);
        // Unrelated images (no sports ball): exactly unchanged.
        QVERIFY(same_scores(engine.analyse(person_, ps), person0));
        QVERIFY(same_scores(engine.analyse(kite_, ps), kite0));
        // The requery path sees the adapter too, and the inspector finds the example.
        const ImageAnalysis rq = engine.requery(copy0, ps);
        QCOMPARE(rq.score(q, 0).final, copy1.score(q, 0).final);
        const auto contrib = engine.adapter_contributions(copy1, q, 0, 3);
        QCOMPARE(int(contrib.size()), 1);
        QCOMPARE(contrib[0].id, id);
        QVERIFY(contrib[0].similarity > 0.9f);
        QCOMPARE(contrib[0].term, copy1.score(q, 0).adapter);
        QCOMPARE(engine.adapter().find(id)->image_path, messi_);

        // Undo: the scores are exactly the previous ones.
        QVERIFY(engine.remove_example(id));
        QVERIFY(same_scores(analyse_copy(), copy0));

        // Reject it instead: lower.
        const auto id2 = engine.add_example(a, p, ps[0], false);
        const ImageAnalysis copy2 = analyse_copy();
        QVERIFY(copy2.score(q, 0).adapter < 0);
        QVERIFY2(copy2.score(q, 0).s_pair < before.s_pair, "rejecting lowers s_pair");
        QVERIFY2(copy2.score(q, 0).final < before.final, "rejecting lowers the final score");
        QVERIFY(same_scores(engine.analyse(person_, ps), person0));
        QVERIFY(engine.remove_example(id2));
        QVERIFY(same_scores(analyse_copy(), copy0));
        QVERIFY(engine.adapter().empty());
    }

    // With the adapter emptied, the engine scores every (pair, prompt) of the copy as
    // score_without_adapter recomputes it from the adapted analysis (to float rounding), in both
    // scorings: the training-free softmax over the pair's prompts (where a term on one prompt moves
    // the others too) and a trained head's per-prompt sigmoids (LearnableHead::enable_sigmoid).
    void scoreWithoutAdapterInBothScorings() {
        require();
        HeadShape hs; // the tiny CLIP model's sizes
        hs.spatial_dims = kSpatialDims;
        hs.embed_dim = 32;
        hs.text_width = 64;
        LearnableHead head(hs);
        head.enable_sigmoid(std::log(10.0f), -2.0f);
        const std::string sigmoid_head = tmp_.path().toStdString() + "/sigmoid-head.safetensors";
        head.save(sigmoid_head, {{"scoring", "sigmoid"}});
        EngineOptions sigmoid = base();
        sigmoid.weights_path = sigmoid_head;
        for (const auto& [name, o, scoring] : {std::tuple{"softmax", base(), PairScoring::Softmax},
                                               std::tuple{"sigmoid", sigmoid, PairScoring::Sigmoid}}) {
            qInfo("%s scoring", name);
            Engine engine(o);
            const auto ps = engine.parse_prompts(prompts());
            const ImageAnalysis a = engine.analyse(messi_, ps);
            QVERIFY(a.scoring == scoring);
            const int p = ball_pair(a);
            QVERIFY2(p >= 0, "nanodet finds a person and the ball in messi5.jpg");
            auto analyse_copy = [&] { return engine.analyse_boxes(copy_, a.detections, ps); };
            const ImageAnalysis before = analyse_copy();
            const int q = same_pair(a, p, before);
            QVERIFY2(q >= 0, "the re-encoded copy has the same pair");
            // Accept "kick sports ball" and reject "hold sports ball" on the original: terms on two
            // of the copy's pair's prompts, none on "throw sports ball".
            engine.add_example(a, p, ps[0], true);
            engine.add_example(a, p, ps[1], false);
            const ImageAnalysis adapted = analyse_copy();
            QVERIFY(adapted.scoring == scoring);
            QVERIFY(adapted.score(q, 0).adapter > 0);
            QVERIFY(adapted.score(q, 1).adapter < 0);
            QCOMPARE(adapted.score(q, 2).adapter, 0.0f);
            engine.clear_examples();
            const ImageAnalysis plain = analyse_copy();
            QVERIFY(same_scores(plain, before));
            QCOMPARE(plain.scores.size(), adapted.scores.size());
            int changed = 0;
            for (int pp = 0; pp < int(plain.pairs.size()); ++pp)
                for (int t = 0; t < int(plain.prompts.size()); ++t) {
                    const auto u = score_without_adapter(adapted, pp, t);
                    if (!plain.score(pp, t).applies) {
                        QVERIFY(!u);
                        continue;
                    }
                    QVERIFY(u);
                    const float want = plain.score(pp, t).final;
                    QVERIFY2(std::abs(*u - want) < 1e-5f,
                             qPrintable(QStringLiteral("pair %1 prompt %2: %3, the engine without the adapter %4 "
                                                       "(adapted %5)")
                                            .arg(pp).arg(t).arg(double(*u), 0, 'g', 9).arg(double(want), 0, 'g', 9)
                                            .arg(double(adapted.score(pp, t).final), 0, 'g', 9)));
                    changed += adapted.score(pp, t).final != want;
                }
            QVERIFY(changed >= 2);
            // The prompt without a term: moved by the others' terms under the softmax only.
            if (scoring == PairScoring::Softmax) QVERIFY(adapted.score(q, 2).final != plain.score(q, 2).final);
            else QCOMPARE(adapted.score(q, 2).final, plain.score(q, 2).final);
        }
    }

    // hoi run --adapt-from GT: the labelled pair of messi5.jpg lifts "kick ball" when the photo is
    // analysed again with the detector; the run's metadata records the adapter.
    void runAdaptFrom() {
        require();
        HOI_REQUIRE_FILE(hoi::test::bin_path("hoi"));
        Engine engine(base());
        const auto ps = engine.parse_prompts({"kick sports ball"});
        const ImageAnalysis a = engine.analyse(messi_, ps);
        const int p = ball_pair(a);
        QVERIFY(p >= 0);
        const auto& h = a.detections[size_t(a.pairs[size_t(p)].human)];
        const auto& o = a.detections[size_t(a.pairs[size_t(p)].object)];
        nlohmann::json gt = nlohmann::json::array();
        gt.push_back({{"file_name", "messi5.jpg"},
                      {"annotations", {{{"bbox", {h.x1, h.y1, h.x2, h.y2}}, {"category_id", 1}},
                                       {{"bbox", {o.x1, o.y1, o.x2, o.y2}},
                                        {"category_id", hoi::annotation::coco80_to_coco91(o.class_id)}}}},
                      {"hoi_annotation", {{{"subject_id", 0}, {"object_id", 1}, {"category_id", ps[0].verb_id + 1},
                                           {"hoi_category_id", ps[0].hoi_id + 1}}}}});
        const std::string gt_path = tmp_.path().toStdString() + "/reviewed.json";
        hoi::io::write_file_atomic(gt_path, gt.dump());

        auto run = [&](const std::string& out, bool adapt) {
            QStringList args{"run", "--clip", QString::fromStdString(clip_), "--prompt", "kick ball", "--prompt",
                             "hold ball", QString::fromStdString(messi_), "--out", QString::fromStdString(out)};
            if (adapt)
                args << "--adapt-from" << QString::fromStdString(gt_path) << "--adapt-images"
                     << QString::fromStdString(hoi::test::samples_dir());
            return hoi::test::run_hoi(args, 300000);
        };
        const std::string plain = tmp_.path().toStdString() + "/plain.json", adapted = tmp_.path().toStdString() + "/adapted.json";
        auto r = run(plain, false);
        QVERIFY2(r.exit_code == 0, r.err.c_str());
        r = run(adapted, true);
        QVERIFY2(r.exit_code == 0, r.err.c_str());
        auto meta = nlohmann::json::parse(hoi::io::read_file(adapted + ".meta.json"));
        const auto& ad = meta["options"]["adapter"];
        QCOMPARE(ad["examples"].get<int>(), 1);
        QCOMPARE(ad["positives"].get<int>(), 1);
        QCOMPARE(ad["source"].get<std::string>(), std::string("reviewed.json"));
        QCOMPARE(ad["sha256"].get<std::string>().size(), size_t(64));
        // The best "kick ball" score on the copy rose.
        auto kick = [&](const std::string& file) {
            double m = -1;
            for (const auto& e : nlohmann::json::parse(hoi::io::read_file(file)))
                for (const auto& x : e["hoi_annotation"])
                    if (x["hoi_category_id"].get<int>() == ps[0].hoi_id + 1) m = std::max(m, x["score"].get<double>());
            return m;
        };
        QVERIFY(kick(plain) >= 0);
        QVERIFY2(kick(adapted) > kick(plain), "the adapter raised kick ball");
        // A reviewed file that does not exist: a clear error, exit 3.
        r = hoi::test::run_hoi({"run", "--clip", QString::fromStdString(clip_), "--prompt", "kick ball",
                                QString::fromStdString(copy_), "--out", tmp_.path() + "/x.json",
                                "--adapt-from", tmp_.path() + "/nope.json"});
        QCOMPARE(r.exit_code, 3);
        QVERIFY(r.err.find("nope.json") != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TestFewShotAdapter)
#include "tst_few_shot_adapter.moc"
