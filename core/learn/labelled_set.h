#pragma once
// hoi::learn — learning from annotations and corrections (above hoi/, below app/ and ui/).
//
// LabelledSet: the relations of an annotation file or project that a person (or a dataset) has
// decided, as the few-shot adapter (`hoi run --adapt-from`) and the trainer (`hoi train`) read them.
// One rule for both:
//   - accepted and edited relations are positives of their class; rejected ones are negatives;
//     predicted relations (model output nobody looked at) are left out. Ground-truth files
//     (hico, instances, coco, csv without scores) import as accepted, so all their relations count.
//   - boxes: the instances that are not rejected and have a COCO-80 class (score 1, as ground
//     truth); relations to a box outside COCO-80 are skipped (counted under their reason).
//   - the class of a relation is its HICO-DET class when (verb, object) is one, else the prompt
//     "verb object" (free verbs), parsed as `hoi run --prompt` would.
//   - images: file_name under `image_dir` if given, else the project's image folder, else the
//     annotation file's folder. Missing or unreadable images are listed, skipped and counted.
// Torch-free.
#include "detect/detector.h"
#include "hoi/prompt.h"

#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace hoi::learn {

struct LabelledRelation {
    int subject = -1, object = -1; // indices into LabelledImage::boxes
    model::Prompt prompt;          // its class
    bool positive = true;          // accepted / edited (true) or rejected (false)
};

struct LabelledImage {
    std::string path;      // resolved image file
    std::string file_name; // as in the annotation file
    int width = 0, height = 0; // from the file, 0 when unknown
    std::vector<detect::Detection> boxes;
    std::vector<LabelledRelation> relations;
};

struct LabelledSet {
    std::string source;     // the annotation file
    std::string format;     // its format name
    std::string sha256;     // of its bytes
    std::vector<LabelledImage> images; // images with at least one decided relation, document order
    std::vector<std::string> missing_images; // listed, not used
    std::size_t positives = 0, negatives = 0;
    std::map<std::string, std::size_t> skipped; // reason -> relations left out
    // "N images, P positives, Q negatives; skipped: ..." for messages.
    std::string summary() const;
};

// Reads an annotation file (format detected from its content) or a project. Throws
// hoi::Error(Input) for an unreadable or invalid file.
LabelledSet read_labelled_set(const std::string& path, const std::string& image_dir = "");

// A labelled image with the detector's boxes that match its labelled boxes added (`hoi train
// --with-detections`): a detection matches the labelled box of its class it overlaps most, when
// their IoU is at least min_iou; it is added after the labelled boxes. source[i] is the labelled
// box box i stands for (i itself for the labelled ones). The relations stay on the labelled boxes;
// a pair (a, b) carries the labels of (source[a], source[b]), and a pair of two boxes of one
// labelled box is no pair. Unmatched detections are left out (nobody labelled what they show).
struct MatchedImage {
    LabelledImage image;
    std::vector<int> source;
    std::size_t matched = 0; // detections added
};
MatchedImage add_matched_detections(const LabelledImage& image, const std::vector<detect::Detection>& detections,
                                    float min_iou = 0.5f);

} // namespace hoi::learn
