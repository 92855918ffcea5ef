#include "main_tool_bar.h"

#include <QComboBox>
#include <QCompleter>
#include <QSlider>

#include "annotation/coco_classes.h"
#include "image_canvas.h"
#include "studio_actions.h"

namespace hoi::ui {

MainToolBar::MainToolBar(const StudioActions* a, QWidget* parent) : QToolBar(tr("Main"), parent), a_(a) {
    setObjectName(QStringLiteral("mainToolBar"));
    setIconSize(QSize(20, 20));
    setMovable(false);
    addActions({a->open, a->save, a->exportAnnotations});
    addSeparator();
    addActions({a->undo, a->redo});
    addSeparator();
    addActions({a->analyse, a->analyseAll});
    addSeparator();
    addActions({a->selectTool, a->boxTool, a->linkTool});
    classBox_ = new QComboBox(this);
    classBox_->setObjectName(QStringLiteral("classCombo"));
    classBox_->setEditable(true);
    classBox_->setToolTip(tr("Class of new boxes (a COCO class or any name)"));
    for (auto n : annotation::coco80_names()) classBox_->addItem(QString::fromUtf8(n.data(), int(n.size())));
    classBox_->setMinimumContentsLength(10);
    classBox_->completer()->setCompletionMode(QCompleter::PopupCompletion);
    addWidget(classBox_);
    addSeparator();
    addActions({a->zoomFit, a->zoomActual, a->zoomIn, a->zoomOut});
    addSeparator();
    addAction(a->heatmap);
    heatmapSource_ = new QComboBox(this);
    heatmapSource_->setObjectName(QStringLiteral("heatmapSource"));
    heatmapSource_->addItem(tr("Decoder attention"));
    heatmapSource_->addItem(tr("Gradient relevance"));
    heatmapSource_->setToolTip(tr("Which map to show for the selected pair"));
    addWidget(heatmapSource_);
    heatmapOpacity_ = new QSlider(Qt::Horizontal, this);
    heatmapOpacity_->setObjectName(QStringLiteral("heatmapOpacity"));
    heatmapOpacity_->setRange(5, 100);
    heatmapOpacity_->setValue(65);
    heatmapOpacity_->setFixedWidth(90);
    heatmapOpacity_->setToolTip(tr("Heatmap opacity"));
    addWidget(heatmapOpacity_);
}

void MainToolBar::drive(ImageCanvas* canvas) {
    using Tool = ImageCanvas::Tool;
    connect(a_->zoomIn, &QAction::triggered, canvas, &ImageCanvas::zoomIn);
    connect(a_->zoomOut, &QAction::triggered, canvas, &ImageCanvas::zoomOut);
    connect(a_->zoomFit, &QAction::triggered, canvas, &ImageCanvas::zoomToFit);
    connect(a_->zoomActual, &QAction::triggered, canvas, &ImageCanvas::zoomActualSize);
    connect(a_->heatmap, &QAction::toggled, canvas, &ImageCanvas::setHeatmapVisible);
    connect(a_->selectTool, &QAction::triggered, canvas, [canvas] { canvas->setTool(Tool::Select); });
    connect(a_->boxTool, &QAction::triggered, canvas, [canvas] { canvas->setTool(Tool::DrawBox); });
    connect(a_->linkTool, &QAction::triggered, canvas, [canvas] { canvas->setTool(Tool::Link); });
    connect(canvas, &ImageCanvas::toolChanged, this, [a = a_](Tool t) {
        (t == Tool::Select ? a->selectTool : t == Tool::DrawBox ? a->boxTool : a->linkTool)->setChecked(true);
    });
    canvas->setHeatmapOpacity(0.65);
    connect(heatmapOpacity_, &QSlider::valueChanged, canvas, [canvas](int v) { canvas->setHeatmapOpacity(v / 100.0); });
}

} // namespace hoi::ui
