#pragma once
// The engine's classifier (design.md: pair features, global embedding, text embeddings, detector
// scores -> HOI scores; the formulas are in engine.h). Per pair, the candidate prompts are those
// applying to its object plus the object's "no interaction" prompt (unless a prompt is it); their
// pair and global cosines become a softmax over the candidates (or, with a head trained for it,
// per-prompt sigmoids), with the few-shot adapter's term added to the pair logits, and are fused
// with the detector scores (scoring.h).
// Internal header (torch).
#include "hoi/engine.h"
#include "hoi/text_encoder.h"

#include <ATen/core/Tensor.h>

namespace hoi::model {

class FewShotAdapter;
class LearnableHead;

class PairClassifier {
public:
    // logit_scale: exp(CLIP's logit_scale). head: the learnable head in use or null (its sigmoid
    // scoring when it has one). The adapter is read at every classify() (examples added later count).
    PairClassifier(float logit_scale, const LearnableHead* head, const FewShotAdapter& adapter);

    // Fills analysis.scores ([pairs x prompts]) from the analysis' detections, pairs and prompts.
    // pair_features: [P, D] normalised (undefined when there are no pairs); global: [D] normalised;
    // text: the prompts' rows, then the "no interaction" rows of the pairs' object classes.
    void classify(const at::Tensor& pair_features, const at::Tensor& global, const PromptTexts& text, float alpha,
                  float lambda, ImageAnalysis& analysis) const;

private:
    float logit_scale_;
    const LearnableHead* head_;
    const FewShotAdapter& adapter_;
};

} // namespace hoi::model
