// Detector factory, NMS and shared helpers.
#include "detect/detector.h"
#include "detect/onnx_detector.h"
#include "detect/tfjs_detector.h"

#include "io/error.h"
#include "io/resources.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace hoi::detect {

namespace fs = std::filesystem;

Detector::~Detector() = default;

std::vector<std::string> builtin_detectors() { return {"nanodet", "centernet"}; }

const std::array<const char*, kPoseKeypoints>& keypoint_names() {
    static const std::array<const char*, kPoseKeypoints> names = {
            "nose",          "left_eye",       "right_eye",  "left_ear",    "right_ear",  "left_shoulder",
            "right_shoulder", "left_elbow",    "right_elbow", "left_wrist", "right_wrist", "left_hip",
            "right_hip",     "left_knee",      "right_knee", "left_ankle",  "right_ankle"};
    return names;
}

float iou(const Detection& a, const Detection& b) {
    const float iw = std::min(a.x2, b.x2) - std::max(a.x1, b.x1);
    const float ih = std::min(a.y2, b.y2) - std::max(a.y1, b.y1);
    if (iw <= 0 || ih <= 0) return 0.f;
    const float inter = iw * ih;
    const float ua = (a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter;
    return ua > 0 ? inter / ua : 0.f;
}

std::vector<Detection> nms_classwise(std::vector<Detection> dets, float iou_threshold, int max_count) {
    std::stable_sort(dets.begin(), dets.end(),
                     [](const Detection& a, const Detection& b) { return a.score > b.score; });
    std::vector<Detection> kept;
    for (auto& d : dets) {
        if (max_count > 0 && static_cast<int>(kept.size()) >= max_count) break;
        bool suppressed = false;
        for (const auto& k : kept) {
            if (k.class_id == d.class_id && iou(k, d) > iou_threshold) {
                suppressed = true;
                break;
            }
        }
        if (!suppressed) kept.push_back(std::move(d));
    }
    return kept;
}

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
    if (s.size() < suffix.size()) return false;
    std::string tail = s.substr(s.size() - suffix.size());
    std::transform(tail.begin(), tail.end(), tail.begin(), [](unsigned char c) { return std::tolower(c); });
    return tail == suffix;
}

nlohmann::json read_json(const fs::path& p) {
    std::ifstream in(p);
    if (!in) throw_model("cannot open " + p.string());
    try {
        return nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
        throw_model(p.string() + ": not valid JSON (" + e.what() + ")");
    }
}

std::unique_ptr<Detector> from_json_file(const fs::path& p, const fs::path& models) {
    const auto j = read_json(p);
    if (j.contains("modelTopology")) return make_tfjs_detector(p.string());
    // A model manifest (models/manifests/*.json): kind "detector", files[0] is the model.
    if (j.value("kind", "") == "detector" && j.contains("files") && j["files"].is_array() && !j["files"].empty()) {
        for (const auto& f : j["files"]) {
            const std::string file = f.value("name", "");
            const fs::path fp = models / file;
            if (ends_with(file, ".onnx") || (ends_with(file, ".json") && j.value("format", "") == "tfjs-graph")) {
                if (!fs::exists(fp))
                    throw_model(fp.string() + " (from manifest " + p.filename().string() +
                                ") is missing: run `hoi models fetch` or place the file there");
                if (ends_with(file, ".onnx")) return std::make_unique<OnnxDetector>(fp.string(), j);
                return make_tfjs_detector(fp.string());
            }
        }
        throw_model(p.string() + ": a detector manifest without an .onnx or TF.js model file");
    }
    throw_model(p.string() + ": neither a TF.js graph model (modelTopology) nor a detector manifest (kind \"detector\")");
}

} // namespace

std::unique_ptr<Detector> make_detector(const std::string& name_or_path, const std::string& models_dir) {
    const fs::path models = models_dir.empty() ? fs::path(io::models_dir()) : fs::path(models_dir);
    if (name_or_path.empty()) throw_usage("empty detector name");
    const fs::path p(name_or_path);
    if (ends_with(name_or_path, ".onnx")) {
        if (!fs::exists(p)) throw_model("ONNX model not found: " + name_or_path);
        return std::make_unique<OnnxDetector>(name_or_path);
    }
    if (ends_with(name_or_path, ".json")) {
        if (!fs::exists(p)) throw_model("model file not found: " + name_or_path);
        return from_json_file(p, p.has_parent_path() ? p.parent_path() : models);
    }
    // A name: the model file in the models folder, else a manifest beside it.
    if (name_or_path.find('/') == std::string::npos) {
        const fs::path model_json = models / (name_or_path + ".json");
        const fs::path model_onnx = models / (name_or_path + ".onnx");
        if (fs::exists(model_json)) return from_json_file(model_json, models);
        if (fs::exists(model_onnx)) return std::make_unique<OnnxDetector>(model_onnx.string());
        for (const fs::path& manifest_dir : {models.parent_path() / "manifests", models / "manifests"}) {
            const fs::path m = manifest_dir / (name_or_path + ".json");
            if (fs::exists(m)) return from_json_file(m, models);
        }
        const auto builtins = builtin_detectors();
        if (std::find(builtins.begin(), builtins.end(), name_or_path) != builtins.end())
            throw_model("detector model " + model_json.string() +
                        " is missing: run `hoi models fetch` (or `make fetch`)");
    }
    if (fs::exists(p)) throw_usage("'" + name_or_path + "' is not a detector model (expected a .json or .onnx file)");
    throw_usage("unknown detector '" + name_or_path +
                "' (expected nanodet, centernet, a TF.js model.json or a YOLO .onnx file)");
}

} // namespace hoi::detect
