#pragma once
// Filling an engine's few-shot adapter from a labelled set (`hoi run --adapt-from`): each image is
// analysed with its own boxes (Engine::analyse_boxes, so the key is the pair feature of exactly
// the labelled pair) and every decided relation becomes one example (accepted +, rejected −).
#include "hoi/engine.h"
#include "learn/labelled_set.h"

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

namespace hoi::learn {

// Returns a summary for run metadata: {"source", "sha256", "format", "images", "examples",
// "positives", "negatives", "skipped": {reason: n}, "failed_images": [...], "weight", "sharpness",
// "min_affinity"}. An image that cannot be analysed is skipped (listed); Error(Cancelled) passes.
// log(line) receives one line per skipped image.
nlohmann::json add_examples(model::Engine& engine, const LabelledSet& set, const CancelFlag* cancel = nullptr,
                            const std::function<void(const std::string&)>& log = {});

} // namespace hoi::learn
