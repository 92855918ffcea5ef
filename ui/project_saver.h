#pragma once
// Saving the workspace's project (File ▸ Save and Save As, and before the open work is given up):
// to its project file, or to one asked for when it has none; "Save your changes?" before a
// modified project goes (Save, Discard — the recovery file goes too — or Cancel). The sibling of
// ProjectOpener. No widgets: the question and the file are asked through hooks the window
// supplies, errors and messages go out as signals, so tests drive it alone.
#include <QObject>
#include <QString>
#include <functional>

namespace hoi::ui {

class Workspace;
class ProjectSession;

class ProjectSaver : public QObject {
    Q_OBJECT
public:
    enum class Answer { Save, Discard, Cancel };
    struct Hooks {
        // "Save your changes?" for a modified project; none: never asked, the work may go.
        std::function<Answer()> askToSave;
        // The project file to save to (Save As, or a project without one); "" cancels.
        std::function<QString()> chooseFile;
    };
    ProjectSaver(Workspace* ws, ProjectSession* session, QObject* parent = nullptr);
    void setHooks(Hooks hooks) { hooks_ = std::move(hooks); }

    // Writes the project to `path`, which becomes its project file. False (error() sent) on failure.
    bool saveTo(const QString& path);
    // To the project file, or to one asked for. False when cancelled or failed.
    bool save();
    // To a file asked for. False when cancelled or failed.
    bool saveAs();
    // The project has a file: an untitled one is saved first (its file asked for).
    bool saveUntitled();
    // Whether the open work may be given up: yes when it is unmodified or empty, when nobody is
    // asked, or the person saves it (successfully) or discards it.
    bool mayDiscard();

Q_SIGNALS:
    void error(const QString& title, const QString& text, bool warning);
    void message(const QString& text, int ms);
    void saved(const QString& path);

private:
    Workspace* ws_;
    ProjectSession* session_;
    Hooks hooks_;
};

} // namespace hoi::ui
