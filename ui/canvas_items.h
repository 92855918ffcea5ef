#pragma once
// Graphics items of the ImageCanvas: they only paint; the view does all hit-testing and editing.
#include <QGraphicsItem>
#include <QGraphicsSimpleTextItem>

#include "canvas_content.h"

namespace hoi::ui {

// Colours shared by the canvas, the pair list and the legend.
QColor humanColor();
QColor objectColor();
QColor stateColor(ReviewState state);

// A text label with a filled background that keeps its size on screen whatever the zoom.
class LabelItem : public QGraphicsItem {
public:
    explicit LabelItem(QGraphicsItem* parent = nullptr);
    void setText(const QString& text);
    QString text() const { return text_; }
    void setColors(const QColor& background, const QColor& foreground);
    // Where the label sits relative to its position: the label's bottom-left corner (box labels)
    // or its centre (pair labels).
    void setCentered(bool centered);
    // A shift in view pixels (stacked labels of pairs between the same boxes).
    void setOffset(const QPointF& offset);
    // The label's rectangle in view pixels relative to its position, without the offset.
    QRectF baseRect() const { return rect_.translated(-offset_); }
    QRectF boundingRect() const override;
    void paint(QPainter* p, const QStyleOptionGraphicsItem*, QWidget*) override;

private:
    QString text_;
    QColor bg_, fg_;
    bool centered_ = false;
    QPointF offset_;
    QRectF rect_;
};

class BoxItem : public QGraphicsItem {
public:
    explicit BoxItem(const CanvasBox& box);
    const CanvasBox& box() const { return box_; }
    void setRect(const QRectF& r);
    QRectF rect() const { return box_.rect; }
    LabelItem* label() const { return label_; }
    void setSelected(bool s);
    void setHovered(bool h);
    void setDimmed(bool d); // not part of the selected pair while a pair is selected
    QRectF boundingRect() const override;
    void paint(QPainter* p, const QStyleOptionGraphicsItem*, QWidget*) override;
    // Handle centres (image pixels): 0 top-left, 1 top, 2 top-right, 3 right, 4 bottom-right,
    // 5 bottom, 6 bottom-left, 7 left.
    static QPointF handlePos(const QRectF& r, int index);

private:
    CanvasBox box_;
    bool selected_ = false, hovered_ = false, dimmed_ = false;
    LabelItem* label_;
};

class PairItem : public QGraphicsItem {
public:
    explicit PairItem(const CanvasPair& pair);
    const CanvasPair& pair() const { return pair_; }
    void setEnds(const QPointF& a, const QPointF& b);
    QLineF line() const { return line_; }
    void setSelected(bool s);
    void setHovered(bool h);
    void setDimmed(bool d);
    LabelItem* label() const { return label_; }
    // Where the label sits along the line (0 subject .. 1 object) and whether it is crowded out by
    // other labels (then shown only while the pair is selected or hovered).
    void setLabelPlacement(double t, bool crowded);
    QRectF boundingRect() const override;
    void paint(QPainter* p, const QStyleOptionGraphicsItem*, QWidget*) override;

private:
    void updateLabel();
    CanvasPair pair_;
    QLineF line_;
    double labelT_ = 0.5;
    bool crowded_ = false;
    bool selected_ = false, hovered_ = false, dimmed_ = false;
    LabelItem* label_;
};

} // namespace hoi::ui
