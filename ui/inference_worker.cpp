#include "inference_worker.h"
#include "plural.h"

#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QMutexLocker>

#include "io/error.h"
#include "learn/labelled_set.h"
#include "learn/trainer.h"

#include <QTemporaryDir>

namespace hoi::ui {

QString errorMessage(const std::exception& e) {
    QString m = QString::fromUtf8(e.what()).trimmed();
    if (auto* he = dynamic_cast<const hoi::Error*>(&e)) {
        if (he->kind() == ErrorKind::Internal) m = QObject::tr("Internal error: %1").arg(m);
    }
    return m;
}

InferenceWorker::InferenceWorker() {
    qRegisterMetaType<AnalysisPtr>();
    qRegisterMetaType<InspectionPtr>();
    qRegisterMetaType<AttentionPtr>();
    qRegisterMetaType<AdapterContributions>();
}

InferenceWorker::~InferenceWorker() = default;

int InferenceWorker::nextJob() {
    const int job = ++lastJob_;
    ++running_;
    return job;
}

void InferenceWorker::cancel() {
    cancelUpTo_.store(lastJob_.load());
    cancel_.cancel();
    QMutexLocker lock(&mutex_);
    consumed_.wakeAll();
}

void InferenceWorker::resultConsumed() {
    QMutexLocker lock(&mutex_);
    if (unconsumed_.load() > 0) --unconsumed_;
    consumed_.wakeAll();
}

void InferenceWorker::waitForReceiver() {
    QMutexLocker lock(&mutex_);
    while (window_.load() > 0 && unconsumed_.load() >= window_.load() && !cancel_.cancelled())
        consumed_.wait(&mutex_, 100);
}

bool InferenceWorker::begin(int job) {
    cancel_.reset();
    if (job <= cancelUpTo_.load()) {
        cancel_.cancel();
        --running_;
        Q_EMIT jobFinished(job, true);
        return false;
    }
    return true;
}

int InferenceWorker::submitLoad(const model::EngineOptions& options) {
    const int job = nextJob();
    QMetaObject::invokeMethod(this, [this, job, options] { runLoad(job, options); }, Qt::QueuedConnection);
    return job;
}

int InferenceWorker::submitAnalyse(const QList<AnalyseItem>& items, const std::vector<model::Prompt>& prompts) {
    const int job = nextJob();
    QMetaObject::invokeMethod(this, [this, job, items, prompts] { runAnalyse(job, items, prompts); }, Qt::QueuedConnection);
    return job;
}

int InferenceWorker::submitRequery(qint64 image, const QString& path, AnalysisPtr previous,
                                   const std::vector<model::Prompt>& prompts) {
    const int job = nextJob();
    {
        QMutexLocker lock(&mutex_);
        latestRequery_[image] = job;
    }
    QMetaObject::invokeMethod(this, [=] { runRequery(job, image, path, previous, prompts); }, Qt::QueuedConnection);
    return job;
}

int InferenceWorker::submitRelevance(qint64 image, AnalysisPtr analysis, int pair, int prompt) {
    const int job = nextJob();
    QMetaObject::invokeMethod(this, [=] { runRelevance(job, image, analysis, pair, prompt); }, Qt::QueuedConnection);
    return job;
}

int InferenceWorker::submitInspect(qint64 image, AnalysisPtr analysis, int pair) {
    const int job = nextJob();
    QMetaObject::invokeMethod(this, [=] { runInspect(job, image, analysis, pair); }, Qt::QueuedConnection);
    return job;
}

int InferenceWorker::submitScorePair(const PairScoreRequest& request) {
    const int job = nextJob();
    QMetaObject::invokeMethod(this, [=] { runScorePair(job, request); }, Qt::QueuedConnection);
    return job;
}

int InferenceWorker::submitAdapterExample(const AdapterEdit& edit) {
    const int job = nextJob();
    QMetaObject::invokeMethod(this, [=] { runAdapterExample(job, edit); }, Qt::QueuedConnection);
    return job;
}

int InferenceWorker::submitContributions(qint64 image, AnalysisPtr analysis, int pair, int prompt, int topK) {
    const int job = nextJob();
    QMetaObject::invokeMethod(this, [=] { runContributions(job, image, analysis, pair, prompt, topK); }, Qt::QueuedConnection);
    return job;
}

int InferenceWorker::submitTrain(const annotation::Project& project, const QString& imageDir, const QString& out, int epochs) {
    const int job = nextJob();
    QMetaObject::invokeMethod(this, [=] { runTrain(job, project, imageDir, out, epochs); }, Qt::QueuedConnection);
    return job;
}

namespace {
std::vector<std::string> toStd(const QStringList& l) {
    std::vector<std::string> v;
    for (const QString& s : l) v.push_back(s.toStdString());
    return v;
}
} // namespace

void InferenceWorker::runLoad(int job, model::EngineOptions options) {
    // Loading is not cancellable half-way, but a cancelled queue still skips it.
    if (!begin(job)) return;
    Q_EMIT jobStarted(job, 1);
    Q_EMIT progress(job, QStringLiteral("load models"), QString::fromStdString(options.detector), 0, 1);
    try {
        engine_.reset();
        examples_.clear();
        engine_ = std::make_unique<model::Engine>(options);
        QString desc = QString::fromStdString(engine_->detector_name());
        if (engine_->has_clip()) desc += QStringLiteral(" + CLIP (%1)").arg(QFileInfo(QString::fromStdString(options.clip_path)).fileName());
        if (engine_->has_clip() && !options.weights_path.empty())
            desc += tr(" + trained head (%1)").arg(QFileInfo(QString::fromStdString(options.weights_path)).fileName());
        Q_EMIT engineReady(engine_->has_clip(), desc);
    } catch (const std::exception& e) {
        engine_.reset();
        // Without CLIP the app still detects: retry without it when CLIP was the problem.
        if (!options.clip_path.empty()) {
            const QString clipError = errorMessage(e);
            try {
                options.clip_path.clear();
                engine_ = std::make_unique<model::Engine>(options);
                Q_EMIT engineFailed(tr("The CLIP model could not be loaded: %1").arg(clipError));
                Q_EMIT engineReady(false, QString::fromStdString(engine_->detector_name()));
            } catch (const std::exception& e2) {
                engine_.reset();
                Q_EMIT engineFailed(errorMessage(e2));
            }
        } else {
            Q_EMIT engineFailed(errorMessage(e));
        }
    }
    --running_;
    Q_EMIT jobFinished(job, false);
}

void InferenceWorker::runAnalyse(int job, QList<AnalyseItem> items, std::vector<model::Prompt> prompts) {
    if (!begin(job)) return;
    Q_EMIT jobStarted(job, int(items.size()));
    bool cancelled = false;
    if (!engine_) {
        for (const auto& it : items) Q_EMIT imageFailed(job, it.image, tr("The models are not loaded."));
        --running_;
        Q_EMIT jobFinished(job, false);
        return;
    }
    const int total = int(items.size());
    QElapsedTimer sinceProgress;
    auto report = [&](const QString& stage, const QString& name, int done, bool force) {
        if (!force && total > 1 && sinceProgress.isValid() && sinceProgress.elapsed() < kProgressIntervalMs) return;
        sinceProgress.start();
        Q_EMIT progress(job, stage, name, done, total);
    };
    for (int i = 0; i < total; ++i) {
        const AnalyseItem& item = items[i];
        const QString name = QFileInfo(item.path).fileName();
        waitForReceiver();
        if (cancel_.cancelled()) {
            cancelled = true;
            break;
        }
        report(QStringLiteral("load"), name, i, false);
        auto cb = [&](const hoi::Progress& p) { report(QString::fromStdString(p.stage), name, i, false); };
        try {
            model::ImageAnalysis a = item.previous
                                         ? engine_->requery(*item.previous, prompts, cb, &cancel_)
                                         : engine_->analyse(item.path.toStdString(), prompts, cb, &cancel_);
            if (window_.load() > 0) ++unconsumed_;
            Q_EMIT imageAnalysed(job, item.image, std::make_shared<const model::ImageAnalysis>(std::move(a)));
        } catch (const hoi::Error& e) {
            if (e.kind() == ErrorKind::Cancelled) {
                cancelled = true;
                break;
            }
            if (window_.load() > 0) ++unconsumed_;
            Q_EMIT imageFailed(job, item.image, errorMessage(e));
        } catch (const std::exception& e) {
            if (window_.load() > 0) ++unconsumed_;
            Q_EMIT imageFailed(job, item.image, errorMessage(e));
        }
        report(QStringLiteral("done"), name, i + 1, i + 1 == total);
    }
    --running_;
    Q_EMIT jobFinished(job, cancelled);
}

void InferenceWorker::runRequery(int job, qint64 image, QString path, AnalysisPtr previous,
                                 std::vector<model::Prompt> prompts) {
    {
        QMutexLocker lock(&mutex_);
        if (latestRequery_.value(image) != job) { // superseded by newer typing
            --running_;
            Q_EMIT jobFinished(job, true);
            return;
        }
    }
    runAnalyse(job, {AnalyseItem{image, path, previous}}, std::move(prompts));
}

void InferenceWorker::runRelevance(int job, qint64 image, AnalysisPtr analysis, int pair, int prompt) {
    if (!begin(job)) return;
    try {
        if (!engine_ || !analysis) throw hoi::Error(ErrorKind::Usage, tr("no analysis").toStdString());
        auto map = engine_->relevance_map(*analysis, pair, prompt, &cancel_);
        Q_EMIT relevanceReady(job, image, pair, prompt, std::make_shared<const model::AttentionMap>(std::move(map)));
        --running_;
        Q_EMIT jobFinished(job, false);
    } catch (const std::exception& e) {
        endFailed(job, e);
    }
}

void InferenceWorker::endFailed(int job, const std::exception& e) {
    --running_;
    const bool c = dynamic_cast<const hoi::Error*>(&e) && static_cast<const hoi::Error&>(e).kind() == ErrorKind::Cancelled;
    if (!c) Q_EMIT jobFailed(job, errorMessage(e));
    Q_EMIT jobFinished(job, c);
}

void InferenceWorker::runScorePair(int job, PairScoreRequest r) {
    if (!begin(job)) return;
    try {
        if (!engine_ || !engine_->has_clip()) throw hoi::Error(ErrorKind::Usage, tr("scoring a pair needs the CLIP model").toStdString());
        QStringList texts = r.context;
        texts.removeAll(r.prompt);
        texts << r.prompt; // the last prompt is the pair's
        const auto prompts = engine_->parse_prompts(toStd(texts));
        const auto a = engine_->analyse_boxes(r.path.toStdString(), {r.human, r.object}, prompts, {}, &cancel_);
        const int t = int(a.prompts.size()) - 1;
        for (size_t p = 0; p < a.pairs.size(); ++p) {
            if (a.pairs[p].human != 0 || a.pairs[p].object != 1 || !a.scored) continue;
            const auto& sc = a.score(int(p), t);
            if (sc.applies) Q_EMIT pairScored(job, r.image, r.relation, r.prompt, double(sc.final));
        }
        --running_;
        Q_EMIT jobFinished(job, false);
    } catch (const std::exception& e) {
        endFailed(job, e);
    }
}

void InferenceWorker::runAdapterExample(int job, AdapterEdit e) {
    // Not begin(): a cancel must not drop an edit (the submitter's examples would no longer be the
    // engine's), and the edit needs no cancel flag (O(1), or one cached re-query).
    bool ok = false;
    try {
        if (!e.add) {
            const auto it = examples_.constFind(e.token);
            if (it != examples_.constEnd()) {
                ok = engine_ && engine_->remove_example(it.value());
                examples_.erase(it);
            }
        } else if (engine_ && engine_->has_clip() && e.analysis) {
            const auto prompts = engine_->parse_prompts({e.prompt.toStdString()});
            examples_[e.token] = engine_->add_example(*e.analysis, e.pair, prompts.front(), e.positive);
            ok = true;
        }
    } catch (const std::exception& ex) {
        Q_EMIT jobFailed(job, tr("The example could not be learnt: %1").arg(errorMessage(ex)));
    }
    --running_;
    Q_EMIT adapterChanged(job, e.token, ok, engine_ ? int(engine_->adapter().size()) : 0);
    Q_EMIT jobFinished(job, false);
}

void InferenceWorker::runContributions(int job, qint64 image, AnalysisPtr analysis, int pair, int prompt, int topK) {
    if (!begin(job)) return;
    try {
        if (!engine_ || !analysis) throw hoi::Error(ErrorKind::Usage, tr("no analysis").toStdString());
        AdapterContributions out;
        if (engine_->has_clip() && !examples_.isEmpty()) {
            QHash<std::uint64_t, quint64> tokenOf; // engine id -> token
            for (auto it = examples_.constBegin(); it != examples_.constEnd(); ++it) tokenOf.insert(it.value(), it.key());
            for (const auto& c : engine_->adapter_contributions(*analysis, pair, prompt, size_t(std::max(0, topK)))) {
                const auto t = tokenOf.constFind(c.id);
                if (t == tokenOf.constEnd() || c.term == 0) continue; // not ours, or no share (below min_affinity)
                out.push_back({t.value(), c.similarity, c.affinity, c.term});
            }
        }
        Q_EMIT contributionsReady(job, image, pair, prompt, out);
        --running_;
        Q_EMIT jobFinished(job, false);
    } catch (const std::exception& e) {
        endFailed(job, e);
    }
}

void InferenceWorker::runTrain(int job, annotation::Project project, QString imageDir, QString out, int epochs) {
    if (!begin(job)) return;
    Q_EMIT jobStarted(job, 1);
    try {
        if (!engine_ || !engine_->has_clip()) throw hoi::Error(ErrorKind::Usage, tr("training needs the CLIP model").toStdString());
        // The trainer reads a labelled set from a file: the project as it is now, in a scratch folder.
        QTemporaryDir scratch;
        if (!scratch.isValid()) throw hoi::Error(ErrorKind::Input, tr("no scratch folder for training").toStdString());
        const std::string file = scratch.filePath(QStringLiteral("reviewed.hoiproj")).toStdString();
        annotation::save_project(project, file);
        const learn::LabelledSet set = learn::read_labelled_set(file, imageDir.toStdString());
        learn::TrainOptions o;
        o.out = out.toStdString();
        o.epochs = epochs;
        // The GUI does not resume: the trainer's checkpoint (OUT.ckpt) is not left beside the project.
        struct RemoveCheckpoint {
            QString path;
            ~RemoveCheckpoint() { QFile::remove(path); }
        } removeCheckpoint{out + QStringLiteral(".ckpt")};
        const auto report = learn::train_head(*engine_, set, nullptr, o, &cancel_, [&](const learn::TrainProgress& p) {
            Q_EMIT trainingStep(job, QString::fromStdString(p.stage), p.epoch, p.epochs, p.step, p.steps, p.loss,
                                p.eta_seconds);
        });
        --running_;
        Q_EMIT trained(job, true, false,
                       tr("Trained on %1 (%2) for %3%4: %5")
                           .arg(counted(qint64(report.images), "image", "images"),
                                counted(qint64(report.positives), "positive", "positives"),
                                counted(report.epochs_run, "epoch", "epochs"),
                                report.stop_reason == "converged" ? tr(", when the reviewed pairs came out right")
                                                                  : QString(),
                                out));
        Q_EMIT jobFinished(job, false);
    } catch (const std::exception& e) {
        const bool c = dynamic_cast<const hoi::Error*>(&e) && static_cast<const hoi::Error&>(e).kind() == ErrorKind::Cancelled;
        --running_;
        Q_EMIT trained(job, false, c, c ? tr("Training cancelled.") : errorMessage(e));
        Q_EMIT jobFinished(job, c);
    }
}

void InferenceWorker::runInspect(int job, qint64 image, AnalysisPtr analysis, int pair) {
    if (!begin(job)) return;
    try {
        if (!engine_ || !analysis) throw hoi::Error(ErrorKind::Usage, tr("no analysis").toStdString());
        auto ins = engine_->inspect(*analysis, pair);
        Q_EMIT inspectionReady(job, image, pair, std::make_shared<const model::PairInspection>(std::move(ins)));
        --running_;
        Q_EMIT jobFinished(job, false);
    } catch (const std::exception& e) {
        --running_;
        Q_EMIT jobFailed(job, errorMessage(e));
        Q_EMIT jobFinished(job, false);
    }
}

// ---- InferenceThread ---------------------------------------------------------------------------

InferenceThread::InferenceThread(QObject* parent) : QObject(parent), worker_(new InferenceWorker) {
    thread_.setObjectName(QStringLiteral("InferenceWorker"));
    worker_->moveToThread(&thread_);
    thread_.start();
}

InferenceThread::~InferenceThread() {
    worker_->cancel();
    thread_.quit();
    thread_.wait();
    delete worker_; // the thread has stopped: nothing runs on the engine any more
}

} // namespace hoi::ui
