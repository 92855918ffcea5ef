#pragma once
// Opening what a person asks for into the workspace (File ▸ Open and Import, a drop, the command
// line, Open Recent, the untitled session's recovery): the paths sorted by kind
// (ProjectSession::classifyPaths), a project file (with its recovery file), an annotation file read
// and checked before the open work is given up and shown with its image folder, images and folders
// added to the workspace; then the first image made current, the recent list and the last folder
// kept. No widgets: whether the open work may be given up is the window's question (`mayDiscard`),
// errors and messages go out as signals, and the window shows a loaded project's prompts and score
// filter on projectLoaded.
#include <QObject>
#include <QStringList>
#include <functional>

#include "annotation/project.h"

namespace hoi::ui {

class Workspace;
class ProjectSession;
class SelectionModel;
class AnalysisController;

class ProjectOpener : public QObject {
    Q_OBJECT
public:
    struct Hooks {
        std::function<bool()> mayDiscard;         // the open work may be replaced (asks to save it); default yes
        std::function<QStringList()> keptPrompts; // the prompts kept from before (said when images open fresh)
    };
    ProjectOpener(Workspace* ws, ProjectSession* session, SelectionModel* selection, AnalysisController* analysis,
                  QObject* parent = nullptr);
    void setHooks(Hooks hooks) { hooks_ = std::move(hooks); }

    // Opens images, folders, a HICO-DET / COCO / instances / CSV file (with an image folder given
    // among the paths, or next to it) or a project file. False when nothing could be opened (the
    // reasons went out as error()).
    bool open(const QStringList& paths);
    // Imports an annotation file: it is checked first (asking for its image folder is pointless
    // when it cannot be read); chooseFolder asks for its image folder ("" cancels).
    void import(const QString& file, const std::function<QString(const QString& file)>& chooseFolder);
    // Offers the autosaved untitled session of a run that did not end normally; true when restored.
    bool offerUntitledRecovery();

Q_SIGNALS:
    void error(const QString& title, const QString& text, bool warning);
    void message(const QString& text, int ms);
    // A project was loaded, before its first image is shown. withSettings: a project file or a
    // recovery (its prompts and score filter are to be shown); false: an imported annotation file.
    void projectLoaded(bool withSettings);
    // open() ended with something opened or not: counts and actions may have changed.
    void openEnded();

private:
    bool openProjectFile(const QString& path);
    // Shows a project just read; restored = unsaved changes brought back (the project is modified).
    void adopt(annotation::Project project, const QString& path, const QString& baseDir, bool restored);
    // Shows an imported annotation file (unsaved, modified) with its image folder.
    void adoptImport(annotation::Project project, const QString& path, const QString& imageDir);
    // Forgets the shown project's selection and analyses and loads another one.
    void load(annotation::Project project, const QString& path, const QString& baseDir, bool modified);
    void showFirstImage();

    Workspace* ws_;
    ProjectSession* session_;
    SelectionModel* selection_;
    AnalysisController* analysis_;
    Hooks hooks_;
};

} // namespace hoi::ui
