#pragma once
// Locating the application's read-only resources (HICO class lists, the BPE vocabulary, ...).
#include <string>

namespace hoi::io {

// The resource directory: $HOI_RESOURCES if set, else <exe>/../share/hoi-studio when it exists
// (installed layout), else the source tree's resources/ (build tree).
std::string resource_dir();

// Full path of a resource file; throws hoi::Error(Model) naming the searched places if missing.
std::string resource_path(const std::string& relative);

// The models directory: $HOI_MODELS if set, else models/cache in the source tree when it exists,
// else $XDG_DATA_HOME/hoi-studio/models (~/.local/share/hoi-studio/models).
std::string models_dir();

} // namespace hoi::io
