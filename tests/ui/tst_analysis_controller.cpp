// The analysis side of the GUI without a window: SelectionModel (current image and pair, echo-free
// signals), AnalysisController driving the real InferenceWorker with a small random-weight CLIP
// (engine start, auto-analysis of the shown image, batch progress and its end, stale images after
// new prompts, Cancel, the adapter following the document's decided pairs, undo included) and
// AnalysisPresenter turning the merged analysis into canvas, heatmap and inspector values.
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include "analysis_controller.h"
#include "analysis_presenter.h"
#include "clip/synthetic.h"
#include "edit_commands.h"
#include "selection_model.h"
#include "test_util.h"
#include "workspace.h"

using namespace hoi::ui;
using hoi::annotation::State;

namespace {

// Runs the event loop until the controller has no job (or the timeout).
bool waitJobs(const AnalysisController& c, int timeoutMs = 300000) {
    QElapsedTimer t;
    t.start();
    do QTest::qWait(20);
    while (c.busy() && t.elapsed() < timeoutMs);
    return !c.busy();
}

} // namespace

class TestAnalysisController : public QObject {
    Q_OBJECT
    QString clip_;
    QTemporaryDir dir_;

    hoi::model::EngineOptions engineOptions() const {
        hoi::model::EngineOptions o;
        o.models_dir = hoi::test::models_dir();
        o.clip_path = clip_.toStdString();
        o.text_cache_dir = "off";
        o.keep_layer_attention = false;
        return o;
    }

    // A workspace with the samples' person.jpg and messi5.jpg.
    QList<Id> addImages(Workspace& ws) {
        QStringList files;
        for (const char* name : {"messi5.jpg", "person.jpg"}) {
            const QString dst = dir_.filePath(QString::fromLatin1(name));
            if (!QFile::exists(dst)) QFile::copy(QString::fromStdString(hoi::test::samples_dir() + "/" + name), dst);
            files << dst;
        }
        return ws.addImages(files);
    }

    static AnalysisController::PromptSource prompts(QStringList* texts) {
        return [texts] {
            AnalysisController::Prompts p;
            p.texts = *texts;
            std::vector<std::string> raw;
            for (const QString& t : *texts) raw.push_back(t.toStdString());
            p.parsed = hoi::model::PromptParser::instance().parse_all(raw);
            return p;
        };
    }

private Q_SLOTS:
    void initTestCase() {
        HOI_REQUIRE_FILE(hoi::test::models_dir() + "/nanodet.json");
        HOI_REQUIRE_FILE(hoi::test::samples_dir() + "/messi5.jpg");
        clip_ = dir_.filePath("tiny-vit.pt");
        hoi::clip::write_synthetic_model(clip_.toStdString(), hoi::clip::tiny_vit_config(), 7);
    }

    void selectionFollowsTheDocumentWithoutEchoes() {
        Workspace ws;
        const QList<Id> images = addImages(ws);
        auto& doc = ws.document();
        hoi::annotation::Instance h, o;
        h.image = o.image = images[1];
        h.box = {0, 0, 50, 100};
        h.cls = hoi::annotation::ObjectClass::coco(0);
        o.box = {60, 0, 90, 40};
        o.cls = hoi::annotation::ObjectClass::coco(32);
        hoi::annotation::Interaction in;
        in.image = images[1];
        in.subject = doc.add_instance(h);
        in.object = doc.add_instance(o);
        in.verb = "kick";
        const Id rel = doc.add_interaction(in);

        SelectionModel sel(&ws);
        QSignalSpy images_(&sel, &SelectionModel::currentImageChanged);
        QSignalSpy pairs(&sel, &SelectionModel::interactionChanged);
        sel.setCurrentImage(images[0]);
        sel.setCurrentImage(images[0]); // the same: no signal
        QCOMPARE(images_.count(), 1);
        sel.setCurrentImage(9999); // not in the document: none
        QCOMPARE(sel.currentImage(), Id(0));
        // A relation of another image makes that image current first.
        sel.selectInteraction(rel);
        QCOMPARE(sel.currentImage(), images[1]);
        QCOMPARE(sel.selectedInteraction(), rel);
        QCOMPARE(pairs.count(), 1);
        sel.selectInteraction(rel);
        QCOMPARE(pairs.count(), 1);
        // Removing it (an edit, an undo) drops it on validate().
        QUndoStack undo;
        undo.push(new RemoveInteractionCommand(doc, rel));
        sel.validate();
        QCOMPARE(sel.selectedInteraction(), Id(0));
        QCOMPARE(sel.currentImage(), images[1]);
        undo.undo();
        sel.selectInteraction(rel);
        // Another image clears the pair.
        sel.setCurrentImage(images[0]);
        QCOMPARE(sel.selectedInteraction(), Id(0));
        QCOMPARE(pairs.last().first().value<Id>(), Id(0));
    }

    void analysesMergesAndLearnsFromDecisions() {
        Workspace ws;
        const QList<Id> images = addImages(ws);
        ws.setModified(false); // images opened into an empty workspace are no work to lose yet
        SelectionModel sel(&ws);
        InferenceThread thread;
        AnalysisController c(&ws, &sel, thread.worker());
        QStringList texts{QStringLiteral("kick sports ball"), QStringLiteral("hold sports ball")};
        c.setPromptSource(prompts(&texts));
        c.setKeepScore(0);
        QSignalSpy loaded(&c, &AnalysisController::engineLoaded);
        QSignalSpy merged(&c, &AnalysisController::analysisMerged);
        QSignalSpy progress(&c, &AnalysisController::progressChanged);
        QSignalSpy messages(&c, &AnalysisController::message);
        QSignalSpy ended(&c, &AnalysisController::jobEnded);

        // The engine starts; the image already shown is analysed on its own.
        sel.setCurrentImage(images[0]);
        c.startEngine(engineOptions());
        QVERIFY(c.busy());
        QVERIFY(waitJobs(c));
        QCOMPARE(loaded.count(), 1);
        QVERIFY(loaded.first().first().toBool()); // CLIP loaded
        QCOMPARE(merged.count(), 1);
        QCOMPARE(merged.first().first().value<Id>(), images[0]);
        QVERIFY(ws.record(images[0]) && ws.record(images[0])->analysis);
        QVERIFY(!ws.document().interactions_of(images[0]).empty());
        QCOMPARE(ws.isModified(), false); // model output is not a person's edit

        // A batch: only the image not analysed yet, with "k of n" progress and a closing message.
        progress.clear();
        messages.clear();
        QVERIFY(c.analyseAll());
        QVERIFY(waitJobs(c));
        QCOMPARE(merged.count(), 2);
        QVERIFY(ws.record(images[1]) && ws.record(images[1])->analysis);
        QVERIFY(!c.analyseAll()); // nothing left to do
        bool sawBatchText = false;
        for (const auto& m : messages) sawBatchText |= m.first().toString().startsWith(QLatin1String("Analysed 1 image"));
        QVERIFY(sawBatchText);

        // New prompts: every analysed image is stale; the current one is re-queried at once.
        texts << QStringLiteral("ride horse");
        c.promptsChanged(true);
        QVERIFY(c.isStale(images[0]) || c.busy());
        QVERIFY(c.isStale(images[1]));
        QVERIFY(waitJobs(c));
        QVERIFY(!c.isStale(images[0]));
        QCOMPARE(ws.record(images[0])->analysis->prompts.size(), size_t(3));

        // The labelling loop: accepting a pair makes one adapter example; the other image (not
        // reviewed) is re-scored in the background; undo takes the example out.
        const auto rels = ws.document().interactions_of(images[0]);
        QVERIFY(!rels.empty());
        const Id rel = rels.front()->id;
        const double before = *ws.document().interaction(rel)->score;
        const int mergedBefore = merged.count();
        ws.undoStack()->push(new SetInteractionStateCommand(ws.document(), rel, State::Accepted));
        QCOMPARE(c.adapterExamples(), 1);
        QVERIFY(waitJobs(c));
        QVERIFY(merged.count() > mergedBefore); // the background re-score merged
        QCOMPARE(ws.document().interaction(rel)->state, State::Accepted);
        // The examples behind a pair's adapter term: asked for once, named by their relation;
        // dropped when the image's analysis is merged again, and when the examples change.
        const auto* acc = ws.document().interaction(rel);
        const int accPair = ws.pairIndex(images[0], acc->subject, acc->object), accPrompt = ws.scoreSource(rel).prompt;
        QVERIFY(accPair >= 0 && accPrompt >= 0);
        QSignalSpy contributed(&c, &AnalysisController::contributionsArrived);
        QVERIFY(!c.contributions(images[0], accPair, accPrompt));
        QVERIFY(!c.contributions(images[0], accPair, accPrompt)); // asked once
        QVERIFY(waitJobs(c));
        QCOMPARE(contributed.count(), 1);
        QCOMPARE(contributed.first().first().value<Id>(), images[0]);
        const auto list = c.contributions(images[0], accPair, accPrompt);
        QVERIFY(list && list->size() == 1);
        QCOMPARE(list->front().relation, rel);
        QCOMPARE(list->front().image, images[0]);
        QVERIFY(list->front().positive && list->front().term > 0);
        QVERIFY2(std::abs(list->front().similarity - 1) < 1e-4, qPrintable(QString::number(list->front().similarity))); // itself
        QCOMPARE(c.contributions(images[0], accPair, accPrompt), list); // kept
        c.analyseCurrent(); // merged again: asked again
        QVERIFY(waitJobs(c));
        QVERIFY(!c.contributions(images[0], accPair, accPrompt));
        QVERIFY(waitJobs(c));
        QVERIFY(c.contributions(images[0], accPair, accPrompt));
        ws.undoStack()->undo();
        QCOMPARE(c.adapterExamples(), 0);
        QVERIFY(waitJobs(c));
        QCOMPARE(*ws.document().interaction(rel)->score, before);
        const auto none = c.contributions(images[0], accPair, accPrompt); // no example: nothing to ask
        QVERIFY(none && none->isEmpty());

        // Explanations are asked for once and arrive as signals.
        QSignalSpy relevance(&c, &AnalysisController::relevanceArrived);
        const auto* in = ws.document().interaction(rel);
        const int pair = ws.pairIndex(images[0], in->subject, in->object);
        QVERIFY(pair >= 0);
        bool asked = true;
        QVERIFY(!c.relevance(images[0], pair, 0, &asked));
        QVERIFY(!asked);
        QVERIFY(waitJobs(c));
        QCOMPARE(relevance.count(), 1);
        QVERIFY(c.relevance(images[0], pair, 0, &asked));
        QVERIFY(asked);
        QSignalSpy inspected(&c, &AnalysisController::inspectionArrived);
        QVERIFY(!c.inspection(images[0], pair));
        QVERIFY(!c.inspection(images[0], pair)); // asked once
        QVERIFY(waitJobs(c));
        QCOMPARE(inspected.count(), 1);
        QVERIFY(c.inspection(images[0], pair));

        // The presenter: the canvas shows the image's boxes and pairs, the heatmap the pair's
        // attention, the inspector the breakdown the engine computed.
        AnalysisPresenter presenter(&ws, &c);
        const auto canvas = presenter.canvas(images[0], rel, nullptr, nullptr);
        QCOMPARE(canvas.boxes.size(), qsizetype(ws.document().instances_of(images[0]).size()));
        QVERIFY(std::any_of(canvas.pairs.begin(), canvas.pairs.end(), [&](const CanvasPair& p) { return p.id == rel; }));
        const auto hidden = presenter.canvas(images[0], 0, [](const hoi::annotation::Interaction&) { return false; }, nullptr);
        QVERIFY(hidden.pairs.isEmpty()); // filtered out (none selected)
        const auto map = presenter.heatmap(images[0], rel, AnalysisPresenter::HeatmapSource::Attention, AnalysisPresenter::kNoTile);
        QVERIFY(map);
        QCOMPARE(map->weights, ws.record(images[0])->analysis->pair_attention[size_t(pair)].weights);
        const InspectorData d = presenter.inspector(images[0], rel, [](Id) { return QStringLiteral("p"); });
        QVERIFY(d.hasPair);
        QVERIFY(d.scored);
        const auto src = ws.scoreSource(rel);
        QCOMPARE(d.final, ws.record(images[0])->analysis->score(src.pair, src.prompt).final);
        QVERIFY(!d.sentences.isEmpty());
        QVERIFY(!d.inspectionPending); // the inspection above is kept
        QVERIFY(!d.imageCls.empty());
        QVERIFY(!presenter.heatmap(images[0], 0, AnalysisPresenter::HeatmapSource::Attention, AnalysisPresenter::kNoTile));

        // Cancel: a running batch stops, and nothing of it changes the document afterwards.
        texts << QStringLiteral("throw frisbee");
        c.promptsChanged(false);
        QVERIFY(waitJobs(c));
        QVERIFY(c.isStale(images[1]));
        QVERIFY(c.analyseAll());
        c.cancel();
        QVERIFY(waitJobs(c));
        QVERIFY(ended.count() > 0);
        QCOMPARE(ws.isModified(), false);
    }
};

QTEST_MAIN(TestAnalysisController)
#include "tst_analysis_controller.moc"
