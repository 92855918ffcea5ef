#include "annotation_editor.h"

#include <QUndoStack>

#include "analysis_controller.h"
#include "annotation/hico_vocabulary.h"
#include "edit_commands.h"
#include "workspace.h"

namespace hoi::ui {

using annotation::State;

AnnotationEditor::AnnotationEditor(Workspace* ws, AnalysisController* analysis, QObject* parent)
    : QObject(parent), ws_(ws), analysis_(analysis) {}

bool AnnotationEditor::setState(Id relation, State state) {
    if (!ws_->document().interaction(relation)) return false;
    ws_->undoStack()->push(new SetInteractionStateCommand(ws_->document(), relation, state));
    return true;
}

QList<Id> AnnotationEditor::setVerb(const QList<Id>& relations, const QString& verbText) {
    const std::string verb = verbText.trimmed().toStdString();
    if (verb.empty() || relations.isEmpty()) return {};
    const auto& vocab = annotation::HicoVocabulary::instance();
    const int v = vocab.verb_id(verb);
    const std::string stored = v >= 0 ? vocab.verb_name(v) : verb;
    auto& doc = ws_->document();
    QList<Id> changed;
    for (Id id : relations)
        if (const auto* in = doc.interaction(id); in && in->verb != stored) changed << id;
    if (changed.isEmpty()) return {};
    QUndoStack* undo = ws_->undoStack();
    if (changed.size() > 1) undo->beginMacro(tr("Change verb of %1 pairs to \"%2\"").arg(changed.size()).arg(verbText));
    for (Id id : changed) {
        const auto* in = doc.interaction(id);
        const auto m = ws_->modelScore(in->image, in->subject, in->object, stored);
        undo->push(new SetVerbCommand(doc, id, verb, m ? std::optional<double>(m->score) : std::nullopt));
    }
    if (changed.size() > 1) undo->endMacro();
    for (Id id : changed) analysis_->scoreMadePair(id);
    return changed;
}

bool AnnotationEditor::removeRelation(Id relation) {
    if (!ws_->document().interaction(relation)) return false;
    ws_->undoStack()->push(new RemoveInteractionCommand(ws_->document(), relation));
    return true;
}

bool AnnotationEditor::removeBox(Id box) {
    if (!ws_->document().instance(box)) return false;
    ws_->undoStack()->push(new RemoveInstanceCommand(ws_->document(), box));
    return true;
}

bool AnnotationEditor::setBox(Id box, const QRectF& rect) {
    if (!ws_->document().instance(box)) return false;
    const annotation::Box b{rect.left(), rect.top(), rect.right(), rect.bottom()};
    ws_->undoStack()->push(new SetBoxCommand(ws_->document(), box, b));
    return true;
}

bool AnnotationEditor::setReviewed(Id image, bool reviewed) {
    const auto* img = ws_->document().image(image);
    if (!img || img->reviewed == reviewed) return false;
    ws_->undoStack()->push(new SetReviewedCommand(ws_->document(), image, reviewed));
    return true;
}

Id AnnotationEditor::addBox(Id image, const QRectF& rect, const QString& cls) {
    if (!ws_->document().image(image)) return 0;
    annotation::Instance in;
    in.image = image;
    in.box = {rect.left(), rect.top(), rect.right(), rect.bottom()};
    const QString name = cls.trimmed();
    in.cls = annotation::ObjectClass::named(name.isEmpty() ? std::string("person") : name.toStdString());
    in.state = State::Accepted;
    auto* cmd = new AddInstanceCommand(ws_->document(), in);
    ws_->undoStack()->push(cmd);
    return cmd->instanceId();
}

Id AnnotationEditor::linkPair(Id image, Id subject, Id object, const std::vector<model::Prompt>& prompts, QString* error) {
    const auto& doc = ws_->document();
    const auto* s = doc.instance(subject);
    const auto* o = doc.instance(object);
    if (!s || !o) return 0;
    if (!s->cls.is_person() && o->cls.is_person()) std::swap(subject, object), std::swap(s, o);
    if (!s->cls.is_person()) {
        if (error) *error = tr("A pair starts at a person.");
        return 0;
    }
    // The verb: the first prompt about this object's class, else the first prompt, else "interact".
    std::string verb = "interact";
    std::string prompt;
    bool found = false;
    for (const model::Prompt& parsed : prompts) {
        if (parsed.no_interaction) continue;
        if (!found || parsed.applies_to(o->cls.resolved_coco80())) {
            verb = model::relation_verb(parsed);
            // The prompt only when it is about this object ("kick sports ball" is not the prompt of
            // "kick" on a cup: that one is "kick cup", from madePairPrompt).
            prompt = parsed.applies_to(o->cls.resolved_coco80()) ? parsed.text : std::string();
            found = true;
            if (parsed.object_class >= 0 && parsed.applies_to(o->cls.resolved_coco80())) break;
        }
    }
    annotation::Interaction in;
    in.image = image;
    in.subject = subject;
    in.object = object;
    in.verb = verb;
    in.hico_verb = annotation::HicoVocabulary::instance().verb_id(verb);
    in.state = State::Accepted;
    in.prompt = prompt.empty() ? analysis_->madePairPrompt(in).toStdString() : prompt;
    if (const auto m = ws_->modelScore(image, subject, object, in.verb)) in.score = m->score; // scored when CLIP is loaded
    auto* cmd = new AddInteractionCommand(ws_->document(), in);
    ws_->undoStack()->push(cmd);
    analysis_->scoreMadePair(cmd->interactionId());
    return cmd->interactionId();
}

} // namespace hoi::ui
