// ExampleThumbnails without a window: the crop (the union of the two boxes, clipped to the image,
// scaled to 72 pixels high with its aspect, the boxes outlined in the canvas's person / object
// colours), and the cache (made off the GUI thread, once per relation, made again when the
// relation's boxes or file change or it is invalidated; an unreadable file gives no picture).
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include "canvas_items.h"
#include "example_thumbnails.h"

using namespace hoi::ui;

namespace {

// 400 x 300: red left half, blue right half, a green square at (300..340, 200..240).
QImage scene() {
    QImage img(400, 300, QImage::Format_RGB888);
    img.fill(Qt::red);
    for (int y = 0; y < 300; ++y)
        for (int x = 200; x < 400; ++x) img.setPixelColor(x, y, Qt::blue);
    for (int y = 200; y < 240; ++y)
        for (int x = 300; x < 340; ++x) img.setPixelColor(x, y, Qt::green);
    return img;
}

bool near(const QColor& a, const QColor& b, int tol = 40) {
    return std::abs(a.red() - b.red()) <= tol && std::abs(a.green() - b.green()) <= tol && std::abs(a.blue() - b.blue()) <= tol;
}

} // namespace

class TestExampleThumbnails : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void cropIsTheUnionClippedToTheImage() {
        const QSize size(400, 300);
        // Subject left, object right: the union spans both.
        QCOMPARE(ExampleThumbnails::cropRect(QRectF(QPointF(10, 20), QPointF(110, 220)), QRectF(QPointF(150, 100), QPointF(250, 150)), size),
                 QRect(QPoint(10, 20), QPoint(249, 219)));
        // Fractional corners widen to whole pixels.
        QCOMPARE(ExampleThumbnails::cropRect(QRectF(QPointF(10.5, 20.2), QPointF(20.1, 30.9)), QRectF(QPointF(12, 22), QPointF(15, 25)), size),
                 QRect(QPoint(10, 20), QPoint(20, 30)));
        // Clipped to the image.
        QCOMPARE(ExampleThumbnails::cropRect(QRectF(QPointF(-30, -10), QPointF(50, 50)), QRectF(QPointF(350, 280), QPointF(450, 330)), size),
                 QRect(QPoint(0, 0), QPoint(399, 299)));
        // Outside the image: nothing.
        QVERIFY(ExampleThumbnails::cropRect(QRectF(QPointF(500, 10), QPointF(600, 50)), QRectF(QPointF(700, 10), QPointF(800, 50)), size).isEmpty());
    }

    void renderScalesTheCropAndOutlinesTheBoxes() {
        const QImage img = scene();
        // Subject over the red/blue border, object the green square: union (150, 100)-(340, 240), 190 x 140.
        const QRectF subject(QPointF(150, 100), QPointF(250, 200)), object(QPointF(300, 200), QPointF(340, 240));
        const QImage t = ExampleThumbnails::render(img, subject, object);
        QCOMPARE(t.height(), ExampleThumbnails::kHeight);
        QCOMPARE(t.width(), int(std::lround(190.0 * 72 / 140)));
        const double f = 72.0 / 140;
        auto at = [&](double x, double y) { return t.pixelColor(int((x - 150) * f), int((y - 100) * f)); };
        // The content: red left of x 200, blue right of it, green inside the object.
        QVERIFY(near(at(175, 150), Qt::red));
        QVERIFY(near(at(225, 150), Qt::blue));
        QVERIFY(near(at(320, 220), Qt::green));
        // The outlines: the subject's top edge in the person colour, the object's right edge in the object colour.
        QVERIFY2(near(t.pixelColor(int(50 * f), 0), humanColor(), 60), qPrintable(t.pixelColor(int(50 * f), 0).name()));
        QVERIFY2(near(t.pixelColor(t.width() - 2, int(120 * f)), objectColor(), 60),
                 qPrintable(t.pixelColor(t.width() - 2, int(120 * f)).name()));
        // Nothing outside the union's crop, nothing for a box off the image.
        QVERIFY(ExampleThumbnails::render(img, QRectF(500, 0, 10, 10), QRectF(600, 0, 10, 10)).isNull());
        // Another height keeps the aspect.
        const QImage small = ExampleThumbnails::render(img, subject, object, 36);
        QCOMPARE(small.height(), 36);
        QCOMPARE(small.width(), int(std::lround(190.0 * 36 / 140)));
    }

    void cacheLoadsOffTheGuiThreadAndFollowsTheBoxes() {
        QTemporaryDir dir;
        const QString path = dir.filePath("scene.png");
        QVERIFY(scene().save(path));
        ExampleThumbnails th;
        QSignalSpy ready(&th, &ExampleThumbnails::thumbnailReady);
        const QRectF s(QPointF(150, 100), QPointF(250, 200)), o(QPointF(300, 200), QPointF(340, 240));

        // First call: null, on its way; then there, and the same picture from the cache.
        QVERIFY(th.thumbnail(7, path, s, o).isNull());
        QVERIFY(th.loading(7));
        QTRY_COMPARE(ready.count(), 1);
        QCOMPARE(ready.at(0).at(0).toLongLong(), 7);
        QVERIFY(!th.loading(7));
        const QImage first = th.thumbnail(7, path, s, o);
        QVERIFY(!first.isNull());
        QCOMPARE(first.height(), ExampleThumbnails::kHeight);
        QVERIFY(first == ExampleThumbnails::render(scene(), s, o).convertToFormat(first.format()));
        QCOMPARE(th.cached(), 1);
        QCOMPARE(ready.count(), 1); // no load for a cached picture

        // The relation's boxes changed: made again (null meanwhile), now of the new union.
        const QRectF s2(QPointF(0, 0), QPointF(100, 72));
        QVERIFY(th.thumbnail(7, path, s2, o).isNull());
        QTRY_COMPARE(ready.count(), 2);
        const QImage second = th.thumbnail(7, path, s2, o);
        QCOMPARE(second.height(), ExampleThumbnails::kHeight);
        QCOMPARE(second.width(), int(std::lround(340.0 * 72 / 240)));

        // Asked again before the first load ended: only the newest arrives.
        const QRectF s3(QPointF(10, 10), QPointF(50, 50));
        QVERIFY(th.thumbnail(7, path, s, o).isNull());
        QVERIFY(th.thumbnail(7, path, s3, s3).isNull());
        QTRY_VERIFY(!th.loading(7));
        QTest::qWait(50); // a late answer of the superseded load would land here
        QCOMPARE(th.thumbnail(7, path, s3, s3).size(), QSize(72, 72));

        // Invalidated: made again.
        th.invalidate(7);
        QCOMPARE(th.cached(), 0);
        QVERIFY(th.thumbnail(7, path, s3, s3).isNull());
        QTRY_VERIFY(!th.thumbnail(7, path, s3, s3).isNull());

        // An unreadable file: no picture, not asked again.
        const int before = ready.count();
        QVERIFY(th.thumbnail(8, dir.filePath("missing.jpg"), s, o).isNull());
        QTRY_VERIFY(!th.loading(8));
        QVERIFY(th.thumbnail(8, dir.filePath("missing.jpg"), s, o).isNull());
        QVERIFY(!th.loading(8));
        QCOMPARE(ready.count(), before + 1);

        th.clear();
        QCOMPARE(th.cached(), 0);
    }
};

QTEST_MAIN(TestExampleThumbnails)
#include "tst_example_thumbnails.moc"
