#include "engine_launcher.h"

#include <QFileInfo>

#include "analysis_controller.h"
#include "project_session.h"

namespace hoi::ui {

EngineLauncher::EngineLauncher(AnalysisController* analysis, ProjectSession* session, EngineSettings settings,
                               QObject* parent)
    : QObject(parent), analysis_(analysis), session_(session), settings_(std::move(settings)) {
    // The project remembers the trained head (a change of the project) and scores with it from now on.
    connect(analysis_, &AnalysisController::headTrained, this, &EngineLauncher::setProjectHead);
}

void EngineLauncher::start() {
    const model::EngineOptions eo = settings_.resolve(engineHead());
    const QString wanted = session_->projectHead();
    if (!wanted.isEmpty() && eo.weights_path.empty()) Q_EMIT headMissing(wanted);
    Q_EMIT starting();
    started_ = true;
    analysis_->startEngine(eo);
}

void EngineLauncher::useHead(bool on) { setProjectHead(on ? session_->headPath() : QString()); }

void EngineLauncher::setProjectHead(const QString& path) {
    session_->setProjectHead(path);
    followProjectHead();
}

void EngineLauncher::followProjectHead() {
    if (started_ && engineHead().toStdString() != analysis_->engineOptions().weights_path) start();
    Q_EMIT headChanged();
}

bool EngineLauncher::headAvailable() const {
    const QString beside = session_->headPath();
    return (!beside.isEmpty() && QFileInfo(beside).isFile()) || usesHead();
}

bool EngineLauncher::usesHead() const { return !session_->projectHead().isEmpty(); }

QString EngineLauncher::engineHead() const {
    const QString head = session_->projectHead();
    return !head.isEmpty() && QFileInfo(head).isFile() ? head : QString();
}

} // namespace hoi::ui
