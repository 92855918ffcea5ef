// The engine's stages, each used on its own (the Engine facade runs them in order; tst_hoi_engine
// tests the whole): ImageStage, PairStage, TextEncoder, PairClassifier, Explainer. A small
// random-weight CLIP ViT in OpenAI's .pt layout, the real nanodet detector, the sample images.
#include "test_util.h"

#include "clip/clip_model.h"
#include "clip/synthetic.h"
#include "core.h"
#include "hoi/explainer.h"
#include "hoi/few_shot_adapter.h"
#include "hoi/image_stage.h"
#include "hoi/learnable_head.h"
#include "hoi/pair_classifier.h"
#include "hoi/pair_features.h"
#include "hoi/pair_stage.h"
#include "hoi/scoring.h"
#include "hoi/text_encoder.h"
#include "io/error.h"

#include <torch/torch.h>

#include <cmath>
#include <map>

using namespace hoi::model;

namespace {
float norm_of(const at::Tensor& t) { return t.norm().item<float>(); }
}

class TestEngineStages : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;
    std::shared_ptr<hoi::clip::ClipModel> clip_;
    std::string person_;
    EngineOptions opt_;

    void require_models() {
        HOI_REQUIRE_FILE(hoi::test::models_dir() + "/nanodet.json");
        HOI_REQUIRE_FILE(person_);
    }
    // The image state of person.jpg with its pairs (no head).
    std::shared_ptr<ImageState> person_state(ImageStage& images, const PairStage& pairs) {
        std::vector<StageTiming> timings;
        auto st = images.state(person_, ImageStage::read(person_), timings, {}, nullptr, nullptr);
        pairs.ensure(*st, timings, {}, person_);
        return st;
    }

private Q_SLOTS:
    void initTestCase() {
        hoi::init_runtime();
        QVERIFY(tmp_.isValid());
        const std::string vit = tmp_.path().toStdString() + "/tiny-vit.pt";
        hoi::clip::write_synthetic_model(vit, hoi::clip::tiny_vit_config(), 7);
        clip_ = hoi::clip::ClipModel::load(vit);
        person_ = hoi::test::samples_dir() + "/person.jpg";
        opt_.models_dir = hoi::test::models_dir();
        opt_.text_cache_dir = "off";
        opt_.use_pose = false;
    }

    // Image stage: detector + CLIP tower once per image, then from the cache; given boxes are their
    // own entry; a box of a class the detector does not have is an input error.
    void imageStage() {
        require_models();
        ImageStage images(opt_, clip_);
        QVERIFY(!images.has_pose());
        const ImageFile file = ImageStage::read(person_);
        QCOMPARE(int(file.hash.size()), 32);
        std::vector<StageTiming> t1, t2;
        auto st = images.state(person_, file, t1, {}, nullptr, nullptr);
        QCOMPARE(st->width, 640);
        QCOMPARE(st->height, 424);
        QVERIFY(st->has_clip && !st->dets.empty());
        QCOMPARE(st->pose_of.size(), st->dets.size());
        QCOMPARE(st->feats.grid_w, 4);
        QVERIFY(std::abs(norm_of(st->global) - 1) < 1e-5f);
        QCOMPARE(st->frame.size, 640.f); // the image padded to a square
        for (const auto& t : t1) QVERIFY(!t.cached);
        auto again = images.state(person_, file, t2, {}, nullptr, nullptr);
        QCOMPARE(again.get(), st.get());
        QCOMPARE(int(t2.size()), 4);
        for (const auto& t : t2) QVERIFY(t.cached);
        QCOMPARE(images.cache().size(), size_t(1));
        ImageAnalysis a;
        a.cache_key = st->key;
        QCOMPARE(images.lookup(a).get(), st.get());

        std::vector<hoi::detect::Detection> boxes{hoi::test::detection(200, 10, 10, 400, 0, 0.9f),
                                                  hoi::test::detection(150, 100, 500, 400, 17, 0.8f)};
        std::vector<StageTiming> t3;
        auto given = images.state(person_, file, t3, {}, nullptr, &boxes);
        QVERIFY(given->key != st->key);
        QCOMPARE(int(given->dets.size()), 2);
        QCOMPARE(given->dets[0].x1, 10.f); // corners put in order
        QCOMPARE(QString::fromStdString(given->dets[1].label), QString("horse"));
        boxes[1].class_id = 80;
        QVERIFY_THROWS_EXCEPTION(hoi::Error, images.state(person_, file, t3, {}, nullptr, &boxes));
        images.clear();
        QCOMPARE(images.cache().size(), size_t(0));

        ImageStage no_clip(opt_, nullptr);
        std::vector<StageTiming> t4;
        auto plain = no_clip.state(person_, file, t4, {}, nullptr, nullptr);
        QVERIFY(!plain->has_clip && !plain->feats.tokens_proj.defined());
        QCOMPARE(plain->dets.size(), st->dets.size());
        QVERIFY(no_clip.fingerprint() != images.fingerprint());
    }

    // Pair stage: the pairs of build_pairs, one normalised feature and one attention map per pair,
    // computed once per configuration; the training inputs are the same features before the head.
    void pairStage() {
        require_models();
        ImageStage images(opt_, clip_);
        PairStage pairs(opt_, clip_, nullptr);
        std::vector<StageTiming> timings;
        auto st = images.state(person_, ImageStage::read(person_), timings, {}, nullptr, nullptr);
        QVERIFY(st->pair_config.empty());
        pairs.ensure(*st, timings, {}, person_);
        QCOMPARE(QString::fromStdString(st->pair_config), QString::fromStdString(pairs.config()));
        const auto want = build_pairs(st->dets, st->poses, st->pose_of, st->width, st->height,
                                      {opt_.human_threshold, opt_.object_threshold, opt_.max_humans,
                                       opt_.max_objects, opt_.human_human_pairs});
        QCOMPARE(st->pairs.size(), want.size());
        QVERIFY(!want.empty());
        const long P = long(want.size());
        QCOMPARE(st->pair_feats.size(0), P);
        QCOMPARE(st->pair_feats.size(1), long(clip_->embed_dim()));
        for (long p = 0; p < P; ++p) {
            QCOMPARE(st->pairs[size_t(p)].object, want[size_t(p)].object);
            QVERIFY(std::abs(norm_of(st->pair_feats[p]) - 1) < 1e-5f);
        }
        QCOMPARE(st->query_attention.size(0), 3 * P);
        QCOMPARE(long(st->pair_maps.size()), P);
        std::vector<StageTiming> again;
        pairs.ensure(*st, again, {}, person_);
        QCOMPARE(int(again.size()), 2);
        for (const auto& t : again) QVERIFY(t.cached);

        std::vector<std::pair<int, int>> explicit_pairs;
        for (const auto& p : st->pairs) explicit_pairs.emplace_back(p.human, p.object);
        const PairInputs in = pairs.inputs(*st, explicit_pairs);
        QCOMPARE(in.dim, clip_->embed_dim());
        QCOMPARE(in.patches, 16);
        QCOMPARE(in.spatial_dims, kSpatialDims);
        QCOMPARE(long(in.base.size()), P * in.dim);
        for (long p = 0; p < P; ++p) {
            QVERIFY(std::equal(want[size_t(p)].spatial.begin(), want[size_t(p)].spatial.end(),
                               in.spatial.begin() + p * kSpatialDims));
            auto base = torch::from_blob(const_cast<float*>(in.base.data()) + p * in.dim, {in.dim}).clone();
            QVERIFY(torch::allclose(base / base.norm(), st->pair_feats[p], 1e-5, 1e-6));
        }
    }

    // Text encoder: a prompt's phrase under the templates, one normalised embedding per phrase, the
    // sentences and token ids it encoded, cached; the classifier's rows with the "no interaction" rows.
    void textEncoder() {
        TextEncoder text(clip_, nullptr, TextEncoder::checked_templates({"a photo of a {}.", "a picture of a {}"}),
                         "off");
        QVERIFY_THROWS_EXCEPTION(hoi::Error, TextEncoder::checked_templates({"no placeholder"}));
        QCOMPARE(TextEncoder::checked_templates({}), default_templates());
        const Prompt ride = PromptParser::instance().parse("ride horse");
        const std::string ph = text.phrase(ride);
        QCOMPARE(QString::fromStdString(ph), QString::fromStdString(interaction_phrase(ride)));
        text.encode({ph}, nullptr);
        QCOMPARE(text.size(), size_t(1));
        const TextEntry& e = text.entry(ph);
        QVERIFY(!e.truncated);
        QVERIFY(std::abs(norm_of(e.embedding) - 1) < 1e-5f);
        QCOMPARE(int(e.encoding->sentences.size()), 2);
        QCOMPARE(QString::fromStdString(e.encoding->sentences[1]), QString("a picture of a person riding a horse"));
        for (const auto& ids : e.encoding->token_ids) {
            QCOMPARE(ids.front(), 49406);
            QCOMPARE(ids.back(), 49407);
        }
        // The template ensemble: each sentence's embedding normalised, averaged, renormalised.
        at::Tensor want;
        {
            at::InferenceMode guard;
            auto s = clip_->encode_text(e.encoding->token_ids);
            s = s / s.norm(2, -1, true);
            want = s.mean(0);
            want = want / want.norm();
        }
        QVERIFY(torch::allclose(e.embedding, want, 1e-5, 1e-6));

        const Prompt no_horse = TextEncoder::no_interaction_prompt(17);
        QVERIFY(no_horse.no_interaction);
        QCOMPARE(no_horse.object_class, 17);
        const PromptTexts rows = text.prompt_texts({ride}, {17, 0, 17}, nullptr);
        QVERIFY(!rows.cached); // the two "no interaction" phrases were new
        QCOMPARE(int(rows.phrases.size()), 3); // ride horse, then person (0) and horse (17)
        QCOMPARE(rows.null_row.at(0), size_t(1));
        QCOMPARE(rows.null_row.at(17), size_t(2));
        QCOMPARE(QString::fromStdString(rows.phrases[2]), QString::fromStdString(text.phrase(no_horse)));
        QVERIFY(text.prompt_texts({ride}, {17}, nullptr).cached);
        text.clear();
        QCOMPARE(text.size(), size_t(0));
    }

    // An untrained head's branches all end in zeros: apply skips their products and returns
    // pair + 0, the bits the full computation gives for finite features (a -0 becomes +0 there
    // too; a NaN, which CLIP does not give, would spread over its row there); a head
    // with a trained branch, or one being trained, still runs them.
    void untrainedHeadGivesTheFullComputationsBits() {
        HeadShape hs;
        hs.spatial_dims = kSpatialDims;
        hs.embed_dim = 32;
        hs.text_width = 64;
        LearnableHead head(hs);
        torch::manual_seed(5);
        auto pair = torch::randn({6, 32}), spatial = torch::randn({6, kSpatialDims}), patches = torch::randn({16, 32});
        pair[0][3] = -0.0f;
        auto full = [&] { // LearnableHead::apply's steps, from its named tensors
            std::map<std::string, at::Tensor> t;
            for (const auto& [n, v] : head.named_tensors()) t[n] = v;
            auto h = torch::relu(torch::addmm(t["interactor.fc1.bias"], spatial, t["interactor.fc1.weight"].t()));
            auto x = pair + torch::addmm(t["interactor.fc2.bias"], h, t["interactor.fc2.weight"].t());
            const double scale = 1.0 / std::sqrt(32.0);
            for (int l = 0; t.count("decoder.layers." + std::to_string(l) + ".q.weight"); ++l) {
                const std::string p = "decoder.layers." + std::to_string(l) + ".";
                auto q = torch::mm(x, t[p + "q.weight"].t());
                auto k = torch::mm(patches, t[p + "k.weight"].t());
                auto v = torch::mm(patches, t[p + "v.weight"].t());
                auto a = torch::softmax(torch::mm(q, k.t()) * scale, -1);
                x = x + torch::addmm(t[p + "out.bias"], torch::mm(a, v), t[p + "out.weight"].t());
            }
            return x;
        };
        auto same_bits = [](const at::Tensor& a, const at::Tensor& b) {
            return a.sizes() == b.sizes() && torch::equal(a.contiguous().view(at::kInt), b.contiguous().view(at::kInt));
        };
        QVERIFY(head.residuals_are_zero());
        QVERIFY(same_bits(head.apply(pair, spatial, patches), full()));
        QCOMPARE(head.apply(pair, spatial, patches)[0][3].item<float>(), 0.0f);
        QVERIFY(!std::signbit(head.apply(pair, spatial, patches)[0][3].item<float>()));
        // Being trained: the graph reaches the branches' weights.
        for (auto& [name, t] : head.named_tensors()) t.requires_grad_(true);
        auto y = head.apply(pair, spatial, patches);
        y.sum().backward();
        for (auto& [name, t] : head.named_tensors())
            if (name == "interactor.fc2.weight") QVERIFY(t.grad().defined());
        // A trained branch.
        for (auto& [name, t] : head.named_tensors()) {
            t.requires_grad_(false);
            if (name == "decoder.layers.0.out.weight") t.normal_(0, 0.1);
        }
        QVERIFY(!head.residuals_are_zero());
        QVERIFY(same_bits(head.apply(pair, spatial, patches), full()));
        QVERIFY(!same_bits(head.apply(pair, spatial, patches), pair + 0.0));
    }

    // A learned prompt context: embed_with_context (what `hoi train` differentiates) gives the
    // embeddings the engine's encoder computes with a head holding that context, a zero context gives
    // the plain prompts, and the result is differentiable with respect to the context.
    void textEncoderContext() {
        HeadShape hs;
        hs.spatial_dims = kSpatialDims;
        hs.embed_dim = clip_->embed_dim();
        hs.text_width = clip_->config().transformer_width;
        LearnableHead head(hs);
        torch::manual_seed(3);
        for (auto& [name, t] : head.named_tensors())
            if (name.rfind("prompt.", 0) == 0) {
                at::NoGradGuard ng;
                t.copy_(torch::randn_like(t) * 0.05);
            }
        QVERIFY(!head.prompt_context_is_zero());
        const auto templates = TextEncoder::checked_templates({"a photo of a {}.", "a picture of a {}"});
        TextEncoder with(clip_, &head, templates, "off"), plain(clip_, nullptr, templates, "off");
        const auto& parser = PromptParser::instance();
        const std::vector<Prompt> prompts = {parser.parse("ride horse"), TextEncoder::no_interaction_prompt(17),
                                             parser.parse("hold cup")};
        const PromptTexts engine_rows = with.prompt_texts(prompts, {}, nullptr);
        const PromptTexts plain_rows = plain.prompt_texts(prompts, {}, nullptr);
        const at::Tensor trained = plain.embed_with_context(prompts, head.prompt_prefix(), head.prompt_conjun());
        QCOMPARE(trained.size(0), int64_t(3));
        for (int i = 0; i < 3; ++i) {
            QVERIFY2(torch::allclose(trained[i], engine_rows.embeddings[size_t(i)], 1e-4, 1e-5), "the engine's encoding");
            QVERIFY2(torch::dot(engine_rows.embeddings[size_t(i)], plain_rows.embeddings[size_t(i)]).item<float>() < 0.9999f,
                     "the context moves the embedding");
        }
        const at::Tensor zero =
            plain.embed_with_context(prompts, torch::zeros_like(head.prompt_prefix()), torch::zeros_like(head.prompt_conjun()));
        for (int i = 0; i < 3; ++i) QVERIFY(torch::allclose(zero[i], plain_rows.embeddings[size_t(i)], 1e-4, 1e-5));
        // Differentiable: the gradient reaches the prefix and the conjunction vectors.
        at::Tensor prefix = head.prompt_prefix().clone().requires_grad_(true);
        at::Tensor conjun = head.prompt_conjun().clone().requires_grad_(true);
        const at::Tensor e = plain.embed_with_context(prompts, prefix, conjun);
        QVERIFY(e.requires_grad());
        (e * torch::randn_like(e)).sum().backward();
        QVERIFY(prefix.grad().defined() && prefix.grad().abs().sum().item<float>() > 0);
        QVERIFY(conjun.grad().defined() && conjun.grad().abs().sum().item<float>() > 0);
    }

    // Classifier: per pair a softmax over its applicable prompts and its object's "no interaction"
    // prompt, fused with the detector scores; the adapter's term enters the pair logits.
    void pairClassifier() {
        const auto& parser = PromptParser::instance();
        ImageAnalysis a;
        a.detections = {hoi::test::detection(0, 0, 10, 10, 0, 0.9f), hoi::test::detection(5, 5, 20, 20, 17, 0.5f)};
        a.pairs.resize(1);
        a.pairs[0].human = 0;
        a.pairs[0].object = 1;
        a.prompts = {parser.parse("ride horse"), parser.parse("kick ball"), parser.parse("feed horse")};
        PromptTexts text;
        text.phrases = {"ride", "kick", "feed", "none"};
        text.null_row[17] = 3;
        auto unit = [](std::vector<float> v) {
            auto t = torch::tensor(v);
            return t / t.norm();
        };
        text.embeddings = {unit({1, 0, 0}), unit({0, 1, 0}), unit({1, 1, 0}), unit({0, 0, 1})};
        const at::Tensor pair = unit({1, 0.5f, 0.2f}).unsqueeze(0);
        const at::Tensor global = unit({0.2f, 0.2f, 1});
        FewShotAdapter adapter;
        const float scale = 10;
        PairClassifier classifier(scale, nullptr, adapter);
        classifier.classify(pair, global, text, 0.7f, 1.0f, a);
        QCOMPARE(int(a.scores.size()), 3);
        QVERIFY(!a.score(0, 1).applies); // a ball prompt on a horse pair
        QCOMPARE(a.score(0, 1).final, 0.f);
        // Candidates: ride, feed, and the horse's "no interaction".
        std::vector<float> cp, cg;
        for (size_t r : {size_t(0), size_t(2), size_t(3)}) {
            cp.push_back(torch::dot(pair[0], text.embeddings[r]).item<float>());
            cg.push_back(torch::dot(global, text.embeddings[r]).item<float>());
        }
        const auto sp = scaled_softmax(cp, scale), sg = scaled_softmax(cg, scale);
        for (int k = 0; k < 2; ++k) {
            const auto& s = a.score(0, k == 0 ? 0 : 2);
            QVERIFY(s.applies);
            QCOMPARE(s.s_pair, sp[size_t(k)]);
            QCOMPARE(s.s_global, sg[size_t(k)]);
            QCOMPARE(s.adapter, 0.f);
            QCOMPARE(s.final, fuse_score(sp[size_t(k)], sg[size_t(k)], 0.9f, 0.5f, 0.7f, 1.0f));
        }
        const float ride_before = a.score(0, 0).s_pair;
        // An accepted example of "ride horse" at this very pair: its term lifts the prompt.
        AdapterExample ex;
        ex.class_key = a.prompts[0].key();
        ex.feature = {1, 0.5f, 0.2f};
        adapter.add(ex);
        classifier.classify(pair, global, text, 0.7f, 1.0f, a);
        QVERIFY(a.score(0, 0).adapter > 0);
        QVERIFY(a.score(0, 0).s_pair > ride_before);
        QCOMPARE(a.score(0, 2).adapter, 0.f);
    }

    // Explainer: the relevance map and the inspection of a pair of a cached image state.
    void explainer() {
        require_models();
        ImageStage images(opt_, clip_);
        PairStage pairs(opt_, clip_, nullptr);
        auto st = person_state(images, pairs);
        QVERIFY(!st->pairs.empty());
        TextEncoder text(clip_, nullptr, default_templates(), "off");
        const std::string ph = text.phrase(PromptParser::instance().parse("ride horse"));
        text.encode({ph}, nullptr);
        Explainer ex(clip_);
        const auto& pr = st->pairs[0];
        const AttentionMap r = ex.relevance(*st, st->dets[size_t(pr.human)], st->dets[size_t(pr.object)],
                                            text.entry(ph).embedding.clone());
        QCOMPARE(r.grid_w, 4);
        QCOMPARE(r.frame_size, st->frame.size);
        double total = 0;
        for (float v : r.weights) {
            QVERIFY(std::isfinite(v) && v >= 0);
            total += v;
        }
        QVERIFY(std::abs(total - 1) < 1e-4);
        const PairInspection in = ex.inspect(*st, 0);
        QCOMPARE(in.image_cls.layers, 2);
        QCOMPARE(in.image_cls.heads, 2);
        QCOMPARE(in.pair_query.heads, 2);
        QCOMPARE(int(in.pair_query.data.size()), 2 * 16);
        // The union map is the one the pair stage kept for the pair.
        QCOMPARE(in.union_map.weights, st->pair_maps[0].weights);
        QCOMPARE(int(in.object_map.weights.size()), 16);
    }
};

QTEST_GUILESS_MAIN(TestEngineStages)
#include "tst_engine_stages.moc"
