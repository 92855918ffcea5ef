#pragma once
// The Images dock's content: the workspace's images ("imageList": ImageListModel with its
// delegate), a line of counts under it ("countsLabel": images, analysed, reviewed, pairs,
// accepted: refreshed at most a few times a second while analyses arrive) and a button for the
// given Analyse All action.
#include <QTimer>
#include <QWidget>

#include "annotation/document.h"
#include "workspace.h"

class QAction;
class QLabel;
class QListView;

namespace hoi::ui {

class ImageListModel;

class ImagesPanel : public QWidget {
    Q_OBJECT
public:
    ImagesPanel(Workspace* workspace, QAction* analyseAll, QWidget* parent = nullptr);

    QListView* list() const { return list_; }
    ImageListModel* model() const { return model_; }
    QLabel* countsLabel() const { return countsLabel_; }
    // Makes image current in the list (no imageChosen for it).
    void showImage(annotation::Id image);
    // The counts line from the workspace now (the window calls it after changes, debounced in batches).
    void updateCounts();
    // "3 images · 2 analysed · 1 reviewed\n5 pairs · 2 accepted"
    static QString countsText(const Workspace::Counts& counts);

Q_SIGNALS:
    // The person made another image current in the list.
    void imageChosen(annotation::Id image);

private:
    Workspace* ws_;
    ImageListModel* model_;
    QListView* list_;
    QLabel* countsLabel_;
    bool showing_ = false;
    QTimer countsTimer_; // a batch's analyses refresh the counts a few times a second
};

} // namespace hoi::ui
