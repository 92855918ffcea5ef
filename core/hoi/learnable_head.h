#pragma once
// The learnable parts of the HOI head (CLIP4HOI / EZ-HOI style), all zero-initialised residuals so
// an untrained head leaves the training-free pair features exactly unchanged (x + 0 == x):
//   - HO interactor: MLP over the pair's spatial encoding, added to the pair feature
//       interactor.fc1.weight [H, S], interactor.fc1.bias [H], interactor.fc2.weight [D, H], interactor.fc2.bias [D]
//   - HOI decoder: layers of single-query cross-attention from the pair feature to the patch tokens
//       (joint space), added through a zero-initialised output projection
//       decoder.layers.L.{q,k,v,out}.weight [D, D], decoder.layers.L.out.bias [D]
//   - learnable prompt context (CLIP4HOI's "[PREFIX] verb [CONJUN] object"): token embeddings
//       prompt.prefix [P, W], prompt.conjun [C, W] (W = text width), added to the token embeddings
//       of the last P tokens before the verb ("a photo of a person") and of the first C tokens
//       between the verb and the object (the article); zero = the plain prompt. The engine encodes
//       such prompts itself, one at a time, outside the disk text cache.
//   - scoring (heads trained by `hoi train` only): scoring.logit_scale [1], scoring.bias [1]; such a
//       head scores each prompt with its own sigmoid, s = σ(exp(logit_scale) · cos + bias), the
//       scoring it was trained for (metadata "scoring": "sigmoid"); a head without them keeps the
//       training-free softmax over a pair's prompts.
// Metadata (safetensors __metadata__, written by `hoi train`): "format", "scoring", "clip_sha256",
// "clip", "classes" (JSON list of prompts), "split", "epochs", "data_sha256", "seed".
// Internal header (torch); not part of the GUI's API.
#include <ATen/core/Tensor.h>

#include <map>
#include <string>
#include <vector>

namespace hoi::model {

struct HeadShape {
    int spatial_dims = 87;
    int hidden = 256;
    int embed_dim = 512;
    int text_width = 512;
    int decoder_layers = 1;
    int prefix_tokens = 4;
    int conjun_tokens = 2;
};

class LearnableHead {
public:
    // Zero-initialised (untrained) head; the interactor's first layer is He-initialised with a
    // fixed seed (harmless: the zero second layer cancels it) so training can start from it.
    explicit LearnableHead(const HeadShape& shape);
    // Loads weights from a safetensors file: every key above must be present with its exact shape,
    // F32, and no other key may appear; the decoder's layer count is read from the file. Throws
    // hoi::Error(Model) naming the file, the key and the expected / found shape.
    static LearnableHead load(const std::string& path, const HeadShape& shape);
    // Writes the head's tensors and metadata (for tests and trainers).
    void save(const std::string& path, const std::map<std::string, std::string>& metadata = {}) const;

    enum class Scoring { Softmax, Sigmoid };
    Scoring scoring() const { return sigmoid_ ? Scoring::Sigmoid : Scoring::Softmax; }
    // Switches to per-class sigmoid scoring with the given initial temperature (log) and bias.
    void enable_sigmoid(float log_scale, float bias);
    const at::Tensor& score_log_scale() const { return score_scale_; }
    const at::Tensor& score_bias() const { return score_bias_; }
    // The metadata read by load() (empty for a head made in memory).
    const std::map<std::string, std::string>& metadata() const { return metadata_; }

    const HeadShape& shape() const { return shape_; }
    // pair: [P, D] pair features, spatial: [P, S], patches: [N, D] patch tokens (joint space).
    // Returns pair + interactor(spatial) + decoder residuals, [P, D].
    at::Tensor apply(const at::Tensor& pair, const at::Tensor& spatial, const at::Tensor& patches) const;
    // Whether the interactor's and every decoder layer's last matrix and bias are all zeros (an
    // untrained head): apply then adds nothing.
    bool residuals_are_zero() const;
    // Whether the prompt context is all zeros (then the plain prompts are exact).
    bool prompt_context_is_zero() const;
    // Prompt context vectors: prefix [P, W], conjunction [C, W] (W = the text tower's width).
    const at::Tensor& prompt_prefix() const { return prefix_; }
    const at::Tensor& prompt_conjun() const { return conjun_; }
    // Whether the context's width differs from the text tower's.
    bool prompt_context_size_mismatch(int text_width) const;
    bool trained() const { return trained_; }

    // Named tensors (for save / inspection), in a fixed order.
    std::vector<std::pair<std::string, at::Tensor>> named_tensors() const;

private:
    HeadShape shape_;
    bool trained_ = false;
    at::Tensor fc1_w_, fc1_b_, fc2_w_, fc2_b_;
    struct Layer { at::Tensor q, k, v, out, out_b; };
    std::vector<Layer> layers_;
    at::Tensor prefix_, conjun_;
    bool sigmoid_ = false;
    at::Tensor score_scale_, score_bias_;
    std::map<std::string, std::string> metadata_;
};

} // namespace hoi::model
