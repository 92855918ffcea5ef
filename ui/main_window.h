#pragma once
// HOI Studio's main window: the image list (left), the canvas with the prompt bar (centre), the
// pair list (right) and the inspector (right, below), a toolbar, menus and a status bar with the
// analysis progress. It owns the Workspace (document + undo stack) and the InferenceThread, puts
// the parts together (StudioActions, MainToolBar, ImagesPanel, PairsPanel, InspectorDock,
// StatusPanel, Banner, the canvas, the prompt bar) and wires them to ProjectSession, ProjectOpener,
// ProjectSaver, ProjectSettingsSync, SelectionModel, SelectionView, ReviewNavigator,
// EditingController, AnalysisController, EngineLauncher, TrainingController and AnnotationEditor;
// FileDialogs, ExportDialog and ViewSettings do its dialogs and settings.
#include <QElapsedTimer>
#include <QMainWindow>
#include <QPointer>
#include <QSet>
#include <QTimer>
#include <functional>
#include <map>
#include <optional>

#include "annotation/project.h"
#include "eta_estimator.h"
#include "image_canvas.h"
#include "inference_worker.h"
#include "analysis_controller.h"
#include "analysis_presenter.h"
#include "annotation_editor.h"
#include "file_dialogs.h"
#include "view_settings.h"
#include "inspector_data.h"
#include "project_session.h"
#include "selection_model.h"
#include "workspace.h"

class QLabel;
class QListView;
class QTableView;
class QSlider;
class QComboBox;
class QDockWidget;

namespace hoi::ui {

class PromptBar;
class PairTableModel;
class PairFilterProxy;
class EvaluationDialog;
class AgreementIndicator;
class StudioActions;
class Banner;
class ImagesPanel;
class PairsPanel;
class StatusPanel;
class TrainingController;
class ProjectSaver;
class EngineLauncher;
class ProjectSettingsSync;
class InspectorDock;
class ProjectOpener;
class ReviewNavigator;
class EditingController;
class SelectionView;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    using RecoveryPolicy = ProjectSession::RecoveryPolicy; // Ignore: open the file, keep the recovery file
    struct Options {
        bool loadModels = true;       // start the engine (detector, CLIP when found)
        bool useSettings = true;      // read and write QSettings
        bool askOnClose = true;       // ask to save a modified project on close
        RecoveryPolicy recovery = RecoveryPolicy::Ask;
        bool autoAnalyse = true;      // analyse an image when it is shown
        model::EngineOptions engine;  // detector, thresholds (clip_path resolved when empty)
        bool engineOverride = false;  // use `engine` as given (tests) instead of settings
        QString clipPath;             // --clip: first in the resolution order (then HOI_CLIP, setting, default)
        int autosaveMs = 1500;
        // false (--screenshot): errors go to stderr instead of message boxes nobody could close.
        bool interactive = true;
        int trainEpochs = 0;          // Train on Reviewed Images: 0 = the trainer's default budget
    };
    // Where Train on Reviewed Images saves the head: PROJECT.head.safetensors ("" without a project file).
    QString headPath() const { return session_->headPath(); }
    explicit MainWindow(QWidget* parent = nullptr);
    explicit MainWindow(const Options& options, QWidget* parent = nullptr);
    ~MainWindow() override;

    // ---- opening and saving --------------------------------------------------------------------
    // Opens images, folders, a HICO-DET / COCO / instances / CSV file (with an image folder given
    // among the paths, or next to it) or a project file. Returns false when nothing could be opened
    // (the reasons were shown).
    bool openPaths(const QStringList& paths);
    // What the application does at start: offers the unsaved work of a session that did not end
    // normally (whatever the inputs), then opens the inputs (those in a restored session's image
    // folder are already there). Returns false when inputs were given and none could be opened.
    bool start(const QStringList& inputs);
    bool saveProject(const QString& path);
    bool save();       // to the project file, or asks for one
    void autosaveNow(); // writes the recovery file now (normally debounced)
    // Offers the autosaved untitled session of a run that did not end normally (the application
    // calls it at start, whatever it was started with). Returns true when it was restored. Until
    // the person has chosen, autosave never overwrites that file.
    bool offerUntitledRecovery();
    QString recoveryPath() const { return session_->recoveryPath(); }
    ProjectSession* session() const { return session_; }

    // ---- state (for tests and the screenshot mode) ---------------------------------------------
    Workspace* workspace() const { return ws_; }
    ImageCanvas* canvas() const { return canvas_; }
    PromptBar* promptBar() const { return promptBar_; }
    QTableView* pairTable() const;
    PairFilterProxy* pairProxy() const;
    PairTableModel* pairModel() const;
    QListView* imageList() const;
    QSlider* thresholdSlider() const;
    InferenceWorker* worker() const { return inference_->worker(); }
    QWidget* inspectorWidget() const;
    const InspectorData& inspectorData() const;
    QString bannerText() const;
    bool bannerVisible() const;
    bool engineReady() const { return analysis_->engineReady(); }
    bool clipAvailable() const { return analysis_->hasClip(); }
    AnalysisController* analysisController() const { return analysis_; }
    SelectionModel* selectionModel() const { return selection_; }
    AgreementIndicator* agreementIndicator() const;
    // Few-shot adapter examples the worker was asked to hold (one per decided pair with model features).
    int adapterExamples() const { return analysis_->adapterExamples(); }

    Id currentImage() const { return selection_->currentImage(); }
    void setCurrentImage(Id image);
    Id selectedInteraction() const { return selection_->selectedInteraction(); }
    void selectInteraction(Id interaction);
    // Selects the highest-scoring visible pair of the current image (screenshots). False when none.
    bool selectBestPair();
    void setPrompts(const QStringList& prompts);

    // Whether no job is queued or running and the current image is shown.
    bool isIdle() const;
    // Calls fn once the window is idle (immediately when it is).
    void whenIdle(std::function<void()> fn);

    using HeatmapSource = AnalysisPresenter::HeatmapSource;
    void setHeatmapSource(HeatmapSource s);

public Q_SLOTS:
    void analyseCurrent();
    void analyseAll();
    void cancelAnalysis();
    void acceptSelected();
    void rejectSelected();
    void nextPair();
    void previousPair();
    void nextImage();
    void previousImage();
    void deleteSelected();
    void editVerb();
    void toggleReviewed();
    void exportAnnotations();
    // Analysis ▸ Train on Reviewed Images: trains the learnable head on the decided pairs (on the
    // worker, with progress and Cancel) and saves it beside the project (headPath()).
    void trainOnReviewed();
    void showShortcuts();
    void showEvaluation(); // Analysis ▸ Evaluate… (one dialog, kept while the window lives)

Q_SIGNALS:
    void idle();
    void imageShown(hoi::annotation::Id image);
    void heatmapUpdated();

protected:
    void closeEvent(QCloseEvent* e) override;
    void dragEnterEvent(QDragEnterEvent* e) override;
    void dropEvent(QDropEvent* e) override;

private:
    // What ProjectOpener reports: a project was loaded; withSettings: its prompts and score filter
    // are shown. Then its trained head and the title.
    void connectOpener();
    void showProjectSettings(bool withSettings);
    // Save, Save As and "Save your changes?" (ProjectSaver): the question, the file, the results.
    void connectSaver();
    // An error message box, or a line on stderr when the window is not interactive.
    void showError(const QString& title, const QString& text, bool warning = false);
    void buildUi();
    // What the actions do (StudioActions makes them).
    void connectActions();
    void showPreferences();
    void connectAnalysis();
    // The views kept between runs (ViewSettings); the review preferences (after Preferences too).
    ViewSettings viewSettings();
    void readReviewPreferences();
    void updateTitle();
    void updateActions();
    void onDocumentChanged(const annotation::Change& c);
    void checkIdle();

    Options opt_;
    Workspace* ws_;
    ProjectSession* session_;
    SelectionModel* selection_;
    InferenceThread* inference_;
    AnalysisController* analysis_;
    AnnotationEditor* editor_;
    ProjectOpener* opener_;
    ProjectSaver* saver_;
    EngineLauncher* engine_;
    ProjectSettingsSync* settingsSync_ = nullptr;
    TrainingController* training_ = nullptr;
    FileDialogs dialogs_;
    ReviewNavigator* navigator_ = nullptr;
    EditingController* editing_ = nullptr;
    SelectionView* view_ = nullptr;
    ImageCanvas* canvas_ = nullptr;
    PromptBar* promptBar_ = nullptr;
    Banner* banner_ = nullptr;
    StudioActions* actions_ = nullptr;
    ImagesPanel* images_ = nullptr;
    PairsPanel* pairs_ = nullptr;
    StatusPanel* status_ = nullptr;
    QComboBox* classCombo_ = nullptr;
    QComboBox* heatSource_ = nullptr;
    QSlider* heatOpacity_ = nullptr;
    InspectorDock* inspectorDock_ = nullptr;

    QPointer<EvaluationDialog> evalDialog_;
    QList<QMenu*> menus_;
    QMenu* recentMenu_ = nullptr;

    QList<std::function<void()>> idleCallbacks_;
};

} // namespace hoi::ui
