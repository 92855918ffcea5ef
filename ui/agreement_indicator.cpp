#include "agreement_indicator.h"

#include "hoi/scoring.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace hoi::ui {

using annotation::State;

AgreementIndicator::AgreementIndicator(Workspace* workspace, QWidget* parent) : QLabel(parent), ws_(workspace) {
    setObjectName(QStringLiteral("agreementIndicator"));
    timer_.setSingleShot(true);
    timer_.setInterval(0);
    connect(&timer_, &QTimer::timeout, this, &AgreementIndicator::refresh);
    connect(ws_, &Workspace::changed, this, [this](const annotation::Change& c) {
        if (!ws_->applying()) scheduleRefresh();
        (void)c;
    });
    connect(ws_, &Workspace::analysisApplied, this, &AgreementIndicator::scheduleRefresh);
    connect(ws_, &Workspace::cleared, this, &AgreementIndicator::scheduleRefresh);
    refresh();
}

void AgreementIndicator::scheduleRefresh() { timer_.start(); }

std::optional<double> AgreementIndicator::unadaptedScore(const model::ImageAnalysis& a, int pair, int prompt) {
    if (const auto s = model::score_without_adapter(a, pair, prompt)) return double(*s);
    return std::nullopt;
}

namespace {
std::optional<double> auc(const std::vector<double>& pos, const std::vector<double>& neg) {
    if (pos.empty() || neg.empty()) return std::nullopt;
    double wins = 0;
    for (double p : pos)
        for (double n : neg) wins += p > n ? 1.0 : (p == n ? 0.5 : 0.0);
    return wins / (double(pos.size()) * double(neg.size()));
}
} // namespace

Agreement AgreementIndicator::compute(const Workspace& ws) {
    Agreement g;
    std::vector<double> pos, neg, posRaw, negRaw;
    for (const auto& in : ws.document().interactions()) {
        if (in.prompt.empty() || in.state == State::Predicted) continue; // not the model's proposal, or undecided
        ++g.reviewed;
        if (in.state == State::Accepted) ++g.accepted;
        else if (in.state == State::Rejected) ++g.rejected;
        else ++g.edited;
        if (in.state == State::Edited) continue; // a new verb: no (proposal, decision) pair to rank
        const model::ScoreSource src = ws.scoreSource(in.id);
        const ImageRecord* r = ws.record(in.image);
        if (src.pair < 0 || src.prompt < 0 || !r || !r->analysis || !r->analysis->scored) continue;
        const auto& a = *r->analysis;
        ++g.ranked;
        const double s = a.score(src.pair, src.prompt).final;
        (in.state == State::Accepted ? pos : neg).push_back(s);
        if (const auto u = unadaptedScore(a, src.pair, src.prompt)) (in.state == State::Accepted ? posRaw : negRaw).push_back(*u);
    }
    if (g.reviewed > 0) g.rate = double(g.accepted) / g.reviewed;
    g.auc = auc(pos, neg);
    if (posRaw.size() == pos.size() && negRaw.size() == neg.size()) g.aucUnadapted = auc(posRaw, negRaw);
    return g;
}

void AgreementIndicator::refresh() {
    agreement_ = compute(*ws_);
    const Agreement& g = agreement_;
    if (!g.rate) {
        setText(tr("Agreement: no reviews yet"));
        setToolTip(tr("How often you accept the pairs the model proposes, once you review some (A / R)."));
        return;
    }
    QString text = tr("Agreement: %1 of %2 accepted (%3%)")
                       .arg(g.accepted)
                       .arg(g.reviewed)
                       .arg(std::lround(*g.rate * 100));
    if (g.auc) {
        text += tr(" · ranking %1").arg(*g.auc, 0, 'f', 2);
        if (g.aucUnadapted) text += tr(" (before learning %1)").arg(*g.aucUnadapted, 0, 'f', 2);
    }
    setText(text);
    setToolTip(tr("Of the model's proposed pairs you reviewed: %1 accepted, %2 rejected, %3 given another verb.\n"
                  "Ranking: how often an accepted pair scores above a rejected one with the current scores "
                  "(1 = always, 0.5 = chance); before learning: the same scores without what the model "
                  "learnt from your reviews.")
                   .arg(g.accepted)
                   .arg(g.rejected)
                   .arg(g.edited));
}

} // namespace hoi::ui
