#pragma once
// The analysis jobs of a workspace, between the InferenceWorker (its thread) and the document: it
// starts the engine, asks for analyses (one image, a batch, a re-query after new prompts, the
// background re-score after a review), tracks which jobs run and which images are stale, merges
// results into the document with the one merge policy (hoi/analysis_merge.h), keeps the
// relevance maps and pair inspections the views asked for, keeps the engine's few-shot adapter
// holding exactly the document's decided pairs (undo takes an example out, redo puts it back), and
// scores pairs a person made. No widgets: it reports progress, messages and warnings as signals,
// so it is driven alone in tests.
#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QSet>
#include <QStringList>
#include <QVector>
#include <functional>
#include <map>
#include <memory>
#include <tuple>

#include "eta_estimator.h"
#include "inference_worker.h"
#include "workspace.h"

namespace hoi::ui {

class SelectionModel;
class ExampleThumbnails;

class AnalysisController : public QObject {
    Q_OBJECT
public:
    // The prompts in force (the prompt bar's texts and each parsed once).
    struct Prompts {
        QStringList texts;
        std::vector<model::Prompt> parsed;
    };
    using PromptSource = std::function<Prompts()>;

    AnalysisController(Workspace* ws, SelectionModel* selection, InferenceWorker* worker, QObject* parent = nullptr);
    ~AnalysisController() override;

    void setPromptSource(PromptSource source) { prompts_ = std::move(source); }
    // Analyse an image when it is shown and not analysed (or stale) with the current prompts.
    void setAutoAnalyse(bool on) { autoAnalyse_ = on; }
    // Model relations below this score are not merged into the document (preference).
    void setKeepScore(double score) { keepScore_ = score; }
    double keepScore() const { return keepScore_; }

    // ---- engine --------------------------------------------------------------------------------
    void startEngine(const model::EngineOptions& options);
    bool engineReady() const { return engineReady_; }
    bool hasClip() const { return hasClip_; }
    bool engineFailed() const { return engineFailed_; }
    const model::EngineOptions& engineOptions() const { return engineOptions_; }

    // ---- analyses ------------------------------------------------------------------------------
    // Queues images (a batch reports progress as "k of n" with an ETA). Images already on their
    // way with the current prompts are not queued twice.
    void requestAnalysis(const QList<Id>& images, bool batch);
    // The current image, asked for by the person (so its merge may change the document).
    void analyseCurrent();
    // Every image not analysed, or stale, with the current prompts; false when there is none.
    bool analyseAll();
    // The image became visible: analysed when auto-analysis is on and it needs it (not reviewed).
    void imageShown(Id image);
    // New prompts: every analysed image is stale; the current one is re-queried right away (or
    // analysed, when canAnalyseCurrent).
    void promptsChanged(bool canAnalyseCurrent);
    void cancel();
    // A new project or import: stale flags and cached maps of the old one are dropped.
    void forgetImages();
    bool busy() const { return !jobs_.isEmpty(); }
    bool isStale(Id image) const { return stale_.contains(image); }

    // ---- explanations (asked for by the views; answered by relevanceReady / inspectionReady) ---
    // The relevance map of (pair, prompt) of an analysed image: null while it is computed (the
    // first call asks for it). *requested: whether it was (or is being) asked for.
    AttentionPtr relevance(Id image, int pair, int prompt, bool* requested);
    // The per-layer attention of a pair (null while it is computed; the first call asks for it
    // when the engine has CLIP).
    InspectionPtr inspection(Id image, int pair);

    // One reviewed example behind a pair's adapter term: the relation the person decided (and its
    // image), its share of the term (signed: an accepted example lifts, a rejected one lowers).
    struct Contribution {
        Id relation = 0;
        Id image = 0;
        float similarity = 0;
        float term = 0;
        bool positive = true;
    };
    using ContributionsPtr = std::shared_ptr<const QVector<Contribution>>;
    // The examples contributing most to the adapter term of (pair, prompt) of an analysed image,
    // largest |term| first (null while they are computed; the first call asks for them when the
    // engine has CLIP; empty when no example touches the prompt's class). Answered by
    // contributionsArrived; dropped when the image's analysis is merged again or the examples change.
    ContributionsPtr contributions(Id image, int pair, int prompt);
    // Pictures of the examples' pairs (made off the GUI thread; contributionsArrived when one is there).
    ExampleThumbnails* thumbnails() const { return thumbnails_; }

    // ---- the labelling loop --------------------------------------------------------------------
    // Makes the worker's adapter examples those of the document's decided relations (one per
    // decided pair with model features); after a person's edit (rescore) the unreviewed images
    // are re-scored in the background, the current one first. onlyImage: only that image changed.
    // Returns whether the examples changed.
    bool syncAdapter(bool rescore, Id onlyImage = 0);
    int adapterExamples() const { return int(adapterHeld_.size()); }
    // Analysis ▸ Train on Reviewed Images: the trainer on the worker, the head written to `out`.
    void train(const QString& out, int epochs);
    // A relation a person made or re-verbed that no analysed prompt scores: the model's score
    // arrives later (pairScored), as model output (the project is not marked modified).
    void scoreMadePair(Id relation);
    // "verb object" of a relation (the prompt its made pair is scored with).
    QString madePairPrompt(const annotation::Interaction& in) const;

Q_SIGNALS:
    void engineLoaded(bool hasClip, const QString& description);
    void engineLoadFailed(const QString& message);
    // Progress of the running job: maximum 0 = busy indicator.
    void progressChanged(const QString& text, int value, int maximum);
    // A job was queued / ended; busy() tells whether any runs.
    void jobStarted();
    void jobEnded();
    void message(const QString& text, int timeoutMs);
    // A problem the person should see (a batch's skipped images, a failed training).
    void warning(const QString& title, const QString& text);
    // An analysis of the image was merged into the document (pair indices may have changed).
    void analysisMerged(hoi::annotation::Id image);
    void relevanceArrived(hoi::annotation::Id image);
    void inspectionArrived(hoi::annotation::Id image);
    // Contributions of a pair of the image, or a thumbnail of one of its examples, arrived.
    void contributionsArrived(hoi::annotation::Id image);
    void madePairScored(hoi::annotation::Id relation);
    // Train on Reviewed Images wrote its head to `path`.
    void headTrained(const QString& path);
    // The running training's progress (InferenceWorker::trainingStep) and its end (ok: the head was
    // written; text: what happened, for the person).
    void trainingStep(const QString& stage, int epoch, int epochs, int step, int steps, double loss, double etaSeconds);
    void trainingFinished(bool ok, bool cancelled, const QString& text);

private:
    void onImageAnalysed(int job, qint64 image, AnalysisPtr analysis);
    void onProgress(int job, const QString& stage, const QString& item, int done, int total);
    void onJobFinished(int job, bool cancelled);
    void scheduleRescore();
    void submitRescore();
    Prompts prompts() const;
    void addJob(int job);

    Workspace* ws_;
    SelectionModel* selection_;
    InferenceWorker* worker_;
    QPointer<Workspace> wsAlive_;
    QPointer<InferenceWorker> workerAlive_;
    PromptSource prompts_;
    bool autoAnalyse_ = true;
    double keepScore_ = 0.01;
    bool engineReady_ = false, hasClip_ = false, engineFailed_ = false;
    model::EngineOptions engineOptions_; // what the engine was started with (thresholds for the merge)

    QSet<Id> stale_;              // analysed with older prompts
    QSet<Id> implicit_;           // analyses started by showing the image, not asked for
    QSet<int> jobs_;              // queued or running
    QSet<int> batchJobs_;
    std::map<int, QList<Id>> jobImages_;
    QSet<int> cancelledJobs_;     // cancelled: their late results are dropped
    QElapsedTimer batchClock_;
    EtaEstimator batchEta_;
    int batchTotal_ = 0, batchDone_ = 0;
    QStringList failures_;

    std::map<std::tuple<Id, int, int>, AttentionPtr> relevance_; // null: requested
    std::map<std::pair<Id, int>, InspectionPtr> inspections_;
    QSet<std::pair<Id, int>> pendingInspect_;
    using ContributionKey = std::tuple<Id, int, int>; // image, pair, prompt
    std::map<ContributionKey, ContributionsPtr> contributions_;
    std::map<int, ContributionKey> contributionJobs_; // the jobs on their way (answers of others are dropped)
    void dropContributions(Id image = 0);              // 0: every image
    ExampleThumbnails* thumbnails_;

    struct HeldExample {
        quint64 token = 0;
        Id image = 0;
        std::string cacheKey; // the analysis the pair index refers to
        int pair = -1;
        QString prompt;
        bool positive = true;
        bool operator==(const HeldExample& o) const {
            return image == o.image && cacheKey == o.cacheKey && pair == o.pair && prompt == o.prompt && positive == o.positive;
        }
    };
    std::map<Id, HeldExample> adapterHeld_; // relation -> the example the worker holds for it
    quint64 nextAdapterToken_ = 1;
    QSet<int> rescoreJobs_;       // background re-scoring after a review
    bool rescorePending_ = false; // another review came while one ran: re-score again after it
    QSet<Id> attached_;           // images whose analysis only attached (MergeMode::Attach)
    bool rescoreAfterBatch_ = false; // a batch brought examples: re-score once it ends
    QString trainingOut_;         // where the running training writes its head
};

} // namespace hoi::ui
