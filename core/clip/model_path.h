#pragma once
// Which CLIP model file to use — torch-free, so the GUI can include it.
#include <string>

namespace hoi::clip {

// The CLIP model file to use, in the order of the design: cli_value (--clip PATH), else $HOI_CLIP,
// else gui_setting, else <models_dir>/ViT-B-32.pt when it exists. Explicit values are returned as
// given (a later load names them if they are wrong); "" when nothing is configured or found.
std::string resolve_clip_path(const std::string& cli_value, const std::string& gui_setting = "");

} // namespace hoi::clip
