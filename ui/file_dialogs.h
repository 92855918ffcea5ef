#pragma once
// The file dialogs of File ▸ Open, Open Image Folder, Import Annotations (and its image folder)
// and Save / Save As. Open and Import start in the folder something was last opened from
// (ProjectSession::lastFolder); saving suggests the project file, else annotations.hoiproj in the
// image folder (or the home folder). What they ask for (filters, suggestions, the .hoiproj suffix)
// is in static functions tested without a dialog.
#include <QString>
#include <QStringList>

class QWidget;

namespace hoi::ui {

class ProjectSession;
class Workspace;

class FileDialogs {
public:
    FileDialogs(QWidget* parent, const ProjectSession* session, const Workspace* ws)
        : parent_(parent), session_(session), ws_(ws) {}

    QStringList openFiles() const; // images, projects and annotation files; {} when cancelled
    QString openFolder() const;    // "" when cancelled
    QString importFile() const;
    QString imageFolderOf(const QString& annotationFile) const; // starts in the file's folder
    QString saveProject() const;   // the project file to write (ends in .hoiproj); "" when cancelled

    // "Images, projects and annotations (*.jpg ... *.hoiproj *.json *.csv);;All files (*)"
    static QString openFilter();
    // Where a project is suggested to be saved: its own file, else annotations.hoiproj in the
    // image folder, else in the home folder.
    static QString suggestedProjectPath(const QString& projectPath, const QString& imageDir);
    static QString withProjectSuffix(const QString& path);

private:
    QWidget* parent_;
    const ProjectSession* session_;
    const Workspace* ws_;
};

} // namespace hoi::ui
