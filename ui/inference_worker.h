#pragma once
// The InferenceWorker owns the model Engine and runs every forward pass on its own QThread; the GUI
// thread never does. Jobs are submitted from any thread with submit*() (thread-safe: each posts a
// queued call to the worker's thread and returns a job id); results leave as signals, delivered
// queued to the receivers' threads. Cancellation sets an atomic hoi::CancelFlag that the engine
// checks between stages; cancel() also drops jobs still waiting in the queue. Progress comes from
// the core's ProgressCallback.
//
// InferenceThread is the owner a window keeps: it starts the thread, moves the worker there, and on
// destruction cancels, stops the thread and deletes the worker.
#include <QHash>
#include <QMetaType>
#include <QMutex>
#include <QObject>
#include <QString>
#include <QThread>
#include <QVector>
#include <QWaitCondition>
#include <atomic>
#include <memory>

#include "annotation/project.h"
#include "hoi/engine.h"
#include "io/progress.h"

namespace hoi::ui {

using AnalysisPtr = std::shared_ptr<const model::ImageAnalysis>;
using InspectionPtr = std::shared_ptr<const model::PairInspection>;
using AttentionPtr = std::shared_ptr<const model::AttentionMap>;

struct AnalyseItem {
    qint64 image = 0; // document image id
    QString path;     // file to analyse
    AnalysisPtr previous; // when set and still cached, only the prompts are re-scored (requery)
};

// One pair a person made (linked by hand, a box drawn by hand, or a verb no prompt asked for),
// to be scored by the model: the pair's boxes and the prompt of its verb, scored among the prompts
// the image was analysed with so the score is comparable with the analysed pairs'.
struct PairScoreRequest {
    qint64 image = 0;
    qint64 relation = 0;
    QString path;
    detect::Detection human, object;
    QString prompt;       // "verb object" of the relation
    QStringList context;  // the prompts of the analysis
};

// One change of the engine's few-shot adapter (hoi/few_shot_adapter.h): add the reviewed pair
// `pair` of `analysis` as an example of `prompt` (accepted: positive, rejected: negative), or remove
// the example added under `token`. Tokens are the submitter's names for examples (unique per
// worker, never 0); the worker maps them to the engine's ids.
struct AdapterEdit {
    bool add = true;
    quint64 token = 0;
    qint64 image = 0;
    AnalysisPtr analysis; // add only
    int pair = -1;        // add only
    QString prompt;       // add only: the prompt text ("verb object")
    bool positive = true; // add only
};

// One reviewed example's share of a pair's adapter term (model::AdapterContribution), named by the
// submitter's token (AdapterEdit::token).
struct AdapterContributionItem {
    quint64 token = 0;
    float similarity = 0; // cos(pair feature, example feature)
    float affinity = 0;   // exp(-beta (1 - cos)), 0 below the adapter's min_affinity
    float term = 0;       // signed: positive for an accepted example, negative for a rejected one
};
using AdapterContributions = QVector<AdapterContributionItem>;

class InferenceWorker : public QObject {
    Q_OBJECT
public:
    InferenceWorker();
    ~InferenceWorker() override;

    // ---- thread-safe job submission (returns the job id) --------------------------------------
    // Loads (or reloads) the models. clip_path "" = no CLIP (detection only).
    int submitLoad(const model::EngineOptions& options);
    // Analyses images one after another (a batch); a bad image is reported and skipped.
    // Prompts arrive parsed (the prompt bar parses each text once).
    int submitAnalyse(const QList<AnalyseItem>& items, const std::vector<model::Prompt>& prompts);
    // Re-scores one analysed image with new prompts; superseded by a later requery of the same image.
    int submitRequery(qint64 image, const QString& path, AnalysisPtr previous, const std::vector<model::Prompt>& prompts);
    // The gradient relevance map of (pair, prompt) and the per-layer attention of a pair.
    int submitRelevance(qint64 image, AnalysisPtr analysis, int pair, int prompt);
    int submitInspect(qint64 image, AnalysisPtr analysis, int pair);
    // Scores a pair a person made (see PairScoreRequest); answers with pairScored or jobFailed.
    int submitScorePair(const PairScoreRequest& request);
    // Adds or removes one few-shot adapter example (see AdapterEdit). Edits run in submission order
    // with the other jobs (a re-score submitted after an edit sees it) and are never dropped by
    // cancel(), so the examples held are always those submitted. Reloading the models (submitLoad)
    // starts with an empty adapter: submit the examples again. Answers with adapterChanged.
    int submitAdapterExample(const AdapterEdit& edit);
    // The examples contributing most to the adapter term of (pair, prompt) of an analysis, largest
    // |term| first, at most topK (Engine::adapter_contributions; examples whose affinity is below the
    // adapter's min_affinity have no share and are left out), named by their tokens; they reflect
    // the adapter edits submitted before. Answers with contributionsReady (empty: no example of the
    // prompt's class, or no CLIP) or jobFailed.
    int submitContributions(qint64 image, AnalysisPtr analysis, int pair, int prompt, int topK = 5);
    // Trains the learnable head (learn/trainer.h, as `hoi train`) on the decided relations of a
    // project (its images under imageDir) and saves it to `out`; epochs 0 = the trainer's default
    // budget. Progress as trainingStep (every image of the feature pass, every optimiser step);
    // cancel() stops it between steps. Answers with trained.
    int submitTrain(const annotation::Project& project, const QString& imageDir, const QString& out, int epochs);
    // Cancels the running job and every job submitted so far.
    void cancel();
    // Back-pressure for batches: with a window n > 0 a batch waits before analysing its next image
    // while n results wait to be consumed (resultConsumed() from the receiver, once per
    // imageAnalysed / imageFailed), so results served from the cache cannot flood the receiver's
    // event loop and a cancel stops the batch within n images. 0 (default) = no window.
    void setResultWindow(int n) {
        window_.store(n);
        unconsumed_.store(0);
    }
    void resultConsumed();
    // Progress signals of a batch (more than one image) are at most this far apart in time (ms);
    // stage changes within it are dropped, the last image's "done" always goes out.
    static constexpr int kProgressIntervalMs = 50;
    bool busy() const { return running_.load() > 0; }

Q_SIGNALS:
    void engineReady(bool hasClip, const QString& description);
    void engineFailed(const QString& message);
    void jobStarted(int job, int total);
    void progress(int job, const QString& stage, const QString& item, int done, int total);
    void imageAnalysed(int job, qint64 image, hoi::ui::AnalysisPtr analysis);
    void imageFailed(int job, qint64 image, const QString& message);
    void jobFinished(int job, bool cancelled);
    void relevanceReady(int job, qint64 image, int pair, int prompt, hoi::ui::AttentionPtr map);
    void inspectionReady(int job, qint64 image, int pair, hoi::ui::InspectionPtr inspection);
    void jobFailed(int job, const QString& message);
    // The model's score of request.prompt on the pair (absent when the prompt does not apply to the object).
    void pairScored(int job, qint64 image, qint64 relation, const QString& prompt, double score);
    // An adapter edit was applied (ok) or could not be (ok false: the example is not held); examples:
    // how many the adapter holds now.
    void adapterChanged(int job, quint64 token, bool ok, int examples);
    // Training progress: stage "features" (step = image of steps) or "train" (epoch of epochs, step
    // of steps within it, that step's loss); etaSeconds -1 when not known yet.
    void trainingStep(int job, const QString& stage, int epoch, int epochs, int step, int steps, double loss,
                      double etaSeconds);
    void contributionsReady(int job, qint64 image, int pair, int prompt, hoi::ui::AdapterContributions contributions);
    // A training job ended: ok with a summary, or not (message: why; cancelled: by cancel()).
    void trained(int job, bool ok, bool cancelled, const QString& message);

private:
    // Worker-thread side.
    void runLoad(int job, model::EngineOptions options);
    void runAnalyse(int job, QList<AnalyseItem> items, std::vector<model::Prompt> prompts);
    void runRequery(int job, qint64 image, QString path, AnalysisPtr previous, std::vector<model::Prompt> prompts);
    void runRelevance(int job, qint64 image, AnalysisPtr analysis, int pair, int prompt);
    void runInspect(int job, qint64 image, AnalysisPtr analysis, int pair);
    void runScorePair(int job, PairScoreRequest request);
    void runAdapterExample(int job, AdapterEdit edit);
    void runContributions(int job, qint64 image, AnalysisPtr analysis, int pair, int prompt, int topK);
    void runTrain(int job, annotation::Project project, QString imageDir, QString out, int epochs);
    void endFailed(int job, const std::exception& e); // a job ended by an exception (cancelled or failed)
    bool begin(int job); // false when the job was cancelled before it started
    int nextJob();
    void waitForReceiver(); // blocks while the result window is full (returns on cancel)

    std::unique_ptr<model::Engine> engine_;
    QHash<quint64, std::uint64_t> examples_; // adapter token -> engine example id (worker thread only)
    hoi::CancelFlag cancel_;
    std::atomic<int> lastJob_{0};
    std::atomic<int> cancelUpTo_{0};
    std::atomic<int> running_{0};
    QMutex mutex_;
    QHash<qint64, int> latestRequery_; // image -> newest requery job
    std::atomic<int> window_{0};
    std::atomic<int> unconsumed_{0};
    QWaitCondition consumed_;
};

class InferenceThread : public QObject {
    Q_OBJECT
public:
    explicit InferenceThread(QObject* parent = nullptr);
    ~InferenceThread() override;
    InferenceWorker* worker() const { return worker_; }

private:
    QThread thread_;
    InferenceWorker* worker_;
};

// A readable one-line message for an exception thrown by the core.
QString errorMessage(const std::exception& e);

} // namespace hoi::ui

Q_DECLARE_METATYPE(hoi::ui::AnalysisPtr)
Q_DECLARE_METATYPE(hoi::ui::InspectionPtr)
Q_DECLARE_METATYPE(hoi::ui::AttentionPtr)
Q_DECLARE_METATYPE(hoi::ui::AdapterContributionItem)
