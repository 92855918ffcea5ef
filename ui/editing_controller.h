#pragma once
// What the editing keys and the canvas's gestures do, between the views and AnnotationEditor:
// E changes the verb (in the pair table for one pair, one dialog "verbDialog" for several selected
// pairs: one undo step), Delete removes the selected pair or else the selected box, the Reviewed
// action toggles the current image, a drawn box asks its class ("boxClassDialog", starting from
// the toolbar's class box, which keeps the answer), two linked boxes become a pair that is then
// selected. Pairs are selected through the window's select function; the views follow signals.
#include <QList>
#include <QObject>
#include <QRectF>
#include <functional>
#include <vector>

#include "annotation/document.h"
#include "hoi/prompt.h"

class QComboBox;
class QWidget;

namespace hoi::ui {

class Workspace;
class SelectionModel;
class AnnotationEditor;
class ImageCanvas;
class PairsPanel;

class EditingController : public QObject {
    Q_OBJECT
public:
    using Id = annotation::Id;
    struct Views {
        QWidget* dialogParent = nullptr;
        ImageCanvas* canvas = nullptr;  // its selected box; a new box is selected there
        PairsPanel* pairs = nullptr;    // the selected rows; editing a verb in the table
        QComboBox* classBox = nullptr;  // the class of the next drawn box
    };
    using Select = std::function<void(Id pair)>;
    using Prompts = std::function<std::vector<model::Prompt>()>; // a linked pair's verb comes from them

    EditingController(Workspace* ws, SelectionModel* selection, AnnotationEditor* editor, const Views& views,
                      QObject* parent = nullptr);
    void setSelect(Select select) { select_ = std::move(select); }
    void setPrompts(Prompts prompts) { prompts_ = std::move(prompts); }

    // The pair table's selected rows (the selected pair when none).
    QList<Id> selectedPairs() const;
    void editVerb();
    // Changes the verb of relations (one undo step), each with the model's score of its new verb.
    void setVerb(const QList<Id>& relations, const QString& verb);
    void deleteSelected();
    void toggleReviewed();
    void addBox(const QRectF& rect);
    void linkPair(Id subject, Id object);

Q_SIGNALS:
    void message(const QString& text, int ms);
    // The selected pair's verb changed (its heatmap and inspector values with it).
    void selectedPairEdited();
    // A delete or a review toggle is done (the actions' states may change).
    void edited();

private:
    Workspace* ws_;
    SelectionModel* selection_;
    AnnotationEditor* editor_;
    Views views_;
    Select select_;
    Prompts prompts_;
};

} // namespace hoi::ui
