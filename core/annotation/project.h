#pragma once
// A HOI Studio project: the annotation document plus its settings, saved as one JSON file.
//
// Project file (schema_version 2):
// {
//   "schema_version": 2,
//   "generator": "HOI Studio <version>",
//   "settings": {"image_dir": "images", "prompts": ["ride horse"], "thresholds": {"pair": 0.2},
//                "models": {"clip": "ViT-B-32.pt", "detector": "nanodet"}, "templates": ["a photo of a person {verb} {object}"]},
//   "next_ids": {"image": 3, "instance": 10, "interaction": 7},
//   "images": [{"id": 1, "file_name": "a.jpg", "width": 640, "height": 480, "reviewed": false}],
//   "instances": [{"id": 1, "image": 1, "box": [x1, y1, x2, y2], "coco80": 0, "label": "person",
//                  "score": 0.9, "state": "predicted"}],            // coco80 -1 for free-text classes
//   "interactions": [{"id": 1, "image": 1, "subject": 1, "object": 2, "verb": "ride", "hico_verb": 87,
//                     "score": 0.7, "state": "accepted", "prompt": "ride horse"}]
// }
// "score" is omitted when absent. Version 1 (the prototype layout) is migrated on load: instances
// had "class" (a COCO-80 id or a name) instead of coco80/label, interactions had no "image" and no
// "prompt", settings had one "threshold" number (-> thresholds.score) and there were no next_ids.
// A newer schema_version than kProjectSchemaVersion is refused with a clear error.
#include "annotation/document.h"

#include <map>
#include <string>
#include <vector>

namespace hoi::annotation {

constexpr int kProjectSchemaVersion = 2;

struct ProjectSettings {
    std::string image_dir;                    // the image folder (relative to the project file or absolute)
    std::vector<std::string> prompts;         // the prompts in use, in order
    std::map<std::string, double> thresholds; // name -> value ("pair", "detector", ...)
    std::map<std::string, std::string> models; // role -> model path or name ("clip", "detector")
    std::vector<std::string> templates;       // prompt templates ("a photo of a person {verb} {object}")
    bool operator==(const ProjectSettings& o) const {
        return image_dir == o.image_dir && prompts == o.prompts && thresholds == o.thresholds &&
               models == o.models && templates == o.templates;
    }
    bool operator!=(const ProjectSettings& o) const { return !(*this == o); }
};

struct Project {
    Document document;
    ProjectSettings settings;
    bool operator==(const Project& o) const { return document == o.document && settings == o.settings; }
    bool operator!=(const Project& o) const { return !(*this == o); }
};

// Saves a project atomically (hoi::io::write_file_atomic). Throws hoi::Error(Input) on failure.
void save_project(const Project& project, const std::string& path);
// Loads a project file (migrating older schema versions). Throws hoi::Error(Input) listing every
// problem; nothing is loaded then.
Project load_project(const std::string& path);

} // namespace hoi::annotation
