#pragma once
// Every QAction of the main window, each with its text, icon, shortcuts, status tip and (where tests
// or the window look it up) object name, and the menu bar they fill. The actions are added to the
// window so their shortcuts work wherever the focus is inside it; the window connects what they do.
#include <QList>
#include <QObject>
#include <QStringList>
#include <functional>

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
    // File ▸ Open Recent from the paths, newest first: each shown by its file name with the path as
    // its tip (disabled when it is gone), opened by `open`; "No recent files" when there are none.
    static void fillRecentMenu(QMenu* menu, const QStringList& paths, const std::function<void(const QString&)>& open);

    // What can be done now (the window gathers it after each change). The trained-head action is the window's.
    struct Availability {
        bool document = false;      // the workspace has images
        bool pair = false;          // a pair is selected
        bool box = false;           // a box is selected on the canvas
        bool selectedRows = false;  // the pair table has selected rows
        bool rows = false;          // the pair table shows rows
        bool image = false;         // an image is current
        bool reviewed = false;      // ... and marked reviewed
        bool engineReady = false;
        bool busy = false;          // an analysis job is queued or running
    };
    // Enables the actions that can act; the Reviewed action shows the image's state (checked, a
    // ticked box and "Reviewed" once marked, an empty box and "Mark Image Reviewed" before).
    void update(const Availability& can);
};

} // namespace hoi::ui
