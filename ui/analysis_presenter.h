#pragma once
// Turns the document and the model's analyses into what the views show: the canvas's boxes and
// pairs, the heatmap of the selected pair (an inspector tile, its relevance map or its attention)
// and the inspector's score breakdown. Plain values in, plain values out; explanations not yet
// computed are asked for through the AnalysisController. No widgets, so it is tested alone.
#include <QString>
#include <QVector>
#include <functional>
#include <optional>
#include <utility>

#include "canvas_content.h"
#include "inspector_data.h"
#include "workspace.h"

namespace hoi::ui {

class AnalysisController;

class AnalysisPresenter {
public:
    enum class HeatmapSource { Attention, Relevance };
    // The name a view gives an instance ("person 1"); "" = its class name.
    using NameOf = std::function<QString(Id instance)>;
    // Whether a relation passes the view's filters (score, state).
    using Visible = std::function<bool(const annotation::Interaction&)>;

    AnalysisPresenter(const Workspace* ws, AnalysisController* analysis) : ws_(ws), analysis_(analysis) {}

    struct Canvas {
        QVector<CanvasBox> boxes;
        QVector<CanvasPair> pairs;
    };
    // The image's boxes (not rejected ones) and the visible pairs (the selected one always).
    Canvas canvas(Id image, Id selected, const Visible& visible, const NameOf& nameOf) const;

    // No tile chosen in the inspector.
    static constexpr std::pair<int, int> kNoTile{-2, -2};
    // The map drawn over the image for the selected relation; nullopt = none. tile: (layer, head)
    // of an inspector tile (layer -1: the pair query), kNoTile for the source's map. A relevance map
    // not computed yet is asked for; meanwhile the pair's attention is shown.
    std::optional<model::AttentionMap> heatmap(Id image, Id relation, HeatmapSource source,
                                               std::pair<int, int> tile) const;

    // The inspector's content for the selected relation (the per-layer attention is asked for when
    // the engine has CLIP and it is not there yet: inspectionPending).
    InspectorData inspector(Id image, Id relation, const NameOf& nameOf) const;

private:
    // The reviewed examples behind the adapter's term of (pair, prompt) (asked for when not there).
    void examples(InspectorData& d, Id image, int pair, int prompt) const;
    QString nameOf(const NameOf& names, Id instance) const;
    const Workspace* ws_;
    AnalysisController* analysis_;
};

} // namespace hoi::ui
