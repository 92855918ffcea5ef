#include "image_canvas.h"

#include <QGraphicsLineItem>
#include <QGraphicsPixmapItem>
#include <QGraphicsRectItem>
#include <QKeyEvent>
#include <QMap>
#include <QMouseEvent>
#include <QPainter>
#include <QScrollBar>
#include <QWheelEvent>
#include <algorithm>
#include <cmath>

#include "canvas_items.h"

namespace hoi::ui {

namespace {
constexpr double kMinZoom = 0.02, kMaxZoom = 40.0;
constexpr double kLineTolerance = 6.0;  // view pixels
constexpr double kHandleTolerance = 7.0;
constexpr double kMinBox = 2.0;         // image pixels

double distanceToSegment(QPointF p, QPointF a, QPointF b) {
    const QPointF ab = b - a;
    const double len2 = QPointF::dotProduct(ab, ab);
    double t = len2 > 0 ? QPointF::dotProduct(p - a, ab) / len2 : 0;
    t = std::clamp(t, 0.0, 1.0);
    const QPointF q = a + t * ab;
    return std::hypot(p.x() - q.x(), p.y() - q.y());
}
} // namespace

ImageCanvas::ImageCanvas(QWidget* parent) : QGraphicsView(parent), scene_(new QGraphicsScene(this)) {
    setScene(scene_);
    setRenderHints(QPainter::Antialiasing | QPainter::SmoothPixmapTransform);
    setTransformationAnchor(QGraphicsView::NoAnchor);
    setResizeAnchor(QGraphicsView::NoAnchor);
    setViewportUpdateMode(QGraphicsView::SmartViewportUpdate);
    setDragMode(QGraphicsView::NoDrag);
    setMouseTracking(true);
    setFocusPolicy(Qt::StrongFocus);
    setFrameShape(QFrame::NoFrame);
    // Like other image editors: no scroll bars; wheel zooms, drag pans.
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setBackgroundBrush(QColor(38, 40, 44));
    setObjectName(QStringLiteral("imageCanvas"));
}

ImageCanvas::~ImageCanvas() = default;

void ImageCanvas::setImage(const QImage& image) {
    drag_ = Drag::None;
    scene_->clear();
    boxItems_.clear();
    pairItems_.clear();
    boxes_.clear();
    pairs_.clear();
    imageItem_ = nullptr;
    heatmapItem_ = nullptr;
    rubberBand_ = nullptr;
    linkLine_ = nullptr;
    heatmap_ = QImage();
    selectedPair_ = selectedBox_ = hoveredPair_ = hoveredBox_ = 0;
    imageSize_ = image.size();
    if (image.isNull()) {
        scene_->setSceneRect(QRectF());
        viewport()->update();
        return;
    }
    imageItem_ = scene_->addPixmap(QPixmap::fromImage(image));
    imageItem_->setTransformationMode(Qt::SmoothTransformation);
    imageItem_->setZValue(0);
    imageItem_->setFlag(QGraphicsItem::ItemClipsChildrenToShape);
    imageItem_->setShapeMode(QGraphicsPixmapItem::BoundingRectShape);
    heatmapItem_ = new QGraphicsPixmapItem(imageItem_);
    heatmapItem_->setTransformationMode(Qt::SmoothTransformation);
    heatmapItem_->setZValue(5);
    heatmapItem_->setVisible(false);
    // Some margin around the image so boxes at the border stay reachable.
    const QRectF r(QPointF(0, 0), QSizeF(image.size()));
    const double m = std::max(r.width(), r.height()) * 0.05;
    scene_->setSceneRect(r.adjusted(-m, -m, m, m));
    fitMode_ = true;
    zoomToFit();
}

void ImageCanvas::setContent(const QVector<CanvasBox>& boxes, const QVector<CanvasPair>& pairs) {
    if (drag_ == Drag::Move || drag_ == Drag::Resize || drag_ == Drag::Link) drag_ = Drag::None;
    boxes_ = boxes;
    pairs_ = pairs;
    stackPairLabels();
    auto hasBox = [&](ItemId id) { return std::any_of(boxes_.begin(), boxes_.end(), [&](auto& b) { return b.id == id; }); };
    auto hasPair = [&](ItemId id) { return std::any_of(pairs_.begin(), pairs_.end(), [&](auto& p) { return p.id == id; }); };
    if (selectedPair_ && !hasPair(selectedPair_)) selectedPair_ = 0;
    if (selectedBox_ && !hasBox(selectedBox_)) selectedBox_ = 0;
    if (hoveredPair_ && !hasPair(hoveredPair_)) hoveredPair_ = 0;
    if (hoveredBox_ && !hasBox(hoveredBox_)) hoveredBox_ = 0;
    rebuildItems();
}

void ImageCanvas::rebuildItems() {
    for (auto* it : boxItems_) delete it;
    for (auto* it : pairItems_) delete it;
    boxItems_.clear();
    pairItems_.clear();
    if (!imageItem_) return;
    for (const auto& b : boxes_) {
        auto* it = new BoxItem(b);
        scene_->addItem(it);
        boxItems_.push_back(it);
    }
    for (const auto& p : pairs_) {
        auto* it = new PairItem(p);
        scene_->addItem(it);
        pairItems_.push_back(it);
    }
    updatePairGeometry();
    applySelection();
    layoutLabels();
}

void ImageCanvas::stackPairLabels() {
    QMap<QPair<ItemId, ItemId>, QVector<int>> groups;
    for (int i = 0; i < pairs_.size(); ++i) groups[{pairs_[i].subject, pairs_[i].object}] << i;
    for (auto& group : groups) {
        std::stable_sort(group.begin(), group.end(), [&](int a, int b) { return pairs_[a].score > pairs_[b].score; });
        for (int rank = 0; rank < group.size(); ++rank) {
            CanvasPair& p = pairs_[group[rank]];
            p.slot = std::min(rank, kShownPairLabels);
            p.folded = rank >= kShownPairLabels;
            p.foldedAfter = rank == kShownPairLabels - 1 ? int(group.size()) - kShownPairLabels : 0;
        }
    }
}

void ImageCanvas::layoutLabels() {
    QVector<QRectF> placed;
    for (auto* it : boxItems_) {
        const QRectF base = it->label()->baseRect().translated(mapFromScene(it->rect().topLeft()));
        QPointF offset;
        for (int tries = 0; tries <= boxItems_.size(); ++tries) {
            const QRectF r = base.translated(offset).adjusted(0, 1, 0, -1);
            const auto hit = std::find_if(placed.begin(), placed.end(), [&](const QRectF& q) { return q.intersects(r); });
            if (hit == placed.end()) break;
            offset.ry() += hit->bottom() - r.top() + 1;
        }
        it->label()->setOffset(offset);
        placed.push_back(base.translated(offset));
    }
    // Pair labels, best score first: each at the middle of its line, else a little towards either
    // end; one that overlaps every place is crowded out (shown while its pair is selected or
    // hovered), so labels of different pairs never print over each other.
    QVector<PairItem*> order(pairItems_.begin(), pairItems_.end());
    std::stable_sort(order.begin(), order.end(),
                     [](const PairItem* a, const PairItem* b) { return a->pair().score > b->pair().score; });
    for (PairItem* it : order) {
        if (!it->isVisible() || it->pair().folded) continue;
        bool crowded = true;
        double at = 0.5;
        for (double t : {0.5, 0.38, 0.62, 0.26, 0.74}) {
            const QRectF r = it->label()->baseRect().translated(mapFromScene(it->line().pointAt(t))).translated(
                0, it->pair().slot * 19.0);
            if (std::none_of(placed.begin(), placed.end(), [&](const QRectF& q) { return q.intersects(r); })) {
                crowded = false;
                at = t;
                placed.push_back(r);
                break;
            }
        }
        it->setLabelPlacement(at, crowded);
    }
}

void ImageCanvas::updatePairGeometry() {
    for (auto* it : pairItems_) {
        const BoxItem* s = boxItem(it->pair().subject);
        const BoxItem* o = it->pair().object ? boxItem(it->pair().object) : s; // no object: at the subject
        if (!s || !o) {
            it->setVisible(false);
            continue;
        }
        it->setVisible(true);
        it->setEnds(s->rect().center(), o->rect().center());
    }
}

void ImageCanvas::applySelection() {
    const CanvasPair* sel = nullptr;
    for (const auto& p : pairs_)
        if (p.id == selectedPair_) sel = &p;
    for (auto* it : boxItems_) {
        const ItemId id = it->box().id;
        it->setSelected(id == selectedBox_);
        it->setHovered(id == hoveredBox_);
        it->setDimmed(sel && id != sel->subject && id != sel->object && id != selectedBox_);
    }
    for (auto* it : pairItems_) {
        it->setSelected(it->pair().id == selectedPair_);
        it->setHovered(it->pair().id == hoveredPair_);
        it->setDimmed(sel && it->pair().id != selectedPair_ && it->pair().id != hoveredPair_);
    }
    if (heatmapItem_) heatmapItem_->setVisible(heatmapShown());
}

BoxItem* ImageCanvas::boxItem(ItemId id) const {
    for (auto* it : boxItems_)
        if (it->box().id == id) return it;
    return nullptr;
}

const CanvasBox* ImageCanvas::box(ItemId id) const {
    for (const auto& b : boxes_)
        if (b.id == id) return &b;
    return nullptr;
}

void ImageCanvas::setHeatmap(const QImage& heatmap, const QRectF& target) {
    heatmap_ = heatmap;
    if (!heatmapItem_) return;
    if (heatmap.isNull()) {
        heatmapItem_->setPixmap(QPixmap());
    } else {
        const QRectF t = target.isEmpty() ? QRectF(QPointF(0, 0), QSizeF(imageSize_)) : target;
        heatmapItem_->setPixmap(QPixmap::fromImage(heatmap));
        QTransform tr;
        tr.translate(t.left(), t.top());
        tr.scale(t.width() / heatmap.width(), t.height() / heatmap.height());
        heatmapItem_->setTransform(tr);
    }
    heatmapItem_->setOpacity(heatmapOpacity_);
    heatmapItem_->setVisible(heatmapShown());
}

void ImageCanvas::setHeatmapVisible(bool visible) {
    heatmapVisible_ = visible;
    if (heatmapItem_) heatmapItem_->setVisible(heatmapShown());
}

void ImageCanvas::setHeatmapOpacity(double opacity) {
    heatmapOpacity_ = std::clamp(opacity, 0.0, 1.0);
    if (heatmapItem_) heatmapItem_->setOpacity(heatmapOpacity_);
}

bool ImageCanvas::heatmapShown() const { return heatmapVisible_ && !heatmap_.isNull() && imageItem_; }

void ImageCanvas::setSelectedPair(ItemId id) {
    if (id == selectedPair_) return;
    selectedPair_ = id;
    if (id) selectedBox_ = 0;
    applySelection();
    Q_EMIT pairSelected(id);
}

void ImageCanvas::setSelectedBox(ItemId id) {
    if (id == selectedBox_) return;
    selectedBox_ = id;
    applySelection();
    Q_EMIT boxSelected(id);
}

void ImageCanvas::setTool(Tool tool) {
    if (tool == tool_) return;
    tool_ = tool;
    drag_ = Drag::None;
    updateCursor(mapFromGlobal(QCursor::pos()));
    Q_EMIT toolChanged(tool);
}

// ---- zoom --------------------------------------------------------------------------------------

double ImageCanvas::zoom() const { return transform().m11(); }

void ImageCanvas::setZoom(double factor, std::optional<QPointF> anchorViewPos) {
    factor = std::clamp(factor, kMinZoom, kMaxZoom);
    const QPointF anchor = anchorViewPos.value_or(QPointF(viewport()->rect().center()));
    const QPointF sceneAnchor = mapToScene(anchor.toPoint());
    setTransform(QTransform::fromScale(factor, factor));
    // Keep the scene point under the anchor where it was.
    const QPointF after = mapFromScene(sceneAnchor);
    const QPointF delta = after - anchor;
    horizontalScrollBar()->setValue(horizontalScrollBar()->value() + int(std::lround(delta.x())));
    verticalScrollBar()->setValue(verticalScrollBar()->value() + int(std::lround(delta.y())));
    for (auto* it : boxItems_) it->update();
    layoutLabels();
    scene_->update();
    Q_EMIT zoomChanged(factor);
}

void ImageCanvas::zoomIn() { fitMode_ = false; setZoom(zoom() * 1.25); }
void ImageCanvas::zoomOut() { fitMode_ = false; setZoom(zoom() / 1.25); }
void ImageCanvas::zoomActualSize() { fitMode_ = false; setZoom(1.0); }

void ImageCanvas::zoomToFit() {
    fitMode_ = true;
    if (imageSize_.isEmpty()) return;
    const QRectF r(QPointF(0, 0), QSizeF(imageSize_));
    const QSizeF avail = QSizeF(viewport()->size()) - QSizeF(24, 24);
    const double f = std::max(kMinZoom, std::min(avail.width() / r.width(), avail.height() / r.height()));
    setTransform(QTransform::fromScale(f, f));
    centerOn(r.center());
    layoutLabels();
    scene_->update();
    Q_EMIT zoomChanged(f);
}

void ImageCanvas::resizeEvent(QResizeEvent* e) {
    QGraphicsView::resizeEvent(e);
    if (fitMode_) zoomToFit();
}

void ImageCanvas::wheelEvent(QWheelEvent* e) {
    if (imageSize_.isEmpty()) return;
    const double steps = e->angleDelta().y() / 120.0;
    if (steps == 0) return;
    fitMode_ = false;
    setZoom(zoom() * std::pow(1.2, steps), e->position());
    e->accept();
}

void ImageCanvas::setMessage(const QString& message) {
    message_ = message;
    viewport()->update();
}

void ImageCanvas::drawBackground(QPainter* painter, const QRectF& rect) {
    QGraphicsView::drawBackground(painter, rect);
    if (imageSize_.isEmpty()) {
        painter->save();
        painter->resetTransform();
        painter->setPen(QColor(150, 150, 155));
        QFont f = font();
        f.setPointSizeF(f.pointSizeF() * 1.2);
        painter->setFont(f);
        if (!message_.isEmpty()) painter->setPen(QColor(235, 120, 110));
        painter->drawText(viewport()->rect().adjusted(24, 24, -24, -24), Qt::AlignCenter | Qt::TextWordWrap,
                          message_.isEmpty() ? tr("Open images, a folder, a HICO-DET file or a project\n(File menu, Ctrl+O, or drop files here)")
                                             : message_);
        painter->restore();
        return;
    }
    // A soft shadow under the image.
    const QRectF r(QPointF(0, 0), QSizeF(imageSize_));
    painter->save();
    painter->setPen(Qt::NoPen);
    const double px = 1.0 / std::max(zoom(), 1e-6);
    for (int i = 1; i <= 4; ++i) {
        painter->setBrush(QColor(0, 0, 0, 18));
        painter->drawRect(r.adjusted(-i * px, -i * px, (i + 1) * px, (i + 1) * px));
    }
    painter->restore();
}

// ---- geometry helpers --------------------------------------------------------------------------

QPoint ImageCanvas::viewPosOfImagePoint(const QPointF& p) const { return mapFromScene(p); }
QPointF ImageCanvas::imagePointOfViewPos(const QPoint& p) const { return mapToScene(p); }

QPoint ImageCanvas::pairLabelViewPos(ItemId pair) const {
    for (auto* it : pairItems_)
        if (it->pair().id == pair && it->isVisible()) return mapFromScene(it->line().center());
    return {-1, -1};
}

ItemId ImageCanvas::pairAt(const QPoint& viewPos) const {
    // Labels first (they are on top), then lines; the selected pair wins ties.
    ItemId best = 0;
    double bestD = kLineTolerance;
    for (auto* it : pairItems_) {
        if (!it->isVisible() || !it->label()->isVisible()) continue;
        const QRectF label = it->label()->deviceTransform(viewportTransform()).mapRect(it->label()->boundingRect());
        if (label.contains(viewPos)) return it->pair().id;
    }
    const bool inBox = boxAt(viewPos) != 0;
    for (auto* it : pairItems_) {
        if (!it->isVisible()) continue;
        const QPointF a = mapFromScene(it->line().p1()), b = mapFromScene(it->line().p2());
        // Near a box centre (where lines end) a click means the box, not the line.
        if (inBox && (QLineF(a, viewPos).length() < 12 || QLineF(b, viewPos).length() < 12)) continue;
        const double d = distanceToSegment(viewPos, a, b);
        if (d < bestD || (d <= bestD && it->pair().id == selectedPair_)) {
            bestD = d;
            best = it->pair().id;
        }
    }
    return best;
}

ItemId ImageCanvas::boxAt(const QPoint& viewPos, bool humansOnly) const {
    const QPointF p = mapToScene(viewPos);
    ItemId best = 0;
    double bestArea = 0;
    for (const auto& b : boxes_) {
        if (humansOnly && !b.human) continue;
        if (!b.rect.contains(p)) continue;
        const double a = b.rect.width() * b.rect.height();
        if (!best || a < bestArea) {
            best = b.id;
            bestArea = a;
        }
    }
    return best;
}

int ImageCanvas::handleAt(const QPoint& viewPos) const {
    const BoxItem* it = boxItem(selectedBox_);
    if (!it) return -1;
    for (int i = 0; i < 8; ++i) {
        const QPointF h = mapFromScene(BoxItem::handlePos(it->rect(), i));
        if (std::abs(h.x() - viewPos.x()) <= kHandleTolerance && std::abs(h.y() - viewPos.y()) <= kHandleTolerance)
            return i;
    }
    return -1;
}

QRectF ImageCanvas::clampToImage(QRectF r) const {
    const QRectF img(QPointF(0, 0), QSizeF(imageSize_));
    r = r.normalized().intersected(img);
    return r;
}

// ---- mouse -------------------------------------------------------------------------------------

void ImageCanvas::mousePressEvent(QMouseEvent* e) {
    setFocus(Qt::MouseFocusReason);
    pressViewPos_ = e->position().toPoint();
    pressImagePos_ = mapToScene(pressViewPos_);
    lastPanPos_ = pressViewPos_;
    dragMoved_ = false;
    if (imageSize_.isEmpty()) return;
    if (e->button() == Qt::MiddleButton || (e->button() == Qt::LeftButton && spaceHeld_)) {
        drag_ = Drag::Pan;
        viewport()->setCursor(Qt::ClosedHandCursor);
        return;
    }
    if (e->button() != Qt::LeftButton) {
        QGraphicsView::mousePressEvent(e);
        return;
    }
    const bool linkGesture = tool_ == Tool::Link || (tool_ == Tool::Select && (e->modifiers() & Qt::ControlModifier));
    if (linkGesture) {
        const ItemId h = boxAt(pressViewPos_, true);
        if (h && editable_) {
            drag_ = Drag::Link;
            dragBox_ = h;
            linkLine_ = scene_->addLine(QLineF(box(h)->rect.center(), pressImagePos_));
            QPen pen(stateColor(ReviewState::Edited), 2.5, Qt::DashLine, Qt::RoundCap);
            pen.setCosmetic(true);
            linkLine_->setPen(pen);
            linkLine_->setZValue(40);
        }
        return;
    }
    if (tool_ == Tool::DrawBox) {
        if (!editable_) return;
        const QRectF img(QPointF(0, 0), QSizeF(imageSize_));
        if (!img.contains(pressImagePos_)) return;
        drag_ = Drag::Draw;
        rubberBand_ = scene_->addRect(QRectF(pressImagePos_, QSizeF(0, 0)));
        QPen pen(Qt::white, 1.5, Qt::DashLine);
        pen.setCosmetic(true);
        rubberBand_->setPen(pen);
        rubberBand_->setBrush(QColor(255, 255, 255, 30));
        rubberBand_->setZValue(40);
        return;
    }
    // Select tool: handles of the selected box, then pairs, then boxes, else clear.
    const int handle = editable_ ? handleAt(pressViewPos_) : -1;
    if (handle >= 0) {
        drag_ = Drag::Resize;
        dragHandle_ = handle;
        dragBox_ = selectedBox_;
        dragStartRect_ = box(selectedBox_)->rect;
        return;
    }
    if (const ItemId p = pairAt(pressViewPos_)) {
        setSelectedPair(p);
        drag_ = Drag::None;
        return;
    }
    if (const ItemId b = boxAt(pressViewPos_)) {
        if (b != selectedBox_) {
            selectedPair_ = 0;
            Q_EMIT pairSelected(0);
        }
        setSelectedBox(b);
        if (editable_) {
            drag_ = Drag::Move;
            dragBox_ = b;
            dragStartRect_ = box(b)->rect;
        }
        return;
    }
    // Empty space: pan by dragging, clear selection on click.
    drag_ = Drag::Pan;
    viewport()->setCursor(Qt::ClosedHandCursor);
}

void ImageCanvas::mouseMoveEvent(QMouseEvent* e) {
    const QPoint pos = e->position().toPoint();
    if ((pos - pressViewPos_).manhattanLength() >= 3) dragMoved_ = true;
    const QPointF ip = mapToScene(pos);
    switch (drag_) {
    case Drag::None:
        updateHover(pos);
        updateCursor(pos);
        return;
    case Drag::Pan: {
        const QPoint d = pos - lastPanPos_;
        lastPanPos_ = pos;
        horizontalScrollBar()->setValue(horizontalScrollBar()->value() - d.x());
        verticalScrollBar()->setValue(verticalScrollBar()->value() - d.y());
        fitMode_ = false;
        return;
    }
    case Drag::Move: {
        if (!dragMoved_) return;
        QRectF r = dragStartRect_.translated(ip - pressImagePos_);
        // Keep the whole box inside the image.
        const QRectF img(QPointF(0, 0), QSizeF(imageSize_));
        if (r.left() < 0) r.moveLeft(0);
        if (r.top() < 0) r.moveTop(0);
        if (r.right() > img.right()) r.moveRight(img.right());
        if (r.bottom() > img.bottom()) r.moveBottom(img.bottom());
        if (auto* it = boxItem(dragBox_)) it->setRect(r);
        updatePairGeometry();
        return;
    }
    case Drag::Resize: {
        QRectF r = dragStartRect_;
        const QPointF d = ip - pressImagePos_;
        switch (dragHandle_) {
        case 0: r.setTopLeft(r.topLeft() + d); break;
        case 1: r.setTop(r.top() + d.y()); break;
        case 2: r.setTopRight(r.topRight() + d); break;
        case 3: r.setRight(r.right() + d.x()); break;
        case 4: r.setBottomRight(r.bottomRight() + d); break;
        case 5: r.setBottom(r.bottom() + d.y()); break;
        case 6: r.setBottomLeft(r.bottomLeft() + d); break;
        case 7: r.setLeft(r.left() + d.x()); break;
        }
        r = clampToImage(r);
        if (r.width() < kMinBox || r.height() < kMinBox) return;
        if (auto* it = boxItem(dragBox_)) it->setRect(r);
        updatePairGeometry();
        return;
    }
    case Drag::Draw:
        if (rubberBand_) rubberBand_->setRect(clampToImage(QRectF(pressImagePos_, ip)));
        return;
    case Drag::Link: {
        if (!linkLine_) return;
        QPointF end = ip;
        const ItemId target = boxAt(pos);
        const CanvasBox* t = target && target != dragBox_ ? box(target) : nullptr;
        if (t) end = t->rect.center();
        linkLine_->setLine(QLineF(box(dragBox_)->rect.center(), end));
        hoveredBox_ = t ? target : 0;
        applySelection();
        return;
    }
    }
}

void ImageCanvas::mouseReleaseEvent(QMouseEvent* e) {
    const Drag drag = drag_;
    drag_ = Drag::None;
    const QPoint pos = e->position().toPoint();
    switch (drag) {
    case Drag::None:
        break;
    case Drag::Pan:
        if (!dragMoved_ && e->button() == Qt::LeftButton) {
            setSelectedPair(0);
            setSelectedBox(0);
        }
        break;
    case Drag::Move:
    case Drag::Resize: {
        BoxItem* it = boxItem(dragBox_);
        if (it && dragMoved_ && it->rect() != dragStartRect_) {
            const QRectF after = it->rect();
            Q_EMIT boxGeometryEdited(dragBox_, dragStartRect_, after);
        } else if (it) {
            it->setRect(dragStartRect_);
            updatePairGeometry();
        }
        break;
    }
    case Drag::Draw: {
        QRectF r = rubberBand_ ? rubberBand_->rect() : QRectF();
        delete rubberBand_;
        rubberBand_ = nullptr;
        if (r.width() >= kMinBox && r.height() >= kMinBox) Q_EMIT boxDrawn(r);
        break;
    }
    case Drag::Link: {
        delete linkLine_;
        linkLine_ = nullptr;
        const ItemId target = boxAt(pos);
        hoveredBox_ = 0;
        applySelection();
        if (target && target != dragBox_) Q_EMIT pairLinked(dragBox_, target);
        break;
    }
    }
    updateCursor(pos);
}

void ImageCanvas::mouseDoubleClickEvent(QMouseEvent* e) {
    const ItemId p = pairAt(e->position().toPoint());
    if (p) {
        setSelectedPair(p);
        Q_EMIT pairActivated(p);
        return;
    }
    QGraphicsView::mouseDoubleClickEvent(e);
}

void ImageCanvas::leaveEvent(QEvent* e) {
    if (drag_ == Drag::None && (hoveredPair_ || hoveredBox_)) {
        hoveredPair_ = hoveredBox_ = 0;
        applySelection();
        Q_EMIT hoverChanged(QString());
    }
    QGraphicsView::leaveEvent(e);
}

void ImageCanvas::updateHover(const QPoint& viewPos) {
    const ItemId p = tool_ == Tool::Select ? pairAt(viewPos) : 0;
    const ItemId b = p ? 0 : boxAt(viewPos);
    if (p == hoveredPair_ && b == hoveredBox_) return;
    hoveredPair_ = p;
    hoveredBox_ = b;
    applySelection();
    QString text;
    if (p) {
        for (const auto& pr : pairs_)
            if (pr.id == p) {
                const CanvasBox* s = box(pr.subject);
                const CanvasBox* o = box(pr.object);
                text = tr("%1 — %2 — %3").arg(s ? s->label : QString(), pr.verb,
                                              o ? o->label : pr.object ? QString() : tr("(no object)"));
                if (pr.score >= 0) text += tr("  (score %1)").arg(pr.score, 0, 'f', 3);
            }
    } else if (const CanvasBox* bx = box(b)) {
        text = tr("%1  [%2, %3, %4, %5]")
                   .arg(bx->label)
                   .arg(bx->rect.left(), 0, 'f', 0)
                   .arg(bx->rect.top(), 0, 'f', 0)
                   .arg(bx->rect.right(), 0, 'f', 0)
                   .arg(bx->rect.bottom(), 0, 'f', 0);
        // Its relations: outgoing (it is the subject) and incoming (it is the object).
        QStringList out, in;
        for (const auto& pr : pairs_) {
            if (pr.subject == b)
                if (const CanvasBox* o = box(pr.object)) out << tr("%1 → %2").arg(pr.verb, o->label);
            if (pr.object == b)
                if (const CanvasBox* s = box(pr.subject)) in << tr("%1 %2 →").arg(s->label, pr.verb);
        }
        if (!out.isEmpty()) text += tr("  ·  %1").arg(out.join(QStringLiteral(", ")));
        if (!in.isEmpty()) text += tr("  ·  %1").arg(in.join(QStringLiteral(", ")));
        if (out.isEmpty() && in.isEmpty()) text += tr("  ·  no relations");
    }
    Q_EMIT hoverChanged(text);
}

void ImageCanvas::updateCursor(const QPoint& viewPos) {
    if (spaceHeld_) {
        viewport()->setCursor(Qt::OpenHandCursor);
        return;
    }
    switch (tool_) {
    case Tool::DrawBox: viewport()->setCursor(Qt::CrossCursor); return;
    case Tool::Link: viewport()->setCursor(boxAt(viewPos, true) ? Qt::PointingHandCursor : Qt::ArrowCursor); return;
    case Tool::Select: break;
    }
    const int h = editable_ ? handleAt(viewPos) : -1;
    static const Qt::CursorShape shapes[8] = {Qt::SizeFDiagCursor, Qt::SizeVerCursor, Qt::SizeBDiagCursor,
                                              Qt::SizeHorCursor,   Qt::SizeFDiagCursor, Qt::SizeVerCursor,
                                              Qt::SizeBDiagCursor, Qt::SizeHorCursor};
    if (h >= 0) viewport()->setCursor(shapes[h]);
    else if (hoveredPair_) viewport()->setCursor(Qt::PointingHandCursor);
    else if (hoveredBox_ && hoveredBox_ == selectedBox_ && editable_) viewport()->setCursor(Qt::SizeAllCursor);
    else viewport()->setCursor(Qt::ArrowCursor);
}

void ImageCanvas::keyPressEvent(QKeyEvent* e) {
    if (e->key() == Qt::Key_Space && !e->isAutoRepeat()) {
        spaceHeld_ = true;
        viewport()->setCursor(Qt::OpenHandCursor);
        return;
    }
    if (e->key() == Qt::Key_Escape) {
        if (drag_ != Drag::None) {
            if ((drag_ == Drag::Move || drag_ == Drag::Resize) && boxItem(dragBox_)) {
                boxItem(dragBox_)->setRect(dragStartRect_);
                updatePairGeometry();
            }
            delete rubberBand_;
            rubberBand_ = nullptr;
            delete linkLine_;
            linkLine_ = nullptr;
            drag_ = Drag::None;
        } else if (tool_ != Tool::Select) {
            setTool(Tool::Select);
        } else {
            setSelectedPair(0);
            setSelectedBox(0);
        }
        return;
    }
    QGraphicsView::keyPressEvent(e);
}

void ImageCanvas::keyReleaseEvent(QKeyEvent* e) {
    if (e->key() == Qt::Key_Space && !e->isAutoRepeat()) {
        spaceHeld_ = false;
        updateCursor(mapFromGlobal(QCursor::pos()));
        return;
    }
    QGraphicsView::keyReleaseEvent(e);
}

} // namespace hoi::ui
