#pragma once
// The project file of a workspace and everything that keeps it safe: reading a project (with the
// recovery file of a session that did not end normally), importing annotation files, saving,
// debounced autosave to the recovery file, the untitled session's recovery, the recent-files list,
// the folder the file dialogs start in and the files kept beside a project (the trained head). No
// widgets: questions go through the `ask` function the window supplies, and failures come back as
// messages, so tests drive it alone.
#include <QObject>
#include <QString>
#include <QStringList>
#include <QTimer>
#include <functional>
#include <optional>

#include "annotation/project.h"

namespace hoi::ui {

class Workspace;

class ProjectSession : public QObject {
    Q_OBJECT
public:
    // What happens to unsaved changes found at start or when a project is opened.
    // Ask: the `ask` function decides; Ignore: open the file and keep the recovery file.
    enum class RecoveryPolicy { Ask, Restore, Discard, Ignore };
    struct Options {
        bool useSettings = true; // the recent list lives in QSettings (else in memory: tests)
        int autosaveMs = 3000;   // debounce of the recovery file after a change
        RecoveryPolicy recovery = RecoveryPolicy::Ask;
    };
    // A question with a yes/no answer (title, text): true = restore.
    using Ask = std::function<bool(const QString& title, const QString& text)>;
    // The project as a save or autosave to `path` writes it (the window syncs in what it shows).
    using Snapshot = std::function<annotation::Project(const QString& path)>;

    ProjectSession(Workspace* ws, const Options& options, QObject* parent = nullptr);

    void setAsk(Ask ask) { ask_ = std::move(ask); }
    void setSnapshot(Snapshot snapshot) { snapshot_ = std::move(snapshot); }
    const Options& options() const { return opt_; }

    // ---- paths ---------------------------------------------------------------------------------
    QString untitledProjectPath() const;  // where an untitled session's recovery is kept
    QString recoveryPath() const;         // the current project's (or the untitled) recovery file
    QString headPath() const;             // PROJECT.head.safetensors ("" without a project file)
    // The trained head the project uses (its settings' models["head"], resolved against the
    // project's folder); "" = the untrained head.
    QString projectHead() const;
    // Records the head the project uses (relative to the project's folder when inside it; "" =
    // untrained). A change of the project: it becomes modified. False when nothing changed.
    bool setProjectHead(const QString& path);

    // ---- what to open --------------------------------------------------------------------------
    // Paths given to open (command line, drop, File ▸ Open) sorted by kind, each made absolute:
    // folders, projects (.hoiproj), annotation files (.json, .csv), images (io::image_extensions);
    // anything else, and paths that do not exist, as a problem to show.
    struct Inputs {
        QStringList images, annotations, folders, projects, problems;
    };
    static Inputs classifyPaths(const QStringList& paths);
    // The image files in a folder and its subfolders, sorted.
    static QStringList imagesIn(const QString& folder);
    // The image folder of an annotation file given without one: its images/ subfolder when there
    // is one, else its own folder.
    static QString imageDirBeside(const QString& annotationFile);

    // ---- reading -------------------------------------------------------------------------------
    struct Opened {
        annotation::Project project;
        bool restored = false; // unsaved changes brought back from the recovery file
    };
    // Reads a project file, offering its newer recovery file first (the policy, or ask()).
    // nullopt with *error set when it cannot be read.
    std::optional<Opened> readProject(const QString& path, QString* error);
    // Reads and checks an annotation file. A project under another name is appended to *projects
    // (nullopt, no error); nullopt with *error when it is bad.
    std::optional<annotation::Project> readAnnotations(const QString& path, QStringList* projects, QString* error);
    // The untitled session that did not end normally: the policy or ask() decides. Restored: its
    // project (the caller shows it, modified). Until decided, autosave never overwrites that file.
    std::optional<annotation::Project> takeUntitledRecovery(QString* error);
    bool untitledRecoveryPending() const { return untitledPending_; }

    // ---- saving --------------------------------------------------------------------------------
    // Writes the project (atomically) and makes `path` the workspace's project file; clean after.
    bool save(const QString& path, QString* error);
    // Restarts the autosave debounce when the workspace is modified.
    void scheduleAutosave();
    // Writes the recovery file now (nothing when unmodified or empty); false with *error on failure.
    bool autosaveNow(QString* error = nullptr);
    // The person chose to drop unsaved changes: the recovery file goes too.
    void discardRecovery();

    // ---- recent files --------------------------------------------------------------------------
    QStringList recentPaths() const; // newest first, at most 10
    void addRecent(const QString& path);
    // The folder the file dialogs start in: the last one something was opened from.
    QString lastFolder() const;
    void setLastFolder(const QString& folder);

Q_SIGNALS:
    void autosaveFailed(const QString& message);

private:
    annotation::Project snapshot(const QString& path) const;

    Workspace* ws_;
    Options opt_;
    Ask ask_;
    Snapshot snapshot_;
    QTimer autosave_;
    bool untitledPending_ = false;
    QStringList recent_; // without settings
    QString lastFolder_; // without settings
};

} // namespace hoi::ui
