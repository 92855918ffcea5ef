// `hoi run` / `hoi merge`: the prediction file, shards and merge (byte equality with one run),
// resume after an interruption (SIGINT), errors, and the evaluation hook on eval-mini.
#include "test_util.h"

#include "clip/clip_model.h"
#include "clip/synthetic.h"
#include "core.h"
#include "simd.h"
#include "annotation/coco_classes.h"
#include "hoi/prompt.h"
#include "io/atomic_file.h"
#include "io/error.h"
#include "io/file_lock.h"

#include <QStandardPaths>

#include <csignal>
#include <unistd.h>
#include <filesystem>
#include <thread>

namespace fs = std::filesystem;

class TestHoiRun : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;
    std::string clip_, images_;

    QStringList common() const {
        return {"--clip", QString::fromStdString(clip_), "--prompt", "ride horse", "--prompt", "kick ball",
                "--prompt", "play guitar", "--prompt", "hold cup", "--hico"};
    }
    std::string out(const std::string& name) const { return tmp_.path().toStdString() + "/" + name; }
    void require() {
        HOI_REQUIRE_FILE(hoi::test::models_dir() + "/nanodet.json");
        HOI_REQUIRE_FILE(hoi::test::samples_dir() + "/person.jpg");
        HOI_REQUIRE_FILE(hoi::test::bin_path("hoi"));
    }

private Q_SLOTS:
    void initTestCase() {
        hoi::init_runtime();
        QVERIFY(tmp_.isValid());
        clip_ = out("tiny.pt");
        hoi::clip::write_synthetic_model(clip_, hoi::clip::tiny_vit_config(), 3);
        // Four sample images in a folder of our own (copies), plus a broken one.
        images_ = out("images");
        fs::create_directories(images_ + "/sub");
        for (const char* f : {"person.jpg", "messi5.jpg", "dog.jpg"}) {
            std::error_code ec;
            fs::copy_file(hoi::test::samples_dir() + "/" + f, images_ + "/" + f, ec);
        }
        std::error_code ec;
        fs::copy_file(hoi::test::samples_dir() + "/kite.jpg", images_ + "/sub/kite.jpg", ec);
    }

    void runWritesHicoPredictions() {
        require();
        auto r = hoi::test::run_hoi(QStringList{"run"} + common() + QStringList{
                QString::fromStdString(images_), "--out", QString::fromStdString(out("all.json"))}, 600000);
        QVERIFY2(r.exit_code == 0, r.err.c_str());
        auto summary = nlohmann::json::parse(r.out);
        QCOMPARE(summary["images"].get<int>(), 4);
        QCOMPARE(summary["processed"].get<int>(), 4);
        QVERIFY(summary["scored"].get<bool>());
        QVERIFY(r.err.find("ETA") != std::string::npos);
        auto j = nlohmann::json::parse(hoi::io::read_file(out("all.json")));
        QVERIFY(j.is_array());
        QCOMPARE(int(j.size()), 4);
        std::vector<std::string> paths;
        int hicos = 0, frees = 0;
        for (const auto& e : j) {
            paths.push_back(e["image_path"]);
            QVERIFY(e.contains("file_name") && e.contains("annotations") && e.contains("hoi_annotation"));
            const int nboxes = int(e["annotations"].size());
            for (const auto& b : e["annotations"]) {
                QCOMPARE(int(b["bbox"].size()), 4);
                const int cat = b["category_id"];
                QVERIFY(cat >= 1 && cat <= 90);
            }
            for (const auto& h : e["hoi_annotation"]) {
                ++hicos;
                QVERIFY(h["subject_id"].get<int>() < nboxes && h["object_id"].get<int>() < nboxes);
                QCOMPARE(e["annotations"][h["subject_id"].get<int>()]["category_id"].get<int>(), 1); // person
                const int verb = h["category_id"], hoi = h["hoi_category_id"];
                QVERIFY(verb >= 1 && verb <= 117);
                QVERIFY(hoi >= 1 && hoi <= 600);
                const double s = h["score"];
                QVERIFY(s >= 0 && s <= 1);
            }
            for (const auto& f : e["free_hoi_annotation"]) {
                ++frees;
                QVERIFY(f.contains("verb") && f.contains("prompt"));
            }
        }
        QVERIFY(std::is_sorted(paths.begin(), paths.end()));
        QVERIFY(hicos > 0);
        QVERIFY(frees > 0); // "play guitar": a free verb, kept
        auto meta = nlohmann::json::parse(hoi::io::read_file(out("all.json.meta.json")));
        QCOMPARE(int(meta["prompts"].size()), 601); // 600 + play guitar (ride horse, kick ball, hold cup are HICO classes)
        QVERIFY(!meta["models"]["clip_sha256"].get<std::string>().empty());
        QVERIFY(meta["shard"].is_null());
    }

    void shardsMergeToTheSameBytes() {
        require();
        const std::string all = out("all.json");
        if (!fs::exists(all)) QSKIP("needs runWritesHicoPredictions");
        for (int k = 1; k <= 3; ++k) {
            auto r = hoi::test::run_hoi(QStringList{"run"} + common() + QStringList{
                    QString::fromStdString(images_), "--shard", QString("%1/3").arg(k), "--out",
                    QString::fromStdString(out("shard" + std::to_string(k) + ".json"))}, 600000);
            QVERIFY2(r.exit_code == 0, r.err.c_str());
        }
        auto m = hoi::test::run_hoi({"merge", QString::fromStdString(out("shard3.json")),
                                     QString::fromStdString(out("shard1.json")), QString::fromStdString(out("shard2.json")),
                                     "--out", QString::fromStdString(out("merged.json"))});
        QVERIFY2(m.exit_code == 0, m.err.c_str());
        QCOMPARE(hoi::io::read_file(out("merged.json")), hoi::io::read_file(all));
        QCOMPARE(hoi::io::read_file(out("merged.json.meta.json")), hoi::io::read_file(all + ".meta.json"));
        // A shard missing: refused (exit 3), or merged with --allow-partial, which says what is missing.
        const QStringList two{"merge", QString::fromStdString(out("shard3.json")), QString::fromStdString(out("shard1.json")),
                              "--out", QString::fromStdString(out("partial.json"))};
        m = hoi::test::run_hoi(two);
        QCOMPARE(m.exit_code, 3);
        QVERIFY2(m.err.find("shard 2/3 missing (given: 1/3, 3/3)") != std::string::npos, m.err.c_str());
        QVERIFY(!fs::exists(out("partial.json")));
        m = hoi::test::run_hoi(two + QStringList{"--allow-partial"});
        QVERIFY2(m.exit_code == 0, m.err.c_str());
        QVERIFY2(m.err.find("shard 2/3 is missing") != std::string::npos, m.err.c_str());
        QCOMPARE(nlohmann::json::parse(m.out)["missing_shards"], nlohmann::json({"2/3"}));
        // A shard whose task was killed midway (fewer images than its share): refused, named.
        {
            auto cut = nlohmann::json::parse(hoi::io::read_file(out("shard2.json")));
            QVERIFY(cut.is_array() && !cut.empty());
            cut.erase(cut.size() - 1);
            hoi::io::write_file_atomic(out("cut2.json"), cut.dump() + "\n");
            fs::copy_file(out("shard2.json.meta.json"), out("cut2.json.meta.json"), fs::copy_options::overwrite_existing);
            m = hoi::test::run_hoi({"merge", QString::fromStdString(out("shard1.json")), QString::fromStdString(out("cut2.json")),
                                    QString::fromStdString(out("shard3.json")), "--out", QString::fromStdString(out("cutm.json"))});
            QCOMPARE(m.exit_code, 3);
            QVERIFY2(m.err.find("not finished: " + out("cut2.json")) != std::string::npos, m.err.c_str());
            QVERIFY(!fs::exists(out("cutm.json")));
        }
        // Deterministic: the same run again gives the same bytes.
        auto r = hoi::test::run_hoi(QStringList{"run"} + common() + QStringList{
                QString::fromStdString(images_), "--out", QString::fromStdString(out("again.json"))}, 600000);
        QVERIFY2(r.exit_code == 0, r.err.c_str());
        QCOMPARE(hoi::io::read_file(out("again.json")), hoi::io::read_file(all));
    }

    void resumeAfterInterruption() {
        require();
        const std::string all = out("all.json");
        if (!fs::exists(all)) QSKIP("needs runWritesHicoPredictions");
        const std::string part = out("part.json");
        QProcess p;
        p.start(QString::fromStdString(hoi::test::bin_path("hoi")),
                QStringList{"run"} + common() + QStringList{QString::fromStdString(images_), "--out", QString::fromStdString(part)});
        QVERIFY(p.waitForStarted());
        // Wait for the first image to be written, then interrupt.
        bool seen = false;
        for (int i = 0; i < 1200 && !seen && p.state() == QProcess::Running; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            if (fs::exists(part)) {
                auto j = nlohmann::json::parse(hoi::io::read_file(part), nullptr, false);
                seen = j.is_array() && !j.empty();
            }
        }
        QVERIFY(seen);
        ::kill(static_cast<pid_t>(p.processId()), SIGINT);
        QVERIFY(p.waitForFinished(120000));
        QVERIFY(p.exitStatus() == QProcess::NormalExit);
        QVERIFY(p.exitCode() == 130 || p.exitCode() == 0); // 0 when it was already finishing the last image
        auto j = nlohmann::json::parse(hoi::io::read_file(part)); // valid JSON
        QVERIFY(j.is_array());
        // Resume: images already there are skipped; the result equals an uninterrupted run.
        auto r = hoi::test::run_hoi(QStringList{"run"} + common() + QStringList{
                QString::fromStdString(images_), "--out", QString::fromStdString(part)}, 600000);
        QVERIFY2(r.exit_code == 0, r.err.c_str());
        auto summary = nlohmann::json::parse(r.out);
        QCOMPARE(summary["skipped"].get<int>(), int(j.size()));
        QCOMPARE(hoi::io::read_file(part), hoi::io::read_file(all));
        // Resuming with other prompts is refused (bad input), the file untouched.
        auto bad = hoi::test::run_hoi({"run", "--clip", QString::fromStdString(clip_), "--prompt", "ride bike",
                                       QString::fromStdString(images_), "--out", QString::fromStdString(part)});
        QCOMPARE(bad.exit_code, 3);
        QVERIFY2(bad.err.find("was written with different prompts") != std::string::npos, bad.err.c_str());
        QCOMPARE(hoi::io::read_file(part), hoi::io::read_file(all));
        // Without its sidecar nothing proves which run wrote the file: refused, saying how to start over.
        fs::remove(part + ".meta.json");
        bad = hoi::test::run_hoi(QStringList{"run"} + common() + QStringList{
                QString::fromStdString(images_), "--out", QString::fromStdString(part)});
        QCOMPARE(bad.exit_code, 3);
        QVERIFY2(bad.err.find("but no " + part + ".meta.json") != std::string::npos &&
                         bad.err.find("to start over remove") != std::string::npos, bad.err.c_str());
        QCOMPARE(hoi::io::read_file(part), hoi::io::read_file(all));
    }

    void resumeAfterInputsChange() {
        require();
        // A run over three images; then one is replaced under the same name and one deleted. The
        // resume analyses the replaced one again and drops the deleted one's entry: the result is
        // what a fresh run over the folder as it is now writes.
        const std::string dir = out("changing");
        fs::create_directories(dir);
        for (const char* f : {"dog.jpg", "kite.jpg", "person.jpg"}) fs::copy_file(hoi::test::samples_dir() + "/" + f, dir + "/" + f);
        const QStringList args = QStringList{"run"} + common() + QStringList{QString::fromStdString(dir)};
        auto r = hoi::test::run_hoi(args + QStringList{"--out", QString::fromStdString(out("changing.json"))}, 600000);
        QVERIFY2(r.exit_code == 0, r.err.c_str());
        fs::copy_file(hoi::test::samples_dir() + "/messi5.jpg", dir + "/person.jpg", fs::copy_options::overwrite_existing);
        fs::remove(dir + "/kite.jpg");
        r = hoi::test::run_hoi(args + QStringList{"--out", QString::fromStdString(out("changing.json"))}, 600000);
        QVERIFY2(r.exit_code == 0, r.err.c_str());
        auto summary = nlohmann::json::parse(r.out);
        QCOMPARE(summary["skipped"].get<int>(), 1);
        QCOMPARE(summary["changed"].get<int>(), 1);
        QCOMPARE(summary["removed"].get<int>(), 1);
        QCOMPARE(summary["processed"].get<int>(), 1);
        QVERIFY2(r.err.find(dir + "/kite.jpg: no longer among the inputs") != std::string::npos, r.err.c_str());
        QVERIFY2(r.err.find(dir + "/person.jpg: changed since it was analysed") != std::string::npos, r.err.c_str());
        r = hoi::test::run_hoi(args + QStringList{"--out", QString::fromStdString(out("fresh.json"))}, 600000);
        QVERIFY2(r.exit_code == 0, r.err.c_str());
        QCOMPARE(hoi::io::read_file(out("changing.json")), hoi::io::read_file(out("fresh.json")));
        QCOMPARE(hoi::io::read_file(out("changing.json.meta.json")), hoi::io::read_file(out("fresh.json.meta.json")));
    }

    void outputPaths() {
        require();
        const QString img = QString::fromStdString(hoi::test::samples_dir() + "/dog.jpg");
        auto run = [&](const std::string& dest) {
            return hoi::test::run_hoi({"run", "--clip", "", "--prompt", "ride horse", img, "--out",
                                       QString::fromStdString(dest)}, 600000);
        };
        // A folder as --out: a usage error saying so.
        const std::string folder = out("outdir");
        fs::create_directories(folder);
        for (const std::string& dest : {folder, folder + "/", out("nosuchdir") + "/"}) {
            auto r = run(dest);
            QCOMPARE(r.exit_code, 2);
            QVERIFY2(r.err.find("is a directory; give the file to write") != std::string::npos, r.err.c_str());
        }
        // A symbolic link as --out: written through, the link stays a link.
        const std::string target = out("linked-target.json"), link = out("link.json");
        hoi::io::write_file_atomic(target, "[]\n");
        fs::create_symlink(target, link);
        auto r = run(link);
        QVERIFY2(r.exit_code == 0, r.err.c_str());
        QVERIFY(fs::is_symlink(link));
        QCOMPARE(int(nlohmann::json::parse(hoi::io::read_file(target)).size()), 1);
        // A complete run whose output folder cannot be written: nothing to write, exit 0.
        const std::string ro = out("readonly");
        fs::create_directories(ro);
        r = run(ro + "/p.json");
        QVERIFY2(r.exit_code == 0, r.err.c_str());
        fs::permissions(ro, fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                                    fs::perms::group_exec | fs::perms::others_read | fs::perms::others_exec);
        fs::remove(ro + "/p.json.lock");
        const QStringList args{"run", "--clip", "", "--prompt", "ride horse", img, "--out", QString::fromStdString(ro + "/p.json")};
        hoi::test::ProcessResult again;
        if (::geteuid() == 0) {
            // root writes anywhere: run it as nobody (setpriv, util-linux).
            if (QStandardPaths::findExecutable("setpriv").isEmpty()) QSKIP("running as root without setpriv");
            fs::permissions(tmp_.path().toStdString(), fs::perms::others_exec | fs::perms::group_exec,
                            fs::perm_options::add); // nobody must reach the folder inside
            QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
            env.insert("HOI_TEXT_CACHE", "off");
            again = hoi::test::run_process("setpriv", QStringList{"--reuid=65534", "--regid=65534", "--clear-groups",
                                                                   QString::fromStdString(hoi::test::bin_path("hoi"))} + args,
                                           600000, {}, {}, env);
        } else {
            again = hoi::test::run_hoi(args, 600000);
        }
        fs::permissions(ro, fs::perms::owner_all);
        QVERIFY2(again.exit_code == 0, again.err.c_str());
        QCOMPARE(nlohmann::json::parse(again.out)["skipped"].get<int>(), 1);
    }

    void threadCountAndKernelPathDoNotChangeScores() {
        require();
        HOI_REQUIRE_FILE(hoi::test::models_dir() + "/movenet-multipose.json");
        // The same images with HOI_THREADS=1 and =2, and with the kernels' portable C++ paths
        // (HOI_KERNEL=portable: CLIP's products and attention, image resizing, the detector's own
        // kernels) and AVX2 on a CPU with AVX-512: byte-identical predictions, and identical
        // detections and poses at full float precision (the run's rounding can hide a difference
        // there that shows on other images).
        const QString img = QString::fromStdString(hoi::test::samples_dir() + "/messi5.jpg");
        const QString img2 = QString::fromStdString(hoi::test::samples_dir() + "/person.jpg");
        const std::vector<QStringList> commands = {
                QStringList{"detect", "--image", img},
                QStringList{"pose", "--image", img},
                QStringList{"run"} + common() + QStringList{img, img2, "--out"}};
        std::vector<std::pair<QString, QString>> settings = {{"HOI_THREADS", "1"}, {"HOI_THREADS", "2"}, {"HOI_KERNEL", "portable"}};
        if (hoi::cpu_has(hoi::SimdPath::Avx512F16c)) settings.emplace_back("HOI_KERNEL", "avx2");
        for (size_t c = 0; c < commands.size(); ++c) {
            std::string first;
            for (size_t k = 0; k < settings.size(); ++k) {
                QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
                env.remove("HOI_KERNEL");
                env.insert(settings[k].first, settings[k].second);
                const std::string dest = out("paths" + std::to_string(c) + "-" + std::to_string(k) + ".json");
                QStringList args = commands[c];
                if (args.last() == "--out") args << QString::fromStdString(dest);
                auto r = hoi::test::run_process(QString::fromStdString(hoi::test::bin_path("hoi")), args, 600000, {}, {}, env);
                QVERIFY2(r.exit_code == 0, r.err.c_str());
                const std::string got = args.contains("--out") ? hoi::io::read_file(dest) : r.out;
                if (k == 0) first = got;
                QVERIFY2(got == first, qPrintable(commands[c].first() + " differs with " + settings[k].first + "=" +
                                                  settings[k].second + " from " + settings[0].first + "=" + settings[0].second));
            }
        }
    }

    void errors() {
        require();
        auto r = hoi::test::run_hoi({"run", "--prompt", "ride horse", QString::fromStdString(images_)});
        QCOMPARE(r.exit_code, 2); // no --out
        r = hoi::test::run_hoi({"run", "--prompt", "", QString::fromStdString(images_), "--out", QString::fromStdString(out("x.json"))});
        QCOMPARE(r.exit_code, 3); // empty prompt
        QVERIFY(r.err.find("empty prompt") != std::string::npos);
        r = hoi::test::run_hoi({"run", "--prompt", "ride horse", "--shard", "4/3", QString::fromStdString(images_),
                                "--out", QString::fromStdString(out("x.json"))});
        QCOMPARE(r.exit_code, 2);
        r = hoi::test::run_hoi({"run", "--prompt", "ride horse", QString::fromStdString(out("missing-dir")), "--out",
                                QString::fromStdString(out("x.json"))});
        QCOMPARE(r.exit_code, 3);
        // A broken image among good ones: recorded as failed, the others processed, exit 3.
        const std::string mixed = out("mixed");
        fs::create_directories(mixed);
        fs::copy_file(hoi::test::samples_dir() + "/person.jpg", mixed + "/a.jpg");
        hoi::io::write_file_atomic(mixed + "/b.jpg", "not a jpeg");
        r = hoi::test::run_hoi({"run", "--clip", QString::fromStdString(clip_), "--prompt", "ride horse",
                                QString::fromStdString(mixed), "--out", QString::fromStdString(out("mixed.json"))});
        QCOMPARE(r.exit_code, 3);
        auto j = nlohmann::json::parse(hoi::io::read_file(out("mixed.json")));
        QCOMPARE(int(j.size()), 1);
        auto meta = nlohmann::json::parse(hoi::io::read_file(out("mixed.json.meta.json")));
        QCOMPARE(int(meta["failed"].size()), 1);
        // Without CLIP: detections only, still a valid file.
        r = hoi::test::run_hoi({"run", "--clip", "", "--prompt", "ride horse", QString::fromStdString(mixed + "/a.jpg"),
                                "--out", QString::fromStdString(out("noclip.json"))});
        if (r.exit_code == 0) {
            auto k = nlohmann::json::parse(hoi::io::read_file(out("noclip.json")));
            QCOMPARE(int(k.size()), 1);
            QVERIFY(k[0]["hoi_annotation"].empty());
        }
    }

    void panoramaInBatch() {
        require();
        HOI_REQUIRE_FILE(hoi::test::models_dir() + "/movenet-multipose.json");
        // A 60000 x 100 panorama (under the pixel limit) beside a photo: both processed (the pose
        // estimator once tried to pad it to a 43 GB square and aborted the run). Detection only.
        const std::string dir = out("pano");
        fs::create_directories(dir);
        fs::copy_file(hoi::test::samples_dir() + "/person.jpg", dir + "/a.jpg");
        hoi::io::write_file_atomic(dir + "/wide.ppm", "P6\n60000 100\n255\n" + std::string(60000 * 100 * 3, '\x60'));
        auto r = hoi::test::run_hoi({"run", "--clip", "", "--prompt", "ride horse", QString::fromStdString(dir),
                                     "--out", QString::fromStdString(out("pano.json"))}, 600000);
        QVERIFY2(r.exit_code == 0, r.err.c_str());
        QCOMPARE(nlohmann::json::parse(r.out)["processed"].get<int>(), 2);
        auto j = nlohmann::json::parse(hoi::io::read_file(out("pano.json")));
        QCOMPARE(int(j.size()), 2);
        QCOMPARE(j[1]["width"].get<int>(), 60000);
    }

    void namesAndGifsInFolders() {
        require();
        // A name that is not UTF-8 (Latin-1 e-acute) is processed and written percent-escaped; a GIF
        // is skipped with a message; a second run resumes (the escaped name matches).
        const std::string dir = out("names");
        fs::create_directories(dir);
        fs::copy_file(hoi::test::samples_dir() + "/person.jpg", dir + "/caf\xE9.jpg");
        fs::copy_file(hoi::test::samples_dir() + "/dog.jpg", dir + "/dog.jpg");
        hoi::io::write_file_atomic(dir + "/anim.gif", "GIF89a");
        const QStringList args{"run", "--clip", "", "--prompt", "ride horse", QString::fromStdString(dir), "--out",
                               QString::fromStdString(out("names.json"))};
        auto r = hoi::test::run_hoi(args, 600000);
        QVERIFY2(r.exit_code == 0, r.err.c_str());
        QVERIFY2(r.err.find(dir + "/anim.gif: skipped, GIF images are not supported") != std::string::npos, r.err.c_str());
        QCOMPARE(nlohmann::json::parse(r.out)["processed"].get<int>(), 2);
        auto j = nlohmann::json::parse(hoi::io::read_file(out("names.json")));
        QCOMPARE(int(j.size()), 2);
        QCOMPARE(j[0]["image_path"].get<std::string>(), dir + "/caf%E9.jpg");
        QCOMPARE(j[0]["file_name"].get<std::string>(), std::string("caf%E9.jpg"));
        r = hoi::test::run_hoi(args, 600000);
        QVERIFY2(r.exit_code == 0, r.err.c_str());
        QCOMPARE(nlohmann::json::parse(r.out)["skipped"].get<int>(), 2);
        QCOMPARE(int(nlohmann::json::parse(hoi::io::read_file(out("names.json"))).size()), 2);
    }

    void oneWriterPerOutput() {
        require();
        // While another process writes the output (here: this one holds its lock), hoi run refuses
        // with exit 3 and leaves the file alone; once released, the same command runs.
        const std::string dest = out("locked.json");
        const QStringList args{"run", "--clip", "", "--prompt", "ride horse",
                               QString::fromStdString(hoi::test::samples_dir() + "/person.jpg"), "--out",
                               QString::fromStdString(dest)};
        {
            hoi::io::FileLock held(dest);
            QVERIFY_EXCEPTION_THROWN(hoi::io::FileLock again(dest), hoi::Error); // one holder, even in-process
            auto r = hoi::test::run_hoi(args);
            QCOMPARE(r.exit_code, 3);
            QVERIFY2(r.err.find(dest + " is being written by another process (pid " +
                                std::to_string(QCoreApplication::applicationPid()) + ")") != std::string::npos,
                     r.err.c_str());
            QVERIFY(!fs::exists(dest));
            // hoi merge into it is refused too.
            r = hoi::test::run_hoi({"merge", QString::fromStdString(out("all.json")), "--out", QString::fromStdString(dest)});
            QCOMPARE(r.exit_code, 3);
            QVERIFY2(r.err.find("is being written by another process") != std::string::npos, r.err.c_str());
            QVERIFY(!fs::exists(dest));
        }
        auto r = hoi::test::run_hoi(args, 600000);
        QVERIFY2(r.exit_code == 0, r.err.c_str());
        QVERIFY(fs::exists(dest));
    }

    void attentionPngs() {
        require();
        const std::string dir = out("att");
        auto r = hoi::test::run_hoi({"run", "--clip", QString::fromStdString(clip_), "--prompt", "ride horse",
                                     QString::fromStdString(hoi::test::samples_dir() + "/person.jpg"), "--out",
                                     QString::fromStdString(out("att.json")), "--attention-dir", QString::fromStdString(dir),
                                     "--relevance"}, 600000);
        QVERIFY2(r.exit_code == 0, r.err.c_str());
        int pngs = 0;
        for (const auto& e : fs::directory_iterator(dir)) pngs += e.path().extension() == ".png";
        QVERIFY(pngs > 0);
    }

    // eval-mini's HICO labels (fredzzhang/hicodet layout: per image pairs of xyxy boxes with a 0-based
    // hoi_id) as a QPIC-style ground-truth file, the layout `hoi eval` reads.
    std::string qpic_ground_truth(const std::string& shared) const {
        auto src = nlohmann::json::parse(hoi::io::read_file(shared + "/eval-mini/hico_subset.json"));
        const auto hico = hoi::model::PromptParser::instance().hico_prompts();
        nlohmann::json list = nlohmann::json::array();
        for (const auto& im : src["images"]) {
            nlohmann::json boxes = nlohmann::json::array(), hois = nlohmann::json::array();
            for (const auto& p : im["pairs"]) {
                const int hoi = p["hoi_id"];
                const auto& cls = hico.at(size_t(hoi));
                const int s = int(boxes.size());
                boxes.push_back({{"bbox", p["box_h"]}, {"category_id", 1}});
                boxes.push_back({{"bbox", p["box_o"]}, {"category_id", hoi::annotation::coco80_to_coco91(cls.object_class)}});
                hois.push_back({{"subject_id", s}, {"object_id", s + 1}, {"category_id", cls.verb_id + 1},
                                {"hoi_category_id", hoi + 1}});
            }
            list.push_back({{"file_name", im["file_name"]}, {"width", im["width"]}, {"height", im["height"]},
                            {"annotations", boxes}, {"hoi_annotation", hois}});
        }
        const std::string gt = out("eval-mini-gt.json");
        hoi::io::write_file_atomic(gt, list.dump());
        return gt;
    }
    // The images the HICO ground truth labels (hoi eval wants every predicted image in it).
    QStringList hico_images(const std::string& shared) const {
        auto src = nlohmann::json::parse(hoi::io::read_file(shared + "/eval-mini/hico_subset.json"));
        QStringList l;
        for (const auto& im : src["images"])
            l << QString::fromStdString(shared + "/eval-mini/images/" + im["file_name"].get<std::string>());
        return l;
    }

    void evaluationPlumbingOnEvalMini() {
        // hoi run's output is read by hoi eval (same conventions): with the random-weight model the
        // numbers mean nothing, but the files must agree and the mAP must be a number in [0, 1].
        const std::string shared = hoi::test::shared_data_dir();
        if (shared.empty() || !fs::exists(shared + "/eval-mini/hico_subset.json"))
            QSKIP("no ../shared/data/eval-mini: the evaluation hook needs the 8 labelled images");
        require();
        const std::string pred = out("eval-mini-random.json");
        auto r = hoi::test::run_hoi(QStringList{"run", "--clip", QString::fromStdString(clip_), "--hico",
                                     "--out", QString::fromStdString(pred)} + hico_images(shared), 1800000);
        QVERIFY2(r.exit_code == 0, r.err.c_str());
        auto e = hoi::test::run_hoi({"eval", "--gt", QString::fromStdString(qpic_ground_truth(shared)),
                                     "--pred", QString::fromStdString(pred)});
        QVERIFY2(e.exit_code == 0, (e.err + e.out).c_str());
        auto m = nlohmann::json::parse(e.out);
        QVERIFY(m.contains("map_full"));
        if (!m["map_full"].is_null()) {
            const double v = m["map_full"];
            QVERIFY(v >= 0 && v <= 1);
        }
    }

    void evaluationOnEvalMini() {
        const std::string shared = hoi::test::shared_data_dir();
        if (shared.empty() || !fs::exists(shared + "/eval-mini/hico_subset.json"))
            QSKIP("no ../shared/data/eval-mini: the evaluation hook needs the 8 labelled images");
        const std::string clip = hoi::clip::resolve_clip_path("");
        if (clip.empty() || !fs::exists(clip))
            QSKIP("no CLIP model (models/cache/ViT-B-32.pt or $HOI_CLIP): the zero-shot evaluation needs real "
                  "CLIP weights; place the model to run it");
        require();
        const std::string pred = out("eval-mini.json");
        auto r = hoi::test::run_hoi(QStringList{"run", "--clip", QString::fromStdString(clip), "--hico",
                                     "--out", QString::fromStdString(pred)} + hico_images(shared), 1800000);
        QVERIFY2(r.exit_code == 0, r.err.c_str());
        auto e = hoi::test::run_hoi({"eval", "--gt", QString::fromStdString(qpic_ground_truth(shared)),
                                     "--pred", QString::fromStdString(pred)});
        QVERIFY2(e.exit_code == 0, e.err.c_str());
        auto m = nlohmann::json::parse(e.out);
        QVERIFY(m.contains("map_full"));
        qInfo("eval-mini (HICO subset) mAP full: %s", m["map_full"].dump().c_str());
    }
};

QTEST_GUILESS_MAIN(TestHoiRun)
#include "tst_hoi_run.moc"
