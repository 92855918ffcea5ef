#pragma once
// Every edit a person makes is one of these QUndoCommands on the workspace's QUndoStack. They use
// the document's invertible mutation API: each mutation returns what is needed to undo it, and
// removed objects come back under their old ids and positions.
//
// Model output (a new analysis, a prompt re-query) is not an edit and may remove predicted
// interactions an older command refers to; such a command then becomes obsolete (setObsolete) and
// QUndoStack drops it instead of failing.
#include <QRectF>
#include <QUndoCommand>
#include <optional>

#include "annotation/document.h"

namespace hoi::ui {

using annotation::Document;
using annotation::Id;

// Command ids for merging (QUndoCommand::id()).
enum CommandId { kCmdSetBox = 1001 };

class DocumentCommand : public QUndoCommand {
public:
    DocumentCommand(Document& doc, const QString& text) : QUndoCommand(text), doc_(doc) {}
    void redo() final;
    void undo() final;

protected:
    virtual void doRedo() = 0;
    virtual void doUndo() = 0;
    Document& doc_;
};

// Accept / reject / any review state of one interaction (also used for several at once via a macro).
class SetInteractionStateCommand : public DocumentCommand {
public:
    SetInteractionStateCommand(Document& doc, Id interaction, annotation::State state);
protected:
    void doRedo() override;
    void doUndo() override;
private:
    Id id_;
    annotation::State state_, old_ = annotation::State::Predicted;
};

// A new verb (free text; HICO verb id resolved from the vocabulary). Marks the interaction edited.
class SetVerbCommand : public DocumentCommand {
public:
    // score: the model's score of the pair with the new verb (nullopt: not scored, shown as such).
    SetVerbCommand(Document& doc, Id interaction, const std::string& verb, std::optional<double> score = std::nullopt);
protected:
    void doRedo() override;
    void doUndo() override;
private:
    Id id_;
    Document::Verb verb_, oldVerb_;
    std::optional<double> score_, oldScore_;
    annotation::State oldState_ = annotation::State::Predicted;
};

// Moves / resizes a box. Marks the instance edited. Consecutive nudges of one box merge.
class SetBoxCommand : public DocumentCommand {
public:
    SetBoxCommand(Document& doc, Id instance, const annotation::Box& box, bool mergeable = false);
    int id() const override { return mergeable_ ? kCmdSetBox : -1; }
    bool mergeWith(const QUndoCommand* other) override;
protected:
    void doRedo() override;
    void doUndo() override;
private:
    Id id_;
    annotation::Box box_, old_;
    annotation::State oldState_ = annotation::State::Predicted;
    bool mergeable_;
};

class SetClassCommand : public DocumentCommand {
public:
    SetClassCommand(Document& doc, Id instance, const annotation::ObjectClass& cls);
protected:
    void doRedo() override;
    void doUndo() override;
private:
    Id id_;
    annotation::ObjectClass cls_, old_;
    annotation::State oldState_ = annotation::State::Predicted;
};

// A box drawn by a person (state accepted, no score).
class AddInstanceCommand : public DocumentCommand {
public:
    AddInstanceCommand(Document& doc, annotation::Instance instance);
    Id instanceId() const { return id_; }
protected:
    void doRedo() override;
    void doUndo() override;
private:
    annotation::Instance instance_;
    Id id_ = 0;
    std::optional<annotation::RemovedInstance> removed_;
};

// Deletes a box with its interactions.
class RemoveInstanceCommand : public DocumentCommand {
public:
    RemoveInstanceCommand(Document& doc, Id instance);
protected:
    void doRedo() override;
    void doUndo() override;
private:
    Id id_;
    annotation::RemovedInstance removed_;
};

// A pair added by a person (state accepted, no score).
class AddInteractionCommand : public DocumentCommand {
public:
    AddInteractionCommand(Document& doc, annotation::Interaction interaction);
    Id interactionId() const { return id_; }
protected:
    void doRedo() override;
    void doUndo() override;
private:
    annotation::Interaction interaction_;
    Id id_ = 0;
    std::optional<annotation::RemovedInteraction> removed_;
};

class RemoveInteractionCommand : public DocumentCommand {
public:
    RemoveInteractionCommand(Document& doc, Id interaction);
protected:
    void doRedo() override;
    void doUndo() override;
private:
    Id id_;
    annotation::RemovedInteraction removed_;
};

class SetReviewedCommand : public DocumentCommand {
public:
    SetReviewedCommand(Document& doc, Id image, bool reviewed);
protected:
    void doRedo() override;
    void doUndo() override;
private:
    Id id_;
    bool reviewed_, old_ = false;
};

} // namespace hoi::ui
