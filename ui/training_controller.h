#pragma once
// Analysis ▸ Train on Reviewed Images, before and while it runs: it needs the engine with CLIP,
// an untitled project is saved first (the head goes beside the project file,
// ProjectSession::headPath), then the training starts on the worker (AnalysisController::train)
// with TrainingDialog showing its progress (one dialog, kept; its Cancel cancels the job). What the
// finished training changes (the project's head) is AnalysisController::headTrained's.
#include <QObject>
#include <QPointer>

class QWidget;

namespace hoi::ui {

class AnalysisController;
class ProjectSaver;
class ProjectSession;
class TrainingDialog;

class TrainingController : public QObject {
    Q_OBJECT
public:
    // epochs: 0 = the trainer's default budget. The dialog is made a child of dialogParent.
    TrainingController(AnalysisController* analysis, ProjectSession* session, ProjectSaver* saver,
                       QWidget* dialogParent, int epochs, QObject* parent = nullptr);

    // Starts a training, or says why it cannot (error()); false when none started.
    bool train();
    TrainingDialog* dialog() const; // nullptr before the first training

Q_SIGNALS:
    void error(const QString& title, const QString& text, bool warning);

private:
    AnalysisController* analysis_;
    ProjectSession* session_;
    ProjectSaver* saver_;
    QWidget* dialogParent_;
    int epochs_;
    QPointer<TrainingDialog> dialog_;
};

} // namespace hoi::ui
