#include "studio_actions.h"

#include <QAction>
#include <QActionGroup>
#include <QDockWidget>
#include <QFileInfo>
#include <QMenu>
#include <QMenuBar>
#include <QUndoStack>
#include <QWidget>

#include "icons.h"

namespace hoi::ui {

StudioActions::StudioActions(QUndoStack* undoStack, QWidget* window) : QObject(window) {
    auto make = [this, window](const QString& text, const QString& iconName, const QList<QKeySequence>& keys,
                               const QString& tip = {}) {
        auto* a = new QAction(icon(iconName), text, this);
        a->setShortcuts(keys);
        if (!tip.isEmpty()) a->setStatusTip(tip);
        QString t = text;
        t.remove(QLatin1Char('&')).remove(QStringLiteral("…"));
        if (!keys.isEmpty()) t += QStringLiteral(" (%1)").arg(keys.first().toString(QKeySequence::NativeText));
        a->setToolTip(t);
        window->addAction(a);
        return a;
    };
    open = make(tr("&Open…"), "open", {QKeySequence::Open}, tr("Open images, a project or an annotation file"));
    openFolder = make(tr("Open &Folder…"), "open-folder", {QKeySequence(tr("Ctrl+Shift+O"))});
    importAnnotations = make(tr("&Import Annotations…"), "open", {QKeySequence(tr("Ctrl+I"))},
                             tr("Import HICO-DET, instances, COCO or CSV annotations with their image folder"));
    save = make(tr("&Save Project"), "save", {QKeySequence::Save});
    saveAs = make(tr("Save Project &As…"), "save", {QKeySequence::SaveAs});
    exportAnnotations = make(tr("&Export…"), "export", {QKeySequence(tr("Ctrl+E"))});
    quit = make(tr("&Quit"), "", {QKeySequence::Quit});
    undo = undoStack->createUndoAction(this, tr("&Undo"));
    undo->setIcon(icon("undo"));
    undo->setShortcuts({QKeySequence::Undo});
    redo = undoStack->createRedoAction(this, tr("&Redo"));
    redo->setIcon(icon("redo"));
    redo->setShortcuts({QKeySequence(tr("Ctrl+Shift+Z")), QKeySequence(tr("Ctrl+Y"))});
    window->addAction(undo);
    window->addAction(redo);
    accept = make(tr("&Accept Pair"), "accept", {QKeySequence(Qt::Key_A)});
    reject = make(tr("&Reject Pair"), "reject", {QKeySequence(Qt::Key_R)});
    nextPair = make(tr("&Next Pair"), "", {QKeySequence(Qt::Key_J)});
    previousPair = make(tr("&Previous Pair"), "", {QKeySequence(Qt::Key_K)});
    editVerb = make(tr("Change &Verb…"), "", {QKeySequence(Qt::Key_E), QKeySequence(Qt::Key_F2)});
    remove = make(tr("&Delete"), "delete", {QKeySequence::Delete, QKeySequence(Qt::Key_Backspace)},
                  tr("Delete the selected pair or box"));
    reviewed = make(tr("Mark Image &Reviewed"), "reviewed", {QKeySequence(Qt::Key_M)});
    reviewed->setCheckable(true);
    nextImage = make(tr("Next &Image"), "", {QKeySequence(Qt::Key_N), QKeySequence(Qt::Key_PageDown)});
    previousImage = make(tr("Previous Ima&ge"), "", {QKeySequence(Qt::Key_P), QKeySequence(Qt::Key_PageUp)});
    zoomIn = make(tr("Zoom &In"), "zoom-in", {QKeySequence::ZoomIn, QKeySequence(tr("Ctrl+="))});
    zoomOut = make(tr("Zoom &Out"), "zoom-out", {QKeySequence::ZoomOut});
    zoomFit = make(tr("&Fit to Window"), "zoom-fit", {QKeySequence(tr("Ctrl+0")), QKeySequence(Qt::Key_F)});
    zoomActual = make(tr("&Actual Size (1:1)"), "zoom-actual", {QKeySequence(tr("Ctrl+1"))});
    heatmap = make(tr("Show &Heatmap"), "heatmap", {QKeySequence(Qt::Key_H)},
                   tr("Show where the model looked for the selected pair"));
    heatmap->setCheckable(true);
    heatmap->setChecked(true);
    selectTool = make(tr("&Select Tool"), "tool-select", {QKeySequence(Qt::Key_V)});
    boxTool = make(tr("Draw &Box Tool"), "tool-box", {QKeySequence(Qt::Key_B)});
    linkTool = make(tr("&Link Pair Tool"), "tool-link", {QKeySequence(Qt::Key_L)},
                    tr("Drag from a human to an object to add a pair"));
    toolGroup = new QActionGroup(this);
    for (QAction* a : {selectTool, boxTool, linkTool}) {
        a->setCheckable(true);
        toolGroup->addAction(a);
    }
    selectTool->setChecked(true);
    analyse = make(tr("&Analyse Image"), "analyse", {QKeySequence(tr("Ctrl+R"))});
    analyseAll = make(tr("Analyse &All Images"), "analyse-all", {QKeySequence(tr("Ctrl+Shift+R"))});
    cancel = make(tr("&Cancel Analysis"), "cancel", {QKeySequence(tr("Ctrl+."))});
    evaluate = make(tr("&Evaluate…"), "", {}, tr("HICO-DET mAP of predictions against ground truth"));
    evaluate->setObjectName(QStringLiteral("evaluateAction"));
    shortcuts = make(tr("&Keyboard Shortcuts"), "help", {QKeySequence(Qt::Key_F1)});
    about = make(tr("&About HOI Studio"), "", {});
    preferences = make(tr("&Preferences…"), "", {QKeySequence::Preferences, QKeySequence(tr("Ctrl+,"))});
    // Menu-only actions (no shortcut, no tool tip of their own).
    train = new QAction(tr("&Train on Reviewed Images"), this);
    train->setObjectName(QStringLiteral("trainAction"));
    train->setStatusTip(tr("Train the model's head on the pairs you accepted, rejected or re-verbed; saved beside the project"));
    useHead = new QAction(tr("&Use Trained Head"), this);
    useHead->setObjectName(QStringLiteral("useHeadAction"));
    useHead->setCheckable(true);
    useHead->setStatusTip(tr("Score with the head trained on this project's reviews (off: the untrained, training-free head)"));
}

StudioActions::Menus StudioActions::fillMenuBar(QMenuBar* bar, const QList<QDockWidget*>& docks) const {
    Menus m;
    QMenu* file = bar->addMenu(tr("&File"));
    file->addAction(open);
    file->addAction(openFolder);
    m.recent = file->addMenu(tr("Open &Recent"));
    m.recent->setObjectName(QStringLiteral("recentMenu"));
    file->addAction(importAnnotations);
    file->addSeparator();
    file->addAction(save);
    file->addAction(saveAs);
    file->addAction(exportAnnotations);
    file->addSeparator();
    file->addAction(quit);
    QMenu* edit = bar->addMenu(tr("&Edit"));
    edit->addAction(undo);
    edit->addAction(redo);
    edit->addSeparator();
    edit->addAction(accept);
    edit->addAction(reject);
    edit->addAction(editVerb);
    edit->addAction(remove);
    edit->addSeparator();
    edit->addAction(nextPair);
    edit->addAction(previousPair);
    edit->addSeparator();
    edit->addAction(reviewed);
    edit->addAction(nextImage);
    edit->addAction(previousImage);
    edit->addSeparator();
    edit->addAction(preferences);
    QMenu* tools = bar->addMenu(tr("&Tools"));
    tools->addAction(selectTool);
    tools->addAction(boxTool);
    tools->addAction(linkTool);
    QMenu* view = bar->addMenu(tr("&View"));
    view->addAction(zoomIn);
    view->addAction(zoomOut);
    view->addAction(zoomFit);
    view->addAction(zoomActual);
    view->addSeparator();
    view->addAction(heatmap);
    view->addSeparator();
    for (QDockWidget* d : docks) view->addAction(d->toggleViewAction());
    QMenu* analysis = bar->addMenu(tr("&Analysis"));
    analysis->addAction(analyse);
    analysis->addAction(analyseAll);
    analysis->addAction(cancel);
    analysis->addSeparator();
    analysis->addAction(evaluate);
    analysis->addAction(train);
    analysis->addAction(useHead);
    QMenu* help = bar->addMenu(tr("&Help"));
    help->addAction(shortcuts);
    help->addAction(about);
    m.all = {file, edit, tools, view, analysis, help};
    return m;
}

void StudioActions::fillRecentMenu(QMenu* menu, const QStringList& paths, const std::function<void(const QString&)>& open) {
    menu->clear();
    for (const QString& p : paths) {
        QAction* a = menu->addAction(QFileInfo(p).fileName().isEmpty() ? p : QFileInfo(p).fileName());
        a->setToolTip(p);
        a->setStatusTip(p);
        a->setEnabled(QFileInfo::exists(p));
        connect(a, &QAction::triggered, menu, [open, p] { open(p); });
    }
    if (paths.isEmpty()) menu->addAction(tr("No recent files"))->setEnabled(false);
}

void StudioActions::update(const Availability& can) {
    save->setEnabled(can.document);
    saveAs->setEnabled(can.document);
    exportAnnotations->setEnabled(can.document);
    accept->setEnabled(can.pair);
    reject->setEnabled(can.pair);
    editVerb->setEnabled(can.pair || can.selectedRows);
    remove->setEnabled(can.pair || can.box);
    nextPair->setEnabled(can.rows);
    previousPair->setEnabled(can.rows);
    reviewed->setEnabled(can.image);
    reviewed->setChecked(can.image && can.reviewed);
    // The button shows the state: a ticked box and "Reviewed" once marked, an empty box before.
    reviewed->setIcon(icon(can.image && can.reviewed ? "reviewed" : "state-none"));
    reviewed->setIconText(can.image && can.reviewed ? tr("Reviewed") : tr("Mark Image Reviewed"));
    analyse->setEnabled(can.engineReady && can.image);
    analyseAll->setEnabled(can.engineReady && can.document);
    cancel->setEnabled(can.busy);
}

} // namespace hoi::ui
