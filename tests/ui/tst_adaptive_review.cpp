// The labelling loop through the real MainWindow (offscreen), with the real detector and a small
// random-weight CLIP model:
// - accepting a pair (A) teaches the few-shot adapter on the worker at once, and the images not yet
//   reviewed are re-scored in the background: the same interaction on a re-encoded copy of the
//   image scores higher, an unrelated image's scores do not move, the accepted pair keeps its state
//   and score, the project is not marked modified by the re-scoring and the undo stack holds only
//   the person's edit; undo restores the previous scores exactly, a rejection (R) lowers the score,
//   redo puts the same example back;
// - the inspector lists the reviewed examples behind a pair's adapter term (the accepted pair first,
//   its share equal to the term when it is the only example, its thumbnail; a rejection adds a
//   negative share, undo takes it out);
// - the agreement indicator counts the reviewed proposals and ranks them by the current scores;
//   its "before learning" score (the adapter's term taken out) is the score before the review, also
//   with a head trained by `hoi train`, which scores each prompt with its own sigmoid.
#include <QAction>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QLineSeries>
#include <QProgressBar>
#include <QPushButton>
#include <QTemporaryDir>
#include <QUndoStack>
#include <QtTest/QtTest>

#include <cmath>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "agreement_indicator.h"
#include "training_dialog.h"
#include "example_thumbnails.h"
#include "clip/synthetic.h"
#include "hoi/learnable_head.h"
#include "hoi/pairs.h"
#include "image_canvas.h"
#include "io/image.h"
#include "main_window.h"
#include "studio_test_util.h"
#include "test_util.h"
#include "workspace.h"

using namespace hoi::ui;
using hoi::annotation::State;
using hoi::test::waitIdle;

namespace {

bool copySample(const QString& name, const QString& dir) {
    return QFile::copy(QString::fromStdString(hoi::test::samples_dir() + "/") + name, QDir(dir).filePath(name));
}

// The same photo re-encoded at another JPEG quality: other bytes, other pixels, the same scene.
bool writeReencoded(const QString& name, const QString& dir, const QString& out) {
    const hoi::io::Image img = hoi::io::load_image(hoi::test::samples_dir() + "/" + name.toStdString());
    cv::Mat bgr;
    cv::cvtColor(img.rgb, bgr, cv::COLOR_RGB2BGR);
    return cv::imwrite(QDir(dir).filePath(out).toStdString(), bgr, {cv::IMWRITE_JPEG_QUALITY, 60});
}

float boxIou(const hoi::detect::Detection& a, const hoi::detect::Detection& b) {
    const float iw = std::max(0.f, std::min(a.x2, b.x2) - std::max(a.x1, b.x1));
    const float ih = std::max(0.f, std::min(a.y2, b.y2) - std::max(a.y1, b.y1));
    const float inter = iw * ih;
    const float u = (a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter;
    return u > 0 ? inter / u : 0.f;
}

// The relation of `image` with the verb of `rel` on the pair that overlaps rel's most (a copy's).
Id matchingRelation(const Workspace* ws, Id rel, Id image) {
    const auto& doc = ws->document();
    const auto* in = doc.interaction(rel);
    const auto* s = doc.instance(in->subject);
    const auto* o = doc.instance(in->object);
    auto det = [](const hoi::annotation::Instance& i) {
        hoi::detect::Detection d;
        d.x1 = float(i.box.x1), d.y1 = float(i.box.y1), d.x2 = float(i.box.x2), d.y2 = float(i.box.y2);
        return d;
    };
    Id best = 0;
    float bestIou = 0.7f;
    for (const auto* c : doc.interactions_of(image)) {
        if (c->verb != in->verb || ws->scoreSource(c->id).pair < 0) continue;
        const auto* cs = doc.instance(c->subject);
        const auto* co = doc.instance(c->object);
        if (co->cls.label != o->cls.label) continue;
        const float iou = std::min(boxIou(det(*cs), det(*s)), boxIou(det(*co), det(*o)));
        if (iou > bestIou) bestIou = iou, best = c->id;
    }
    return best;
}

std::vector<float> finals(const hoi::model::ImageAnalysis& a) {
    std::vector<float> v;
    for (const auto& s : a.scores) v.push_back(s.final);
    return v;
}

} // namespace

class TestAdaptiveReview : public QObject {
    Q_OBJECT
    QString clip_;

    MainWindow::Options options() const {
        MainWindow::Options o = hoi::test::journeyOptions(clip_);
        o.engine.object_threshold = 0.2f; // the ball of messi5.jpg (0.30) stays found in the re-encoded copy
        return o;
    }
    static void activate(MainWindow& w) { QVERIFY(hoi::test::showActive(w)); }
    static void key(MainWindow& w, int k, Qt::KeyboardModifiers mods = {}) {
        w.canvas()->setFocus();
        QTest::keyClick(w.canvas(), Qt::Key(k), mods);
    }
    // Shows the image, selects the relation and accepts it (A), waiting for the worker each time.
    static void acceptOn(MainWindow& w, Id image, Id relation) {
        w.setCurrentImage(image);
        QVERIFY(waitIdle(w));
        w.selectInteraction(relation);
        key(w, Qt::Key_A);
        QVERIFY(waitIdle(w));
    }
    static Id imageNamed(const MainWindow& w, const std::string& name) {
        const auto* img = w.workspace()->document().image_by_file(name);
        return img ? img->id : 0;
    }
    // Opens messi5.jpg, its re-encoded copy and kite.jpg, and analyses them all.
    static void openAndAnalyse(MainWindow& w, const QTemporaryDir& dir) {
        QVERIFY(copySample("messi5.jpg", dir.path()) && copySample("kite.jpg", dir.path()));
        QVERIFY(writeReencoded("messi5.jpg", dir.path(), "messi5_q60.jpg"));
        activate(w);
        w.setPrompts({"kick sports ball", "fly kite"});
        w.thresholdSlider()->setValue(0);
        QVERIFY(w.openPaths({dir.path()}));
        QVERIFY(waitIdle(w));
        QVERIFY(w.clipAvailable());
        w.analyseAll();
        QVERIFY(waitIdle(w));
    }

    // A predicted "kick" relation on messi5.jpg with its pair in the analysis (*rel, or 0), the same
    // pair on the re-encoded copy (the pair whose boxes overlap it most, IoU > 0.7; *cpair) and the
    // copy's "kick sports ball" prompt (*ct).
    static void findKickOnCopy(const Workspace& ws, Id messi, Id copy, Id* rel, int* cpair, int* ct) {
        *rel = 0;
        *cpair = *ct = -1;
        for (const auto* in : ws.document().interactions_of(messi))
            if (in->verb == "kick" && ws.scoreSource(in->id).pair >= 0) {
                *rel = in->id;
                break;
            }
        if (!*rel || !ws.record(messi) || !ws.record(copy)) return;
        const auto& ma = *ws.record(messi)->analysis;
        const auto& mp = ma.pairs[size_t(ws.scoreSource(*rel).pair)];
        const auto& ca = *ws.record(copy)->analysis;
        float best = 0;
        for (size_t p = 0; p < ca.pairs.size(); ++p) {
            const auto& cp = ca.pairs[p];
            if (ca.detections[size_t(cp.object)].class_id != ma.detections[size_t(mp.object)].class_id) continue;
            const float o = std::min(boxIou(ca.detections[size_t(cp.human)], ma.detections[size_t(mp.human)]),
                                     boxIou(ca.detections[size_t(cp.object)], ma.detections[size_t(mp.object)]));
            if (o > best) best = o, *cpair = int(p);
        }
        if (best <= 0.7f) *cpair = -1;
        for (size_t t = 0; t < ca.prompts.size(); ++t)
            if (ca.prompts[t].text == "kick sports ball") *ct = int(t);
        if (*cpair >= 0 && *ct >= 0 && !ca.score(*cpair, *ct).applies) *cpair = -1;
    }

private Q_SLOTS:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        HOI_REQUIRE_FILE(hoi::test::models_dir() + "/nanodet.json");
        HOI_REQUIRE_FILE(hoi::test::samples_dir() + "/messi5.jpg");
        HOI_REQUIRE_FILE(hoi::test::samples_dir() + "/kite.jpg");
        clip_ = QStringLiteral(HOI_TEST_BINARY_DIR "/adaptive-vit-synthetic.pt");
        hoi::clip::write_synthetic_model(clip_.toStdString(), hoi::clip::tiny_vit_config(), 7);
    }

    void reviewRescoresTheOtherImages() {
        QTemporaryDir dir;
        MainWindow w(options());
        openAndAnalyse(w, dir);
        Workspace* ws = w.workspace();
        const Id messi = imageNamed(w, "messi5.jpg"), copy = imageNamed(w, "messi5_q60.jpg"), kite = imageNamed(w, "kite.jpg");
        QVERIFY(messi && copy && kite);
        QVERIFY(ws->record(messi) && ws->record(copy) && ws->record(kite));

        // A predicted "kick" relation on messi5.jpg and the same pair on the copy.
        Id rel = 0;
        int cpair = -1, ct = -1;
        findKickOnCopy(*ws, messi, copy, &rel, &cpair, &ct);
        QVERIFY2(rel && cpair >= 0 && ct >= 0, "no kick relation on messi5.jpg matched on the copy");
        auto copyScore = [&] { return ws->record(copy)->analysis->score(cpair, ct).final; };
        const float base = copyScore();
        const auto baseKite = finals(*ws->record(kite)->analysis);
        const auto baseMessiScore = ws->document().interaction(rel)->score;
        QCOMPARE(w.adapterExamples(), 0);
        QCOMPARE(ws->record(copy)->analysis->score(cpair, ct).adapter, 0.0f);

        // Accept, and save at once: the re-scoring arrives after the save.
        w.setCurrentImage(messi);
        QVERIFY(waitIdle(w));
        w.selectInteraction(rel);
        key(w, Qt::Key_A);
        QCOMPARE(ws->document().interaction(rel)->state, State::Accepted);
        QVERIFY(w.saveProject(dir.filePath("p.hoiproj")));
        QVERIFY(!w.isWindowModified());
        QVERIFY(waitIdle(w));
        QCOMPARE(w.adapterExamples(), 1);
        const float accepted = copyScore();
        qInfo("copy's kick score: %.6f before, %.6f after accepting on the original (adapter term %.4f)", base,
              accepted, ws->record(copy)->analysis->score(cpair, ct).adapter);
        QVERIFY2(accepted > base, "accepting did not lift the same interaction on the copy");
        QVERIFY(ws->record(copy)->analysis->score(cpair, ct).adapter > 0);
        // The adapter's term taken out again gives the score before it (what the indicator compares).
        const auto unadapted = AgreementIndicator::unadaptedScore(*ws->record(copy)->analysis, cpair, ct);
        QVERIFY(unadapted);
        QVERIFY2(std::abs(*unadapted - double(base)) < 1e-5, qPrintable(QString::number(*unadapted - double(base))));
        // The predicted relation of that pair on the copy carries the new score.
        bool copyRelation = false;
        for (const auto* in : ws->document().interactions_of(copy))
            if (in->verb == "kick" && in->state == State::Predicted && ws->scoreSource(in->id).pair == cpair) {
                QCOMPARE(in->score.value_or(-1), double(accepted));
                copyRelation = true;
                // The inspector shows the adapter's term beside the other parts of the score.
                const Id id = in->id; // the document may change while the image loads
                w.setCurrentImage(copy);
                QVERIFY(waitIdle(w));
                w.selectInteraction(id);
                QCOMPARE(w.inspectorData().adapter, ws->record(copy)->analysis->score(cpair, ct).adapter);
                w.setCurrentImage(messi);
                QVERIFY(waitIdle(w));
                break;
            }
        QVERIFY(copyRelation);
        QVERIFY(finals(*ws->record(kite)->analysis) == baseKite); // no example of its classes
        QCOMPARE(ws->document().interaction(rel)->state, State::Accepted);
        QCOMPARE(ws->document().interaction(rel)->score, baseMessiScore); // a decided pair's score stays
        QVERIFY(!w.isWindowModified());  // re-scoring is model output
        QVERIFY(!ws->isModified());
        QCOMPARE(ws->undoStack()->count(), 1); // only the person's edit
        QCOMPARE(ws->undoStack()->text(0), QStringLiteral("Accept pair"));

        // Undo: the example leaves, the scores are those before, bit for bit.
        ws->undoStack()->undo();
        QVERIFY(waitIdle(w));
        QCOMPARE(ws->document().interaction(rel)->state, State::Predicted);
        QCOMPARE(w.adapterExamples(), 0);
        QCOMPARE(copyScore(), base);
        QVERIFY(finals(*ws->record(kite)->analysis) == baseKite);

        // Reject: the same interaction on the copy goes down.
        w.selectInteraction(rel);
        key(w, Qt::Key_R);
        QVERIFY(waitIdle(w));
        QCOMPARE(w.adapterExamples(), 1);
        const float rejected = copyScore();
        qInfo("copy's kick score after rejecting on the original: %.6f", rejected);
        QVERIFY2(rejected < base, "rejecting did not lower the same interaction on the copy");
        QCOMPARE(ws->undoStack()->count(), 1);
        QCOMPARE(ws->undoStack()->text(0), QStringLiteral("Reject pair"));
        QVERIFY(finals(*ws->record(kite)->analysis) == baseKite);

        // Undo and redo: out exactly, back in exactly.
        ws->undoStack()->undo();
        QVERIFY(waitIdle(w));
        QCOMPARE(copyScore(), base);
        ws->undoStack()->redo();
        QVERIFY(waitIdle(w));
        QCOMPARE(w.adapterExamples(), 1);
        QCOMPARE(copyScore(), rejected);
        QCOMPARE(ws->document().interaction(rel)->state, State::Rejected);
        QCOMPARE(ws->undoStack()->count(), 1);
    }

    // With a trained head's sigmoid scoring (LearnableHead::enable_sigmoid, as `hoi train` saves
    // it), the indicator's score without the adapter's term is the copy's score before accepting:
    // the sigmoid without the term, not the softmax it assumed before.
    void unadaptedScoreWithATrainedHead() {
        QTemporaryDir dir;
        MainWindow w(options());
        openAndAnalyse(w, dir);
        // The project's head (as Train on Reviewed Images saves it), used: the engine restarts with it.
        {
            hoi::model::HeadShape hs; // the tiny CLIP model's sizes
            hs.spatial_dims = hoi::model::kSpatialDims;
            hs.embed_dim = 32;
            hs.text_width = 64;
            hoi::model::LearnableHead h(hs);
            h.enable_sigmoid(std::log(5.0f), 1.0f); // scores high enough to be proposed (min_score)
            h.save(dir.filePath(QStringLiteral("p.head.safetensors")).toStdString(), {{"scoring", "sigmoid"}});
        }
        const QString project = dir.filePath(QStringLiteral("p.hoiproj"));
        QVERIFY(w.saveProject(project));
        QCOMPARE(w.headPath(), dir.filePath(QStringLiteral("p.head.safetensors")));
        QVERIFY(w.session()->setProjectHead(w.headPath()));
        QVERIFY(w.saveProject(project));
        QVERIFY(w.openPaths({project})); // a project brings its head: the engine restarts with it
        QVERIFY(waitIdle(w));
        QCOMPARE(QString::fromStdString(w.analysisController()->engineOptions().weights_path), w.headPath());
        // Two prompts for the ball (with one, "the softmax with the hidden prompt's share" happens
        // to equal the sigmoid without the term).
        w.setPrompts({"kick sports ball", "hold sports ball", "fly kite"});
        QVERIFY(waitIdle(w));
        w.analyseAll(); // the images analysed with the untrained head or other prompts are stale
        QVERIFY(waitIdle(w));
        Workspace* ws = w.workspace();
        const Id messi = imageNamed(w, "messi5.jpg"), copy = imageNamed(w, "messi5_q60.jpg");
        QVERIFY(messi && copy && ws->record(messi) && ws->record(copy));
        Id rel = 0;
        int cpair = -1, ct = -1;
        findKickOnCopy(*ws, messi, copy, &rel, &cpair, &ct);
        QVERIFY2(rel && cpair >= 0 && ct >= 0, "no kick relation on messi5.jpg matched on the copy");
        QVERIFY(ws->record(copy)->analysis->scoring == hoi::model::PairScoring::Sigmoid);
        const float base = ws->record(copy)->analysis->score(cpair, ct).final;
        QCOMPARE(AgreementIndicator::unadaptedScore(*ws->record(copy)->analysis, cpair, ct).value_or(-1), double(base));
        // The inspector says what was computed: the head's sigmoid with its scale and bias, no softmax.
        {
            w.setCurrentImage(messi);
            QVERIFY(waitIdle(w));
            w.selectInteraction(rel);
            QVERIFY(waitIdle(w));
            const InspectorData& d = w.inspectorData();
            const auto& a = *ws->record(messi)->analysis;
            QVERIFY(d.scored);
            QVERIFY(d.sigmoid);
            QCOMPARE(d.sigmoidScale, a.sigmoid_scale);
            QCOMPARE(d.sigmoidBias, a.sigmoid_bias);
            QCOMPARE(d.sigmoidScale, 5.0f); // e^log 5
            QCOMPARE(d.sigmoidBias, 1.0f);
            for (const QString& t : {d.pairScoreText, d.globalScoreText, d.scoringText}) {
                QVERIFY2(t.contains(QStringLiteral("sigmoid(5 · cos + 1")), qPrintable(t));
                QVERIFY2(!t.contains(QStringLiteral("softmax")), qPrintable(t));
            }
            QVERIFY2(!d.pairScoreText.contains(QStringLiteral("adapter")), qPrintable(d.pairScoreText)); // no example yet
        }

        acceptOn(w, messi, rel);
        QCOMPARE(w.adapterExamples(), 1);
        const auto& adapted = *ws->record(copy)->analysis;
        QVERIFY(adapted.scoring == hoi::model::PairScoring::Sigmoid);
        QVERIFY(adapted.score(cpair, ct).adapter > 0);
        QVERIFY2(adapted.score(cpair, ct).final > base, "accepting did not lift the same interaction on the copy");
        const auto unadapted = AgreementIndicator::unadaptedScore(adapted, cpair, ct);
        QVERIFY(unadapted);
        QVERIFY2(std::abs(*unadapted - double(base)) < 1e-5,
                 qPrintable(QStringLiteral("%1 without the term, %2 before").arg(*unadapted, 0, 'g', 9).arg(double(base), 0, 'g', 9)));
        // On the copy the head's sigmoid now has the adapter's term in it, and the inspector says so.
        {
            Id onCopy = 0;
            for (const auto* in : ws->document().interactions_of(copy))
                if (ws->scoreSource(in->id).pair == cpair && ws->scoreSource(in->id).prompt == ct) {
                    onCopy = in->id;
                    break;
                }
            QVERIFY2(onCopy, "the copy's kick pair has no relation");
            w.setCurrentImage(copy);
            QVERIFY(waitIdle(w));
            w.selectInteraction(onCopy);
            QVERIFY(waitIdle(w));
            const InspectorData& d = w.inspectorData();
            QVERIFY(d.sigmoid);
            QCOMPARE(d.adapter, ws->record(copy)->analysis->score(cpair, ct).adapter);
            QVERIFY2(d.pairScoreText.contains(QStringLiteral("sigmoid(5 · cos + 1 + adapter term)")), qPrintable(d.pairScoreText));
            QVERIFY2(!d.globalScoreText.contains(QStringLiteral("adapter")), qPrintable(d.globalScoreText));
        }
    }

    // The inspector's "reviewed examples behind the adapter's term", through the real window.
    void inspectorListsTheContributingExamples() {
        QTemporaryDir dir;
        QVERIFY(writeReencoded("messi5.jpg", dir.path(), "messi5_q40.jpg")); // a second copy, to reject on
        MainWindow w(options());
        openAndAnalyse(w, dir);
        Workspace* ws = w.workspace();
        const Id messi = imageNamed(w, "messi5.jpg"), copy = imageNamed(w, "messi5_q60.jpg"),
                 copy2 = imageNamed(w, "messi5_q40.jpg");
        QVERIFY(messi && copy && copy2);
        Id rel = 0;
        for (const auto* in : ws->document().interactions_of(messi))
            if (in->verb == "kick" && in->state == State::Predicted && ws->scoreSource(in->id).pair >= 0) {
                rel = in->id;
                break;
            }
        QVERIFY2(rel, "no predicted kick relation on messi5.jpg");
        const Id onCopy = matchingRelation(ws, rel, copy), onCopy2 = matchingRelation(ws, rel, copy2);
        QVERIFY2(onCopy && onCopy2, "the copies have no matching kick relation");
        auto inspectCopy = [&]() -> const InspectorData& {
            w.setCurrentImage(copy);
            [&] { QVERIFY(waitIdle(w)); }();
            w.selectInteraction(onCopy);
            [&] { QVERIFY(waitIdle(w)); }(); // the contributions are a worker job
            return w.inspectorData();
        };

        // No example yet: nothing listed, nothing asked.
        {
            const InspectorData& d = inspectCopy();
            QVERIFY(d.scored);
            // Training-free scoring: the inspector says softmax.
            QVERIFY(!d.sigmoid);
            QVERIFY2(d.pairScoreText.startsWith(QStringLiteral("softmax")), qPrintable(d.pairScoreText));
            QVERIFY2(d.globalScoreText.startsWith(QStringLiteral("softmax")), qPrintable(d.globalScoreText));
            QCOMPARE(d.adapterExamples, 0);
            QVERIFY(d.examples.isEmpty());
            QVERIFY(!d.examplesPending);
        }

        // Accept on the original: it is the copy's one example, its share the whole term.
        acceptOn(w, messi, rel);
        QCOMPARE(w.adapterExamples(), 1);
        {
            const InspectorData& d = inspectCopy();
            QCOMPARE(d.adapterExamples, 1);
            QVERIFY(!d.examplesPending);
            QCOMPARE(d.examples.size(), 1);
            const InspectorData::Example& e = d.examples[0];
            QCOMPARE(e.relation, rel);
            QVERIFY(e.positive);
            QVERIFY(e.term > 0);
            QVERIFY2(std::abs(e.term - d.adapter) < 1e-6, qPrintable(QStringLiteral("%1 vs %2").arg(e.term).arg(d.adapter)));
            QVERIFY(e.similarity > 0.5f && e.similarity <= 1.0001f);
            QVERIFY2(e.label.contains(QStringLiteral("kick")) && e.label.endsWith(QStringLiteral("(messi5.jpg)")), qPrintable(e.label));
            QVERIFY2(e.label.startsWith(QStringLiteral("person ")), qPrintable(e.label));
        }
        // Its thumbnail: made off the GUI thread, then the inspector shows it; the union of its boxes' aspect.
        QTRY_VERIFY_WITH_TIMEOUT(!w.inspectorData().examples.isEmpty() && !w.inspectorData().examples[0].thumbnail.isNull(), 20000);
        {
            const QImage t = w.inspectorData().examples[0].thumbnail;
            const auto& doc = ws->document();
            const auto& sb = doc.instance(doc.interaction(rel)->subject)->box;
            const auto& ob = doc.instance(doc.interaction(rel)->object)->box;
            const hoi::io::Image img = hoi::io::load_image(hoi::test::samples_dir() + "/messi5.jpg");
            const QRect crop = ExampleThumbnails::cropRect(QRectF(QPointF(sb.x1, sb.y1), QPointF(sb.x2, sb.y2)),
                                                           QRectF(QPointF(ob.x1, ob.y1), QPointF(ob.x2, ob.y2)),
                                                           QSize(img.rgb.cols, img.rgb.rows));
            QCOMPARE(t.height(), ExampleThumbnails::kHeight);
            QVERIFY2(std::abs(t.width() - crop.width() * double(ExampleThumbnails::kHeight) / crop.height()) <= 1,
                     qPrintable(QStringLiteral("%1 x %2 for a %3 x %4 crop").arg(t.width()).arg(t.height()).arg(crop.width()).arg(crop.height())));
        }

        // Reject the same pair on the second copy: a negative share beside the positive one.
        w.setCurrentImage(copy2);
        QVERIFY(waitIdle(w));
        w.selectInteraction(onCopy2);
        key(w, Qt::Key_R);
        QVERIFY(waitIdle(w));
        QCOMPARE(w.adapterExamples(), 2);
        {
            const InspectorData& d = inspectCopy();
            QCOMPARE(d.examples.size(), 2);
            float sum = 0;
            bool positive = false, negative = false;
            for (const auto& e : d.examples) {
                sum += e.term;
                if (e.relation == rel) positive = e.positive && e.term > 0;
                if (e.relation == onCopy2) negative = !e.positive && e.term < 0;
            }
            QVERIFY(positive && negative);
            QVERIFY(std::abs(d.examples[0].term) >= std::abs(d.examples[1].term)); // largest share first
            QVERIFY2(std::abs(sum - d.adapter) < 1e-5, qPrintable(QStringLiteral("%1 vs %2").arg(sum).arg(d.adapter)));
            const auto& neg = d.examples[0].relation == onCopy2 ? d.examples[0] : d.examples[1];
            QVERIFY2(neg.label.endsWith(QStringLiteral("(messi5_q40.jpg)")), qPrintable(neg.label));
            qInfo("examples behind the copy's adapter term %+.4f: %s %+.4f, %s %+.4f", d.adapter,
                  qPrintable(d.examples[0].label), d.examples[0].term, qPrintable(d.examples[1].label), d.examples[1].term);
        }

        // Undo the rejection: its share is gone, the accepted one is the whole term again.
        ws->undoStack()->undo();
        QVERIFY(waitIdle(w));
        QCOMPARE(w.adapterExamples(), 1);
        {
            const InspectorData& d = inspectCopy();
            QCOMPARE(d.examples.size(), 1);
            QCOMPARE(d.examples[0].relation, rel);
            QVERIFY(std::abs(d.examples[0].term - d.adapter) < 1e-6);
        }

        // Undo the acceptance: no example, nothing listed.
        ws->undoStack()->undo();
        QVERIFY(waitIdle(w));
        QCOMPARE(w.adapterExamples(), 0);
        {
            const InspectorData& d = inspectCopy();
            QCOMPARE(d.adapterExamples, 0);
            QVERIFY(d.examples.isEmpty());
            QCOMPARE(d.adapter, 0.0f);
        }
    }

    void agreementFollowsTheReviews() {
        QTemporaryDir dir;
        MainWindow w(options());
        openAndAnalyse(w, dir);
        Workspace* ws = w.workspace();
        AgreementIndicator* ind = w.agreementIndicator();
        QVERIFY(ind);
        QCOMPARE(ind->objectName(), QStringLiteral("agreementIndicator"));
        QVERIFY(!ind->agreement().rate);
        QVERIFY(ind->text().contains(QStringLiteral("no reviews yet")));

        // Three of the model's proposals (scored, from a prompt).
        QList<Id> proposals;
        for (const auto& in : ws->document().interactions())
            if (in.state == State::Predicted && !in.prompt.empty() && ws->scoreSource(in.id).pair >= 0 && proposals.size() < 3)
                proposals << in.id;
        QVERIFY2(proposals.size() == 3, "fewer than three proposals");
        const int keys[] = {Qt::Key_A, Qt::Key_A, Qt::Key_R};
        for (int i = 0; i < 3; ++i) {
            QVERIFY(ws->document().interaction(proposals[i])); // re-scoring keeps the proposals to review
            const Id image = ws->document().interaction(proposals[i])->image;
            if (w.currentImage() != image) {
                w.setCurrentImage(image);
                QVERIFY(waitIdle(w));
            }
            w.selectInteraction(proposals[i]);
            key(w, keys[i]);
            QVERIFY(waitIdle(w));
        }
        const Agreement g = ind->agreement();
        QCOMPARE(g.reviewed, 3);
        QCOMPARE(g.accepted, 2);
        QCOMPARE(g.rejected, 1);
        QCOMPARE(g.edited, 0);
        QVERIFY(g.rate && std::abs(*g.rate - 2.0 / 3.0) < 1e-12);
        QVERIFY2(ind->text().contains(QStringLiteral("2 of 3 accepted (67%)")), qPrintable(ind->text()));
        // The ranking: the accepted pairs' current scores against the rejected one's.
        QCOMPARE(g.ranked, 3);
        auto current = [&](Id r) {
            const auto s = ws->scoreSource(r);
            return double(ws->record(ws->document().interaction(r)->image)->analysis->score(s.pair, s.prompt).final);
        };
        double wins = 0;
        for (int i = 0; i < 2; ++i)
            wins += current(proposals[i]) > current(proposals[2]) ? 1 : (current(proposals[i]) == current(proposals[2]) ? 0.5 : 0);
        QVERIFY(g.auc);
        QCOMPARE(*g.auc, wins / 2);
        QVERIFY(g.aucUnadapted);
        qInfo("agreement: %s", qPrintable(ind->text()));

        // Undo the rejection: 2 of 2, no ranking without a rejected pair.
        ws->undoStack()->undo();
        QVERIFY(waitIdle(w));
        QCOMPARE(ind->agreement().reviewed, 2);
        QVERIFY(ind->text().contains(QStringLiteral("2 of 2 accepted (100%)")));
        QVERIFY(!ind->agreement().auc);
        QCOMPARE(w.adapterExamples(), 2);
    }

    // Analysis ▸ Train on Reviewed Images: the head trains on the worker and lands beside the project.
    void trainOnReviewedSavesTheHead() {
        QTemporaryDir dir;
        MainWindow::Options o = options();
        o.trainEpochs = 1;
        MainWindow w(o);
        openAndAnalyse(w, dir);
        Workspace* ws = w.workspace();
        QList<Id> decided;
        for (const auto& in : ws->document().interactions())
            if (in.state == State::Predicted && !in.prompt.empty() && decided.size() < 2) decided << in.id;
        QCOMPARE(decided.size(), 2);
        const Id image = ws->document().interaction(decided[0])->image;
        w.setCurrentImage(image);
        QVERIFY(waitIdle(w));
        for (Id r : decided) {
            QVERIFY(ws->document().interaction(r));
            w.selectInteraction(r);
            key(w, Qt::Key_A);
            QVERIFY(waitIdle(w));
        }
        QVERIFY(w.saveProject(dir.filePath("p.hoiproj")));
        QCOMPARE(w.headPath(), dir.filePath("p.head.safetensors"));
        QAction* train = w.findChild<QAction*>(QStringLiteral("trainAction"));
        QVERIFY(train);
        const auto before = ws->document();
        train->trigger();
        QVERIFY(!w.isIdle()); // on the worker
        auto* dialog = w.findChild<TrainingDialog*>(QStringLiteral("trainingDialog"));
        QVERIFY(dialog && dialog->isVisible() && !dialog->isModal());
        QVERIFY(dialog->running());
        QVERIFY(waitIdle(w));
        QVERIFY2(QFileInfo(w.headPath()).size() > 0, "no head saved");
        QVERIFY2(!QFileInfo::exists(w.headPath() + ".ckpt"), "the trainer's checkpoint left beside the project");
        // The progress dialog drew the loss of every step and the epoch's mean, and says what happened.
        QTRY_VERIFY(!dialog->running());
        QVERIFY(dialog->stepLoss()->count() >= 1);
        QCOMPARE(dialog->epochLoss()->count(), 1); // trainEpochs 1
        QCOMPARE(dialog->progressBar()->value(), dialog->progressBar()->maximum());
        QVERIFY2(dialog->stageLabel()->text().startsWith(QLatin1String("Trained on")) &&
                     dialog->stageLabel()->text().contains(QLatin1String("positives) for 1 epoch: ")),
                 qPrintable(dialog->stageLabel()->text()));
        QVERIFY(dialog->closeButton()->isVisible() && !dialog->cancelButton()->isVisible());
        // Training changes none of the person's decisions (scores are model output: the head scores
        // the shown image anew, so predicted pairs may move, come or go, and decided ones get its score).
        const auto decisions = [](const hoi::annotation::Document& d) {
            std::vector<std::tuple<Id, Id, Id, std::string, int>> v;
            for (const auto& in : d.interactions())
                if (in.state != State::Predicted) v.emplace_back(in.id, in.subject, in.object, in.verb, int(in.state));
            return v;
        };
        QCOMPARE(decisions(ws->document()).size(), size_t(2));
        QVERIFY(decisions(ws->document()) == decisions(before));
        // The project remembers its head (a change of the project) and the engine now scores with it.
        QVERIFY(w.isWindowModified());
        QCOMPARE(ws->settings().models.at("head"), std::string("p.head.safetensors"));
        QCOMPARE(QString::fromStdString(w.analysisController()->engineOptions().weights_path), w.headPath());
        QAction* useHead = w.findChild<QAction*>(QStringLiteral("useHeadAction"));
        QVERIFY(useHead && useHead->isEnabled() && useHead->isChecked());
        QVERIFY(w.findChild<QLabel*>(QStringLiteral("engineLabel"))->text().contains(QLatin1String("trained head")));
        // The shown image is scored again with the head: its predicted relations' scores move.
        const auto predictedScores = [&] {
            std::map<Id, double> m;
            for (const auto* in : ws->document().interactions_of(image))
                if (in->state == State::Predicted && in->score) m[in->id] = *in->score;
            return m;
        };
        const auto untrained = [&] {
            std::map<Id, double> m;
            for (const auto* in : before.interactions_of(image))
                if (in->state == State::Predicted && in->score) m[in->id] = *in->score;
            return m;
        }();
        const auto withHead = predictedScores();
        QVERIFY(!withHead.empty());
        QVERIFY(withHead != untrained);
        QVERIFY(w.saveProject(dir.filePath("p.hoiproj")));

        // Reopened, the project scores with its head again.
        {
            MainWindow again(options());
            QVERIFY(again.openPaths({dir.filePath("p.hoiproj")}));
            QVERIFY(waitIdle(again));
            QCOMPARE(QString::fromStdString(again.analysisController()->engineOptions().weights_path), w.headPath());
            QVERIFY(!again.isWindowModified());
        }

        // Switching back to the untrained head: the engine drops it, the scores come back.
        useHead->trigger();
        QVERIFY(!useHead->isChecked());
        QVERIFY(waitIdle(w));
        QVERIFY(w.analysisController()->engineOptions().weights_path.empty());
        QVERIFY(!ws->settings().models.count("head"));
        QVERIFY(w.isWindowModified());
        QVERIFY(useHead->isEnabled()); // the file is still beside the project: it can be used again
        const auto back = predictedScores();
        for (const auto& [id, score] : untrained)
            if (back.count(id)) QCOMPARE(back.at(id), score);
    }

    // Cancel in the training dialog stops the training: no head is written, the project keeps the
    // head it had (none), and the dialog says so.
    void cancelTraining() {
        QTemporaryDir dir;
        MainWindow::Options o = options();
        o.trainEpochs = 100000; // far longer than the test waits
        MainWindow w(o);
        openAndAnalyse(w, dir);
        Workspace* ws = w.workspace();
        for (const auto& in : ws->document().interactions())
            if (in.state == State::Predicted && !in.prompt.empty()) {
                acceptOn(w, in.image, in.id);
                break;
            }
        QVERIFY(w.saveProject(dir.filePath("p.hoiproj")));
        w.findChild<QAction*>(QStringLiteral("trainAction"))->trigger();
        auto* dialog = w.findChild<TrainingDialog*>(QStringLiteral("trainingDialog"));
        QVERIFY(dialog && dialog->isVisible());
        QTRY_VERIFY_WITH_TIMEOUT(dialog->stepLoss()->count() > 3, 60000); // training steps are running
        QVERIFY(dialog->running() && !dialog->etaLabel()->text().isEmpty());
        QTest::mouseClick(dialog->cancelButton(), Qt::LeftButton);
        QVERIFY(waitIdle(w));
        QTRY_VERIFY(!dialog->running());
        QVERIFY2(dialog->stageLabel()->text().contains(QLatin1String("cancelled")), qPrintable(dialog->stageLabel()->text()));
        QVERIFY(!QFileInfo::exists(w.headPath()));
        QVERIFY(!QFileInfo::exists(w.headPath() + ".ckpt"));
        QVERIFY(!ws->settings().models.count("head"));
        QVERIFY(w.analysisController()->engineOptions().weights_path.empty());
        QVERIFY(dialog->closeButton()->isVisible());
    }

    // A reopened project learns from its decided pairs as their images are analysed, and the other
    // images follow at once (not at the person's next review).
    void reopenedProjectLearnsBeforeAnyReview() {
        QTemporaryDir dir;
        float learned = 0;
        {
            MainWindow w(options());
            openAndAnalyse(w, dir);
            Workspace* ws = w.workspace();
            const Id messi = imageNamed(w, "messi5.jpg"), copy = imageNamed(w, "messi5_q60.jpg");
            Id rel = 0;
            int cpair = -1, ct = -1;
            findKickOnCopy(*ws, messi, copy, &rel, &cpair, &ct);
            QVERIFY(rel && cpair >= 0);
            QCOMPARE(ws->document().interaction(rel)->state, State::Predicted);
            acceptOn(w, messi, rel);
            learned = ws->record(copy)->analysis->score(cpair, ct).final;
            QVERIFY(w.saveProject(dir.filePath("p.hoiproj")));
        }
        MainWindow w(options());
        activate(w);
        QVERIFY(w.openPaths({dir.filePath("p.hoiproj")}));
        QVERIFY(waitIdle(w));
        Workspace* ws = w.workspace();
        const Id messi = imageNamed(w, "messi5.jpg"), copy = imageNamed(w, "messi5_q60.jpg");
        // The copy first: nothing learned yet.
        w.setCurrentImage(copy);
        QVERIFY(waitIdle(w));
        QCOMPARE(w.adapterExamples(), 0);
        QVERIFY(ws->record(copy));
        // Then the original: its accepted pair becomes an example and the copy is re-scored.
        w.setCurrentImage(messi);
        QVERIFY(waitIdle(w));
        QCOMPARE(w.adapterExamples(), 1);
        Id rel = 0;
        int cpair = -1, ct = -1;
        findKickOnCopy(*ws, messi, copy, &rel, &cpair, &ct);
        QVERIFY(rel && cpair >= 0);
        QCOMPARE(ws->document().interaction(rel)->state, State::Accepted);
        const auto& sc = ws->record(copy)->analysis->score(cpair, ct);
        qInfo("copy's kick score after reopening: %.6f (in the first session %.6f)", sc.final, learned);
        QVERIFY(sc.adapter > 0);
        QVERIFY2(std::abs(sc.final - learned) < 1e-5, "the reopened session does not score the copy as the first did");
        QVERIFY(!w.isWindowModified()); // learning is model output
    }
};

QTEST_MAIN(TestAdaptiveReview)
#include "tst_adaptive_review.moc"
