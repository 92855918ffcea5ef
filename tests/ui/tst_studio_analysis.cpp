// The whole window with the real detector and a small random-weight CLIP model: typing a prompt
// re-scores the image (engine requery) and updates the pairs; the selected pair's heatmap is drawn
// over the image (pixel checks on the rendered window); without CLIP one banner explains what to
// run and the window still detects.
#include <QLineEdit>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include "clip/synthetic.h"
#include "clip/tokenizer.h"
#include "inspector_data.h"
#include "image_canvas.h"
#include "main_window.h"
#include "prompt_bar.h"
#include "studio_test_util.h"
#include "test_util.h"
#include "workspace.h"

using namespace hoi::ui;

namespace {

using hoi::test::waitIdle;

// Colours used in an image (a blank or single-colour window has very few).
int distinctColours(const QImage& img) {
    QSet<QRgb> c;
    for (int y = 0; y < img.height(); y += 3)
        for (int x = 0; x < img.width(); x += 3) c.insert(img.pixel(x, y));
    return int(c.size());
}

} // namespace

class TestStudioAnalysis : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;
    QString clip_;

    MainWindow::Options options(bool withClip) const {
        MainWindow::Options o;
        o.useSettings = false;
        o.askOnClose = false;
        o.engineOverride = true;
        o.engine.models_dir = hoi::test::models_dir();
        if (withClip) o.engine.clip_path = clip_.toStdString();
        return o;
    }

private Q_SLOTS:
    void initTestCase() {
        HOI_REQUIRE_FILE(hoi::test::models_dir() + "/nanodet.json");
        HOI_REQUIRE_FILE(hoi::test::samples_dir() + "/messi5.jpg");
        // Kept in the build tree so `hoi-studio --clip` can be tried with it by hand.
        clip_ = QStringLiteral(HOI_TEST_BINARY_DIR "/tiny-vit-synthetic.pt");
        hoi::clip::write_synthetic_model(clip_.toStdString(), hoi::clip::tiny_vit_config(), 7);
    }

    void promptTypingRequeries() {
        MainWindow w(options(true));
        w.resize(1400, 900);
        w.show();
        QVERIFY(w.openPaths({QString::fromStdString(hoi::test::samples_dir() + "/messi5.jpg")}));
        QVERIFY(waitIdle(w));
        QVERIFY(w.engineReady());
        QVERIFY(w.clipAvailable());
        const Id image = w.currentImage();
        const auto* rec = w.workspace()->record(image);
        QVERIFY(rec && rec->analysis);
        QVERIFY(!rec->analysis->detections.empty());
        const auto firstKey = rec->analysis->image_key;
        QVERIFY(w.workspace()->document().interactions_of(image).empty()); // no prompts yet

        w.thresholdSlider()->setValue(0);
        w.promptBar()->setDebounceMs(100);
        QTest::keyClicks(w.promptBar()->lineEdit(), "kick sports ball");
        QTRY_VERIFY_WITH_TIMEOUT(!w.workspace()->document().interactions_of(image).empty(), 120000);
        QVERIFY(waitIdle(w));
        rec = w.workspace()->record(image);
        QCOMPARE(rec->analysis->image_key, firstKey);
        bool cached = false; // the image stages came from the engine's cache: only the prompt was encoded
        for (const auto& t : rec->analysis->timings) cached |= t.cached;
        QVERIFY(cached);
        for (const auto* in : w.workspace()->document().interactions_of(image)) {
            QCOMPARE(in->prompt, std::string("kick sports ball"));
            QCOMPARE(in->verb, std::string("kick"));
            QVERIFY(in->score.has_value());
            QCOMPARE(in->state, hoi::annotation::State::Predicted);
        }
        QVERIFY(w.pairTable()->model()->rowCount() > 0);
        // A second prompt adds its pairs; removing the text removes them again.
        QTest::keyClick(w.promptBar()->lineEdit(), Qt::Key_Return);
        QTest::keyClicks(w.promptBar()->lineEdit(), "hold sports ball");
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                for (const auto* in : w.workspace()->document().interactions_of(image))
                    if (in->prompt == "hold sports ball") return true;
                return false;
            }(),
            120000);
        w.promptBar()->lineEdit()->clear();
        QTest::keyClicks(w.promptBar()->lineEdit(), " ");
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                for (const auto* in : w.workspace()->document().interactions_of(image))
                    if (in->prompt == "hold sports ball") return false;
                return true;
            }(),
            120000);
        QVERIFY(waitIdle(w));
    }

    void inspectorShowsWhatTheEngineEncoded() {
        // Custom templates and fusion weights: the inspector shows the sentences and token ids CLIP
        // encoded and the weights the score used, as the engine reports them.
        MainWindow::Options o = options(true);
        o.engine.templates = {"a picture of a {}, seen from afar.", "an image of a {}."};
        o.engine.alpha = 0.25f;
        o.engine.lambda = 2.0f;
        MainWindow w(o);
        w.resize(1400, 900);
        w.show();
        w.setPrompts({"kick sports ball"});
        QVERIFY(w.openPaths({QString::fromStdString(hoi::test::samples_dir() + "/messi5.jpg")}));
        QVERIFY(waitIdle(w));
        w.thresholdSlider()->setValue(0);
        QVERIFY(w.selectBestPair());
        QVERIFY(waitIdle(w));
        const InspectorData& d = w.inspectorData();
        QVERIFY(d.scored);
        QCOMPARE(d.alpha, 0.25f);
        QCOMPARE(d.lambda, 2.0f);
        QCOMPARE(d.sentences.size(), 2);
        QCOMPARE(d.sentences[0].text, QString("a picture of a person kicking a sports ball, seen from afar."));
        QCOMPARE(d.sentences[1].text, QString("an image of a person kicking a sports ball."));
        const auto& tok = hoi::clip::Tokenizer::instance();
        std::vector<int> ids = tok.tokenize(d.sentences[0].text.toStdString());
        while (!ids.empty() && ids.back() == 0) ids.pop_back();
        QCOMPARE(std::vector<int>(d.sentences[0].tokenIds.begin(), d.sentences[0].tokenIds.end()), ids);
        QCOMPARE(d.sentences[0].tokens.size(), int(ids.size()));
        QCOMPARE(d.sentences[0].tokens.last(), QString("<|endoftext|>"));
    }

    void screenshotShowsSelectedPairHeatmap() {
        MainWindow w(options(true));
        w.resize(1500, 900);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        w.setPrompts({"kick sports ball", "hold sports ball", "hit sports ball"});
        QVERIFY(w.openPaths({QString::fromStdString(hoi::test::samples_dir() + "/messi5.jpg")}));
        QVERIFY(waitIdle(w));
        w.thresholdSlider()->setValue(0);
        QVERIFY(w.selectBestPair());
        QVERIFY(waitIdle(w)); // the inspection job
        QVERIFY(w.inspectorData().hasPair);
        QVERIFY(w.inspectorData().scored);
        QCOMPARE(w.inspectorData().sentences.size(), 1);
        QCOMPARE(w.inspectorData().sentences[0].tokens.first(), QString("<|startoftext|>"));
        QVERIFY(!w.inspectorData().timings.isEmpty());
        ImageCanvas* c = w.canvas();
        QVERIFY(c->heatmapShown());
        QVERIFY(!c->heatmap().isNull());

        const QImage window = w.grab().toImage();
        window.save(QStringLiteral(HOI_TEST_BINARY_DIR "/studio_screenshot.png"));
        QVERIFY2(distinctColours(window) > 500, qPrintable(QString::number(distinctColours(window))));

        // The heatmap changes the image pixels under it; hiding it restores them.
        const QImage with = c->viewport()->grab().toImage();
        c->setHeatmapVisible(false);
        const QImage without = c->viewport()->grab().toImage();
        c->setHeatmapVisible(true);
        QCOMPARE(with.size(), without.size());
        const QRect imageRect = QRect(c->viewPosOfImagePoint(QPointF(0, 0)),
                                      c->viewPosOfImagePoint(QPointF(c->imageSize().width(), c->imageSize().height())))
                                    .intersected(with.rect());
        int changed = 0, total = 0, warm = 0;
        for (int y = imageRect.top(); y < imageRect.bottom(); y += 2)
            for (int x = imageRect.left(); x < imageRect.right(); x += 2) {
                const QColor a = with.pixelColor(x, y), b = without.pixelColor(x, y);
                ++total;
                const int d = std::abs(a.red() - b.red()) + std::abs(a.green() - b.green()) + std::abs(a.blue() - b.blue());
                if (d > 30) {
                    ++changed;
                    if (a.red() >= a.blue()) ++warm;
                }
            }
        QVERIFY(total > 1000);
        QVERIFY2(changed > total / 20, qPrintable(QString("%1 of %2").arg(changed).arg(total)));
        QVERIFY2(warm > changed / 2, qPrintable(QString("%1 of %2").arg(warm).arg(changed)));
        // Outside the image nothing changes.
        QCOMPARE(with.pixelColor(2, 2), without.pixelColor(2, 2));
    }

    // Without a screen (no DISPLAY, no QT_QPA_PLATFORM: ssh, CI) --version and --help still work.
    void versionAndHelpWithoutDisplay() {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        for (const char* v : {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"}) env.remove(QString::fromLatin1(v));
        const QString studio = QString::fromStdString(std::string(HOI_BIN_DIR) + "/hoi-studio");
        auto r = hoi::test::run_process(studio, {QStringLiteral("--version")}, 60000, {}, {}, env);
        QVERIFY2(r.exit_code == 0, r.err.c_str());
        QVERIFY2(QString::fromStdString(r.out).contains(QStringLiteral(HOI_VERSION)), r.out.c_str());
        r = hoi::test::run_process(studio, {QStringLiteral("--help")}, 60000, {}, {}, env);
        QVERIFY2(r.exit_code == 0, r.err.c_str());
        QVERIFY(QString::fromStdString(r.out).contains(QStringLiteral("--screenshot")));
    }

    // The --screenshot window is not interactive: a file it cannot read is reported on stderr and
    // openPaths fails, instead of a message box that nobody can close (it used to hang there).
    void unreadableInputWithoutDialogWhenNotInteractive() {
        QTemporaryDir d;
        const QString path = d.filePath(QStringLiteral("pairs.json"));
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(R"({"images": [{"file_name": "a.jpg", "pairs": []}]})");
        f.close();
        MainWindow::Options o = options(false);
        o.loadModels = false;
        o.interactive = false;
        MainWindow w(o);
        w.show();
        bool sawDialog = false;
        QTimer closer;
        QObject::connect(&closer, &QTimer::timeout, [&] {
            if (QWidget* m = QApplication::activeModalWidget()) {
                sawDialog = true;
                m->close();
            }
        });
        closer.start(500);
        QVERIFY(!w.openPaths({path}));
        QVERIFY(!sawDialog);
    }

    void withoutClipOneBannerAndDetections() {
        MainWindow w(options(false));
        w.resize(1200, 800);
        w.show();
        QVERIFY(w.openPaths({QString::fromStdString(hoi::test::samples_dir() + "/person.jpg")}));
        QVERIFY(waitIdle(w));
        QVERIFY(w.engineReady());
        QVERIFY(!w.clipAvailable());
        QVERIFY(w.bannerVisible());
        QVERIFY2(w.bannerText().contains("hoi models fetch clip-vit-b32"), qPrintable(w.bannerText()));
        QVERIFY(w.bannerText().contains("CLIP"));
        const Id image = w.currentImage();
        QVERIFY(!w.workspace()->document().instances_of(image).empty()); // still detects
        QVERIFY(w.workspace()->document().interactions_of(image).empty());
        QCOMPARE(w.workspace()->status(image), ImageStatus::Predicted);
        w.grab().toImage().save(QStringLiteral(HOI_TEST_BINARY_DIR "/studio_no_clip.png"));
    }

    // A CLIP file that cannot be loaded: the banner says why (it used to be replaced by the
    // generic "needs the CLIP model" text), and detection still works.
    void brokenClipSaysWhy() {
        QTemporaryDir dir;
        QFile f(dir.filePath("broken.pt"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("PK\x03\x04 not really a zip archive");
        f.close();
        MainWindow::Options o = options(false);
        o.engine.clip_path = f.fileName().toStdString();
        MainWindow w(o);
        QVERIFY(w.openPaths({QString::fromStdString(hoi::test::samples_dir() + "/person.jpg")}));
        QVERIFY(waitIdle(w));
        QVERIFY(w.engineReady());
        QVERIFY(!w.clipAvailable());
        QVERIFY2(w.bannerText().contains("could not be loaded") && w.bannerText().contains("broken.pt"),
                 qPrintable(w.bannerText()));
        QVERIFY(w.bannerText().contains("annotate pairs by hand"));
        QVERIFY(!w.workspace()->document().instances_of(w.currentImage()).empty());
    }
};

QTEST_MAIN(TestStudioAnalysis)
#include "tst_studio_analysis.moc"
