// Detectors on real images (hand-checked boxes in tests/data/detect/expected.json), NMS, the
// factory, precise errors for damaged model files, YOLO ONNX decoding (a hand-written ONNX file),
// MoveNet poses and the `hoi detect` / `hoi pose` commands.
#include <QtTest>

#include "annotation/coco_classes.h"
#include "core.h"
#include "detect/detector.h"
#include "detect/tfjs_graph.h"
#include "io/error.h"
#include "io/image.h"
#include "simd.h"
#include "test_util.h"

#include <array>
#include <cmath>
#include <filesystem>
#include <fstream>

using hoi::test::detection;
using hoi::detect::Detection;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::string read_file(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void write_file(const std::string& p, const std::string& data) {
    std::ofstream out(p, std::ios::binary);
    out << data;
}

// The hoi::Error a callable throws ("" when none).
template <class F>
std::pair<std::string, hoi::ErrorKind> error_of(F&& f) {
    try {
        f();
    } catch (const hoi::Error& e) {
        return {e.what(), e.kind()};
    }
    return {"", hoi::ErrorKind::Internal};
}

// A minimal protobuf writer for hand-made ONNX files.
struct Pb {
    std::string s;
    void varint(uint64_t v) {
        while (v >= 0x80) { s.push_back(static_cast<char>(v | 0x80)); v >>= 7; }
        s.push_back(static_cast<char>(v));
    }
    Pb& i(int field, int64_t v) { varint(static_cast<uint64_t>(field) << 3); varint(static_cast<uint64_t>(v)); return *this; }
    Pb& b(int field, const std::string& bytes) {
        varint((static_cast<uint64_t>(field) << 3) | 2);
        varint(bytes.size());
        s += bytes;
        return *this;
    }
    Pb& m(int field, const Pb& msg) { return b(field, msg.s); }
};

Pb value_info(const std::string& name, const std::vector<int64_t>& dims) {
    Pb shape;
    for (auto d : dims) shape.m(1, Pb().i(1, d));
    Pb tensor_type;
    tensor_type.i(1, 1).m(2, shape); // FLOAT
    return Pb().b(1, name).m(2, Pb().m(1, tensor_type));
}

Pb initializer(const std::string& name, const std::vector<int64_t>& dims, int data_type, const std::string& raw) {
    Pb t;
    for (auto d : dims) t.i(1, d);
    t.i(2, data_type).b(8, name).b(9, raw);
    return t;
}

// An ONNX model whose output is the fixed tensor `values` of shape out_shape, whatever the
// [1,3,640,640] input: Conv (zero 1x1 weights, stride 640, bias = values) then Reshape.
std::string fixed_output_onnx(const std::vector<float>& values, const std::vector<int64_t>& out_shape) {
    const auto C = static_cast<int64_t>(values.size());
    const std::string zeros(static_cast<size_t>(C * 3) * sizeof(float), '\0');
    const std::string bias(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
    const std::string shape(reinterpret_cast<const char*>(out_shape.data()), out_shape.size() * sizeof(int64_t));
    Pb ks, st;
    ks.b(1, "kernel_shape").i(20, 7).i(8, 1).i(8, 1);
    st.b(1, "strides").i(20, 7).i(8, 640).i(8, 640);
    Pb conv;
    conv.b(1, "images").b(1, "W").b(1, "B").b(2, "conv_out").b(3, "conv").b(4, "Conv").m(5, ks).m(5, st);
    Pb reshape;
    reshape.b(1, "conv_out").b(1, "shape").b(2, "output0").b(3, "reshape").b(4, "Reshape");
    Pb graph;
    graph.m(1, conv).m(1, reshape).b(2, "fixed");
    graph.m(5, initializer("W", {C, 3, 1, 1}, 1, zeros));
    graph.m(5, initializer("B", {C}, 1, bias));
    graph.m(5, initializer("shape", {static_cast<int64_t>(out_shape.size())}, 7, shape));
    graph.m(11, value_info("images", {1, 3, 640, 640}));
    graph.m(12, value_info("output0", out_shape));
    Pb model;
    model.i(1, 7).b(2, "hoi-test").m(7, graph).m(8, Pb().b(1, "").i(2, 13));
    return model.s;
}

} // namespace
// A TF.js graph of one op reading the float32 input "x" and int32 / float32 constants (name ->
// shape and values, in the .bin in that order), written into dir; returns the model.json path.
struct ConstSpec {
    std::string name;
    std::vector<int64_t> shape;
    std::vector<int32_t> ints;   // int32 weight when not empty
    std::vector<float> floats;   // float32 weight otherwise
};
std::string write_tiny_graph(const QTemporaryDir& dir, const std::string& op, const std::vector<std::string>& inputs,
                             const std::vector<ConstSpec>& consts) {
    json nodes = json::array();
    nodes.push_back({{"name", "x"}, {"op", "Placeholder"},
                     {"attr", {{"dtype", {{"type", "DT_FLOAT"}}}, {"shape", {{"shape", {{"dim", {{{"size", "1"}}}}}}}}}}});
    json weights = json::array();
    std::string bin;
    for (const auto& c : consts) {
        const bool is_int = !c.ints.empty();
        nodes.push_back({{"name", c.name}, {"op", "Const"},
                         {"attr", {{"dtype", {{"type", is_int ? "DT_INT32" : "DT_FLOAT"}}}}}});
        weights.push_back({{"name", c.name}, {"shape", c.shape}, {"dtype", is_int ? "int32" : "float32"}});
        if (is_int) bin.append(reinterpret_cast<const char*>(c.ints.data()), c.ints.size() * 4);
        else bin.append(reinterpret_cast<const char*>(c.floats.data()), c.floats.size() * 4);
    }
    nodes.push_back({{"name", "y"}, {"op", op}, {"input", inputs}});
    const json model = {{"format", "graph-model"},
                        {"modelTopology", {{"node", nodes}}},
                        {"weightsManifest", {{{"paths", {"tiny.bin"}}, {"weights", weights}}}}};
    write_file(dir.path().toStdString() + "/tiny.bin", bin);
    const std::string p = dir.path().toStdString() + "/tiny.json";
    write_file(p, model.dump());
    return p;
}

// A hand-made TF.js graph: a float placeholder "x", constants (float32 or int32 tensors) and nodes,
// written as g.json + g.bin into a folder.
struct GraphFile {
    json nodes = json::array({{{"name", "x"}, {"op", "Placeholder"}, {"attr", {{"dtype", {{"type", "DT_FLOAT"}}}}}}});
    json weights = json::array();
    std::string bin;
    void constant(const std::string& name, const torch::Tensor& t) {
        const bool is_int = !t.is_floating_point();
        nodes.push_back({{"name", name}, {"op", "Const"}, {"attr", {{"dtype", {{"type", is_int ? "DT_INT32" : "DT_FLOAT"}}}}}});
        weights.push_back({{"name", name}, {"shape", t.sizes().vec()}, {"dtype", is_int ? "int32" : "float32"}});
        const auto c = t.to(is_int ? torch::kInt : torch::kFloat).contiguous();
        bin.append(static_cast<const char*>(c.data_ptr()), static_cast<size_t>(c.nbytes()));
    }
    void node(const std::string& name, const std::string& op, const std::vector<std::string>& inputs,
              const json& attr = json::object()) {
        nodes.push_back({{"name", name}, {"op", op}, {"input", inputs}, {"attr", attr}});
    }
    std::string write(const QTemporaryDir& dir) const {
        write_file(dir.path().toStdString() + "/g.bin", bin);
        const std::string p = dir.path().toStdString() + "/g.json";
        write_file(p, json({{"format", "graph-model"},
                            {"modelTopology", {{"node", nodes}}},
                            {"weightsManifest", {{{"paths", {"g.bin"}}, {"weights", weights}}}}})
                              .dump());
        return p;
    }
};

// The runner's own kernels on both code paths: AVX2 where the CPU has it, and the portable C++
// one (simd.h), which gives the same bits.
void kernel_paths() {
    QTest::addColumn<bool>("portable");
    if (hoi::cpu_has(hoi::SimdPath::Avx2Fma)) QTest::newRow("avx2") << false;
    QTest::newRow("portable") << true;
}

class TestDetector : public QObject {
    Q_OBJECT

    std::string model(const std::string& f) { return hoi::test::models_dir() + "/" + f; }
    std::string sample(const std::string& f) { return hoi::test::samples_dir() + "/" + f; }

    // Copies nanodet.json/.bin into dir (optionally editing the json) and returns the json path.
    std::string copy_nanodet(const QTemporaryDir& dir, const std::function<void(json&)>& edit = {},
                             const std::function<void(std::string&)>& edit_bin = {}) {
        json j = json::parse(read_file(model("nanodet.json")));
        if (edit) edit(j);
        std::string bin = read_file(model("nanodet.bin"));
        if (edit_bin) edit_bin(bin);
        const std::string p = dir.path().toStdString() + "/nanodet.json";
        write_file(p, j.dump());
        write_file(dir.path().toStdString() + "/nanodet.bin", bin);
        return p;
    }

    void check_fixtures(const std::string& detector) {
        HOI_REQUIRE_FILE(model(detector + ".json"));
        const json expected = json::parse(read_file(hoi::test::test_data_dir() + "/detect/expected.json"));
        const auto det = hoi::detect::make_detector(detector, hoi::test::models_dir());
        QCOMPARE(det->name(), detector);
        for (auto it = expected["images"].begin(); it != expected["images"].end(); ++it) {
            HOI_REQUIRE_FILE(sample(it.key()));
            const auto image = hoi::io::load_image(sample(it.key()));
            hoi::detect::DetectorOptions opt;
            opt.score_threshold = 0.2f;
            const auto dets = det->detect(image.rgb, opt);
            QString found;
            for (const auto& d : dets) {
                QVERIFY(d.x1 >= 0 && d.y1 >= 0 && d.x2 <= image.rgb.cols && d.y2 <= image.rgb.rows);
                QVERIFY(d.x1 <= d.x2 && d.y1 <= d.y2);
                QVERIFY(d.score >= opt.score_threshold && d.score <= 1);
                QCOMPARE(d.label, std::string(hoi::annotation::coco80_names()[static_cast<size_t>(d.class_id)]));
                found += QString("%1 %2 [%3 %4 %5 %6]; ").arg(d.label.c_str()).arg(d.score, 0, 'f', 2)
                                 .arg(d.x1, 0, 'f', 0).arg(d.y1, 0, 'f', 0).arg(d.x2, 0, 'f', 0).arg(d.y2, 0, 'f', 0);
            }
            for (size_t i = 1; i < dets.size(); ++i) QVERIFY(dets[i - 1].score >= dets[i].score);
            for (const auto& obj : it.value()["objects"]) {
                Detection want = detection(obj["box"][0], obj["box"][1], obj["box"][2], obj["box"][3], -1, 1);
                bool ok = false;
                for (const auto& d : dets)
                    for (const auto& label : obj["labels"])
                        ok |= d.label == label.get<std::string>() && hoi::detect::iou(d, want) >= 0.5f;
                QVERIFY2(ok, qPrintable(QString("%1 on %2: no %3 near %4; found: %5")
                                                .arg(detector.c_str(), it.key().c_str(), obj["labels"][0].get<std::string>().c_str(),
                                                     obj["box"].dump().c_str(), found)));
            }
            for (const auto& label : it.value()["absent"])
                for (const auto& d : dets)
                    QVERIFY2(d.label != label.get<std::string>() || d.score < 0.3f,
                             qPrintable(QString("%1 on %2: unexpected %3 (%4)").arg(detector.c_str(), it.key().c_str(),
                                                                                  d.label.c_str()).arg(d.score)));
        }
    }

private Q_SLOTS:
    void initTestCase() { hoi::init_runtime(); }
    void cleanup() { hoi::set_kernels_portable(false); }

    void iouAndNms() {
        QCOMPARE(hoi::detect::iou(detection(0, 0, 10, 10, 0, 1), detection(0, 0, 10, 10, 0, 1)), 1.f);
        QCOMPARE(hoi::detect::iou(detection(0, 0, 10, 10, 0, 1), detection(10, 0, 20, 10, 0, 1)), 0.f);
        QVERIFY(std::abs(hoi::detect::iou(detection(0, 0, 10, 10, 0, 1), detection(5, 0, 15, 10, 0, 1)) - 1.f / 3.f) < 1e-6f);
        QCOMPARE(hoi::detect::iou(detection(0, 0, 0, 10, 0, 1), detection(0, 0, 0, 10, 0, 1)), 0.f); // empty
        std::vector<Detection> dets = {detection(0, 0, 10, 10, 0, 0.5f), detection(1, 1, 11, 11, 0, 0.9f),
                                       detection(1, 1, 11, 11, 1, 0.7f), detection(50, 50, 60, 60, 0, 0.6f),
                                       detection(0, 0, 10, 10, 1, 0.2f)};
        auto kept = hoi::detect::nms_classwise(dets, 0.5f, 100);
        QCOMPARE(kept.size(), size_t(3)); // class 0: 0.9 and the far 0.6; class 1: 0.7
        QCOMPARE(kept[0].score, 0.9f);
        QCOMPARE(kept[1].score, 0.7f);
        QCOMPARE(kept[1].class_id, 1);
        QCOMPARE(kept[2].score, 0.6f);
        QCOMPARE(hoi::detect::nms_classwise(dets, 0.5f, 2).size(), size_t(2));
        QCOMPARE(hoi::detect::nms_classwise(dets, 1.0f, 0).size(), dets.size()); // IoU 1 keeps all
        QVERIFY(hoi::detect::nms_classwise({}, 0.5f, 10).empty());
    }

    void nanodetOnSamples() { check_fixtures("nanodet"); }
    void centernetOnSamples() { check_fixtures("centernet"); }

    void factory() {
        auto e = error_of([] { hoi::detect::make_detector("nosuchdetector", "/nonexistent"); });
        QCOMPARE(e.second, hoi::ErrorKind::Usage);
        QVERIFY2(e.first.find("unknown detector 'nosuchdetector'") != std::string::npos, e.first.c_str());
        e = error_of([] { hoi::detect::make_detector("nanodet", "/nonexistent"); });
        QCOMPARE(e.second, hoi::ErrorKind::Model);
        QVERIFY2(e.first.find("nanodet.json") != std::string::npos && e.first.find("missing") != std::string::npos,
                 e.first.c_str());
        e = error_of([] { hoi::detect::make_detector("/nonexistent/model.onnx"); });
        QCOMPARE(e.second, hoi::ErrorKind::Model);
        HOI_REQUIRE_FILE(model("nanodet.json"));
        const auto d = hoi::detect::make_detector(model("nanodet.json"));
        QCOMPARE(d->name(), std::string("nanodet"));
        QCOMPARE(d->input_width(), 416);
        QCOMPARE(d->checksum().size(), size_t(16));
        // Bad images.
        e = error_of([&] { d->detect(cv::Mat()); });
        QCOMPARE(e.second, hoi::ErrorKind::Input);
        e = error_of([&] { d->detect(cv::Mat(10, 10, CV_8UC1, cv::Scalar(0))); });
        QCOMPARE(e.second, hoi::ErrorKind::Input);
        // A tiny and a very elongated image still work (boxes inside the image).
        for (auto size : {cv::Size(1, 1), cv::Size(2000, 3)}) {
            const auto dets = d->detect(cv::Mat(size, CV_8UC3, cv::Scalar(90, 120, 200)));
            for (const auto& x : dets) QVERIFY(x.x2 <= size.width && x.y2 <= size.height);
        }
    }

    void truncatedWeights() {
        HOI_REQUIRE_FILE(model("nanodet.json"));
        QTemporaryDir dir;
        const auto p = copy_nanodet(dir, {}, [](std::string& bin) { bin.resize(bin.size() - 1000); });
        auto e = error_of([&] { hoi::detect::make_detector(p); });
        QCOMPARE(e.second, hoi::ErrorKind::Model);
        QVERIFY2(e.first.find("nanodet.bin has only") != std::string::npos && e.first.find("weight '") != std::string::npos &&
                         e.first.find("truncated") != std::string::npos,
                 e.first.c_str());
        // Extra bytes are as wrong as missing ones.
        QTemporaryDir dir2;
        const auto p2 = copy_nanodet(dir2, {}, [](std::string& bin) { bin += "xxxx"; });
        e = error_of([&] { hoi::detect::make_detector(p2); });
        QCOMPARE(e.second, hoi::ErrorKind::Model);
        QVERIFY2(e.first.find("mismatched weight file") != std::string::npos, e.first.c_str());
        // No .bin at all.
        QTemporaryDir dir3;
        const auto p3 = copy_nanodet(dir3);
        fs::remove(dir3.path().toStdString() + "/nanodet.bin");
        e = error_of([&] { hoi::detect::make_detector(p3); });
        QCOMPARE(e.second, hoi::ErrorKind::Model);
        QVERIFY2(e.first.find("cannot open") != std::string::npos && e.first.find("nanodet.bin") != std::string::npos,
                 e.first.c_str());
    }

    void manifestShapeMismatch() {
        HOI_REQUIRE_FILE(model("nanodet.json"));
        // Swap two dimensions of a 4-D float weight: same byte count, but not the graph's shape.
        std::string name;
        QTemporaryDir dir;
        const auto p = copy_nanodet(dir, [&](json& j) {
            for (auto& w : j["weightsManifest"][0]["weights"])
                if (w["shape"].size() == 4 && w["shape"][2] != w["shape"][3] && name.empty()) {
                    const int64_t a = w["shape"][2].get<int64_t>();
                    w["shape"][2] = w["shape"][3].get<int64_t>();
                    w["shape"][3] = a;
                    name = w["name"];
                }
        });
        QVERIFY(!name.empty());
        auto e = error_of([&] { hoi::detect::make_detector(p); });
        QCOMPARE(e.second, hoi::ErrorKind::Model);
        QVERIFY2(e.first.find("'" + name + "'") != std::string::npos && e.first.find("shape") != std::string::npos,
                 e.first.c_str());
        // A shape with more elements runs past the data.
        QTemporaryDir dir2;
        const auto p2 = copy_nanodet(dir2, [&](json& j) {
            for (auto& w : j["weightsManifest"][0]["weights"])
                if (!w["shape"].empty() && w["shape"][0].get<int>() > 1) {
                    w["shape"][0] = w["shape"][0].get<int>() * 2;
                    break;
                }
        });
        e = error_of([&] { hoi::detect::make_detector(p2); });
        QCOMPARE(e.second, hoi::ErrorKind::Model);
        QVERIFY2(!e.first.empty(), "a doubled weight shape must not load");
    }

    void sizesFromData() {
        // SparseToDense sized by a weight (garbage: 100000 x 100000 floats, 40 GB): refused before
        // allocating, naming the node, when the graph runs (its values come from the input).
        QTemporaryDir dir;
        auto p = write_tiny_graph(dir, "SparseToDense", {"idx", "shape", "x", "zero"},
                                  {{"idx", {1, 2}, {0, 1}, {}}, {"shape", {2}, {100000, 100000}, {}}, {"zero", {}, {}, {0.f}}});
        hoi::detect::TfjsGraph g(p);
        auto e = error_of([&] { g.run({{"x", torch::full({1}, 7.f)}}, {"y"}); });
        QCOMPARE(e.second, hoi::ErrorKind::Input);
        QVERIFY2(e.first.find("node 'y' (SparseToDense)") != std::string::npos &&
                         e.first.find("more than 268435456 elements") != std::string::npos &&
                         e.first.find("Exception raised") == std::string::npos,
                 e.first.c_str());
        // The same graph with a sane shape works.
        QTemporaryDir dir2;
        p = write_tiny_graph(dir2, "SparseToDense", {"idx", "shape", "x", "zero"},
                             {{"idx", {1, 2}, {0, 1}, {}}, {"shape", {2}, {2, 3}, {}}, {"zero", {}, {}, {0.f}}});
        const auto y = hoi::detect::TfjsGraph(p).run({{"x", torch::full({1}, 7.f)}}, {"y"})[0];
        QCOMPARE(y.sizes().vec(), std::vector<int64_t>({2, 3}));
        QCOMPARE(y[0][1].item<float>(), 7.f);
        QCOMPARE(y.sum().item<float>(), 7.f);
        // Fill of constants only is evaluated at load: a Model error there. A negative dimension too.
        for (std::vector<int32_t> dims : {std::vector<int32_t>{65536, 65536, 16}, std::vector<int32_t>{4, -3}}) {
            QTemporaryDir dir3;
            p = write_tiny_graph(dir3, "Fill", {"dims", "v"},
                                 {{"dims", {static_cast<int64_t>(dims.size())}, dims, {}}, {"v", {}, {}, {1.f}}});
            e = error_of([&] { hoi::detect::TfjsGraph g3(p); });
            QCOMPARE(e.second, hoi::ErrorKind::Model);
            QVERIFY2(e.first.find("node 'y' (Fill)") != std::string::npos &&
                             (e.first.find("more than") != std::string::npos || e.first.find("negative") != std::string::npos),
                     e.first.c_str());
        }
        // Tile repeating 2^30 times.
        QTemporaryDir dir4;
        p = write_tiny_graph(dir4, "Tile", {"x", "reps"}, {{"reps", {1}, {1 << 30}, {}}});
        e = error_of([&] { hoi::detect::TfjsGraph(p).run({{"x", torch::ones({1})}}, {"y"}); });
        QCOMPARE(e.second, hoi::ErrorKind::Input);
        QVERIFY2(e.first.find("Tile output") != std::string::npos, e.first.c_str());
    }

    void garbageWeights() {
        HOI_REQUIRE_FILE(model("nanodet.json"));
        // A .bin of the right size holding garbage (all bits set: NaN in float32 and float16).
        QTemporaryDir dir;
        const auto p = copy_nanodet(dir, {}, [](std::string& bin) { bin.assign(bin.size(), '\xff'); });
        auto e = error_of([&] { hoi::detect::make_detector(p); });
        QCOMPARE(e.second, hoi::ErrorKind::Model);
        QVERIFY2(e.first.find("holds NaN values") != std::string::npos && e.first.find("weight '") != std::string::npos,
                 e.first.c_str());
        // A weight shape whose element count overflows 64 bits (2^32 x 2^32 x ...): a clear error.
        QTemporaryDir dir2;
        const auto p2 = copy_nanodet(dir2, [](json& j) {
            j["weightsManifest"][0]["weights"][0]["shape"] = {4294967296LL, 4294967296LL, 4};
        });
        e = error_of([&] { hoi::detect::make_detector(p2); });
        QCOMPARE(e.second, hoi::ErrorKind::Model);
        QVERIFY2(e.first.find("needs more bytes than nanodet.bin has") != std::string::npos, e.first.c_str());
        // A huge or malformed input shape in the graph: exit 3 and a message, no LibTorch trace.
        for (const char* size : {"100000", "99999999999999999999999", "abc"}) {
            QTemporaryDir dir3;
            const auto p3 = copy_nanodet(dir3, [&](json& j) {
                for (auto& n : j["modelTopology"]["node"])
                    if (n["op"] == "Placeholder")
                        for (int d : {2, 3}) n["attr"]["shape"]["shape"]["dim"][d]["size"] = size;
                if (j.contains("signature"))
                    for (auto& [k, v] : j["signature"]["inputs"].items())
                        if (v.contains("tensorShape"))
                            for (int d : {2, 3}) v["tensorShape"]["dim"][d]["size"] = size;
            });
            HOI_REQUIRE_FILE(sample("person.jpg"));
            const auto r = hoi::test::run_hoi({"detect", "--image", QString::fromStdString(sample("person.jpg")),
                                               "--detector", QString::fromStdString(p3)});
            QVERIFY2(r.exit_code == 3, r.err.c_str());
            QVERIFY2(r.err.find("nanodet.json") != std::string::npos && r.err.find("frame #") == std::string::npos &&
                             r.err.find("internal error") == std::string::npos && r.err.find('\n') == r.err.size() - 1,
                     r.err.c_str());
        }
    }

    void outputsAsDeclared() {
        HOI_REQUIRE_FILE(model("nanodet.json"));
        HOI_REQUIRE_FILE(sample("person.jpg"));
        // The stride-8 scores output pointed at the stride-16 node: its 676 rows would be decoded on
        // the 52 x 52 grid (wrong boxes, silently). The declared shape is checked instead.
        QTemporaryDir dir;
        const auto p = copy_nanodet(dir, [](json& j) { j["signature"]["outputs"]["Identity:0"]["name"] = "Identity_1:0"; });
        const auto d = hoi::detect::make_detector(p);
        auto e = error_of([&] { d->detect(hoi::io::load_image(sample("person.jpg")).rgb); });
        QCOMPARE(e.second, hoi::ErrorKind::Model);
        QVERIFY2(e.first.find("output 'Identity:0' has shape [1,676,80], the signature declares [1,2704,80]") !=
                         std::string::npos,
                 e.first.c_str());
    }

    void unknownOpAndAttribute() {
        HOI_REQUIRE_FILE(model("nanodet.json"));
        QTemporaryDir dir;
        std::string node;
        const auto p = copy_nanodet(dir, [&](json& j) {
            for (auto& n : j["modelTopology"]["node"])
                if (n["op"] == "LeakyRelu") { n["op"] = "FancyActivation"; node = n["name"]; break; }
        });
        auto e = error_of([&] { hoi::detect::make_detector(p); });
        QCOMPARE(e.second, hoi::ErrorKind::Model);
        QVERIFY2(e.first.find("unsupported op 'FancyActivation'") != std::string::npos &&
                         e.first.find("'" + node + "'") != std::string::npos,
                 e.first.c_str());
        // An unsupported attribute value: a Conv2D with padding "CIRCULAR".
        QTemporaryDir dir2;
        const auto p2 = copy_nanodet(dir2, [&](json& j) {
            for (auto& n : j["modelTopology"]["node"])
                if (n["op"] == "Conv2D") { n["attr"]["padding"]["s"] = "Q0lSQ1VMQVI="; node = n["name"]; break; }
        });
        e = error_of([&] { hoi::detect::make_detector(p2); });
        QCOMPARE(e.second, hoi::ErrorKind::Model);
        QVERIFY2(e.first.find("unsupported padding 'CIRCULAR'") != std::string::npos &&
                         e.first.find("'" + node + "'") != std::string::npos,
                 e.first.c_str());
        // A node reading a node that does not exist.
        QTemporaryDir dir3;
        const auto p3 = copy_nanodet(dir3, [&](json& j) {
            for (auto& n : j["modelTopology"]["node"])
                if (n["op"] == "Sigmoid") { n["input"][0] = "no_such_node"; break; }
        });
        e = error_of([&] { hoi::detect::make_detector(p3); });
        QCOMPARE(e.second, hoi::ErrorKind::Model);
        QVERIFY2(e.first.find("'no_such_node'") != std::string::npos, e.first.c_str());
        // Not JSON.
        QTemporaryDir dir4;
        const std::string p4 = dir4.path().toStdString() + "/broken.json";
        write_file(p4, "{\"modelTopology\": [");
        e = error_of([&] { hoi::detect::make_detector(p4); });
        QCOMPARE(e.second, hoi::ErrorKind::Model);
    }

    void onnxYoloV8() {
        QTemporaryDir dir;
        // [1,84,N] with N = 4 candidates: cx, cy, w, h, 80 class scores.
        const int N = 4;
        std::vector<float> v(static_cast<size_t>(84 * N), 0.f);
        auto set = [&](int i, float cx, float cy, float w, float h, int cls, float s) {
            v[static_cast<size_t>(0 * N + i)] = cx;
            v[static_cast<size_t>(1 * N + i)] = cy;
            v[static_cast<size_t>(2 * N + i)] = w;
            v[static_cast<size_t>(3 * N + i)] = h;
            v[static_cast<size_t>((4 + cls) * N + i)] = s;
        };
        set(0, 100, 100, 50, 80, 0, 0.9f);
        set(1, 104, 102, 50, 80, 0, 0.8f);  // overlaps 0: suppressed
        set(2, 400, 300, 100, 60, 32, 0.6f);
        set(3, 500, 500, 10, 10, 5, 0.1f);  // below the threshold
        const std::string p = dir.path().toStdString() + "/yolov8-fixed.onnx";
        write_file(p, fixed_output_onnx(v, {1, 84, N}));
        const auto det = hoi::detect::make_detector(p);
        QCOMPARE(det->name(), std::string("yolov8-fixed"));
        QCOMPARE(det->input_width(), 640);
        auto dets = det->detect(cv::Mat(640, 640, CV_8UC3, cv::Scalar(0, 0, 0)));
        QCOMPARE(dets.size(), size_t(2));
        QCOMPARE(dets[0].label, std::string("person"));
        QVERIFY(std::abs(dets[0].score - 0.9f) < 1e-5f);
        QVERIFY(std::abs(dets[0].x1 - 75) < 1e-3f && std::abs(dets[0].y1 - 60) < 1e-3f);
        QVERIFY(std::abs(dets[0].x2 - 125) < 1e-3f && std::abs(dets[0].y2 - 140) < 1e-3f);
        QCOMPARE(dets[1].label, std::string("sports ball"));
        QCOMPARE(dets[1].class_id, 32);
        // A 1280x640 image is letterboxed (scale 0.5, 160 px bands above and below): the person lies
        // in the band (nothing left of it after clipping to the image), the ball maps back.
        dets = det->detect(cv::Mat(640, 1280, CV_8UC3, cv::Scalar(0, 0, 0)));
        QCOMPARE(dets.size(), size_t(1));
        QVERIFY(std::abs(dets[0].x1 - 700) < 1e-3f && std::abs(dets[0].y1 - 220) < 1e-3f);
        QVERIFY(std::abs(dets[0].x2 - 900) < 1e-3f && std::abs(dets[0].y2 - 340) < 1e-3f);
    }

    void onnxYoloV5() {
        QTemporaryDir dir;
        const int N = 2;
        std::vector<float> v(static_cast<size_t>(85 * N), 0.f);
        auto row = [&](int i) { return v.data() + 85 * i; };
        row(0)[0] = 320; row(0)[1] = 320; row(0)[2] = 100; row(0)[3] = 200; row(0)[4] = 0.8f; row(0)[5 + 17] = 0.9f;
        row(1)[0] = 50; row(1)[1] = 50; row(1)[2] = 20; row(1)[3] = 20; row(1)[4] = 0.5f; row(1)[5 + 2] = 0.4f; // 0.2
        const std::string p = dir.path().toStdString() + "/v5.onnx";
        write_file(p, fixed_output_onnx(v, {1, N, 85}));
        const auto dets = hoi::detect::make_detector(p)->detect(cv::Mat(640, 640, CV_8UC3, cv::Scalar(1, 2, 3)));
        QCOMPARE(dets.size(), size_t(1)); // objectness x class: 0.72 kept, 0.2 < 0.3 dropped
        QCOMPARE(dets[0].label, std::string("horse"));
        QVERIFY(std::abs(dets[0].score - 0.72f) < 1e-5f);
        QVERIFY(std::abs(dets[0].x1 - 270) < 1e-3f && std::abs(dets[0].y2 - 420) < 1e-3f);
    }

    void onnxWrongLayout() {
        QTemporaryDir dir;
        const std::string p = dir.path().toStdString() + "/wrong.onnx";
        write_file(p, fixed_output_onnx(std::vector<float>(70, 0.5f), {1, 10, 7}));
        auto e = error_of([&] { hoi::detect::make_detector(p); });
        QCOMPARE(e.second, hoi::ErrorKind::Model);
        QVERIFY2(e.first.find("unsupported output layout [1,10,7]") != std::string::npos &&
                         e.first.find("YOLOv8 [1,84,N]") != std::string::npos,
                 e.first.c_str());
        const std::string garbage = dir.path().toStdString() + "/garbage.onnx";
        write_file(garbage, "this is not protobuf at all");
        e = error_of([&] { hoi::detect::make_detector(garbage); });
        QCOMPARE(e.second, hoi::ErrorKind::Model);
        QVERIFY2(e.first.find("garbage.onnx") != std::string::npos, e.first.c_str());
    }

    void regionOfAnImageAsItsCopy() {
        // A region of a larger image (rows with a step wider than the region) gives the detector's
        // and the pose model's results of its own copy, value for value.
        HOI_REQUIRE_FILE(model("nanodet.json"));
        HOI_REQUIRE_FILE(model("movenet-multipose.json"));
        HOI_REQUIRE_FILE(sample("messi5.jpg"));
        const auto img = hoi::io::load_image(sample("messi5.jpg"));
        const cv::Mat region = img.rgb(cv::Rect(30, 20, 420, 300));
        QVERIFY(!region.isContinuous());
        const cv::Mat copy = region.clone();
        const auto det = hoi::detect::make_detector("nanodet", hoi::test::models_dir());
        hoi::detect::DetectorOptions opt;
        opt.score_threshold = 0.05f;
        const auto a = det->detect(region, opt), b = det->detect(copy, opt);
        QVERIFY(!a.empty());
        QCOMPARE(a.size(), b.size());
        for (size_t i = 0; i < a.size(); ++i) {
            QCOMPARE(a[i].class_id, b[i].class_id);
            QVERIFY(a[i].score == b[i].score && a[i].x1 == b[i].x1 && a[i].y1 == b[i].y1 && a[i].x2 == b[i].x2 &&
                    a[i].y2 == b[i].y2);
        }
        hoi::detect::PoseEstimator pe(model("movenet-multipose.json"));
        const auto p = pe.estimate(region), q = pe.estimate(copy);
        QVERIFY(!p.empty());
        QCOMPARE(p.size(), q.size());
        for (size_t i = 0; i < p.size(); ++i) {
            QVERIFY(p[i].score == q[i].score);
            for (size_t k = 0; k < p[i].keypoints.size(); ++k)
                QVERIFY(p[i].keypoints[k].x == q[i].keypoints[k].x && p[i].keypoints[k].y == q[i].keypoints[k].y);
        }
    }

    void poses() {
        HOI_REQUIRE_FILE(model("movenet-multipose.json"));
        HOI_REQUIRE_FILE(sample("messi5.jpg"));
        hoi::detect::PoseEstimator pe(model("movenet-multipose.json"));
        QCOMPARE(pe.input_width(), 256);
        const auto img = hoi::io::load_image(sample("messi5.jpg"));
        const auto poses = pe.estimate(img.rgb);
        QVERIFY(!poses.empty());
        const auto& p = poses[0];
        // The pose is Messi's: its box overlaps his, its confident keypoints lie in his box.
        QVERIFY(hoi::detect::iou(detection(p.x1, p.y1, p.x2, p.y2, 0, 1), detection(66, 62, 452, 336, 0, 1)) >= 0.5f);
        int confident = 0;
        for (const auto& k : p.keypoints)
            if (k.score > 0.3f) {
                ++confident;
                QVERIFY(k.x >= 50 && k.x <= 470 && k.y >= 40 && k.y <= 342);
            }
        QVERIFY(confident >= 10);
        // The nose is above the ankles.
        QVERIFY(p.keypoints[0].y < p.keypoints[15].y && p.keypoints[0].y < p.keypoints[16].y);
        HOI_REQUIRE_FILE(sample("dog.jpg"));
        QVERIFY(pe.estimate(hoi::io::load_image(sample("dog.jpg")).rgb).empty());
    }

    void paddedResizeIsExact() {
        // Resizing through a virtual zero padding gives the bits of padding first, for any placement.
        torch::manual_seed(5);
        const auto x = torch::randint(0, 256, {1, 7, 23, 3}).to(torch::kFloat);
        for (auto [top, left, ch, cw] : std::vector<std::array<int64_t, 4>>{{0, 0, 7, 23}, {8, 0, 23, 23}, {3, 5, 17, 31}}) {
            const auto padded = torch::constant_pad_nd(x, {0, 0, left, cw - 23 - left, top, ch - 7 - top}, 0);
            for (int64_t out : {5, 16, 40}) {
                const auto a = hoi::detect::tf_resize_bilinear(padded, out, out, false, false);
                const auto b = hoi::detect::tf_resize_bilinear_padded(x, ch, cw, top, left, out, out, false, false);
                QVERIFY2(torch::equal(a, b), qPrintable(QString("top %1 left %2 out %3").arg(top).arg(left).arg(out)));
                // An 8-bit image is read as it is: the same floats as from its float copy.
                const auto c = hoi::detect::tf_resize_bilinear_padded(x.to(torch::kUInt8), ch, cw, top, left, out, out, false, false);
                QCOMPARE(c.scalar_type(), torch::kFloat);
                QVERIFY(torch::equal(b, c));
                QVERIFY(torch::equal(hoi::detect::tf_resize_bilinear(padded.to(torch::kUInt8), out, out, true, false),
                                     hoi::detect::tf_resize_bilinear(padded, out, out, true, false)));
            }
        }
    }

    void biasAndActivationFoldIntoConvolutions() {
        // conv -> Add(bias) -> Transpose -> LeakyRelu (NanoDet's pattern) and depthwise ->
        // BiasAdd -> Relu6 run as fused convolutions; every node keeps its TensorFlow value.
        torch::manual_seed(3);
        const auto w1 = torch::randn({3, 3, 3, 4}), b1 = torch::randn({4});
        const auto w2 = torch::randn({3, 3, 3, 2}), b2 = torch::randn({6});
        GraphFile gf;
        const json conv_attr = {{"strides", {{"list", {{"i", {"1", "1", "1", "1"}}}}}},
                                {"padding", {{"s", "U0FNRQ=="}}}, // SAME
                                {"data_format", {{"s", "TkhXQw=="}}}}; // NHWC
        gf.constant("w1", w1);
        gf.constant("b1", b1);
        gf.constant("w2", w2);
        gf.constant("b2", b2);
        gf.constant("perm", torch::tensor({0, 3, 1, 2}));
        gf.node("conv", "Conv2D", {"x", "w1"}, conv_attr);
        gf.node("add", "Add", {"conv", "b1"});
        gf.node("t", "Transpose", {"add", "perm"});
        gf.node("y", "LeakyRelu", {"t"}, {{"alpha", {{"f", 0.25}}}});
        gf.node("dw", "DepthwiseConv2dNative", {"x", "w2"}, conv_attr);
        gf.node("badd", "BiasAdd", {"dw", "b2"});
        gf.node("z", "Relu6", {"badd"});
        QTemporaryDir dir;
        const std::string p = gf.write(dir);
        hoi::detect::TfjsGraph g(p);
        const auto ops = g.op_counts();
        QVERIFY2(!ops.count("LeakyRelu") && !ops.count("Add") && !ops.count("BiasAdd") && !ops.count("Relu6"),
                 "the bias adds and activations are folded");

        const auto x = torch::randn({1, 6, 7, 3});
        const auto xn = x.permute({0, 3, 1, 2});
        const auto conv = torch::conv2d(xn, w1.permute({3, 2, 0, 1}), {}, 1, 1);           // NCHW
        const auto dw = torch::conv2d(xn, w2.permute({2, 3, 0, 1}).reshape({6, 1, 3, 3}), {}, 1, 1, 1, 3);
        const std::map<std::string, torch::Tensor> want = {
                {"conv", conv.permute({0, 2, 3, 1})},
                {"add", (conv + b1.view({1, 4, 1, 1})).permute({0, 2, 3, 1})},
                {"t", conv + b1.view({1, 4, 1, 1})},
                {"y", torch::leaky_relu(conv + b1.view({1, 4, 1, 1}), 0.25)},
                {"dw", dw.permute({0, 2, 3, 1})},
                {"badd", (dw + b2.view({1, 6, 1, 1})).permute({0, 2, 3, 1})},
                {"z", (dw + b2.view({1, 6, 1, 1})).clamp(0, 6).permute({0, 2, 3, 1})}};
        for (const auto& outputs : std::vector<std::vector<std::string>>{{"y", "z"}, {"conv", "add", "t", "dw", "badd"}}) {
            const auto got = g.run({{"x", x}}, outputs);
            for (size_t i = 0; i < outputs.size(); ++i) {
                const auto& w = want.at(outputs[i]);
                QCOMPARE(got[i].sizes().vec(), w.sizes().vec());
                QVERIFY2((got[i] - w).abs().max().item<float>() < 1e-4f, outputs[i].c_str());
            }
        }
    }

    void depthwiseConvolutionKeepsOneDnnBits_data() { kernel_paths(); }
    void depthwiseConvolutionKeepsOneDnnBits() {
        QFETCH(bool, portable);
        hoi::set_kernels_portable(portable);
        // Depthwise convolutions (with a bias and Relu6 or Relu folded in, or bare) run by the
        // runner's own NHWC kernel give, bit for bit, what oneDNN gave: its padded copy for
        // TensorFlow's uneven SAME padding, its convolution with the bias, then ATen's activation.
        // Channels not a multiple of 8 or 16, 3x3 and 5x5 filters, strides 1 and 2, dilation 2,
        // VALID padding, images narrower than the filter's reach, -0 and exact zeros.
        struct Case {
            int64_t k, c, stride, dil;
            const char* padding; // base64 of SAME / VALID
            const char* act;     // "" (bare), "Relu", "Relu6"
            int64_t h, w;
        };
        const Case cases[] = {{3, 18, 1, 1, "U0FNRQ==", "Relu6", 13, 11}, {3, 40, 2, 1, "U0FNRQ==", "Relu6", 16, 10},
                              {5, 24, 2, 1, "U0FNRQ==", "Relu", 9, 14},   {3, 144, 2, 1, "U0FNRQ==", "Relu6", 8, 8},
                              {3, 8, 1, 2, "VkFMSUQ=", "", 12, 9},       {5, 37, 1, 1, "U0FNRQ==", "", 3, 2},
                              {3, 240, 1, 1, "U0FNRQ==", "Relu6", 6, 7}};
        torch::manual_seed(21);
        for (const auto& t : cases) {
            const auto w = torch::randn({t.k, t.k, t.c, 1}), b = torch::randn({t.c});
            GraphFile gf;
            gf.constant("w", w);
            gf.constant("b", b);
            const json attr = {{"strides", {{"list", {{"i", {"1", std::to_string(t.stride), std::to_string(t.stride), "1"}}}}}},
                               {"dilations", {{"list", {{"i", {"1", std::to_string(t.dil), std::to_string(t.dil), "1"}}}}}},
                               {"padding", {{"s", t.padding}}},
                               {"data_format", {{"s", "TkhXQw=="}}}};
            gf.node("dw", "DepthwiseConv2dNative", {"x", "w"}, attr);
            std::string y = "dw";
            if (*t.act) {
                gf.node("badd", "BiasAdd", {"dw", "b"});
                gf.node("y", t.act, {"badd"});
                y = "y";
            }
            QTemporaryDir dir;
            const hoi::detect::TfjsGraph g(gf.write(dir));
            auto x = torch::randn({2, t.h, t.w, t.c}) * 3;
            x.view(-1).index_put_({torch::arange(0, x.numel(), 5)}, 0.0f);
            x.view(-1).index_put_({torch::arange(1, x.numel(), 11)}, -0.0f);
            const auto got = g.run({{"x", x}}, {y})[0];

            // The path before: oneDNN with symmetric padding only, an uneven pad as a copy first.
            const bool same = std::string(t.padding) == "U0FNRQ==";
            auto total = [&](int64_t in) {
                const int64_t out = (in + t.stride - 1) / t.stride, eff = (t.k - 1) * t.dil + 1;
                return same ? std::max<int64_t>((out - 1) * t.stride + eff - in, 0) : int64_t{0};
            };
            const int64_t th = total(t.h), tw = total(t.w);
            torch::Tensor xn = x.permute({0, 3, 1, 2});
            std::vector<int64_t> pad{th / 2, tw / 2};
            if (th % 2 || tw % 2) {
                xn = torch::constant_pad_nd(xn, {tw / 2, tw - tw / 2, th / 2, th - th / 2}, 0);
                pad = {0, 0};
            }
            const auto wt = w.permute({2, 3, 0, 1}).reshape({t.c, 1, t.k, t.k});
            auto want = at::mkldnn_convolution(xn.contiguous(at::MemoryFormat::ChannelsLast),
                                               wt.contiguous(at::MemoryFormat::ChannelsLast),
                                               *t.act ? c10::optional<torch::Tensor>(b) : c10::nullopt, pad,
                                               {t.stride, t.stride}, {t.dil, t.dil}, t.c);
            if (std::string(t.act) == "Relu6") want.clamp_(0, 6);
            if (std::string(t.act) == "Relu") want.relu_();
            want = want.permute({0, 2, 3, 1});
            const QByteArray what = QByteArray::number(static_cast<qlonglong>(t.k)) + "x" + QByteArray::number(static_cast<qlonglong>(t.k)) +
                                    " C=" + QByteArray::number(static_cast<qlonglong>(t.c)) + " stride " +
                                    QByteArray::number(static_cast<qlonglong>(t.stride)) + " " + t.act;
            QVERIFY2(got.sizes() == want.sizes(), what.constData());
            QVERIFY2(torch::equal(got.contiguous().view(torch::kInt), want.contiguous().view(torch::kInt)), what.constData());
        }
    }

    void maxPoolKeepsAtenValues_data() { kernel_paths(); }
    void maxPoolKeepsAtenValues() {
        QFETCH(bool, portable);
        hoi::set_kernels_portable(portable);
        // MaxPool on NHWC memory by the runner's own kernel gives torch::max_pool2d's values bit for
        // bit (the path before: channels-last from 8 channels, TensorFlow's uneven SAME padding as a
        // -inf copy first): NaN wins, ties and -0, -inf, one channel and channel tails, 2x2 and 3x3
        // windows, strides 1 and 2, SAME and VALID.
        struct Case {
            int64_t k, stride, c, h, w;
            const char* padding;
        };
        const Case cases[] = {{3, 2, 32, 14, 15, "U0FNRQ=="}, {3, 1, 80, 9, 8, "U0FNRQ=="}, {3, 1, 1, 12, 12, "U0FNRQ=="},
                              {2, 2, 13, 7, 9, "VkFMSUQ="},   {3, 2, 5, 2, 3, "U0FNRQ=="}};
        torch::manual_seed(8);
        for (const auto& t : cases) {
            GraphFile gf;
            const auto k = std::to_string(t.k), st = std::to_string(t.stride);
            gf.node("y", "MaxPool", {"x"},
                    {{"ksize", {{"list", {{"i", {"1", k, k, "1"}}}}}}, {"strides", {{"list", {{"i", {"1", st, st, "1"}}}}}},
                     {"padding", {{"s", t.padding}}}, {"data_format", {{"s", "TkhXQw=="}}}});
            QTemporaryDir dir;
            const hoi::detect::TfjsGraph g(gf.write(dir));
            auto x = torch::randint(-3, 4, {2, t.h, t.w, t.c}).to(torch::kFloat); // many ties
            auto flat = x.view(-1);
            flat.index_put_({torch::arange(0, x.numel(), 7)}, -0.0f);
            flat.index_put_({torch::arange(3, x.numel(), 17)}, NAN);
            flat.index_put_({torch::arange(5, x.numel(), 19)}, -INFINITY);
            const auto got = g.run({{"x", x}}, {"y"})[0];

            const bool same = std::string(t.padding) == "U0FNRQ==";
            auto total = [&](int64_t in) {
                const int64_t out = (in + t.stride - 1) / t.stride;
                return same ? std::max<int64_t>((out - 1) * t.stride + t.k - in, 0) : int64_t{0};
            };
            const int64_t th = total(t.h), tw = total(t.w);
            auto xn = x.permute({0, 3, 1, 2});
            xn = t.c >= 8 ? xn.contiguous(at::MemoryFormat::ChannelsLast) : xn.contiguous();
            torch::Tensor want;
            if (th % 2 == 0 && tw % 2 == 0) {
                want = torch::max_pool2d(xn, {t.k, t.k}, {t.stride, t.stride}, {th / 2, tw / 2});
            } else {
                xn = torch::constant_pad_nd(xn, {tw / 2, tw - tw / 2, th / 2, th - th / 2}, -INFINITY);
                want = torch::max_pool2d(xn, {t.k, t.k}, {t.stride, t.stride});
            }
            want = want.permute({0, 2, 3, 1}).contiguous();
            const QByteArray what = "window " + QByteArray::number(static_cast<qlonglong>(t.k)) + " stride " +
                                    QByteArray::number(static_cast<qlonglong>(t.stride)) + " C=" +
                                    QByteArray::number(static_cast<qlonglong>(t.c));
            QVERIFY2(got.sizes() == want.sizes(), what.constData());
            QVERIFY2(torch::equal(got.contiguous().view(torch::kInt), want.view(torch::kInt)), what.constData());
        }
    }

    void perChannelConstantsKeepAtenBits_data() { kernel_paths(); }
    void perChannelConstantsKeepAtenBits() {
        QFETCH(bool, portable);
        hoi::set_kernels_portable(portable);
        // Add, Sub, Mul and RealDiv between a large float tensor and a small one that repeats along
        // its trailing dimensions (MoveNet's input normalisation: [1,256,256,3] and a [3] constant)
        // take one vectorized pass with ATen's bits, either operand first, NaN, inf and -0 included;
        // below the size where it pays, and for other broadcasts, ATen's path.
        torch::manual_seed(13);
        const auto c3 = torch::tensor({127.5f, -0.0f, 3.0f}), s = torch::tensor(1.0f / 127.5f);
        const auto c17 = torch::randn({1, 1, 17});
        GraphFile gf;
        gf.constant("c3", c3);
        gf.constant("s", s);
        gf.constant("c17", c17);
        const json f32 = {{"dtype", {{"type", "DT_FLOAT"}}}};
        gf.node("y", "Placeholder", {}, f32);
        gf.node("col", "Placeholder", {}, f32);
        const char* ops[] = {"AddV2", "Sub", "Mul", "RealDiv"};
        std::vector<std::string> outs;
        for (const char* op : ops)
            for (const char* c : {"c3", "s"}) {
                const std::string n = std::string(op) + "_" + c;
                gf.node(n + "_xc", op, {"x", c});
                gf.node(n + "_cx", op, {c, "x"});
                outs.push_back(n + "_xc");
                outs.push_back(n + "_cx");
            }
        gf.node("sub17", "Sub", {"y", "c17"});
        gf.node("both", "Mul", {"x", "col"}); // [1,64,W,3] x [1,64,1,1]: not a trailing repeat
        outs.push_back("sub17");
        outs.push_back("both");
        QTemporaryDir dir;
        const hoi::detect::TfjsGraph g(gf.write(dir));
        for (int64_t w : {65, 129}) { // 12480 values (ATen's path) and 24768 (the single pass)
            auto x = torch::randn({1, 64, w, 3}) * 100;
            auto flat = x.view(-1);
            flat[5] = NAN;
            flat[7] = INFINITY;
            flat[8] = -0.0f;
            flat[flat.numel() - 1] = 0.0f;
            const auto y = torch::randn({2, 1000, 17});
            const auto col = torch::randn({1, 64, 1, 1});
            const auto got = g.run({{"x", x}, {"y", y}, {"col", col}}, outs);
            std::vector<torch::Tensor> want;
            for (int o = 0; o < 4; ++o)
                for (const auto& c : {c3, s}) {
                    auto f = [o](const torch::Tensor& a, const torch::Tensor& b) {
                        return o == 0 ? a + b : o == 1 ? a - b : o == 2 ? a * b : a / b;
                    };
                    want.push_back(f(x, c));
                    want.push_back(f(c, x));
                }
            want.push_back(y - c17);
            want.push_back(x * col);
            for (size_t k = 0; k < outs.size(); ++k) {
                QVERIFY2(got[k].sizes() == want[k].sizes(), outs[k].c_str());
                QVERIFY2(torch::equal(got[k].contiguous().view(torch::kInt), want[k].contiguous().view(torch::kInt)),
                         outs[k].c_str());
            }
        }
    }

    void hardSwishChainRunsAsOnePass_data() { kernel_paths(); }
    void hardSwishChainRunsAsOnePass() {
        QFETCH(bool, portable);
        hoi::set_kernels_portable(portable);
        // MobileNetV3's hard-swish as TensorFlow writes it, Mul(Mul(x, 1/6), Relu6(Add(x, 3))), runs
        // as one node with the same bits as the four (edge values included); its inner nodes can
        // still be read.
        GraphFile gf;
        gf.constant("sixth", torch::tensor(1.0f / 6.0f));
        gf.constant("three", torch::tensor(3.0f));
        gf.node("mul", "Mul", {"x", "sixth"});
        gf.node("add", "AddV2", {"three", "x"});
        gf.node("relu6", "Relu6", {"add"});
        gf.node("y", "Mul", {"relu6", "mul"});
        QTemporaryDir dir;
        const std::string p = gf.write(dir);
        const hoi::detect::TfjsGraph g(p);
        QVERIFY(g.op_counts().count("_HoiHardSwish"));
        torch::manual_seed(5);
        auto x = torch::randn({1, 37, 29, 15}) * 5; // an odd count: the vector loop's scalar tail runs too
        const float edges[] = {-3.f, 3.f, -0.f, 0.f, 6.f, -6.f, 1e30f, -1e30f, INFINITY, -INFINITY, NAN, -2.9999998f};
        const int64_t n = x.numel();
        for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); ++i) {
            x.view(-1)[static_cast<int64_t>(i) * 7] = edges[i];
            x.view(-1)[n - 1 - static_cast<int64_t>(i)] = edges[i];
        }
        const auto got = g.run({{"x", x}}, {"y", "add"});
        const auto want = torch::clamp(torch::tensor(3.0f) + x, 0, 6) * (x * torch::tensor(1.0f / 6.0f));
        QVERIFY(torch::equal(got[0].view(torch::kInt), want.view(torch::kInt))); // bit for bit, NaN included
        QVERIFY(torch::equal(got[1].view(torch::kInt), (x + 3.0f).view(torch::kInt)));
    }

    void maxAndArgMaxOverInnerAxes_data() { kernel_paths(); }
    void maxAndArgMaxOverInnerAxes() {
        QFETCH(bool, portable);
        hoi::set_kernels_portable(portable);
        // Max and ArgMax over an axis before the last (MoveNet's ArgMax over 4096 rows of 102 scores)
        // give ATen's answers: ties go to the first row, NaN is the largest and the first NaN wins.
        GraphFile gf;
        gf.constant("axis0", torch::tensor(0, torch::kInt));
        gf.constant("axis1", torch::tensor(1, torch::kInt));
        gf.node("argmax0", "ArgMax", {"x", "axis0"}, {{"output_type", {{"type", "DT_INT32"}}}});
        gf.node("argmax1", "ArgMax", {"x", "axis1"});
        gf.node("max1", "Max", {"x", "axis1"}, {{"keep_dims", {{"b", true}}}});
        gf.node("max0", "Max", {"x", "axis0"});
        QTemporaryDir dir;
        const hoi::detect::TfjsGraph g(gf.write(dir));
        torch::manual_seed(11);
        auto x = torch::randint(0, 5, {301, 7, 13}).to(torch::kFloat); // many ties
        x[17][3][4] = NAN;
        x[250][3][4] = NAN;
        x[40][2][5] = INFINITY;
        x[9][6][12] = NAN;
        const auto got = g.run({{"x", x}}, {"argmax0", "argmax1", "max1", "max0"});
        QVERIFY(torch::equal(got[0], x.argmax(0).to(torch::kInt)));
        QVERIFY(torch::equal(got[1], x.argmax(1)));
        QCOMPARE(got[0][3][4].item<int>(), 17);
        auto same = [](const torch::Tensor& a, const torch::Tensor& b) {
            return a.sizes() == b.sizes() && torch::equal(a.isnan(), b.isnan()) &&
                   torch::equal(a.nan_to_num(0), b.nan_to_num(0));
        };
        QVERIFY(same(got[2], x.amax(1, true)));
        QVERIFY(same(got[3], x.amax(0)));
    }

    void graphCostCountsWorkAndBytes() {
        // What `hoi bench` divides by the machine's rates: a 1x1 convolution's FLOPs and the bytes
        // it reads (input, filter) and writes; a Reshape (a view of its input) moves nothing; an
        // Add reads both operands and writes its sum. The floor takes, node by node, the longer of
        // the arithmetic and the memory time.
        GraphFile gf;
        gf.constant("w", torch::randn({1, 1, 2, 3}));
        gf.constant("shape", torch::tensor({1, 48}));
        gf.constant("c", torch::randn({48}));
        gf.node("conv", "Conv2D", {"x", "w"},
                {{"strides", {{"list", {{"i", {"1", "1", "1", "1"}}}}}}, {"padding", {{"s", "VkFMSUQ="}}}}); // VALID
        gf.node("flat", "Reshape", {"conv", "shape"});
        gf.node("sum", "AddV2", {"flat", "c"});
        QTemporaryDir dir;
        const std::string p = gf.write(dir);
        const hoi::detect::TfjsGraph g(p);
        const auto cost = g.cost({{"x", torch::randn({1, 4, 4, 2})}}, {"sum"});
        QCOMPARE(cost.flops, 2.0 * 48 * 2);                 // 48 outputs, 2 multiply-adds each
        const double conv_bytes = 4.0 * (32 + 6 + 48), add_bytes = 4.0 * (48 + 48 + 48);
        QCOMPARE(cost.nodes.size(), size_t{3});
        QCOMPARE(cost.nodes[0].second, conv_bytes);
        QCOMPARE(cost.nodes[1].second, 0.0);                // the Reshape is a view
        QCOMPARE(cost.nodes[2].second, add_bytes);
        QCOMPARE(cost.bytes, conv_bytes + add_bytes);
        // At 0.001 GFLOP/s and 1 GB/s the convolution waits on arithmetic (0.192 ms against
        // 0.000344 ms of memory), the Add on memory (0.000576 ms).
        QVERIFY(qAbs(cost.floor_ms(0.001, 1.0) - (0.192 + 0.000576)) < 1e-12);
        // At 1000 GFLOP/s both wait on memory.
        QVERIFY(qAbs(cost.floor_ms(1000, 1.0) - (conv_bytes + add_bytes) / 1e6) < 1e-12);
    }

    void topKOnLongRows() {
        // TopKV2 splits long rows over the threads: TensorFlow's answer (values descending, equal
        // values by index) whatever the thread count, with ties inside and across the parts.
        const int64_t k = 100;
        GraphFile gf;
        gf.constant("k", torch::tensor(k, torch::kInt));
        gf.node("y", "TopKV2", {"x", "k"});
        QTemporaryDir dir;
        const std::string p = gf.write(dir);
        hoi::detect::TfjsGraph g(p);
        torch::manual_seed(7);
        const int64_t n = 300000;
        auto sparse = torch::zeros({2, n});
        sparse.view({-1}).index_put_({torch::randint(0, 2 * n, {400})}, torch::rand({400}));
        auto tied = torch::zeros({1, n});
        tied.narrow(1, n / 2 - 150, 300).fill_(1); // 300 equal maxima across the middle of the row
        const int threads = at::get_num_threads();
        for (const auto& x : {torch::rand({1, n}), sparse, tied, torch::rand({3, 70000})}) {
            auto [sv, si] = x.sort(/*stable=*/true, -1, /*descending=*/true);
            for (int t : {1, 2}) {
                at::set_num_threads(t);
                const auto out = g.run({{"x", x}}, {"y:0", "y:1"});
                QVERIFY(torch::equal(out[0], sv.narrow(-1, 0, k)));
                QVERIFY(torch::equal(out[1], si.narrow(-1, 0, k).to(torch::kInt)));
            }
        }
        at::set_num_threads(threads);
    }

    void resizeMatchesTensorFlowFormula() {
        // TensorFlow's bilinear resize written out per pixel (the legacy, align_corners and
        // half_pixel_centers source coordinates), against the runner's kernel: same bits, for an
        // input that is a strided view, on one thread and on two.
        torch::manual_seed(11);
        const auto base = torch::rand({2, 13, 5, 9}) * 255; // [N,C,H,W]: its NHWC view [2,5,9,13] is strided
        const auto x = base.permute({0, 2, 3, 1});
        auto reference = [&](int64_t oh, int64_t ow, bool ac, bool hp) {
            auto taps = [&](int64_t in, int64_t out, int64_t o) {
                const double r = (ac && out > 1) ? double(in - 1) / double(out - 1) : double(in) / double(out);
                const double src = hp ? r * (o + 0.5) - 0.5 : r * o;
                const double fl = std::max(0.0, std::floor(src));
                return std::make_tuple(std::min<int64_t>(in - 1, int64_t(fl)),
                                       std::max<int64_t>(0, std::min<int64_t>(in - 1, int64_t(std::ceil(src)))),
                                       float(src - fl));
            };
            auto y = torch::empty({2, oh, ow, 13});
            auto xa = x.accessor<float, 4>();
            auto ya = y.accessor<float, 4>();
            for (int64_t n = 0; n < 2; ++n)
                for (int64_t i = 0; i < oh; ++i)
                    for (int64_t j = 0; j < ow; ++j)
                        for (int64_t c = 0; c < 13; ++c) {
                            const auto [y0, y1, fy] = taps(5, oh, i);
                            const auto [x0, x1, fx] = taps(9, ow, j);
                            const float upper = xa[n][y0][x0][c] + (xa[n][y0][x1][c] - xa[n][y0][x0][c]) * fx;
                            const float lower = xa[n][y1][x0][c] + (xa[n][y1][x1][c] - xa[n][y1][x0][c]) * fx;
                            ya[n][i][j][c] = upper + (lower - upper) * fy;
                        }
            return y;
        };
        const int threads = at::get_num_threads();
        for (auto [ac, hp] : std::vector<std::pair<bool, bool>>{{false, false}, {true, false}, {false, true}})
            for (auto [oh, ow] : std::vector<std::pair<int64_t, int64_t>>{{5, 9}, {10, 18}, {3, 4}, {1, 1}, {17, 40}}) {
                const auto want = reference(oh, ow, ac, hp);
                for (int t : {1, 2}) {
                    at::set_num_threads(t);
                    const auto got = hoi::detect::tf_resize_bilinear(x, oh, ow, ac, hp);
                    QVERIFY2(torch::equal(got, want), qPrintable(QString("%1x%2 align_corners %3 half_pixel %4 threads %5")
                                                                         .arg(oh).arg(ow).arg(ac).arg(hp).arg(t)));
                }
            }
        at::set_num_threads(threads);
    }

    void imageResizeIntoModelLayoutIsTheSameBits() {
        // NanoDet's input in one pass (3-channel bytes resized, divided by 255, written NCHW) against
        // the steps it replaces: the float image resized (the formula-checked path above), divided as a
        // tensor, permuted. Same bits, on one thread and on two; the byte path equals the float path.
        torch::manual_seed(12);
        const int threads = at::get_num_threads();
        for (auto [h, w, oh, ow] : std::vector<std::array<int64_t, 4>>{{424, 640, 416, 416}, {7, 5, 20, 30}, {50, 3, 8, 8}}) {
            const auto bytes = torch::randint(0, 256, {1, h, w, 3}, torch::kUInt8);
            const auto floats = bytes.to(torch::kFloat);
            const auto want = (hoi::detect::tf_resize_bilinear(floats, oh, ow, false, false) / 255.0)
                                      .permute({0, 3, 1, 2})
                                      .contiguous();
            for (int t : {1, 2}) {
                at::set_num_threads(t);
                QVERIFY(torch::equal(hoi::detect::tf_resize_bilinear(bytes, oh, ow, false, false),
                                     hoi::detect::tf_resize_bilinear(floats, oh, ow, false, false)));
                const auto got = hoi::detect::tf_resize_bilinear_nchw(bytes, oh, ow, false, false, 255.0f);
                QVERIFY(got.is_contiguous());
                QVERIFY2(torch::equal(got, want), qPrintable(QString("%1x%2 -> %3x%4, %5 threads").arg(w).arg(h).arg(ow).arg(oh).arg(t)));
            }
        }
        at::set_num_threads(threads);
    }

    void panoramaPose() {
        HOI_REQUIRE_FILE(model("movenet-multipose.json"));
        // 60000 x 100: under the pixel limit; padded to a square first it would take 43 GB.
        hoi::detect::PoseEstimator pe(model("movenet-multipose.json"));
        cv::Mat wide(100, 60000, CV_8UC3, cv::Scalar(40, 90, 160));
        const auto poses = pe.estimate(wide);
        for (const auto& p : poses) QVERIFY(p.x2 <= 60000 && p.y2 <= 100);
        // Tall too.
        for (const auto& p : pe.estimate(cv::Mat(60000, 100, CV_8UC3, cv::Scalar(40, 90, 160))))
            QVERIFY(p.x2 <= 100 && p.y2 <= 60000);
    }

    void cliDetectAndPose() {
        HOI_REQUIRE_FILE(model("nanodet.json"));
        HOI_REQUIRE_FILE(sample("person.jpg"));
        auto r = hoi::test::run_hoi({"detect", "--image", QString::fromStdString(sample("person.jpg")), "--max", "2"});
        QVERIFY2(r.exit_code == 0, r.err.c_str());
        const auto j = json::parse(r.out);
        QCOMPARE(j["detections"].size(), size_t(2));
        QCOMPARE(j["detections"][0]["label"].get<std::string>(), std::string("person"));
        QCOMPARE(j["detections"][0]["box"].size(), size_t(4));
        QCOMPARE(j["detections"][0]["class_id"].get<int>(), 0);
        r = hoi::test::run_hoi({"detect", "--image", QString::fromStdString(sample("person.jpg")), "--detector", "centernet",
                                "--threshold", "0.99"});
        QVERIFY2(r.exit_code == 0, r.err.c_str());
        QVERIFY(json::parse(r.out)["detections"].empty());
        r = hoi::test::run_hoi({"detect", "--image", QString::fromStdString(sample("person.jpg")), "--detector", "nope"});
        QCOMPARE(r.exit_code, 2);
        r = hoi::test::run_hoi({"detect", "--image", "/nonexistent.jpg"});
        QCOMPARE(r.exit_code, 3);
        r = hoi::test::run_hoi({"detect", "--image", QString::fromStdString(sample("person.jpg")), "--threshold", "7"});
        QCOMPARE(r.exit_code, 2);
        HOI_REQUIRE_FILE(model("movenet-multipose.json"));
        r = hoi::test::run_hoi({"pose", "--image", QString::fromStdString(sample("person.jpg"))});
        QVERIFY2(r.exit_code == 0, r.err.c_str());
        const auto p = json::parse(r.out);
        QVERIFY(!p["poses"].empty());
        QCOMPARE(p["poses"][0]["keypoints"].size(), size_t(17));
        QCOMPARE(p["keypoint_names"][0].get<std::string>(), std::string("nose"));
        // A 60000 x 100 panorama (binary PPM): poses at the model's resolution, exit 0.
        QTemporaryDir dir;
        const std::string pano = dir.path().toStdString() + "/wide.ppm";
        write_file(pano, "P6\n60000 100\n255\n" + std::string(60000 * 100 * 3, '\x60'));
        r = hoi::test::run_hoi({"pose", "--image", QString::fromStdString(pano)});
        QVERIFY2(r.exit_code == 0, r.err.c_str());
        QVERIFY(json::parse(r.out).contains("poses"));
    }
};

QTEST_GUILESS_MAIN(TestDetector)
#include "tst_detector.moc"
