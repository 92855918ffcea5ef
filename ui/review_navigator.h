#pragma once
// Moving through the images and their pairs in the order the views show them: the next / previous
// image of the image list, the next / previous pair of the pair table (past the last pair of an
// image, on to the first pair of the next image with pairs), accepting or rejecting the selected
// pair and moving on to the one after it (a preference), and the best-scored visible pair. No
// widgets of its own: it reads the Images and Pairs panels' rows and selects through the window's
// select function (which shows a pair again when it is already selected).
#include <QObject>
#include <functional>

#include "annotation/document.h"

namespace hoi::ui {

class Workspace;
class SelectionModel;
class AnnotationEditor;
class ImageListModel;
class PairsPanel;

class ReviewNavigator : public QObject {
    Q_OBJECT
public:
    using Id = annotation::Id;
    using Select = std::function<void(Id pair)>;
    // select: how a pair is selected (default: the selection model's selectInteraction).
    ReviewNavigator(Workspace* ws, SelectionModel* selection, AnnotationEditor* editor, ImageListModel* images,
                    PairsPanel* pairs, QObject* parent = nullptr);
    void setSelect(Select select) { select_ = std::move(select); }
    // A / R move on to the next pair (preference review/advance, on by default).
    void setAdvanceAfterReview(bool on) { advanceAfterReview_ = on; }
    bool advanceAfterReview() const { return advanceAfterReview_; }

    void nextImage();
    void previousImage();
    // The pair `step` rows on (+1 / -1), across images; at the first / last image a message says so.
    void stepPair(int step);
    // Sets the selected pair's state (undoable), then selects the pair after it (advance on) or
    // shows it again.
    void reviewSelected(annotation::State state);
    // Selects the highest-scoring pair the filters show in the current image; false when none.
    bool selectBestPair();

Q_SIGNALS:
    void message(const QString& text, int ms);

private:
    void select(Id pair);

    Workspace* ws_;
    SelectionModel* selection_;
    AnnotationEditor* editor_;
    ImageListModel* images_;
    PairsPanel* pairs_;
    Select select_;
    bool advanceAfterReview_ = true;
};

} // namespace hoi::ui
