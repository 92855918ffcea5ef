// Parity of the LibTorch TF.js runner with TF.js itself: tests/tfjs/generate runs the same graph
// models with @tensorflow/tfjs (pure-JS CPU backend) on the sample images and stores the inputs,
// raw outputs and final detections in models/cache/tfjs-reference/. Here the runner gets the
// identical input tensors: raw outputs must agree to 1e-3, pre-processing to 1e-3, final boxes
// to IoU >= 0.99.
#include <QtTest>

#include "core.h"
#include "detect/detector.h"
#include "detect/tfjs_detector.h"
#include "detect/tfjs_graph.h"
#include "test_util.h"

#include <fstream>

using hoi::detect::Detection;
using nlohmann::json;

namespace {

std::string ref_dir() { return hoi::test::models_dir() + "/tfjs-reference"; }

torch::Tensor read_tensor(const std::string& file, const json& shape, torch::ScalarType type) {
    std::ifstream in(ref_dir() + "/" + file, std::ios::binary);
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<int64_t> s = shape.get<std::vector<int64_t>>();
    auto t = torch::empty(s, type);
    if (static_cast<size_t>(t.nbytes()) != data.size())
        throw std::runtime_error(file + ": size " + std::to_string(data.size()) + " does not match shape");
    std::memcpy(t.data_ptr(), data.data(), data.size());
    return t;
}

cv::Mat read_rgb(const json& index, const std::string& image) {
    const auto& im = index["images"][image];
    std::ifstream in(ref_dir() + "/" + im["rgb"].get<std::string>(), std::ios::binary);
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    cv::Mat m(im["height"].get<int>(), im["width"].get<int>(), CV_8UC3);
    if (data.size() != m.total() * 3) throw std::runtime_error("bad rgb file for " + image);
    std::memcpy(m.data, data.data(), data.size());
    return m;
}

// max |a-b| / max(1, |b|)
double max_rel_diff(const torch::Tensor& a, const torch::Tensor& b) {
    auto fa = a.to(torch::kDouble), fb = b.to(torch::kDouble);
    return ((fa - fb).abs() / fb.abs().clamp_min(1.0)).max().item<double>();
}

} // namespace

class TestTfjsParity : public QObject {
    Q_OBJECT
    json index_;

    bool load_index() {
        const std::string f = ref_dir() + "/index.json";
        if (!hoi::test::file_exists(f)) return false;
        std::ifstream in(f);
        index_ = json::parse(in);
        return true;
    }

    // Raw outputs of the graph for the reference inputs.
    void raw_parity(const std::string& model) {
        HOI_REQUIRE_FILE(ref_dir() + "/index.json");
        HOI_REQUIRE_FILE(hoi::test::models_dir() + "/" + model + ".json");
        QVERIFY(load_index());
        if (!index_["models"].contains(model)) QSKIP("model not in the reference index");
        hoi::detect::TfjsGraph graph(hoi::test::models_dir() + "/" + model + ".json");
        const std::string input_node = graph.inputs().at(0).node;
        for (const auto& c : index_["models"][model]["cases"]) {
            const auto type = c["input"]["dtype"] == "int32" ? torch::kInt : torch::kFloat;
            const auto input = read_tensor(c["input"]["file"], c["input"]["shape"], type);
            std::vector<std::string> names;
            for (const auto& o : c["outputs"]) names.push_back(o["name"]);
            const auto outs = graph.run({{input_node, input}}, names);
            QCOMPARE(outs.size(), names.size());
            for (size_t k = 0; k < outs.size(); ++k) {
                const auto ref = read_tensor(c["outputs"][k]["file"], c["outputs"][k]["shape"], torch::kFloat);
                QCOMPARE(outs[k].sizes().vec(), ref.sizes().vec());
                const double d = max_rel_diff(outs[k], ref);
                qInfo("%s %s %s: max rel diff %.3g", model.c_str(), c["image"].get<std::string>().c_str(),
                      names[k].c_str(), d);
                QVERIFY2(d <= 1e-3, qPrintable(QString("%1 %2 output %3: max diff %4")
                                                       .arg(model.c_str(), c["image"].get<std::string>().c_str(),
                                                            names[k].c_str())
                                                       .arg(d)));
            }
        }
    }

    // The detector's pre-processing and full pipeline against TF.js's.
    void detector_parity(const std::string& model) {
        HOI_REQUIRE_FILE(ref_dir() + "/index.json");
        HOI_REQUIRE_FILE(hoi::test::models_dir() + "/" + model + ".json");
        QVERIFY(load_index());
        auto det = hoi::detect::make_detector(model, hoi::test::models_dir());
        auto* tdet = dynamic_cast<hoi::detect::TfjsDetector*>(det.get());
        QVERIFY(tdet);
        hoi::detect::DetectorOptions opt;
        opt.score_threshold = index_["score_threshold"].get<float>();
        opt.nms_iou = index_["nms_iou"].get<float>();
        opt.max_detections = index_["max_detections"].get<int>();
        for (const auto& c : index_["models"][model]["cases"]) {
            const std::string image = c["image"];
            const cv::Mat rgb = read_rgb(index_, image);
            const auto input = read_tensor(c["input"]["file"], c["input"]["shape"], torch::kFloat);
            const auto mine = tdet->preprocess(rgb);
            QCOMPARE(mine.sizes().vec(), input.sizes().vec());
            QVERIFY2(max_rel_diff(mine, input) <= 1e-3, image.c_str());

            const auto dets = det->detect(rgb, opt);
            // Every reference detection clearly above the threshold has a twin (class, IoU >= 0.99),
            // and vice versa.
            auto matched = [](const Detection& d, const std::vector<Detection>& pool) {
                for (const auto& p : pool)
                    if (p.class_id == d.class_id && hoi::detect::iou(p, d) >= 0.99f && std::abs(p.score - d.score) < 1e-3f)
                        return true;
                return false;
            };
            std::vector<Detection> ref;
            for (const auto& r : c["detections"]) {
                Detection d;
                d.x1 = r["box"][0];
                d.y1 = r["box"][1];
                d.x2 = r["box"][2];
                d.y2 = r["box"][3];
                d.class_id = r["class_id"];
                d.score = r["score"];
                ref.push_back(d);
            }
            for (const auto& r : ref)
                if (r.score > opt.score_threshold + 1e-3f)
                    QVERIFY2(matched(r, dets), qPrintable(QString("%1 %2: reference class %3 score %4 not found")
                                                                  .arg(model.c_str(), image.c_str())
                                                                  .arg(r.class_id)
                                                                  .arg(r.score)));
            for (const auto& d : dets)
                if (d.score > opt.score_threshold + 1e-3f)
                    QVERIFY2(matched(d, ref), qPrintable(QString("%1 %2: extra class %3 score %4")
                                                                 .arg(model.c_str(), image.c_str())
                                                                 .arg(d.class_id)
                                                                 .arg(d.score)));
        }
    }

private Q_SLOTS:
    void initTestCase() { hoi::init_runtime(); }

    void nanodetRaw() { raw_parity("nanodet"); }
    void centernetRaw() { raw_parity("centernet"); }
    void movenetRaw() { raw_parity("movenet-multipose"); }
    void nanodetDetections() { detector_parity("nanodet"); }
    void centernetDetections() { detector_parity("centernet"); }

    void movenetPoses() {
        HOI_REQUIRE_FILE(ref_dir() + "/index.json");
        HOI_REQUIRE_FILE(hoi::test::models_dir() + "/movenet-multipose.json");
        QVERIFY(load_index());
        hoi::detect::PoseEstimator pe(hoi::test::models_dir() + "/movenet-multipose.json");
        for (const auto& c : index_["models"]["movenet-multipose"]["cases"]) {
            const std::string image = c["image"];
            const auto poses = pe.estimate(read_rgb(index_, image));
            const auto& ref = c["poses"];
            QCOMPARE(poses.size(), ref.size());
            for (size_t i = 0; i < poses.size(); ++i) {
                QVERIFY(std::abs(poses[i].score - ref[i]["score"].get<float>()) < 1e-3f);
                for (size_t k = 0; k < 17; ++k) {
                    const auto& kp = poses[i].keypoints[k];
                    QVERIFY2(std::abs(kp.x - ref[i]["keypoints"][k][0].get<float>()) < 1.0f, image.c_str());
                    QVERIFY2(std::abs(kp.y - ref[i]["keypoints"][k][1].get<float>()) < 1.0f, image.c_str());
                    QVERIFY(std::abs(kp.score - ref[i]["keypoints"][k][2].get<float>()) < 1e-3f);
                }
            }
        }
    }
};

QTEST_GUILESS_MAIN(TestTfjsParity)
#include "tst_tfjs_parity.moc"
