#pragma once
// For the GUI's unit tests of the window's parts: a workspace with its session (settings of its
// own, autosave far off, recovery files discarded), its selection and an AnalysisController whose
// worker thread never starts (no engine: the jobs asked for are only queued), in a folder of its own.
#include <QTemporaryDir>

#include "analysis_controller.h"
#include "project_session.h"
#include "selection_model.h"
#include "workspace.h"

namespace hoi::test {

struct WorkspaceParts {
    QTemporaryDir dir;
    ui::Workspace ws;
    ui::ProjectSession session{&ws, {false, 60000, ui::ProjectSession::RecoveryPolicy::Discard}};
    ui::SelectionModel sel{&ws};
    ui::InferenceThread thread; // never started
    ui::AnalysisController analysis{&ws, &sel, thread.worker()};
};

} // namespace hoi::test
