// hoi detect — objects (COCO-80) in an image.
#include "cli.h"

#include "detect/detector.h"
#include "io/error.h"
#include "io/image.h"

namespace hoi::cli {

static int cmd_detect(std::vector<std::string> argv) {
    Args args("detect", std::move(argv));
    args.description("Detects objects (COCO-80 classes) in an image. Prints\n"
                     "{\"detector\", \"image\": {path, width, height}, \"detections\": [{\"box\": [x1,y1,x2,y2], \"label\",\n"
                     "\"class_id\", \"score\"}]} with boxes in original image pixels, best score first.")
        .option("--image", "IMG", "the image (JPEG, PNG, ...)")
        .option("--detector", "NAME",
                "nanodet (default), centernet, a TF.js model.json, or a YOLOv5/YOLOv8 .onnx export")
        .option("--threshold", "T", "minimum score, 0..1 (default 0.3)")
        .option("--iou", "T", "class-wise NMS IoU, 0..1 (default 0.5)")
        .option("--max", "N", "at most N detections (default 100)");
    if (!args.parse()) return kOk;
    if (!args.has("--image")) throw_usage("--image is required");
    detect::DetectorOptions opt;
    opt.score_threshold = static_cast<float>(args.get_double("--threshold", opt.score_threshold));
    opt.nms_iou = static_cast<float>(args.get_double("--iou", opt.nms_iou));
    opt.max_detections = args.get_int("--max", opt.max_detections);
    if (!(opt.score_threshold >= 0 && opt.score_threshold <= 1)) throw_usage("--threshold must be in 0..1");
    if (!(opt.nms_iou >= 0 && opt.nms_iou <= 1)) throw_usage("--iou must be in 0..1");
    if (opt.max_detections < 1) throw_usage("--max must be at least 1");

    const auto image = io::load_image(args.get("--image"));
    const auto detector = detect::make_detector(args.get("--detector", "nanodet"));
    const auto dets = detector->detect(image.rgb, opt);

    nlohmann::json out;
    out["detector"] = detector->name();
    out["image"] = {{"path", image.path}, {"width", image.rgb.cols}, {"height", image.rgb.rows}};
    out["detections"] = nlohmann::json::array();
    for (const auto& d : dets)
        out["detections"].push_back({{"box", {d.x1, d.y1, d.x2, d.y2}},
                                     {"label", d.label},
                                     {"class_id", d.class_id},
                                     {"score", d.score}});
    print_json(out);
    return kOk;
}

HOI_REGISTER_COMMAND("detect", "detect objects (COCO-80) in an image", cmd_detect);

} // namespace hoi::cli
