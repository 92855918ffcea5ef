#include "hoi/pair_stage.h"

#include "clip/clip_model.h"
#include "clip/preprocess.h"
#include "hoi/attention_map.h"
#include "hoi/learnable_head.h"
#include "hoi/pair_features.h"
#include "hoi/stage_util.h"
#include "io/error.h"

#include <torch/torch.h>

#include <opencv2/core.hpp>

#include <algorithm>
#include <cmath>
#include <sstream>

namespace hoi::model {

PairStage::PairStage(const EngineOptions& options, std::shared_ptr<clip::ClipModel> clip, const LearnableHead* head)
    : opt_(options), clip_(std::move(clip)), head_(head) {}

std::string PairStage::config() const {
    std::ostringstream s;
    s << fmt_float(opt_.human_threshold) << '|' << fmt_float(opt_.object_threshold) << '|' << opt_.max_humans << '|'
      << opt_.max_objects << '|' << opt_.human_human_pairs << '|' << fmt_float(opt_.box_feature_weight) << '|'
      << static_cast<int>(opt_.pair_features) << '|' << opt_.learnable_parts;
    return s.str();
}

void PairStage::ensure(ImageState& st, std::vector<StageTiming>& timings, const ProgressCallback& progress,
                       const std::string& path) const {
    const std::string cfg = config();
    if (st.pair_config == cfg) {
        timings.push_back({"pairs", 0, true});
        timings.push_back({"pair_features", 0, true});
        return;
    }
    auto t0 = StageClock::now();
    if (progress) progress(Progress{"pairs", path, 0, 0});
    PairBuildOptions po{opt_.human_threshold, opt_.object_threshold, opt_.max_humans, opt_.max_objects,
                        opt_.human_human_pairs};
    st.pairs = build_pairs(st.dets, st.poses, st.pose_of, st.width, st.height, po);
    timings.push_back({"pairs", ms_since(t0), false});
    t0 = StageClock::now();
    st.pair_maps.clear();
    st.pair_feats = at::Tensor();
    st.query_attention = at::Tensor();
    if (st.has_clip && !st.pairs.empty()) {
        at::InferenceMode guard;
        const int gw = st.feats.grid_w, gh = st.feats.grid_h, N = gw * gh;
        const long P = static_cast<long>(st.pairs.size());
        auto mq = clip_->encode_masked_queries(st.feats, pair_masks(st.dets, st.pairs, st.frame, gw, gh));
        st.query_attention = mq.attention;
        at::Tensor f = mq.features;
        if (opt_.pair_features == PairFeatureMode::Crop) f = crop_features(st);
        at::Tensor pf = combine_box_features(f, opt_.box_feature_weight);
        if (head_) pf = head_->apply(pf, spatial_tensor(st.pairs), joint_patches(st.feats));
        st.pair_feats = pf / pf.norm(2, -1, true).clamp_min(1e-12);
        auto att = mq.attention.view({P, 3, mq.attention.size(1), N});
        for (long p = 0; p < P; ++p) st.pair_maps.push_back(attention_map(att[p][0].mean(0), gw, gh, st.frame));
    }
    timings.push_back({"pair_features", ms_since(t0), false});
    st.pair_config = cfg;
}

at::Tensor PairStage::crop_features(const ImageState& st) const {
    if (st.rgb.empty()) throw Error(ErrorKind::Internal, "crop mode without the image pixels");
    std::vector<at::Tensor> crops;
    for (const auto& pr : st.pairs) {
        const auto& h = st.dets[static_cast<size_t>(pr.human)];
        const auto& o = st.dets[static_cast<size_t>(pr.object)];
        const auto u = union_box(h, o);
        for (const detect::Detection* b : {&u, &h, &o}) {
            int x1 = std::clamp(static_cast<int>(std::floor(b->x1)), 0, st.width - 1);
            int y1 = std::clamp(static_cast<int>(std::floor(b->y1)), 0, st.height - 1);
            int x2 = std::clamp(static_cast<int>(std::ceil(b->x2)), x1 + 1, st.width);
            int y2 = std::clamp(static_cast<int>(std::ceil(b->y2)), y1 + 1, st.height);
            crops.push_back(clip::preprocess_padded_square(st.rgb(cv::Rect(x1, y1, x2 - x1, y2 - y1)),
                                                           clip_->input_size()));
        }
    }
    std::vector<at::Tensor> out;
    for (size_t i = 0; i < crops.size(); i += 48) {
        auto batch = torch::stack(std::vector<at::Tensor>(crops.begin() + static_cast<long>(i),
                                                          crops.begin() + static_cast<long>(std::min(crops.size(), i + 48))));
        out.push_back(clip_->encode_images(batch));
    }
    return torch::cat(out, 0);
}

PairInputs PairStage::inputs(const ImageState& st, const std::vector<std::pair<int, int>>& pairs) const {
    if (!clip_ || !st.has_clip) throw Error(ErrorKind::Internal, "pair inputs without CLIP features");
    PairInputs out;
    out.image_key = st.content_hash;
    out.width = st.width;
    out.height = st.height;
    std::vector<Pair> ps;
    for (const auto& [h, o] : pairs) ps.push_back(pair_of(st.dets, st.poses, st.pose_of, h, o, st.width, st.height));
    at::InferenceMode guard;
    const auto patches = joint_patches(st.feats);
    out.dim = static_cast<int>(patches.size(1));
    out.patches = static_cast<int>(patches.size(0));
    out.spatial_dims = kSpatialDims;
    out.patch_tokens = to_vec(patches);
    out.global = to_vec(st.global);
    if (!ps.empty()) {
        auto mq = clip_->encode_masked_queries(st.feats,
                                               pair_masks(st.dets, ps, st.frame, st.feats.grid_w, st.feats.grid_h));
        out.base = to_vec(combine_box_features(mq.features, opt_.box_feature_weight));
        out.spatial = to_vec(spatial_tensor(ps));
    }
    return out;
}

} // namespace hoi::model
