#pragma once
// Pair building and the pairwise spatial encoding (torch-free).
//
// Humans (class 0) and objects are filtered by their thresholds and the top-k of each by score;
// every human is paired with every kept object and, when enabled, with every other kept human
// (never with itself). The spatial encoding of a pair follows UPT's pairwise encodings (Zhang et
// al., ICCV 2021/CVPR 2022): box centres, sizes, areas, area ratio, aspect ratios, IoU and the
// directional centre offsets, all normalised by the image size, followed by their logarithms
// (log(f + eps)); then the human's pose keypoints relative to the object box when a pose matched.
#include <vector>

#include "detect/detector.h"
#include "hoi/engine.h"

namespace hoi::model {

// Layout of Pair::spatial.
constexpr int kSpatialBase = 18;                        // raw box features
constexpr int kSpatialBox = 2 * kSpatialBase;           // + log(f + eps)
constexpr int kSpatialPose = 3 * detect::kPoseKeypoints; // per keypoint: (x - ox) / ow, (y - oy) / oh, score
constexpr int kSpatialDims = kSpatialBox + kSpatialPose; // 87

struct PairBuildOptions {
    float human_threshold = 0.4f;
    float object_threshold = 0.3f;
    int max_humans = 8;
    int max_objects = 12;
    bool human_human = true;
};

// Indices of the detections used as humans and as objects (highest scores first, ties by index).
struct SelectedBoxes {
    std::vector<int> humans, objects;
};
SelectedBoxes select_boxes(const std::vector<detect::Detection>& dets, const PairBuildOptions& opt);

// The pose matched to each detection (index into poses, or -1): greedy by IoU between the pose's
// box and person detections, IoU >= min_iou, each pose used once.
std::vector<int> match_poses(const std::vector<detect::Detection>& dets, const std::vector<detect::Pose>& poses,
                             float min_iou = 0.3f);

// The spatial encoding of (human, object) in an image of width x height; pose may be null.
std::vector<float> spatial_encoding(const detect::Detection& human, const detect::Detection& object,
                                    int width, int height, const detect::Pose* pose);

// The pair (human, object), indices into dets, with its spatial encoding (with the human's matched
// pose when it has one).
Pair pair_of(const std::vector<detect::Detection>& dets, const std::vector<detect::Pose>& poses,
            const std::vector<int>& pose_of_detection, int human, int object, int width, int height);

// All pairs, in order: for each selected human (by score), its objects (by score) then the other
// humans (by score). Fills Pair::spatial.
std::vector<Pair> build_pairs(const std::vector<detect::Detection>& dets, const std::vector<detect::Pose>& poses,
                              const std::vector<int>& pose_of_detection, int width, int height,
                              const PairBuildOptions& opt);

// The square the CLIP input covers: the image centred in a square of side max(width, height).
struct SquareFrame {
    float x = 0, y = 0, size = 0;
};
SquareFrame square_frame(int width, int height);

// Patch mask (row-major grid_h x grid_w, 1 = inside) of a box: patches whose centre lies inside the
// box, plus always the patch containing the box centre (a box smaller than a patch still sees one).
std::vector<unsigned char> box_patch_mask(float x1, float y1, float x2, float y2, const SquareFrame& frame,
                                          int grid_w, int grid_h);

// The union box of two detections.
detect::Detection union_box(const detect::Detection& a, const detect::Detection& b);

} // namespace hoi::model
