#include "project_opener.h"

#include <QFileInfo>
#include <optional>

#include "analysis_controller.h"
#include "project_session.h"
#include "selection_model.h"
#include "workspace.h"

namespace hoi::ui {

ProjectOpener::ProjectOpener(Workspace* ws, ProjectSession* session, SelectionModel* selection,
                             AnalysisController* analysis, QObject* parent)
    : QObject(parent), ws_(ws), session_(session), selection_(selection), analysis_(analysis) {}

bool ProjectOpener::open(const QStringList& paths) {
    auto [images, annotations, dirs, projects, problems] = ProjectSession::classifyPaths(paths);
    bool opened = false;
    // An annotation file is read and checked before anything of the open work is given up.
    std::optional<annotation::Project> imported;
    if (projects.isEmpty() && !annotations.isEmpty()) {
        QString error;
        imported = session_->readAnnotations(annotations.first(), &projects, &error);
        if (!imported && !error.isEmpty()) Q_EMIT this->error(tr("Import Annotations"), error, false);
        if (!imported && projects.isEmpty()) return false;
    }
    if (!projects.isEmpty() || imported) {
        if (hooks_.mayDiscard && !hooks_.mayDiscard()) return false;
    }
    if (!projects.isEmpty()) {
        opened = openProjectFile(projects.first());
    } else if (imported) {
        // The image folder: a folder given with it, else the file's folder (or its images/ subfolder).
        QString imageDir = dirs.isEmpty() ? QString() : dirs.takeFirst();
        if (imageDir.isEmpty()) imageDir = ProjectSession::imageDirBeside(annotations.first());
        adoptImport(std::move(*imported), annotations.first(), imageDir);
        opened = true;
    }
    // Images and folders are added to the workspace.
    for (const QString& d : dirs) {
        const QStringList found = ProjectSession::imagesIn(d);
        if (found.isEmpty()) problems << tr("No images in %1").arg(d);
        images << found;
        session_->setLastFolder(d);
    }
    if (!images.isEmpty()) {
        // Images opened into an empty, untitled workspace are no work to lose yet; images added to
        // a project change it.
        const bool fresh = ws_->document().empty() && ws_->projectPath().isEmpty() && !ws_->isModified();
        const QList<Id> added = ws_->addImages(images, &problems);
        if (fresh) ws_->setModified(false);
        // Prompts kept from before (the last session, another folder) are said, not used silently.
        const QStringList chips = hooks_.keptPrompts ? hooks_.keptPrompts() : QStringList();
        if (fresh && !added.isEmpty() && !chips.isEmpty()) {
            // Short enough for the status bar beside the progress (the chips show them all).
            QString list = QStringList(chips.mid(0, 2)).join(QStringLiteral(", "));
            if (chips.size() > 2) list += tr(" and %1 more").arg(chips.size() - 2);
            Q_EMIT message(tr("Prompts kept from before: %1 (Clear to drop them)").arg(list), 15000);
        }
        if (!added.isEmpty()) {
            opened = true;
            session_->setLastFolder(QFileInfo(images.first()).absolutePath());
            const Id current = selection_->currentImage();
            if (!current || !ws_->document().image(current)) selection_->setCurrentImage(added.first());
        } else if (!ws_->document().images().empty()) {
            opened = true; // already open
        }
    }
    if (!problems.isEmpty()) Q_EMIT error(tr("Open"), problems.join(QLatin1Char('\n')), true);
    if (opened) {
        if (!projects.isEmpty()) session_->addRecent(projects.first());
        else if (!annotations.isEmpty()) session_->addRecent(annotations.first());
        else if (!ws_->imageDir().isEmpty()) session_->addRecent(ws_->imageDir());
    }
    Q_EMIT openEnded();
    return opened;
}

void ProjectOpener::import(const QString& file, const std::function<QString(const QString&)>& chooseFolder) {
    QStringList asProject;
    QString error;
    if (!session_->readAnnotations(file, &asProject, &error) && asProject.isEmpty()) {
        Q_EMIT this->error(tr("Import Annotations"), error, false);
        return;
    }
    if (!asProject.isEmpty()) {
        open(asProject);
        return;
    }
    const QString dir = chooseFolder(file);
    if (!dir.isEmpty()) open({file, dir});
}

bool ProjectOpener::offerUntitledRecovery() {
    QString error;
    auto project = session_->takeUntitledRecovery(&error);
    if (!project) {
        if (!error.isEmpty()) Q_EMIT this->error(tr("Recover Unsaved Work"), error, true);
        return false;
    }
    adopt(std::move(*project), QString(), QFileInfo(session_->untitledProjectPath()).absolutePath(), true);
    return true;
}

bool ProjectOpener::openProjectFile(const QString& path) {
    QString error;
    auto opened = session_->readProject(path, &error);
    if (!opened) {
        Q_EMIT this->error(tr("Open Project"), error, false);
        return false;
    }
    adopt(std::move(opened->project), path, {}, opened->restored);
    session_->setLastFolder(QFileInfo(path).absolutePath());
    if (opened->restored) Q_EMIT message(tr("Restored unsaved changes of %1").arg(QFileInfo(path).fileName()), 8000);
    return true;
}

void ProjectOpener::load(annotation::Project project, const QString& path, const QString& baseDir, bool modified) {
    selection_->clear();
    analysis_->forgetImages();
    ws_->loadProject(std::move(project), path, baseDir);
    if (modified) ws_->setModified(true);
}

void ProjectOpener::showFirstImage() {
    if (!ws_->document().images().empty()) selection_->setCurrentImage(ws_->document().images().front().id);
}

void ProjectOpener::adopt(annotation::Project project, const QString& path, const QString& baseDir, bool restored) {
    load(std::move(project), path, baseDir, restored);
    Q_EMIT projectLoaded(true); // its prompts, score filter and trained head before its first image is analysed
    showFirstImage();
}

void ProjectOpener::adoptImport(annotation::Project project, const QString& path, const QString& imageDir) {
    project.settings.image_dir = imageDir.toStdString();
    load(std::move(project), QString(), imageDir, true);
    Q_EMIT projectLoaded(false);
    showFirstImage();
    Q_EMIT message(tr("Imported %1 (%2 images)").arg(QFileInfo(path).fileName()).arg(ws_->document().images().size()), 8000);
}

} // namespace hoi::ui
