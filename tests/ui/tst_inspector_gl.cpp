// The Dear ImGui inspector in its QOpenGLWidget (runs under xvfb-run): it renders the pair's data,
// redraws on input events and new data only (no render loop), and mouse input reaches ImGui
// (hovering a tile and clicking it reports the layer and head); the reviewed examples behind the
// adapter's term are drawn as thumbnails, and clicking one asks to open it.
#include <QSignalSpy>
#include <QtTest/QtTest>

#ifdef HOI_WITH_INSPECTOR
#include "inspector/inspector_widget.h"
#endif

#ifdef HOI_WITH_INSPECTOR
using namespace hoi::ui;

namespace {
InspectorData sample() {
    InspectorData d;
    d.hasPair = true;
    d.title = "person 1 — kick — sports ball 1";
    d.prompt = "kick sports ball";
    d.sentences = {{"a photo of a person kicking a sports ball.",
                    {"<|startoftext|>", "a</w>", "photo</w>", "kicking</w>", "<|endoftext|>"},
                    {49406, 320, 1125, 12915, 49407}}};
    d.alpha = 0.7f;
    d.lambda = 1.0f;
    d.scored = true;
    d.sGlobal = 0.4f;
    d.sPair = 0.7f;
    d.sH = 0.9f;
    d.sO = 0.8f;
    d.final = 0.44f;
    auto stack = [](int layers, int heads, int g) {
        InspectorData::Stack s;
        s.layers = layers;
        s.heads = heads;
        s.gridW = s.gridH = g;
        for (int i = 0; i < layers * heads * g * g; ++i) s.data.push_back(float((i * 37) % 101) / 101.0f);
        return s;
    };
    d.imageCls = stack(4, 4, 7);
    d.pairQuery = stack(1, 4, 7);
    d.timings = {{"detect", 35.0, false}, {"clip", 80.0, true}, {"classify", 1.5, false}};
    return d;
}
} // namespace

class TestInspectorGl : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void rendersOnDemandAndTakesInput() {
        InspectorWidget w;
        w.resize(420, 900);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QTRY_VERIFY_WITH_TIMEOUT(w.framesRendered() > 0, 10000);
        if (!w.glReady()) QSKIP("no OpenGL 3 context (run under xvfb-run with Mesa)");
        QSignalSpy frames(&w, &InspectorWidget::frameRendered);
        w.setData(sample());
        QTRY_VERIFY_WITH_TIMEOUT(frames.count() > 0, 5000);
        const QImage img = w.grabFramebuffer();
        QVERIFY(!img.isNull());
        QSet<QRgb> colours;
        for (int y = 0; y < img.height(); y += 2)
            for (int x = 0; x < img.width(); x += 2) colours.insert(img.pixel(x, y));
        QVERIFY2(colours.size() > 50, qPrintable(QString::number(colours.size()))); // text, bars, heatmap tiles
        img.save(QStringLiteral(HOI_TEST_BINARY_DIR "/inspector.png"));

        // Idle: no frames without events (no busy redraw loop).
        QTest::qWait(300);
        frames.clear();
        QTest::qWait(500);
        QCOMPARE(frames.count(), 0);

        // Input: a click on the first attention tile reaches ImGui and reports layer 0, head 0.
        QSignalSpy tiles(&w, &InspectorWidget::attentionTileClicked);
        // Find a tile: scan the framebuffer for the heatmap area, row by row, below the scores.
        const QImage shot = w.grabFramebuffer();
        QPoint tile(-1, -1);
        for (int y = shot.height() / 3; y < shot.height() && tile.x() < 0; ++y)
            for (int x = 20; x < shot.width() / 2; ++x) {
                const QColor c = shot.pixelColor(x, y);
                // Inferno colours: saturated warm or deep purple, unlike the grey UI.
                if (c.saturation() > 150 && c.value() > 60) {
                    tile = QPoint(x + 4, y + 4);
                    break;
                }
            }
        QVERIFY2(tile.x() >= 0, "no attention tile drawn");
        const qreal dpr = w.devicePixelRatioF();
        const QPoint pos(int(tile.x() / dpr), int(tile.y() / dpr));
        frames.clear();
        QTest::mouseMove(&w, pos);
        QTRY_VERIFY(frames.count() > 0); // hover redraws
        QTest::mousePress(&w, Qt::LeftButton, {}, pos);
        QTest::qWait(50);
        QTest::mouseRelease(&w, Qt::LeftButton, {}, pos);
        QTRY_VERIFY_WITH_TIMEOUT(tiles.count() == 1, 3000);
        QVERIFY(tiles.first().at(0).toInt() >= -1);
        QVERIFY(tiles.first().at(1).toInt() >= 0);
    }


    void exampleThumbnailsOpenTheirExample() {
        InspectorWidget w;
        w.resize(420, 900);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QTRY_VERIFY_WITH_TIMEOUT(w.framesRendered() > 0, 10000);
        if (!w.glReady()) QSKIP("no OpenGL 3 context (run under xvfb-run with Mesa)");
        InspectorData d = sample();
        d.adapter = 0.35f;
        d.adapterExamples = 2;
        QImage green(96, 72, QImage::Format_RGB888), magenta(72, 72, QImage::Format_RGB888);
        green.fill(QColor(0, 255, 0));
        magenta.fill(QColor(255, 0, 255));
        d.examples = {{11, green, "person 1 — kick — sports ball 1 (messi5.jpg)", 0.45f, 0.98f, true},
                      {12, magenta, "person 2 — kick — sports ball 1 (messi5_q40.jpg)", -0.10f, 0.91f, false}};
        QSignalSpy frames(&w, &InspectorWidget::frameRendered);
        w.setData(d);
        QTRY_VERIFY_WITH_TIMEOUT(frames.count() > 0, 5000);
        const QImage shot = w.grabFramebuffer();
        shot.save(QStringLiteral(HOI_TEST_BINARY_DIR "/inspector-examples.png"));
        auto find = [&](const QColor& want) {
            for (int y = 0; y < shot.height(); ++y)
                for (int x = 0; x < shot.width(); ++x) {
                    const QColor c = shot.pixelColor(x, y);
                    if (std::abs(c.red() - want.red()) < 8 && std::abs(c.green() - want.green()) < 8 &&
                        std::abs(c.blue() - want.blue()) < 8)
                        return QPoint(x + 6, y + 6);
                }
            return QPoint(-1, -1);
        };
        const QPoint g = find(QColor(0, 255, 0)), m = find(QColor(255, 0, 255));
        QVERIFY2(g.x() >= 0 && m.x() >= 0, "the thumbnails are not drawn");
        QVERIFY(g.y() < m.y()); // in the order given (largest |term| first)
        QSignalSpy opened(&w, &InspectorWidget::exampleClicked);
        const qreal dpr = w.devicePixelRatioF();
        const QPoint pos(int(m.x() / dpr), int(m.y() / dpr));
        QTest::mouseMove(&w, pos);
        QTest::qWait(50);
        QTest::mousePress(&w, Qt::LeftButton, {}, pos);
        QTest::qWait(50);
        QTest::mouseRelease(&w, Qt::LeftButton, {}, pos);
        QTRY_VERIFY_WITH_TIMEOUT(opened.count() == 1, 3000);
        QCOMPARE(opened.first().at(0).toLongLong(), 12);

        // No example near this pair, though the adapter holds some: said so, nothing drawn.
        d.examples.clear();
        frames.clear();
        w.setData(d);
        QTRY_VERIFY_WITH_TIMEOUT(frames.count() > 0, 5000);
        const QImage none = w.grabFramebuffer();
        QVERIFY(none != shot);
        for (int y = 0; y < none.height(); y += 2)
            for (int x = 0; x < none.width(); x += 2) QVERIFY(none.pixelColor(x, y) != QColor(0, 255, 0));
    }
};

#else
class TestInspectorGl : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void rendersOnDemandAndTakesInput() { QSKIP("built without HOI_WITH_INSPECTOR"); }
    void exampleThumbnailsOpenTheirExample() { QSKIP("built without HOI_WITH_INSPECTOR"); }
};
#endif

QTEST_MAIN(TestInspectorGl)
#include "tst_inspector_gl.moc"
