#include "main_window.h"
#include "agreement_indicator.h"
#include "plural.h"

#include "clip/model_path.h"

#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QCompleter>
#include <QDir>
#include <QDirIterator>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QOffscreenSurface>
#include <QOpenGLContext>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSlider>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTableView>
#include <QToolBar>
#include <QToolButton>
#include <QUndoStack>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>
#include <cstdio>
#include <cstdlib>

#include "annotation/coco_classes.h"
#include "annotation/formats.h"
#include "annotation/hico_vocabulary.h"
#include "canvas_items.h"
#include "clip/tokenizer.h"
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

bool isImageFile(const QString& path) { return io::has_image_extension(path.toStdString()); }

QImage toQImage(const cv::Mat& rgb) {
    if (rgb.empty()) return {};
    return QImage(rgb.data, rgb.cols, rgb.rows, int(rgb.step), QImage::Format_RGB888).copy();
}

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

QString formatDuration(double seconds) {
    if (seconds < 60) return QObject::tr("%1 s").arg(int(std::ceil(seconds)));
    const int m = int(seconds / 60), s = int(seconds) % 60;
    return QObject::tr("%1 min %2 s").arg(m).arg(s);
}

} // namespace

MainWindow::MainWindow(QWidget* parent) : MainWindow(Options{}, parent) {}

MainWindow::MainWindow(const Options& options, QWidget* parent)
    : QMainWindow(parent), opt_(options), ws_(new Workspace(this)),
      session_(new ProjectSession(ws_, {options.useSettings, options.autosaveMs, options.recovery}, this)),
      inference_(new InferenceThread(this)) {
    setObjectName(QStringLiteral("mainWindow"));
    setWindowIcon(icon("app"));
    setAcceptDrops(true);
    setDockNestingEnabled(true);
    buildActions();
    buildUi();
    buildMenus();
    connectWorker();
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
    connect(&countsTimer_, &QTimer::timeout, this, &MainWindow::updateCounts);
    connect(ws_, &Workspace::analysisApplied, this, [this](Id image) {
        if (!countsTimer_.isActive()) countsTimer_.start(); // a batch refreshes the counts a few times a second
        if (image == current_) {
            refreshCanvas();
            refreshHeatmap();
            refreshInspector();
        }
    });
    connect(ws_->undoStack(), &QUndoStack::indexChanged, this, [this] {
        updateActions();
        syncAdapter(true);
    });
    connect(ws_, &Workspace::analysisApplied, this, [this](Id image) { syncAdapter(false, image); });
    if (opt_.useSettings) readSettings();
    updateTitle();
    updateActions();
    updateCounts();
    if (opt_.loadModels) startEngine();
}

MainWindow::~MainWindow() {
    // Jobs may still deliver signals while the thread stops: disconnect first.
    inference_->worker()->disconnect(this);
    // The workspace outlives the members (a child): its undo stack and analyses no longer reach us.
    ws_->undoStack()->disconnect(this);
    ws_->disconnect(this);
    if (agreement_) ws_->disconnect(agreement_);
}

// ---- construction ------------------------------------------------------------------------------

void MainWindow::buildActions() {
    auto make = [this](const QString& text, const QString& iconName, const QList<QKeySequence>& keys,
                       const QString& tip = {}) {
        auto* a = new QAction(icon(iconName), text, this);
        a->setShortcuts(keys);
        if (!tip.isEmpty()) a->setStatusTip(tip);
        QString t = text;
        t.remove(QLatin1Char('&')).remove(QStringLiteral("…"));
        if (!keys.isEmpty()) t += QStringLiteral(" (%1)").arg(keys.first().toString(QKeySequence::NativeText));
        a->setToolTip(t);
        addAction(a);
        return a;
    };
    openAct_ = make(tr("&Open…"), "open", {QKeySequence::Open}, tr("Open images, a project or an annotation file"));
    openFolderAct_ = make(tr("Open &Folder…"), "open-folder", {QKeySequence(tr("Ctrl+Shift+O"))});
    importAct_ = make(tr("&Import Annotations…"), "open", {QKeySequence(tr("Ctrl+I"))},
                      tr("Import HICO-DET, instances, COCO or CSV annotations with their image folder"));
    saveAct_ = make(tr("&Save Project"), "save", {QKeySequence::Save});
    saveAsAct_ = make(tr("Save Project &As…"), "save", {QKeySequence::SaveAs});
    exportAct_ = make(tr("&Export…"), "export", {QKeySequence(tr("Ctrl+E"))});
    quitAct_ = make(tr("&Quit"), "", {QKeySequence::Quit});
    undoAct_ = ws_->undoStack()->createUndoAction(this, tr("&Undo"));
    undoAct_->setIcon(icon("undo"));
    undoAct_->setShortcuts({QKeySequence::Undo});
    redoAct_ = ws_->undoStack()->createRedoAction(this, tr("&Redo"));
    redoAct_->setIcon(icon("redo"));
    redoAct_->setShortcuts({QKeySequence(tr("Ctrl+Shift+Z")), QKeySequence(tr("Ctrl+Y"))});
    addAction(undoAct_);
    addAction(redoAct_);
    acceptAct_ = make(tr("&Accept Pair"), "accept", {QKeySequence(Qt::Key_A)});
    rejectAct_ = make(tr("&Reject Pair"), "reject", {QKeySequence(Qt::Key_R)});
    nextPairAct_ = make(tr("&Next Pair"), "", {QKeySequence(Qt::Key_J)});
    prevPairAct_ = make(tr("&Previous Pair"), "", {QKeySequence(Qt::Key_K)});
    editVerbAct_ = make(tr("Change &Verb…"), "", {QKeySequence(Qt::Key_E), QKeySequence(Qt::Key_F2)});
    deleteAct_ = make(tr("&Delete"), "delete", {QKeySequence::Delete, QKeySequence(Qt::Key_Backspace)},
                      tr("Delete the selected pair or box"));
    reviewedAct_ = make(tr("Mark Image &Reviewed"), "reviewed", {QKeySequence(Qt::Key_M)});
    reviewedAct_->setCheckable(true);
    nextImageAct_ = make(tr("Next &Image"), "", {QKeySequence(Qt::Key_N), QKeySequence(Qt::Key_PageDown)});
    prevImageAct_ = make(tr("Previous Ima&ge"), "", {QKeySequence(Qt::Key_P), QKeySequence(Qt::Key_PageUp)});
    zoomInAct_ = make(tr("Zoom &In"), "zoom-in", {QKeySequence::ZoomIn, QKeySequence(tr("Ctrl+="))});
    zoomOutAct_ = make(tr("Zoom &Out"), "zoom-out", {QKeySequence::ZoomOut});
    zoomFitAct_ = make(tr("&Fit to Window"), "zoom-fit", {QKeySequence(tr("Ctrl+0")), QKeySequence(Qt::Key_F)});
    zoomActualAct_ = make(tr("&Actual Size (1:1)"), "zoom-actual", {QKeySequence(tr("Ctrl+1"))});
    heatmapAct_ = make(tr("Show &Heatmap"), "heatmap", {QKeySequence(Qt::Key_H)},
                       tr("Show where the model looked for the selected pair"));
    heatmapAct_->setCheckable(true);
    heatmapAct_->setChecked(true);
    selectToolAct_ = make(tr("&Select Tool"), "tool-select", {QKeySequence(Qt::Key_V)});
    boxToolAct_ = make(tr("Draw &Box Tool"), "tool-box", {QKeySequence(Qt::Key_B)});
    linkToolAct_ = make(tr("&Link Pair Tool"), "tool-link", {QKeySequence(Qt::Key_L)},
                        tr("Drag from a human to an object to add a pair"));
    toolGroup_ = new QActionGroup(this);
    for (QAction* a : {selectToolAct_, boxToolAct_, linkToolAct_}) {
        a->setCheckable(true);
        toolGroup_->addAction(a);
    }
    selectToolAct_->setChecked(true);
    analyseAct_ = make(tr("&Analyse Image"), "analyse", {QKeySequence(tr("Ctrl+R"))});
    analyseAllAct_ = make(tr("Analyse &All Images"), "analyse-all", {QKeySequence(tr("Ctrl+Shift+R"))});
    cancelAct_ = make(tr("&Cancel Analysis"), "cancel", {QKeySequence(tr("Ctrl+."))});
    evaluateAct_ = make(tr("&Evaluate…"), "", {}, tr("HICO-DET mAP of predictions against ground truth"));
    evaluateAct_->setObjectName(QStringLiteral("evaluateAction"));
    shortcutsAct_ = make(tr("&Keyboard Shortcuts"), "help", {QKeySequence(Qt::Key_F1)});
    aboutAct_ = make(tr("&About HOI Studio"), "", {});
    prefsAct_ = make(tr("&Preferences…"), "", {QKeySequence::Preferences, QKeySequence(tr("Ctrl+,"))});
    connect(prefsAct_, &QAction::triggered, this, [this] {
        PreferencesDialog dlg(this);
        if (dlg.exec() != QDialog::Accepted) return;
        const bool reload = dlg.apply();
        keepScore_ = QSettings().value("thresholds/keep", keepScore_).toDouble();
        advanceAfterReview_ = QSettings().value("review/advance", true).toBool();
        if (reload && opt_.useSettings) {
            // New models: analyses made with the old ones are re-done when their images are shown.
            engineReady_ = false;
            for (const auto& img : ws_->document().images())
                if (ws_->record(img.id)) stale_.insert(img.id);
            banner_->hide();
            engineFailed_ = false;
            startEngine();
        }
    });

    connect(openAct_, &QAction::triggered, this, [this] {
        QSettings s;
        QString patterns;
        for (const auto& e : io::image_extensions()) patterns += QStringLiteral("*.%1 ").arg(QString::fromStdString(e));
        const QStringList files = QFileDialog::getOpenFileNames(
            this, tr("Open"), s.value("paths/last_folder").toString(),
            tr("Images, projects and annotations (%1*.hoiproj *.json *.csv);;All files (*)").arg(patterns));
        if (!files.isEmpty()) openPaths(files);
    });
    connect(openFolderAct_, &QAction::triggered, this, [this] {
        QSettings s;
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Open Image Folder"), s.value("paths/last_folder").toString());
        if (!dir.isEmpty()) openPaths({dir});
    });
    connect(importAct_, &QAction::triggered, this, [this] {
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
    });
    connect(saveAct_, &QAction::triggered, this, &MainWindow::save);
    connect(saveAsAct_, &QAction::triggered, this, [this] {
        const QString p = QFileDialog::getSaveFileName(this, tr("Save Project"), ws_->projectPath().isEmpty() ? ws_->imageDir() + "/annotations.hoiproj" : ws_->projectPath(),
                                                       tr("HOI Studio project (*.hoiproj)"));
        if (!p.isEmpty()) saveProject(p.endsWith(QLatin1String(".hoiproj")) ? p : p + ".hoiproj");
    });
    connect(exportAct_, &QAction::triggered, this, &MainWindow::exportAnnotations);
    connect(quitAct_, &QAction::triggered, this, &QWidget::close);
    connect(acceptAct_, &QAction::triggered, this, &MainWindow::acceptSelected);
    connect(rejectAct_, &QAction::triggered, this, &MainWindow::rejectSelected);
    connect(nextPairAct_, &QAction::triggered, this, &MainWindow::nextPair);
    connect(prevPairAct_, &QAction::triggered, this, &MainWindow::previousPair);
    connect(editVerbAct_, &QAction::triggered, this, &MainWindow::editVerb);
    connect(deleteAct_, &QAction::triggered, this, &MainWindow::deleteSelected);
    connect(reviewedAct_, &QAction::triggered, this, &MainWindow::toggleReviewed);
    connect(nextImageAct_, &QAction::triggered, this, &MainWindow::nextImage);
    connect(prevImageAct_, &QAction::triggered, this, &MainWindow::previousImage);
    connect(analyseAct_, &QAction::triggered, this, &MainWindow::analyseCurrent);
    connect(analyseAllAct_, &QAction::triggered, this, &MainWindow::analyseAll);
    connect(cancelAct_, &QAction::triggered, this, &MainWindow::cancelAnalysis);
    connect(evaluateAct_, &QAction::triggered, this, &MainWindow::showEvaluation);
    connect(shortcutsAct_, &QAction::triggered, this, &MainWindow::showShortcuts);
    connect(aboutAct_, &QAction::triggered, this, [this] {
        QMessageBox::about(this, tr("About HOI Studio"),
                           tr("<h3>HOI Studio %1</h3><p>Zero-shot human-object interaction detection and annotation.</p>"
                              "<p>Detector: NanoDet; interaction scores: CLIP with free-form prompts.</p>")
                               .arg(QStringLiteral(HOI_VERSION)));
    });
}

void MainWindow::buildUi() {
    // ---- centre: banner, prompt bar, canvas ----
    auto* centre = new QWidget(this);
    auto* cl = new QVBoxLayout(centre);
    cl->setContentsMargins(0, 0, 0, 0);
    cl->setSpacing(0);
    banner_ = new QFrame(centre);
    banner_->setObjectName(QStringLiteral("banner"));
    auto* bl = new QHBoxLayout(banner_);
    bl->setContentsMargins(10, 6, 10, 6);
    auto* bannerIcon = new QLabel(banner_);
    bannerIcon->setPixmap(icon("warning").pixmap(18, 18));
    bl->addWidget(bannerIcon);
    bannerLabel_ = new QLabel(banner_);
    bannerLabel_->setObjectName(QStringLiteral("bannerText"));
    bannerLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    bannerLabel_->setWordWrap(true);
    bl->addWidget(bannerLabel_, 1);
    banner_->setStyleSheet(QStringLiteral("#banner { background: #4a3b12; } #banner QLabel { color: #ffe08a; }"));
    banner_->hide();
    cl->addWidget(banner_);
    promptBar_ = new PromptBar(centre);
    promptBar_->setStyleSheet(QStringLiteral("#promptBar { background: palette(window); }"));
    cl->addWidget(promptBar_);
    canvas_ = new ImageCanvas(centre);
    cl->addWidget(canvas_, 1);
    setCentralWidget(centre);

    // ---- toolbar ----
    auto* tb = addToolBar(tr("Main"));
    tb->setObjectName(QStringLiteral("mainToolBar"));
    tb->setIconSize(QSize(20, 20));
    tb->setMovable(false);
    tb->addAction(openAct_);
    tb->addAction(saveAct_);
    tb->addAction(exportAct_);
    tb->addSeparator();
    tb->addAction(undoAct_);
    tb->addAction(redoAct_);
    tb->addSeparator();
    tb->addAction(analyseAct_);
    tb->addAction(analyseAllAct_);
    tb->addSeparator();
    tb->addAction(selectToolAct_);
    tb->addAction(boxToolAct_);
    tb->addAction(linkToolAct_);
    classCombo_ = new QComboBox(tb);
    classCombo_->setObjectName(QStringLiteral("classCombo"));
    classCombo_->setEditable(true);
    classCombo_->setToolTip(tr("Class of new boxes (a COCO class or any name)"));
    for (auto n : annotation::coco80_names()) classCombo_->addItem(QString::fromUtf8(n.data(), int(n.size())));
    classCombo_->setMinimumContentsLength(10);
    classCombo_->completer()->setCompletionMode(QCompleter::PopupCompletion);
    tb->addWidget(classCombo_);
    tb->addSeparator();
    tb->addAction(zoomFitAct_);
    tb->addAction(zoomActualAct_);
    tb->addAction(zoomInAct_);
    tb->addAction(zoomOutAct_);
    tb->addSeparator();
    tb->addAction(heatmapAct_);
    heatSource_ = new QComboBox(tb);
    heatSource_->setObjectName(QStringLiteral("heatmapSource"));
    heatSource_->addItem(tr("Decoder attention"));
    heatSource_->addItem(tr("Gradient relevance"));
    heatSource_->setToolTip(tr("Which map to show for the selected pair"));
    tb->addWidget(heatSource_);
    heatOpacity_ = new QSlider(Qt::Horizontal, tb);
    heatOpacity_->setObjectName(QStringLiteral("heatmapOpacity"));
    heatOpacity_->setRange(5, 100);
    heatOpacity_->setValue(65);
    heatOpacity_->setFixedWidth(90);
    heatOpacity_->setToolTip(tr("Heatmap opacity"));
    tb->addWidget(heatOpacity_);
    canvas_->setHeatmapOpacity(0.65);

    // ---- left: images ----
    auto* imagesDock = new QDockWidget(tr("Images"), this);
    imagesDock->setObjectName(QStringLiteral("imagesDock"));
    auto* iw = new QWidget(imagesDock);
    auto* il = new QVBoxLayout(iw);
    il->setContentsMargins(4, 4, 4, 4);
    imageModel_ = new ImageListModel(ws_, this);
    imageList_ = new QListView(iw);
    imageList_->setObjectName(QStringLiteral("imageList"));
    imageList_->setModel(imageModel_);
    imageList_->setItemDelegate(new ImageListDelegate(imageList_));
    imageList_->setUniformItemSizes(true);
    imageList_->setSelectionMode(QAbstractItemView::SingleSelection);
    il->addWidget(imageList_, 1);
    countsLabel_ = new QLabel(iw);
    countsLabel_->setObjectName(QStringLiteral("countsLabel"));
    il->addWidget(countsLabel_);
    auto* analyseAllButton = new QToolButton(iw);
    analyseAllButton->setDefaultAction(analyseAllAct_);
    analyseAllButton->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    analyseAllButton->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    il->addWidget(analyseAllButton);
    imagesDock->setWidget(iw);
    addDockWidget(Qt::LeftDockWidgetArea, imagesDock);
    connect(imageList_->selectionModel(), &QItemSelectionModel::currentChanged, this, [this](const QModelIndex& i) {
        if (i.isValid()) setCurrentImage(imageModel_->idAt(i.row()));
    });

    // ---- right: pairs ----
    auto* pairsDock = new QDockWidget(tr("Pairs"), this);
    pairsDock->setObjectName(QStringLiteral("pairsDock"));
    auto* pw = new QWidget(pairsDock);
    auto* pl = new QVBoxLayout(pw);
    pl->setContentsMargins(4, 4, 4, 4);
    auto* filterRow = new QHBoxLayout;
    pairFilter_ = new QLineEdit(pw);
    pairFilter_->setObjectName(QStringLiteral("pairFilter"));
    pairFilter_->setPlaceholderText(tr("Filter by verb or object"));
    pairFilter_->setClearButtonEnabled(true);
    filterRow->addWidget(pairFilter_, 1);
    stateFilter_ = new QComboBox(pw);
    stateFilter_->setObjectName(QStringLiteral("stateFilter"));
    stateFilter_->addItem(tr("All states"));
    stateFilter_->addItem(tr("To review"), int(State::Predicted));
    stateFilter_->addItem(tr("Accepted"), int(State::Accepted));
    stateFilter_->addItem(tr("Rejected"), int(State::Rejected));
    stateFilter_->addItem(tr("Edited"), int(State::Edited));
    filterRow->addWidget(stateFilter_);
    pl->addLayout(filterRow);
    auto* thRow = new QHBoxLayout;
    thRow->addWidget(new QLabel(tr("Score ≥"), pw));
    threshold_ = new QSlider(Qt::Horizontal, pw);
    threshold_->setObjectName(QStringLiteral("scoreThreshold"));
    threshold_->setRange(0, 100);
    threshold_->setValue(5);
    threshold_->setToolTip(tr("Hide predicted pairs scoring below this value"));
    thRow->addWidget(threshold_, 1);
    thresholdLabel_ = new QLabel(QStringLiteral("0.05"), pw);
    thresholdLabel_->setMinimumWidth(34);
    thRow->addWidget(thresholdLabel_);
    pl->addLayout(thRow);
    pairModel_ = new PairTableModel(ws_, this);
    proxy_ = new PairFilterProxy(this);
    proxy_->setSourceModel(pairModel_);
    proxy_->setMinScore(0.05);
    pairTable_ = new QTableView(pw);
    pairTable_->setObjectName(QStringLiteral("pairTable"));
    pairTable_->setModel(proxy_);
    pairTable_->setSortingEnabled(true);
    pairTable_->sortByColumn(PairTableModel::ScoreColumn, Qt::DescendingOrder);
    pairTable_->setSelectionBehavior(QAbstractItemView::SelectRows);
    pairTable_->setSelectionMode(QAbstractItemView::ExtendedSelection); // several pairs: one verb for all (E)
    pairTable_->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed);
    pairTable_->verticalHeader()->hide();
    pairTable_->verticalHeader()->setDefaultSectionSize(22);
    for (int c = 0; c < PairTableModel::ColumnCount; ++c)
        pairTable_->horizontalHeader()->setSectionResizeMode(c, c == PairTableModel::VerbColumn ? QHeaderView::Stretch
                                                                                                 : QHeaderView::ResizeToContents);
    pairTable_->setAlternatingRowColors(true);
    pairTable_->setWordWrap(false);
    pl->addWidget(pairTable_, 1);
    hiddenLabel_ = new QLabel(pw);
    hiddenLabel_->setObjectName(QStringLiteral("hiddenPairsLabel"));
    hiddenLabel_->setWordWrap(true);
    hiddenLabel_->hide();
    pl->addWidget(hiddenLabel_);
    auto* btnRow = new QHBoxLayout;
    for (QAction* a : {acceptAct_, rejectAct_, deleteAct_}) {
        auto* b = new QToolButton(pw);
        b->setDefaultAction(a);
        b->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
        btnRow->addWidget(b);
    }
    btnRow->addStretch(1);
    auto* reviewedButton = new QToolButton(pw);
    reviewedButton->setDefaultAction(reviewedAct_);
    reviewedButton->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    btnRow->addWidget(reviewedButton);
    pl->addLayout(btnRow);
    pairsDock->setWidget(pw);
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

    // ---- status bar ----
    hoverLabel_ = new QLabel(this);
    statusBar()->addWidget(hoverLabel_, 1);
    progressLabel_ = new QLabel(this);
    progressLabel_->setObjectName(QStringLiteral("progressLabel"));
    statusBar()->addPermanentWidget(progressLabel_);
    progress_ = new QProgressBar(this);
    progress_->setObjectName(QStringLiteral("progressBar"));
    progress_->setFixedWidth(160);
    progress_->setMaximumHeight(16);
    progress_->setTextVisible(false);
    statusBar()->addPermanentWidget(progress_);
    cancelButton_ = new QToolButton(this);
    cancelButton_->setDefaultAction(cancelAct_);
    cancelButton_->setAutoRaise(true);
    statusBar()->addPermanentWidget(cancelButton_);
    progress_->hide();
    progressLabel_->hide();
    cancelButton_->hide();
    agreement_ = new AgreementIndicator(ws_, this);
    agreement_->setContentsMargins(0, 0, 16, 0); // apart from the engine's label beside it
    statusBar()->addPermanentWidget(agreement_);
    engineLabel_ = new QLabel(this);
    engineLabel_->setObjectName(QStringLiteral("engineLabel"));
    statusBar()->addPermanentWidget(engineLabel_);
    zoomLabel_ = new QLabel(this);
    zoomLabel_->setMinimumWidth(48);
    statusBar()->addPermanentWidget(zoomLabel_);

    // ---- wiring ----
    connect(zoomInAct_, &QAction::triggered, canvas_, &ImageCanvas::zoomIn);
    connect(zoomOutAct_, &QAction::triggered, canvas_, &ImageCanvas::zoomOut);
    connect(zoomFitAct_, &QAction::triggered, canvas_, &ImageCanvas::zoomToFit);
    connect(zoomActualAct_, &QAction::triggered, canvas_, &ImageCanvas::zoomActualSize);
    connect(canvas_, &ImageCanvas::zoomChanged, this, [this](double f) { zoomLabel_->setText(QStringLiteral("%1%").arg(int(std::lround(f * 100)))); });
    connect(canvas_, &ImageCanvas::hoverChanged, hoverLabel_, &QLabel::setText);
    connect(heatmapAct_, &QAction::toggled, canvas_, &ImageCanvas::setHeatmapVisible);
    connect(heatOpacity_, &QSlider::valueChanged, this, [this](int v) { canvas_->setHeatmapOpacity(v / 100.0); });
    connect(heatSource_, qOverload<int>(&QComboBox::currentIndexChanged), this, [this](int i) {
        setHeatmapSource(i == 1 ? HeatmapSource::Relevance : HeatmapSource::Attention);
    });
    connect(selectToolAct_, &QAction::triggered, this, [this] { canvas_->setTool(ImageCanvas::Tool::Select); });
    connect(boxToolAct_, &QAction::triggered, this, [this] { canvas_->setTool(ImageCanvas::Tool::DrawBox); });
    connect(linkToolAct_, &QAction::triggered, this, [this] { canvas_->setTool(ImageCanvas::Tool::Link); });
    connect(canvas_, &ImageCanvas::toolChanged, this, [this](ImageCanvas::Tool t) {
        (t == ImageCanvas::Tool::Select ? selectToolAct_ : t == ImageCanvas::Tool::DrawBox ? boxToolAct_ : linkToolAct_)->setChecked(true);
    });
    connect(canvas_, &ImageCanvas::pairSelected, this, [this](ItemId id) {
        if (syncing_) return;
        selected_ = id;
        syncTableSelection();
        tile_ = {-2, -2};
        refreshHeatmap();
        refreshInspector();
        updateActions();
    });
    connect(canvas_, &ImageCanvas::boxSelected, this, [this](ItemId id) {
        if (id && !syncing_) {
            selected_ = 0;
            syncTableSelection();
            refreshHeatmap();
            refreshInspector();
        }
        updateActions();
    });
    connect(canvas_, &ImageCanvas::pairActivated, this, [this](ItemId) { editVerb(); });
    connect(canvas_, &ImageCanvas::boxGeometryEdited, this, [this](ItemId id, const QRectF&, const QRectF& after) {
        annotation::Box b{after.left(), after.top(), after.right(), after.bottom()};
        ws_->undoStack()->push(new SetBoxCommand(ws_->document(), id, b));
    });
    connect(canvas_, &ImageCanvas::boxDrawn, this, &MainWindow::addBox);
    connect(canvas_, &ImageCanvas::pairLinked, this, &MainWindow::linkPair);
    connect(pairTable_->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex& i) {
        if (syncing_) return;
        const Id id = i.isValid() ? proxy_->data(i, PairTableModel::IdRole).toLongLong() : 0;
        if (id == selected_) return;
        selected_ = id;
        syncing_ = true;
        canvas_->setSelectedPair(id);
        syncing_ = false;
        tile_ = {-2, -2};
        refreshHeatmap();
        refreshInspector();
        updateActions();
    });
    connect(pairTable_->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] { updateActions(); });
    connect(pairModel_, &PairTableModel::verbEdited, this, [this](Id id, const QString& verb) { setVerb({id}, verb); });
    connect(threshold_, &QSlider::valueChanged, this, [this](int v) {
        proxy_->setMinScore(v / 100.0);
        thresholdLabel_->setText(QString::number(v / 100.0, 'f', 2));
        refreshCanvas();
    });
    connect(pairFilter_, &QLineEdit::textChanged, this, [this](const QString& t) {
        proxy_->setVerbFilter(t);
    });
    connect(stateFilter_, qOverload<int>(&QComboBox::currentIndexChanged), this, [this](int) {
        QSet<State> s;
        if (stateFilter_->currentData().isValid()) s.insert(State(stateFilter_->currentData().toInt()));
        proxy_->setStates(s);
        refreshCanvas();
    });
    // Say what the filters hide, and why.
    auto updateHidden = [this] {
        const QString text = proxy_->hiddenSummary();
        hiddenLabel_->setText(text);
        hiddenLabel_->setVisible(!text.isEmpty());
    };
    connect(proxy_, &QAbstractItemModel::layoutChanged, this, updateHidden);
    connect(proxy_, &QAbstractItemModel::modelReset, this, updateHidden);
    connect(proxy_, &QAbstractItemModel::rowsInserted, this, updateHidden);
    connect(proxy_, &QAbstractItemModel::rowsRemoved, this, updateHidden);
    connect(pairModel_, &QAbstractItemModel::dataChanged, this, updateHidden);
    connect(pairModel_, &QAbstractItemModel::modelReset, this, updateHidden);
    connect(proxy_, &QAbstractItemModel::layoutChanged, this, [this] { syncTableSelection(); });
    connect(proxy_, &QAbstractItemModel::modelReset, this, [this] { syncTableSelection(); });
    connect(promptBar_, &PromptBar::promptsChanged, this, &MainWindow::onPromptsChanged);
    connect(promptBar_, &PromptBar::historyChanged, this, [this](const QStringList& h) {
        if (opt_.useSettings) QSettings().setValue("prompts/history", h);
    });
}

void MainWindow::buildMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(openAct_);
    file->addAction(openFolderAct_);
    recentMenu_ = file->addMenu(tr("Open &Recent"));
    recentMenu_->setObjectName(QStringLiteral("recentMenu"));
    connect(recentMenu_, &QMenu::aboutToShow, this, &MainWindow::fillRecentMenu);
    file->addAction(importAct_);
    file->addSeparator();
    file->addAction(saveAct_);
    file->addAction(saveAsAct_);
    file->addAction(exportAct_);
    file->addSeparator();
    file->addAction(quitAct_);
    QMenu* edit = menuBar()->addMenu(tr("&Edit"));
    edit->addAction(undoAct_);
    edit->addAction(redoAct_);
    edit->addSeparator();
    edit->addAction(acceptAct_);
    edit->addAction(rejectAct_);
    edit->addAction(editVerbAct_);
    edit->addAction(deleteAct_);
    edit->addSeparator();
    edit->addAction(nextPairAct_);
    edit->addAction(prevPairAct_);
    edit->addSeparator();
    edit->addAction(reviewedAct_);
    edit->addAction(nextImageAct_);
    edit->addAction(prevImageAct_);
    edit->addSeparator();
    edit->addAction(prefsAct_);
    QMenu* tools = menuBar()->addMenu(tr("&Tools"));
    tools->addAction(selectToolAct_);
    tools->addAction(boxToolAct_);
    tools->addAction(linkToolAct_);
    QMenu* view = menuBar()->addMenu(tr("&View"));
    view->addAction(zoomInAct_);
    view->addAction(zoomOutAct_);
    view->addAction(zoomFitAct_);
    view->addAction(zoomActualAct_);
    view->addSeparator();
    view->addAction(heatmapAct_);
    view->addSeparator();
    for (QDockWidget* d : findChildren<QDockWidget*>()) view->addAction(d->toggleViewAction());
    QMenu* analysis = menuBar()->addMenu(tr("&Analysis"));
    analysis->addAction(analyseAct_);
    analysis->addAction(analyseAllAct_);
    analysis->addAction(cancelAct_);
    analysis->addSeparator();
    analysis->addAction(evaluateAct_);
    trainAct_ = analysis->addAction(tr("&Train on Reviewed Images"), this, &MainWindow::trainOnReviewed);
    trainAct_->setObjectName(QStringLiteral("trainAction"));
    trainAct_->setStatusTip(tr("Train the model's head on the pairs you accepted, rejected or re-verbed; saved beside the project"));
    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(shortcutsAct_);
    help->addAction(aboutAct_);
    menus_ = {file, edit, tools, view, analysis, help};
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

void MainWindow::connectWorker() {
    InferenceWorker* w = inference_->worker();
    connect(w, &InferenceWorker::engineReady, this, [this](bool hasClip, const QString& desc) {
        engineReady_ = true;
        hasClip_ = hasClip;
        engineLabel_->setText(desc);
        adapterHeld_.clear(); // a (re)loaded engine starts with an empty adapter
        syncAdapter(false);
        if (!hasClip)
            showBanner(tr("Open-vocabulary scoring needs the CLIP model — run <code>hoi models fetch clip-vit-b32</code>. "
                          "Until then HOI Studio detects people and objects and you can annotate pairs by hand."),
                       true);
        else if (!engineFailed_)
            banner_->hide();
        if (opt_.autoAnalyse && current_ && (!ws_->record(current_) || stale_.contains(current_))) {
            if (!ws_->record(current_)) implicit_.insert(current_);
            requestAnalysis({current_}, false);
        }
    });
    connect(w, &InferenceWorker::engineFailed, this, [this](const QString& message) {
        engineFailed_ = true;
        showBanner(message.toHtmlEscaped(), true);
    });
    connect(w, &InferenceWorker::progress, this, &MainWindow::onProgress);
    connect(w, &InferenceWorker::imageAnalysed, this, &MainWindow::onImageAnalysed);
    w->setResultWindow(4);
    connect(w, &InferenceWorker::imageFailed, this, [this](int job, qint64 image, const QString& message) {
        inference_->worker()->resultConsumed();
        if (cancelledJobs_.contains(job)) return;
        ws_->setImageError(image, message);
        const auto* img = ws_->document().image(image);
        failures_ << QStringLiteral("%1: %2").arg(img ? QString::fromStdString(img->file_name) : QString(), message);
        statusBar()->showMessage(tr("Skipped %1").arg(message), 8000);
    });
    connect(w, &InferenceWorker::jobFinished, this, &MainWindow::onJobFinished);
    connect(w, &InferenceWorker::jobFailed, this, [this](int, const QString& m) { statusBar()->showMessage(m, 8000); });
    connect(w, &InferenceWorker::relevanceReady, this, [this](int, qint64 image, int pair, int prompt, AttentionPtr map) {
        relevance_[{image, pair, prompt}] = map;
        if (image == current_) refreshHeatmap();
    });
    connect(w, &InferenceWorker::pairScored, this, [this](int, qint64, qint64 relation, const QString& prompt, double score) {
        const auto* in = ws_->document().interaction(relation);
        if (!in || in->score || madePairPrompt(*in) != prompt) return; // changed since it was asked
        ws_->setModelScore(relation, score);
        if (relation == selected_) refreshInspector();
    });
    connect(w, &InferenceWorker::adapterChanged, this, [this](int, quint64 token, bool ok, int) {
        if (ok) return;
        for (auto it = adapterHeld_.begin(); it != adapterHeld_.end(); ++it)
            if (it->second.token == token) { // not held: the next sync tries again
                adapterHeld_.erase(it);
                break;
            }
    });
    connect(w, &InferenceWorker::trained, this, [this](int, bool ok, bool cancelled, const QString& message) {
        if (ok || cancelled) statusBar()->showMessage(message, 10000);
        else showError(tr("Training Failed"), message, true);
    });
    connect(w, &InferenceWorker::inspectionReady, this, [this](int, qint64 image, int pair, InspectionPtr ins) {
        inspections_[{image, pair}] = ins;
        pendingInspect_.remove(QStringLiteral("%1/%2").arg(image).arg(pair));
        if (image == current_) {
            refreshInspector();
            if (tile_.first != -2) refreshHeatmap();
        }
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
    engineLabel_->setText(tr("Loading models…"));
    engineOptions_ = eo;
    const int job = inference_->worker()->submitLoad(eo);
    jobs_.insert(job);
}

// ---- settings ----------------------------------------------------------------------------------

void MainWindow::readSettings() {
    QSettings s;
    restoreGeometry(s.value("window/geometry").toByteArray());
    restoreState(s.value("window/state").toByteArray());
    threshold_->setValue(s.value("thresholds/score", threshold_->value()).toInt());
    keepScore_ = s.value("thresholds/keep", keepScore_).toDouble();
    advanceAfterReview_ = s.value("review/advance", true).toBool();
    heatOpacity_->setValue(s.value("heatmap/opacity", heatOpacity_->value()).toInt());
    heatmapAct_->setChecked(s.value("heatmap/visible", true).toBool());
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
    s.setValue("thresholds/score", threshold_->value());
    s.setValue("thresholds/keep", keepScore_);
    s.setValue("heatmap/opacity", heatOpacity_->value());
    s.setValue("heatmap/visible", heatmapAct_->isChecked());
    s.setValue("heatmap/source", heatSource_->currentIndex());
    s.setValue("prompts/chips", promptBar_->chips());
    s.setValue("prompts/history", promptBar_->history());
    s.setValue("tools/class", classCombo_->currentText());
}

// ---- opening -----------------------------------------------------------------------------------

bool MainWindow::openPaths(const QStringList& paths) {
    QStringList images, annotations, dirs, projects, problems;
    for (const QString& p : paths) {
        const QFileInfo fi(p);
        if (!fi.exists()) {
            problems << tr("%1 does not exist").arg(p);
        } else if (fi.isDir()) {
            dirs << fi.absoluteFilePath();
        } else if (fi.suffix().toLower() == QLatin1String("hoiproj")) {
            projects << fi.absoluteFilePath();
        } else if (fi.suffix().toLower() == QLatin1String("json") || fi.suffix().toLower() == QLatin1String("csv")) {
            annotations << fi.absoluteFilePath();
        } else if (isImageFile(p)) {
            images << fi.absoluteFilePath();
        } else {
            problems << tr("%1 is not an image, a folder, a project or an annotation file").arg(p);
        }
    }
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
        if (imageDir.isEmpty()) {
            const QDir d = QFileInfo(annotations.first()).absoluteDir();
            imageDir = d.exists(QStringLiteral("images")) ? d.filePath(QStringLiteral("images")) : d.absolutePath();
        }
        opened = importAnnotations(std::move(*imported), annotations.first(), imageDir);
    }
    // Images and folders are added to the workspace.
    for (const QString& d : dirs) {
        QStringList found;
        QDirIterator it(d, QDir::Files, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString f = it.next();
            if (isImageFile(f)) found << f;
        }
        found.sort();
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
            if (!current_ || !ws_->document().image(current_)) setCurrentImage(added.first());
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
    updateCounts();
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
    current_ = 0;
    selected_ = 0;
    stale_.clear();
    relevance_.clear();
    inspections_.clear();
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
        threshold_->setValue(int(std::lround(it->second * 100)));
    if (!ws_->document().images().empty()) setCurrentImage(ws_->document().images().front().id);
    updateTitle();
}

bool MainWindow::importAnnotations(annotation::Project project, const QString& path, const QString& imageDir) {
    current_ = 0;
    selected_ = 0;
    stale_.clear();
    relevance_.clear();
    inspections_.clear();
    project.settings.image_dir = imageDir.toStdString();
    ws_->loadProject(std::move(project), QString(), imageDir);
    ws_->setModified(true);
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
    ws_->settings().thresholds["pair"] = threshold_->value() / 100.0;
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

// ---- current image -----------------------------------------------------------------------------

void MainWindow::setCurrentImage(Id image) {
    if (!ws_->document().image(image)) image = 0;
    if (image == current_ && image) return;
    current_ = image;
    selected_ = 0;
    tile_ = {-2, -2};
    pairModel_->setImage(image);
    {
        const QModelIndex i = imageModel_->indexOf(image);
        syncing_ = true;
        if (i.isValid() && imageList_->currentIndex() != i) imageList_->setCurrentIndex(i);
        syncing_ = false;
    }
    canvas_->setImage(QImage());
    canvas_->setMessage(image ? tr("Loading %1…").arg(ws_->imagePath(image)) : QString());
    updateActions();
    if (!image) {
        refreshInspector();
        checkIdle();
        return;
    }
    const QString path = ws_->imagePath(image);
    const int serial = ++imageLoadSerial_;
    imageLoading_ = true;
    auto* watcher = new QFutureWatcher<std::pair<QImage, QString>>(this);
    connect(watcher, &QFutureWatcher<std::pair<QImage, QString>>::finished, this, [this, watcher, serial, image] {
        const auto [img, error] = watcher->result();
        watcher->deleteLater();
        if (serial != imageLoadSerial_) return; // a newer image was chosen meanwhile
        imageLoading_ = false;
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
        if (!img.isNull() && opt_.autoAnalyse && engineReady_ && (!ws_->record(image) || stale_.contains(image)) &&
            ws_->status(image) != ImageStatus::Reviewed) {
            implicit_.insert(image);
            requestAnalysis({image}, false);
        }
        checkIdle();
    });
    watcher->setFuture(QtConcurrent::run([path]() -> std::pair<QImage, QString> {
        try {
            return {toQImage(io::load_image(path.toStdString()).rgb), QString()};
        } catch (const std::exception& e) {
            return {QImage(), QString::fromUtf8(e.what())};
        }
    }));
}

void MainWindow::nextImage() {
    const QModelIndex i = imageModel_->indexOf(current_);
    const int row = i.isValid() ? i.row() + 1 : 0;
    if (row < imageModel_->rowCount()) setCurrentImage(imageModel_->idAt(row));
}

void MainWindow::previousImage() {
    const QModelIndex i = imageModel_->indexOf(current_);
    if (i.isValid() && i.row() > 0) setCurrentImage(imageModel_->idAt(i.row() - 1));
}

// ---- analysis ----------------------------------------------------------------------------------

void MainWindow::requestAnalysis(const QList<Id>& images, bool batch) {
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
    const int job = inference_->worker()->submitAnalyse(items, promptBar_->parsed(promptBar_->prompts()));
    jobs_.insert(job);
    jobImages_[job] = todo;
    if (batch) {
        batchJobs_.insert(job);
        batchClock_.start();
        batchTotal_ = int(items.size());
        batchDone_ = 0;
        batchEta_ = EtaEstimator();
        failures_.clear();
    }
    updateActions();
}

void MainWindow::analyseCurrent() {
    if (!current_) return;
    implicit_.remove(current_); // asked for: the merge may update the document
    requestAnalysis({current_}, false);
}

void MainWindow::analyseAll() {
    promptBar_->flush();
    QList<Id> todo;
    for (const auto& img : ws_->document().images()) {
        const auto* r = ws_->record(img.id);
        if (!r || !r->analysis || stale_.contains(img.id)) todo << img.id;
    }
    for (Id id : todo) implicit_.remove(id);
    if (todo.isEmpty()) {
        statusBar()->showMessage(tr("Every image is analysed with the current prompts."), 5000);
        return;
    }
    requestAnalysis(todo, true);
}

void MainWindow::cancelAnalysis() {
    rescorePending_ = false;
    inference_->worker()->cancel();
    for (int job : std::as_const(jobs_)) cancelledJobs_.insert(job);
    // Inspections and relevance maps still queued are dropped with the rest: ask again later.
    pendingInspect_.clear();
    for (auto it = relevance_.begin(); it != relevance_.end();) it = it->second ? std::next(it) : relevance_.erase(it);
    statusBar()->showMessage(tr("Cancelling…"), 3000);
}

void MainWindow::onPromptsChanged(const QStringList& prompts) {
    if (!syncing_) setSettingsPrompts(prompts);
    // Every analysed image is now stale; the current one is re-queried right away (only the new
    // prompts are encoded, the image state comes from the engine's cache).
    for (const auto& img : ws_->document().images())
        if (const auto* r = ws_->record(img.id); r && r->analysis) stale_.insert(img.id);
    if (!engineReady_ || !current_) return;
    const auto* r = ws_->record(current_);
    if (r && r->analysis) {
        const int job = inference_->worker()->submitRequery(current_, ws_->imagePath(current_), r->analysis,
                                                            promptBar_->parsed(prompts));
        jobs_.insert(job);
        jobImages_[job] = {current_};
    } else if (opt_.autoAnalyse && !imageLoading_ && !canvas_->imageSize().isEmpty()) {
        requestAnalysis({current_}, false);
    }
}

void MainWindow::onImageAnalysed(int job, qint64 image, AnalysisPtr analysis) {
    inference_->worker()->resultConsumed();
    // After Cancel nothing more changes, whatever was still on its way.
    if (cancelledJobs_.contains(job) || !ws_->document().image(image)) return;
    // An older job's result after newer prompts: keep it (better than nothing) but stay stale.
    QStringList analysed;
    for (const auto& p : analysis->prompts) analysed << QString::fromStdString(p.text);
    const bool current = analysed == promptBar_->prompts();
    const Id keepSelected = selected_;
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
    if (current) stale_.remove(image);
    else stale_.insert(image);
    if (batchJobs_.contains(job)) {
        ++batchDone_;
        batchEta_.imageDone(batchClock_.elapsed());
    }
    for (const auto& w : analysis->warnings) statusBar()->showMessage(QString::fromStdString(w), 6000);
    if (image == current_ && keepSelected && ws_->document().interaction(keepSelected)) selectInteraction(keepSelected);
    // Drop inspector/relevance caches of this image: pair indices may have changed.
    for (auto it = relevance_.begin(); it != relevance_.end();)
        it = std::get<0>(it->first) == image ? relevance_.erase(it) : std::next(it);
    for (auto it = inspections_.begin(); it != inspections_.end();)
        it = it->first.first == image ? inspections_.erase(it) : std::next(it);
    if (image == current_) {
        refreshHeatmap();
        refreshInspector();
    }
}

void MainWindow::onProgress(int job, const QString& stage, const QString& item, int done, int total) {
    if (!jobs_.contains(job)) return;
    progress_->show();
    progressLabel_->show();
    cancelButton_->show();
    QString text = stageText(stage);
    if (!item.isEmpty()) text += QStringLiteral(" · ") + item;
    if (batchJobs_.contains(job) && total > 1) {
        progress_->setRange(0, total);
        progress_->setValue(done);
        text += tr(" · %1 of %2").arg(std::min(done + 1, total)).arg(total);
        if (const double left = batchEta_.secondsLeft(total - done); left >= 0)
            text += tr(" · about %1 left").arg(formatDuration(left));
    } else {
        progress_->setRange(0, 0); // busy indicator for one image
    }
    progressLabel_->setText(text);
}

void MainWindow::onJobFinished(int job, bool cancelled) {
    jobs_.remove(job);
    cancelled |= cancelledJobs_.remove(job);
    if (rescoreJobs_.remove(job) && rescorePending_ && rescoreJobs_.isEmpty()) {
        rescorePending_ = false;
        if (!cancelled) submitRescore();
    }
    const bool batch = batchJobs_.remove(job);
    jobImages_.erase(job);
    if (batch) {
        QString msg = cancelled ? tr("Analysis cancelled after %1 of %2 images.").arg(batchDone_).arg(batchTotal_)
                                : tr("Analysed %1 in %2.").arg(counted(batchTotal_, "image", "images")).arg(formatDuration(batchClock_.elapsed() / 1000.0));
        if (!failures_.isEmpty()) {
            msg += QLatin1Char(' ') + tr("%1 skipped.").arg(counted(failures_.size(), "image", "images"));
            if (!opt_.engineOverride)
                showError(tr("Some Images Were Skipped"),
                          tr("These images could not be analysed:\n\n%1").arg(failures_.join(QLatin1Char('\n'))), true);
        }
        statusBar()->showMessage(msg, 10000);
    } else if (cancelled) {
        statusBar()->showMessage(tr("Analysis cancelled."), 4000);
    }
    if (jobs_.isEmpty()) {
        progress_->hide();
        progressLabel_->hide();
        cancelButton_->hide();
    }
    updateActions();
    updateCounts();
    checkIdle();
}

bool MainWindow::isIdle() const { return jobs_.isEmpty() && !imageLoading_; }

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
    if (c.kind == K::Reset) {
        if (current_ && !ws_->document().image(current_)) setCurrentImage(0);
        refreshCanvas();
    } else if (c.image == current_ || (c.kind == K::ImageChanged && c.id == current_)) {
        if (selected_ && !ws_->document().interaction(selected_)) selected_ = 0;
        refreshCanvas();
        if (c.kind == K::InteractionChanged && c.id == selected_) refreshInspector();
    }
    updateCounts();
    updateActions();
    session_->scheduleAutosave();
}

void MainWindow::refreshCanvas() {
    if (!current_ || canvas_->imageSize().isEmpty()) {
        canvas_->setContent({}, {});
        return;
    }
    const auto& doc = ws_->document();
    QVector<CanvasBox> boxes;
    for (const auto* in : doc.instances_of(current_)) {
        if (in->state == State::Rejected) continue;
        CanvasBox b;
        b.id = in->id;
        b.rect = QRectF(QPointF(in->box.x1, in->box.y1), QPointF(in->box.x2, in->box.y2));
        b.label = pairModel_->instanceName(in->id);
        if (b.label.isEmpty()) b.label = classDisplay(in->cls);
        b.human = in->cls.is_person();
        b.state = reviewState(in->state);
        b.score = in->score ? *in->score : -1;
        boxes << b;
    }
    QVector<CanvasPair> pairs;
    for (const auto* it : doc.interactions_of(current_)) {
        if (!proxy_->accepts(*it) && it->id != selected_) continue;
        if (it->state == State::Rejected && it->id != selected_) continue;
        CanvasPair p;
        p.id = it->id;
        p.subject = it->subject;
        p.object = it->object;
        p.verb = verbDisplay(it->verb);
        p.score = it->score ? *it->score : -1;
        p.state = reviewState(it->state);
        pairs << p;
    }
    syncing_ = true;
    canvas_->setContent(boxes, pairs);
    if (selected_) canvas_->setSelectedPair(selected_);
    syncing_ = false;
    syncTableSelection();
}

void MainWindow::syncTableSelection() {
    const bool was = syncing_;
    syncing_ = true;
    const QModelIndex src = pairModel_->indexOf(selected_);
    const QModelIndex i = src.isValid() ? proxy_->mapFromSource(src) : QModelIndex();
    if (i.isValid()) {
        pairTable_->selectionModel()->setCurrentIndex(i, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        pairTable_->scrollTo(i);
    } else {
        pairTable_->selectionModel()->clearSelection();
        pairTable_->selectionModel()->setCurrentIndex(QModelIndex(), QItemSelectionModel::NoUpdate);
    }
    syncing_ = was;
}

void MainWindow::selectInteraction(Id interaction) {
    const auto* in = ws_->document().interaction(interaction);
    if (!in) interaction = 0;
    if (in && in->image != current_) setCurrentImage(in->image);
    selected_ = interaction;
    syncing_ = true;
    canvas_->setSelectedPair(interaction);
    syncing_ = false;
    syncTableSelection();
    tile_ = {-2, -2};
    refreshHeatmap();
    refreshInspector();
    updateActions();
}

bool MainWindow::selectBestPair() {
    Id best = 0;
    double bestScore = -1;
    for (const auto* it : ws_->document().interactions_of(current_)) {
        if (!proxy_->accepts(*it)) continue;
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
    tile_ = {-2, -2};
    refreshHeatmap();
}

// ---- heatmap and inspector ---------------------------------------------------------------------

void MainWindow::refreshHeatmap() {
    const auto* in = ws_->document().interaction(selected_);
    const ImageRecord* rec = ws_->record(current_);
    auto clear = [&] {
        canvas_->setHeatmap(QImage());
        Q_EMIT heatmapUpdated();
    };
    if (!in || !rec || !rec->analysis) return clear();
    const int pair = ws_->pairIndex(current_, in->subject, in->object);
    if (pair < 0) return clear();
    const model::ImageAnalysis& a = *rec->analysis;
    auto show = [&](const model::AttentionMap& m) {
        if (m.empty() || m.grid_w <= 0 || m.grid_h <= 0) return clear();
        Grid g;
        g.rows = m.grid_h;
        g.cols = m.grid_w;
        g.values = m.weights;
        canvas_->setHeatmap(heatmapImage(g), QRectF(m.frame_x, m.frame_y, m.frame_size, m.frame_size));
        Q_EMIT heatmapUpdated();
    };
    // An inspector tile chosen by the person.
    if (tile_.first != -2) {
        auto it = inspections_.find({current_, pair});
        if (it != inspections_.end()) {
            const model::AttentionStack& s = tile_.first == -1 ? it->second->pair_query : it->second->image_cls;
            const int layer = tile_.first == -1 ? 0 : tile_.first;
            const size_t n = size_t(s.grid_w) * size_t(s.grid_h);
            const size_t off = (size_t(layer) * size_t(s.heads) + size_t(tile_.second)) * n;
            if (n && off + n <= s.data.size()) {
                model::AttentionMap m;
                m.grid_w = s.grid_w;
                m.grid_h = s.grid_h;
                m.frame_x = s.frame_x;
                m.frame_y = s.frame_y;
                m.frame_size = s.frame_size;
                m.weights.assign(s.data.begin() + long(off), s.data.begin() + long(off + n));
                return show(m);
            }
        }
    }
    if (heatmapSource_ == HeatmapSource::Relevance && a.scored) {
        const int prompt = ws_->scoreSource(in->id).prompt;
        if (prompt >= 0) {
            auto it = relevance_.find({current_, pair, prompt});
            if (it != relevance_.end() && it->second) return show(*it->second);
            if (it != relevance_.end()) {
                // Requested and not there (yet, or it failed): show the attention meanwhile.
                if (size_t(pair) < a.pair_attention.size()) return show(a.pair_attention[size_t(pair)]);
                return clear();
            }
            relevance_[{current_, pair, prompt}] = nullptr; // requested
            const int job = inference_->worker()->submitRelevance(current_, rec->analysis, pair, prompt);
            jobs_.insert(job);
            return clear();
        }
    }
    if (heatmapSource_ == HeatmapSource::Relevance) {
        auto it = relevance_.find({current_, pair, ws_->scoreSource(in->id).prompt});
        if (it != relevance_.end() && it->second) return show(*it->second);
    }
    if (size_t(pair) < a.pair_attention.size()) return show(a.pair_attention[size_t(pair)]);
    clear();
}

void MainWindow::refreshInspector() {
    InspectorData d;
    const auto* in = ws_->document().interaction(selected_);
    const ImageRecord* rec = ws_->record(current_);
    if (!hasClip_ && engineReady_) d.note = tr("Open-vocabulary scoring needs the CLIP model — run `hoi models fetch clip-vit-b32`.");
    if (rec && rec->analysis) {
        for (const auto& t : rec->analysis->timings)
            d.timings.push_back({QString::fromStdString(t.stage), t.ms, t.cached});
    }
    if (in) {
        d.hasPair = true;
        d.title = QStringLiteral("%1 — %2 — %3").arg(pairModel_->instanceName(in->subject), verbDisplay(in->verb),
                                                   pairModel_->instanceName(in->object));
        d.prompt = QString::fromStdString(in->prompt);
        const int pair = rec && rec->analysis ? ws_->pairIndex(current_, in->subject, in->object) : -1;
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
        if (!d.scored && in->score) {
            d.scoredAlone = true;
            d.aloneScore = float(*in->score);
        }
        if (pair >= 0 && hasClip_) {
            auto it = inspections_.find({current_, pair});
            if (it != inspections_.end() && it->second) {
                auto conv = [](const model::AttentionStack& s) {
                    InspectorData::Stack o;
                    o.layers = s.layers;
                    o.heads = s.heads;
                    o.gridW = s.grid_w;
                    o.gridH = s.grid_h;
                    o.data = s.data;
                    return o;
                };
                d.imageCls = conv(it->second->image_cls);
                d.pairQuery = conv(it->second->pair_query);
            } else {
                const QString key = QStringLiteral("%1/%2").arg(current_).arg(pair);
                d.inspectionPending = true;
                if (!pendingInspect_.contains(key)) {
                    pendingInspect_.insert(key);
                    const int job = inference_->worker()->submitInspect(current_, rec->analysis, pair);
                    jobs_.insert(job);
                }
            }
        }
    }
    inspectorData_ = d;
#ifdef HOI_WITH_INSPECTOR
    if (auto* insp = qobject_cast<InspectorWidget*>(inspector_)) insp->setData(d);
#endif
}

// ---- editing -----------------------------------------------------------------------------------

void MainWindow::setSelectedState(State state) {
    if (!selected_ || !ws_->document().interaction(selected_)) return;
    const Id id = selected_;
    // The pair after this one, taken before the change (a state filter may hide this one after it).
    const QModelIndex cur = proxy_->mapFromSource(pairModel_->indexOf(id));
    const Id next = cur.isValid() && cur.row() + 1 < proxy_->rowCount()
                        ? proxy_->data(proxy_->index(cur.row() + 1, 0), PairTableModel::IdRole).toLongLong()
                        : 0;
    ws_->undoStack()->push(new SetInteractionStateCommand(ws_->document(), id, state));
    // Review is a stream of A / R presses: move on to the next pair (a preference, on by default).
    // J after A then goes on from the pair A moved to: nothing is skipped.
    if (advanceAfterReview_ && next) selectInteraction(next);
    else selectInteraction(id);
}

void MainWindow::acceptSelected() { setSelectedState(State::Accepted); }
void MainWindow::rejectSelected() { setSelectedState(State::Rejected); }

void MainWindow::stepPair(int step) {
    const QModelIndex cur = proxy_->mapFromSource(pairModel_->indexOf(selected_));
    const int row = cur.isValid() ? cur.row() + step : (step > 0 ? 0 : proxy_->rowCount() - 1);
    if (row >= 0 && row < proxy_->rowCount()) {
        selectInteraction(proxy_->data(proxy_->index(row, 0), PairTableModel::IdRole).toLongLong());
        return;
    }
    // Past the last pair of the image: the first pair of the next image with pairs (K: the last
    // pair of the previous one). The image is shown even when it has none yet.
    const QModelIndex img = imageModel_->indexOf(current_);
    const int target = (img.isValid() ? img.row() : -1) + step;
    if (target < 0 || target >= imageModel_->rowCount()) {
        statusBar()->showMessage(step > 0 ? tr("Last pair of the last image.") : tr("First pair of the first image."), 3000);
        return;
    }
    setCurrentImage(imageModel_->idAt(target));
    if (proxy_->rowCount() > 0)
        selectInteraction(proxy_->data(proxy_->index(step > 0 ? 0 : proxy_->rowCount() - 1, 0), PairTableModel::IdRole).toLongLong());
}

void MainWindow::nextPair() { stepPair(+1); }
void MainWindow::previousPair() { stepPair(-1); }

void MainWindow::setVerb(const QList<Id>& relations, const QString& verbText) {
    const std::string verb = verbText.trimmed().toStdString();
    if (verb.empty() || relations.isEmpty()) return;
    const auto& vocab = annotation::HicoVocabulary::instance();
    const int v = vocab.verb_id(verb);
    const std::string stored = v >= 0 ? vocab.verb_name(v) : verb;
    auto& doc = ws_->document();
    QList<Id> changed;
    for (Id id : relations)
        if (const auto* in = doc.interaction(id); in && in->verb != stored) changed << id;
    if (changed.isEmpty()) return;
    if (changed.size() > 1) ws_->undoStack()->beginMacro(tr("Change verb of %1 pairs to \"%2\"").arg(changed.size()).arg(verbText));
    for (Id id : changed) {
        const auto* in = doc.interaction(id);
        const auto m = ws_->modelScore(in->image, in->subject, in->object, stored);
        ws_->undoStack()->push(new SetVerbCommand(doc, id, verb, m ? std::optional<double>(m->score) : std::nullopt));
    }
    if (changed.size() > 1) ws_->undoStack()->endMacro();
    for (Id id : changed) scoreMadePair(id);
    if (relations.contains(selected_)) {
        refreshHeatmap();
        refreshInspector();
    }
}

QList<Id> MainWindow::selectedPairs() const {
    QList<Id> ids;
    for (const QModelIndex& i : pairTable_->selectionModel()->selectedRows())
        ids << proxy_->data(i, PairTableModel::IdRole).toLongLong();
    if (ids.isEmpty() && selected_) ids << selected_;
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
        if (const auto* in = ws_->document().interaction(selected_)) ask.setTextValue(verbDisplay(in->verb));
        if (ask.exec() == QDialog::Accepted) setVerb(several, ask.textValue());
        return;
    }
    if (!selected_) return;
    const QModelIndex i = proxy_->mapFromSource(pairModel_->indexOf(selected_, PairTableModel::VerbColumn));
    if (!i.isValid()) return;
    pairTable_->setFocus();
    pairTable_->setCurrentIndex(i);
    pairTable_->edit(i);
    if (auto* editor = pairTable_->findChild<QLineEdit*>()) {
        QStringList verbs;
        for (const auto& v : annotation::HicoVocabulary::instance().verbs()) verbs << verbDisplay(v);
        auto* c = new QCompleter(verbs, editor);
        c->setCaseSensitivity(Qt::CaseInsensitive);
        c->setFilterMode(Qt::MatchStartsWith);
        editor->setCompleter(c);
        // One Enter takes the completion and ends the edit (the popup eats the first one).
        connect(c, qOverload<const QString&>(&QCompleter::activated), editor, [editor] {
            QMetaObject::invokeMethod(editor, [editor] {
                QKeyEvent press(QEvent::KeyPress, Qt::Key_Return, Qt::NoModifier);
                QApplication::sendEvent(editor, &press);
            }, Qt::QueuedConnection);
        });
    }
}

void MainWindow::deleteSelected() {
    if (selected_ && ws_->document().interaction(selected_)) {
        ws_->undoStack()->push(new RemoveInteractionCommand(ws_->document(), selected_));
        selected_ = 0;
        refreshInspector();
        refreshHeatmap();
    } else if (const Id box = canvas_->selectedBox(); box && ws_->document().instance(box)) {
        ws_->undoStack()->push(new RemoveInstanceCommand(ws_->document(), box));
    }
    updateActions();
}

void MainWindow::toggleReviewed() {
    const auto* img = ws_->document().image(current_);
    if (!img) return;
    ws_->undoStack()->push(new SetReviewedCommand(ws_->document(), current_, !img->reviewed));
    updateActions();
}

void MainWindow::addBox(const QRectF& rect) {
    if (!current_) return;
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
    annotation::Instance in;
    in.image = current_;
    in.box = {rect.left(), rect.top(), rect.right(), rect.bottom()};
    const QString cls = classCombo_->currentText().trimmed();
    in.cls = annotation::ObjectClass::named(cls.isEmpty() ? std::string("person") : cls.toStdString());
    in.state = State::Accepted;
    auto* cmd = new AddInstanceCommand(ws_->document(), in);
    ws_->undoStack()->push(cmd);
    canvas_->setSelectedBox(cmd->instanceId());
}

void MainWindow::linkPair(Id subject, Id object) {
    const auto& doc = ws_->document();
    const auto* s = doc.instance(subject);
    const auto* o = doc.instance(object);
    if (!s || !o) return;
    if (!s->cls.is_person() && o->cls.is_person()) std::swap(subject, object), std::swap(s, o);
    if (!s->cls.is_person()) {
        statusBar()->showMessage(tr("A pair starts at a person."), 5000);
        return;
    }
    // The verb: the first prompt about this object's class, else the first prompt, else "interact".
    std::string verb = "interact";
    std::string prompt;
    bool found = false;
    for (const model::Prompt& parsed : promptBar_->parsed(promptBar_->prompts())) {
        if (parsed.no_interaction) continue;
        if (!found || parsed.applies_to(o->cls.resolved_coco80())) {
            verb = model::relation_verb(parsed);
            // The prompt only when it is about this object ("kick sports ball" is not the prompt of
            // "kick" on a cup: that one is "kick cup", from madePairPrompt).
            prompt = parsed.applies_to(o->cls.resolved_coco80()) ? parsed.text : std::string();
            if (parsed.object_class >= 0 && parsed.applies_to(o->cls.resolved_coco80())) {
                found = true;
                break;
            }
            found = true;
        }
    }
    annotation::Interaction in;
    in.image = current_;
    in.subject = subject;
    in.object = object;
    in.verb = verb;
    in.hico_verb = annotation::HicoVocabulary::instance().verb_id(verb);
    in.state = State::Accepted;
    in.prompt = prompt.empty() ? madePairPrompt(in).toStdString() : prompt;
    if (const auto m = ws_->modelScore(current_, subject, object, in.verb)) in.score = m->score; // scored when CLIP is loaded
    auto* cmd = new AddInteractionCommand(ws_->document(), in);
    ws_->undoStack()->push(cmd);
    scoreMadePair(cmd->interactionId());
    selectInteraction(cmd->interactionId());
    statusBar()->showMessage(tr("Pair added — press E to change its verb."), 5000);
}

QString MainWindow::madePairPrompt(const annotation::Interaction& in) const {
    const auto* o = ws_->document().instance(in.object);
    if (!o) return {};
    return QString::fromStdString(in.verb).replace(QLatin1Char('_'), QLatin1Char(' ')) + QLatin1Char(' ') +
           QString::fromStdString(o->cls.label);
}

void MainWindow::trainOnReviewed() {
    if (!engineReady_ || !hasClip_) {
        showError(tr("Train on Reviewed Images"), tr("Training needs the CLIP model."), true);
        return;
    }
    if (ws_->projectPath().isEmpty() && !save()) return; // the head is saved beside the project
    const QString out = headPath();
    if (out.isEmpty()) return;
    const int job = inference_->worker()->submitTrain(ws_->toProject(), ws_->imageDir(), out, opt_.trainEpochs);
    jobs_.insert(job);
    updateActions();
}

void MainWindow::syncAdapter(bool rescore, Id onlyImage) {
    if (!engineReady_ || !hasClip_) return;
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
    InferenceWorker* w = inference_->worker();
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
        jobs_.insert(w->submitAdapterExample(edit));
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
        jobs_.insert(w->submitAdapterExample(edit));
        adapterHeld_.emplace(relation, std::move(e));
        changed = true;
    }
    if (changed && rescore) scheduleRescore();
}

void MainWindow::scheduleRescore() {
    if (!rescoreJobs_.isEmpty()) {
        rescorePending_ = true; // after the one on its way (it may have passed some images already)
        return;
    }
    submitRescore();
}

void MainWindow::submitRescore() {
    if (!engineReady_ || !hasClip_) return;
    QSet<Id> queued; // images a person's analysis is about to score anyway (with the adapter)
    for (const auto& [job, ids] : jobImages_)
        if (!rescoreJobs_.contains(job))
            for (Id id : ids) queued.insert(id);
    QList<Id> order;
    if (current_) order << current_;
    for (const auto& img : ws_->document().images())
        if (img.id != current_) order << img.id;
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
    const int job = inference_->worker()->submitAnalyse(items, promptBar_->parsed(promptBar_->prompts()));
    jobs_.insert(job);
    jobImages_[job] = ids;
    rescoreJobs_.insert(job);
    updateActions();
}

void MainWindow::scoreMadePair(Id relation) {
    const auto& doc = ws_->document();
    const auto* in = doc.interaction(relation);
    if (!hasClip_ || !in || in->score) return;
    const auto* s = doc.instance(in->subject);
    const auto* o = doc.instance(in->object);
    if (!s || !o || o->cls.label.empty()) return;
    auto detection = [](const annotation::Instance& i) {
        detect::Detection d;
        d.x1 = float(i.box.x1), d.y1 = float(i.box.y1), d.x2 = float(i.box.x2), d.y2 = float(i.box.y2);
        d.class_id = std::max(0, i.cls.resolved_coco80());
        d.label = i.cls.label;
        d.score = i.score ? float(*i.score) : 1.0f; // a box a person drew is certain
        return d;
    };
    PairScoreRequest r;
    r.image = in->image;
    r.relation = relation;
    r.path = ws_->imagePath(in->image);
    r.human = detection(*s);
    r.object = detection(*o);
    r.prompt = madePairPrompt(*in);
    if (const auto* rec = ws_->record(in->image); rec && rec->analysis)
        for (const auto& p : rec->analysis->prompts) r.context << QString::fromStdString(p.text);
    else
        r.context = promptBar_->prompts();
    inference_->worker()->submitScorePair(r);
}

// ---- chrome ------------------------------------------------------------------------------------

void MainWindow::showBanner(const QString& html, bool) {
    bannerLabel_->setText(html);
    banner_->show();
}

QString MainWindow::bannerText() const { return bannerLabel_->text(); }
bool MainWindow::bannerVisible() const { return banner_->isVisible() || (!banner_->isHidden()); }

void MainWindow::updateTitle() {
    QString name = ws_->projectPath().isEmpty() ? (ws_->imageDir().isEmpty() ? tr("Untitled") : QFileInfo(ws_->imageDir()).fileName())
                                                : QFileInfo(ws_->projectPath()).fileName();
    setWindowTitle(QStringLiteral("%1[*] — HOI Studio").arg(name));
    setWindowModified(ws_->isModified());
}

void MainWindow::updateActions() {
    const bool hasDoc = !ws_->document().empty();
    const bool hasPair = selected_ && ws_->document().interaction(selected_);
    const bool hasBox = canvas_ && canvas_->selectedBox();
    saveAct_->setEnabled(hasDoc);
    saveAsAct_->setEnabled(hasDoc);
    exportAct_->setEnabled(hasDoc);
    acceptAct_->setEnabled(hasPair);
    rejectAct_->setEnabled(hasPair);
    editVerbAct_->setEnabled(hasPair || (pairTable_ && pairTable_->selectionModel()->hasSelection()));
    deleteAct_->setEnabled(hasPair || hasBox);
    nextPairAct_->setEnabled(proxy_ && proxy_->rowCount() > 0);
    prevPairAct_->setEnabled(proxy_ && proxy_->rowCount() > 0);
    const auto* img = ws_->document().image(current_);
    reviewedAct_->setEnabled(img != nullptr);
    reviewedAct_->setChecked(img && img->reviewed);
    // The button shows the state: a ticked box and "Reviewed" once marked, an empty box before.
    reviewedAct_->setIcon(icon(img && img->reviewed ? "reviewed" : "state-none"));
    reviewedAct_->setIconText(img && img->reviewed ? tr("Reviewed") : tr("Mark Image Reviewed"));
    analyseAct_->setEnabled(engineReady_ && current_);
    analyseAllAct_->setEnabled(engineReady_ && hasDoc);
    cancelAct_->setEnabled(!jobs_.isEmpty());
    canvas_->setEditable(img != nullptr);
}

void MainWindow::updateCounts() {
    const auto c = ws_->counts();
    countsLabel_->setText(tr("%1 · %2 analysed · %3 reviewed\n%4 · %5 accepted")
                              .arg(counted(c.images, "image", "images"))
                              .arg(c.analysed)
                              .arg(c.reviewed)
                              .arg(counted(c.interactions, "pair", "pairs"))
                              .arg(c.accepted));
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
