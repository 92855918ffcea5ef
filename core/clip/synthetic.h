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
ClipConfig vit_b32_config();    // OpenAI ViT-B/32's shapes (151 M parameters)

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
