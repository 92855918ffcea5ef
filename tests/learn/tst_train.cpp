// `hoi train` on a small random-weight CLIP model and the sample images, driven as a process:
// the loss falls, the trained head raises `hoi eval` mAP on its training set far above the
// untrained head, the same seed gives the same bytes, --resume equals an uninterrupted run,
// --split never trains an unseen class, and bad input is a clear error.
#include "test_util.h"

#include "annotation/coco_classes.h"
#include "clip/synthetic.h"
#include "core.h"
#include "eval/hico_eval.h"
#include "hoi/engine.h"
#include "io/atomic_file.h"
#include "io/safetensors.h"
#include "learn/labelled_set.h"

#include <QProcess>

#include <csignal>
#include <filesystem>
#include <map>
#include <set>

namespace fs = std::filesystem;
using namespace hoi::model;

class TestTrain : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;
    std::string clip_, other_clip_, images_, gt_, cache_;
    std::set<int> gt_hois_;
    QStringList classes_; // --prompt of every labelled class

    std::string path(const std::string& name) const { return tmp_.path().toStdString() + "/" + name; }
    QString q(const std::string& s) const { return QString::fromStdString(s); }
    void require() {
        HOI_REQUIRE_FILE(hoi::test::models_dir() + "/nanodet.json");
        HOI_REQUIRE_FILE(hoi::test::samples_dir() + "/kite.jpg");
        HOI_REQUIRE_FILE(hoi::test::bin_path("hoi"));
        if (gt_.empty()) QSKIP("no ground truth (initTestCase)");
    }
    hoi::test::ProcessResult train(const std::string& out, QStringList extra, const std::string& gt = "") {
        QStringList a{"train", "--gt", q(gt.empty() ? gt_ : gt), "--images", q(images_), "--clip", q(clip_),
                      "--out", q(out), "--cache-dir", q(cache_)};
        return hoi::test::run_hoi(a + extra, 600000);
    }
    double map_of(const std::string& pred) {
        auto r = hoi::test::run_hoi({"eval", "--gt", q(gt_), "--pred", q(pred)});
        if (r.exit_code != 0) qWarning("%s", r.err.c_str());
        return nlohmann::json::parse(r.out)["map_full"].get<double>();
    }
    hoi::test::ProcessResult run(const std::string& out, const std::string& head) {
        // --lambda 0: without the detector-score prior, the ranking is the classifier's alone
        // (the boxes are the ground truth's here).
        QStringList a{"run", "--clip", q(clip_), "--lambda", "0", q(images_), "--out", q(out)};
        a += classes_;
        if (!head.empty()) a << "--head" << q(head);
        return hoi::test::run_hoi(a, 600000);
    }

private Q_SLOTS:
    void initTestCase() {
        hoi::init_runtime();
        QVERIFY(tmp_.isValid());
        clip_ = path("tiny.pt");
        other_clip_ = path("other.pt");
        hoi::clip::write_synthetic_model(clip_, hoi::clip::tiny_vit_config(), 21);
        hoi::clip::write_synthetic_model(other_clip_, hoi::clip::tiny_vit_config(), 22);
        images_ = path("images");
        cache_ = path("features");
        fs::create_directories(images_);
        if (!hoi::test::file_exists(hoi::test::models_dir() + "/nanodet.json")) return;
        for (const char* f : {"kite.jpg", "person.jpg", "messi5.jpg"}) {
            std::error_code ec;
            if (!hoi::test::file_exists(hoi::test::samples_dir() + "/" + f)) return;
            fs::copy_file(hoi::test::samples_dir() + "/" + f, images_ + "/" + f, ec);
        }
        // Ground truth on the detector's own boxes: each (person, object) pair gets one HICO class
        // of its object, taken in turn from the object's first three classes, so pairs of one
        // image with the same object need different answers (only the head can tell them apart).
        EngineOptions o;
        o.clip_path = clip_;
        o.models_dir = hoi::test::models_dir();
        o.text_cache_dir = "off";
        Engine engine(o);
        const auto& parser = PromptParser::instance();
        const auto hico = parser.hico_prompts();
        nlohmann::json gt = nlohmann::json::array();
        std::set<std::string> used;
        int turn = 0;
        // Only objects with at least four pairs in the set are labelled (a class with one
        // candidate pair has AP 1 whatever the model does).
        std::map<std::string, ImageAnalysis> analyses;
        std::map<int, int> pairs_of;
        for (const char* f : {"kite.jpg", "messi5.jpg", "person.jpg"}) {
            analyses[f] = engine.analyse(images_ + "/" + f, std::vector<Prompt>{});
            for (const auto& p : analyses[f].pairs) ++pairs_of[analyses[f].detections[size_t(p.object)].class_id];
        }
        for (const char* f : {"kite.jpg", "messi5.jpg", "person.jpg"}) {
            const auto& a = analyses[f];
            nlohmann::json boxes = nlohmann::json::array(), hois = nlohmann::json::array();
            for (const auto& d : a.detections)
                boxes.push_back({{"bbox", {d.x1, d.y1, d.x2, d.y2}},
                                 {"category_id", hoi::annotation::coco80_to_coco91(d.class_id)}});
            for (const auto& p : a.pairs) {
                const int cls = a.detections[size_t(p.object)].class_id;
                if (cls == 0 || pairs_of[cls] < 4) continue;
                std::vector<const Prompt*> options;
                for (const auto& h : hico)
                    if (h.object_class == cls && !h.no_interaction && options.size() < 3) options.push_back(&h);
                if (options.empty()) continue;
                const Prompt& c = *options[size_t(turn++) % options.size()];
                hois.push_back({{"subject_id", p.human}, {"object_id", p.object}, {"category_id", c.verb_id + 1},
                                {"hoi_category_id", c.hoi_id + 1}});
                gt_hois_.insert(c.hoi_id);
                if (used.insert(c.text).second) classes_ << "--prompt" << q(c.text);
            }
            gt.push_back({{"file_name", f}, {"width", a.width}, {"height", a.height}, {"annotations", boxes},
                          {"hoi_annotation", hois}});
        }
        QVERIFY(gt_hois_.size() >= 2);
        gt_ = path("train.json");
        hoi::io::write_file_atomic(gt_, gt.dump());
    }

    void trainingRaisesMap() {
        require();
        const std::string head = path("head.safetensors");
        // The defaults: kDefaultEpochs, or at least kMinSteps steps (one step an epoch here), unless
        // the set is learnt sooner (an epoch's loss below kConvergedLoss).
        auto r = train(head, {"--seed", "5"});
        QVERIFY2(r.exit_code == 0, r.err.c_str());
        const auto rep = nlohmann::json::parse(r.out);
        const auto losses = rep["epoch_loss"].get<std::vector<double>>();
        const int epochs = rep["epochs"].get<int>();
        if (rep["stopped_early"].get<bool>()) {
            QCOMPARE(rep["stop_reason"].get<std::string>(), std::string("converged"));
            QVERIFY(rep["epoch_loss"].back().get<double>() < 1e-3);
            QVERIFY(epochs < 1000);
        } else {
            QVERIFY(epochs >= 1000); // the 1,000-step budget, one step an epoch
        }
        QCOMPARE(int(losses.size()), epochs);
        QVERIFY(r.err.find("epoch " + std::to_string(epochs) + "/") != std::string::npos);
        QVERIFY(r.err.find("ETA") != std::string::npos); // progress on stderr
        QVERIFY2(losses.back() < 0.5 * losses.front(), "the loss falls");
        int labelled = 0; // images with a relation
        for (const auto& e : nlohmann::json::parse(hoi::io::read_file(gt_))) labelled += !e["hoi_annotation"].empty();
        QCOMPARE(rep["images"].get<int>(), labelled);
        QCOMPARE(rep["cache_misses"].get<int>() + rep["cache_hits"].get<int>(), labelled);
        // Head metadata: scoring, CLIP checksum, classes, split, epochs, data checksum.
        auto f = hoi::io::SafetensorsFile::open(head);
        const auto& m = f->metadata();
        QCOMPARE(m.at("scoring"), std::string("sigmoid"));
        QCOMPARE(m.at("clip_sha256").size(), size_t(64));
        QCOMPARE(m.at("epochs"), std::to_string(epochs));
        QCOMPARE(m.at("split"), std::string("default"));
        QCOMPARE(m.at("data_sha256").size(), size_t(64));
        QCOMPARE(int(nlohmann::json::parse(m.at("classes")).size()), int(classes_.size() / 2));

        // A second run reads the feature cache.
        r = train(path("head2.safetensors"), {"--epochs", "1"});
        QVERIFY2(r.exit_code == 0, r.err.c_str());
        QCOMPARE(nlohmann::json::parse(r.out)["cache_hits"].get<int>(), labelled);

        // mAP on the training set: untrained head against the trained one.
        r = run(path("pred0.json"), "");
        QVERIFY2(r.exit_code == 0, r.err.c_str());
        r = run(path("pred1.json"), head);
        QVERIFY2(r.exit_code == 0, r.err.c_str());
        const double before = map_of(path("pred0.json")), after = map_of(path("pred1.json"));
        qInfo("mAP untrained %.4f, trained %.4f; loss %.4f -> %.4f", before, after, losses.front(), losses.back());
        QVERIFY2(after >= 0.8, "the trained head gets its training set right");
        QVERIFY2(after >= before + 0.2, "far above the untrained head");
        auto meta = nlohmann::json::parse(hoi::io::read_file(path("pred1.json.meta.json")));
        QCOMPARE(meta["models"]["head"]["scoring"].get<std::string>(), std::string("sigmoid"));
        QCOMPARE(meta["models"]["head"]["epochs"].get<std::string>(), std::to_string(epochs));

        // Loading it for another CLIP model: a clear error.
        r = hoi::test::run_hoi({"run", "--clip", q(other_clip_), "--prompt", "fly kite", q(images_ + "/kite.jpg"),
                                "--out", q(path("other.json")), "--head", q(head)});
        QCOMPARE(r.exit_code, 3);
        QVERIFY2(r.err.find("trained for another CLIP model") != std::string::npos, r.err.c_str());
    }

    // The prompt context trains (CLIP4HOI's [PREFIX] verb [CONJUN] object): with the interactor and
    // decoder off, training the context as well takes the loss lower than the sigmoid alone; the
    // head file holds a non-zero context and says so; the engine encodes the prompts with it.
    void promptContextTrains() {
        require();
        const QStringList base{"--epochs", "40", "--seed", "3", "--no-interactor", "--no-decoder"};
        auto r = train(path("ctx.safetensors"), base);
        QVERIFY2(r.exit_code == 0, r.err.c_str());
        const auto with = nlohmann::json::parse(r.out)["epoch_loss"].get<std::vector<double>>();
        r = train(path("noctx.safetensors"), base + QStringList{"--no-context"});
        QVERIFY2(r.exit_code == 0, r.err.c_str());
        const auto without = nlohmann::json::parse(r.out)["epoch_loss"].get<std::vector<double>>();
        qInfo("last epoch loss: scoring only %.4f, with the prompt context %.4f", without.back(), with.back());
        QVERIFY2(with.back() < 0.9 * without.back(), "the context lowers the loss");
        auto nonzero = [&](const std::string& file, const std::string& name) {
            auto f = hoi::io::SafetensorsFile::open(file);
            const auto* info = f->find(name);
            const float* v = reinterpret_cast<const float*>(f->data(*info));
            for (size_t i = 0; i < size_t(info->numel()); ++i)
                if (v[i] != 0) return true;
            return false;
        };
        QVERIFY(nonzero(path("ctx.safetensors"), "prompt.prefix"));
        QVERIFY(nonzero(path("ctx.safetensors"), "prompt.conjun"));
        QVERIFY(!nonzero(path("noctx.safetensors"), "prompt.prefix"));
        QVERIFY(!nonzero(path("ctx.safetensors"), "interactor.fc2.weight"));
        QCOMPARE(hoi::io::SafetensorsFile::open(path("ctx.safetensors"))->metadata().at("trained_parts"),
                 std::string("context,scoring"));
        // The engine encodes the prompts with the learned context.
        EngineOptions o;
        o.clip_path = clip_;
        o.models_dir = hoi::test::models_dir();
        o.text_cache_dir = "off";
        const Prompt p = PromptParser::instance().parse(classes_[1].toStdString());
        Engine plain(o);
        o.weights_path = path("ctx.safetensors");
        Engine trained(o);
        const auto a = plain.text_embeddings({p})[0], b = trained.text_embeddings({p})[0];
        double dot = 0;
        for (size_t i = 0; i < a.size(); ++i) dot += double(a[i]) * b[i];
        QVERIFY2(dot < 0.9999, "the trained context changes the prompt's embedding");
    }

    // The first optimiser steps do not throw the head off (bug: Adam's first steps moved every weight
    // of the zero-initialised residuals by the full rate, and the loss jumped from 0.49 to 13 after
    // one step); with the warm-up the loss does not rise over the first steps.
    void firstStepsKeepTheLoss() {
        require();
        auto r = train(path("warm.safetensors"), {"--epochs", "4", "--seed", "2"});
        QVERIFY2(r.exit_code == 0, r.err.c_str());
        const auto losses = nlohmann::json::parse(r.out)["epoch_loss"].get<std::vector<double>>();
        QCOMPARE(int(losses.size()), 4);
        for (double l : losses) QVERIFY2(l <= losses.front() * 1.05, qPrintable(QString::number(l)));
    }

    // add_matched_detections: a detection joins the labelled box of its class it overlaps most
    // (IoU >= 0.5); another class, too little overlap: left out; the relations stay on the labels.
    void matchedDetections() {
        auto box = [](float x1, float y1, float x2, float y2, int cls) {
            hoi::detect::Detection d;
            d.x1 = x1, d.y1 = y1, d.x2 = x2, d.y2 = y2, d.class_id = cls, d.score = 1;
            return d;
        };
        hoi::learn::LabelledImage img;
        img.boxes = {box(0, 0, 100, 200, 0), box(120, 50, 220, 150, 32), box(150, 50, 250, 150, 32)};
        hoi::learn::LabelledRelation rel;
        rel.subject = 0;
        rel.object = 2;
        img.relations = {rel};
        const std::vector<hoi::detect::Detection> dets = {
            box(5, 5, 105, 205, 0),      // the person, shifted: IoU ~0.86
            box(148, 50, 248, 150, 32),  // the second ball (IoU 0.96; 0.56 with the first)
            box(0, 0, 100, 200, 17),     // the person's box as a horse: another class
            box(300, 300, 320, 320, 32), // nothing labelled there
            box(60, 0, 160, 200, 0)};    // the person, IoU 0.25: too little
        const auto m = hoi::learn::add_matched_detections(img, dets);
        QCOMPARE(m.matched, size_t(2));
        QCOMPARE(int(m.image.boxes.size()), 5);
        QCOMPARE(m.source, (std::vector<int>{0, 1, 2, 0, 2}));
        QCOMPARE(m.image.boxes[3].x1, 5.f);
        QCOMPARE(m.image.boxes[4].x1, 148.f);
        QCOMPARE(int(m.image.relations.size()), 1);
        QCOMPARE(m.image.relations[0].object, 2);
        // Without detections: the image as labelled.
        const auto none = hoi::learn::add_matched_detections(img, {});
        QCOMPARE(none.source, (std::vector<int>{0, 1, 2}));
        QCOMPARE(none.matched, size_t(0));
    }

    // --with-detections: the detector's boxes (here the very boxes of the labels) join the
    // labelled ones, and the pairs they make carry the labels.
    void withDetections() {
        require();
        auto r = train(path("det.safetensors"), {"--epochs", "3", "--with-detections"});
        QVERIFY2(r.exit_code == 0, r.err.c_str());
        const auto with = nlohmann::json::parse(r.out);
        r = train(path("nodet.safetensors"), {"--epochs", "3"});
        QVERIFY2(r.exit_code == 0, r.err.c_str());
        const auto without = nlohmann::json::parse(r.out);
        QVERIFY(with["matched_detections"].get<int>() > 0);
        QCOMPARE(without["matched_detections"].get<int>(), 0);
        QVERIFY(with["pairs"].get<int>() > without["pairs"].get<int>());
        // Every labelled pair has its duplicates: the positives grow as well.
        QVERIFY(with["positives"].get<int>() > without["positives"].get<int>());
        QVERIFY(with["data_sha256"] != without["data_sha256"]);
        // A second run reads the detections and features from the cache.
        r = train(path("det2.safetensors"), {"--epochs", "1", "--with-detections"});
        QVERIFY2(r.exit_code == 0, r.err.c_str());
        const auto again = nlohmann::json::parse(r.out);
        QCOMPARE(again["cache_misses"].get<int>(), 0);
        QCOMPARE(again["matched_detections"], with["matched_detections"]);
    }

    void sameSeedSameBytesAndResume() {
        require();
        const QStringList args{"--epochs", "4", "--seed", "9", "--batch", "2"};
        auto r = train(path("a.safetensors"), args);
        QVERIFY2(r.exit_code == 0, r.err.c_str());
        r = train(path("b.safetensors"), args);
        QVERIFY2(r.exit_code == 0, r.err.c_str());
        QCOMPARE(hoi::io::read_file(path("a.safetensors")), hoi::io::read_file(path("b.safetensors")));
        // Stopped after 2 epochs, resumed to 4: the same head as 4 in one go.
        r = train(path("c.safetensors"), {"--epochs", "2", "--seed", "9", "--batch", "2"});
        QVERIFY2(r.exit_code == 0, r.err.c_str());
        QVERIFY(hoi::io::read_file(path("c.safetensors")) != hoi::io::read_file(path("a.safetensors")));
        r = train(path("c.safetensors"), args + QStringList{"--resume"});
        QVERIFY2(r.exit_code == 0, r.err.c_str());
        QCOMPARE(nlohmann::json::parse(r.out)["epochs_run"].get<int>(), 2);
        QCOMPARE(hoi::io::read_file(path("c.safetensors")), hoi::io::read_file(path("a.safetensors")));
        // Another seed is another run: its checkpoint is refused.
        r = train(path("c.safetensors"), {"--epochs", "4", "--seed", "10", "--batch", "2", "--resume"});
        QCOMPARE(r.exit_code, 2);
        QVERIFY(r.err.find("another run") != std::string::npos);
    }

    // Ctrl-C mid-run (SIGINT to the real process): exit 130, the checkpoint holds the last completed
    // epoch (checkpoints are otherwise written 30 s apart), and the same command with --resume
    // gives the same head as an uninterrupted run.
    void interruptThenResume() {
        require();
        const QStringList args{"--epochs", "300", "--seed", "4", "--batch", "2"};
        auto r = train(path("whole.safetensors"), args);
        QVERIFY2(r.exit_code == 0, r.err.c_str());
        const std::string out = path("cut.safetensors");
        QProcess p;
        p.start(q(hoi::test::bin_path("hoi")),
                QStringList{"train", "--gt", q(gt_), "--images", q(images_), "--clip", q(clip_), "--out", q(out),
                            "--cache-dir", q(cache_)} + args);
        QVERIFY(p.waitForStarted());
        QByteArray err;
        while (!err.contains("epoch 20/") && p.state() == QProcess::Running) {
            p.waitForReadyRead(100);
            err += p.readAllStandardError();
        }
        QVERIFY2(err.contains("epoch 20/"), err.constData());
        ::kill(static_cast<pid_t>(p.processId()), SIGINT);
        QVERIFY(p.waitForFinished(60000));
        err += p.readAllStandardError();
        QCOMPARE(p.exitCode(), 130);
        QVERIFY2(err.contains("--resume"), err.constData());
        QVERIFY(!fs::exists(out));
        const int held = std::stoi(hoi::io::SafetensorsFile::open(out + ".ckpt")->metadata().at("epoch"));
        QVERIFY2(held >= 19 && held < 300, qPrintable(QString::number(held)));
        r = train(out, args + QStringList{"--resume"});
        QVERIFY2(r.exit_code == 0, r.err.c_str());
        QCOMPARE(nlohmann::json::parse(r.out)["epochs_run"].get<int>(), 300 - held);
        QCOMPARE(hoi::io::read_file(out), hoi::io::read_file(path("whole.safetensors")));
    }

    void splitNeverTrainsUnseen() {
        require();
        // The split whose unseen set holds a class of the ground truth.
        std::string name;
        std::array<bool, hoi::eval::kHicoHois> unseen{};
        for (const char* s : {"rf-uc", "nf-uc", "uo", "uv"}) {
            const auto sp = hoi::eval::load_split(s);
            for (int h : gt_hois_)
                if (sp.in_subset[size_t(h)] && name.empty()) {
                    name = s;
                    unseen = sp.in_subset;
                }
        }
        if (name.empty()) QSKIP("no split has an unseen class among the labels");
        auto r = train(path("split.safetensors"), {"--epochs", "2", "--split", q(name)});
        QVERIFY2(r.exit_code == 0 || r.exit_code == 3, r.err.c_str());
        const auto& parser = PromptParser::instance();
        if (r.exit_code == 0) {
            const auto rep = nlohmann::json::parse(r.out);
            QVERIFY(rep["skipped"].contains("unseen class of split " + name));
            for (const auto& c : rep["classes"]) {
                const Prompt p = parser.parse(c.get<std::string>());
                QVERIFY2(p.hoi_id < 0 || !unseen[size_t(p.hoi_id)], "an unseen class was trained");
            }
            auto f = hoi::io::SafetensorsFile::open(path("split.safetensors"));
            QCOMPARE(f->metadata().at("split"), name);
        }
        // Only unseen classes asked for: nothing to train, exit 3.
        QStringList only_unseen;
        for (int h : gt_hois_)
            if (unseen[size_t(h)]) only_unseen << "--prompt" << q(parser.hico_prompts()[size_t(h)].text);
        r = train(path("none.safetensors"), QStringList{"--epochs", "1", "--split", q(name)} + only_unseen);
        QCOMPARE(r.exit_code, 3);
        QVERIFY2(r.err.find("no class to train") != std::string::npos, r.err.c_str());
    }

    void badInput() {
        require();
        // A listed image that is missing: named, skipped, counted; training goes on.
        auto gt = nlohmann::json::parse(hoi::io::read_file(gt_));
        auto extra = gt[0];
        extra["file_name"] = "missing.jpg";
        gt.push_back(extra);
        hoi::io::write_file_atomic(path("with_missing.json"), gt.dump());
        auto r = train(path("m.safetensors"), {"--epochs", "1"}, path("with_missing.json"));
        QVERIFY2(r.exit_code == 0, r.err.c_str());
        QVERIFY(r.err.find("missing.jpg") != std::string::npos);
        const auto rep = nlohmann::json::parse(r.out);
        QCOMPARE(int(rep["failed_images"].size()), 1);
        QVERIFY(rep["skipped"]["image missing"].get<int>() > 0);
        // No positives at all: exit 3.
        for (auto& e : gt) e["hoi_annotation"] = nlohmann::json::array();
        hoi::io::write_file_atomic(path("no_pos.json"), gt.dump());
        r = train(path("n.safetensors"), {"--epochs", "1"}, path("no_pos.json"));
        QCOMPARE(r.exit_code, 3);
        QVERIFY2(r.err.find("no class to train") != std::string::npos || r.err.find("no positive") != std::string::npos,
                 r.err.c_str());
        QVERIFY(!fs::exists(path("n.safetensors")));
        // Classes unknown to the head (only a class nobody labelled): exit 3, no positive.
        r = train(path("u.safetensors"), {"--epochs", "1", "--prompt", "ride elephant"});
        QCOMPARE(r.exit_code, 3);
        QVERIFY2(r.err.find("no positive") != std::string::npos, r.err.c_str());
        // Every image missing: exit 3.
        r = hoi::test::run_hoi({"train", "--gt", q(gt_), "--images", q(path("nowhere")), "--clip", q(clip_), "--out",
                                q(path("x.safetensors")), "--cache-dir", q(cache_)});
        QCOMPARE(r.exit_code, 3);
    }
};

QTEST_GUILESS_MAIN(TestTrain)
#include "tst_train.moc"
