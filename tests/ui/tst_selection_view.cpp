// SelectionView without a window: the current image is "Loading …" until it is read, then drawn
// with its pairs in the table; a pick on the canvas or in the table selects through the
// SelectionModel and the other view follows; selecting the selected pair shows it again; an image
// that cannot be read says why (on the canvas, in the workspace and in a signal); no image settles
// at once; the views follow what the analysis delivers for the current image.
#include <QAction>
#include <QFile>
#include <QImage>
#include <QItemSelectionModel>
#include <QSignalSpy>
#include <QSlider>
#include <QTableView>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include "../annotation/annotation_fixtures.h"
#include "analysis_controller.h"
#include "image_canvas.h"
#include "images_panel.h"
#include "inspector_dock.h"
#include "pair_table_model.h"
#include "pairs_panel.h"
#include "selection_model.h"
#include "selection_view.h"
#include "workspace.h"

using namespace hoi::ui;
using hoi::test::make_instance;
using hoi::test::make_interaction;

class TestSelectionView : public QObject {
    Q_OBJECT

    // a.png (400 x 300) with a person, a horse and the pairs ride (0.6) and feed (0.4); b.png is no image.
    struct Fixture {
        QTemporaryDir dir;
        Workspace ws;
        SelectionModel sel{&ws};
        InferenceThread thread; // never started: no engine
        AnalysisController analysis{&ws, &sel, thread.worker()};
        QAction analyseAll{"Analyse All"}, accept{"Accept"}, reject{"Reject"}, remove{"Delete"}, reviewed{"Reviewed"};
        PairsPanel pairs{&ws, {&accept, &reject, &remove, &reviewed}};
        ImagesPanel images{&ws, &analyseAll};
        ImageCanvas canvas;
        InspectorDock inspector;
        SelectionView view{&ws, &sel, &analysis, {&canvas, &pairs, &images, &inspector}};
        Id a = 0, b = 0, ride = 0, feed = 0;

        Fixture() {
            analysis.setAutoAnalyse(false);
            QImage img(400, 300, QImage::Format_RGB32);
            img.fill(Qt::darkGreen);
            img.save(dir.filePath("a.png"));
            QFile bad(dir.filePath("b.png"));
            bad.open(QIODevice::WriteOnly);
            bad.write("not an image");
            bad.close();
            hoi::annotation::Project p;
            a = p.document.add_image({0, "a.png", 400, 300, false});
            b = p.document.add_image({0, "b.png", 400, 300, false});
            auto& doc = p.document;
            const Id person = doc.add_instance(make_instance(a, {0, 10, 50, 100}, hoi::annotation::ObjectClass::coco(0)));
            const Id horse = doc.add_instance(make_instance(a, {100, 10, 150, 100}, hoi::annotation::ObjectClass::coco(17)));
            ride = doc.add_interaction(make_interaction(person, horse, "ride", 0.6));
            feed = doc.add_interaction(make_interaction(person, horse, "feed", 0.4));
            ws.loadProject(std::move(p), QString(), dir.path());
            pairs.thresholdSlider()->setValue(0);
        }
        // Shows an image and waits until it is read.
        bool show(Id image) {
            QSignalSpy shown(&view, &SelectionView::imageShown);
            sel.setCurrentImage(image);
            return shown.wait(10000) && shown.last().at(0).value<Id>() == image;
        }
    };

private Q_SLOTS:
    void currentImageIsLoadedThenDrawn() {
        Fixture f;
        QSignalSpy settled(&f.view, &SelectionView::settled);
        QSignalSpy shown(&f.view, &SelectionView::imageShown);
        f.sel.setCurrentImage(f.a);
        QVERIFY(f.canvas.message().startsWith(QStringLiteral("Loading ")));
        QVERIFY(f.view.loading());
        QCOMPARE(f.pairs.rowCount(), 2);
        QVERIFY(shown.wait(10000));
        QVERIFY(!f.view.loading());
        QVERIFY(f.view.imageReady());
        QCOMPARE(f.canvas.imageSize(), QSize(400, 300));
        QVERIFY(f.canvas.message().isEmpty());
        QCOMPARE(settled.count(), 1);
    }

    void picksSelectAndTheOtherViewFollows() {
        Fixture f;
        QVERIFY(f.show(f.a));
        Q_EMIT f.canvas.pairSelected(f.feed); // a click on the canvas
        QCOMPARE(f.sel.selectedInteraction(), f.feed);
        QCOMPARE(f.pairs.table()->currentIndex().row(), f.pairs.rowOf(f.feed));

        const QModelIndex rideRow = f.pairs.proxy()->index(f.pairs.rowOf(f.ride), 0);
        f.pairs.table()->selectionModel()->setCurrentIndex(rideRow, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        QCOMPARE(f.sel.selectedInteraction(), f.ride);
        QCOMPARE(f.canvas.selectedPair(), f.ride);

        // The model's own change is shown in both views without echoes.
        f.sel.selectInteraction(f.feed);
        QCOMPARE(f.canvas.selectedPair(), f.feed);
        QCOMPARE(f.pairs.table()->currentIndex().row(), f.pairs.rowOf(f.feed));
        QCOMPARE(f.sel.selectedInteraction(), f.feed);
    }

    void theSelectedPairIsShownAgain() {
        Fixture f;
        QVERIFY(f.show(f.a));
        QSignalSpy heatmap(&f.view, &SelectionView::heatmapUpdated);
        QSignalSpy state(&f.view, &SelectionView::stateChanged);
        f.view.select(f.ride);
        const int once = heatmap.count();
        QVERIFY(once >= 1);
        f.view.select(f.ride); // not a change of the model: shown again all the same
        QCOMPARE(heatmap.count(), once + 1);
        QVERIFY(state.count() >= 2);
        QVERIFY(f.view.inspectorData().hasPair);
    }

    // What the analysis delivers for the current image (or its selected pair) is shown; another
    // image's is not.
    void theViewsFollowTheAnalysis() {
        Fixture f;
        QVERIFY(f.show(f.a));
        f.view.select(f.ride);
        QSignalSpy heatmap(&f.view, &SelectionView::heatmapUpdated);
        Q_EMIT f.analysis.relevanceArrived(f.b);
        Q_EMIT f.analysis.analysisMerged(f.b);
        Q_EMIT f.ws.analysisApplied(f.b);
        QCOMPARE(heatmap.count(), 0);
        Q_EMIT f.analysis.relevanceArrived(f.a);
        QCOMPARE(heatmap.count(), 1);
        Q_EMIT f.analysis.analysisMerged(f.a); // the pair shown again
        QCOMPARE(heatmap.count(), 2);
        QCOMPARE(f.canvas.selectedPair(), f.ride);
        Q_EMIT f.ws.analysisApplied(f.a);
        QCOMPARE(heatmap.count(), 3);
        Q_EMIT f.analysis.inspectionArrived(f.a); // no inspector tile on the canvas: no new heatmap
        QCOMPARE(heatmap.count(), 3);
        QVERIFY(f.view.inspectorData().hasPair);
    }

    void unreadableImageSaysWhy() {
        Fixture f;
        QSignalSpy failed(&f.view, &SelectionView::imageFailed);
        QVERIFY(f.show(f.b));
        QCOMPARE(failed.count(), 1);
        QVERIFY(f.canvas.message().contains(QStringLiteral("cannot be shown")));
        QCOMPARE(f.ws.status(f.b), ImageStatus::Failed);
        QVERIFY(!f.view.imageReady());
    }

    void noImageSettlesAtOnce() {
        Fixture f;
        QVERIFY(f.show(f.a));
        QSignalSpy settled(&f.view, &SelectionView::settled);
        f.sel.setCurrentImage(0);
        QCOMPARE(settled.count(), 1);
        QVERIFY(!f.view.loading());
        QVERIFY(f.canvas.message().isEmpty());
        QCOMPARE(f.pairs.rowCount(), 0);
    }
};

QTEST_MAIN(TestSelectionView)
#include "tst_selection_view.moc"
