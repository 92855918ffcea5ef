#include "hoi/pair_classifier.h"

#include "hoi/few_shot_adapter.h"
#include "hoi/learnable_head.h"
#include "hoi/scoring.h"
#include "hoi/stage_util.h"

#include <torch/torch.h>

#include <cmath>

namespace hoi::model {

PairClassifier::PairClassifier(float logit_scale, const LearnableHead* head, const FewShotAdapter& adapter)
    : logit_scale_(logit_scale), head_(head), adapter_(adapter) {}

void PairClassifier::classify(const at::Tensor& pair_feats, const at::Tensor& global, const PromptTexts& text_rows,
                              float alpha, float lambda, ImageAnalysis& a) const {
    const size_t P = a.pairs.size(), T = a.prompts.size();
    a.scores.assign(P * T, ScoreBreakdown{});
    // No prompt and no pair (so no "no interaction" row either): nothing to score.
    if (text_rows.embeddings.empty()) return;
    at::InferenceMode guard;
    at::Tensor text = torch::stack(text_rows.embeddings); // [T + C, D]
    const long TT = text.size(0);
    std::vector<float> gcos = to_vec(torch::mv(text, global));
    std::vector<float> pcos;
    if (P > 0) pcos = to_vec(torch::mm(pair_feats, text.t())); // [P, T + C]
    const float scale = logit_scale_;
    // The few-shot adapter's terms (0 for classes without examples: scores unchanged then).
    std::vector<float> feats;
    std::vector<std::string> keys;
    if (!adapter_.empty() && P > 0) {
        feats = to_vec(pair_feats);
        for (const auto& pr : a.prompts) keys.push_back(pr.key());
    }
    const size_t D = P ? feats.size() / P : 0;
    const bool sigmoid = head_ && head_->scoring() == LearnableHead::Scoring::Sigmoid;
    const float sig_scale = sigmoid ? std::exp(head_->score_log_scale().item<float>()) : 0.0f;
    const float sig_bias = sigmoid ? head_->score_bias().item<float>() : 0.0f;
    a.scoring = sigmoid ? PairScoring::Sigmoid : PairScoring::Softmax;
    a.sigmoid_scale = sig_scale;
    a.sigmoid_bias = sig_bias;
    for (size_t p = 0; p < P; ++p) {
        const auto& h = a.detections[static_cast<size_t>(a.pairs[p].human)];
        const auto& o = a.detections[static_cast<size_t>(a.pairs[p].object)];
        const int cls = o.class_id;
        // Candidate set: applicable prompts; the object's no-interaction prompt unless a prompt is it.
        std::vector<size_t> cand;
        for (size_t t = 0; t < T; ++t)
            if (a.prompts[t].applies_to(cls)) cand.push_back(t);
        const size_t null_row = text_rows.null_row.at(cls);
        bool has_null = false;
        for (size_t t : cand) has_null |= text_rows.phrases[t] == text_rows.phrases[null_row];
        std::vector<size_t> cols = cand;
        if (!has_null) cols.push_back(null_row);
        std::vector<float> cp, cg;
        for (size_t c : cols) {
            cp.push_back(pcos[p * static_cast<size_t>(TT) + c]);
            cg.push_back(gcos[c]);
        }
        std::vector<float> terms(cols.size(), 0.0f);
        bool adapted = false;
        if (!feats.empty())
            for (size_t k = 0; k < cand.size(); ++k) {
                terms[k] = adapter_.term(feats.data() + p * D, keys[cand[k]]);
                adapted |= terms[k] != 0.0f;
            }
        std::vector<float> sp, sg;
        if (sigmoid) { // a trained head's per-class sigmoids (LearnableHead::Scoring::Sigmoid)
            for (size_t k = 0; k < cols.size(); ++k) {
                sp.push_back(sigmoid_score(cp[k], sig_scale, sig_bias, terms[k]));
                sg.push_back(sigmoid_score(cg[k], sig_scale, sig_bias, 0.0f));
            }
        } else {
            if (adapted) { // logits scale·cos + term
                std::vector<float> logits(cols.size());
                for (size_t k = 0; k < cols.size(); ++k) logits[k] = scale * cp[k] + terms[k];
                sp = scaled_softmax(logits, 1.0f);
            } else {
                sp = scaled_softmax(cp, scale);
            }
            sg = scaled_softmax(cg, scale);
        }
        for (size_t k = 0; k < cand.size(); ++k) {
            ScoreBreakdown& s = a.scores[p * T + cand[k]];
            s.applies = true;
            s.adapter = terms[k];
            s.s_pair = sp[k];
            s.s_global = sg[k];
            s.s_h = h.score;
            s.s_o = o.score;
            s.cos_pair = cp[k];
            s.cos_global = cg[k];
            s.final = fuse_score(s.s_pair, s.s_global, s.s_h, s.s_o, alpha, lambda);
        }
    }
}

} // namespace hoi::model
