#include "main_tool_bar.h"

#include <QComboBox>
#include <QCompleter>
#include <QSlider>

#include "annotation/coco_classes.h"
#include "studio_actions.h"

namespace hoi::ui {

MainToolBar::MainToolBar(const StudioActions* a, QWidget* parent) : QToolBar(tr("Main"), parent) {
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

} // namespace hoi::ui
