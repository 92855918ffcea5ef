#include "project_saver.h"

#include <QFileInfo>

#include "project_session.h"
#include "workspace.h"

namespace hoi::ui {

ProjectSaver::ProjectSaver(Workspace* ws, ProjectSession* session, QObject* parent)
    : QObject(parent), ws_(ws), session_(session) {}

bool ProjectSaver::saveTo(const QString& path) {
    QString error;
    if (!session_->save(path, &error)) {
        Q_EMIT this->error(tr("Save Project"), error, false);
        return false;
    }
    Q_EMIT message(tr("Saved %1").arg(QFileInfo(path).fileName()), 5000);
    Q_EMIT saved(path);
    return true;
}

bool ProjectSaver::save() { return ws_->projectPath().isEmpty() ? saveAs() : saveTo(ws_->projectPath()); }

bool ProjectSaver::saveAs() {
    const QString path = hooks_.chooseFile ? hooks_.chooseFile() : QString();
    return !path.isEmpty() && saveTo(path);
}

bool ProjectSaver::saveUntitled() { return !ws_->projectPath().isEmpty() || saveAs(); }

bool ProjectSaver::mayDiscard() {
    if (!ws_->isModified() || ws_->document().empty() || !hooks_.askToSave) return true;
    switch (hooks_.askToSave()) {
    case Answer::Save: return save();
    case Answer::Discard: session_->discardRecovery(); return true;
    case Answer::Cancel: break;
    }
    return false;
}

} // namespace hoi::ui
