#include "analysis_controller.h"

#include <QHash>
#include <cmath>

#include "example_thumbnails.h"
#include "plural.h"
#include "selection_model.h"

namespace hoi::ui {

using annotation::State;

namespace {

QString stageText(const QString& stage) {
    static const QHash<QString, QString> names = {
        {"load", QObject::tr("Loading")},        {"detect", QObject::tr("Detecting")},
        {"pose", QObject::tr("Estimating pose")}, {"clip", QObject::tr("Encoding image")},
        {"pairs", QObject::tr("Pairing")},        {"pair_features", QObject::tr("Pair features")},
        {"text", QObject::tr("Encoding prompts")}, {"classify", QObject::tr("Scoring")},
        {"done", QObject::tr("Done")},            {"load models", QObject::tr("Loading models")},
    };
    return names.value(stage, stage);
}

detect::Detection detectionOf(const annotation::Instance& i) {
    detect::Detection d;
    d.x1 = float(i.box.x1), d.y1 = float(i.box.y1), d.x2 = float(i.box.x2), d.y2 = float(i.box.y2);
    d.class_id = std::max(0, i.cls.resolved_coco80());
    d.label = i.cls.label;
    d.score = i.score ? float(*i.score) : 1.0f; // a box a person drew is certain
    return d;
}

} // namespace

AnalysisController::AnalysisController(Workspace* ws, SelectionModel* selection, InferenceWorker* worker, QObject* parent)
    : QObject(parent), ws_(ws), selection_(selection), worker_(worker), wsAlive_(ws), workerAlive_(worker),
      thumbnails_(new ExampleThumbnails(this)) {
    InferenceWorker* w = worker_;
    connect(w, &InferenceWorker::engineReady, this, [this](bool clip, const QString& desc) {
        engineReady_ = true;
        hasClip_ = clip;
        adapterHeld_.clear(); // a (re)loaded engine starts with an empty adapter
        dropContributions();
        syncAdapter(false);
        Q_EMIT engineLoaded(clip, desc);
        const Id current = selection_->currentImage();
        if (autoAnalyse_ && current && (!ws_->record(current) || stale_.contains(current))) {
            if (!ws_->record(current)) implicit_.insert(current);
            requestAnalysis({current}, false);
        }
    });
    connect(w, &InferenceWorker::engineFailed, this, [this](const QString& message) {
        engineFailed_ = true;
        Q_EMIT engineLoadFailed(message);
    });
    connect(w, &InferenceWorker::progress, this, &AnalysisController::onProgress);
    connect(w, &InferenceWorker::imageAnalysed, this, &AnalysisController::onImageAnalysed);
    w->setResultWindow(4);
    connect(w, &InferenceWorker::imageFailed, this, [this](int job, qint64 image, const QString& message) {
        worker_->resultConsumed();
        if (cancelledJobs_.contains(job)) return;
        ws_->setImageError(image, message);
        const auto* img = ws_->document().image(image);
        failures_ << QStringLiteral("%1: %2").arg(img ? QString::fromStdString(img->file_name) : QString(), message);
        Q_EMIT this->message(tr("Skipped %1").arg(message), 8000);
    });
    connect(w, &InferenceWorker::jobFinished, this, &AnalysisController::onJobFinished);
    connect(w, &InferenceWorker::jobFailed, this, [this](int, const QString& m) { Q_EMIT message(m, 8000); });
    connect(w, &InferenceWorker::relevanceReady, this, [this](int, qint64 image, int pair, int prompt, AttentionPtr map) {
        relevance_[{image, pair, prompt}] = map;
        Q_EMIT relevanceArrived(image);
    });
    connect(w, &InferenceWorker::inspectionReady, this, [this](int, qint64 image, int pair, InspectionPtr ins) {
        inspections_[{image, pair}] = ins;
        pendingInspect_.remove({image, pair});
        Q_EMIT inspectionArrived(image);
    });
    connect(w, &InferenceWorker::contributionsReady, this,
            [this](int job, qint64 image, int, int, const AdapterContributions& items) {
                const auto j = contributionJobs_.find(job);
                if (j == contributionJobs_.end()) return; // asked before the examples or the analysis changed
                const ContributionKey key = j->second;
                contributionJobs_.erase(j);
                // Tokens to the relations they were added for (the worker held exactly adapterHeld_'s
                // examples when it answered: any change since dropped this job).
                QHash<quint64, Id> relationOf;
                for (const auto& [relation, e] : adapterHeld_) relationOf.insert(e.token, relation);
                auto list = std::make_shared<QVector<Contribution>>();
                for (const auto& c : items) {
                    const auto r = relationOf.constFind(c.token);
                    if (r == relationOf.constEnd()) continue;
                    const auto& held = adapterHeld_.at(r.value());
                    list->push_back({r.value(), held.image, c.similarity, c.term, held.positive});
                }
                contributions_[key] = std::move(list);
                Q_EMIT contributionsArrived(image);
            });
    // A thumbnail is there: the images whose contributions list that relation.
    connect(thumbnails_, &ExampleThumbnails::thumbnailReady, this, [this](qint64 relation) {
        QSet<Id> images;
        for (const auto& [key, list] : contributions_)
            if (list)
                for (const auto& c : *list)
                    if (c.relation == relation) images.insert(std::get<0>(key));
        for (Id image : std::as_const(images)) Q_EMIT contributionsArrived(image);
    });
    connect(w, &InferenceWorker::pairScored, this, [this](int, qint64, qint64 relation, const QString& prompt, double score) {
        const auto* in = ws_->document().interaction(relation);
        if (!in || in->score || madePairPrompt(*in) != prompt) return; // changed since it was asked
        ws_->setModelScore(relation, score);
        Q_EMIT madePairScored(relation);
    });
    connect(w, &InferenceWorker::adapterChanged, this, [this](int, quint64 token, bool ok, int) {
        if (ok) return;
        for (auto it = adapterHeld_.begin(); it != adapterHeld_.end(); ++it)
            if (it->second.token == token) { // not held: the next sync tries again
                adapterHeld_.erase(it);
                break;
            }
    });
    connect(w, &InferenceWorker::trainingStep, this,
            [this](int job, const QString& stage, int epoch, int epochs, int step, int steps, double loss, double eta) {
                if (!jobs_.contains(job)) return;
                const bool train = stage == QLatin1String("train");
                QString text = train ? tr("Training · epoch %1 of %2 · loss %3").arg(epoch).arg(epochs).arg(loss, 0, 'f', 4)
                     : tr("Training · image features %1 of %2").arg(step).arg(steps);
                if (eta >= 0) text += tr(" · about %1 left").arg(formatDuration(eta));
                const int total = train ? epochs * steps : steps;
                Q_EMIT progressChanged(text, train ? (epoch - 1) * steps + step : step, std::max(1, total));
                Q_EMIT trainingStep(stage, epoch, epochs, step, steps, loss, eta);
            });
    connect(w, &InferenceWorker::trained, this, [this](int, bool ok, bool cancelled, const QString& text) {
        if (ok || cancelled) Q_EMIT message(text, 10000);
        else Q_EMIT warning(tr("Training Failed"), text);
        Q_EMIT trainingFinished(ok, cancelled, text);
        if (ok) Q_EMIT headTrained(trainingOut_);
    });
    // The labelling loop: every undo-stack step (an edit, its undo or redo) may change the decided
    // pairs; a new analysis of an image changes the pair indices its examples refer to.
    // (The latter in onImageAnalysed, which knows which job merged.)
    connect(ws_->undoStack(), &QUndoStack::indexChanged, this, [this] { syncAdapter(true); });
}

AnalysisController::~AnalysisController() {
    // Jobs may still deliver signals while the thread stops, and the workspace may outlive us (or
    // be gone already, when both are children of one window).
    if (workerAlive_) worker_->disconnect(this);
    if (wsAlive_) {
        ws_->undoStack()->disconnect(this);
        ws_->disconnect(this);
    }
}

void AnalysisController::addJob(int job) {
    jobs_.insert(job);
    Q_EMIT jobStarted();
}

AnalysisController::Prompts AnalysisController::prompts() const { return prompts_ ? prompts_() : Prompts{}; }

// ---- engine ------------------------------------------------------------------------------------

void AnalysisController::startEngine(const model::EngineOptions& options) {
    // New models: analyses made with the old ones are re-done when their images are shown.
    if (engineReady_ || engineFailed_)
        for (const auto& img : ws_->document().images())
            if (ws_->record(img.id)) stale_.insert(img.id);
    engineReady_ = engineFailed_ = false;
    engineOptions_ = options;
    addJob(worker_->submitLoad(options));
}

// ---- analyses ----------------------------------------------------------------------------------

void AnalysisController::requestAnalysis(const QList<Id>& images, bool batch) {
    if (!engineReady_ || images.isEmpty()) return;
    QList<AnalyseItem> items;
    QSet<Id> queued;
    for (const auto& [job, ids] : jobImages_)
        for (Id id : ids) queued.insert(id);
    QList<Id> todo;
    for (Id id : images) {
        if (queued.contains(id) && !stale_.contains(id)) continue; // already on its way
        todo << id;
        AnalyseItem it;
        it.image = id;
        it.path = ws_->imagePath(id);
        if (const auto* r = ws_->record(id); r && r->analysis) it.previous = r->analysis;
        items << it;
    }
    if (items.isEmpty()) return;
    const int job = worker_->submitAnalyse(items, prompts().parsed);
    addJob(job);
    jobImages_[job] = todo;
    if (batch) {
        batchJobs_.insert(job);
        batchClock_.start();
        batchTotal_ = int(items.size());
        batchDone_ = 0;
        batchEta_ = EtaEstimator();
        failures_.clear();
    }
}

void AnalysisController::analyseCurrent() {
    const Id current = selection_->currentImage();
    if (!current) return;
    implicit_.remove(current); // asked for: the merge may update the document
    requestAnalysis({current}, false);
}

bool AnalysisController::analyseAll() {
    QList<Id> todo;
    for (const auto& img : ws_->document().images()) {
        const auto* r = ws_->record(img.id);
        if (!r || !r->analysis || stale_.contains(img.id)) todo << img.id;
    }
    for (Id id : todo) implicit_.remove(id);
    if (todo.isEmpty()) return false;
    requestAnalysis(todo, true);
    return true;
}

void AnalysisController::imageShown(Id image) {
    if (autoAnalyse_ && engineReady_ && (!ws_->record(image) || stale_.contains(image)) &&
        ws_->status(image) != ImageStatus::Reviewed) {
        implicit_.insert(image);
        requestAnalysis({image}, false);
    }
}

void AnalysisController::promptsChanged(bool canAnalyseCurrent) {
    // Every analysed image is now stale; the current one is re-queried right away (only the new
    // prompts are encoded, the image state comes from the engine's cache).
    for (const auto& img : ws_->document().images())
        if (const auto* r = ws_->record(img.id); r && r->analysis) stale_.insert(img.id);
    const Id current = selection_->currentImage();
    if (!engineReady_ || !current) return;
    const auto* r = ws_->record(current);
    if (r && r->analysis) {
        const int job = worker_->submitRequery(current, ws_->imagePath(current), r->analysis, prompts().parsed);
        addJob(job);
        jobImages_[job] = {current};
    } else if (autoAnalyse_ && canAnalyseCurrent) {
        requestAnalysis({current}, false);
    }
}

void AnalysisController::cancel() {
    rescorePending_ = false;
    worker_->cancel();
    for (int job : std::as_const(jobs_)) cancelledJobs_.insert(job);
    // Inspections and relevance maps still queued are dropped with the rest: ask again later.
    pendingInspect_.clear();
    dropContributions();
    for (auto it = relevance_.begin(); it != relevance_.end();) it = it->second ? std::next(it) : relevance_.erase(it);
    Q_EMIT message(tr("Cancelling…"), 3000);
}

void AnalysisController::forgetImages() {
    stale_.clear();
    relevance_.clear();
    inspections_.clear();
    dropContributions();
    thumbnails_->clear();
}

void AnalysisController::onImageAnalysed(int job, qint64 image, AnalysisPtr analysis) {
    worker_->resultConsumed();
    // After Cancel nothing more changes, whatever was still on its way.
    if (cancelledJobs_.contains(job) || !ws_->document().image(image)) return;
    // An older job's result after newer prompts: keep it (better than nothing) but stay stale.
    QStringList analysed;
    for (const auto& p : analysis->prompts) analysed << QString::fromStdString(p.text);
    const bool current = analysed == prompts().texts;
    // An analysis nobody asked for (the image was shown) only attaches to model output already in
    // the document (a reopened project, an import): opening a project never changes it.
    model::MergePolicy policy;
    policy.min_score = keepScore_;
    policy.human_threshold = engineOptions_.human_threshold;
    policy.object_threshold = engineOptions_.object_threshold;
    if (implicit_.remove(image) && !ws_->record(image) && !ws_->document().instances_of(image).empty())
        policy.mode = model::MergeMode::Attach;
    if (rescoreJobs_.contains(job)) {
        // Background re-scoring after a review: only the predicted relations' scores move, and an
        // image whose model output only attached (a reopened project) still is not changed.
        policy.keep_touched_scores = true;
        if (attached_.contains(image)) policy.mode = model::MergeMode::Attach;
    } else if (policy.mode == model::MergeMode::Attach) {
        attached_.insert(image);
    } else {
        attached_.remove(image);
    }
    ws_->applyAnalysis(image, analysis, policy);
    // The image's decided pairs now have model features: the adapter learns them. When that adds
    // examples nobody just reviewed (a reopened project, an import), the other images follow at
    // once, not at the next review (after a batch: once, at its end). A re-score's own merge never
    // starts another.
    if (syncAdapter(false, image) && !rescoreJobs_.contains(job)) {
        if (batchJobs_.isEmpty()) scheduleRescore();
        else rescoreAfterBatch_ = true;
    }
    if (current) stale_.remove(image);
    else stale_.insert(image);
    if (batchJobs_.contains(job)) {
        ++batchDone_;
        batchEta_.imageDone(batchClock_.elapsed());
    }
    for (const auto& w : analysis->warnings) Q_EMIT message(QString::fromStdString(w), 6000);
    // Relevance maps and inspections of this image are dropped: pair indices may have changed.
    for (auto it = relevance_.begin(); it != relevance_.end();)
        it = std::get<0>(it->first) == image ? relevance_.erase(it) : std::next(it);
    for (auto it = inspections_.begin(); it != inspections_.end();)
        it = it->first.first == image ? inspections_.erase(it) : std::next(it);
    dropContributions(image);
    Q_EMIT analysisMerged(image);
}

void AnalysisController::onProgress(int job, const QString& stage, const QString& item, int done, int total) {
    if (!jobs_.contains(job)) return;
    QString text = stageText(stage);
    if (!item.isEmpty()) text += QStringLiteral(" · ") + item;
    if (batchJobs_.contains(job) && total > 1) {
        text += tr(" · %1 of %2").arg(std::min(done + 1, total)).arg(total);
        if (const double left = batchEta_.secondsLeft(total - done); left >= 0)
            text += tr(" · about %1 left").arg(formatDuration(left));
        Q_EMIT progressChanged(text, done, total);
    } else {
        Q_EMIT progressChanged(text, 0, 0); // busy indicator for one image
    }
}

void AnalysisController::onJobFinished(int job, bool cancelled) {
    jobs_.remove(job);
    if (const auto j = contributionJobs_.find(job); j != contributionJobs_.end()) {
        // Failed or cancelled: not asked again for this analysis (an empty list), unless cancelled.
        if (cancelled) contributions_.erase(j->second);
        else contributions_[j->second] = std::make_shared<QVector<Contribution>>();
        contributionJobs_.erase(j);
    }
    cancelled |= cancelledJobs_.remove(job);
    if (rescoreJobs_.remove(job) && rescorePending_ && rescoreJobs_.isEmpty()) {
        rescorePending_ = false;
        if (!cancelled) submitRescore();
    }
    const bool batch = batchJobs_.remove(job);
    jobImages_.erase(job);
    if (batch && batchJobs_.isEmpty() && rescoreAfterBatch_) {
        rescoreAfterBatch_ = false;
        if (!cancelled) scheduleRescore();
    }
    if (batch) {
        QString msg = cancelled ? tr("Analysis cancelled after %1 of %2 images.").arg(batchDone_).arg(batchTotal_)
                                : tr("Analysed %1 in %2.")
                                      .arg(counted(batchTotal_, "image", "images"))
                                      .arg(formatDuration(batchClock_.elapsed() / 1000.0));
        if (!failures_.isEmpty()) {
            msg += QLatin1Char(' ') + tr("%1 skipped.").arg(counted(failures_.size(), "image", "images"));
            Q_EMIT warning(tr("Some Images Were Skipped"),
                           tr("These images could not be analysed:\n\n%1").arg(failures_.join(QLatin1Char('\n'))));
        }
        Q_EMIT message(msg, 10000);
    } else if (cancelled) {
        Q_EMIT message(tr("Analysis cancelled."), 4000);
    }
    Q_EMIT jobEnded();
}

// ---- explanations ------------------------------------------------------------------------------

AttentionPtr AnalysisController::relevance(Id image, int pair, int prompt, bool* requested) {
    const auto key = std::make_tuple(image, pair, prompt);
    if (auto it = relevance_.find(key); it != relevance_.end()) {
        if (requested) *requested = true;
        return it->second;
    }
    if (requested) *requested = false;
    const ImageRecord* rec = ws_->record(image);
    if (!rec || !rec->analysis) return nullptr;
    relevance_[key] = nullptr; // requested
    addJob(worker_->submitRelevance(image, rec->analysis, pair, prompt));
    return nullptr;
}

InspectionPtr AnalysisController::inspection(Id image, int pair) {
    if (auto it = inspections_.find({image, pair}); it != inspections_.end() && it->second) return it->second;
    const ImageRecord* rec = ws_->record(image);
    if (hasClip_ && rec && rec->analysis && !pendingInspect_.contains({image, pair})) {
        pendingInspect_.insert({image, pair});
        addJob(worker_->submitInspect(image, rec->analysis, pair));
    }
    return nullptr;
}

AnalysisController::ContributionsPtr AnalysisController::contributions(Id image, int pair, int prompt) {
    const ContributionKey key{image, pair, prompt};
    if (auto it = contributions_.find(key); it != contributions_.end()) return it->second; // null: on its way
    const ImageRecord* rec = ws_->record(image);
    if (!hasClip_ || !rec || !rec->analysis || !rec->analysis->scored) return nullptr;
    if (adapterHeld_.empty()) return std::make_shared<QVector<Contribution>>(); // nothing to ask
    contributions_[key] = nullptr;
    const int job = worker_->submitContributions(image, rec->analysis, pair, prompt);
    contributionJobs_[job] = key;
    addJob(job);
    return nullptr;
}

void AnalysisController::dropContributions(Id image) {
    for (auto it = contributions_.begin(); it != contributions_.end();)
        it = !image || std::get<0>(it->first) == image ? contributions_.erase(it) : std::next(it);
    for (auto it = contributionJobs_.begin(); it != contributionJobs_.end();)
        it = !image || std::get<0>(it->second) == image ? contributionJobs_.erase(it) : std::next(it);
}

// ---- the labelling loop ------------------------------------------------------------------------

bool AnalysisController::syncAdapter(bool rescore, Id onlyImage) {
    if (!engineReady_ || !hasClip_) return false;
    const auto& doc = ws_->document();
    std::vector<const annotation::Interaction*> relations;
    if (onlyImage) {
        relations = doc.interactions_of(onlyImage);
    } else {
        relations.reserve(doc.interactions().size());
        for (const auto& in : doc.interactions()) relations.push_back(&in);
    }
    std::map<Id, HeldExample> wanted;
    for (const annotation::Interaction* rel : relations) {
        const annotation::Interaction& in = *rel;
        if (in.state == State::Predicted) continue;
        const ImageRecord* r = ws_->record(in.image);
        if (!r || !r->analysis || !r->analysis->scored) continue;
        const int pair = ws_->pairIndex(in.image, in.subject, in.object);
        if (pair < 0) continue; // no model features for this pair
        const model::ScoreSource src = ws_->scoreSource(in.id);
        const QString prompt = src.pair == pair && src.prompt >= 0 && size_t(src.prompt) < r->analysis->prompts.size()
                                   ? QString::fromStdString(r->analysis->prompts[size_t(src.prompt)].text)
                                   : madePairPrompt(in);
        if (prompt.trimmed().isEmpty()) continue;
        HeldExample e;
        e.image = in.image;
        e.cacheKey = r->analysis->cache_key;
        e.pair = pair;
        e.prompt = prompt;
        e.positive = in.state != State::Rejected;
        wanted.emplace(in.id, std::move(e));
    }
    bool changed = false;
    for (auto it = adapterHeld_.begin(); it != adapterHeld_.end();) {
        if (onlyImage && it->second.image != onlyImage && doc.interaction(it->first) &&
            doc.interaction(it->first)->image != onlyImage) {
            ++it;
            continue;
        }
        auto want = wanted.find(it->first);
        if (want != wanted.end() && want->second == it->second) {
            wanted.erase(want);
            ++it;
            continue;
        }
        AdapterEdit edit;
        edit.add = false;
        edit.token = it->second.token;
        edit.image = it->second.image;
        addJob(worker_->submitAdapterExample(edit));
        it = adapterHeld_.erase(it);
        changed = true;
    }
    for (auto& [relation, e] : wanted) {
        const ImageRecord* r = ws_->record(e.image);
        AdapterEdit edit;
        edit.token = e.token = nextAdapterToken_++;
        edit.image = e.image;
        edit.analysis = r->analysis;
        edit.pair = e.pair;
        edit.prompt = e.prompt;
        edit.positive = e.positive;
        addJob(worker_->submitAdapterExample(edit));
        adapterHeld_.emplace(relation, std::move(e));
        changed = true;
    }
    if (changed) dropContributions(); // other examples: other contributions
    if (changed && rescore) scheduleRescore();
    return changed;
}

void AnalysisController::scheduleRescore() {
    if (!rescoreJobs_.isEmpty()) {
        rescorePending_ = true; // after the one on its way (it may have passed some images already)
        return;
    }
    submitRescore();
}

void AnalysisController::submitRescore() {
    if (!engineReady_ || !hasClip_) return;
    QSet<Id> queued; // images a person's analysis is about to score anyway (with the adapter)
    for (const auto& [job, ids] : jobImages_)
        if (!rescoreJobs_.contains(job))
            for (Id id : ids) queued.insert(id);
    const Id current = selection_->currentImage();
    QList<Id> order;
    if (current) order << current;
    for (const auto& img : ws_->document().images())
        if (img.id != current) order << img.id;
    QList<AnalyseItem> items;
    QList<Id> ids;
    for (Id id : order) {
        const auto* img = ws_->document().image(id);
        const ImageRecord* r = ws_->record(id);
        if (!img || img->reviewed || !r || !r->analysis || !r->analysis->scored || queued.contains(id)) continue;
        items << AnalyseItem{id, ws_->imagePath(id), r->analysis};
        ids << id;
    }
    if (items.isEmpty()) return;
    const int job = worker_->submitAnalyse(items, prompts().parsed);
    addJob(job);
    jobImages_[job] = ids;
    rescoreJobs_.insert(job);
}

void AnalysisController::train(const QString& out, int epochs) {
    trainingOut_ = out;
    addJob(worker_->submitTrain(ws_->toProject(), ws_->imageDir(), out, epochs));
}

QString AnalysisController::madePairPrompt(const annotation::Interaction& in) const {
    const auto* o = ws_->document().instance(in.object);
    if (!o) return {};
    return QString::fromStdString(in.verb).replace(QLatin1Char('_'), QLatin1Char(' ')) + QLatin1Char(' ') +
           QString::fromStdString(o->cls.label);
}

void AnalysisController::scoreMadePair(Id relation) {
    const auto& doc = ws_->document();
    const auto* in = doc.interaction(relation);
    if (!hasClip_ || !in || in->score) return;
    const auto* s = doc.instance(in->subject);
    const auto* o = doc.instance(in->object);
    if (!s || !o || o->cls.label.empty()) return;
    PairScoreRequest r;
    r.image = in->image;
    r.relation = relation;
    r.path = ws_->imagePath(in->image);
    r.human = detectionOf(*s);
    r.object = detectionOf(*o);
    r.prompt = madePairPrompt(*in);
    if (const auto* rec = ws_->record(in->image); rec && rec->analysis)
        for (const auto& p : rec->analysis->prompts) r.context << QString::fromStdString(p.text);
    else
        r.context = prompts().texts;
    worker_->submitScorePair(r);
}

} // namespace hoi::ui
