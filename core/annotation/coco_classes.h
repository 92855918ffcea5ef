#pragma once
// The COCO object classes: the 80 contiguous classes detectors use (0 = person) and their ids in
// COCO's original 91-id numbering (used by COCO JSON and the QPIC-style HICO-DET files).
#include <array>
#include <string>
#include <string_view>

namespace hoi::annotation {

constexpr int kCocoClasses = 80;
constexpr int kPersonClass = 0;

// COCO-80 display names ("sports ball", "cell phone", ...), index = COCO-80 id.
const std::array<std::string_view, kCocoClasses>& coco80_names();
// COCO-91 id of a COCO-80 class (1..90). Throws hoi::Error(Input) for an id outside 0..79.
int coco80_to_coco91(int coco80);
// COCO-80 id of a COCO-91 id, or -1 when the id is not one of the 80 used classes.
int coco91_to_coco80(int coco91);
// COCO-80 id of a class name; accepts "sports ball" and the HICO spelling "sports_ball",
// case-insensitively. -1 when unknown.
int coco80_from_name(std::string_view name);

} // namespace hoi::annotation
