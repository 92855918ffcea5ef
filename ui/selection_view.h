#pragma once
// The views of what the person is looking at, kept in step with the SelectionModel: the current
// image (read off the GUI thread by ImageLoader; "Loading …" until then, the reason when it cannot
// be shown), its boxes and pairs on the canvas (the pair filters applied), the pair table's rows
// and current row, the image list's current row, the heatmap of the selected pair (its attention,
// its relevance map or an inspector tile) and the inspector's values (AnalysisPresenter makes them
// all). A pick in the canvas or the table selects through the SelectionModel; the views' echoes of
// what is shown here are ignored, so nothing loops. The views follow the analysis: an analysis
// applied to or merged into the current image, its relevance maps, inspection and adapter
// contributions as they arrive, a made pair's score.
#include <QObject>
#include <utility>

#include "analysis_presenter.h"
#include "inspector_data.h"

namespace hoi::ui {

class Workspace;
class SelectionModel;
class AnalysisController;
class ImageCanvas;
class ImageLoader;
class ImagesPanel;
class PairsPanel;
class InspectorDock;

class SelectionView : public QObject {
    Q_OBJECT
public:
    using Id = annotation::Id;
    using HeatmapSource = AnalysisPresenter::HeatmapSource;
    struct Views {
        ImageCanvas* canvas = nullptr;
        PairsPanel* pairs = nullptr;
        ImagesPanel* images = nullptr;
        InspectorDock* inspector = nullptr;
    };
    SelectionView(Workspace* ws, SelectionModel* selection, AnalysisController* analysis, const Views& views,
                  QObject* parent = nullptr);

    // Selects a pair (0: none); the pair already selected is shown again.
    void select(Id pair);
    HeatmapSource heatmapSource() const { return heatmapSource_; }
    void setHeatmapSource(HeatmapSource source);
    // An inspector tile (layer, head) drawn over the image instead of the source's map.
    void showTile(int layer, int head);
    bool tileShown() const { return tile_ != AnalysisPresenter::kNoTile; }
    // The current image is being read.
    bool loading() const;
    // The current image is read and shown (not loading, not failed).
    bool imageReady() const;
    const InspectorData& inspectorData() const { return inspectorData_; }

    void refreshCanvas();
    void refreshHeatmap();
    void refreshInspector();
    // A change of the document (not by an analysis): the ids still there, the current image's views.
    void documentChanged(const annotation::Change& change);

Q_SIGNALS:
    // The current image was read (or failed: error) and its views are drawn.
    void imageShown(hoi::annotation::Id image);
    void imageFailed(const QString& error);
    void heatmapUpdated();
    // Another image is being read, none is, or the selection shown changed: the actions may change.
    void stateChanged();
    // Nothing is loading any more (an image shown or none chosen).
    void settled();

private:
    // The views refreshed as the analysis of the current image (or its selected pair) arrives.
    void followAnalysis();
    void showImage(Id image);
    void onImageLoaded(Id image, const QImage& pixels, const QString& error);
    void showSelection();
    void syncTableSelection();

    Workspace* ws_;
    SelectionModel* selection_;
    AnalysisController* analysis_;
    AnalysisPresenter presenter_;
    Views v_;
    ImageLoader* loader_;
    bool syncing_ = false; // the views are being set: their signals are echoes
    HeatmapSource heatmapSource_ = HeatmapSource::Attention;
    std::pair<int, int> tile_ = AnalysisPresenter::kNoTile; // inspector tile shown on the canvas (layer, head)
    InspectorData inspectorData_;
};

} // namespace hoi::ui
