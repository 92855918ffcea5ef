#include "training_controller.h"

#include "analysis_controller.h"
#include "project_saver.h"
#include "project_session.h"
#include "training_dialog.h"

namespace hoi::ui {

TrainingController::TrainingController(AnalysisController* analysis, ProjectSession* session, ProjectSaver* saver,
                                       QWidget* dialogParent, int epochs, QObject* parent)
    : QObject(parent), analysis_(analysis), session_(session), saver_(saver), dialogParent_(dialogParent),
      epochs_(epochs) {}

TrainingDialog* TrainingController::dialog() const { return dialog_; }

bool TrainingController::train() {
    if (!analysis_->engineReady() || !analysis_->hasClip()) {
        Q_EMIT error(tr("Train on Reviewed Images"), tr("Training needs the CLIP model."), true);
        return false;
    }
    if (!saver_->saveUntitled()) return false; // the head is saved beside the project
    const QString out = session_->headPath();
    if (out.isEmpty()) return false;
    if (!dialog_) {
        dialog_ = new TrainingDialog(dialogParent_);
        connect(dialog_, &TrainingDialog::cancelRequested, analysis_, &AnalysisController::cancel);
        connect(analysis_, &AnalysisController::trainingStep, dialog_, &TrainingDialog::addStep);
        connect(analysis_, &AnalysisController::trainingFinished, dialog_, &TrainingDialog::finish);
    }
    dialog_->start();
    dialog_->show();
    analysis_->train(out, epochs_);
    return true;
}

} // namespace hoi::ui
