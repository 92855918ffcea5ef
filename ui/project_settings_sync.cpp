#include "project_settings_sync.h"

#include <QSlider>
#include <cmath>

#include "prompt_bar.h"
#include "workspace.h"

namespace hoi::ui {

ProjectSettingsSync::ProjectSettingsSync(Workspace* ws, PromptBar* promptBar, QSlider* scoreFilter, QObject* parent)
    : QObject(parent), ws_(ws), promptBar_(promptBar), scoreFilter_(scoreFilter) {
    connect(promptBar_, &PromptBar::promptsChanged, this, &ProjectSettingsSync::setPrompts);
}

void ProjectSettingsSync::showSettings() {
    const auto& settings = ws_->settings();
    if (!settings.prompts.empty()) {
        QStringList p;
        for (const auto& s : settings.prompts) p << QString::fromStdString(s);
        // 600 prompts = the HICO preset.
        if (p.size() == PromptBar::hicoPrompts().size()) p = QStringList{QLatin1String(PromptBar::kHicoPreset)};
        promptBar_->setChips(p);
    }
    // The project's score filter comes back with it (saving writes what the slider shows).
    if (auto it = settings.thresholds.find("pair"); it != settings.thresholds.end())
        scoreFilter_->setValue(int(std::lround(it->second * 100)));
}

annotation::Project ProjectSettingsSync::projectToWrite(const QString& path) {
    // A saved file and a recovery file alike, so a restored session has the prompts it was
    // analysed with.
    setPrompts(promptBar_->prompts());
    ws_->settings().thresholds["pair"] = scoreFilter_->value() / 100.0;
    return ws_->toProject(path);
}

void ProjectSettingsSync::setPrompts(const QStringList& prompts) {
    ws_->settings().prompts.clear();
    for (const QString& p : prompts) ws_->settings().prompts.push_back(p.toStdString());
}

} // namespace hoi::ui
