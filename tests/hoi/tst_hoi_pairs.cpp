// Pair building, spatial encoding, patch masks, score fusion, the LRU cache, shards and the
// prediction file (merge equality, resume).
#include "test_util.h"
#include "core.h"
#include "hoi/batch.h"
#include "hoi/lru_cache.h"
#include "hoi/pairs.h"
#include "hoi/scoring.h"
#include "io/atomic_file.h"
#include "io/error.h"

#include <cmath>
#include <filesystem>

using hoi::test::detection;
using namespace hoi::model;
using hoi::detect::Detection;

class TestHoiPairs : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { hoi::init_runtime(); }

    void pairBuilding() {
        std::vector<Detection> dets = {
            detection(0, 0, 50, 100, 0, 0.9f),     // 0 person
            detection(60, 0, 110, 100, 0, 0.35f),  // 1 person below the human threshold
            detection(40, 50, 80, 90, 17, 0.8f),   // 2 horse
            detection(10, 10, 20, 20, 41, 0.2f),   // 3 cup below the object threshold
            detection(100, 0, 150, 100, 0, 0.7f),  // 4 person
            detection(5, 5, 15, 15, 56, 0.5f),     // 5 chair
        };
        PairBuildOptions opt;
        auto sel = select_boxes(dets, opt);
        QCOMPARE(sel.humans, (std::vector<int>{0, 4}));
        QCOMPARE(sel.objects, (std::vector<int>{2, 5}));
        auto pairs = build_pairs(dets, {}, {}, 200, 100, opt);
        // 2 humans x 2 objects + 2 human-human (0-4, 4-0), never self-pairs.
        QCOMPARE(int(pairs.size()), 6);
        std::vector<std::pair<int, int>> got;
        for (const auto& p : pairs) {
            got.emplace_back(p.human, p.object);
            QVERIFY(p.human != p.object);
            QCOMPARE(int(p.spatial.size()), kSpatialDims);
            for (float v : p.spatial) QVERIFY(std::isfinite(v));
        }
        QCOMPARE(got, (std::vector<std::pair<int, int>>{{0, 2}, {0, 5}, {0, 4}, {4, 2}, {4, 5}, {4, 0}}));
        opt.human_human = false;
        opt.max_objects = 1;
        pairs = build_pairs(dets, {}, {}, 200, 100, opt);
        QCOMPARE(int(pairs.size()), 2);
        QCOMPARE(pairs[0].object, 2);
        opt.max_objects = 0;
        QCOMPARE(int(build_pairs(dets, {}, {}, 200, 100, opt).size()), 0);
    }

    void spatialEncoding() {
        Detection h = detection(0, 0, 50, 100, 0, 0.9f), o = detection(50, 50, 100, 100, 17, 0.8f);
        auto f = spatial_encoding(h, o, 200, 100, nullptr);
        QCOMPARE(int(f.size()), kSpatialDims);
        QCOMPARE(f[0], 0.125f); // human centre x / W
        QCOMPARE(f[1], 0.5f);
        QCOMPARE(f[2], 0.375f); // object centre x / W
        QCOMPARE(f[3], 0.75f);
        QCOMPARE(f[4], 0.25f);  // human width / W
        QCOMPARE(f[7], 0.5f);   // object height / H
        QCOMPARE(f[13], 0.f);   // IoU (touching boxes)
        QVERIFY(f[14] > 0 && f[15] == 0); // object to the right
        QVERIFY(f[16] > 0 && f[17] == 0); // and below
        QCOMPARE(f[kSpatialBase], std::log(f[0] + 1e-6f));
        for (int i = kSpatialBox; i < kSpatialDims; ++i) QCOMPARE(f[size_t(i)], 0.f); // no pose
        // Pose keypoints relative to the object box.
        hoi::detect::Pose pose;
        pose.x1 = 0; pose.y1 = 0; pose.x2 = 50; pose.y2 = 100;
        for (auto& k : pose.keypoints) k = {75.f, 75.f, 0.5f}; // the object's centre
        pose.keypoints[9] = {100.f, 50.f, 0.9f};             // left wrist at its top-right corner
        auto g = spatial_encoding(h, o, 200, 100, &pose);
        QCOMPARE(g[size_t(kSpatialBox)], 0.f);
        QCOMPARE(g[size_t(kSpatialBox + 2)], 0.5f);
        QCOMPARE(g[size_t(kSpatialBox + 27)], 0.5f);  // (100 - 75) / 50
        QCOMPARE(g[size_t(kSpatialBox + 28)], -0.5f); // (50 - 75) / 50
        QCOMPARE(g[size_t(kSpatialBox + 29)], 0.9f);
        // Matching poses to people by IoU.
        std::vector<Detection> dets = {detection(0, 0, 50, 100, 0, 0.9f), detection(50, 50, 100, 100, 17, 0.8f),
                                       detection(120, 0, 170, 100, 0, 0.9f)};
        hoi::detect::Pose far = pose;
        far.x1 = 121; far.x2 = 171;
        auto m = match_poses(dets, {far, pose});
        QCOMPARE(m, (std::vector<int>{1, -1, 0}));
    }

    void patchMasks() {
        // A 200x100 image: the frame is a 200x200 square from y = -50.
        SquareFrame fr = square_frame(200, 100);
        QCOMPARE(fr.x, 0.f);
        QCOMPARE(fr.y, -50.f);
        QCOMPARE(fr.size, 200.f);
        // 4x4 grid: patches 50 px; the box [0,0,100,50] covers patch centres x 25,75 and y 25 (row 1).
        auto m = box_patch_mask(0, 0, 100, 50, fr, 4, 4);
        std::vector<unsigned char> want(16, 0);
        want[4] = want[5] = 1;
        QCOMPARE(m, want);
        // A tiny box still sees the patch containing its centre.
        m = box_patch_mask(160, 60, 162, 62, fr, 4, 4);
        int n = 0;
        for (auto v : m) n += v;
        QCOMPARE(n, 1);
        QCOMPARE(int(m[2 * 4 + 3]), 1);
        // The whole image: rows 1 and 2 (the image's height), every column.
        m = box_patch_mask(0, 0, 200, 100, fr, 4, 4);
        n = 0;
        for (auto v : m) n += v;
        QCOMPARE(n, 8);
    }

    void scoreFusion() {
        QCOMPARE(fuse_score(1, 1, 1, 1, 0.7f, 1), 1.f);
        QCOMPARE(fuse_score(0.5f, 0.5f, 1, 1, 0.3f, 1), 0.5f);
        QVERIFY(std::abs(fuse_score(0.8f, 0.2f, 0.5f, 0.5f, 0.7f, 1) - 0.25f * (0.7f * 0.8f + 0.3f * 0.2f)) < 1e-6f);
        QVERIFY(std::abs(fuse_score(1, 1, 0.5f, 0.5f, 0.5f, 2) - 0.0625f) < 1e-7f);
        QCOMPARE(fuse_score(1, 1, 0.5f, 0.5f, 0.5f, 0), 1.f); // lambda 0 ignores the detector
        QCOMPARE(fuse_score(0.9f, 0.1f, 1, 1, 1, 1), 0.9f);   // alpha 1: the pair only
        QCOMPARE(fuse_score(0.9f, 0.1f, 1, 1, 0, 1), 0.1f);   // alpha 0: the image only
        QCOMPARE(fuse_score(2, 2, 2, 2, 0.5f, 1), 1.f);       // clamped
        QCOMPARE(fuse_score(NAN, 0.5f, 1, 1, 0.5f, 1), 0.25f);
        auto s = scaled_softmax({0.3f, 0.2f, 0.25f}, 100);
        QVERIFY(std::abs(s[0] + s[1] + s[2] - 1) < 1e-6f);
        QVERIFY(s[0] > s[2] && s[2] > s[1]);
        QVERIFY(std::abs(s[0] / s[1] - std::exp(10.f)) / std::exp(10.f) < 1e-3f);
        auto big = scaled_softmax({1000.f, 999.f}, 100); // stable
        QVERIFY(std::isfinite(big[0]) && big[0] > 0.99f);
        QVERIFY(scaled_softmax({}, 100).empty());
    }

    void lruCache() {
        LruCache<int> c(100);
        c.put("a", std::make_shared<int>(1), 40);
        c.put("b", std::make_shared<int>(2), 40);
        QVERIFY(c.get("a")); // a is now most recent
        c.put("c", std::make_shared<int>(3), 40); // evicts b
        QVERIFY(c.contains("a"));
        QVERIFY(!c.contains("b"));
        QVERIFY(c.contains("c"));
        QCOMPARE(c.bytes(), size_t(80));
        c.resize("a", 90); // grows: evicts c
        QVERIFY(!c.contains("c"));
        QCOMPARE(c.size(), size_t(1));
        c.put("huge", std::make_shared<int>(4), 500); // larger than the limit: kept alone
        QCOMPARE(c.size(), size_t(1));
        QVERIFY(c.contains("huge"));
        QVERIFY(!c.get("zzz"));
        QVERIFY(c.hits() >= 1 && c.misses() >= 1);
        c.clear();
        QCOMPARE(c.bytes(), size_t(0));
    }

    void shards() {
        std::vector<std::string> paths;
        for (int i = 0; i < 10; ++i) paths.push_back("img" + std::to_string(i));
        std::vector<std::string> all;
        for (int k = 1; k <= 3; ++k) {
            auto s = shard_slice(paths, k, 3);
            all.insert(all.end(), s.begin(), s.end());
        }
        std::sort(all.begin(), all.end());
        QCOMPARE(all, paths);
        QCOMPARE(shard_slice(paths, 2, 3), (std::vector<std::string>{"img1", "img4", "img7"}));
        QCOMPARE(parse_shard("2/4"), std::make_pair(2, 4));
        for (const char* bad : {"0/4", "5/4", "a/b", "2", "2/", "/4", "2/4x", "-1/4"})
            QVERIFY_THROWS_EXCEPTION(hoi::Error, parse_shard(bad));
    }

    void listImages() {
        QTemporaryDir dir;
        const std::string d = dir.path().toStdString();
        std::filesystem::create_directories(d + "/sub");
        for (const char* f : {"b.jpg", "a.PNG", "notes.txt", "sub/c.jpeg"}) hoi::io::write_file_atomic(d + "/" + f, "x");
        auto l = list_images({d, d + "/b.jpg"});
        QCOMPARE(l, (std::vector<std::string>{d + "/a.PNG", d + "/b.jpg", d + "/sub/c.jpeg"}));
        QVERIFY_THROWS_EXCEPTION(hoi::Error, list_images({d + "/missing"}));
    }

    void predictionFileMergeAndResume() {
        QTemporaryDir dir;
        const std::string d = dir.path().toStdString();
        nlohmann::json meta = {{"format", "t"}, {"version", "1"}, {"prompts", {"ride horse"}},
                               {"models", {{"clip", "x"}}}, {"options", {{"alpha", 0.7}}}, {"shard", nullptr}};
        auto entry = [](const std::string& p) {
            return nlohmann::json{{"file_name", p}, {"image_path", p}, {"annotations", nlohmann::json::array()},
                                  {"hoi_annotation", nlohmann::json::array()}};
        };
        std::vector<std::string> paths = {"a", "b", "c", "d", "e"};
        {
            PredictionFile one(d + "/one.json");
            one.set_meta(meta);
            for (const auto& p : paths) one.put(p, entry(p));
            one.add_failure("z", "bad image");
            one.save();
        }
        for (int k = 1; k <= 2; ++k) {
            PredictionFile s(d + "/s" + std::to_string(k) + ".json");
            auto m = meta;
            m["shard"] = std::to_string(k) + "/2";
            s.set_meta(m);
            for (const auto& p : shard_slice(paths, k, 2)) s.put(p, entry(p));
            if (k == 2) s.add_failure("z", "bad image");
            s.save();
        }
        merge_predictions({d + "/s2.json", d + "/s1.json"}, d + "/merged.json");
        QCOMPARE(hoi::io::read_file(d + "/merged.json"), hoi::io::read_file(d + "/one.json"));
        QCOMPARE(hoi::io::read_file(d + "/merged.json.meta.json"), hoi::io::read_file(d + "/one.json.meta.json"));
        // Resume: the file is read back; done images are known; different prompts are refused.
        PredictionFile again(d + "/one.json");
        QCOMPARE(again.size(), size_t(5));
        QVERIFY(again.has("c"));
        QVERIFY(!again.has("z"));
        auto other = meta;
        other["prompts"] = {"hold cup"};
        QVERIFY_THROWS_EXCEPTION(hoi::Error, again.set_meta(other));
        // Shards of different runs do not merge.
        {
            PredictionFile s(d + "/x.json");
            s.set_meta(other);
            s.put("f", entry("f"));
            s.save();
        }
        QVERIFY_THROWS_EXCEPTION(hoi::Error, merge_predictions({d + "/s1.json", d + "/x.json"}, d + "/m2.json"));
        // Only a complete K/N set of one run merges.
        auto merge_error = [&](const std::vector<std::string>& in) {
            try {
                merge_predictions(in, d + "/m3.json");
            } catch (const hoi::Error& e) {
                return e.kind() == hoi::ErrorKind::Input ? std::string(e.what()) : "wrong kind";
            }
            return std::string("no error");
        };
        auto write_shard = [&](const std::string& name, const std::string& spec, const nlohmann::json& list) {
            PredictionFile s(d + "/" + name);
            auto m = meta;
            m["shard"] = spec;
            if (!list.is_null()) m["image_list"] = list;
            s.set_meta(m);
            s.put(name, entry(name));
            s.save();
        };
        auto e = merge_error({d + "/s1.json"});
        QVERIFY2(e.find("shard 2/2 missing (given: 1/2)") != std::string::npos && e.find("--allow-partial") != std::string::npos,
                 e.c_str());
        QVERIFY(!std::filesystem::exists(d + "/m3.json"));
        e = merge_error({d + "/s1.json", d + "/s1.json", d + "/s2.json"});
        QVERIFY2(e.find("are both shard 1/2") != std::string::npos, e.c_str());
        e = merge_error({d + "/one.json", d + "/s1.json"});
        QVERIFY2(e.find("one.json was written by a run without --shard") != std::string::npos, e.c_str());
        write_shard("t3.json", "3/3", nullptr);
        e = merge_error({d + "/s1.json", d + "/t3.json"});
        QVERIFY2(e.find("is shard 3/3 but") != std::string::npos && e.find("one of 2") != std::string::npos, e.c_str());
        write_shard("l1.json", "1/2", {{"count", 5}, {"sha256", "aa"}});
        write_shard("l2.json", "2/2", {{"count", 6}, {"sha256", "bb"}});
        e = merge_error({d + "/l1.json", d + "/l2.json"});
        QVERIFY2(e.find("image_list differ") != std::string::npos, e.c_str());
        // --allow-partial merges what is there and says what is missing.
        std::vector<std::string> missing;
        merge_predictions({d + "/s1.json"}, d + "/partial.json", true, &missing);
        QCOMPARE(missing, std::vector<std::string>({"2/2"}));
        QCOMPARE(PredictionFile(d + "/partial.json").size(), shard_slice(paths, 1, 2).size());
        QCOMPARE(nlohmann::json::parse(hoi::io::read_file(d + "/partial.json.meta.json"))["missing_shards"],
                 nlohmann::json({"2/2"}));
        // A corrupt file is an input error, not a crash.
        hoi::io::write_file_atomic(d + "/bad.json", "[{\"image_path\": ");
        QVERIFY_THROWS_EXCEPTION(hoi::Error, PredictionFile(d + "/bad.json"));
    }

    void predictionFileResumePlan() {
        QTemporaryDir dir;
        const std::string d = dir.path().toStdString();
        nlohmann::json meta = {{"format", "t"}, {"prompts", {"ride horse"}}, {"models", {{"clip", "x"}}},
                               {"options", {{"alpha", 0.7}}}, {"shard", nullptr}};
        auto entry = [](const std::string& p) { return nlohmann::json{{"image_path", p}, {"annotations", nlohmann::json::array()}}; };
        for (const char* f : {"a.jpg", "b.jpg", "c.jpg"}) hoi::io::write_file_atomic(d + "/" + f, std::string("v1 ") + f);
        const std::string out = d + "/out.json";
        {
            PredictionFile f(out);
            f.set_meta(meta);
            auto plan = f.plan_resume({d + "/a.jpg", d + "/b.jpg", d + "/c.jpg"});
            QCOMPARE(plan.todo.size(), size_t(3));
            for (const auto& p : plan.todo) f.put(p, entry(p), input_hash(p));
            f.add_failure(d + "/gone.jpg", "unreadable");
            f.save();
        }
        auto m = nlohmann::json::parse(hoi::io::read_file(out + ".meta.json"));
        QCOMPARE(m["inputs"][d + "/a.jpg"].get<std::string>(), input_hash(d + "/a.jpg"));
        // b replaced under the same name, c deleted (and gone.jpg, which had failed): b is done
        // again, c's entry and gone.jpg's failure dropped, a kept.
        hoi::io::write_file_atomic(d + "/b.jpg", "v2 b");
        std::filesystem::remove(d + "/c.jpg");
        PredictionFile f(out);
        f.set_meta(meta);
        QVERIFY(!f.dirty());
        auto plan = f.plan_resume({d + "/a.jpg", d + "/b.jpg"});
        QCOMPARE(plan.kept, size_t(1));
        QCOMPARE(plan.todo, std::vector<std::string>({d + "/b.jpg"}));
        QCOMPARE(plan.changed, std::vector<std::string>({d + "/b.jpg"}));
        QCOMPARE(plan.removed, std::vector<std::string>({d + "/c.jpg", d + "/gone.jpg"}));
        QVERIFY(f.dirty());
        QVERIFY(!f.has(d + "/c.jpg"));
        // Another configuration is refused as bad input, naming how to start over.
        auto other = meta;
        other["options"]["alpha"] = 0.5;
        try {
            PredictionFile g(out);
            g.set_meta(other);
            QFAIL("a different configuration was accepted");
        } catch (const hoi::Error& e) {
            QCOMPARE(int(e.kind()), int(hoi::ErrorKind::Input));
            QVERIFY2(std::string(e.what()).find("different options") != std::string::npos &&
                             std::string(e.what()).find("to start over remove") != std::string::npos, e.what());
        }
        // Entries without a sidecar are refused; an empty list (or an empty file) is taken.
        hoi::io::write_file_atomic(d + "/nometa.json", hoi::io::read_file(out));
        QVERIFY_THROWS_EXCEPTION(hoi::Error, PredictionFile(d + "/nometa.json").set_meta(meta));
        hoi::io::write_file_atomic(d + "/empty.json", "[]\n");
        PredictionFile(d + "/empty.json").set_meta(meta);
        hoi::io::write_file_atomic(d + "/blank.json", "");
        PredictionFile(d + "/blank.json").set_meta(meta);
    }

    void predictionFileWritesLessOftenOnceWritingIsSlow() {
        // A small output is written after every image; one whose write takes long (thousands of
        // images: the whole list is rewritten each time) waits until ten times that write's time
        // has passed, so a run's writing does not grow with the square of its images.
        QTemporaryDir dir;
        const std::string d = dir.path().toStdString();
        const std::string out = d + "/out.json";
        auto entry = [](const std::string& p, size_t n) {
            nlohmann::json scores = nlohmann::json::array();
            for (size_t i = 0; i < n; ++i) scores.push_back(0.123456789 + static_cast<double>(i));
            return nlohmann::json{{"image_path", p}, {"scores", scores}};
        };
        PredictionFile f(out, false);
        f.set_meta({{"format", "t"}});
        f.put("a", entry("a", 4));
        QVERIFY(f.save_if_due()); // the first write is always due
        QVERIFY(f.last_save_seconds() > 0);
        std::this_thread::sleep_for(std::chrono::duration<double>(10.5 * f.last_save_seconds()));
        f.put("b", entry("b", 4));
        QVERIFY(f.save_if_due()); // small: due again after a short image
        QVERIFY(!f.dirty());
        QVERIFY(!f.save_if_due()); // nothing changed
        // Make the output large: a write now takes a measurable time.
        for (int i = 0; i < 200; ++i) f.put("big" + std::to_string(i), entry("big", 500));
        f.save();
        const double write = f.last_save_seconds();
        QVERIFY(write > 0.002);
        f.put("c", entry("c", 4));
        const std::string before = hoi::io::read_file(out);
        QVERIFY(!f.save_if_due()); // right after a slow write: not due, the file as it was
        QVERIFY(f.dirty());
        QCOMPARE(hoi::io::read_file(out), before);
        std::this_thread::sleep_for(std::chrono::duration<double>(10.5 * write));
        QVERIFY(f.save_if_due());
        QVERIFY(hoi::io::read_file(out).find("\"c\"") != std::string::npos);
        QCOMPARE(PredictionFile(out).size(), size_t(203));
    }

    void predictionFileSavesBothOrNeither() {
        // When the list cannot be written (here: a non-empty folder sits where it goes; on a full
        // disk the same), no sidecar is left behind without it, and an older sidecar is put back.
        QTemporaryDir dir;
        const std::string d = dir.path().toStdString();
        const std::string out = d + "/out.json";
        std::filesystem::create_directories(out + "/blocker");
        PredictionFile f(out, false);
        f.set_meta({{"format", "t"}});
        f.put("a", {{"image_path", "a"}});
        QVERIFY_THROWS_EXCEPTION(hoi::Error, f.save());
        QVERIFY(!std::filesystem::exists(out + ".meta.json"));
        hoi::io::write_file_atomic(out + ".meta.json", "old\n");
        QVERIFY_THROWS_EXCEPTION(hoi::Error, f.save());
        QCOMPARE(hoi::io::read_file(out + ".meta.json"), std::string("old\n"));
    }
};

QTEST_GUILESS_MAIN(TestHoiPairs)
#include "tst_hoi_pairs.moc"
