#pragma once
// The image canvas: a QGraphicsView showing one image with its human and object boxes, a line per
// human-object pair labelled with verb and score, and the selected pair's attention heatmap.
//
// Interaction happens in the view (items only paint), so behaviour does not depend on item
// hit-test quirks:
//  - wheel zooms around the cursor; middle button or Space+drag pans; fit / 1:1 from actions;
//  - Select tool: click a pair line or label to select the pair, a box to select the box; drag a
//    selected box to move it, its handles to resize it; Ctrl+drag from a human to an object links them;
//  - Box tool: drag to draw a new box;
//  - Link tool: drag from a human box to an object box to add a pair.
// Edits are reported as signals (the caller turns them into undo commands); the canvas shows the
// new geometry while dragging and the caller's next setContent() confirms it.
#include "canvas_content.h"

#include <QGraphicsView>
#include <QImage>
#include <QPointer>
#include <QVector>
#include <cstdint>
#include <optional>

class QGraphicsPixmapItem;
class QGraphicsRectItem;
class QGraphicsLineItem;

namespace hoi::ui {

class BoxItem;
class PairItem;

class ImageCanvas : public QGraphicsView {
    Q_OBJECT
public:
    enum class Tool { Select, DrawBox, Link };
    Q_ENUM(Tool)

    explicit ImageCanvas(QWidget* parent = nullptr);
    ~ImageCanvas() override;

    // The image (replaces everything; the view fits it). A null image clears the canvas.
    void setImage(const QImage& image);
    // Text shown while there is no image: "" = how to open images; else e.g. why an image failed.
    void setMessage(const QString& message);
    QString message() const { return message_; }
    QSize imageSize() const { return imageSize_; }
    // Boxes and pairs to show (the selection is kept when its ids still exist).
    void setContent(const QVector<CanvasBox>& boxes, const QVector<CanvasPair>& pairs);
    const QVector<CanvasBox>& boxes() const { return boxes_; }
    const QVector<CanvasPair>& pairs() const { return pairs_; }

    // The heatmap over the image: any size, stretched over `target` (image pixels; empty = the whole
    // image) and clipped to the image. Null: none.
    void setHeatmap(const QImage& heatmap, const QRectF& target = QRectF());
    QImage heatmap() const { return heatmap_; }
    void setHeatmapVisible(bool visible);
    void setHeatmapOpacity(double opacity); // 0..1
    bool heatmapShown() const;

    void setSelectedPair(ItemId id);  // 0 = none
    ItemId selectedPair() const { return selectedPair_; }
    void setSelectedBox(ItemId id);
    ItemId selectedBox() const { return selectedBox_; }

    void setTool(Tool tool);
    Tool tool() const { return tool_; }
    // Whether boxes can be edited at all (false while the image is being analysed).
    void setEditable(bool editable) { editable_ = editable; }

    double zoom() const; // view pixels per image pixel
    void setZoom(double factor, std::optional<QPointF> anchorViewPos = std::nullopt);

    // Geometry helpers (view coordinates of things, for tests and tooltips).
    QPoint viewPosOfImagePoint(const QPointF& p) const;
    QPointF imagePointOfViewPos(const QPoint& p) const;
    QPoint pairLabelViewPos(ItemId pair) const; // centre of the pair's label; (-1,-1) if absent

    // A pair hit at a view position (line within a few pixels, or its label); 0 when none.
    ItemId pairAt(const QPoint& viewPos) const;
    // The box at a view position (smallest containing box first); 0 when none.
    ItemId boxAt(const QPoint& viewPos, bool humansOnly = false) const;

public Q_SLOTS:
    void zoomIn();
    void zoomOut();
    void zoomToFit();
    void zoomActualSize();

Q_SIGNALS:
    void pairSelected(hoi::ui::ItemId id);       // 0 when the selection was cleared
    void boxSelected(hoi::ui::ItemId id);
    void pairActivated(hoi::ui::ItemId id);      // double click
    void boxGeometryEdited(hoi::ui::ItemId id, const QRectF& before, const QRectF& after);
    void boxDrawn(const QRectF& rect);
    void pairLinked(hoi::ui::ItemId subject, hoi::ui::ItemId object);
    void zoomChanged(double factor);
    void toolChanged(hoi::ui::ImageCanvas::Tool tool);
    void hoverChanged(const QString& description); // for the status bar

protected:
    void wheelEvent(QWheelEvent* e) override;
    void mousePressEvent(QMouseEvent* e) override;
    void mouseMoveEvent(QMouseEvent* e) override;
    void mouseReleaseEvent(QMouseEvent* e) override;
    void mouseDoubleClickEvent(QMouseEvent* e) override;
    void keyPressEvent(QKeyEvent* e) override;
    void keyReleaseEvent(QKeyEvent* e) override;
    void resizeEvent(QResizeEvent* e) override;
    void leaveEvent(QEvent* e) override;
    void drawBackground(QPainter* painter, const QRectF& rect) override;
    QString message_;

private:
    enum class Drag { None, Pan, Move, Resize, Draw, Link };
    // Handle index 0..7 (corners and edges) of the selected box under a view position, -1 when none.
    int handleAt(const QPoint& viewPos) const;
    void updateHover(const QPoint& viewPos);
    void updateCursor(const QPoint& viewPos);
    void rebuildItems();
    // Box labels keep their screen size, so boxes with nearly the same corner (two classes found
    // on one object) would print their labels over each other: stack them downwards instead.
    void layoutLabels();
    // Slots and folding of pair labels (see CanvasPair), from the scores.
    void stackPairLabels();
    void applySelection();
    void updatePairGeometry();
    BoxItem* boxItem(ItemId id) const;
    const CanvasBox* box(ItemId id) const;
    QRectF clampToImage(QRectF r) const;

    QGraphicsScene* scene_;
    QGraphicsPixmapItem* imageItem_ = nullptr;
    QGraphicsPixmapItem* heatmapItem_ = nullptr;
    QGraphicsRectItem* rubberBand_ = nullptr;
    QGraphicsLineItem* linkLine_ = nullptr;
    QVector<BoxItem*> boxItems_;
    QVector<PairItem*> pairItems_;
    QVector<CanvasBox> boxes_;
    QVector<CanvasPair> pairs_;
    QSize imageSize_;
    QImage heatmap_;
    bool heatmapVisible_ = true;
    double heatmapOpacity_ = 0.6;
    ItemId selectedPair_ = 0, selectedBox_ = 0, hoveredPair_ = 0, hoveredBox_ = 0;
    Tool tool_ = Tool::Select;
    bool editable_ = true;
    bool fitMode_ = true;
    bool spaceHeld_ = false;

    Drag drag_ = Drag::None;
    QPoint pressViewPos_;
    QPoint lastPanPos_;
    QPointF pressImagePos_;
    QRectF dragStartRect_;
    int dragHandle_ = -1;
    ItemId dragBox_ = 0;
    bool dragMoved_ = false;
};

} // namespace hoi::ui

