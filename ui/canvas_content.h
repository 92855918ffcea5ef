#pragma once
// What the image canvas shows: boxes and pairs with their review state, as plain values. The view
// (image_canvas.h) and its graphics items (canvas_items.h) both use them; neither includes the other's
// header for them.
#include <QRectF>
#include <QString>
#include <cstdint>

#include "annotation/document.h"

namespace hoi::ui {

using ItemId = std::int64_t;

enum class ReviewState { Predicted, Accepted, Rejected, Edited };

// The review state a document entry is drawn with.
inline ReviewState reviewState(annotation::State s) {
    switch (s) {
    case annotation::State::Predicted: return ReviewState::Predicted;
    case annotation::State::Accepted: return ReviewState::Accepted;
    case annotation::State::Rejected: return ReviewState::Rejected;
    case annotation::State::Edited: return ReviewState::Edited;
    }
    return ReviewState::Predicted;
}

struct CanvasBox {
    ItemId id = 0;
    QRectF rect;       // image pixels
    QString label;     // class name
    bool human = false;
    ReviewState state = ReviewState::Accepted;
    double score = -1; // detector score, < 0 when none
};

struct CanvasPair {
    ItemId id = 0;
    ItemId subject = 0, object = 0;
    QString verb;
    double score = -1; // < 0 when none
    ReviewState state = ReviewState::Predicted;
    // Set by ImageCanvas::setContent: the place among the pairs of the same two boxes (their labels
    // stack, best score first); folded labels show only while their pair is selected or hovered;
    // the last shown label counts the folded ones after it ("+N").
    int slot = 0;
    bool folded = false;
    int foldedAfter = 0;
};

// At most this many labels are stacked on the line between two boxes (the best scores); the rest
// appear when their pair is selected or hovered, and the last shown label says how many there are.
constexpr int kShownPairLabels = 3;

} // namespace hoi::ui
