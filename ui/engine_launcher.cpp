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
    connect(analysis_, &AnalysisController::engineLoadFailed, this, [this](const QString& message) {
        failure_ = message.toHtmlEscaped();
        Q_EMIT banner(failure_);
    });
    connect(analysis_, &AnalysisController::engineLoaded, this, [this](bool hasClip) {
        const QString until = tr("Until then HOI Studio detects people and objects and you can annotate pairs by hand.");
        if (!hasClip && analysis_->engineFailed()) // keep the reason CLIP failed
            Q_EMIT banner(failure_ + QStringLiteral("<br>") + until);
        else if (!hasClip)
            Q_EMIT banner(tr("Open-vocabulary scoring needs the CLIP model — run <code>hoi models fetch clip-vit-b32</code>. ") +
                          until);
        else if (!analysis_->engineFailed())
            Q_EMIT bannerCleared();
    });
}

void EngineLauncher::start() {
    const model::EngineOptions eo = settings_.resolve(engineHead());
    const QString wanted = session_->projectHead();
    if (!wanted.isEmpty() && eo.weights_path.empty())
        Q_EMIT banner(tr("The project's trained head %1 is missing: scoring with the untrained one.")
                          .arg(QFileInfo(wanted).fileName().toHtmlEscaped()));
    failure_.clear();
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
