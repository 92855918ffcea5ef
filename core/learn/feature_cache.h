#pragma once
// The trainer's on-disk feature cache: per labelled image, what the frozen CLIP model and the
// pair builder give the learnable head (model::PairInputs: pair features before the head, spatial
// encodings, patch tokens, image embedding) for every human x other-box pair of its boxes.
// CLIP runs once per image; later epochs and later runs read the file.
//
// Key: sha256 of (the image file's content hash, the CLIP checksum, the pose model's use, the
// boxes, the pairs, the box-feature weight). One safetensors file per key in the cache folder
// ($HOI_FEATURE_CACHE, else clip::TextEmbeddingCache::default_dir()/features); a file that does not
// load (truncated, another layout) is recomputed and replaced. Detections (for --with-detections)
// are kept as DETKEY.detections.json in the same folder.
#include "hoi/engine.h"
#include "learn/labelled_set.h"

#include <string>
#include <utility>
#include <vector>

namespace hoi::learn {

struct CachedImage {
    std::vector<std::pair<int, int>> pairs; // (human box, other box), indices into LabelledImage::boxes
    model::PairInputs inputs;
    bool from_disk = false;
};

class FeatureCache {
public:
    // dir "" = the default folder. The engine computes what is missing (needs CLIP).
    FeatureCache(model::Engine& engine, std::string dir = "");
    const std::string& dir() const { return dir_; }
    static std::string default_dir();
    // Every person box paired with every other box, in box order.
    static std::vector<std::pair<int, int>> all_pairs(const LabelledImage& image);
    // Throws hoi::Error(Input) for an unreadable image.
    CachedImage get(const LabelledImage& image, const CancelFlag* cancel = nullptr);
    // The detector's boxes on the image that the engine would pair (scores at least its human /
    // object thresholds), kept beside the features (key: the image's content, the detector's
    // checksum and the thresholds), so a later run does not detect again. Throws as get().
    std::vector<detect::Detection> detections(const LabelledImage& image, const CancelFlag* cancel = nullptr);

private:
    model::Engine& engine_;
    std::string dir_;
};

} // namespace hoi::learn
