#include "analysis_presenter.h"

#include <QFileInfo>

#include <cmath>

#include "analysis_controller.h"
#include "clip/tokenizer.h"
#include "example_thumbnails.h"
#include "pair_table_model.h"

namespace hoi::ui {

using annotation::State;

QString AnalysisPresenter::nameOf(const NameOf& names, Id instance) const {
    QString n = names ? names(instance) : QString();
    if (n.isEmpty())
        if (const auto* in = ws_->document().instance(instance)) n = classDisplay(in->cls);
    return n;
}

AnalysisPresenter::Canvas AnalysisPresenter::canvas(Id image, Id selected, const Visible& visible,
                                                    const NameOf& names) const {
    Canvas c;
    const auto& doc = ws_->document();
    for (const auto* in : doc.instances_of(image)) {
        if (in->state == State::Rejected) continue;
        CanvasBox b;
        b.id = in->id;
        b.rect = QRectF(QPointF(in->box.x1, in->box.y1), QPointF(in->box.x2, in->box.y2));
        b.label = nameOf(names, in->id);
        b.human = in->cls.is_person();
        b.state = reviewState(in->state);
        b.score = in->score ? *in->score : -1;
        c.boxes << b;
    }
    for (const auto* it : doc.interactions_of(image)) {
        if (it->id != selected && ((visible && !visible(*it)) || it->state == State::Rejected)) continue;
        CanvasPair p;
        p.id = it->id;
        p.subject = it->subject;
        p.object = it->object;
        p.verb = verbDisplay(it->verb);
        p.score = it->score ? *it->score : -1;
        p.state = reviewState(it->state);
        c.pairs << p;
    }
    return c;
}

std::optional<model::AttentionMap> AnalysisPresenter::heatmap(Id image, Id relation, HeatmapSource source,
                                                              std::pair<int, int> tile) const {
    const auto* in = ws_->document().interaction(relation);
    const ImageRecord* rec = ws_->record(image);
    if (!in || !rec || !rec->analysis) return std::nullopt;
    const int pair = ws_->pairIndex(image, in->subject, in->object);
    if (pair < 0) return std::nullopt;
    const model::ImageAnalysis& a = *rec->analysis;
    auto usable = [](const model::AttentionMap& m) -> std::optional<model::AttentionMap> {
        if (m.empty() || m.grid_w <= 0 || m.grid_h <= 0) return std::nullopt;
        return m;
    };
    // An inspector tile chosen by the person.
    if (tile != kNoTile) {
        if (InspectionPtr ins = analysis_->inspection(image, pair)) {
            const model::AttentionStack& s = tile.first == -1 ? ins->pair_query : ins->image_cls;
            const int layer = tile.first == -1 ? 0 : tile.first;
            const size_t n = size_t(s.grid_w) * size_t(s.grid_h);
            const size_t off = (size_t(layer) * size_t(s.heads) + size_t(tile.second)) * n;
            if (n && layer >= 0 && tile.second >= 0 && off + n <= s.data.size()) {
                model::AttentionMap m;
                m.grid_w = s.grid_w;
                m.grid_h = s.grid_h;
                m.frame_x = s.frame_x;
                m.frame_y = s.frame_y;
                m.frame_size = s.frame_size;
                m.weights.assign(s.data.begin() + long(off), s.data.begin() + long(off + n));
                return usable(m);
            }
        }
    }
    const bool hasAttention = size_t(pair) < a.pair_attention.size();
    if (source == HeatmapSource::Relevance && a.scored) {
        const int prompt = ws_->scoreSource(in->id).prompt;
        if (prompt >= 0) {
            bool askedBefore = false;
            if (AttentionPtr map = analysis_->relevance(image, pair, prompt, &askedBefore)) return usable(*map);
            // Asked for and not there (yet, or it failed): the attention meanwhile.
            if (askedBefore && hasAttention) return usable(a.pair_attention[size_t(pair)]);
            return std::nullopt;
        }
    }
    if (hasAttention) return usable(a.pair_attention[size_t(pair)]);
    return std::nullopt;
}

InspectorData AnalysisPresenter::inspector(Id image, Id relation, const NameOf& names) const {
    InspectorData d;
    const auto* in = ws_->document().interaction(relation);
    const ImageRecord* rec = ws_->record(image);
    if (!analysis_->hasClip() && analysis_->engineReady())
        d.note = QObject::tr("Open-vocabulary scoring needs the CLIP model — run `hoi models fetch clip-vit-b32`.");
    if (rec && rec->analysis)
        for (const auto& t : rec->analysis->timings) d.timings.push_back({QString::fromStdString(t.stage), t.ms, t.cached});
    if (!in) return d;
    d.hasPair = true;
    d.title = QStringLiteral("%1 — %2 — %3").arg(nameOf(names, in->subject), verbDisplay(in->verb), nameOf(names, in->object));
    d.prompt = QString::fromStdString(in->prompt);
    const int pair = rec && rec->analysis ? ws_->pairIndex(image, in->subject, in->object) : -1;
    const int prompt = pair >= 0 ? ws_->scoreSource(in->id).prompt : -1;
    if (pair >= 0 && prompt >= 0 && rec->analysis->scored) {
        const auto& a = *rec->analysis;
        const auto& sc = a.score(pair, prompt);
        d.scored = true;
        d.sGlobal = sc.s_global;
        d.sPair = sc.s_pair;
        d.adapter = sc.adapter;
        d.sH = sc.s_h;
        d.sO = sc.s_o;
        d.final = sc.final;
        d.cosPair = sc.cos_pair;
        d.cosGlobal = sc.cos_global;
        d.alpha = a.alpha;
        d.lambda = a.lambda;
        // What was computed: a trained head's sigmoid or the training-free softmax (never assumed).
        d.sigmoid = a.scoring == model::PairScoring::Sigmoid;
        if (d.sigmoid) {
            d.sigmoidScale = a.sigmoid_scale;
            d.sigmoidBias = a.sigmoid_bias;
            // Plain ASCII and Latin-1 only: the inspector's font has no Greek letters or minus sign.
            const QString logit = QStringLiteral("%1 · cos %2 %3")
                                      .arg(double(a.sigmoid_scale), 0, 'g', 4)
                                      .arg(a.sigmoid_bias < 0 ? QLatin1Char('-') : QLatin1Char('+'))
                                      .arg(std::abs(double(a.sigmoid_bias)), 0, 'g', 4);
            d.pairScoreText = QObject::tr("the trained head's sigmoid of the pair feature's logit: sigmoid(%1%2)")
                                  .arg(logit, sc.adapter != 0 ? QObject::tr(" + adapter term") : QString());
            d.globalScoreText =
                QObject::tr("the trained head's sigmoid of the whole-image embedding's logit: sigmoid(%1)").arg(logit);
            d.scoringText = QObject::tr("trained head: s = sigmoid(%1), each prompt on its own").arg(logit);
        } else {
            d.pairScoreText = QObject::tr("softmax of the pair feature's logits over the pair's prompts and \"no interaction\"");
            d.globalScoreText = QObject::tr("softmax of the whole-image embedding's logits over the pair's prompts and \"no interaction\"");
            d.scoringText = QObject::tr("s = softmax of logit_scale cos over the pair's prompts");
        }
        // The sentences and token ids the engine encoded (its templates), not rebuilt here.
        if (size_t(prompt) < a.encodings.size() && a.encodings[size_t(prompt)]) {
            const model::PromptEncoding& e = *a.encodings[size_t(prompt)];
            const auto& tok = clip::Tokenizer::instance();
            for (size_t k = 0; k < e.sentences.size() && k < e.token_ids.size(); ++k) {
                InspectorData::Sentence s;
                s.text = QString::fromStdString(e.sentences[k]);
                for (const auto& t : tok.token_strings(e.token_ids[k])) s.tokens << QString::fromStdString(t);
                for (int id : e.token_ids[k]) s.tokenIds << id;
                d.sentences << s;
            }
        }
    }
    if (d.scored && analysis_->hasClip()) examples(d, image, pair, prompt);
    if (!d.scored && in->score) {
        d.scoredAlone = true;
        d.aloneScore = float(*in->score);
    }
    if (pair >= 0 && analysis_->hasClip()) {
        if (InspectionPtr ins = analysis_->inspection(image, pair)) {
            auto conv = [](const model::AttentionStack& s) {
                InspectorData::Stack o;
                o.layers = s.layers;
                o.heads = s.heads;
                o.gridW = s.grid_w;
                o.gridH = s.grid_h;
                o.data = s.data;
                return o;
            };
            d.imageCls = conv(ins->image_cls);
            d.pairQuery = conv(ins->pair_query);
        } else {
            d.inspectionPending = true;
        }
    }
    return d;
}

void AnalysisPresenter::examples(InspectorData& d, Id image, int pair, int prompt) const {
    d.adapterExamples = analysis_->adapterExamples();
    if (d.adapterExamples == 0) return;
    const auto list = analysis_->contributions(image, pair, prompt);
    if (!list) {
        d.examplesPending = true;
        return;
    }
    const auto& doc = ws_->document();
    QHash<Id, QHash<Id, QString>> names; // image -> instance -> "person 1", as its pair list names them
    auto name = [&](Id img, Id instance) {
        auto it = names.find(img);
        if (it == names.end()) it = names.insert(img, PairTableModel::instanceNames(doc, img));
        return it->value(instance);
    };
    auto rect = [](const annotation::Instance& i) { return QRectF(QPointF(i.box.x1, i.box.y1), QPointF(i.box.x2, i.box.y2)); };
    for (const auto& c : *list) {
        const auto* rel = doc.interaction(c.relation);
        const auto* img = doc.image(c.image);
        const auto* s = rel ? doc.instance(rel->subject) : nullptr;
        const auto* o = rel ? doc.instance(rel->object) : nullptr;
        if (!rel || !img || !s || !o) continue; // gone since (the next sync takes its example out)
        InspectorData::Example e;
        e.relation = c.relation;
        e.term = c.term;
        e.similarity = c.similarity;
        e.positive = c.positive;
        e.label = QStringLiteral("%1 — %2 — %3 (%4)")
                      .arg(name(c.image, s->id), verbDisplay(rel->verb), name(c.image, o->id),
                           QFileInfo(QString::fromStdString(img->file_name)).fileName());
        e.thumbnail = analysis_->thumbnails()->thumbnail(c.relation, ws_->imagePath(c.image), rect(*s), rect(*o));
        d.examples << e;
    }
}

} // namespace hoi::ui
