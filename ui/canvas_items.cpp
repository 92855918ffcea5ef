#include "canvas_items.h"

#include <QApplication>
#include <QGraphicsScene>
#include <QGraphicsView>
#include <QFontMetricsF>
#include <QPainter>

namespace hoi::ui {

QColor humanColor() { return QColor(61, 139, 253); }
QColor objectColor() { return QColor(253, 126, 20); }
QColor stateColor(ReviewState state) {
    switch (state) {
    case ReviewState::Predicted: return QColor(255, 214, 10);
    case ReviewState::Accepted: return QColor(52, 199, 89);
    case ReviewState::Rejected: return QColor(142, 142, 147);
    case ReviewState::Edited: return QColor(191, 90, 242);
    }
    return Qt::white;
}

namespace {
QFont labelFont() {
    QFont f = QApplication::font();
    f.setPixelSize(12);
    f.setWeight(QFont::DemiBold);
    return f;
}
constexpr double kHandle = 7.0; // handle size in view pixels
} // namespace

// ---- LabelItem ---------------------------------------------------------------------------------

LabelItem::LabelItem(QGraphicsItem* parent) : QGraphicsItem(parent) {
    setFlag(ItemIgnoresTransformations);
    setAcceptedMouseButtons(Qt::NoButton);
}

void LabelItem::setText(const QString& text) {
    prepareGeometryChange();
    text_ = text;
    QFontMetricsF fm(labelFont());
    QSizeF s(fm.horizontalAdvance(text_) + 8, fm.height() + 2);
    rect_ = centered_ ? QRectF(QPointF(-s.width() / 2, -s.height() / 2), s) : QRectF(QPointF(-1, -s.height()), s);
    rect_.translate(offset_);
    update();
}

void LabelItem::setColors(const QColor& background, const QColor& foreground) {
    bg_ = background;
    fg_ = foreground;
    update();
}

void LabelItem::setOffset(const QPointF& offset) {
    offset_ = offset;
    setText(text_);
}

void LabelItem::setCentered(bool centered) {
    centered_ = centered;
    setText(text_);
}

QRectF LabelItem::boundingRect() const { return rect_; }

void LabelItem::paint(QPainter* p, const QStyleOptionGraphicsItem*, QWidget*) {
    if (text_.isEmpty()) return;
    p->setRenderHint(QPainter::Antialiasing);
    p->setPen(Qt::NoPen);
    p->setBrush(bg_);
    p->drawRoundedRect(rect_, 3, 3);
    p->setPen(fg_);
    p->setFont(labelFont());
    p->drawText(rect_, Qt::AlignCenter, text_);
}

// ---- BoxItem -----------------------------------------------------------------------------------

BoxItem::BoxItem(const CanvasBox& box) : box_(box), label_(new LabelItem(this)) {
    setAcceptedMouseButtons(Qt::NoButton);
    setZValue(box.human ? 11 : 10);
    QColor c = box.human ? humanColor() : objectColor();
    QString text = box.label;
    if (box.score >= 0) text += QStringLiteral(" %1").arg(box.score, 0, 'f', 2);
    label_->setText(text);
    label_->setColors(c, Qt::white);
    label_->setPos(box.rect.topLeft());
}

void BoxItem::setRect(const QRectF& r) {
    prepareGeometryChange();
    box_.rect = r;
    label_->setPos(r.topLeft());
    update();
}

void BoxItem::setSelected(bool s) { selected_ = s; setZValue((box_.human ? 11 : 10) + (s ? 5 : 0)); update(); }
void BoxItem::setHovered(bool h) { hovered_ = h; update(); }
void BoxItem::setDimmed(bool d) {
    dimmed_ = d;
    setOpacity(d ? 0.35 : 1.0);
}

QRectF BoxItem::boundingRect() const {
    // Handles and the cosmetic pen stick out by a few view pixels; at low zoom that is many image pixels.
    double m = 2;
    if (scene() && !scene()->views().isEmpty()) {
        double s = scene()->views().first()->transform().m11();
        if (s > 0) m = (kHandle + 3) / s;
    }
    return box_.rect.adjusted(-m, -m, m, m);
}

QPointF BoxItem::handlePos(const QRectF& r, int index) {
    switch (index) {
    case 0: return r.topLeft();
    case 1: return {r.center().x(), r.top()};
    case 2: return r.topRight();
    case 3: return {r.right(), r.center().y()};
    case 4: return r.bottomRight();
    case 5: return {r.center().x(), r.bottom()};
    case 6: return r.bottomLeft();
    default: return {r.left(), r.center().y()};
    }
}

void BoxItem::paint(QPainter* p, const QStyleOptionGraphicsItem*, QWidget*) {
    QColor c = box_.human ? humanColor() : objectColor();
    const bool rejected = box_.state == ReviewState::Rejected;
    QPen pen(c, selected_ ? 3.0 : (hovered_ ? 2.5 : 2.0));
    pen.setCosmetic(true);
    if (rejected) pen.setStyle(Qt::DashLine);
    if (box_.state == ReviewState::Predicted && !selected_) pen.setStyle(Qt::SolidLine);
    p->setPen(pen);
    QColor fill = c;
    fill.setAlpha(selected_ ? 40 : (hovered_ ? 28 : 0));
    p->setBrush(fill);
    p->drawRect(box_.rect);
    if (!selected_) return;
    // Handles: constant size on screen.
    const QTransform t = p->worldTransform();
    p->save();
    p->resetTransform();
    p->setRenderHint(QPainter::Antialiasing, false);
    p->setPen(QPen(Qt::white, 1));
    p->setBrush(c);
    for (int i = 0; i < 8; ++i) {
        QPointF v = t.map(handlePos(box_.rect, i));
        p->drawRect(QRectF(v.x() - kHandle / 2, v.y() - kHandle / 2, kHandle, kHandle));
    }
    p->restore();
}

// ---- PairItem ----------------------------------------------------------------------------------

PairItem::PairItem(const CanvasPair& pair) : pair_(pair), label_(new LabelItem(this)) {
    setAcceptedMouseButtons(Qt::NoButton);
    setZValue(20);
    label_->setCentered(true);
    label_->setZValue(1);
    label_->setOffset(QPointF(0, pair.slot * 19.0));
    updateLabel();
}

void PairItem::updateLabel() {
    QString text = pair_.verb.isEmpty() ? QStringLiteral("?") : pair_.verb;
    if (pair_.score >= 0) text += QStringLiteral("  %1").arg(pair_.score, 0, 'f', 2);
    if (pair_.foldedAfter > 0) text += QStringLiteral("  +%1").arg(pair_.foldedAfter);
    label_->setText(text);
    label_->setVisible((!pair_.folded && !crowded_) || selected_ || hovered_);
    QColor bg = selected_ ? QColor(255, 255, 255) : QColor(20, 22, 26, 215);
    QColor fg = selected_ ? QColor(20, 22, 26) : stateColor(pair_.state);
    label_->setColors(bg, fg);
}

void PairItem::setEnds(const QPointF& a, const QPointF& b) {
    prepareGeometryChange();
    line_ = QLineF(a, b);
    label_->setPos(line_.pointAt(labelT_));
    update();
}

void PairItem::setLabelPlacement(double t, bool crowded) {
    labelT_ = t;
    crowded_ = crowded;
    label_->setPos(line_.pointAt(t));
    updateLabel();
}

void PairItem::setSelected(bool s) {
    selected_ = s;
    setZValue(s ? 30 : 20);
    updateLabel();
    update();
}
void PairItem::setHovered(bool h) {
    hovered_ = h;
    updateLabel();
    update();
}
void PairItem::setDimmed(bool d) { dimmed_ = d; setOpacity(d ? 0.3 : 1.0); }

QRectF PairItem::boundingRect() const {
    double m = 4;
    if (scene() && !scene()->views().isEmpty()) {
        double s = scene()->views().first()->transform().m11();
        if (s > 0) m = 8 / s;
    }
    return QRectF(line_.p1(), line_.p2()).normalized().adjusted(-m, -m, m, m);
}

void PairItem::paint(QPainter* p, const QStyleOptionGraphicsItem*, QWidget*) {
    p->setRenderHint(QPainter::Antialiasing);
    QColor c = stateColor(pair_.state);
    const double w = selected_ ? 3.5 : (hovered_ ? 3.0 : 2.0);
    if (selected_ || hovered_) {
        QPen halo(QColor(0, 0, 0, 140), w + 3, Qt::SolidLine, Qt::RoundCap);
        halo.setCosmetic(true);
        p->setPen(halo);
        p->drawLine(line_);
    }
    QPen pen(c, w, pair_.state == ReviewState::Rejected ? Qt::DashLine : Qt::SolidLine, Qt::RoundCap);
    pen.setCosmetic(true);
    p->setPen(pen);
    p->drawLine(line_);
    // End dots (screen-constant).
    const QTransform t = p->worldTransform();
    p->save();
    p->resetTransform();
    p->setPen(QPen(Qt::black, 1));
    p->setBrush(c);
    for (QPointF e : {line_.p1(), line_.p2()}) p->drawEllipse(t.map(e), 3.5, 3.5);
    p->restore();
}

} // namespace hoi::ui
