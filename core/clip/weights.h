#pragma once
// Reading CLIP weight files into tensors with OpenAI's names, and inferring the architecture.
//  - OpenAI .pt: a TorchScript archive (zip); parameters and buffers are read by name, fp16 -> fp32.
//  - .safetensors, OpenCLIP layout: OpenAI's names.
//  - .safetensors, Hugging Face CLIPModel layout (vision_model.*, text_model.*): mapped to OpenAI's
//    names (q/k/v projections concatenated into in_proj, projections transposed).
// The format is recognised by content, not by file name.
#include "clip/clip_model.h"

#include <ATen/core/Tensor.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace torch::nn { class Module; }

namespace hoi::clip {

using NamedTensors = std::vector<std::pair<std::string, at::Tensor>>;

enum class WeightFormat { TorchScript, SafetensorsOpenAI, SafetensorsHF };
const char* format_name(WeightFormat f);

struct LoadedWeights {
    NamedTensors tensors; // OpenAI names, float32, contiguous
    WeightFormat format = WeightFormat::TorchScript;
};

// Throws hoi::Error(Model) naming the file: unknown format, corrupt archive or header, unsupported dtype.
LoadedWeights read_clip_weights(const std::string& path);

// HF CLIPModel names -> OpenAI names. Throws Model errors naming an incomplete q/k/v group.
NamedTensors hf_to_openai(const NamedTensors& hf, const std::string& origin);
// OpenAI names -> HF CLIPModel names (ViT only), for writing HF-layout files.
NamedTensors openai_to_hf(const NamedTensors& openai);

// The architecture from the tensors' shapes, as OpenAI's build_model. Throws Model errors naming
// the key it needs when one is missing or malformed.
ClipConfig infer_config(const NamedTensors& tensors, const std::string& origin);

// Puts tensors into a module's parameters and buffers by name: a float32 tensor that owns its whole
// storage is shared with the parameter (no second copy; do not modify it afterwards), anything else
// is copied (and converted). Strict: every parameter must be
// present with its shape; nothing unexpected may be left over (is_ignored_key names excepted).
// Throws a Model error that lists what is missing, unexpected and mis-shaped.
void assign_weights(torch::nn::Module& module, const NamedTensors& tensors, const std::string& origin);

} // namespace hoi::clip
