#pragma once
// The window's toolbar ("mainToolBar"): file, undo, analysis, the canvas tools with the class of
// new boxes ("classCombo", COCO's names or any), zoom, and the heatmap with its source
// ("heatmapSource": decoder attention / gradient relevance) and opacity ("heatmapOpacity", percent).
// drive() makes the tools, zoom and heatmap controls act on the canvas (and the tool shown follow
// the canvas's).
#include <QToolBar>

class QComboBox;
class QSlider;

namespace hoi::ui {

class StudioActions;
class ImageCanvas;

class MainToolBar : public QToolBar {
    Q_OBJECT
public:
    MainToolBar(const StudioActions* actions, QWidget* parent = nullptr);
    QComboBox* classBox() const { return classBox_; }
    QComboBox* heatmapSource() const { return heatmapSource_; } // 0 attention, 1 relevance
    QSlider* heatmapOpacity() const { return heatmapOpacity_; }
    void drive(ImageCanvas* canvas);

private:
    const StudioActions* a_;
    QComboBox* classBox_;
    QComboBox* heatmapSource_;
    QSlider* heatmapOpacity_;
};

} // namespace hoi::ui
