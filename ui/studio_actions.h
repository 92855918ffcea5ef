#pragma once
// Every QAction of the main window, each with its text, icon, shortcuts, status tip and (where tests
// or the window look it up) object name, and the menu bar they fill. The actions are added to the
// window so their shortcuts work wherever the focus is inside it; the window connects what they do.
#include <QList>
#include <QObject>

class QAction;
class QActionGroup;
class QDockWidget;
class QMenu;
class QMenuBar;
class QUndoStack;
class QWidget;

namespace hoi::ui {

class StudioActions : public QObject {
    Q_OBJECT
public:
    // The undo and redo actions follow undoStack; every action is added to window (shortcuts).
    StudioActions(QUndoStack* undoStack, QWidget* window);

    // File
    QAction *open, *openFolder, *importAnnotations, *save, *saveAs, *exportAnnotations, *quit;
    // Edit
    QAction *undo, *redo, *accept, *reject, *nextPair, *previousPair, *editVerb, *remove, *reviewed,
        *nextImage, *previousImage, *preferences;
    // Tools (exclusive, in toolGroup)
    QAction *selectTool, *boxTool, *linkTool;
    QActionGroup* toolGroup;
    // View
    QAction *zoomIn, *zoomOut, *zoomFit, *zoomActual, *heatmap;
    // Analysis ("evaluateAction", "trainAction", "useHeadAction")
    QAction *analyse, *analyseAll, *cancel, *evaluate, *train, *useHead;
    // Help
    QAction *shortcuts, *about;

    struct Menus {
        QList<QMenu*> all; // File, Edit, Tools, View, Analysis, Help (the shortcuts dialog lists them)
        QMenu* recent = nullptr; // File ▸ Open Recent ("recentMenu"), filled by the window
    };
    // Fills the menu bar; the View menu ends with the docks' toggle actions.
    Menus fillMenuBar(QMenuBar* bar, const QList<QDockWidget*>& docks) const;
};

} // namespace hoi::ui
