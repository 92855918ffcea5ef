#include "main_window.h"
#include "agreement_indicator.h"
#include "banner.h"
#include "image_loader.h"
#include "images_panel.h"
#include "main_tool_bar.h"
#include "pairs_panel.h"
#include "status_panel.h"
#include "studio_actions.h"
#include "training_dialog.h"
#include "plural.h"

#include "clip/model_path.h"

#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QInputDialog>
#include <QItemSelectionModel>
#include <QLabel>
#include <QListView>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QOffscreenSurface>
#include <QOpenGLContext>
#include <QSettings>
#include <QSlider>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTableView>
#include <QUndoStack>
#include <QVBoxLayout>
#include <cstdio>
#include <cstdlib>

#include "annotation/formats.h"
#include "annotation/hico_vocabulary.h"
#include "canvas_items.h"
#include "edit_commands.h"
#include "evaluation_dialog.h"
#include "export_dialog.h"
#include "heatmap.h"
#include "icons.h"
#include "image_list_model.h"
#include "io/error.h"
#include "io/image.h"
#include "pair_table_model.h"
#include "preferences_dialog.h"
#include "prompt_bar.h"
#include "shortcuts_dialog.h"
#ifdef HOI_WITH_INSPECTOR
#include "inspector/inspector_widget.h"
#endif


namespace hoi::ui {

using annotation::State;

namespace {

// Whether an OpenGL context can be made on this display (not on the offscreen / minimal platforms
// or a server without GL); the inspector's QOpenGLWidget is only created when it can.
bool openGLAvailable() {
    static const bool available = [] {
        if (qEnvironmentVariableIsSet("HOI_NO_INSPECTOR")) return false;
        const QString platform = QGuiApplication::platformName();
        if (platform == QLatin1String("offscreen") || platform == QLatin1String("minimal")) return false;
        QOpenGLContext ctx;
        if (!ctx.create()) return false;
        QOffscreenSurface surface;
        surface.setFormat(ctx.format());
        surface.create();
        return surface.isValid() && ctx.makeCurrent(&surface);
    }();
    return available;
}

} // namespace

MainWindow::MainWindow(QWidget* parent) : MainWindow(Options{}, parent) {}

MainWindow::MainWindow(const Options& options, QWidget* parent)
    : QMainWindow(parent), opt_(options), ws_(new Workspace(this)),
      session_(new ProjectSession(ws_, {options.useSettings, options.autosaveMs, options.recovery}, this)),
      selection_(new SelectionModel(ws_, this)), inference_(new InferenceThread(this)),
      analysis_(new AnalysisController(ws_, selection_, inference_->worker(), this)), presenter_(ws_, analysis_),
      editor_(new AnnotationEditor(ws_, analysis_, this)) {
    setObjectName(QStringLiteral("mainWindow"));
    setWindowIcon(icon("app"));
    setAcceptDrops(true);
    setDockNestingEnabled(true);
    actions_ = new StudioActions(ws_->undoStack(), this);
    loader_ = new ImageLoader(this);
    connect(loader_, &ImageLoader::loaded, this, &MainWindow::onImageLoaded);
    buildUi();
    connectActions();
    connectAnalysis();
    session_->setAsk([this](const QString& title, const QString& text) {
        return QMessageBox::question(this, title, text, QMessageBox::Yes | QMessageBox::No, QMessageBox::Yes) ==
               QMessageBox::Yes;
    });
    session_->setSnapshot([this](const QString& path) { return projectToWrite(path); });
    connect(session_, &ProjectSession::autosaveFailed, this,
            [this](const QString& m) { statusBar()->showMessage(tr("Autosave failed: %1").arg(m), 8000); });
    connect(ws_, &Workspace::changed, this, &MainWindow::onDocumentChanged);
    connect(ws_, &Workspace::modifiedChanged, this, [this] { updateTitle(); });
    countsTimer_.setSingleShot(true);
    countsTimer_.setInterval(150);
    connect(&countsTimer_, &QTimer::timeout, images_, &ImagesPanel::updateCounts);
    connect(ws_, &Workspace::analysisApplied, this, [this](Id image) {
        if (!countsTimer_.isActive()) countsTimer_.start(); // a batch refreshes the counts a few times a second
        if (image == currentImage()) {
            refreshCanvas();
            refreshHeatmap();
            refreshInspector();
        }
    });
    connect(ws_->undoStack(), &QUndoStack::indexChanged, this, [this] { updateActions(); });
    connect(selection_, &SelectionModel::currentImageChanged, this, &MainWindow::showImage);
    connect(selection_, &SelectionModel::interactionChanged, this, [this] { showSelection(); });
    if (opt_.useSettings) readSettings();
    updateTitle();
    updateActions();
    images_->updateCounts();
    if (opt_.loadModels) startEngine();
}

MainWindow::~MainWindow() {
    // Jobs may still deliver signals while the thread stops: disconnect first.
    inference_->worker()->disconnect(this);
    analysis_->disconnect(this);
    // The workspace is destroyed first (the first child): nothing may hear its undo stack or its
    // document signals while it goes (the controller, the models, the indicator would read it).
    ws_->undoStack()->disconnect();
    ws_->disconnect();
}

// ---- construction ------------------------------------------------------------------------------

void MainWindow::connectActions() {
    const StudioActions* a = actions_;
    connect(a->open, &QAction::triggered, this, &MainWindow::openWithDialog);
    connect(a->openFolder, &QAction::triggered, this, &MainWindow::openFolderWithDialog);
    connect(a->importAnnotations, &QAction::triggered, this, &MainWindow::importWithDialog);
    connect(a->save, &QAction::triggered, this, &MainWindow::save);
    connect(a->saveAs, &QAction::triggered, this, &MainWindow::saveAsWithDialog);
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
    connect(a->useHead, &QAction::triggered, this, [this](bool on) {
        session_->setProjectHead(on ? headPath() : QString());
        applyProjectHead();
    });
    connect(a->shortcuts, &QAction::triggered, this, &MainWindow::showShortcuts);
    connect(a->about, &QAction::triggered, this, [this] {
        QMessageBox::about(this, tr("About HOI Studio"),
                           tr("<h3>HOI Studio %1</h3><p>Zero-shot human-object interaction detection and annotation.</p>"
                              "<p>Detector: NanoDet; interaction scores: CLIP with free-form prompts.</p>")
                               .arg(QStringLiteral(HOI_VERSION)));
    });
    connect(a->zoomIn, &QAction::triggered, canvas_, &ImageCanvas::zoomIn);
    connect(a->zoomOut, &QAction::triggered, canvas_, &ImageCanvas::zoomOut);
    connect(a->zoomFit, &QAction::triggered, canvas_, &ImageCanvas::zoomToFit);
    connect(a->zoomActual, &QAction::triggered, canvas_, &ImageCanvas::zoomActualSize);
    connect(a->heatmap, &QAction::toggled, canvas_, &ImageCanvas::setHeatmapVisible);
    connect(a->selectTool, &QAction::triggered, this, [this] { canvas_->setTool(ImageCanvas::Tool::Select); });
    connect(a->boxTool, &QAction::triggered, this, [this] { canvas_->setTool(ImageCanvas::Tool::DrawBox); });
    connect(a->linkTool, &QAction::triggered, this, [this] { canvas_->setTool(ImageCanvas::Tool::Link); });
}

void MainWindow::showPreferences() {
    PreferencesDialog dlg(this);
    if (dlg.exec() != QDialog::Accepted) return;
    const bool reload = dlg.apply();
    analysis_->setKeepScore(QSettings().value("thresholds/keep", analysis_->keepScore()).toDouble());
    advanceAfterReview_ = QSettings().value("review/advance", true).toBool();
    if (reload && opt_.useSettings) {
        // New models: analyses made with the old ones are re-done when their images are shown.
        banner_->hide();
        startEngine();
    }
}

void MainWindow::openWithDialog() {
    QSettings s;
    QString patterns;
    for (const auto& e : io::image_extensions()) patterns += QStringLiteral("*.%1 ").arg(QString::fromStdString(e));
    const QStringList files = QFileDialog::getOpenFileNames(
        this, tr("Open"), s.value("paths/last_folder").toString(),
        tr("Images, projects and annotations (%1*.hoiproj *.json *.csv);;All files (*)").arg(patterns));
    if (!files.isEmpty()) openPaths(files);
}

void MainWindow::openFolderWithDialog() {
    QSettings s;
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Open Image Folder"), s.value("paths/last_folder").toString());
    if (!dir.isEmpty()) openPaths({dir});
}

void MainWindow::importWithDialog() {
    QSettings s;
    const QString file = QFileDialog::getOpenFileName(this, tr("Import Annotations"), s.value("paths/last_folder").toString(),
                                                      tr("Annotations (*.json *.csv);;All files (*)"));
    if (file.isEmpty()) return;
    // Check the file first: asking for its image folder is pointless when it cannot be read.
    QStringList asProject;
    QString error;
    if (!session_->readAnnotations(file, &asProject, &error) && asProject.isEmpty()) {
        showError(tr("Import Annotations"), error);
        return;
    }
    if (!asProject.isEmpty()) {
        openPaths(asProject);
        return;
    }
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Image Folder of %1").arg(QFileInfo(file).fileName()),
                                                          QFileInfo(file).absolutePath());
    if (!dir.isEmpty()) openPaths({file, dir});
}

void MainWindow::saveAsWithDialog() {
    const QString p = QFileDialog::getSaveFileName(this, tr("Save Project"), ws_->projectPath().isEmpty() ? ws_->imageDir() + "/annotations.hoiproj" : ws_->projectPath(),
                                                   tr("HOI Studio project (*.hoiproj)"));
    if (!p.isEmpty()) saveProject(p.endsWith(QLatin1String(".hoiproj")) ? p : p + ".hoiproj");
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
    canvas_->setHeatmapOpacity(0.65);

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
    inspectorDock_ = new QDockWidget(tr("Inspector"), this);
    inspectorDock_->setObjectName(QStringLiteral("inspectorDock"));
#ifdef HOI_WITH_INSPECTOR
    if (openGLAvailable()) {
        auto* insp = new InspectorWidget(inspectorDock_);
        inspector_ = insp;
        connect(insp, &InspectorWidget::attentionTileClicked, this, [this](int layer, int head) {
            tile_ = {layer, head};
            refreshHeatmap();
        });
        connect(insp, &InspectorWidget::exampleClicked, this, &MainWindow::selectInteraction);
    } else {
        auto* label = new QLabel(tr("The inspector needs OpenGL 3, which this display does not offer."), inspectorDock_);
        label->setAlignment(Qt::AlignCenter);
        label->setWordWrap(true);
        inspector_ = label;
    }
#else
    auto* label = new QLabel(tr("The inspector was not built (HOI_WITH_INSPECTOR=OFF)."), inspectorDock_);
    label->setAlignment(Qt::AlignCenter);
    label->setWordWrap(true);
    inspector_ = label;
#endif
    inspectorDock_->setWidget(inspector_);
    addDockWidget(Qt::RightDockWidgetArea, inspectorDock_);
    splitDockWidget(pairsDock, inspectorDock_, Qt::Vertical);
    resizeDocks({imagesDock, pairsDock}, {250, 380}, Qt::Horizontal);
    resizeDocks({pairsDock, inspectorDock_}, {330, 420}, Qt::Vertical);

    status_ = new StatusPanel(statusBar(), ws_, a->cancel);

    // ---- menus ----
    const auto menus = actions_->fillMenuBar(menuBar(), {imagesDock, pairsDock, inspectorDock_});
    menus_ = menus.all;
    recentMenu_ = menus.recent;
    connect(recentMenu_, &QMenu::aboutToShow, this, &MainWindow::fillRecentMenu);

    // ---- wiring ----
    connect(images_, &ImagesPanel::imageChosen, this, &MainWindow::setCurrentImage);
    connect(canvas_, &ImageCanvas::zoomChanged, status_, &StatusPanel::setZoom);
    connect(canvas_, &ImageCanvas::hoverChanged, status_, &StatusPanel::setHover);
    connect(heatOpacity_, &QSlider::valueChanged, this, [this](int v) { canvas_->setHeatmapOpacity(v / 100.0); });
    connect(heatSource_, qOverload<int>(&QComboBox::currentIndexChanged), this, [this](int i) {
        setHeatmapSource(i == 1 ? HeatmapSource::Relevance : HeatmapSource::Attention);
    });
    connect(canvas_, &ImageCanvas::toolChanged, this, [a](ImageCanvas::Tool t) {
        (t == ImageCanvas::Tool::Select ? a->selectTool : t == ImageCanvas::Tool::DrawBox ? a->boxTool : a->linkTool)->setChecked(true);
    });
    connect(canvas_, &ImageCanvas::pairSelected, this, [this](ItemId id) {
        if (!syncing_) selection_->selectInteraction(id);
    });
    connect(canvas_, &ImageCanvas::boxSelected, this, [this](ItemId id) {
        if (id && !syncing_) selection_->selectInteraction(0);
        updateActions();
    });
    connect(canvas_, &ImageCanvas::pairActivated, this, [this](ItemId) { editVerb(); });
    connect(canvas_, &ImageCanvas::boxGeometryEdited, this, [this](ItemId id, const QRectF&, const QRectF& after) {
        editor_->setBox(id, after);
    });
    connect(canvas_, &ImageCanvas::boxDrawn, this, &MainWindow::addBox);
    connect(canvas_, &ImageCanvas::pairLinked, this, &MainWindow::linkPair);
    connect(pairTable()->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex& i) {
        if (!syncing_) selection_->selectInteraction(i.isValid() ? pairProxy()->data(i, PairTableModel::IdRole).toLongLong() : 0);
    });
    connect(pairTable()->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] { updateActions(); });
    connect(pairModel(), &PairTableModel::verbEdited, this, [this](Id id, const QString& verb) { setVerb({id}, verb); });
    connect(pairs_, &PairsPanel::filterChanged, this, &MainWindow::refreshCanvas);
    connect(pairProxy(), &QAbstractItemModel::layoutChanged, this, [this] { syncTableSelection(); });
    connect(pairProxy(), &QAbstractItemModel::modelReset, this, [this] { syncTableSelection(); });
    connect(promptBar_, &PromptBar::promptsChanged, this, &MainWindow::onPromptsChanged);
    connect(promptBar_, &PromptBar::historyChanged, this, [this](const QStringList& h) {
        if (opt_.useSettings) QSettings().setValue("prompts/history", h);
    });
}

void MainWindow::fillRecentMenu() {
    recentMenu_->clear();
    const QStringList list = session_->recentPaths();
    for (const QString& p : list) {
        QAction* a = recentMenu_->addAction(QFileInfo(p).fileName().isEmpty() ? p : QFileInfo(p).fileName());
        a->setToolTip(p);
        a->setStatusTip(p);
        a->setEnabled(QFileInfo::exists(p));
        connect(a, &QAction::triggered, this, [this, p] { openPaths({p}); });
    }
    if (list.isEmpty()) recentMenu_->addAction(tr("No recent files"))->setEnabled(false);
}

void MainWindow::connectAnalysis() {
    analysis_->setAutoAnalyse(opt_.autoAnalyse);
    analysis_->setPromptSource([this] {
        AnalysisController::Prompts p;
        p.texts = promptBar_->prompts();
        p.parsed = promptBar_->parsed(p.texts);
        return p;
    });
    connect(analysis_, &AnalysisController::engineLoaded, this, [this](bool hasClip, const QString& desc) {
        status_->setEngineText(desc);
        const QString until = tr("Until then HOI Studio detects people and objects and you can annotate pairs by hand.");
        if (!hasClip && analysis_->engineFailed()) // keep the reason CLIP failed, which the banner shows
            showBanner(bannerText() + QStringLiteral("<br>") + until, true);
        else if (!hasClip)
            showBanner(tr("Open-vocabulary scoring needs the CLIP model — run <code>hoi models fetch clip-vit-b32</code>. ") + until,
                       true);
        else if (!analysis_->engineFailed())
            banner_->hide();
        updateActions();
    });
    connect(analysis_, &AnalysisController::engineLoadFailed, this,
            [this](const QString& message) { showBanner(message.toHtmlEscaped(), true); });
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
    connect(analysis_, &AnalysisController::analysisMerged, this, [this](Id image) {
        if (image != currentImage()) return;
        // The views follow the merge: the pair is shown again (none, when the merge removed it),
        // which refreshes the heatmap and the inspector once.
        selectInteraction(selectedInteraction());
    });
    connect(analysis_, &AnalysisController::relevanceArrived, this, [this](Id image) {
        if (image == currentImage()) refreshHeatmap();
    });
    connect(analysis_, &AnalysisController::inspectionArrived, this, [this](Id image) {
        if (image != currentImage()) return;
        refreshInspector();
        if (tile_ != AnalysisPresenter::kNoTile) refreshHeatmap();
    });
    connect(analysis_, &AnalysisController::headTrained, this, [this](const QString& path) {
        // The project remembers the head (a change of the project) and scores with it from now on.
        session_->setProjectHead(path);
        applyProjectHead();
    });
    connect(analysis_, &AnalysisController::contributionsArrived, this, [this](Id image) {
        if (image == currentImage()) refreshInspector();
    });
    connect(analysis_, &AnalysisController::madePairScored, this, [this](Id relation) {
        if (relation == selectedInteraction()) refreshInspector();
    });
}

void MainWindow::startEngine() {
    model::EngineOptions eo = opt_.engine;
    if (!opt_.engineOverride) {
        QSettings s;
        const std::string guiClip = opt_.useSettings ? s.value("models/clip").toString().toStdString() : std::string();
        try {
            eo.clip_path = clip::resolve_clip_path(opt_.clipPath.toStdString(), guiClip);
        } catch (const std::exception&) {
            eo.clip_path.clear();
        }
        if (opt_.useSettings) {
            eo.detector = s.value("models/detector", QString::fromStdString(eo.detector)).toString().toStdString();
            eo.human_threshold = s.value("thresholds/human", eo.human_threshold).toFloat();
            eo.object_threshold = s.value("thresholds/object", eo.object_threshold).toFloat();
            const QStringList templ = s.value("prompts/templates").toStringList();
            for (const QString& t : templ) eo.templates.push_back(t.toStdString());
        }
        // As in `hoi run`: per-layer attentions are computed when the inspector asks for a pair
        // (Engine::inspect), not kept for every image of a batch.
        eo.keep_layer_attention = false;
    }
    eo.weights_path = engineHead().toStdString();
    const QString wanted = session_->projectHead();
    if (!wanted.isEmpty() && eo.weights_path.empty())
        showBanner(tr("The project's trained head %1 is missing: scoring with the untrained one.")
                       .arg(QFileInfo(wanted).fileName().toHtmlEscaped()),
                   true);
    status_->setEngineText(tr("Loading models…"));
    engineStarted_ = true;
    analysis_->startEngine(eo);
}

QString MainWindow::engineHead() const {
    const QString head = session_->projectHead();
    return !head.isEmpty() && QFileInfo(head).isFile() ? head : QString();
}

void MainWindow::applyProjectHead() {
    if (engineStarted_ && engineHead().toStdString() != analysis_->engineOptions().weights_path) startEngine();
    updateActions();
}

// ---- settings ----------------------------------------------------------------------------------

void MainWindow::readSettings() {
    QSettings s;
    restoreGeometry(s.value("window/geometry").toByteArray());
    restoreState(s.value("window/state").toByteArray());
    thresholdSlider()->setValue(s.value("thresholds/score", thresholdSlider()->value()).toInt());
    analysis_->setKeepScore(s.value("thresholds/keep", analysis_->keepScore()).toDouble());
    advanceAfterReview_ = s.value("review/advance", true).toBool();
    heatOpacity_->setValue(s.value("heatmap/opacity", heatOpacity_->value()).toInt());
    actions_->heatmap->setChecked(s.value("heatmap/visible", true).toBool());
    heatSource_->setCurrentIndex(s.value("heatmap/source", 0).toInt());
    promptBar_->setHistory(s.value("prompts/history").toStringList());
    const QStringList chips = s.value("prompts/chips").toStringList();
    if (!chips.isEmpty()) promptBar_->setChips(chips);
    classCombo_->setCurrentText(s.value("tools/class", QStringLiteral("person")).toString());
}

void MainWindow::writeSettings() {
    QSettings s;
    s.setValue("window/geometry", saveGeometry());
    s.setValue("window/state", saveState());
    s.setValue("thresholds/score", thresholdSlider()->value());
    s.setValue("thresholds/keep", analysis_->keepScore());
    s.setValue("heatmap/opacity", heatOpacity_->value());
    s.setValue("heatmap/visible", actions_->heatmap->isChecked());
    s.setValue("heatmap/source", heatSource_->currentIndex());
    s.setValue("prompts/chips", promptBar_->chips());
    s.setValue("prompts/history", promptBar_->history());
    s.setValue("tools/class", classCombo_->currentText());
}

// ---- opening -----------------------------------------------------------------------------------

bool MainWindow::openPaths(const QStringList& paths) {
    auto [images, annotations, dirs, projects, problems] = ProjectSession::classifyPaths(paths);
    bool opened = false;
    // An annotation file is read and checked before anything of the open work is given up.
    std::optional<annotation::Project> imported;
    if (projects.isEmpty() && !annotations.isEmpty()) {
        QString error;
        imported = session_->readAnnotations(annotations.first(), &projects, &error);
        if (!imported && !error.isEmpty()) showError(tr("Import Annotations"), error);
        if (!imported && projects.isEmpty()) return false;
    }
    if (!projects.isEmpty() || imported) {
        if (!maybeSave()) return false;
    }
    if (!projects.isEmpty()) {
        opened = openProjectFile(projects.first());
    } else if (imported) {
        // The image folder: a folder given with it, else the file's folder (or its images/ subfolder).
        QString imageDir = dirs.isEmpty() ? QString() : dirs.takeFirst();
        if (imageDir.isEmpty()) imageDir = ProjectSession::imageDirBeside(annotations.first());
        opened = importAnnotations(std::move(*imported), annotations.first(), imageDir);
    }
    // Images and folders are added to the workspace.
    for (const QString& d : dirs) {
        const QStringList found = ProjectSession::imagesIn(d);
        if (found.isEmpty()) problems << tr("No images in %1").arg(d);
        images << found;
        if (opt_.useSettings) QSettings().setValue("paths/last_folder", d);
    }
    if (!images.isEmpty()) {
        // Images opened into an empty, untitled workspace are no work to lose yet; images added to
        // a project change it.
        const bool fresh = ws_->document().empty() && ws_->projectPath().isEmpty() && !ws_->isModified();
        const QList<Id> added = ws_->addImages(images, &problems);
        if (fresh) ws_->setModified(false);
        // Prompts kept from before (the last session, another folder) are said, not used silently.
        if (fresh && !added.isEmpty() && !promptBar_->chips().isEmpty()) {
            // Short enough for the status bar beside the progress (the chips show them all).
            const QStringList chips = promptBar_->chips();
            QString list = QStringList(chips.mid(0, 2)).join(QStringLiteral(", "));
            if (chips.size() > 2) list += tr(" and %1 more").arg(chips.size() - 2);
            statusBar()->showMessage(tr("Prompts kept from before: %1 (Clear to drop them)").arg(list), 15000);
        }
        if (!added.isEmpty()) {
            opened = true;
            if (opt_.useSettings) QSettings().setValue("paths/last_folder", QFileInfo(images.first()).absolutePath());
            if (!currentImage() || !ws_->document().image(currentImage())) setCurrentImage(added.first());
        } else if (!ws_->document().images().empty()) {
            opened = true; // already open
        }
    }
    if (!problems.isEmpty()) {
        showError(tr("Open"), problems.join(QLatin1Char('\n')), true);
    }
    if (opened) {
        if (!projects.isEmpty()) session_->addRecent(projects.first());
        else if (!annotations.isEmpty()) session_->addRecent(annotations.first());
        else if (!ws_->imageDir().isEmpty()) session_->addRecent(ws_->imageDir());
    }
    images_->updateCounts();
    updateActions();
    return opened;
}

bool MainWindow::start(const QStringList& inputs) {
    offerUntitledRecovery();
    return inputs.isEmpty() || openPaths(inputs);
}

bool MainWindow::openProjectFile(const QString& path) {
    QString error;
    auto opened = session_->readProject(path, &error);
    if (!opened) {
        showError(tr("Open Project"), error);
        return false;
    }
    adoptProject(std::move(opened->project), path, {}, opened->restored);
    if (opt_.useSettings) QSettings().setValue("paths/last_folder", QFileInfo(path).absolutePath());
    if (opened->restored)
        statusBar()->showMessage(tr("Restored unsaved changes of %1").arg(QFileInfo(path).fileName()), 8000);
    return true;
}

void MainWindow::adoptProject(annotation::Project project, const QString& path, const QString& baseDir, bool restored) {
    selection_->clear();
    analysis_->forgetImages();
    ws_->loadProject(std::move(project), path, baseDir);
    if (restored) ws_->setModified(true);
    if (!ws_->settings().prompts.empty()) {
        QStringList p;
        for (const auto& s : ws_->settings().prompts) p << QString::fromStdString(s);
        // 600 prompts = the HICO preset.
        if (p.size() == PromptBar::hicoPrompts().size()) p = QStringList{QLatin1String(PromptBar::kHicoPreset)};
        promptBar_->setChips(p);
    }
    // The project's score filter comes back with it (saving writes what the slider shows).
    if (auto it = ws_->settings().thresholds.find("pair"); it != ws_->settings().thresholds.end())
        thresholdSlider()->setValue(int(std::lround(it->second * 100)));
    applyProjectHead(); // the project's trained head (or none) before its first image is analysed
    if (!ws_->document().images().empty()) setCurrentImage(ws_->document().images().front().id);
    updateTitle();
}

bool MainWindow::importAnnotations(annotation::Project project, const QString& path, const QString& imageDir) {
    selection_->clear();
    analysis_->forgetImages();
    project.settings.image_dir = imageDir.toStdString();
    ws_->loadProject(std::move(project), QString(), imageDir);
    ws_->setModified(true);
    applyProjectHead();
    if (!ws_->document().images().empty()) setCurrentImage(ws_->document().images().front().id);
    statusBar()->showMessage(tr("Imported %1 (%2 images)").arg(QFileInfo(path).fileName()).arg(ws_->document().images().size()), 8000);
    return true;
}

// ---- saving ------------------------------------------------------------------------------------

void MainWindow::showError(const QString& title, const QString& text, bool warning) {
    if (!opt_.interactive) {
        std::fprintf(stderr, "hoi-studio: %s: %s\n", qPrintable(title), qPrintable(text));
        return;
    }
    if (warning) QMessageBox::warning(this, title, text);
    else QMessageBox::critical(this, title, text);
}

void MainWindow::setSettingsPrompts(const QStringList& prompts) {
    ws_->settings().prompts.clear();
    for (const QString& p : prompts) ws_->settings().prompts.push_back(p.toStdString());
}

annotation::Project MainWindow::projectToWrite(const QString& path) {
    // What the window shows that the project keeps: the prompts and the score filter (a saved file
    // and a recovery file alike, so a restored session has the prompts it was analysed with).
    syncing_ = true;
    setSettingsPrompts(promptBar_->prompts());
    ws_->settings().thresholds["pair"] = thresholdSlider()->value() / 100.0;
    syncing_ = false;
    return ws_->toProject(path);
}

bool MainWindow::saveProject(const QString& path) {
    QString error;
    if (!session_->save(path, &error)) {
        showError(tr("Save Project"), error);
        return false;
    }
    statusBar()->showMessage(tr("Saved %1").arg(QFileInfo(path).fileName()), 5000);
    updateTitle();
    return true;
}

bool MainWindow::save() {
    if (ws_->projectPath().isEmpty()) {
        const QString suggestion = ws_->imageDir().isEmpty() ? QDir::homePath() + "/annotations.hoiproj"
                                                             : QDir(ws_->imageDir()).filePath("annotations.hoiproj");
        QString p = QFileDialog::getSaveFileName(this, tr("Save Project"), suggestion, tr("HOI Studio project (*.hoiproj)"));
        if (p.isEmpty()) return false;
        if (!p.endsWith(QLatin1String(".hoiproj"))) p += QLatin1String(".hoiproj");
        return saveProject(p);
    }
    return saveProject(ws_->projectPath());
}

void MainWindow::autosaveNow() {
    QString error;
    if (!session_->autosaveNow(&error)) statusBar()->showMessage(tr("Autosave failed: %1").arg(error), 8000);
}

bool MainWindow::offerUntitledRecovery() {
    QString error;
    auto project = session_->takeUntitledRecovery(&error);
    if (!project) {
        if (!error.isEmpty()) showError(tr("Recover Unsaved Work"), error, true);
        return false;
    }
    adoptProject(std::move(*project), QString(), QFileInfo(session_->untitledProjectPath()).absolutePath(), true);
    return true;
}

bool MainWindow::maybeSave() {
    if (!ws_->isModified() || ws_->document().empty() || !opt_.askOnClose) return true;
    const auto answer = QMessageBox::warning(this, tr("Unsaved Changes"),
                                             tr("The annotations have been modified.\nSave your changes?"),
                                             QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel);
    if (answer == QMessageBox::Save) return save();
    if (answer == QMessageBox::Discard) {
        session_->discardRecovery();
        return true;
    }
    return false;
}

void MainWindow::closeEvent(QCloseEvent* e) {
    if (!maybeSave()) {
        e->ignore();
        return;
    }
    if (opt_.useSettings) writeSettings();
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
    const annotation::Project project = ws_->toProject();
    QString base = ws_->projectPath().isEmpty() ? QDir(ws_->imageDir()).filePath("annotations") : ws_->projectPath();
    if (base.endsWith(QLatin1String(".hoiproj"))) base.chop(8);
    ExportDialog dlg(project, base + ".json", this);
    // The last export's format, scope and folder come back.
    if (opt_.useSettings) {
        QSettings st;
        if (st.contains("export/format")) dlg.setFormat(annotation::Format(st.value("export/format").toInt()));
        dlg.setScope(annotation::ExportScope(st.value("export/scope", 0).toInt()));
        const QString dir = st.value("export/dir").toString();
        if (!dir.isEmpty() && QFileInfo(dir).isDir())
            dlg.setPath(QDir(dir).filePath(QFileInfo(base).fileName() + ExportDialog::extension(dlg.format())));
        else
            dlg.setPath(base + ExportDialog::extension(dlg.format()));
    }
    if (dlg.exec() != QDialog::Accepted) return;
    try {
        const annotation::ExportReport r = dlg.write();
        if (opt_.useSettings) {
            QSettings st;
            st.setValue("export/format", int(dlg.format()));
            st.setValue("export/scope", int(dlg.options().scope));
            st.setValue("export/dir", QFileInfo(dlg.path()).absolutePath());
        }
        QString msg = tr("Exported %1 to %2.").arg(counted(r.interactions, "interaction", "interactions")).arg(QFileInfo(dlg.path()).fileName());
        if (r.interactions_lost() + r.instances_lost() > 0)
            msg += QLatin1Char(' ') + tr("%1 and %2 could not be expressed.")
                                          .arg(counted(int(r.interactions_lost()), "relation", "relations"))
                                          .arg(counted(int(r.instances_lost()), "box", "boxes"));
        statusBar()->showMessage(msg, 10000);
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
AgreementIndicator* MainWindow::agreementIndicator() const { return status_->agreement(); }

// ---- current image -----------------------------------------------------------------------------

void MainWindow::setCurrentImage(Id image) { selection_->setCurrentImage(image); }

void MainWindow::showImage(Id image) {
    tile_ = AnalysisPresenter::kNoTile;
    pairModel()->setImage(image);
    images_->showImage(image);
    canvas_->setImage(QImage());
    canvas_->setMessage(image ? tr("Loading %1…").arg(ws_->imagePath(image)) : QString());
    updateActions();
    if (!image) {
        loader_->cancel(); // an image still loading is not shown
        refreshInspector();
        checkIdle();
        return;
    }
    loader_->load(image, ws_->imagePath(image));
}

void MainWindow::onImageLoaded(Id image, const QImage& img, const QString& error) {
    canvas_->setImage(img);
    canvas_->setMessage(img.isNull() ? tr("%1 cannot be shown:\n%2").arg(ws_->imagePath(image), error) : QString());
    if (img.isNull()) {
        ws_->setImageError(image, error);
        statusBar()->showMessage(error, 8000);
    }
    refreshCanvas();
    refreshHeatmap();
    refreshInspector();
    Q_EMIT imageShown(image);
    if (!img.isNull()) analysis_->imageShown(image);
    checkIdle();
}

void MainWindow::nextImage() {
    const QModelIndex i = images_->model()->indexOf(currentImage());
    const int row = i.isValid() ? i.row() + 1 : 0;
    if (row < images_->model()->rowCount()) setCurrentImage(images_->model()->idAt(row));
}

void MainWindow::previousImage() {
    const QModelIndex i = images_->model()->indexOf(currentImage());
    if (i.isValid() && i.row() > 0) setCurrentImage(images_->model()->idAt(i.row() - 1));
}

// ---- analysis ----------------------------------------------------------------------------------
void MainWindow::analyseCurrent() { analysis_->analyseCurrent(); }
void MainWindow::analyseAll() {
    promptBar_->flush();
    if (!analysis_->analyseAll())
        statusBar()->showMessage(tr("Every image is analysed with the current prompts."), 5000);
}
void MainWindow::cancelAnalysis() { analysis_->cancel(); }
void MainWindow::onPromptsChanged(const QStringList& prompts) {
    if (!syncing_) setSettingsPrompts(prompts);
    analysis_->promptsChanged(!loader_->loading() && !canvas_->imageSize().isEmpty());
}
bool MainWindow::isIdle() const { return !analysis_->busy() && !loader_->loading(); }

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
    using K = annotation::Change::Kind;
    if (ws_->applying()) {
        session_->scheduleAutosave();
        return; // one refresh on analysisApplied
    }
    const Id current = currentImage();
    if (c.kind == K::Reset) {
        selection_->validate();
        refreshCanvas();
    } else if (c.image == current || (c.kind == K::ImageChanged && c.id == current)) {
        selection_->validate();
        refreshCanvas();
        if (c.kind == K::InteractionChanged && c.id == selectedInteraction()) refreshInspector();
    }
    images_->updateCounts();
    updateActions();
    session_->scheduleAutosave();
}

void MainWindow::refreshCanvas() {
    if (!currentImage() || canvas_->imageSize().isEmpty()) {
        canvas_->setContent({}, {});
        return;
    }
    const auto content = presenter_.canvas(
        currentImage(), selectedInteraction(), [this](const annotation::Interaction& in) { return pairProxy()->accepts(in); },
        [this](Id id) { return pairModel()->instanceName(id); });
    syncing_ = true;
    canvas_->setContent(content.boxes, content.pairs);
    if (selectedInteraction()) canvas_->setSelectedPair(selectedInteraction());
    syncing_ = false;
    syncTableSelection();
}
void MainWindow::syncTableSelection() {
    const bool was = syncing_;
    syncing_ = true;
    pairs_->showPair(selectedInteraction());
    syncing_ = was;
}

void MainWindow::selectInteraction(Id interaction) {
    const Id before = selection_->selectedInteraction();
    selection_->selectInteraction(interaction);
    if (selection_->selectedInteraction() == before) showSelection(); // the same pair: shown again
}

void MainWindow::showSelection() {
    syncing_ = true;
    canvas_->setSelectedPair(selectedInteraction());
    syncing_ = false;
    syncTableSelection();
    tile_ = AnalysisPresenter::kNoTile;
    refreshHeatmap();
    refreshInspector();
    updateActions();
}
bool MainWindow::selectBestPair() {
    Id best = 0;
    double bestScore = -1;
    for (const auto* it : ws_->document().interactions_of(currentImage())) {
        if (!pairProxy()->accepts(*it)) continue;
        const double s = it->score ? *it->score : 0;
        if (!best || s > bestScore) {
            best = it->id;
            bestScore = s;
        }
    }
    if (best) selectInteraction(best);
    return best != 0;
}

void MainWindow::setPrompts(const QStringList& prompts) {
    promptBar_->setChips(prompts);
    promptBar_->flush();
}

void MainWindow::setHeatmapSource(HeatmapSource s) {
    heatmapSource_ = s;
    const int idx = s == HeatmapSource::Relevance ? 1 : 0;
    if (heatSource_->currentIndex() != idx) heatSource_->setCurrentIndex(idx);
    tile_ = AnalysisPresenter::kNoTile;
    refreshHeatmap();
}

// ---- heatmap and inspector ---------------------------------------------------------------------

void MainWindow::refreshHeatmap() {
    const auto map = presenter_.heatmap(currentImage(), selectedInteraction(), heatmapSource_, tile_);
    if (map) {
        Grid g;
        g.rows = map->grid_h;
        g.cols = map->grid_w;
        g.values = map->weights;
        canvas_->setHeatmap(heatmapImage(g), QRectF(map->frame_x, map->frame_y, map->frame_size, map->frame_size));
    } else {
        canvas_->setHeatmap(QImage());
    }
    Q_EMIT heatmapUpdated();
}
void MainWindow::refreshInspector() {
    inspectorData_ = presenter_.inspector(currentImage(), selectedInteraction(), [this](Id id) { return pairModel()->instanceName(id); });
#ifdef HOI_WITH_INSPECTOR
    if (auto* insp = qobject_cast<InspectorWidget*>(inspector_)) insp->setData(inspectorData_);
#endif
}
// ---- editing -----------------------------------------------------------------------------------

void MainWindow::setSelectedState(State state) {
    if (!selectedInteraction() || !ws_->document().interaction(selectedInteraction())) return;
    const Id id = selectedInteraction();
    // The pair after this one, taken before the change (a state filter may hide this one after it).
    const int row = pairs_->rowOf(id);
    const Id next = row >= 0 ? pairs_->pairAt(row + 1) : 0;
    editor_->setState(id, state);
    // Review is a stream of A / R presses: move on to the next pair (a preference, on by default).
    // J after A then goes on from the pair A moved to: nothing is skipped.
    if (advanceAfterReview_ && next) selectInteraction(next);
    else selectInteraction(id);
}

void MainWindow::acceptSelected() { setSelectedState(State::Accepted); }
void MainWindow::rejectSelected() { setSelectedState(State::Rejected); }

void MainWindow::stepPair(int step) {
    const int cur = pairs_->rowOf(selectedInteraction());
    const int row = cur >= 0 ? cur + step : (step > 0 ? 0 : pairs_->rowCount() - 1);
    if (const Id pair = pairs_->pairAt(row)) {
        selectInteraction(pair);
        return;
    }
    // Past the last pair of the image: the first pair of the next image with pairs (K: the last
    // pair of the previous one). The image is shown even when it has none yet.
    const QModelIndex img = images_->model()->indexOf(currentImage());
    const int target = (img.isValid() ? img.row() : -1) + step;
    if (target < 0 || target >= images_->model()->rowCount()) {
        statusBar()->showMessage(step > 0 ? tr("Last pair of the last image.") : tr("First pair of the first image."), 3000);
        return;
    }
    setCurrentImage(images_->model()->idAt(target));
    if (pairs_->rowCount() > 0) selectInteraction(pairs_->pairAt(step > 0 ? 0 : pairs_->rowCount() - 1));
}

void MainWindow::nextPair() { stepPair(+1); }
void MainWindow::previousPair() { stepPair(-1); }

void MainWindow::setVerb(const QList<Id>& relations, const QString& verbText) {
    if (!editor_->setVerb(relations, verbText).isEmpty() && relations.contains(selectedInteraction())) {
        refreshHeatmap();
        refreshInspector();
    }
}
QList<Id> MainWindow::selectedPairs() const {
    QList<Id> ids = pairs_->selectedPairs();
    if (ids.isEmpty() && selectedInteraction()) ids << selectedInteraction();
    return ids;
}

void MainWindow::editVerb() {
    const QList<Id> several = selectedPairs();
    if (several.size() > 1) {
        QInputDialog ask(this);
        ask.setObjectName(QStringLiteral("verbDialog"));
        ask.setWindowTitle(tr("Change Verb"));
        ask.setLabelText(tr("Verb for the %1 selected pairs:").arg(several.size()));
        QStringList verbs;
        for (const auto& v : annotation::HicoVocabulary::instance().verbs()) verbs << verbDisplay(v);
        ask.setComboBoxItems(verbs);
        ask.setComboBoxEditable(true);
        if (const auto* in = ws_->document().interaction(selectedInteraction())) ask.setTextValue(verbDisplay(in->verb));
        if (ask.exec() == QDialog::Accepted) setVerb(several, ask.textValue());
        return;
    }
    if (selectedInteraction()) pairs_->editVerb(selectedInteraction());
}

void MainWindow::deleteSelected() {
    if (selectedInteraction() && ws_->document().interaction(selectedInteraction())) {
        editor_->removeRelation(selectedInteraction());
        selection_->selectInteraction(0);
    } else if (const Id box = canvas_->selectedBox()) {
        editor_->removeBox(box);
    }
    updateActions();
}

void MainWindow::toggleReviewed() {
    const auto* img = ws_->document().image(currentImage());
    if (img) editor_->setReviewed(img->id, !img->reviewed);
    updateActions();
}
void MainWindow::addBox(const QRectF& rect) {
    if (!currentImage()) return;
    // Ask for the class (COCO names complete as you type; any other name is a free class), starting
    // from the last one used, which the toolbar's class box shows and keeps.
    QInputDialog ask(this);
    ask.setObjectName(QStringLiteral("boxClassDialog"));
    ask.setWindowTitle(tr("New Box"));
    ask.setLabelText(tr("Class of the new box:"));
    ask.setMinimumWidth(340); // room for the title beside the window buttons
    QStringList classes;
    for (int i = 0; i < classCombo_->count(); ++i) classes << classCombo_->itemText(i);
    ask.setComboBoxItems(classes);
    ask.setComboBoxEditable(true);
    ask.setTextValue(classCombo_->currentText());
    if (ask.exec() != QDialog::Accepted || ask.textValue().trimmed().isEmpty()) {
        statusBar()->showMessage(tr("No box added."), 3000);
        return;
    }
    classCombo_->setCurrentText(ask.textValue().trimmed());
    canvas_->setSelectedBox(editor_->addBox(currentImage(), rect, classCombo_->currentText()));
}

void MainWindow::linkPair(Id subject, Id object) {
    QString error;
    const Id relation =
        editor_->linkPair(currentImage(), subject, object, promptBar_->parsed(promptBar_->prompts()), &error);
    if (!relation) {
        if (!error.isEmpty()) statusBar()->showMessage(error, 5000);
        return;
    }
    selectInteraction(relation);
    statusBar()->showMessage(tr("Pair added — press E to change its verb."), 5000);
}
void MainWindow::trainOnReviewed() {
    if (!analysis_->engineReady() || !analysis_->hasClip()) {
        showError(tr("Train on Reviewed Images"), tr("Training needs the CLIP model."), true);
        return;
    }
    if (ws_->projectPath().isEmpty() && !save()) return; // the head is saved beside the project
    const QString out = headPath();
    if (out.isEmpty()) return;
    if (!trainingDialog_) {
        trainingDialog_ = new TrainingDialog(this);
        connect(trainingDialog_, &TrainingDialog::cancelRequested, analysis_, &AnalysisController::cancel);
        connect(analysis_, &AnalysisController::trainingStep, trainingDialog_, &TrainingDialog::addStep);
        connect(analysis_, &AnalysisController::trainingFinished, trainingDialog_, &TrainingDialog::finish);
    }
    trainingDialog_->start();
    trainingDialog_->show();
    analysis_->train(out, opt_.trainEpochs);
}

// ---- chrome ------------------------------------------------------------------------------------

void MainWindow::showBanner(const QString& html, bool) {
    banner_->showMessage(html);
}

QString MainWindow::bannerText() const { return banner_->text(); }
bool MainWindow::bannerVisible() const { return banner_->isVisible() || (!banner_->isHidden()); }

void MainWindow::updateTitle() {
    QString name = ws_->projectPath().isEmpty() ? (ws_->imageDir().isEmpty() ? tr("Untitled") : QFileInfo(ws_->imageDir()).fileName())
                                                : QFileInfo(ws_->projectPath()).fileName();
    setWindowTitle(QStringLiteral("%1[*] — HOI Studio").arg(name));
    setWindowModified(ws_->isModified());
}

void MainWindow::updateActions() {
    const bool hasDoc = !ws_->document().empty();
    const bool hasPair = selectedInteraction() && ws_->document().interaction(selectedInteraction());
    const bool hasBox = canvas_ && canvas_->selectedBox();
    const StudioActions* a = actions_;
    a->save->setEnabled(hasDoc);
    a->saveAs->setEnabled(hasDoc);
    a->exportAnnotations->setEnabled(hasDoc);
    a->accept->setEnabled(hasPair);
    a->reject->setEnabled(hasPair);
    a->editVerb->setEnabled(hasPair || (pairs_ && pairTable()->selectionModel()->hasSelection()));
    a->remove->setEnabled(hasPair || hasBox);
    a->nextPair->setEnabled(pairs_ && pairProxy()->rowCount() > 0);
    a->previousPair->setEnabled(pairs_ && pairProxy()->rowCount() > 0);
    const auto* img = ws_->document().image(currentImage());
    a->reviewed->setEnabled(img != nullptr);
    a->reviewed->setChecked(img && img->reviewed);
    // The button shows the state: a ticked box and "Reviewed" once marked, an empty box before.
    a->reviewed->setIcon(icon(img && img->reviewed ? "reviewed" : "state-none"));
    a->reviewed->setIconText(img && img->reviewed ? tr("Reviewed") : tr("Mark Image Reviewed"));
    a->analyse->setEnabled(analysis_->engineReady() && currentImage());
    a->analyseAll->setEnabled(analysis_->engineReady() && hasDoc);
    a->cancel->setEnabled(analysis_->busy());
    canvas_->setEditable(img != nullptr);
    {
        const bool has = !headPath().isEmpty() && QFileInfo(headPath()).isFile();
        a->useHead->setEnabled(has || !session_->projectHead().isEmpty());
        a->useHead->setChecked(!session_->projectHead().isEmpty());
    }
}

void MainWindow::showEvaluation() {
    if (!evalDialog_) {
        evalDialog_ = new EvaluationDialog([this] { return ws_->document(); }, this);
        connect(evalDialog_, &EvaluationDialog::openImageRequested, this, [this](const QString& name) {
            const annotation::Image* img = ws_->document().image_by_file(name.toStdString());
            for (const auto& i : ws_->document().images()) // ground truth may name files without their folder
                if (!img && QFileInfo(QString::fromStdString(i.file_name)).fileName() == name) img = &i;
            if (img) setCurrentImage(img->id);
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
