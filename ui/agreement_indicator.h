#pragma once
// The status bar's agreement indicator: how well the model agrees with the person so far.
//
// Of the relations the model proposed (they carry the prompt they came from) that a person
// reviewed, the share accepted as proposed (accepted; an edited verb or a rejection is a
// disagreement). And, once both accepted and rejected relations exist, how well the model's current
// scores — those of each image's latest analysis, after the few-shot adapter learnt from the
// reviews — rank them: the fraction of (accepted, rejected) pairs where the accepted relation scores
// higher (ties count half; the ranking AUC). The same AUC with the adapter's term taken out of each
// score (recomputed from the score breakdown, no model run) shows what the adaptation changed.
// Both are cheap: one pass over the document's relations, then O(accepted · rejected).
#include <QLabel>
#include <QTimer>
#include <optional>

#include "workspace.h"

namespace hoi::ui {

struct Agreement {
    int reviewed = 0; // model-proposed relations a person decided (accepted, rejected or edited)
    int accepted = 0; // of those, accepted as proposed
    int rejected = 0;
    int edited = 0;
    std::optional<double> rate;       // accepted / reviewed
    std::optional<double> auc;        // ranking AUC of the current (adapted) scores
    std::optional<double> aucUnadapted; // the same without the adapter's term
    int ranked = 0;                   // reviewed relations with a current score (in the AUC)
};

class AgreementIndicator : public QLabel {
    Q_OBJECT
public:
    explicit AgreementIndicator(Workspace* workspace, QWidget* parent = nullptr);
    // Computes the measures from the workspace (see the file comment).
    static Agreement compute(const Workspace& workspace);
    // A relation's score with the adapter's terms taken out of the pair logits, in the analysis'
    // scoring (softmax or a trained head's sigmoids): model::score_without_adapter (hoi/scoring.h).
    // nullopt when the prompt does not apply to the pair.
    static std::optional<double> unadaptedScore(const model::ImageAnalysis& analysis, int pair, int prompt);
    const Agreement& agreement() const { return agreement_; }
    void refresh();          // now
    void scheduleRefresh();  // once the event loop runs (edits come in bursts)

private:
    Workspace* ws_;
    Agreement agreement_;
    QTimer timer_;
};

} // namespace hoi::ui
