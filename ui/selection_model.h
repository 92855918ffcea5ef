#pragma once
// What the person is looking at, next to the document: the current image and the selected
// relation (pair) in it. Views follow its signals and tell it what the person picked; setting a
// value it already has emits nothing, so views that echo a change back do not loop. Selecting a
// relation of another image makes that image current first. Ids that leave the document (undo,
// delete, a new project) are dropped.
#include <QObject>

#include "annotation/document.h"

namespace hoi::ui {

class Workspace;

class SelectionModel : public QObject {
    Q_OBJECT
public:
    using Id = annotation::Id;
    explicit SelectionModel(const Workspace* ws, QObject* parent = nullptr);

    Id currentImage() const { return image_; }
    Id selectedInteraction() const { return interaction_; }
    // The selected relation when it is still in the document (0 otherwise).
    const annotation::Interaction* interaction() const;

    // An id not in the document means none. A new image clears the selected relation.
    void setCurrentImage(Id image);
    // Selects a relation (0: none); a relation of another image makes that image current first.
    void selectInteraction(Id interaction);
    // Drops ids the document no longer has (after a change or a reset).
    void validate();
    void clear();

Q_SIGNALS:
    void currentImageChanged(hoi::annotation::Id image);
    void interactionChanged(hoi::annotation::Id interaction);

private:
    const Workspace* ws_;
    Id image_ = 0;
    Id interaction_ = 0;
};

} // namespace hoi::ui
