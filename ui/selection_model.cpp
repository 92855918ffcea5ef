#include "selection_model.h"

#include "workspace.h"

namespace hoi::ui {

SelectionModel::SelectionModel(const Workspace* ws, QObject* parent) : QObject(parent), ws_(ws) {}

const annotation::Interaction* SelectionModel::interaction() const {
    return interaction_ ? ws_->document().interaction(interaction_) : nullptr;
}

void SelectionModel::setCurrentImage(Id image) {
    if (!ws_->document().image(image)) image = 0;
    if (image == image_) return;
    image_ = image;
    const bool hadInteraction = interaction_ != 0;
    interaction_ = 0;
    Q_EMIT currentImageChanged(image_);
    if (hadInteraction) Q_EMIT interactionChanged(0);
}

void SelectionModel::selectInteraction(Id interaction) {
    const annotation::Interaction* in = ws_->document().interaction(interaction);
    if (!in) interaction = 0;
    if (in && in->image != image_) setCurrentImage(in->image);
    if (interaction == interaction_) return;
    interaction_ = interaction;
    Q_EMIT interactionChanged(interaction_);
}

void SelectionModel::validate() {
    if (image_ && !ws_->document().image(image_)) setCurrentImage(0);
    if (interaction_ && !interaction()) selectInteraction(0);
}

void SelectionModel::clear() {
    selectInteraction(0);
    setCurrentImage(0);
}

} // namespace hoi::ui
