#include "selection_view.h"

#include <QItemSelectionModel>
#include <QTableView>

#include "analysis_controller.h"
#include "heatmap.h"
#include "image_canvas.h"
#include "image_loader.h"
#include "images_panel.h"
#include "inspector_dock.h"
#include "pair_table_model.h"
#include "pairs_panel.h"
#include "selection_model.h"
#include "workspace.h"

namespace hoi::ui {

SelectionView::SelectionView(Workspace* ws, SelectionModel* selection, AnalysisController* analysis,
                             const Views& views, QObject* parent)
    : QObject(parent), ws_(ws), selection_(selection), analysis_(analysis), presenter_(ws, analysis), v_(views),
      loader_(new ImageLoader(this)) {
    connect(loader_, &ImageLoader::loaded, this, &SelectionView::onImageLoaded);
    connect(selection_, &SelectionModel::currentImageChanged, this, &SelectionView::showImage);
    connect(selection_, &SelectionModel::interactionChanged, this, [this] { showSelection(); });
    followAnalysis();
    connect(v_.images, &ImagesPanel::imageChosen, selection_, &SelectionModel::setCurrentImage);
    connect(v_.canvas, &ImageCanvas::pairSelected, this, [this](ItemId id) {
        if (!syncing_) selection_->selectInteraction(id);
    });
    connect(v_.canvas, &ImageCanvas::boxSelected, this, [this](ItemId id) {
        if (id && !syncing_) selection_->selectInteraction(0);
        Q_EMIT stateChanged();
    });
    QItemSelectionModel* rows = v_.pairs->table()->selectionModel();
    connect(rows, &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex& i) {
        if (!syncing_) selection_->selectInteraction(i.isValid() ? v_.pairs->proxy()->data(i, PairTableModel::IdRole).toLongLong() : 0);
    });
    connect(rows, &QItemSelectionModel::selectionChanged, this, &SelectionView::stateChanged);
    connect(v_.pairs, &PairsPanel::filterChanged, this, &SelectionView::refreshCanvas);
    connect(v_.pairs->proxy(), &QAbstractItemModel::layoutChanged, this, [this] { syncTableSelection(); });
    connect(v_.pairs->proxy(), &QAbstractItemModel::modelReset, this, [this] { syncTableSelection(); });
}

bool SelectionView::loading() const { return loader_->loading(); }
bool SelectionView::imageReady() const { return !loader_->loading() && !v_.canvas->imageSize().isEmpty(); }

void SelectionView::showImage(Id image) {
    tile_ = AnalysisPresenter::kNoTile;
    v_.pairs->model()->setImage(image);
    v_.images->showImage(image);
    v_.canvas->setImage(QImage());
    v_.canvas->setMessage(image ? tr("Loading %1…").arg(ws_->imagePath(image)) : QString());
    Q_EMIT stateChanged();
    if (!image) {
        loader_->cancel(); // an image still loading is not shown
        refreshInspector();
        Q_EMIT settled();
        return;
    }
    loader_->load(image, ws_->imagePath(image));
}

void SelectionView::onImageLoaded(Id image, const QImage& img, const QString& error) {
    v_.canvas->setImage(img);
    v_.canvas->setMessage(img.isNull() ? tr("%1 cannot be shown:\n%2").arg(ws_->imagePath(image), error) : QString());
    if (img.isNull()) {
        ws_->setImageError(image, error);
        Q_EMIT imageFailed(error);
    }
    refreshCanvas();
    refreshHeatmap();
    refreshInspector();
    Q_EMIT imageShown(image);
    if (!img.isNull()) analysis_->imageShown(image);
    Q_EMIT settled();
}

void SelectionView::documentChanged(const annotation::Change& c) {
    using K = annotation::Change::Kind;
    const Id current = selection_->currentImage();
    if (c.kind == K::Reset) {
        selection_->validate();
        refreshCanvas();
    } else if (c.image == current || (c.kind == K::ImageChanged && c.id == current)) {
        selection_->validate();
        refreshCanvas();
        if (c.kind == K::InteractionChanged && c.id == selection_->selectedInteraction()) refreshInspector();
    }
}

void SelectionView::refreshCanvas() {
    const Id image = selection_->currentImage(), selected = selection_->selectedInteraction();
    if (!image || v_.canvas->imageSize().isEmpty()) {
        v_.canvas->setContent({}, {});
        return;
    }
    const auto content = presenter_.canvas(
        image, selected, [this](const annotation::Interaction& in) { return v_.pairs->proxy()->accepts(in); },
        [this](Id id) { return v_.pairs->model()->instanceName(id); });
    syncing_ = true;
    v_.canvas->setContent(content.boxes, content.pairs);
    if (selected) v_.canvas->setSelectedPair(selected);
    syncing_ = false;
    syncTableSelection();
}

void SelectionView::syncTableSelection() {
    const bool was = syncing_;
    syncing_ = true;
    v_.pairs->showPair(selection_->selectedInteraction());
    syncing_ = was;
}

void SelectionView::select(Id pair) {
    const Id before = selection_->selectedInteraction();
    selection_->selectInteraction(pair);
    if (selection_->selectedInteraction() == before) showSelection(); // the same pair: shown again
}

void SelectionView::showSelection() {
    syncing_ = true;
    v_.canvas->setSelectedPair(selection_->selectedInteraction());
    syncing_ = false;
    syncTableSelection();
    tile_ = AnalysisPresenter::kNoTile;
    refreshHeatmap();
    refreshInspector();
    Q_EMIT stateChanged();
}

void SelectionView::setHeatmapSource(HeatmapSource source) {
    heatmapSource_ = source;
    tile_ = AnalysisPresenter::kNoTile;
    refreshHeatmap();
}

void SelectionView::showTile(int layer, int head) {
    tile_ = {layer, head};
    refreshHeatmap();
}

void SelectionView::refreshHeatmap() {
    const auto map = presenter_.heatmap(selection_->currentImage(), selection_->selectedInteraction(), heatmapSource_, tile_);
    if (map) {
        Grid g;
        g.rows = map->grid_h;
        g.cols = map->grid_w;
        g.values = map->weights;
        v_.canvas->setHeatmap(heatmapImage(g), QRectF(map->frame_x, map->frame_y, map->frame_size, map->frame_size));
    } else {
        v_.canvas->setHeatmap(QImage());
    }
    Q_EMIT heatmapUpdated();
}

void SelectionView::refreshInspector() {
    inspectorData_ = presenter_.inspector(selection_->currentImage(), selection_->selectedInteraction(),
                                          [this](Id id) { return v_.pairs->model()->instanceName(id); });
    v_.inspector->setData(inspectorData_);
}

void SelectionView::followAnalysis() {
    const auto current = [this](Id image) { return image == selection_->currentImage(); };
    connect(ws_, &Workspace::analysisApplied, this, [this, current](Id image) {
        if (!current(image)) return;
        refreshCanvas();
        refreshHeatmap();
        refreshInspector();
    });
    // After a merge the pair is shown again (none, when the merge removed it), which refreshes the
    // heatmap and the inspector once.
    connect(analysis_, &AnalysisController::analysisMerged, this, [this, current](Id image) {
        if (current(image)) select(selection_->selectedInteraction());
    });
    connect(analysis_, &AnalysisController::relevanceArrived, this, [this, current](Id image) {
        if (current(image)) refreshHeatmap();
    });
    connect(analysis_, &AnalysisController::inspectionArrived, this, [this, current](Id image) {
        if (!current(image)) return;
        refreshInspector();
        if (tileShown()) refreshHeatmap();
    });
    connect(analysis_, &AnalysisController::contributionsArrived, this, [this, current](Id image) {
        if (current(image)) refreshInspector();
    });
    connect(analysis_, &AnalysisController::madePairScored, this, [this](Id relation) {
        if (relation == selection_->selectedInteraction()) refreshInspector();
    });
}

} // namespace hoi::ui
