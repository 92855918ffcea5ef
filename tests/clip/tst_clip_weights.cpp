// CLIP weight files: OpenAI TorchScript archives, safetensors in OpenCLIP and Hugging Face layouts
// (ViT and ResNet), and corrupt / mismatching files with precise messages.
#include <QtTest>

#include "clip/clip_model.h"
#include "clip/sha256.h"
#include "clip/synthetic.h"
#include "clip/weights.h"
#include "core.h"
#include "io/atomic_file.h"
#include "io/safetensors.h"
#include "io/error.h"
#include "test_util.h"

#include <caffe2/serialize/inline_container.h>
#include <torch/torch.h>

#include <functional>
#include <sstream>

using namespace hoi;
using namespace hoi::clip;

namespace {

NamedTensors rounded_fp16(const NamedTensors& t) {
    NamedTensors out;
    for (const auto& [n, v] : t) out.emplace_back(n, v.is_floating_point() ? v.to(at::kHalf).to(at::kFloat) : v);
    return out;
}

QString load_error(const std::string& path) {
    try {
        ClipModel::load(path);
    } catch (const Error& e) {
        if (e.kind() != ErrorKind::Model) return "wrong kind: " + QString(e.what());
        return QString::fromStdString(e.what());
    }
    return "no error";
}

// Copies a TorchScript archive record by record; `edit` may change a record's bytes (names as the
// reader lists them, e.g. "data/3").
void rewrite_archive(const std::string& from, const std::string& to,
                     const std::function<void(const std::string&, std::string&)>& edit) {
    caffe2::serialize::PyTorchStreamReader in(from);
    std::ostringstream os;
    {
        caffe2::serialize::PyTorchStreamWriter out([&](const void* p, size_t n) {
            os.write(static_cast<const char*>(p), static_cast<std::streamsize>(n));
            return n;
        });
        for (const auto& name : in.getAllRecords()) {
            if (name == "version") continue; // the writer adds its own
            auto [data, size] = in.getRecord(name);
            std::string bytes(static_cast<const char*>(data.get()), size);
            edit(name, bytes);
            out.writeRecord(name, bytes.data(), bytes.size());
        }
        out.writeEndOfFile();
    }
    io::write_file_atomic(to, os.str());
}

void expect_same(const ClipModel& a, const ClipModel& b) {
    torch::manual_seed(3);
    auto x = torch::randn({3, a.input_size(), a.input_size()});
    auto ea = a.encode_image(x).embedding, eb = b.encode_image(x).embedding;
    QVERIFY2(torch::allclose(ea, eb, 1e-5, 1e-5), "image embeddings differ");
    std::vector<std::vector<int>> t = {{49406, 320, 1929, 49407}, {49406, 2368, 49407}};
    QVERIFY2(torch::allclose(a.encode_text(t), b.encode_text(t), 1e-5, 1e-5), "text embeddings differ");
    QCOMPARE(a.logit_scale(), b.logit_scale());
}

} // namespace

class TestClipWeights : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    std::string path(const char* name) { return (dir_.path() + "/" + name).toStdString(); }

private Q_SLOTS:
    void initTestCase() {
        hoi::init_runtime();
        QVERIFY(dir_.isValid());
    }

    void torchScriptVit() {
        const auto p = path("vit.pt");
        write_synthetic_model(p, tiny_vit_config(), 11, SyntheticFormat::TorchScript);
        auto m = ClipModel::load(p);
        QCOMPARE(m->config().name(), std::string("ViT-W128-L2-P16-R64"));
        QCOMPARE(m->config().grid, 4);
        auto ref = ClipModel::from_state_dict(rounded_fp16(synthetic_weights(tiny_vit_config(), 11)), "ref");
        expect_same(*m, *ref);
        QCOMPARE(m->checksum(), sha256_file(p));
        QCOMPARE(m->checksum().size(), size_t(64));
    }

    void torchScriptResNet() {
        const auto p = path("rn.pt");
        write_synthetic_model(p, tiny_rn_config(), 12, SyntheticFormat::TorchScript);
        auto m = ClipModel::load(p);
        QCOMPARE(m->config().vit, false);
        QCOMPARE(m->config().vision_layers_rn, std::vector<int>({1, 1, 1, 1}));
        auto ref = ClipModel::from_state_dict(rounded_fp16(synthetic_weights(tiny_rn_config(), 12)), "ref");
        expect_same(*m, *ref);
    }

    void safetensorsOpenClip() {
        for (bool vit : {true, false}) {
            const auto p = path(vit ? "vit.safetensors" : "rn.safetensors");
            const auto cfg = vit ? tiny_vit_config() : tiny_rn_config();
            write_synthetic_model(p, cfg, 13, SyntheticFormat::SafetensorsOpenClip);
            auto m = ClipModel::load(p);
            auto ref = ClipModel::from_state_dict(synthetic_weights(cfg, 13), "ref");
            expect_same(*m, *ref);
        }
    }

    void safetensorsHuggingFace() {
        const auto p = path("hf.safetensors");
        write_synthetic_model(p, tiny_vit_config(), 14, SyntheticFormat::SafetensorsHF);
        auto m = ClipModel::load(p);
        auto ref = ClipModel::from_state_dict(synthetic_weights(tiny_vit_config(), 14), "ref");
        expect_same(*m, *ref);
        // The name map is a bijection on CLIP's tensors.
        auto w = synthetic_weights(tiny_vit_config(), 14);
        auto hf = openai_to_hf(w);
        bool has_q = false;
        for (const auto& [n, t] : hf) has_q |= n == "vision_model.encoder.layers.0.self_attn.q_proj.weight";
        QVERIFY(has_q);
        auto back = hf_to_openai(hf, "mem");
        QCOMPARE(back.size(), w.size());
        std::map<std::string, at::Tensor> bm(back.begin(), back.end());
        for (const auto& [n, t] : w) {
            QVERIFY2(bm.count(n), n.c_str());
            QVERIFY2(torch::equal(bm[n], t), n.c_str());
        }
        QVERIFY_EXCEPTION_THROWN(write_synthetic_model(path("x.safetensors"), tiny_rn_config(), 1, SyntheticFormat::SafetensorsHF), Error);
    }

    void strictNames() {
        auto w = synthetic_weights(tiny_vit_config(), 15);
        auto drop = [&](const std::string& name) {
            NamedTensors out;
            for (const auto& [n, t] : w)
                if (n != name) out.emplace_back(n, t);
            return out;
        };
        // Missing
        write_clip_safetensors(path("missing.safetensors"), drop("visual.ln_post.bias"), false);
        auto e = load_error(path("missing.safetensors"));
        QVERIFY2(e.contains("missing: visual.ln_post.bias"), qPrintable(e));
        // Wrong shape
        auto bad = drop("visual.ln_post.bias");
        bad.emplace_back("visual.ln_post.bias", torch::zeros({7}));
        write_clip_safetensors(path("shape.safetensors"), bad, false);
        e = load_error(path("shape.safetensors"));
        QVERIFY2(e.contains("wrong shape: visual.ln_post.bias (file [7], expected [128])"), qPrintable(e));
        // Unexpected
        auto extra = w;
        extra.emplace_back("visual.extra_head.weight", torch::zeros({2, 2}));
        write_clip_safetensors(path("extra.safetensors"), extra, false);
        e = load_error(path("extra.safetensors"));
        QVERIFY2(e.contains("unexpected: visual.extra_head.weight"), qPrintable(e));
        // Not CLIP at all
        write_clip_safetensors(path("other.safetensors"), {{"foo", torch::zeros({2})}}, false);
        e = load_error(path("other.safetensors"));
        QVERIFY2(e.contains("not a CLIP checkpoint"), qPrintable(e));
        // HF with a missing k_proj
        auto hf = openai_to_hf(w);
        NamedTensors hf2;
        for (const auto& [n, t] : hf)
            if (n != "text_model.encoder.layers.1.self_attn.k_proj.bias") hf2.emplace_back(n, t);
        std::vector<at::Tensor> keep;
        std::vector<io::StTensorOut> outs;
        for (const auto& [n, t] : hf2) {
            keep.push_back(t.contiguous());
            outs.push_back({n, io::StDtype::F32, t.sizes().vec(),
                            std::string_view(static_cast<const char*>(keep.back().data_ptr()), t.numel() * 4)});
        }
        io::write_safetensors(path("hfmiss.safetensors"), outs);
        e = load_error(path("hfmiss.safetensors"));
        QVERIFY2(e.contains("k_proj of 'transformer.resblocks.1.attn.in_proj_bias' is missing"), qPrintable(e));
    }

    void corruptFiles() {
        // Truncated safetensors
        write_synthetic_model(path("t.safetensors"), tiny_vit_config(), 16, SyntheticFormat::SafetensorsOpenClip);
        auto bytes = io::read_file(path("t.safetensors"));
        io::write_file_atomic(path("trunc.safetensors"), bytes.substr(0, bytes.size() - 1000));
        auto e = load_error(path("trunc.safetensors"));
        QVERIFY2(e.contains("trunc.safetensors") && e.contains("data buffer"), qPrintable(e));
        // Truncated TorchScript archive
        write_synthetic_model(path("t.pt"), tiny_vit_config(), 16, SyntheticFormat::TorchScript);
        bytes = io::read_file(path("t.pt"));
        io::write_file_atomic(path("trunc.pt"), bytes.substr(0, bytes.size() / 2));
        e = load_error(path("trunc.pt"));
        QVERIFY2(e.contains("trunc.pt") && e.contains("truncated") && !e.contains("converted"), qPrintable(e));
        // Garbage, empty, missing
        io::write_file_atomic(path("garbage.bin"), "hello, this is not a model at all");
        e = load_error(path("garbage.bin"));
        QVERIFY2(e.contains("not a CLIP model file"), qPrintable(e));
        io::write_file_atomic(path("empty.pt"), "");
        e = load_error(path("empty.pt"));
        QVERIFY2(e.contains("not a CLIP model file"), qPrintable(e));
        e = load_error(path("nope.pt"));
        QVERIFY2(e.contains("does not exist"), qPrintable(e));
        // A safetensors file with a NaN weight
        auto w = synthetic_weights(tiny_vit_config(), 17);
        for (auto& [n, t] : w)
            if (n == "ln_final.weight") t[0] = std::nanf("");
        write_clip_safetensors(path("nan.safetensors"), w, false);
        e = load_error(path("nan.safetensors"));
        QVERIFY2(e.contains("'ln_final.weight' holds NaN"), qPrintable(e));
    }

    void torchScriptDamaged() {
        const auto whole = path("whole.pt");
        write_synthetic_model(whole, tiny_vit_config(), 18, SyntheticFormat::TorchScript);
        std::string largest;
        size_t largest_size = 0;
        {
            caffe2::serialize::PyTorchStreamReader in(whole);
            for (const auto& n : in.getAllRecords()) {
                if (n.rfind("data/", 0) != 0) continue;
                const size_t size = std::get<1>(in.getRecord(n));
                if (size > largest_size) largest = n, largest_size = size;
            }
        }
        QVERIFY(largest_size > 1000);
        // The copy itself loads: what follows fails for the edit alone.
        rewrite_archive(whole, path("copy.pt"), [](const std::string&, std::string&) {});
        QVERIFY(ClipModel::load(path("copy.pt")) != nullptr);
        // A storage entry with fewer bytes than its tensor needs (the pickle still claims them all),
        // half or all of them missing: refused before a weight is read.
        for (size_t keep : {largest_size / 2, size_t(0)}) {
            rewrite_archive(whole, path("short.pt"), [&](const std::string& n, std::string& b) {
                if (n == largest) b.resize(keep);
            });
            auto e = load_error(path("short.pt"));
            QVERIFY2(e.contains("short.pt") && e.contains("holds only " + QString::number(keep) + " bytes") &&
                         e.contains(QString::number(largest_size)),
                     qPrintable(e));
        }
        // A damaged pickle: a clear reason, no LibTorch internals.
        rewrite_archive(whole, path("pickle.pt"), [](const std::string& n, std::string& b) {
            if (n == "data.pkl") b.resize(b.size() / 2);
        });
        auto e = load_error(path("pickle.pt"));
        QVERIFY2(e.contains("pickle.pt") && !e.contains("Exception raised from") && !e.contains("report a bug") &&
                     !e.contains("frame #") && !e.contains("converted"),
                 qPrintable(e));
        // NaN and infinite weights are refused as in safetensors.
        for (float bad : {std::nanf(""), INFINITY}) {
            auto w = synthetic_weights(tiny_vit_config(), 19);
            for (auto& [n, t] : w)
                if (n == "visual.ln_post.bias") t[3] = bad;
            write_torchscript(path("bad.pt"), w);
            e = load_error(path("bad.pt"));
            QVERIFY2(e.contains("'visual.ln_post.bias' holds NaN or infinite values"), qPrintable(e));
        }
    }

    void libraryMessages() {
        // LibTorch's internal asserts and stack traces never reach a user's message.
        try {
            TORCH_INTERNAL_ASSERT(false, "storage 3 is smaller than its tensor");
            QFAIL("no exception");
        } catch (const std::exception& e) {
            QVERIFY(std::string(e.what()).find("report a bug") != std::string::npos);
            QCOMPARE(library_message(e), std::string("storage 3 is smaller than its tensor"));
        }
        try {
            TORCH_CHECK(false, "bad size");
            QFAIL("no exception");
        } catch (const std::exception& e) {
            QCOMPARE(library_message(e), std::string("bad size"));
        }
    }

    void sha256Known() {
        QCOMPARE(sha256_hex("abc"), std::string("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
        QCOMPARE(sha256_hex(""), std::string("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
    }

    void resolvePath() {
        qputenv("HOI_CLIP", "/env/model.pt");
        QCOMPARE(resolve_clip_path("/cli/model.pt", "/gui.pt"), std::string("/cli/model.pt"));
        QCOMPARE(resolve_clip_path("", "/gui.pt"), std::string("/env/model.pt"));
        qunsetenv("HOI_CLIP");
        QCOMPARE(resolve_clip_path("", "/gui.pt"), std::string("/gui.pt"));
        qputenv("HOI_MODELS", dir_.path().toUtf8());
        QCOMPARE(resolve_clip_path(""), std::string());
        write_synthetic_model(path("ViT-B-32.pt"), tiny_vit_config(), 1);
        QCOMPARE(resolve_clip_path(""), path("ViT-B-32.pt"));
        qunsetenv("HOI_MODELS");
    }
};

QTEST_GUILESS_MAIN(TestClipWeights)
#include "tst_clip_weights.moc"
