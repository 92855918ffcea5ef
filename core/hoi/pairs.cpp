#include "hoi/pairs.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace hoi::model {

namespace {
std::vector<int> top_k(const std::vector<detect::Detection>& dets, bool person, float threshold, int k) {
    std::vector<int> idx;
    for (int i = 0; i < static_cast<int>(dets.size()); ++i) {
        const auto& d = dets[static_cast<size_t>(i)];
        if ((d.class_id == 0) == person && d.score >= threshold && d.x2 > d.x1 && d.y2 > d.y1) idx.push_back(i);
    }
    std::stable_sort(idx.begin(), idx.end(), [&](int a, int b) {
        return dets[static_cast<size_t>(a)].score > dets[static_cast<size_t>(b)].score;
    });
    if (k >= 0 && static_cast<int>(idx.size()) > k) idx.resize(static_cast<size_t>(k));
    return idx;
}

float box_iou(float ax1, float ay1, float ax2, float ay2, float bx1, float by1, float bx2, float by2) {
    float iw = std::min(ax2, bx2) - std::max(ax1, bx1);
    float ih = std::min(ay2, by2) - std::max(ay1, by1);
    if (iw <= 0 || ih <= 0) return 0;
    float inter = iw * ih;
    float uni = (ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter;
    return uni > 0 ? inter / uni : 0;
}
} // namespace

SelectedBoxes select_boxes(const std::vector<detect::Detection>& dets, const PairBuildOptions& opt) {
    return {top_k(dets, true, opt.human_threshold, opt.max_humans),
            top_k(dets, false, opt.object_threshold, opt.max_objects)};
}

std::vector<int> match_poses(const std::vector<detect::Detection>& dets, const std::vector<detect::Pose>& poses,
                             float min_iou) {
    std::vector<int> out(dets.size(), -1);
    struct Cand { float iou; int det, pose; };
    std::vector<Cand> cands;
    for (int i = 0; i < static_cast<int>(dets.size()); ++i) {
        const auto& d = dets[static_cast<size_t>(i)];
        if (d.class_id != 0) continue;
        for (int j = 0; j < static_cast<int>(poses.size()); ++j) {
            const auto& p = poses[static_cast<size_t>(j)];
            float v = box_iou(d.x1, d.y1, d.x2, d.y2, p.x1, p.y1, p.x2, p.y2);
            if (v >= min_iou) cands.push_back({v, i, j});
        }
    }
    std::stable_sort(cands.begin(), cands.end(), [](const Cand& a, const Cand& b) { return a.iou > b.iou; });
    std::vector<bool> pose_used(poses.size(), false);
    for (const auto& c : cands) {
        if (out[static_cast<size_t>(c.det)] >= 0 || pose_used[static_cast<size_t>(c.pose)]) continue;
        out[static_cast<size_t>(c.det)] = c.pose;
        pose_used[static_cast<size_t>(c.pose)] = true;
    }
    return out;
}

std::vector<float> spatial_encoding(const detect::Detection& h, const detect::Detection& o, int width, int height,
                                    const detect::Pose* pose) {
    constexpr float eps = 1e-6f;
    const float W = static_cast<float>(std::max(1, width)), H = static_cast<float>(std::max(1, height));
    const float c1x = (h.x1 + h.x2) / 2 / W, c1y = (h.y1 + h.y2) / 2 / H;
    const float c2x = (o.x1 + o.x2) / 2 / W, c2y = (o.y1 + o.y2) / 2 / H;
    const float b1w = std::max(0.f, h.x2 - h.x1) / W, b1h = std::max(0.f, h.y2 - h.y1) / H;
    const float b2w = std::max(0.f, o.x2 - o.x1) / W, b2h = std::max(0.f, o.y2 - o.y1) / H;
    const float a1 = b1w * b1h, a2 = b2w * b2h;
    const float iou = box_iou(h.x1, h.y1, h.x2, h.y2, o.x1, o.y1, o.x2, o.y2);
    const float dx = (c2x - c1x) / (b1w + eps), dy = (c2y - c1y) / (b1h + eps);
    std::vector<float> f = {c1x, c1y, c2x, c2y, b1w, b1h, b2w, b2h, a1, a2, a2 / (a1 + eps),
                            b1w / (b1h + eps), b2w / (b2h + eps), iou,
                            dx > 0 ? dx : 0.f, dx < 0 ? -dx : 0.f, dy > 0 ? dy : 0.f, dy < 0 ? -dy : 0.f};
    f.reserve(kSpatialDims);
    for (int i = 0; i < kSpatialBase; ++i) f.push_back(std::log(f[static_cast<size_t>(i)] + eps));
    const float ow = std::max(1.f, o.x2 - o.x1), oh = std::max(1.f, o.y2 - o.y1);
    const float ocx = (o.x1 + o.x2) / 2, ocy = (o.y1 + o.y2) / 2;
    for (int k = 0; k < detect::kPoseKeypoints; ++k) {
        if (pose) {
            const auto& kp = pose->keypoints[static_cast<size_t>(k)];
            f.push_back((kp.x - ocx) / ow);
            f.push_back((kp.y - ocy) / oh);
            f.push_back(kp.score);
        } else {
            f.insert(f.end(), {0.f, 0.f, 0.f});
        }
    }
    return f;
}

Pair pair_of(const std::vector<detect::Detection>& dets, const std::vector<detect::Pose>& poses,
            const std::vector<int>& pose_of_detection, int human, int object, int width, int height) {
    const auto h = static_cast<size_t>(human);
    const detect::Pose* pose = nullptr;
    if (h < pose_of_detection.size() && pose_of_detection[h] >= 0 &&
        static_cast<size_t>(pose_of_detection[h]) < poses.size())
        pose = &poses[static_cast<size_t>(pose_of_detection[h])];
    Pair p;
    p.human = human;
    p.object = object;
    p.spatial = spatial_encoding(dets[h], dets[static_cast<size_t>(object)], width, height, pose);
    return p;
}

std::vector<Pair> build_pairs(const std::vector<detect::Detection>& dets, const std::vector<detect::Pose>& poses,
                              const std::vector<int>& pose_of_detection, int width, int height,
                              const PairBuildOptions& opt) {
    SelectedBoxes sel = select_boxes(dets, opt);
    std::vector<Pair> pairs;
    for (int h : sel.humans) {
        for (int o : sel.objects) pairs.push_back(pair_of(dets, poses, pose_of_detection, h, o, width, height));
        if (opt.human_human)
            for (int o : sel.humans)
                if (o != h) pairs.push_back(pair_of(dets, poses, pose_of_detection, h, o, width, height));
    }
    return pairs;
}

SquareFrame square_frame(int width, int height) {
    const float side = static_cast<float>(std::max(width, height));
    return {(static_cast<float>(width) - side) / 2, (static_cast<float>(height) - side) / 2, side};
}

std::vector<unsigned char> box_patch_mask(float x1, float y1, float x2, float y2, const SquareFrame& frame,
                                          int grid_w, int grid_h) {
    std::vector<unsigned char> m(static_cast<size_t>(grid_w) * static_cast<size_t>(grid_h), 0);
    if (grid_w <= 0 || grid_h <= 0 || frame.size <= 0) return m;
    const float pw = frame.size / static_cast<float>(grid_w), ph = frame.size / static_cast<float>(grid_h);
    for (int r = 0; r < grid_h; ++r) {
        const float cy = frame.y + (static_cast<float>(r) + 0.5f) * ph;
        if (cy < y1 || cy > y2) continue;
        for (int c = 0; c < grid_w; ++c) {
            const float cx = frame.x + (static_cast<float>(c) + 0.5f) * pw;
            if (cx >= x1 && cx <= x2) m[static_cast<size_t>(r * grid_w + c)] = 1;
        }
    }
    const float bx = (x1 + x2) / 2, by = (y1 + y2) / 2;
    int c = static_cast<int>(std::floor((bx - frame.x) / pw)), r = static_cast<int>(std::floor((by - frame.y) / ph));
    c = std::clamp(c, 0, grid_w - 1);
    r = std::clamp(r, 0, grid_h - 1);
    m[static_cast<size_t>(r * grid_w + c)] = 1;
    return m;
}

detect::Detection union_box(const detect::Detection& a, const detect::Detection& b) {
    detect::Detection u;
    u.x1 = std::min(a.x1, b.x1);
    u.y1 = std::min(a.y1, b.y1);
    u.x2 = std::max(a.x2, b.x2);
    u.y2 = std::max(a.y2, b.y2);
    u.score = std::min(a.score, b.score);
    return u;
}

} // namespace hoi::model
