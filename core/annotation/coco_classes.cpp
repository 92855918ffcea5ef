#include "annotation/coco_classes.h"
#include "io/error.h"

#include <cctype>

namespace hoi::annotation {
namespace {
constexpr std::array<int, kCocoClasses> kCoco91 = {
    1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 13, 14, 15, 16, 17, 18, 19, 20, 21,
    22, 23, 24, 25, 27, 28, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44,
    46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65,
    67, 70, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 84, 85, 86, 87, 88, 89, 90};
} // namespace

const std::array<std::string_view, kCocoClasses>& coco80_names() {
    static const std::array<std::string_view, kCocoClasses> names = {
        "person",        "bicycle",      "car",           "motorcycle",    "airplane",
        "bus",           "train",        "truck",         "boat",          "traffic light",
        "fire hydrant",  "stop sign",    "parking meter", "bench",         "bird",
        "cat",           "dog",          "horse",         "sheep",         "cow",
        "elephant",      "bear",         "zebra",         "giraffe",       "backpack",
        "umbrella",      "handbag",      "tie",           "suitcase",      "frisbee",
        "skis",          "snowboard",    "sports ball",   "kite",          "baseball bat",
        "baseball glove","skateboard",   "surfboard",     "tennis racket", "bottle",
        "wine glass",    "cup",          "fork",          "knife",         "spoon",
        "bowl",          "banana",       "apple",         "sandwich",      "orange",
        "broccoli",      "carrot",       "hot dog",       "pizza",         "donut",
        "cake",          "chair",        "couch",         "potted plant",  "bed",
        "dining table",  "toilet",       "tv",            "laptop",        "mouse",
        "remote",        "keyboard",     "cell phone",    "microwave",     "oven",
        "toaster",       "sink",         "refrigerator",  "book",          "clock",
        "vase",          "scissors",     "teddy bear",    "hair drier",    "toothbrush"};
    return names;
}

int coco80_to_coco91(int coco80) {
    if (coco80 < 0 || coco80 >= kCocoClasses)
        throw_input("COCO-80 class id " + std::to_string(coco80) + " is out of range 0..79");
    return kCoco91[coco80];
}

int coco91_to_coco80(int coco91) {
    for (int i = 0; i < kCocoClasses; ++i)
        if (kCoco91[i] == coco91) return i;
    return -1;
}

int coco80_from_name(std::string_view name) {
    std::string key;
    for (char c : name) key += c == '_' ? ' ' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const auto& names = coco80_names();
    for (int i = 0; i < kCocoClasses; ++i)
        if (names[i] == key) return i;
    return -1;
}

} // namespace hoi::annotation
