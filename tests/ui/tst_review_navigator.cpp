// ReviewNavigator without a window: next / previous image in the list's order; next / previous
// pair in the table's order, on into the next image's pairs past the last one (images without pairs
// are shown), a message at either end; accepting moves on to the pair after (a preference) and
// otherwise shows the pair again; the best pair is the highest-scoring one the filters show.
#include <QAction>
#include <QSignalSpy>
#include <QSlider>
#include <QtTest/QtTest>

#include "../annotation/annotation_fixtures.h"
#include "analysis_controller.h"
#include "annotation_editor.h"
#include "image_list_model.h"
#include "pair_table_model.h"
#include "pairs_panel.h"
#include "review_navigator.h"
#include "selection_model.h"
#include "workspace.h"

using namespace hoi::ui;
using hoi::annotation::State;
using hoi::test::make_instance;
using hoi::test::make_interaction;

class TestReviewNavigator : public QObject {
    Q_OBJECT

    // Three images: a.jpg with pairs hold (0.5) and ride (0.2), b.jpg without pairs, c.jpg with kick (0.9).
    struct Fixture {
        Workspace ws;
        SelectionModel sel{&ws};
        InferenceThread thread; // never started
        AnalysisController analysis{&ws, &sel, thread.worker()};
        AnnotationEditor editor{&ws, &analysis};
        ImageListModel images{&ws};
        QAction accept{"Accept"}, reject{"Reject"}, remove{"Delete"}, reviewed{"Reviewed"};
        PairsPanel pairs{&ws, {&accept, &reject, &remove, &reviewed}};
        ReviewNavigator nav{&ws, &sel, &editor, &images, &pairs};
        Id a = 0, b = 0, c = 0, hold = 0, ride = 0, kick = 0;
        QList<Id> selected; // what the select function was asked for

        Fixture() {
            hoi::annotation::Project p;
            a = p.document.add_image({0, "a.jpg", 400, 300, false});
            b = p.document.add_image({0, "b.jpg", 400, 300, false});
            c = p.document.add_image({0, "c.jpg", 400, 300, false});
            auto& doc = p.document;
            auto box = [&](Id img, int coco, double x) {
                return doc.add_instance(make_instance(img, {x, 10, x + 50, 100}, hoi::annotation::ObjectClass::coco(coco)));
            };
            const Id person = box(a, 0, 0), horse = box(a, 17, 100);
            hold = doc.add_interaction(make_interaction(person, horse, "hold", 0.5));
            ride = doc.add_interaction(make_interaction(person, horse, "ride", 0.2));
            const Id player = box(c, 0, 0), ball = box(c, 32, 100);
            kick = doc.add_interaction(make_interaction(player, ball, "kick", 0.9));
            ws.loadProject(std::move(p), QString(), QDir::tempPath());
            pairs.thresholdSlider()->setValue(0);
            // As the window does: the pair table follows the current image.
            QObject::connect(&sel, &SelectionModel::currentImageChanged, &pairs,
                             [this](Id img) { pairs.model()->setImage(img); });
            nav.setSelect([this](Id id) {
                selected << id;
                sel.selectInteraction(id);
            });
            sel.setCurrentImage(a);
        }
    };

private Q_SLOTS:
    void imagesInListOrder() {
        Fixture f;
        f.nav.previousImage();
        QCOMPARE(f.sel.currentImage(), f.a); // the first image stays
        f.nav.nextImage();
        QCOMPARE(f.sel.currentImage(), f.b);
        f.nav.nextImage();
        QCOMPARE(f.sel.currentImage(), f.c);
        f.nav.nextImage();
        QCOMPARE(f.sel.currentImage(), f.c); // the last image stays
        f.nav.previousImage();
        QCOMPARE(f.sel.currentImage(), f.b);
    }

    void pairsAcrossImages() {
        Fixture f;
        QSignalSpy messages(&f.nav, &ReviewNavigator::message);
        f.nav.stepPair(+1); // none selected: the first row (highest score)
        QCOMPARE(f.sel.selectedInteraction(), f.hold);
        f.nav.stepPair(+1);
        QCOMPARE(f.sel.selectedInteraction(), f.ride);
        f.nav.stepPair(+1); // past the last pair: b.jpg is shown, it has none
        QCOMPARE(f.sel.currentImage(), f.b);
        QCOMPARE(f.sel.selectedInteraction(), Id(0));
        f.nav.stepPair(+1);
        QCOMPARE(f.sel.currentImage(), f.c);
        QCOMPARE(f.sel.selectedInteraction(), f.kick);
        f.nav.stepPair(+1);
        QCOMPARE(f.sel.selectedInteraction(), f.kick);
        QCOMPARE(messages.count(), 1);
        QCOMPARE(messages.last().at(0).toString(), QStringLiteral("Last pair of the last image."));

        f.nav.stepPair(-1); // back: b.jpg, then the last pair of a.jpg
        QCOMPARE(f.sel.currentImage(), f.b);
        f.nav.stepPair(-1);
        QCOMPARE(f.sel.selectedInteraction(), f.ride);
        f.nav.stepPair(-1);
        f.nav.stepPair(-1);
        QCOMPARE(f.sel.selectedInteraction(), f.hold);
        QCOMPARE(messages.last().at(0).toString(), QStringLiteral("First pair of the first image."));
    }

    void reviewMovesOnOrShowsAgain() {
        Fixture f;
        f.sel.selectInteraction(f.hold);
        f.nav.reviewSelected(State::Accepted);
        QCOMPARE(f.ws.document().interaction(f.hold)->state, State::Accepted);
        QCOMPARE(f.sel.selectedInteraction(), f.ride);
        QVERIFY(f.ws.undoStack()->canUndo());

        f.nav.setAdvanceAfterReview(false);
        f.selected.clear();
        f.nav.reviewSelected(State::Rejected);
        QCOMPARE(f.ws.document().interaction(f.ride)->state, State::Rejected);
        QCOMPARE(f.selected, QList<Id>{f.ride}); // the same pair, shown again
        // The last pair: nothing after it, it stays selected.
        f.nav.setAdvanceAfterReview(true);
        f.selected.clear();
        f.nav.reviewSelected(State::Accepted);
        QCOMPARE(f.selected, QList<Id>{f.ride});
        // No pair selected: nothing happens.
        f.sel.selectInteraction(0);
        f.selected.clear();
        f.nav.reviewSelected(State::Accepted);
        QVERIFY(f.selected.isEmpty());
    }

    void bestPairIsTheHighestShown() {
        Fixture f;
        QVERIFY(f.nav.selectBestPair());
        QCOMPARE(f.sel.selectedInteraction(), f.hold);
        f.pairs.thresholdSlider()->setValue(60); // hides both predicted pairs of a.jpg
        f.sel.selectInteraction(0);
        QVERIFY(!f.nav.selectBestPair());
        f.sel.setCurrentImage(f.b);
        QVERIFY(!f.nav.selectBestPair());
    }
};

QTEST_MAIN(TestReviewNavigator)
#include "tst_review_navigator.moc"
