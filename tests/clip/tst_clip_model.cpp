// CLIP towers: agreement with the official code's reference values (clip_data.json), masked
// last-block queries, text-tower causality and batch cut, ResNet shapes, attention and gradients.
#include <QtTest>

#include "clip/clip_model.h"
#include "clip/clip_modules.h"
#include "clip/packed_linear.h"
#include "clip/synthetic.h"
#include "clip/text_prefix_cache.h"
#include "clip/weights.h"
#include "core.h"
#include "io/atomic_file.h"
#include "io/error.h"
#include "test_util.h"

#include <limits>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

using namespace hoi;
using namespace hoi::clip;

namespace {

void flatten(const nlohmann::json& j, std::vector<float>& out, std::vector<int64_t>& shape, size_t depth) {
    if (j.is_array()) {
        if (shape.size() <= depth) shape.push_back(static_cast<int64_t>(j.size()));
        for (const auto& e : j) flatten(e, out, shape, depth + 1);
    } else {
        out.push_back(j.get<float>());
    }
}

at::Tensor from_json(const nlohmann::json& j) {
    std::vector<float> v;
    std::vector<int64_t> shape;
    flatten(j, v, shape, 0);
    return torch::tensor(v).view(shape).clone();
}

NamedTensors weights_from_json(const nlohmann::json& w) {
    NamedTensors out;
    for (auto it = w.begin(); it != w.end(); ++it) out.emplace_back(it.key(), from_json(it.value()));
    return out;
}

bool close(const at::Tensor& a, const at::Tensor& b, double tol) {
    if (!a.sizes().equals(b.sizes())) return false;
    return (a - b).abs().max().item<double>() <= tol;
}

} // namespace

class TestClipModel : public QObject {
    Q_OBJECT
    nlohmann::json ref_;
    std::shared_ptr<ClipModel> vit_, rn_;

private Q_SLOTS:
    void initTestCase() {
        hoi::init_runtime();
        torch::manual_seed(7);
        vit_ = ClipModel::from_state_dict(synthetic_weights(tiny_vit_config(), 1), "tiny-vit");
        rn_ = ClipModel::from_state_dict(synthetic_weights(tiny_rn_config(), 2), "tiny-rn");
    }

    void loadReference() {
        const auto path = hoi::test::models_dir() + "/clip_data.json";
        HOI_REQUIRE_FILE(path);
        ref_ = nlohmann::json::parse(io::read_file(path));
    }

    void referenceResidualBlock() {
        if (ref_.is_null()) loadReference();
        if (ref_.is_null()) QSKIP("no reference data");
        const int d = ref_["attn_config"]["d_model"], h = ref_["attn_config"]["n_head"];
        nn::ResidualAttentionBlock block(d, h);
        assign_weights(*block, weights_from_json(ref_["attn_weights"]), "clip_data.json attn_weights");
        torch::NoGradGuard ng;
        auto x = from_json(ref_["attn_input"]);   // [1, 4, 8] batch-first
        auto want = from_json(ref_["attn_output"]);
        auto got = block->forward(x, at::Tensor());
        QVERIFY2(close(got, want, 1e-5), qPrintable(QString("max diff %1").arg((got - want).abs().max().item<double>())));
    }

    // The inference attention kernel (products straight from the in_proj output) against the
    // autograd path it stands in for: heads 64 wide (AVX2) and 12 wide (portable), with and
    // without a causal mask, outputs and recorded weights.
    void attentionKernelMatchesGraphPath() {
        for (auto [width, heads] : {std::pair{128, 2}, std::pair{36, 3}}) {
            torch::manual_seed(width);
            nn::MultiheadAttention mha(width, heads);
            {
                torch::NoGradGuard ng;
                for (auto& p : mha->parameters()) p.normal_(0, 0.2);
            }
            const int64_t T = 7;
            auto x = torch::randn({2, T, width});
            auto causal = torch::full({T, T}, -std::numeric_limits<float>::infinity()).triu(1);
            for (bool masked : {false, true}) {
                const at::Tensor mask = masked ? causal : at::Tensor();
                at::Tensor wFast, wRef, fast;
                {
                    torch::NoGradGuard ng;
                    fast = mha->forward(x, mask, nn::AttnRecord::Weights, &wFast);
                }
                auto ref = mha->forward(x.clone().requires_grad_(true), mask, nn::AttnRecord::Weights, &wRef);
                QVERIFY(ref.requires_grad()); // the graph path really ran
                const QString what = QString("width %1, heads %2, mask %3").arg(width).arg(heads).arg(masked);
                QVERIFY2(torch::allclose(fast, ref.detach(), 1e-5, 1e-5),
                         qPrintable(what + QString(" max diff %1").arg((fast - ref.detach()).abs().max().item<double>())));
                QVERIFY2(close(wFast, wRef.detach(), 1e-6), qPrintable(what));
                if (masked) QCOMPARE(wFast[0][0][0][1].item<float>(), 0.f); // the first token sees only itself
            }
        }
    }

    void referenceTinyVit() {
        if (ref_.is_null()) loadReference();
        if (ref_.is_null()) QSKIP("no reference data");
        const auto& c = ref_["vit_config"];
        nn::VisionTransformer vit(c["input_resolution"].get<int>(), c["patch_size"].get<int>(), c["width"].get<int>(),
                                  c["layers"].get<int>(), c["heads"].get<int>(), c["output_dim"].get<int>());
        assign_weights(*vit, weights_from_json(ref_["vit_weights"]), "clip_data.json vit_weights");
        torch::NoGradGuard ng;
        auto x = from_json(ref_["vit_input"]).permute({0, 3, 1, 2}).contiguous(); // stored NHWC
        auto want = from_json(ref_["vit_output"]);
        auto got = vit->forward(x, true).embedding;
        QVERIFY2(close(got, want, 1e-5), qPrintable(QString("max diff %1").arg((got - want).abs().max().item<double>())));
    }

    void configInference() {
        const auto& c = vit_->config();
        QCOMPARE(c.vit, true);
        QCOMPARE(c.image_resolution, 64);
        QCOMPARE(c.vision_patch_size, 16);
        QCOMPARE(c.grid, 4);
        QCOMPARE(c.vision_width, 128);
        QCOMPARE(c.vision_layers, 2);
        QCOMPARE(c.vision_heads, 2);
        QCOMPARE(c.embed_dim, 32);
        QCOMPARE(c.transformer_width, 64);
        QCOMPARE(c.transformer_layers, 2);
        QCOMPARE(c.vocab_size, 49408);
        QCOMPARE(c.context_length, 77);
        const auto& r = rn_->config();
        QCOMPARE(r.vit, false);
        QCOMPARE(r.vision_layers_rn, std::vector<int>({1, 1, 1, 1}));
        QCOMPARE(r.vision_width, 8);
        QCOMPARE(r.image_resolution, 64);
        QCOMPARE(r.vision_heads, 4);
        QCOMPARE(vit_->logit_scale(), float(1.0 / 0.07));
    }

    void vitFeatures() {
        auto x = torch::randn({3, 64, 64});
        auto f = vit_->encode_image(x, true);
        QCOMPARE(f.embedding.sizes().vec(), std::vector<int64_t>({32}));
        QCOMPARE(f.last_block_input.sizes().vec(), std::vector<int64_t>({17, 128}));
        QCOMPARE(f.tokens.sizes().vec(), std::vector<int64_t>({17, 128}));
        QCOMPARE(f.tokens_proj.sizes().vec(), std::vector<int64_t>({16, 32}));
        QCOMPARE(f.grid_h, 4);
        QCOMPARE(f.grid_w, 4);
        QCOMPARE(int(f.attentions.size()), 2);
        for (const auto& a : f.attentions) {
            QCOMPARE(a.sizes().vec(), std::vector<int64_t>({2, 17, 17}));
            QVERIFY(close(a.sum(-1), torch::ones({2, 17}), 1e-5));
        }
        // The batch path gives the same embeddings.
        auto batch = torch::stack({x, torch::randn({3, 64, 64})});
        auto e = vit_->encode_images(batch);
        QCOMPARE(e.sizes().vec(), std::vector<int64_t>({2, 32}));
        QVERIFY(close(e[0], f.embedding, 1e-5));
        // Wrong input size: a clear Input error.
        try {
            vit_->encode_image(torch::randn({3, 32, 32}));
            QFAIL("no error for a wrong input size");
        } catch (const Error& e) {
            QCOMPARE(e.kind(), ErrorKind::Input);
            QVERIFY(QString(e.what()).contains("[3, 64, 64]"));
        }
    }

    void rnFeatures() {
        auto x = torch::randn({3, 64, 64});
        auto f = rn_->encode_image(x, true);
        QCOMPARE(f.embedding.sizes().vec(), std::vector<int64_t>({32}));
        QCOMPARE(f.last_block_input.sizes().vec(), std::vector<int64_t>({4, 256}));
        QCOMPARE(f.tokens_proj.sizes().vec(), std::vector<int64_t>({4, 32}));
        QCOMPARE(f.grid_h, 2);
        QCOMPARE(int(f.attentions.size()), 1);
        QCOMPARE(f.attentions[0].sizes().vec(), std::vector<int64_t>({4, 1, 5}));
        QVERIFY(torch::isfinite(f.embedding).all().item<bool>());
        auto e = rn_->encode_images(x.unsqueeze(0));
        QVERIFY(close(e[0], f.embedding, 1e-5));
    }

    void maskAllTrueReproducesEmbedding() {
        for (auto* m : {&vit_, &rn_}) {
            auto f = (*m)->encode_image(torch::randn({3, 64, 64}));
            const int64_t N = f.grid_h * f.grid_w;
            auto q = (*m)->encode_masked_queries(f, torch::ones({3, N}, torch::kBool));
            QCOMPARE(q.features.sizes().vec(), std::vector<int64_t>({3, 32}));
            for (int i = 0; i < 3; ++i) QVERIFY(close(q.features[i], f.embedding, 1e-5));
            const int64_t H = (*m)->config().vision_heads;
            QCOMPARE(q.attention.sizes().vec(), std::vector<int64_t>({3, H, N}));
            QVERIFY(close(q.attention.sum(-1) + q.self_attention, torch::ones({3, H}), 1e-5));
        }
    }

    void maskVitEqualsReducedSequence() {
        // Masking the keys to {class token} + S is the same as running the last block on that
        // sub-sequence alone: an independent computation from the block's own forward.
        auto f = vit_->encode_image(torch::randn({3, 64, 64}));
        auto masks = torch::zeros({3, 16}, torch::kBool);
        masks[0][5] = true;                               // one patch
        masks[1].index_put_({torch::tensor({0, 3, 9, 15})}, true); // several
        // masks[2]: none (the class token sees only itself)
        auto q = vit_->encode_masked_queries(f, masks);
        torch::NoGradGuard ng;
        auto net = nn::ClipNet(vit_->config());
        assign_weights(*net, synthetic_weights(tiny_vit_config(), 1), "tiny-vit");
        const auto& vit = net->visual_vit;
        for (int i = 0; i < 3; ++i) {
            std::vector<int64_t> keep = {0};
            for (int64_t p = 0; p < 16; ++p)
                if (masks[i][p].item<bool>()) keep.push_back(p + 1);
            auto sub = f.last_block_input.index_select(0, torch::tensor(keep)).unsqueeze(0);
            auto out = vit->transformer->blocks.back()->forward(sub, at::Tensor());
            auto cls = out[0][0];
            auto want = torch::matmul(torch::layer_norm(cls, {128}, vit->ln_post->weight, vit->ln_post->bias), vit->proj);
            QVERIFY2(close(q.features[i], want, 1e-5), qPrintable(QString("query %1").arg(i)));
            // Masked-out patches get exactly zero weight.
            for (int64_t p = 0; p < 16; ++p)
                if (!masks[i][p].item<bool>()) QCOMPARE(q.attention[i].select(1, p).abs().max().item<float>(), 0.0f);
        }
        QVERIFY(!close(q.features[0], f.embedding, 1e-3)); // masking changes the answer
    }

    void maskRnHandComputation() {
        auto f = rn_->encode_image(torch::randn({3, 64, 64}));
        auto masks = torch::zeros({2, 4}, torch::kBool);
        masks[0][2] = true;
        masks[1][0] = true;
        masks[1][3] = true;
        auto q = rn_->encode_masked_queries(f, masks);
        torch::NoGradGuard ng;
        auto net = nn::ClipNet(rn_->config());
        assign_weights(*net, synthetic_weights(tiny_rn_config(), 2), "tiny-rn");
        const auto& ap = net->visual_rn->attnpool;
        const int H = 4, C = 256, hd = C / H;
        for (int i = 0; i < 2; ++i) {
            std::vector<int64_t> sel;
            for (int64_t p = 0; p < 4; ++p)
                if (masks[i][p].item<bool>()) sel.push_back(p);
            auto idx = torch::tensor(sel);
            auto xs = f.last_block_input.index_select(0, idx);
            // Tokens: [mean of the selected + pos0, selected + their pos].
            auto tok = torch::cat({xs.mean(0, true) + ap->positional_embedding[0].unsqueeze(0),
                                   xs + ap->positional_embedding.index_select(0, idx + 1)});
            auto qv = torch::linear(tok[0], ap->q_proj->weight, ap->q_proj->bias);
            auto kv = torch::linear(tok, ap->k_proj->weight, ap->k_proj->bias);
            auto vv = torch::linear(tok, ap->v_proj->weight, ap->v_proj->bias);
            std::vector<at::Tensor> heads;
            for (int h = 0; h < H; ++h) {
                auto qh = qv.narrow(0, h * hd, hd), kh = kv.narrow(1, h * hd, hd), vh = vv.narrow(1, h * hd, hd);
                auto w = torch::softmax(torch::mv(kh, qh) / std::sqrt(double(hd)), 0);
                heads.push_back(torch::mv(vh.t(), w));
            }
            auto want = torch::linear(torch::cat(heads), ap->c_proj->weight, ap->c_proj->bias);
            QVERIFY2(close(q.features[i], want, 1e-4), qPrintable(QString("query %1 diff %2").arg(i).arg((q.features[i] - want).abs().max().item<double>())));
        }
        // Bad mask shape: Input error naming the grid.
        try {
            rn_->encode_masked_queries(f, torch::ones({1, 5}, torch::kBool));
            QFAIL("no error for a wrong mask shape");
        } catch (const Error& e) {
            QVERIFY(QString(e.what()).contains("2x2"));
        }
    }

    void textCausalAndCut() {
        std::vector<int> a = {49406, 320, 1125, 539, 320, 2533, 49407};
        std::vector<int> b = {49406, 320, 1125, 49407};
        auto pad = [](std::vector<int> v) {
            v.resize(77, 0);
            return v;
        };
        auto full = vit_->encode_text({pad(a), pad(b)}, false);
        auto cut = vit_->encode_text({pad(a), pad(b)}, true);
        QCOMPARE(full.sizes().vec(), std::vector<int64_t>({2, 32}));
        QVERIFY(close(full, cut, 1e-5));
        // Unpadded sequences give the same result; a batch equals its rows alone.
        auto single = vit_->encode_text({b});
        QVERIFY(close(single[0], full[1], 1e-5));
        // Tokens after <|endoftext|> do not change the embedding (causal mask).
        auto b2 = pad(b);
        b2[10] = 5000;
        QVERIFY(close(vit_->encode_text({b2}, false)[0], full[1], 1e-5));
        // Position-wise causality inside the transformer: changing token 4 leaves positions 0..3.
        torch::NoGradGuard ng;
        auto net = nn::ClipNet(vit_->config());
        assign_weights(*net, synthetic_weights(tiny_vit_config(), 1), "tiny-vit");
        auto ids = torch::tensor(std::vector<int64_t>(a.begin(), a.end())).unsqueeze(0);
        auto ids2 = ids.clone();
        ids2[0][4] = 999;
        auto run = [&](const at::Tensor& t) {
            auto x = torch::embedding(net->token_embedding->weight, t) + net->positional_embedding.narrow(0, 0, 7);
            return net->transformer->forward(x, net->causal_mask.narrow(0, 0, 7).narrow(1, 0, 7));
        };
        auto o1 = run(ids), o2 = run(ids2);
        QVERIFY(close(o1.narrow(1, 0, 4), o2.narrow(1, 0, 4), 1e-6));
        QVERIFY(!close(o1.narrow(1, 4, 3), o2.narrow(1, 4, 3), 1e-4));
        // Errors.
        QCOMPARE(vit_->encode_text({}).size(0), 0);
        try {
            vit_->encode_text({std::vector<int>(78, 1)});
            QFAIL("no error for 78 tokens");
        } catch (const Error& e) {
            QCOMPARE(e.kind(), ErrorKind::Input);
        }
        try {
            vit_->encode_text({{49406, 60000}});
            QFAIL("no error for an id outside the vocabulary");
        } catch (const Error& e) {
            QVERIFY(QString(e.what()).contains("60000"));
        }
    }

    // A prompt that begins like a recent one takes that prompt's keys and values for the shared
    // rows (text_prefix_cache.h) and computes only its own: the result must be the bits of the
    // whole pass (a batch of two runs the whole pass), on every kernel path, with and without a
    // context residual; a residual that differs in the opening must not reuse the plain rows.
    void textPrefixReuseIsExact() {
        const std::vector<int> a = {49406, 320, 1125, 539, 320, 2533, 49407};
        const std::vector<int> b = {49406, 320, 1125, 539, 320, 1000, 49407};
        auto& states = vit_->text_states();
        auto r = torch::zeros({1, 7, 64});
        r[0][1].normal_(0, 0.5); // a learned context word in the opening
        // On every path, and on one to three threads (the one-prompt pass splits its products by
        // columns and its other steps by rows and heads, in as many parts as threads; three parts
        // leave some with no row or head).
        const int threads = at::get_num_threads();
        for (int team : {1, 2, 3})
        for (auto path : available_kernel_paths()) {
            at::set_num_threads(team);
            set_packed_linear_path(path);
            const QString name = QString(kernel_path_name(path)) + QString(", %1 threads").arg(team);
            const auto whole = vit_->encode_text({a, b})[1];
            const auto whole_r = vit_->encode_text({a, b}, torch::cat({r, r}))[1];
            states.clear();
            QVERIFY2(torch::equal(vit_->encode_text({b})[0], whole), qPrintable(name + ": a cold prompt"));
            states.clear();
            vit_->encode_text({a});
            const auto before = states.rows_reused();
            QVERIFY2(torch::equal(vit_->encode_text({b})[0], whole), qPrintable(name + ": after a prompt sharing 5 rows"));
            QCOMPARE(states.rows_reused() - before, int64_t{5});
            // The same opening under a context: only the <|startoftext|> row is the same.
            const auto before_r = states.rows_reused();
            QVERIFY2(torch::equal(vit_->encode_text({b}, r)[0], whole_r), qPrintable(name + ": with a context"));
            QCOMPARE(states.rows_reused() - before_r, int64_t{1});
            // The same prompt again: every row but <|endoftext|>'s is reused.
            const auto before_again = states.rows_reused();
            QVERIFY2(torch::equal(vit_->encode_text({b})[0], whole), qPrintable(name + ": the same prompt again"));
            QCOMPARE(states.rows_reused() - before_again, int64_t{6});
        }
        at::set_num_threads(threads);
        set_packed_linear_path(std::nullopt);
    }

    // Prompt context: vectors added to token embeddings. Zero gives the plain bits; a vector before
    // <|endoftext|> changes the embedding, one after it does not (causal); a wrong shape is refused.
    void tokenResidual() {
        std::vector<int> b = {49406, 320, 1125, 539, 49407};
        const auto plain = vit_->encode_text({b});
        QVERIFY(torch::equal(vit_->encode_text({b}, torch::zeros({1, 5, 64})), plain));
        auto r = torch::zeros({1, 8, 64});
        r[0][2].normal_(0, 0.5);
        QVERIFY(!torch::allclose(vit_->encode_text({b}, r), plain));
        auto late = torch::zeros({1, 8, 64});
        late[0][6].normal_(0, 0.5);
        std::vector<int> padded = b;
        padded.resize(8, 0);
        QVERIFY(close(vit_->encode_text({padded}, late, false), plain, 1e-5));
        try {
            vit_->encode_text({b}, torch::zeros({1, 5, 32}));
            QFAIL("a residual of the wrong width was accepted");
        } catch (const hoi::Error& e) {
            QCOMPARE(e.kind(), hoi::ErrorKind::Input);
        }
    }

    void gradientMode() {
        auto f = vit_->encode_image_grad(torch::randn({3, 64, 64}));
        QCOMPARE(int(f.attentions.size()), 2);
        QVERIFY(f.embedding.requires_grad());
        auto masks = torch::zeros({1, 16}, torch::kBool);
        masks[0][3] = true;
        auto q = vit_->encode_masked_queries(f, masks);
        QVERIFY(q.features.requires_grad());
        (f.embedding.sum() + q.features.sum()).backward();
        for (const auto& a : f.attentions) {
            QVERIFY(a.grad().defined());
            QCOMPARE(a.grad().sizes().vec(), std::vector<int64_t>({2, 17, 17}));
            QVERIFY(a.grad().abs().sum().item<double>() > 0);
        }
        // The same numbers as the inference path.
        auto g = vit_->encode_image(torch::zeros({3, 64, 64}));
        auto gg = vit_->encode_image_grad(torch::zeros({3, 64, 64}));
        QVERIFY(close(g.embedding, gg.embedding.detach(), 1e-5));
        auto rf = rn_->encode_image_grad(torch::randn({3, 64, 64}));
        rf.embedding.sum().backward();
        QVERIFY(rf.attentions[0].grad().defined());
        QCOMPARE(rf.attentions[0].grad().sizes().vec(), std::vector<int64_t>({4, 1, 5}));
    }
};

QTEST_GUILESS_MAIN(TestClipModel)
#include "tst_clip_model.moc"
