#pragma once
// Starting the engine (AnalysisController::startEngine) with the options EngineSettings resolves
// and the trained head the project uses (ProjectSession::projectHead) when its file is there; a
// missing head is said and the untrained one scores. Once started, the engine follows the head the
// project uses: Use Trained Head, a finished training (AnalysisController::headTrained) and another
// project restart it when that head is not the one it runs with. What the banner says of the
// engine (a missing head, why a model failed, what works without CLIP) goes out as signals; no widgets.
#include <QObject>
#include <QString>

#include "engine_settings.h"

namespace hoi::ui {

class AnalysisController;
class ProjectSession;

class EngineLauncher : public QObject {
    Q_OBJECT
public:
    EngineLauncher(AnalysisController* analysis, ProjectSession* session, EngineSettings settings,
                   QObject* parent = nullptr);

    // Starts (or restarts: Preferences changed the models) the engine.
    void start();
    // Use Trained Head: the project uses the head beside it (on) or the untrained one.
    void useHead(bool on);
    // Restarts a started engine when the project's head is not the one it runs with.
    void followProjectHead();
    // Use Trained Head can be switched: the head beside the project is there, or the project uses one.
    bool headAvailable() const;
    bool usesHead() const; // the project uses a trained head

Q_SIGNALS:
    void starting();                       // the models are loading
    void banner(const QString& html);      // a warning for the banner above the canvas
    void bannerCleared();                  // the engine loaded with CLIP: nothing to warn about
    void headChanged();                    // the project's head was followed (availability may differ)

private:
    // The head file the engine should load: the project's, when it exists ("" otherwise).
    QString engineHead() const;
    void setProjectHead(const QString& path);

    AnalysisController* analysis_;
    ProjectSession* session_;
    EngineSettings settings_;
    bool started_ = false;
    QString failure_; // why the last start failed (HTML), kept in the banner beside what still works
};

} // namespace hoi::ui
