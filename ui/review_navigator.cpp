#include "review_navigator.h"

#include "annotation_editor.h"
#include "image_list_model.h"
#include "pair_table_model.h"
#include "pairs_panel.h"
#include "selection_model.h"
#include "workspace.h"

namespace hoi::ui {

ReviewNavigator::ReviewNavigator(Workspace* ws, SelectionModel* selection, AnnotationEditor* editor,
                                 ImageListModel* images, PairsPanel* pairs, QObject* parent)
    : QObject(parent), ws_(ws), selection_(selection), editor_(editor), images_(images), pairs_(pairs) {}

void ReviewNavigator::select(Id pair) {
    if (select_) select_(pair);
    else selection_->selectInteraction(pair);
}

void ReviewNavigator::nextImage() {
    const QModelIndex i = images_->indexOf(selection_->currentImage());
    const int row = i.isValid() ? i.row() + 1 : 0;
    if (row < images_->rowCount()) selection_->setCurrentImage(images_->idAt(row));
}

void ReviewNavigator::previousImage() {
    const QModelIndex i = images_->indexOf(selection_->currentImage());
    if (i.isValid() && i.row() > 0) selection_->setCurrentImage(images_->idAt(i.row() - 1));
}

void ReviewNavigator::stepPair(int step) {
    const int cur = pairs_->rowOf(selection_->selectedInteraction());
    const int row = cur >= 0 ? cur + step : (step > 0 ? 0 : pairs_->rowCount() - 1);
    if (const Id pair = pairs_->pairAt(row)) {
        select(pair);
        return;
    }
    // Past the last pair of the image: the first pair of the next image with pairs (K: the last
    // pair of the previous one). The image is shown even when it has none yet.
    const QModelIndex img = images_->indexOf(selection_->currentImage());
    const int target = (img.isValid() ? img.row() : -1) + step;
    if (target < 0 || target >= images_->rowCount()) {
        Q_EMIT message(step > 0 ? tr("Last pair of the last image.") : tr("First pair of the first image."), 3000);
        return;
    }
    selection_->setCurrentImage(images_->idAt(target));
    if (pairs_->rowCount() > 0) select(pairs_->pairAt(step > 0 ? 0 : pairs_->rowCount() - 1));
}

void ReviewNavigator::reviewSelected(annotation::State state) {
    const Id id = selection_->selectedInteraction();
    if (!id || !ws_->document().interaction(id)) return;
    // The pair after this one, taken before the change (a state filter may hide this one after it).
    const int row = pairs_->rowOf(id);
    const Id next = row >= 0 ? pairs_->pairAt(row + 1) : 0;
    editor_->setState(id, state);
    // Review is a stream of A / R presses: move on to the next pair (a preference, on by default).
    // J after A then goes on from the pair A moved to: nothing is skipped.
    select(advanceAfterReview_ && next ? next : id);
}

bool ReviewNavigator::selectBestPair() {
    Id best = 0;
    double bestScore = -1;
    for (const auto* it : ws_->document().interactions_of(selection_->currentImage())) {
        if (!pairs_->proxy()->accepts(*it)) continue;
        const double s = it->score ? *it->score : 0;
        if (!best || s > bestScore) {
            best = it->id;
            bestScore = s;
        }
    }
    if (best) select(best);
    return best != 0;
}

} // namespace hoi::ui
