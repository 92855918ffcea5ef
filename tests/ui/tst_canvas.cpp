// ImageCanvas: selecting a pair by clicking its label, moving and resizing a box with its handles,
// drawing a box, adding a pair by dragging from a human to an object, zoom.
#include <QSignalSpy>
#include <QtTest/QtTest>

#include "canvas_items.h"
#include "image_canvas.h"

using namespace hoi::ui;

namespace {
QImage testImage() {
    QImage img(400, 300, QImage::Format_RGB888);
    img.fill(QColor(90, 110, 130));
    return img;
}
} // namespace

class TestCanvas : public QObject {
    Q_OBJECT
    ImageCanvas* canvas_ = nullptr;

    void drag(const QPoint& from, const QPoint& to, Qt::KeyboardModifiers mods = {}) {
        QWidget* vp = canvas_->viewport();
        QTest::mousePress(vp, Qt::LeftButton, mods, from);
        const int steps = 8;
        for (int i = 1; i <= steps; ++i) {
            const QPoint p = from + (to - from) * i / steps;
            QMouseEvent move(QEvent::MouseMove, p, vp->mapToGlobal(p), Qt::NoButton, Qt::LeftButton, mods);
            QApplication::sendEvent(vp, &move);
        }
        QTest::mouseRelease(vp, Qt::LeftButton, mods, to);
    }

private Q_SLOTS:
    void init() {
        canvas_ = new ImageCanvas;
        canvas_->resize(800, 600);
        canvas_->show();
        QVERIFY(QTest::qWaitForWindowExposed(canvas_));
        canvas_->setImage(testImage());
        CanvasBox h{1, QRectF(40, 50, 100, 200), "person 1", true};
        CanvasBox o{2, QRectF(250, 150, 100, 80), "horse 1", false};
        CanvasPair p{10, 1, 2, "ride", 0.8, ReviewState::Predicted};
        canvas_->setContent({h, o}, {p});
    }
    void cleanup() { delete canvas_; }

    // Two classes found on one object give two boxes with nearly the same corner: their labels are
    // stacked, not printed over each other, at any zoom; a lone box's label stays on its corner.
    void boxLabelsOfCoincidentBoxesDoNotOverlap() {
        CanvasBox h{1, QRectF(40, 50, 100, 200), "person 1", true};
        CanvasBox horse{2, QRectF(250, 150, 100, 80), "horse 1", false, ReviewState::Predicted, 0.84};
        CanvasBox cow{3, QRectF(251, 151, 98, 80), "cow 1", false, ReviewState::Predicted, 0.31};
        canvas_->setContent({h, horse, cow}, {});
        auto labelRects = [&] {
            QMap<ItemId, QRectF> r;
            for (QGraphicsItem* it : canvas_->scene()->items())
                if (auto* b = dynamic_cast<BoxItem*>(it))
                    r[b->box().id] = b->label()->deviceTransform(canvas_->viewportTransform()).mapRect(b->label()->boundingRect());
            return r;
        };
        for (double zoom : {1.0, 0.3, 4.0}) {
            canvas_->setZoom(zoom);
            const auto r = labelRects();
            QCOMPARE(r.size(), 3);
            QVERIFY2(!r[2].intersects(r[3]), qPrintable(QString("zoom %1").arg(zoom)));
            const QPoint corner = canvas_->viewPosOfImagePoint(QPointF(40, 50));
            QVERIFY(std::abs(r[1].bottom() - corner.y()) <= 2);
        }
    }

    // Five interactions between the same two boxes: the three best stack on the line (best first),
    // the third says "+2"; the other two show only while selected, and a click where a hidden label
    // would be does not select it.
    void pairLabelsBeyondThreeAreFolded() {
        CanvasBox h{1, QRectF(40, 50, 100, 200), "person 1", true};
        CanvasBox o{2, QRectF(250, 150, 100, 80), "horse 1", false};
        const double scores[] = {0.2, 0.9, 0.1, 0.5, 0.3};
        const char* verbs[] = {"feed", "ride", "walk", "hold", "pet"};
        QVector<CanvasPair> pairs;
        for (int i = 0; i < 5; ++i) pairs << CanvasPair{ItemId(20 + i), 1, 2, verbs[i], scores[i], ReviewState::Predicted};
        canvas_->setContent({h, o}, pairs);
        auto labels = [&] {
            QMap<ItemId, const LabelItem*> r;
            for (QGraphicsItem* it : canvas_->scene()->items())
                if (auto* p = dynamic_cast<PairItem*>(it)) r[p->pair().id] = p->label();
            return r;
        };
        auto shown = labels();
        QCOMPARE(shown.size(), 5);
        // ride 0.9, hold 0.5, pet 0.3 shown, in that order from the line down; feed and walk folded.
        QVERIFY(shown[21]->isVisible() && shown[23]->isVisible() && shown[24]->isVisible());
        QVERIFY(!shown[20]->isVisible() && !shown[22]->isVisible());
        auto y = [&](ItemId id) { return shown[id]->boundingRect().center().y(); };
        QVERIFY(y(21) < y(23) && y(23) < y(24));
        QVERIFY2(shown[24]->text().endsWith("+2"), qPrintable(shown[24]->text()));
        QVERIFY(!shown[21]->text().contains('+'));
        // Only the shown labels take clicks: the place of the first folded one selects nothing there.
        const QPoint folded = canvas_->pairLabelViewPos(21) + QPoint(0, 3 * 19);
        QCOMPARE(canvas_->pairAt(folded), ItemId(0));
        canvas_->setSelectedPair(20);
        QVERIFY(labels()[20]->isVisible());
        canvas_->setSelectedPair(21);
        QVERIFY(!labels()[20]->isVisible());
    }

    void clickOnPairLabelSelectsPair() {
        QSignalSpy spy(canvas_, &ImageCanvas::pairSelected);
        const QPoint label = canvas_->pairLabelViewPos(10);
        QVERIFY(label.x() >= 0);
        QTest::mouseClick(canvas_->viewport(), Qt::LeftButton, {}, label);
        QCOMPARE(spy.count(), 1);
        QCOMPARE(spy.first().first().value<qint64>(), qint64(10));
        QCOMPARE(canvas_->selectedPair(), ItemId(10));
        // Clicking empty space clears it.
        QTest::mouseClick(canvas_->viewport(), Qt::LeftButton, {}, canvas_->viewPosOfImagePoint(QPointF(200, 20)));
        QCOMPARE(canvas_->selectedPair(), ItemId(0));
    }

    // A relation without an object (V-COCO's "stand"; object 0) is drawn at its subject: its label
    // shows there, a click selects it, hovering names no object, and nothing looks up box 0.
    void subjectOnlyPairShowsAtItsSubject() {
        CanvasBox h{1, QRectF(40, 50, 100, 200), "person 1", true};
        CanvasBox o{2, QRectF(250, 150, 100, 80), "horse 1", false};
        CanvasPair ride{10, 1, 2, "ride", 0.8, ReviewState::Predicted};
        CanvasPair stand{11, 1, 0, "stand", 0.7, ReviewState::Predicted};
        canvas_->setContent({h, o}, {ride, stand});
        const QPoint label = canvas_->pairLabelViewPos(11);
        QVERIFY(label.x() >= 0);
        const QPoint centre = canvas_->viewPosOfImagePoint(QPointF(90, 150));
        QVERIFY2((label - centre).manhattanLength() < 80, "the label sits at the subject's centre");
        QSignalSpy spy(canvas_, &ImageCanvas::pairSelected);
        QTest::mouseMove(canvas_->viewport(), label);
        QTest::mouseClick(canvas_->viewport(), Qt::LeftButton, {}, label);
        QCOMPARE(canvas_->selectedPair(), ItemId(11));
        QTest::mouseMove(canvas_->viewport(), centre);
        canvas_->setSelectedPair(10);
        QCOMPARE(canvas_->selectedPair(), ItemId(10));
    }

    void dragMovesBox() {
        QSignalSpy spy(canvas_, &ImageCanvas::boxGeometryEdited);
        const QPoint inside = canvas_->viewPosOfImagePoint(QPointF(300, 190));
        QTest::mouseClick(canvas_->viewport(), Qt::LeftButton, {}, inside); // select
        QCOMPARE(canvas_->selectedBox(), ItemId(2));
        const QPoint to = canvas_->viewPosOfImagePoint(QPointF(320, 200));
        drag(inside, to);
        QCOMPARE(spy.count(), 1);
        const QRectF before = spy.first().at(1).toRectF(), after = spy.first().at(2).toRectF();
        QCOMPARE(before, QRectF(250, 150, 100, 80));
        QVERIFY2(std::abs(after.left() - 270) < 2 && std::abs(after.top() - 160) < 2,
                 qPrintable(QString("%1,%2").arg(after.left()).arg(after.top())));
        QCOMPARE(after.size(), QSizeF(100, 80)); // moved, not resized
    }

    void dragHandleResizesBox() {
        QSignalSpy spy(canvas_, &ImageCanvas::boxGeometryEdited);
        QTest::mouseClick(canvas_->viewport(), Qt::LeftButton, {}, canvas_->viewPosOfImagePoint(QPointF(300, 190)));
        QCOMPARE(canvas_->selectedBox(), ItemId(2));
        // Bottom-right handle at (350, 230) to (380, 280).
        drag(canvas_->viewPosOfImagePoint(QPointF(350, 230)), canvas_->viewPosOfImagePoint(QPointF(380, 280)));
        QCOMPARE(spy.count(), 1);
        const QRectF after = spy.first().at(2).toRectF();
        QVERIFY(std::abs(after.left() - 250) < 0.01 && std::abs(after.top() - 150) < 0.01); // top-left fixed
        QVERIFY2(std::abs(after.right() - 380) < 2 && std::abs(after.bottom() - 280) < 2,
                 qPrintable(QString("%1,%2").arg(after.right()).arg(after.bottom())));
        // Dragging past the image edge clamps to the image.
        spy.clear();
        canvas_->setContent({CanvasBox{2, after, "horse 1", false}}, {});
        canvas_->setSelectedBox(2);
        drag(canvas_->viewPosOfImagePoint(after.bottomRight()), canvas_->viewPosOfImagePoint(QPointF(470, 390)));
        QCOMPARE(spy.count(), 1);
        const QRectF clamped = spy.first().at(2).toRectF();
        QVERIFY(clamped.right() <= 400.0 && clamped.bottom() <= 300.0);
    }

    void ctrlDragFromHumanToObjectLinksPair() {
        QSignalSpy spy(canvas_, &ImageCanvas::pairLinked);
        drag(canvas_->viewPosOfImagePoint(QPointF(90, 100)), canvas_->viewPosOfImagePoint(QPointF(300, 200)), Qt::ControlModifier);
        QCOMPARE(spy.count(), 1);
        QCOMPARE(spy.first().at(0).value<qint64>(), qint64(1));
        QCOMPARE(spy.first().at(1).value<qint64>(), qint64(2));
        // Starting on an object does nothing; ending on nothing does nothing.
        spy.clear();
        drag(canvas_->viewPosOfImagePoint(QPointF(300, 200)), canvas_->viewPosOfImagePoint(QPointF(90, 100)), Qt::ControlModifier);
        drag(canvas_->viewPosOfImagePoint(QPointF(90, 100)), canvas_->viewPosOfImagePoint(QPointF(200, 20)), Qt::ControlModifier);
        QCOMPARE(spy.count(), 0);
    }

    void linkToolAndBoxTool() {
        QSignalSpy linked(canvas_, &ImageCanvas::pairLinked);
        canvas_->setTool(ImageCanvas::Tool::Link);
        drag(canvas_->viewPosOfImagePoint(QPointF(90, 100)), canvas_->viewPosOfImagePoint(QPointF(300, 200)));
        QCOMPARE(linked.count(), 1);
        QSignalSpy drawn(canvas_, &ImageCanvas::boxDrawn);
        canvas_->setTool(ImageCanvas::Tool::DrawBox);
        drag(canvas_->viewPosOfImagePoint(QPointF(160, 20)), canvas_->viewPosOfImagePoint(QPointF(230, 120)));
        QCOMPARE(drawn.count(), 1);
        const QRectF r = drawn.first().first().toRectF();
        QVERIFY2(std::abs(r.left() - 160) < 2 && std::abs(r.bottom() - 120) < 2, qPrintable(QString("%1").arg(r.left())));
        QTest::keyClick(canvas_, Qt::Key_Escape);
        QCOMPARE(canvas_->tool(), ImageCanvas::Tool::Select);
    }

    void wheelZoomsAndFitRestores() {
        const double fit = canvas_->zoom();
        QPoint pos = canvas_->viewport()->rect().center();
        QWheelEvent wheel(pos, canvas_->viewport()->mapToGlobal(pos), QPoint(), QPoint(0, 120), Qt::NoButton, Qt::NoModifier,
                          Qt::NoScrollPhase, false);
        QApplication::sendEvent(canvas_->viewport(), &wheel);
        QVERIFY(canvas_->zoom() > fit * 1.1);
        canvas_->zoomActualSize();
        QCOMPARE(canvas_->zoom(), 1.0);
        canvas_->zoomToFit();
        QCOMPARE(canvas_->zoom(), fit);
    }

    void heatmapShowsOverImage() {
        QImage heat(4, 4, QImage::Format_ARGB32_Premultiplied);
        heat.fill(QColor(255, 0, 0));
        canvas_->setHeatmapOpacity(1.0);
        canvas_->setHeatmap(heat, QRectF(0, 0, 200, 150));
        QVERIFY(canvas_->heatmapShown());
        const QImage shot = canvas_->viewport()->grab().toImage();
        const QColor inside = shot.pixelColor(canvas_->viewPosOfImagePoint(QPointF(20, 20)));
        const QColor outside = shot.pixelColor(canvas_->viewPosOfImagePoint(QPointF(380, 20)));
        QVERIFY2(inside.red() > 200 && inside.green() < 60, qPrintable(inside.name()));
        QCOMPARE(outside.name(), QColor(90, 110, 130).name());
        canvas_->setHeatmapVisible(false);
        const QImage hidden = canvas_->viewport()->grab().toImage();
        QCOMPARE(hidden.pixelColor(canvas_->viewPosOfImagePoint(QPointF(20, 20))).name(), QColor(90, 110, 130).name());
    }
};

QTEST_MAIN(TestCanvas)
#include "tst_canvas.moc"
