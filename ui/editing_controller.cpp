#include "editing_controller.h"

#include <QComboBox>
#include <QInputDialog>

#include "annotation/hico_vocabulary.h"
#include "annotation_editor.h"
#include "image_canvas.h"
#include "pairs_panel.h"
#include "selection_model.h"
#include "workspace.h"

namespace hoi::ui {

EditingController::EditingController(Workspace* ws, SelectionModel* selection, AnnotationEditor* editor,
                                     const Views& views, QObject* parent)
    : QObject(parent), ws_(ws), selection_(selection), editor_(editor), views_(views) {}

QList<Id> EditingController::selectedPairs() const {
    QList<Id> ids = views_.pairs->selectedPairs();
    if (ids.isEmpty() && selection_->selectedInteraction()) ids << selection_->selectedInteraction();
    return ids;
}

void EditingController::editVerb() {
    const Id selected = selection_->selectedInteraction();
    const QList<Id> several = selectedPairs();
    if (several.size() > 1) {
        QInputDialog ask(views_.dialogParent);
        ask.setObjectName(QStringLiteral("verbDialog"));
        ask.setWindowTitle(tr("Change Verb"));
        ask.setLabelText(tr("Verb for the %1 selected pairs:").arg(several.size()));
        QStringList verbs;
        for (const auto& v : annotation::HicoVocabulary::instance().verbs()) verbs << verbDisplay(v);
        ask.setComboBoxItems(verbs);
        ask.setComboBoxEditable(true);
        if (const auto* in = ws_->document().interaction(selected)) ask.setTextValue(verbDisplay(in->verb));
        if (ask.exec() == QDialog::Accepted) setVerb(several, ask.textValue());
        return;
    }
    if (selected) views_.pairs->editVerb(selected);
}

void EditingController::setVerb(const QList<Id>& relations, const QString& verb) {
    if (!editor_->setVerb(relations, verb).isEmpty() && relations.contains(selection_->selectedInteraction()))
        Q_EMIT selectedPairEdited();
}

void EditingController::deleteSelected() {
    const Id selected = selection_->selectedInteraction();
    if (selected && ws_->document().interaction(selected)) {
        editor_->removeRelation(selected);
        selection_->selectInteraction(0);
    } else if (const Id box = views_.canvas->selectedBox()) {
        editor_->removeBox(box);
    }
    Q_EMIT edited();
}

void EditingController::toggleReviewed() {
    if (const auto* img = ws_->document().image(selection_->currentImage())) editor_->setReviewed(img->id, !img->reviewed);
    Q_EMIT edited();
}

void EditingController::addBox(const QRectF& rect) {
    const Id image = selection_->currentImage();
    if (!image) return;
    // Ask for the class (COCO names complete as you type; any other name is a free class), starting
    // from the last one used, which the toolbar's class box shows and keeps.
    QComboBox* classes = views_.classBox;
    QInputDialog ask(views_.dialogParent);
    ask.setObjectName(QStringLiteral("boxClassDialog"));
    ask.setWindowTitle(tr("New Box"));
    ask.setLabelText(tr("Class of the new box:"));
    ask.setMinimumWidth(340); // room for the title beside the window buttons
    QStringList names;
    for (int i = 0; i < classes->count(); ++i) names << classes->itemText(i);
    ask.setComboBoxItems(names);
    ask.setComboBoxEditable(true);
    ask.setTextValue(classes->currentText());
    if (ask.exec() != QDialog::Accepted || ask.textValue().trimmed().isEmpty()) {
        Q_EMIT message(tr("No box added."), 3000);
        return;
    }
    classes->setCurrentText(ask.textValue().trimmed());
    views_.canvas->setSelectedBox(editor_->addBox(image, rect, classes->currentText()));
}

void EditingController::linkPair(Id subject, Id object) {
    QString error;
    const Id relation = editor_->linkPair(selection_->currentImage(), subject, object,
                                          prompts_ ? prompts_() : std::vector<model::Prompt>(), &error);
    if (!relation) {
        if (!error.isEmpty()) Q_EMIT message(error, 5000);
        return;
    }
    if (select_) select_(relation);
    else selection_->selectInteraction(relation);
    Q_EMIT message(tr("Pair added — press E to change its verb."), 5000);
}

} // namespace hoi::ui
