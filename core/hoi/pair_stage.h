#pragma once
// The engine's pair stage (design.md: pairs -> interactor -> decoder): builds the pairs of an
// image's detections (thresholds, top-k, pairs.h), and their features: one masked query per union /
// human / object box through CLIP's last attention block (or, in crop mode, one CLIP forward per
// crop), the box features combined (pair_features.h), the learnable head's interactor and decoder
// residuals (learnable_head.h), normalised; and each pair's union-box attention map. Results are
// stored in the image's cache entry (ImageState) with the configuration they were computed for.
// Internal header (torch).
#include "hoi/image_stage.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace hoi::model {

class LearnableHead;

class PairStage {
public:
    // clip may be null (pairs without features); head: the learnable head in use, or null (the
    // training-free path). options and head must outlive the stage.
    PairStage(const EngineOptions& options, std::shared_ptr<clip::ClipModel> clip, const LearnableHead* head);

    // The options the pairs and their features depend on (ImageState::pair_config).
    std::string config() const;
    // Builds the pairs and their features unless the state already has them for config()
    // (timings "pairs", "pair_features"; progress stage "pairs").
    void ensure(ImageState& state, std::vector<StageTiming>& timings, const ProgressCallback& progress,
                const std::string& path) const;
    // The pair classifier's inputs before the head (Engine::pair_inputs) for explicit
    // (human, object) pairs of the state's boxes. Needs CLIP.
    PairInputs inputs(const ImageState& state, const std::vector<std::pair<int, int>>& pairs) const;

private:
    // Crop mode: one CLIP forward per union / human / object crop (each padded to a square), [3P, D].
    at::Tensor crop_features(const ImageState& state) const;

    const EngineOptions& opt_;
    std::shared_ptr<clip::ClipModel> clip_;
    const LearnableHead* head_;
};

} // namespace hoi::model
