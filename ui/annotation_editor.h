#pragma once
// The edits a person makes to the annotations, as undoable commands on the workspace's stack:
// accept / reject, change a verb, delete, mark an image reviewed, draw a box, link two boxes into
// a pair. Each keeps the model's view of the pair in step (a made or re-verbed pair gets the
// score the analysis already has for it, or is sent to the model for one). Dialogs and navigation
// are EditingController's and ReviewNavigator's; this class has no widgets and is tested alone.
#include <QList>
#include <QObject>
#include <QRectF>
#include <QString>
#include <vector>

#include "annotation/document.h"
#include "hoi/prompt.h"

namespace hoi::ui {

class Workspace;
class AnalysisController;

class AnnotationEditor : public QObject {
    Q_OBJECT
public:
    using Id = annotation::Id;
    AnnotationEditor(Workspace* ws, AnalysisController* analysis, QObject* parent = nullptr);

    // Accepted / rejected / back to predicted. False when the relation is not there.
    bool setState(Id relation, annotation::State state);
    // One undo step for all; each relation gets the model's score of its new verb (known verbs are
    // stored by their HICO-DET name). Returns the relations that changed.
    QList<Id> setVerb(const QList<Id>& relations, const QString& verb);
    bool removeRelation(Id relation);
    bool removeBox(Id box);
    // A box moved or resized (image pixels).
    bool setBox(Id box, const QRectF& rect);
    bool setReviewed(Id image, bool reviewed);
    // A box a person drew (accepted), of a COCO class or a free one ("" = person). Returns its id.
    Id addBox(Id image, const QRectF& rect, const QString& cls);
    // A pair from a person to an object (either order): the verb is the first prompt about the
    // object's class, else the first prompt, else "interact". Returns the relation (0 with *error
    // when neither box is a person).
    Id linkPair(Id image, Id subject, Id object, const std::vector<model::Prompt>& prompts, QString* error);

private:
    Workspace* ws_;
    AnalysisController* analysis_;
};

} // namespace hoi::ui
