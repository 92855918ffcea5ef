#include "project_session.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QSettings>
#include <QStandardPaths>
#include <QUndoStack>

#include "annotation/formats.h"
#include "annotation/recovery_store.h"
#include "io/atomic_file.h"
#include "io/image.h"
#include "inference_worker.h" // errorMessage
#include "workspace.h"

namespace hoi::ui {

ProjectSession::ProjectSession(Workspace* ws, const Options& options, QObject* parent)
    : QObject(parent), ws_(ws), opt_(options) {
    autosave_.setSingleShot(true);
    autosave_.setInterval(opt_.autosaveMs);
    connect(&autosave_, &QTimer::timeout, this, [this] {
        QString error;
        if (!autosaveNow(&error)) Q_EMIT autosaveFailed(error);
    });
    untitledPending_ = annotation::RecoveryStore(untitledProjectPath().toStdString()).has_recovery();
}

// ---- paths -------------------------------------------------------------------------------------

QString ProjectSession::untitledProjectPath() const {
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    QDir().mkpath(dir);
    return QDir(dir).filePath(QStringLiteral("untitled.hoiproj"));
}

QString ProjectSession::recoveryPath() const {
    const QString p = ws_->projectPath().isEmpty() ? untitledProjectPath() : ws_->projectPath();
    return QString::fromStdString(annotation::RecoveryStore::recovery_path_for(p.toStdString()));
}

QString ProjectSession::headPath() const {
    const QString p = ws_->projectPath();
    if (p.isEmpty()) return {};
    const QFileInfo fi(p);
    return fi.dir().filePath(fi.completeBaseName() + QStringLiteral(".head.safetensors"));
}

QString ProjectSession::projectHead() const {
    const auto it = ws_->settings().models.find("head");
    if (it == ws_->settings().models.end() || it->second.empty()) return {};
    const QString p = QString::fromStdString(it->second);
    if (QFileInfo(p).isAbsolute()) return p;
    const QString base = ws_->projectPath().isEmpty() ? ws_->imageDir() : QFileInfo(ws_->projectPath()).absolutePath();
    return QDir(base).filePath(p);
}

bool ProjectSession::setProjectHead(const QString& path) {
    auto& models = ws_->settings().models;
    std::string value;
    if (!path.isEmpty()) {
        const QString base = ws_->projectPath().isEmpty() ? QString() : QFileInfo(ws_->projectPath()).absolutePath();
        const QString rel = base.isEmpty() ? QString() : QDir(base).relativeFilePath(QFileInfo(path).absoluteFilePath());
        value = (!rel.isEmpty() && !rel.startsWith(QLatin1String("..")) ? rel : QFileInfo(path).absoluteFilePath()).toStdString();
    }
    const auto it = models.find("head");
    const std::string old = it == models.end() ? std::string() : it->second;
    if (old == value) return false;
    if (value.empty()) models.erase("head");
    else models["head"] = value;
    ws_->setModified(true);
    scheduleAutosave();
    return true;
}

// ---- reading -----------------------------------------------------------------------------------

std::optional<ProjectSession::Opened> ProjectSession::readProject(const QString& path, QString* error) {
    annotation::RecoveryStore store(path.toStdString());
    Opened out;
    try {
        if (store.has_newer_recovery()) {
            RecoveryPolicy policy = opt_.recovery;
            if (policy == RecoveryPolicy::Ask)
                policy = ask_ && ask_(tr("Recover Unsaved Changes"),
                                      tr("HOI Studio found unsaved changes to %1 that are newer than the file (the "
                                         "application did not close normally).\n\nRestore them?")
                                          .arg(QFileInfo(path).fileName()))
                             ? RecoveryPolicy::Restore
                             : RecoveryPolicy::Discard;
            if (policy == RecoveryPolicy::Restore) {
                out.project = store.load_recovery();
                out.restored = true;
            } else if (policy == RecoveryPolicy::Discard) {
                store.discard();
            }
        }
        if (!out.restored) out.project = annotation::load_project(path.toStdString());
    } catch (const std::exception& e) {
        if (error) *error = errorMessage(e);
        return std::nullopt;
    }
    return out;
}

ProjectSession::Inputs ProjectSession::classifyPaths(const QStringList& paths) {
    Inputs in;
    for (const QString& p : paths) {
        const QFileInfo fi(p);
        const QString suffix = fi.suffix().toLower();
        if (!fi.exists()) {
            in.problems << tr("%1 does not exist").arg(p);
        } else if (fi.isDir()) {
            in.folders << fi.absoluteFilePath();
        } else if (suffix == QLatin1String("hoiproj")) {
            in.projects << fi.absoluteFilePath();
        } else if (suffix == QLatin1String("json") || suffix == QLatin1String("csv")) {
            in.annotations << fi.absoluteFilePath();
        } else if (io::has_image_extension(p.toStdString())) {
            in.images << fi.absoluteFilePath();
        } else {
            in.problems << tr("%1 is not an image, a folder, a project or an annotation file").arg(p);
        }
    }
    return in;
}

QStringList ProjectSession::imagesIn(const QString& folder) {
    QStringList found;
    QDirIterator it(folder, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString f = it.next();
        if (io::has_image_extension(f.toStdString())) found << f;
    }
    found.sort();
    return found;
}

QString ProjectSession::imageDirBeside(const QString& annotationFile) {
    const QDir d = QFileInfo(annotationFile).absoluteDir();
    return d.exists(QStringLiteral("images")) ? d.filePath(QStringLiteral("images")) : d.absolutePath();
}

std::optional<annotation::Project> ProjectSession::readAnnotations(const QString& path, QStringList* projects,
                                                                   QString* error) {
    try {
        // Read once, and tell the format from the whole text as `hoi convert` does (a V-COCO list
        // whose first relation comes late is not taken for HICO-DET).
        const std::string text = io::read_file(path.toStdString(), annotation::kMaxAnnotationFileBytes);
        annotation::Format fmt = annotation::Format::Csv;
        if (!path.endsWith(QLatin1String(".csv"), Qt::CaseInsensitive)) fmt = annotation::detect_format(text);
        if (fmt == annotation::Format::Project) { // a project under another name
            if (projects) *projects << path;
            return std::nullopt;
        }
        return annotation::import_text(text, fmt, path.toStdString());
    } catch (const std::exception& e) {
        if (error) *error = tr("%1 cannot be imported:\n%2").arg(QFileInfo(path).fileName(), errorMessage(e));
        return std::nullopt;
    }
}

std::optional<annotation::Project> ProjectSession::takeUntitledRecovery(QString* error) {
    annotation::RecoveryStore store(untitledProjectPath().toStdString());
    if (!store.has_recovery()) {
        untitledPending_ = false;
        return std::nullopt;
    }
    RecoveryPolicy policy = opt_.recovery;
    if (policy == RecoveryPolicy::Ignore) return std::nullopt; // still pending: the file stays as it is
    if (policy == RecoveryPolicy::Ask)
        policy = ask_ && ask_(tr("Recover Unsaved Work"),
                              tr("HOI Studio did not close normally last time and kept your unsaved annotations.\n\n"
                                 "Restore them?"))
                     ? RecoveryPolicy::Restore
                     : RecoveryPolicy::Discard;
    untitledPending_ = false;
    if (policy == RecoveryPolicy::Discard) store.discard();
    if (policy != RecoveryPolicy::Restore) return std::nullopt;
    try {
        return store.load_recovery();
    } catch (const std::exception& e) {
        untitledPending_ = true; // unreadable: keep it for the person to look at
        if (error) *error = errorMessage(e);
        return std::nullopt;
    }
}

// ---- saving ------------------------------------------------------------------------------------

annotation::Project ProjectSession::snapshot(const QString& path) const {
    return snapshot_ ? snapshot_(path) : ws_->toProject(path);
}

bool ProjectSession::save(const QString& path, QString* error) {
    try {
        const annotation::Project project = snapshot(path);
        annotation::RecoveryStore(path.toStdString()).save(project);
        if (ws_->projectPath().isEmpty() && !untitledPending_)
            annotation::RecoveryStore(untitledProjectPath().toStdString()).discard();
        ws_->setProjectPath(path);
        addRecent(path);
        ws_->settings().image_dir = project.settings.image_dir;
        ws_->undoStack()->setClean();
        ws_->setModified(false);
        autosave_.stop();
        return true;
    } catch (const std::exception& e) {
        if (error) *error = errorMessage(e);
        return false;
    }
}

void ProjectSession::scheduleAutosave() {
    if (ws_->isModified()) autosave_.start();
}

bool ProjectSession::autosaveNow(QString* error) {
    autosave_.stop();
    if (ws_->document().empty() || !ws_->isModified()) return true;
    // The unsaved work of an earlier session is never overwritten before the person has chosen.
    if (ws_->projectPath().isEmpty() && untitledPending_) return true;
    const QString p = ws_->projectPath().isEmpty() ? untitledProjectPath() : ws_->projectPath();
    try {
        annotation::RecoveryStore(p.toStdString()).write(snapshot(p));
        return true;
    } catch (const std::exception& e) {
        if (error) *error = errorMessage(e);
        return false;
    }
}

void ProjectSession::discardRecovery() {
    autosave_.stop();
    if (!ws_->projectPath().isEmpty()) annotation::RecoveryStore(ws_->projectPath().toStdString()).discard();
    else if (!untitledPending_) annotation::RecoveryStore(untitledProjectPath().toStdString()).discard();
}

// ---- recent files ------------------------------------------------------------------------------

QStringList ProjectSession::recentPaths() const {
    return opt_.useSettings ? QSettings().value("paths/recent").toStringList() : recent_;
}

void ProjectSession::addRecent(const QString& path) {
    QStringList list = recentPaths();
    const QString abs = QFileInfo(path).absoluteFilePath();
    list.removeAll(abs);
    list.prepend(abs);
    while (list.size() > 10) list.removeLast();
    if (opt_.useSettings) QSettings().setValue("paths/recent", list);
    recent_ = list;
}

QString ProjectSession::lastFolder() const {
    return opt_.useSettings ? QSettings().value("paths/last_folder").toString() : lastFolder_;
}

void ProjectSession::setLastFolder(const QString& folder) {
    if (opt_.useSettings) QSettings().setValue("paths/last_folder", folder);
    lastFolder_ = folder;
}

} // namespace hoi::ui
