#include "flow_layout.h"

#include <QWidget>
#include <algorithm>

namespace hoi::ui {

FlowLayout::FlowLayout(QWidget* parent, int spacing) : QLayout(parent), spacing_(spacing) {
    setContentsMargins(0, 0, 0, 0);
}

FlowLayout::~FlowLayout() {
    while (QLayoutItem* item = takeAt(0)) delete item;
}

void FlowLayout::addItem(QLayoutItem* item) { items_.append(item); }

void FlowLayout::insertWidget(int index, QWidget* w) {
    addChildWidget(w);
    items_.insert(std::clamp(index, 0, int(items_.size())), new QWidgetItem(w));
    invalidate();
}

QLayoutItem* FlowLayout::takeAt(int index) {
    if (index < 0 || index >= items_.size()) return nullptr;
    return items_.takeAt(index);
}

QSize FlowLayout::minimumSize() const {
    QSize s;
    for (const QLayoutItem* item : items_) s = s.expandedTo(item->minimumSize());
    const QMargins m = contentsMargins();
    return s + QSize(m.left() + m.right(), m.top() + m.bottom());
}

void FlowLayout::setGeometry(const QRect& rect) {
    QLayout::setGeometry(rect);
    doLayout(rect, false);
}

int FlowLayout::doLayout(const QRect& rect, bool testOnly) const {
    const QMargins m = contentsMargins();
    const QRect r = rect.adjusted(m.left(), m.top(), -m.right(), -m.bottom());
    int x = r.x(), y = r.y(), lineHeight = 0;
    for (QLayoutItem* item : items_) {
        // Skip widgets hidden on purpose; isVisible() would also skip every item of a window not
        // shown yet, which then kept its default geometry (chips restored at start were invisible).
        if (item->widget() && item->widget()->isHidden() && !testOnly) continue;
        const QSize hint = item->sizeHint();
        // An item that wants to expand (the line edit) takes the rest of the line, at least its minimum.
        int w = hint.width();
        const bool expands = item->expandingDirections() & Qt::Horizontal;
        if (expands) w = std::max(item->minimumSize().width(), r.right() + 1 - x);
        if (x + w > r.right() + 1 && lineHeight > 0) {
            x = r.x();
            y += lineHeight + spacing_;
            lineHeight = 0;
            if (expands) w = std::max(item->minimumSize().width(), r.width());
        }
        if (!testOnly) item->setGeometry(QRect(QPoint(x, y), QSize(std::min(w, r.width()), hint.height())));
        x += w + spacing_;
        lineHeight = std::max(lineHeight, hint.height());
    }
    return y + lineHeight - rect.y() + m.bottom();
}

} // namespace hoi::ui
