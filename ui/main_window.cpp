#include "main_window.h"
#include "agreement_indicator.h"
#include "banner.h"
#include "editing_controller.h"
#include "engine_launcher.h"
#include "images_panel.h"
#include "inspector_dock.h"
#include "main_tool_bar.h"
#include "pairs_panel.h"
#include "project_opener.h"
#include "project_saver.h"
#include "project_settings_sync.h"
#include "review_navigator.h"
#include "selection_view.h"
#include "status_panel.h"
#include "studio_actions.h"
#include "training_controller.h"
#include "view_settings.h"

#include <QCloseEvent>
#include <QComboBox>
#include <QDockWidget>
#include <QFileInfo>
#include <QItemSelectionModel>
#include <QListView>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QSettings>
#include <QSlider>
#include <QStatusBar>
#include <QTableView>
#include <QUndoStack>
#include <QVBoxLayout>
#include <cstdio>

#include "evaluation_dialog.h"
#include "export_dialog.h"
#include "heatmap.h"
#include "icons.h"
#include "io/error.h"
#include "pair_table_model.h"
#include "preferences_dialog.h"
#include "prompt_bar.h"
#include "shortcuts_dialog.h"

namespace hoi::ui {

using annotation::State;

MainWindow::MainWindow(QWidget* parent) : MainWindow(Options{}, parent) {}

MainWindow::MainWindow(const Options& options, QWidget* parent)
    : QMainWindow(parent), opt_(options), ws_(new Workspace(this)),
      session_(new ProjectSession(ws_, {options.useSettings, options.autosaveMs, options.recovery}, this)),
      selection_(new SelectionModel(ws_, this)), inference_(new InferenceThread(this)),
      analysis_(new AnalysisController(ws_, selection_, inference_->worker(), this)),
      editor_(new AnnotationEditor(ws_, analysis_, this)),
      opener_(new ProjectOpener(ws_, session_, selection_, analysis_, this)),
      saver_(new ProjectSaver(ws_, session_, this)),
      engine_(new EngineLauncher(analysis_, session_,
                                 EngineSettings({opt_.engine, opt_.engineOverride, opt_.useSettings, opt_.clipPath}), this)),
      dialogs_(this, session_, ws_) {
    setObjectName(QStringLiteral("mainWindow"));
    setWindowIcon(icon("app"));
    setAcceptDrops(true);
    setDockNestingEnabled(true);
    actions_ = new StudioActions(ws_->undoStack(), this);
    buildUi();
    view_ = new SelectionView(ws_, selection_, analysis_, {canvas_, pairs_, images_, inspectorDock_}, this);
    connect(view_, &SelectionView::imageShown, this, &MainWindow::imageShown);
    connect(view_, &SelectionView::heatmapUpdated, this, &MainWindow::heatmapUpdated);
    connect(view_, &SelectionView::imageFailed, this, [this](const QString& error) { statusBar()->showMessage(error, 8000); });
    connect(view_, &SelectionView::stateChanged, this, &MainWindow::updateActions);
    connect(view_, &SelectionView::settled, this, &MainWindow::checkIdle);
    connect(inspectorDock_, &InspectorDock::attentionTileClicked, view_, &SelectionView::showTile);
    connect(inspectorDock_, &InspectorDock::exampleClicked, view_, &SelectionView::select);
    navigator_ = new ReviewNavigator(ws_, selection_, editor_, images_->model(), pairs_, this);
    navigator_->setSelect([this](Id pair) { selectInteraction(pair); });
    connect(navigator_, &ReviewNavigator::message, statusBar(), &QStatusBar::showMessage);
    editing_ = new EditingController(ws_, selection_, editor_, {this, canvas_, pairs_, classCombo_}, this);
    editing_->setSelect([this](Id pair) { selectInteraction(pair); });
    editing_->setPrompts([this] { return promptBar_->parsed(promptBar_->prompts()); });
    connect(editing_, &EditingController::message, statusBar(), &QStatusBar::showMessage);
    connect(editing_, &EditingController::edited, this, &MainWindow::updateActions);
    connect(editing_, &EditingController::selectedPairEdited, view_, [this] {
        view_->refreshHeatmap();
        view_->refreshInspector();
    });
    connect(canvas_, &ImageCanvas::boxDrawn, editing_, &EditingController::addBox);
    connect(canvas_, &ImageCanvas::pairLinked, editing_, &EditingController::linkPair);
    connect(pairModel(), &PairTableModel::verbEdited, editing_, [this](Id id, const QString& verb) { editing_->setVerb({id}, verb); });
    connectActions();
    connectOpener();
    connectSaver();
    connectAnalysis();
    training_ = new TrainingController(analysis_, session_, saver_, this, opt_.trainEpochs, this);
    connect(training_, &TrainingController::error, this, &MainWindow::showError);
    session_->setAsk([this](const QString& title, const QString& text) {
        return QMessageBox::question(this, title, text, QMessageBox::Yes | QMessageBox::No, QMessageBox::Yes) ==
               QMessageBox::Yes;
    });
    session_->setSnapshot([this](const QString& path) { return settingsSync_->projectToWrite(path); });
    connect(session_, &ProjectSession::autosaveFailed, this,
            [this](const QString& m) { statusBar()->showMessage(tr("Autosave failed: %1").arg(m), 8000); });
    connect(ws_, &Workspace::changed, this, &MainWindow::onDocumentChanged);
    connect(ws_, &Workspace::modifiedChanged, this, [this] { updateTitle(); });
    connect(ws_->undoStack(), &QUndoStack::indexChanged, this, [this] { updateActions(); });
    if (opt_.useSettings) {
        viewSettings().read();
        readReviewPreferences();
    }
    updateTitle();
    updateActions();
    images_->updateCounts();
    if (opt_.loadModels) engine_->start();
}

MainWindow::~MainWindow() {
    // Jobs may still deliver signals while the thread stops: disconnect first.
    inference_->worker()->disconnect(this);
    analysis_->disconnect(this);
    analysis_->disconnect(view_); // the views follow the analysis
    // The workspace is destroyed first (the first child): nothing may hear its undo stack or its
    // document signals while it goes (the controller, the models, the indicator would read it).
    ws_->undoStack()->disconnect();
    ws_->disconnect();
}

// ---- construction ------------------------------------------------------------------------------

void MainWindow::connectActions() {
    const StudioActions* a = actions_;
    connect(a->open, &QAction::triggered, this, [this] {
        if (const QStringList files = dialogs_.openFiles(); !files.isEmpty()) openPaths(files);
    });
    connect(a->openFolder, &QAction::triggered, this, [this] {
        if (const QString dir = dialogs_.openFolder(); !dir.isEmpty()) openPaths({dir});
    });
    connect(a->importAnnotations, &QAction::triggered, this, [this] {
        if (const QString file = dialogs_.importFile(); !file.isEmpty())
            opener_->import(file, [this](const QString& f) { return dialogs_.imageFolderOf(f); });
    });
    connect(a->save, &QAction::triggered, saver_, &ProjectSaver::save);
    connect(a->saveAs, &QAction::triggered, saver_, &ProjectSaver::saveAs);
    connect(a->exportAnnotations, &QAction::triggered, this, &MainWindow::exportAnnotations);
    connect(a->quit, &QAction::triggered, this, &QWidget::close);
    connect(a->accept, &QAction::triggered, this, &MainWindow::acceptSelected);
    connect(a->reject, &QAction::triggered, this, &MainWindow::rejectSelected);
    connect(a->nextPair, &QAction::triggered, this, &MainWindow::nextPair);
    connect(a->previousPair, &QAction::triggered, this, &MainWindow::previousPair);
    connect(a->editVerb, &QAction::triggered, this, &MainWindow::editVerb);
    connect(a->remove, &QAction::triggered, this, &MainWindow::deleteSelected);
    connect(a->reviewed, &QAction::triggered, this, &MainWindow::toggleReviewed);
    connect(a->nextImage, &QAction::triggered, this, &MainWindow::nextImage);
    connect(a->previousImage, &QAction::triggered, this, &MainWindow::previousImage);
    connect(a->preferences, &QAction::triggered, this, &MainWindow::showPreferences);
    connect(a->analyse, &QAction::triggered, this, &MainWindow::analyseCurrent);
    connect(a->analyseAll, &QAction::triggered, this, &MainWindow::analyseAll);
    connect(a->cancel, &QAction::triggered, this, &MainWindow::cancelAnalysis);
    connect(a->evaluate, &QAction::triggered, this, &MainWindow::showEvaluation);
    connect(a->train, &QAction::triggered, this, &MainWindow::trainOnReviewed);
    connect(a->useHead, &QAction::triggered, engine_, &EngineLauncher::useHead);
    connect(a->shortcuts, &QAction::triggered, this, &MainWindow::showShortcuts);
    connect(a->about, &QAction::triggered, this, [this] {
        QMessageBox::about(this, tr("About HOI Studio"),
                           tr("<h3>HOI Studio %1</h3><p>Zero-shot human-object interaction detection and annotation.</p>"
                              "<p>Detector: NanoDet; interaction scores: CLIP with free-form prompts.</p>")
                               .arg(QStringLiteral(HOI_VERSION)));
    });
}

void MainWindow::showPreferences() {
    PreferencesDialog dlg(this);
    if (dlg.exec() != QDialog::Accepted) return;
    const bool reload = dlg.apply();
    readReviewPreferences();
    if (reload && opt_.useSettings) {
        // New models: analyses made with the old ones are re-done when their images are shown.
        banner_->hide();
        engine_->start();
    }
}

void MainWindow::buildUi() {
    const StudioActions* a = actions_;
    // ---- centre: banner, prompt bar, canvas ----
    auto* centre = new QWidget(this);
    auto* cl = new QVBoxLayout(centre);
    cl->setContentsMargins(0, 0, 0, 0);
    cl->setSpacing(0);
    banner_ = new Banner(centre);
    cl->addWidget(banner_);
    promptBar_ = new PromptBar(centre);
    promptBar_->setStyleSheet(QStringLiteral("#promptBar { background: palette(window); }"));
    cl->addWidget(promptBar_);
    canvas_ = new ImageCanvas(centre);
    cl->addWidget(canvas_, 1);
    setCentralWidget(centre);

    // ---- toolbar ----
    auto* tb = new MainToolBar(a, this);
    addToolBar(tb);
    classCombo_ = tb->classBox();
    heatSource_ = tb->heatmapSource();
    heatOpacity_ = tb->heatmapOpacity();
    tb->drive(canvas_);

    // ---- left: images ----
    auto* imagesDock = new QDockWidget(tr("Images"), this);
    imagesDock->setObjectName(QStringLiteral("imagesDock"));
    images_ = new ImagesPanel(ws_, a->analyseAll, imagesDock);
    imagesDock->setWidget(images_);
    addDockWidget(Qt::LeftDockWidgetArea, imagesDock);

    // ---- right: pairs ----
    auto* pairsDock = new QDockWidget(tr("Pairs"), this);
    pairsDock->setObjectName(QStringLiteral("pairsDock"));
    pairs_ = new PairsPanel(ws_, {a->accept, a->reject, a->remove, a->reviewed}, pairsDock);
    pairsDock->setWidget(pairs_);
    addDockWidget(Qt::RightDockWidgetArea, pairsDock);

    // ---- right: inspector ----
    inspectorDock_ = new InspectorDock(this);
    addDockWidget(Qt::RightDockWidgetArea, inspectorDock_);
    splitDockWidget(pairsDock, inspectorDock_, Qt::Vertical);
    resizeDocks({imagesDock, pairsDock}, {250, 380}, Qt::Horizontal);
    resizeDocks({pairsDock, inspectorDock_}, {330, 420}, Qt::Vertical);

    status_ = new StatusPanel(statusBar(), ws_, a->cancel);

    // ---- menus ----
    const auto menus = actions_->fillMenuBar(menuBar(), {imagesDock, pairsDock, inspectorDock_});
    menus_ = menus.all;
    recentMenu_ = menus.recent;
    connect(recentMenu_, &QMenu::aboutToShow, this, [this] {
        StudioActions::fillRecentMenu(recentMenu_, session_->recentPaths(), [this](const QString& p) { openPaths({p}); });
    });

    // ---- wiring ----
    connect(canvas_, &ImageCanvas::zoomChanged, status_, &StatusPanel::setZoom);
    connect(canvas_, &ImageCanvas::hoverChanged, status_, &StatusPanel::setHover);
    connect(heatSource_, qOverload<int>(&QComboBox::currentIndexChanged), this, [this](int i) {
        setHeatmapSource(i == 1 ? HeatmapSource::Relevance : HeatmapSource::Attention);
    });
    connect(canvas_, &ImageCanvas::pairActivated, this, [this](ItemId) { editVerb(); });
    connect(canvas_, &ImageCanvas::boxGeometryEdited, this, [this](ItemId id, const QRectF&, const QRectF& after) {
        editor_->setBox(id, after);
    });
    // The settings take the prompts before the analysis hears of them.
    settingsSync_ = new ProjectSettingsSync(ws_, promptBar_, thresholdSlider(), this);
    connect(promptBar_, &PromptBar::promptsChanged, this, [this] { analysis_->promptsChanged(view_->imageReady()); });
    connect(promptBar_, &PromptBar::historyChanged, this, [this](const QStringList& h) {
        if (opt_.useSettings) QSettings().setValue("prompts/history", h);
    });
}

void MainWindow::connectAnalysis() {
    analysis_->setAutoAnalyse(opt_.autoAnalyse);
    analysis_->setPromptSource([this] {
        AnalysisController::Prompts p;
        p.texts = promptBar_->prompts();
        p.parsed = promptBar_->parsed(p.texts);
        return p;
    });
    connect(analysis_, &AnalysisController::engineLoaded, this, [this](bool, const QString& desc) {
        status_->setEngineText(desc);
        updateActions();
    });
    connect(analysis_, &AnalysisController::progressChanged, status_, &StatusPanel::setProgress);
    connect(analysis_, &AnalysisController::jobStarted, this, &MainWindow::updateActions);
    connect(analysis_, &AnalysisController::jobEnded, this, [this] {
        if (!analysis_->busy()) status_->hideProgress();
        updateActions();
        images_->updateCounts();
        checkIdle();
    });
    connect(analysis_, &AnalysisController::message, this,
            [this](const QString& text, int ms) { statusBar()->showMessage(text, ms); });
    connect(analysis_, &AnalysisController::warning, this, [this](const QString& title, const QString& text) {
        // Tests with their own engine see the skipped images in the status bar, not in a box.
        if (!opt_.engineOverride || title == tr("Training Failed")) showError(title, text, true);
    });
    connect(engine_, &EngineLauncher::starting, status_, [this] { status_->setEngineText(tr("Loading models…")); });
    connect(engine_, &EngineLauncher::banner, banner_, &Banner::showMessage);
    connect(engine_, &EngineLauncher::bannerCleared, banner_, &QWidget::hide);
    connect(engine_, &EngineLauncher::headChanged, this, &MainWindow::updateActions);
}

// ---- settings ----------------------------------------------------------------------------------

ViewSettings MainWindow::viewSettings() {
    return ViewSettings({this, thresholdSlider(), heatOpacity_, actions_->heatmap, heatSource_,
                         promptBar_, classCombo_});
}

void MainWindow::readReviewPreferences() {
    const ViewSettings::Review review = ViewSettings::review(analysis_->keepScore());
    analysis_->setKeepScore(review.keepScore);
    navigator_->setAdvanceAfterReview(review.advance);
}

// ---- opening -----------------------------------------------------------------------------------

bool MainWindow::openPaths(const QStringList& paths) { return opener_->open(paths); }

bool MainWindow::start(const QStringList& inputs) {
    offerUntitledRecovery();
    return inputs.isEmpty() || openPaths(inputs);
}

bool MainWindow::offerUntitledRecovery() { return opener_->offerUntitledRecovery(); }

void MainWindow::connectOpener() {
    opener_->setHooks({[this] { return saver_->mayDiscard(); }, [this] { return promptBar_->chips(); }});
    connect(opener_, &ProjectOpener::error, this, &MainWindow::showError);
    connect(opener_, &ProjectOpener::message, statusBar(), &QStatusBar::showMessage);
    connect(opener_, &ProjectOpener::projectLoaded, this, &MainWindow::showProjectSettings);
    connect(opener_, &ProjectOpener::openEnded, this, [this] {
        images_->updateCounts();
        updateActions();
    });
}

void MainWindow::showProjectSettings(bool withSettings) {
    if (withSettings) settingsSync_->showSettings();
    engine_->followProjectHead(); // the project's trained head (or none) before its first image is analysed
    updateTitle();
}

// ---- errors and saving (ProjectSaver) ----------------------------------------------------------

void MainWindow::showError(const QString& title, const QString& text, bool warning) {
    if (!opt_.interactive) {
        std::fprintf(stderr, "hoi-studio: %s: %s\n", qPrintable(title), qPrintable(text));
        return;
    }
    if (warning) QMessageBox::warning(this, title, text);
    else QMessageBox::critical(this, title, text);
}

void MainWindow::connectSaver() {
    ProjectSaver::Hooks hooks{nullptr, [this] { return dialogs_.saveProject(); }};
    if (opt_.askOnClose)
        hooks.askToSave = [this] {
            const auto answer = QMessageBox::warning(this, tr("Unsaved Changes"),
                                                     tr("The annotations have been modified.\nSave your changes?"),
                                                     QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel);
            return answer == QMessageBox::Save      ? ProjectSaver::Answer::Save
                   : answer == QMessageBox::Discard ? ProjectSaver::Answer::Discard
                                                    : ProjectSaver::Answer::Cancel;
        };
    saver_->setHooks(hooks);
    connect(saver_, &ProjectSaver::error, this, &MainWindow::showError);
    connect(saver_, &ProjectSaver::message, statusBar(), &QStatusBar::showMessage);
    connect(saver_, &ProjectSaver::saved, this, &MainWindow::updateTitle);
}

bool MainWindow::saveProject(const QString& path) { return saver_->saveTo(path); }
bool MainWindow::save() { return saver_->save(); }

void MainWindow::autosaveNow() {
    QString error;
    if (!session_->autosaveNow(&error)) statusBar()->showMessage(tr("Autosave failed: %1").arg(error), 8000);
}

void MainWindow::closeEvent(QCloseEvent* e) {
    if (!saver_->mayDiscard()) {
        e->ignore();
        return;
    }
    if (opt_.useSettings) viewSettings().write(analysis_->keepScore());
    inference_->worker()->cancel();
    e->accept();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* e) {
    if (e->mimeData()->hasUrls()) e->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* e) {
    QStringList paths;
    for (const QUrl& u : e->mimeData()->urls())
        if (u.isLocalFile()) paths << u.toLocalFile();
    if (!paths.isEmpty()) {
        e->acceptProposedAction();
        openPaths(paths);
    }
}

void MainWindow::exportAnnotations() {
    if (ws_->document().empty()) return;
    try {
        const QString done = ExportDialog::run(ws_->toProject(), ws_->projectPath(), ws_->imageDir(), opt_.useSettings, this);
        if (!done.isEmpty()) statusBar()->showMessage(done, 10000);
    } catch (const std::exception& e) {
        showError(tr("Export"), errorMessage(e));
    }
}

// ---- the views' parts (the public API forwards to the panels) ----------------------------------

QTableView* MainWindow::pairTable() const { return pairs_->table(); }
PairFilterProxy* MainWindow::pairProxy() const { return pairs_->proxy(); }
PairTableModel* MainWindow::pairModel() const { return pairs_->model(); }
QSlider* MainWindow::thresholdSlider() const { return pairs_->thresholdSlider(); }
QListView* MainWindow::imageList() const { return images_->list(); }
QWidget* MainWindow::inspectorWidget() const { return inspectorDock_->content(); }
AgreementIndicator* MainWindow::agreementIndicator() const { return status_->agreement(); }

// ---- current image -----------------------------------------------------------------------------

void MainWindow::setCurrentImage(Id image) { selection_->setCurrentImage(image); }
void MainWindow::nextImage() { navigator_->nextImage(); }
void MainWindow::previousImage() { navigator_->previousImage(); }

// ---- analysis ----------------------------------------------------------------------------------
void MainWindow::analyseCurrent() { analysis_->analyseCurrent(); }
void MainWindow::analyseAll() {
    promptBar_->flush();
    if (!analysis_->analyseAll())
        statusBar()->showMessage(tr("Every image is analysed with the current prompts."), 5000);
}
void MainWindow::cancelAnalysis() { analysis_->cancel(); }
bool MainWindow::isIdle() const { return !analysis_->busy() && !view_->loading(); }

void MainWindow::whenIdle(std::function<void()> fn) {
    if (isIdle()) fn();
    else idleCallbacks_ << std::move(fn);
}

void MainWindow::checkIdle() {
    if (!isIdle()) return;
    Q_EMIT idle();
    const auto callbacks = std::move(idleCallbacks_);
    idleCallbacks_.clear();
    for (const auto& fn : callbacks) fn();
}

// ---- document changes --------------------------------------------------------------------------

void MainWindow::onDocumentChanged(const annotation::Change& c) {
    if (ws_->applying()) {
        session_->scheduleAutosave();
        return; // one refresh on analysisApplied
    }
    view_->documentChanged(c);
    images_->updateCounts();
    updateActions();
    session_->scheduleAutosave();
}

// ---- the selection and its views (SelectionView) -----------------------------------------------

void MainWindow::selectInteraction(Id interaction) { view_->select(interaction); }
bool MainWindow::selectBestPair() { return navigator_->selectBestPair(); }

void MainWindow::setPrompts(const QStringList& prompts) {
    promptBar_->setChips(prompts);
    promptBar_->flush();
}

void MainWindow::setHeatmapSource(HeatmapSource s) {
    const int idx = s == HeatmapSource::Relevance ? 1 : 0;
    if (heatSource_->currentIndex() != idx) heatSource_->setCurrentIndex(idx);
    view_->setHeatmapSource(s);
}

const InspectorData& MainWindow::inspectorData() const { return view_->inspectorData(); }

// ---- review, navigation and edits (ReviewNavigator, EditingController) -------------------------

void MainWindow::acceptSelected() { navigator_->reviewSelected(State::Accepted); }
void MainWindow::rejectSelected() { navigator_->reviewSelected(State::Rejected); }
void MainWindow::nextPair() { navigator_->stepPair(+1); }
void MainWindow::previousPair() { navigator_->stepPair(-1); }

void MainWindow::editVerb() { editing_->editVerb(); }
void MainWindow::deleteSelected() { editing_->deleteSelected(); }
void MainWindow::toggleReviewed() { editing_->toggleReviewed(); }

void MainWindow::trainOnReviewed() { training_->train(); }

// ---- chrome ------------------------------------------------------------------------------------

QString MainWindow::bannerText() const { return banner_->text(); }
bool MainWindow::bannerVisible() const { return banner_->isVisible() || (!banner_->isHidden()); }

void MainWindow::updateTitle() {
    QString name = ws_->projectPath().isEmpty() ? (ws_->imageDir().isEmpty() ? tr("Untitled") : QFileInfo(ws_->imageDir()).fileName())
                                                : QFileInfo(ws_->projectPath()).fileName();
    setWindowTitle(QStringLiteral("%1[*] — HOI Studio").arg(name));
    setWindowModified(ws_->isModified());
}

void MainWindow::updateActions() {
    const auto* img = ws_->document().image(currentImage());
    StudioActions::Availability can;
    can.document = !ws_->document().empty();
    can.pair = selectedInteraction() && ws_->document().interaction(selectedInteraction());
    can.box = canvas_ && canvas_->selectedBox();
    can.selectedRows = pairs_ && pairTable()->selectionModel()->hasSelection();
    can.rows = pairs_ && pairProxy()->rowCount() > 0;
    can.image = img != nullptr;
    can.reviewed = img && img->reviewed;
    can.engineReady = analysis_->engineReady();
    can.busy = analysis_->busy();
    actions_->update(can);
    canvas_->setEditable(img != nullptr);
    actions_->useHead->setEnabled(engine_->headAvailable());
    actions_->useHead->setChecked(engine_->usesHead());
}

void MainWindow::showEvaluation() {
    if (!evalDialog_) {
        evalDialog_ = new EvaluationDialog([this] { return ws_->document(); }, this);
        connect(evalDialog_, &EvaluationDialog::openImageRequested, this, [this](const QString& name) {
            if (const annotation::Image* img = EvaluationDialog::imageNamed(ws_->document(), name)) setCurrentImage(img->id);
            else statusBar()->showMessage(tr("%1 is not an image of this project").arg(name), 5000);
        });
    }
    evalDialog_->show();
    evalDialog_->raise();
    evalDialog_->activateWindow();
}

void MainWindow::showShortcuts() {
    ShortcutsDialog dlg(menus_, this);
    dlg.exec();
}

} // namespace hoi::ui
