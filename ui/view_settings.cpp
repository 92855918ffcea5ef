#include "view_settings.h"

#include <QAction>
#include <QComboBox>
#include <QMainWindow>
#include <QSettings>
#include <QSlider>

#include "prompt_bar.h"

namespace hoi::ui {

void ViewSettings::read() const {
    QSettings s;
    v_.window->restoreGeometry(s.value("window/geometry").toByteArray());
    v_.window->restoreState(s.value("window/state").toByteArray());
    v_.scoreFilter->setValue(s.value("thresholds/score", v_.scoreFilter->value()).toInt());
    v_.heatmapOpacity->setValue(s.value("heatmap/opacity", v_.heatmapOpacity->value()).toInt());
    v_.heatmapVisible->setChecked(s.value("heatmap/visible", true).toBool());
    v_.heatmapSource->setCurrentIndex(s.value("heatmap/source", 0).toInt());
    v_.prompts->setHistory(s.value("prompts/history").toStringList());
    const QStringList chips = s.value("prompts/chips").toStringList();
    if (!chips.isEmpty()) v_.prompts->setChips(chips);
    v_.boxClass->setCurrentText(s.value("tools/class", QStringLiteral("person")).toString());
}

void ViewSettings::write(double keepScore) const {
    QSettings s;
    s.setValue("window/geometry", v_.window->saveGeometry());
    s.setValue("window/state", v_.window->saveState());
    s.setValue("thresholds/score", v_.scoreFilter->value());
    s.setValue("thresholds/keep", keepScore);
    s.setValue("heatmap/opacity", v_.heatmapOpacity->value());
    s.setValue("heatmap/visible", v_.heatmapVisible->isChecked());
    s.setValue("heatmap/source", v_.heatmapSource->currentIndex());
    s.setValue("prompts/chips", v_.prompts->chips());
    s.setValue("prompts/history", v_.prompts->history());
    s.setValue("tools/class", v_.boxClass->currentText());
}

ViewSettings::Review ViewSettings::review(double keepScore) {
    QSettings s;
    return {s.value("thresholds/keep", keepScore).toDouble(), s.value("review/advance", true).toBool()};
}

} // namespace hoi::ui
