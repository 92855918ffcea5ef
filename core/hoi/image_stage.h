#pragma once
// The engine's per-image stage (design.md: image -> detector -> CLIP image tower): reads the image,
// runs the detector (or takes given boxes) and the pose model, and CLIP's image tower once (patch
// tokens, the global embedding, per-layer attentions when kept), and keeps the result per image in
// a byte-bounded LRU cache keyed by the file's content, the models and the given boxes. The pairs
// and pair features of an image (pair_stage.h) are stored in the same cache entry, ImageState.
// Internal header (torch, OpenCV).
#include "clip/clip_types.h"
#include "hoi/engine.h"
#include "hoi/lru_cache.h"
#include "hoi/pairs.h"

#include <ATen/core/Tensor.h>
#include <opencv2/core/mat.hpp>

#include <memory>
#include <string>
#include <vector>

namespace hoi::model {

// What the engine keeps of one image (one cache entry).
struct ImageState {
    int width = 0, height = 0;
    std::string content_hash;
    std::string key; // cache key
    std::vector<detect::Detection> dets;
    std::vector<detect::Pose> poses;
    std::vector<int> pose_of;
    // CLIP
    bool has_clip = false;
    at::Tensor image_tensor; // [3, S, S]
    clip::ImageFeatures feats;
    at::Tensor global; // [D] normalised
    SquareFrame frame;
    cv::Mat rgb;       // kept in crop mode only
    // Pairs (PairStage; recomputed when the pair configuration changes)
    std::string pair_config;
    std::vector<Pair> pairs;
    at::Tensor pair_feats;      // [P, D] normalised
    at::Tensor query_attention; // [3P, heads, N]: union, human, object per pair
    std::vector<AttentionMap> pair_maps;

    // Bytes held (the cache's measure).
    size_t bytes() const;
};

// An image file's bytes and their content hash (ImageAnalysis::image_key).
struct ImageFile {
    std::string data;
    std::string hash;
};

class ImageStage {
public:
    // Loads the detector and, when options.use_pose and the file is present, the pose model. A null
    // clip = no CLIP (detections only). options must outlive the stage.
    ImageStage(const EngineOptions& options, std::shared_ptr<clip::ClipModel> clip);
    ~ImageStage();

    // Reads an image file (size-limited) and hashes its content.
    static ImageFile read(const std::string& path);

    // The image's state: from the cache (timings "load", "detect", "pose", "clip" marked cached), or
    // computed and cached. boxes: given boxes instead of the detector's (their classes must be
    // COCO-80), part of the key. Throws Error(Input) for a bad image, Error(Cancelled) between stages.
    std::shared_ptr<ImageState> state(const std::string& path, const ImageFile& file, std::vector<StageTiming>& timings,
                                      const ProgressCallback& progress, const CancelFlag* cancel,
                                      const std::vector<detect::Detection>* boxes);
    // The cached state of an analysis (nullptr when evicted).
    std::shared_ptr<ImageState> lookup(const ImageAnalysis& analysis);
    // Re-measures an entry after its pairs changed.
    void resize(const ImageState& state);

    const detect::Detector& detector() const { return *detector_; }
    bool has_pose() const { return pose_ != nullptr; }
    // The models and settings the image-level key depends on (hashed).
    const std::string& fingerprint() const { return fingerprint_; }
    const LruCache<ImageState>& cache() const { return cache_; }
    void clear() { cache_.clear(); }

private:
    float detector_threshold() const;

    const EngineOptions& opt_;
    std::shared_ptr<clip::ClipModel> clip_;
    std::unique_ptr<detect::Detector> detector_;
    std::unique_ptr<detect::PoseEstimator> pose_;
    std::string fingerprint_;
    LruCache<ImageState> cache_;
};

} // namespace hoi::model
