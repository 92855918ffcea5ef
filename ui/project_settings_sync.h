#pragma once
// The project settings the window shows and edits: the prompts (the prompt bar's) and the score
// filter (settings' thresholds["pair"], the Pairs dock's slider in hundredths). A loaded project's
// settings are shown; prompts the person types go into the settings as they change; the project a
// save or autosave writes takes both from the widgets (ProjectSession's snapshot).
#include <QObject>
#include <QStringList>

#include "annotation/project.h"

class QSlider;

namespace hoi::ui {

class Workspace;
class PromptBar;

class ProjectSettingsSync : public QObject {
    Q_OBJECT
public:
    // Keeps the settings' prompts following promptBar's promptsChanged from now on.
    ProjectSettingsSync(Workspace* ws, PromptBar* promptBar, QSlider* scoreFilter, QObject* parent = nullptr);

    // Shows the workspace settings' prompts (600 prompts as the HICO preset; none keeps the bar's)
    // and score filter (when it has one).
    void showSettings();
    // The project as a save or autosave to `path` writes it, with the prompt bar and the score
    // filter written into its settings first.
    annotation::Project projectToWrite(const QString& path);

private:
    void setPrompts(const QStringList& prompts);

    Workspace* ws_;
    PromptBar* promptBar_;
    QSlider* scoreFilter_;
};

} // namespace hoi::ui
