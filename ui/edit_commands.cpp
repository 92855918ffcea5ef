#include "edit_commands.h"

#include <QCoreApplication>

#include "annotation/hico_vocabulary.h"
#include "io/error.h"

namespace hoi::ui {

using annotation::State;

namespace {
QString tr(const char* s) { return QCoreApplication::translate("EditCommands", s); }
QString stateVerb(State s) {
    switch (s) {
    case State::Accepted: return tr("Accept pair");
    case State::Rejected: return tr("Reject pair");
    case State::Edited: return tr("Mark pair edited");
    case State::Predicted: return tr("Reset pair to predicted");
    }
    return {};
}
} // namespace

void DocumentCommand::redo() {
    try {
        doRedo();
    } catch (const hoi::Error&) {
        // What the command refers to was replaced by newer model output.
        setObsolete(true);
    }
}

void DocumentCommand::undo() {
    try {
        doUndo();
    } catch (const hoi::Error&) {
        setObsolete(true);
    }
}

// ---- interaction state -------------------------------------------------------------------------

SetInteractionStateCommand::SetInteractionStateCommand(Document& doc, Id interaction, State state)
    : DocumentCommand(doc, stateVerb(state)), id_(interaction), state_(state) {}
void SetInteractionStateCommand::doRedo() { old_ = doc_.set_interaction_state(id_, state_); }
void SetInteractionStateCommand::doUndo() { doc_.set_interaction_state(id_, old_); }

// ---- verb --------------------------------------------------------------------------------------

SetVerbCommand::SetVerbCommand(Document& doc, Id interaction, const std::string& verb, std::optional<double> score)
    : DocumentCommand(doc, tr("Change verb to \"%1\"").arg(QString::fromStdString(verb))), id_(interaction), score_(score) {
    const auto& vocab = annotation::HicoVocabulary::instance();
    const int v = vocab.verb_id(verb);
    verb_.hico_verb = v;
    verb_.verb = v >= 0 ? vocab.verb_name(v) : verb;
}
// A rejected pair stays rejected (a person said no to the pair, whatever its verb); any other
// becomes Edited. The score is the new verb's, never the old one's.
void SetVerbCommand::doRedo() {
    oldVerb_ = doc_.set_verb(id_, verb_);
    oldScore_ = doc_.set_interaction_score(id_, score_);
    const auto* in = doc_.interaction(id_);
    oldState_ = doc_.set_interaction_state(id_, in->state == State::Rejected ? State::Rejected : State::Edited);
}
void SetVerbCommand::doUndo() {
    doc_.set_interaction_state(id_, oldState_);
    doc_.set_interaction_score(id_, oldScore_);
    doc_.set_verb(id_, oldVerb_);
}

// ---- box ---------------------------------------------------------------------------------------

SetBoxCommand::SetBoxCommand(Document& doc, Id instance, const annotation::Box& box, bool mergeable)
    : DocumentCommand(doc, tr("Move box")), id_(instance), box_(box), mergeable_(mergeable) {
    if (const auto* in = doc.instance(instance)) {
        old_ = in->box;
        if (std::abs(in->box.width() - box.width()) > 1e-9 || std::abs(in->box.height() - box.height()) > 1e-9)
            setText(tr("Resize box"));
    }
}
bool SetBoxCommand::mergeWith(const QUndoCommand* other) {
    auto* o = dynamic_cast<const SetBoxCommand*>(other);
    if (!o || o->id_ != id_ || !o->mergeable_) return false;
    box_ = o->box_;
    return true;
}
void SetBoxCommand::doRedo() {
    old_ = doc_.set_box(id_, box_);
    oldState_ = doc_.set_instance_state(id_, State::Edited);
}
void SetBoxCommand::doUndo() {
    doc_.set_instance_state(id_, oldState_);
    doc_.set_box(id_, old_);
}

// ---- class -------------------------------------------------------------------------------------

SetClassCommand::SetClassCommand(Document& doc, Id instance, const annotation::ObjectClass& cls)
    : DocumentCommand(doc, tr("Change class to \"%1\"").arg(QString::fromStdString(cls.label))), id_(instance), cls_(cls) {}
void SetClassCommand::doRedo() {
    old_ = doc_.set_class(id_, cls_);
    oldState_ = doc_.set_instance_state(id_, State::Edited);
}
void SetClassCommand::doUndo() {
    doc_.set_instance_state(id_, oldState_);
    doc_.set_class(id_, old_);
}

// ---- add / remove instance ---------------------------------------------------------------------

AddInstanceCommand::AddInstanceCommand(Document& doc, annotation::Instance instance)
    : DocumentCommand(doc, tr("Add %1 box").arg(QString::fromStdString(instance.cls.label))), instance_(std::move(instance)) {}
void AddInstanceCommand::doRedo() {
    if (removed_) {
        doc_.restore_instance(*removed_);
        removed_.reset();
    } else {
        instance_.id = 0;
        id_ = doc_.add_instance(instance_);
    }
}
void AddInstanceCommand::doUndo() { removed_ = doc_.remove_instance(id_); }

RemoveInstanceCommand::RemoveInstanceCommand(Document& doc, Id instance)
    : DocumentCommand(doc, tr("Delete box")), id_(instance) {
    if (const auto* in = doc.instance(instance))
        setText(tr("Delete %1 box").arg(QString::fromStdString(in->cls.label)));
}
void RemoveInstanceCommand::doRedo() { removed_ = doc_.remove_instance(id_); }
void RemoveInstanceCommand::doUndo() { doc_.restore_instance(removed_); }

// ---- add / remove interaction ------------------------------------------------------------------

AddInteractionCommand::AddInteractionCommand(Document& doc, annotation::Interaction interaction)
    : DocumentCommand(doc, tr("Add pair \"%1\"").arg(QString::fromStdString(interaction.verb))),
      interaction_(std::move(interaction)) {}
void AddInteractionCommand::doRedo() {
    if (removed_) {
        doc_.restore_interaction(*removed_);
        removed_.reset();
    } else {
        interaction_.id = 0;
        id_ = doc_.add_interaction(interaction_);
    }
}
void AddInteractionCommand::doUndo() { removed_ = doc_.remove_interaction(id_); }

RemoveInteractionCommand::RemoveInteractionCommand(Document& doc, Id interaction)
    : DocumentCommand(doc, tr("Delete pair")), id_(interaction) {}
void RemoveInteractionCommand::doRedo() { removed_ = doc_.remove_interaction(id_); }
void RemoveInteractionCommand::doUndo() { doc_.restore_interaction(removed_); }

// ---- reviewed ----------------------------------------------------------------------------------

SetReviewedCommand::SetReviewedCommand(Document& doc, Id image, bool reviewed)
    : DocumentCommand(doc, reviewed ? tr("Mark image reviewed") : tr("Mark image not reviewed")),
      id_(image), reviewed_(reviewed) {}
void SetReviewedCommand::doRedo() { old_ = doc_.set_image_reviewed(id_, reviewed_); }
void SetReviewedCommand::doUndo() { doc_.set_image_reviewed(id_, old_); }

} // namespace hoi::ui
