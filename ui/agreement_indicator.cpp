#include "agreement_indicator.h"

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
    const auto& target = a.score(pair, prompt);
    if (!target.applies) return std::nullopt;
    if (target.adapter == 0) return double(target.final);
    // s_pair_t = e^(l_t + a_t) / Z over the pair's prompts: the applying ones listed in the analysis
    // and the object's "no interaction" prompt the engine adds (its share: what the listed ones
    // leave; no adapter term, no person reviews "no interaction"). Without the terms:
    // s'_t = s_t e^(−a_t) / (Σ_v s_v e^(−a_v) + hidden share).
    double listed = 0, sum = 0, mine = 0;
    for (size_t t = 0; t < a.prompts.size(); ++t) {
        const auto& sc = a.score(pair, int(t));
        if (!sc.applies) continue;
        listed += double(sc.s_pair);
        const double e = double(sc.s_pair) * std::exp(-double(sc.adapter));
        sum += e;
        if (int(t) == prompt) mine = e;
    }
    sum += std::max(0.0, 1.0 - listed);
    if (!(sum > 0)) return std::nullopt;
    const double sPair = mine / sum;
    const double lambda = a.lambda;
    const double detector = std::pow(double(target.s_h), lambda) * std::pow(double(target.s_o), lambda);
    return detector * (a.alpha * sPair + (1.0 - a.alpha) * double(target.s_global));
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
