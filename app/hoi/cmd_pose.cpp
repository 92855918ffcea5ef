// hoi pose — people's keypoints (MoveNet MultiPose, COCO-17 keypoints).
#include "cli.h"

#include "detect/detector.h"
#include "io/error.h"
#include "io/image.h"
#include "io/resources.h"

#include <filesystem>

namespace hoi::cli {

static int cmd_pose(std::vector<std::string> argv) {
    Args args("pose", std::move(argv));
    args.description("Estimates the poses of up to 6 people. Prints {\"keypoint_names\": [...17...],\n"
                     "\"poses\": [{\"score\", \"box\": [x1,y1,x2,y2], \"keypoints\": [[x,y,score] x 17]}]}\n"
                     "in original image pixels, best score first.")
        .option("--image", "IMG", "the image")
        .option("--model", "JSON", "MoveNet MultiPose model.json (default: movenet-multipose.json in the models folder)")
        .option("--threshold", "T", "minimum person score, 0..1 (default 0.2)");
    if (!args.parse()) return kOk;
    if (!args.has("--image")) throw_usage("--image is required");
    detect::PoseOptions opt;
    opt.score_threshold = static_cast<float>(args.get_double("--threshold", opt.score_threshold));
    if (!(opt.score_threshold >= 0 && opt.score_threshold <= 1)) throw_usage("--threshold must be in 0..1");
    std::string model = args.get("--model");
    if (model.empty()) {
        model = (std::filesystem::path(io::models_dir()) / "movenet-multipose.json").string();
        if (!std::filesystem::exists(model))
            throw_model("pose model " + model + " is missing: run `hoi models fetch` (or `make fetch`)");
    }
    const auto image = io::load_image(args.get("--image"));
    const detect::PoseEstimator estimator(model);
    const auto poses = estimator.estimate(image.rgb, opt);

    nlohmann::json out;
    out["image"] = {{"path", image.path}, {"width", image.rgb.cols}, {"height", image.rgb.rows}};
    out["keypoint_names"] = nlohmann::json::array();
    for (const char* n : detect::keypoint_names()) out["keypoint_names"].push_back(n);
    out["poses"] = nlohmann::json::array();
    for (const auto& p : poses) {
        nlohmann::json kps = nlohmann::json::array();
        for (const auto& k : p.keypoints) kps.push_back({k.x, k.y, k.score});
        out["poses"].push_back({{"score", p.score}, {"box", {p.x1, p.y1, p.x2, p.y2}}, {"keypoints", kps}});
    }
    print_json(out);
    return kOk;
}

HOI_REGISTER_COMMAND("pose", "estimate people's poses (17 keypoints each)", cmd_pose);

} // namespace hoi::cli
