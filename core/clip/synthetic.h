#pragma once
// Random-weight CLIP models for tests and benchmarks (no real weights needed): seeded and
// deterministic, written in OpenAI's TorchScript .pt layout (fp16, like the official archives) or
// as safetensors (OpenCLIP or Hugging Face names). They load through ClipModel::load like real ones.
#include "clip/clip_model.h"
#include "clip/weights.h"

#include <cstdint>
#include <string>

namespace hoi::clip {

// Small configurations (vocabulary 49408 and context 77, so the real tokenizer's ids fit).
ClipConfig tiny_vit_config();   // 64 px, patch 16 (4x4 grid), width 128 (2 heads), 2 layers; text 64 wide, 2 layers; D 32
ClipConfig tiny_rn_config();    // 64 px (2x2 grid), width 8, stages {1,1,1,1} (attnpool 256 wide, 4 heads); D 32
// OpenAI's published shapes (for benchmarks; random weights).
ClipConfig vit_b32_config();    // ViT-B/32 (151 M parameters)
ClipConfig vit_b16_config();    // ViT-B/16 (150 M)
ClipConfig vit_l14_config();    // ViT-L/14 (428 M)
ClipConfig rn50_config();       // RN50 (102 M)
// One of the above by its name ("ViT-B/32", "ViT-B/16", "ViT-L/14", "RN50"); Usage error otherwise.
ClipConfig published_config(const std::string& name);

// CLIP-style initialisation (OpenAI's initialize_parameters scales; norms near 1; small random
// biases so that every tensor matters), rounded to fp16 values as OpenAI's checkpoints are (float32
// tensors). Same config and seed -> same tensors.
NamedTensors synthetic_weights(const ClipConfig& config, uint64_t seed);

// Writers (atomic). fp16 stores half-precision values as OpenAI's archives do.
void write_torchscript(const std::string& path, const NamedTensors& tensors, bool fp16 = true);
void write_clip_safetensors(const std::string& path, const NamedTensors& tensors, bool hf_layout, bool fp16 = false);

enum class SyntheticFormat { TorchScript, SafetensorsOpenClip, SafetensorsHF };
// synthetic_weights + the writer for the format (HF layout: ViT only; Usage error otherwise).
void write_synthetic_model(const std::string& path, const ClipConfig& config, uint64_t seed,
                           SyntheticFormat format = SyntheticFormat::TorchScript);

} // namespace hoi::clip
