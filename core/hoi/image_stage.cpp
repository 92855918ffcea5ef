#include "hoi/image_stage.h"

#include "annotation/coco_classes.h"
#include "clip/clip_model.h"
#include "clip/preprocess.h"
#include "clip/thread_team.h"
#include "hoi/stage_util.h"
#include "io/atomic_file.h"
#include "io/error.h"
#include "io/image.h"
#include "io/resources.h"

#include <torch/torch.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <sstream>

namespace hoi::model {

namespace {

// 128-bit content hash (two FNV-1a 64 lanes with different offsets), hex.
std::string content_hash(std::string_view data) {
    uint64_t a = 1469598103934665603ull, b = 0x84222325cbf29ce4ull ^ data.size();
    for (unsigned char c : data) {
        a = (a ^ c) * 1099511628211ull;
        b = (b ^ c) * 0x100000001b3ull;
        b ^= b >> 29;
    }
    char buf[40];
    std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(a),
                  static_cast<unsigned long long>(b));
    return buf;
}

size_t tensor_bytes(const at::Tensor& t) { return t.defined() ? static_cast<size_t>(t.nbytes()) : 0; }

} // namespace

size_t ImageState::bytes() const {
    size_t b = sizeof(*this) + dets.size() * sizeof(detect::Detection) + poses.size() * sizeof(detect::Pose);
    b += tensor_bytes(image_tensor) + tensor_bytes(feats.embedding) + tensor_bytes(feats.last_block_input) +
         tensor_bytes(feats.tokens) + tensor_bytes(feats.tokens_proj) + tensor_bytes(global) +
         tensor_bytes(pair_feats) + tensor_bytes(query_attention);
    for (const auto& a : feats.attentions) b += tensor_bytes(a);
    for (const auto& p : pairs) b += p.spatial.size() * sizeof(float) + sizeof(Pair);
    for (const auto& m : pair_maps) b += m.weights.size() * sizeof(float) + sizeof(AttentionMap);
    b += rgb.total() * rgb.elemSize();
    return b;
}

ImageStage::ImageStage(const EngineOptions& options, std::shared_ptr<clip::ClipModel> clip)
    : opt_(options), clip_(std::move(clip)), cache_(options.cache_limit_bytes) {
    const std::string models = opt_.models_dir.empty() ? io::models_dir() : opt_.models_dir;
    detector_ = detect::make_detector(opt_.detector, models);
    if (opt_.use_pose) {
        const std::string pj = (std::filesystem::path(models) / "movenet-multipose.json").string();
        if (std::filesystem::exists(pj)) pose_ = std::make_unique<detect::PoseEstimator>(pj);
    }
    std::ostringstream fp;
    fp << detector_->name() << ':' << detector_->checksum() << '|'
       << (pose_ ? pose_->checksum() : std::string("nopose")) << '|'
       << (clip_ ? clip_->checksum() : std::string("noclip")) << '|' << fmt_float(detector_threshold()) << '|'
       << opt_.keep_layer_attention << '|' << opt_.weights_path << '|' << static_cast<int>(opt_.pair_features);
    fingerprint_ = content_hash(fp.str());
}

ImageStage::~ImageStage() = default;

float ImageStage::detector_threshold() const { return std::min(opt_.human_threshold, opt_.object_threshold); }

ImageFile ImageStage::read(const std::string& path) {
    ImageFile f;
    f.data = io::read_file(path, io::ImageLimits{}.max_file_bytes);
    f.hash = content_hash(f.data);
    return f;
}

std::shared_ptr<ImageState> ImageStage::state(const std::string& path, const ImageFile& file,
                                              std::vector<StageTiming>& timings, const ProgressCallback& progress,
                                              const CancelFlag* cancel, const std::vector<detect::Detection>* boxes) {
    auto report = [&](const char* stage) {
        if (progress) progress(Progress{stage, path, 0, 0});
    };
    std::string key = file.hash + "|" + fingerprint_;
    if (boxes) {
        std::ostringstream s;
        for (const auto& b : *boxes)
            s << fmt_float(b.x1) << ',' << fmt_float(b.y1) << ',' << fmt_float(b.x2) << ',' << fmt_float(b.y2) << ','
              << b.class_id << ',' << fmt_float(b.score) << ';';
        key += "|boxes:" + content_hash(s.str());
    }
    if (auto st = cache_.get(key)) {
        for (const char* s : {"load", "detect", "pose", "clip"}) timings.push_back({s, 0, true});
        return st;
    }
    auto st = std::make_shared<ImageState>();
    st->content_hash = file.hash;
    st->key = key;
    auto t0 = StageClock::now();
    report("load");
    io::Image img = io::load_image_from_memory(file.data, path);
    st->width = img.rgb.cols;
    st->height = img.rgb.rows;
    timings.push_back({"load", ms_since(t0), false});
    if (cancel) cancel->check();

    // The detector and the pose model read only the image: with no boxes given they run side by
    // side, each on one thread, when neither result depends on the thread count (their times then
    // overlap; the clip stage's includes its input's, made on the pose side).
    report("detect");
    double detect_ms = 0, pose_ms = 0;
    auto find_boxes = [&] {
        const auto t = StageClock::now();
        if (boxes) {
            st->dets = *boxes;
            for (auto& d : st->dets) {
                if (d.class_id < 0 || d.class_id >= 80)
                    throw_input("box class " + std::to_string(d.class_id) + " is not a COCO-80 class (0..79)");
                if (d.x1 > d.x2) std::swap(d.x1, d.x2);
                if (d.y1 > d.y2) std::swap(d.y1, d.y2);
                if (d.label.empty()) d.label = std::string(annotation::coco80_names()[static_cast<size_t>(d.class_id)]);
            }
        } else {
            detect::DetectorOptions dopt;
            dopt.score_threshold = detector_threshold();
            st->dets = detector_->detect(img.rgb, dopt);
        }
        detect_ms = ms_since(t);
    };
    auto find_poses = [&] {
        const auto t = StageClock::now();
        if (pose_) st->poses = pose_->estimate(img.rgb);
        pose_ms = ms_since(t);
    };
    // CLIP's input, which the side running the pose model (the shorter) makes after it.
    double clip_input_ms = 0;
    auto clip_input = [&] {
        const auto t = StageClock::now();
        if (clip_) st->image_tensor = clip::preprocess_padded_square(img.rgb, clip_->input_size());
        clip_input_ms = ms_since(t);
    };
    if (!boxes && pose_ && detector_->thread_count_invariant()) {
        clip::run_side_by_side(find_boxes, [&] {
            find_poses();
            clip_input();
        });
    } else {
        find_boxes();
        if (cancel) cancel->check();
        if (pose_) report("pose");
        find_poses();
        clip_input();
    }
    timings.push_back({"detect", detect_ms, false});
    timings.push_back({"pose", pose_ms, false});
    if (cancel) cancel->check();

    st->pose_of = match_poses(st->dets, st->poses);

    st->frame = square_frame(st->width, st->height);
    if (clip_) {
        t0 = StageClock::now();
        report("clip");
        at::InferenceMode guard;
        st->has_clip = true;
        st->feats = clip_->encode_image(st->image_tensor, opt_.keep_layer_attention);
        st->global = st->feats.embedding / st->feats.embedding.norm().clamp_min(1e-12);
        if (opt_.pair_features == PairFeatureMode::Crop) st->rgb = img.rgb;
        timings.push_back({"clip", clip_input_ms + ms_since(t0), false});
    } else {
        timings.push_back({"clip", 0, false});
    }
    cache_.put(key, st, st->bytes());
    return st;
}

std::shared_ptr<ImageState> ImageStage::lookup(const ImageAnalysis& a) {
    return cache_.get(a.cache_key.empty() ? a.image_key + "|" + fingerprint_ : a.cache_key);
}

void ImageStage::resize(const ImageState& state) { cache_.resize(state.key, state.bytes()); }

} // namespace hoi::model
