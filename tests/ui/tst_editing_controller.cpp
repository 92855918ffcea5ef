// EditingController without a window: Delete removes the selected pair (then none is selected);
// the Reviewed action toggles the current image; a verb change of the selected pair says so, of
// another pair not; several selected pairs get one verb from one dialog in one undo step; a drawn
// box takes its class from the dialog (kept in the class box) and a cancelled one adds nothing; a
// linked person and object become the selected pair, two objects are refused with the reason.
#include <QAction>
#include <QComboBox>
#include <QInputDialog>
#include <QLineEdit>
#include <QSignalSpy>
#include <QSlider>
#include <QTableView>
#include <QUndoStack>
#include <QtTest/QtTest>
#include <functional>

#include "../annotation/annotation_fixtures.h"
#include "analysis_controller.h"
#include "annotation_editor.h"
#include "editing_controller.h"
#include "gui_test_helpers.h"
#include "image_canvas.h"
#include "pair_table_model.h"
#include "pairs_panel.h"
#include "selection_model.h"
#include "test_util.h"
#include "workspace.h"

using namespace hoi::ui;
using hoi::annotation::State;

using hoi::test::make_instance;
using hoi::test::make_interaction;

namespace {
void answer(std::function<void(QInputDialog*)> fn) { hoi::test::answer_modal<QInputDialog>(std::move(fn)); }
} // namespace

class TestEditingController : public QObject {
    Q_OBJECT

    // One image: a person, a horse and a ball; pairs "ride" (horse) and "kick" (ball).
    struct Fixture {
        Workspace ws;
        SelectionModel sel{&ws};
        InferenceThread thread; // never started: no model scores are asked for
        AnalysisController analysis{&ws, &sel, thread.worker()};
        AnnotationEditor editor{&ws, &analysis};
        QAction accept{"Accept"}, reject{"Reject"}, remove{"Delete"}, reviewed{"Reviewed"};
        PairsPanel pairs{&ws, {&accept, &reject, &remove, &reviewed}};
        ImageCanvas canvas;
        QComboBox classBox;
        EditingController editing{&ws, &sel, &editor, {nullptr, &canvas, &pairs, &classBox}};
        Id image = 0, person = 0, horse = 0, ball = 0, ride = 0, kick = 0;

        Fixture() {
            classBox.setEditable(true);
            classBox.addItems({"person", "horse", "sports ball"});
            hoi::annotation::Project p = hoi::test::one_image_project();
            image = p.document.images().front().id;
            auto& doc = p.document;
            auto box = [&](int coco, double x) {
                return doc.add_instance(make_instance(image, {x, 10, x + 50, 100}, hoi::annotation::ObjectClass::coco(coco)));
            };
            person = box(0, 0);
            horse = box(17, 100);
            ball = box(32, 200);
            ride = doc.add_interaction(make_interaction(person, horse, "ride", 0.6));
            kick = doc.add_interaction(make_interaction(person, ball, "kick", 0.4));
            ws.loadProject(std::move(p), QString(), QDir::tempPath());
            pairs.thresholdSlider()->setValue(0);
            pairs.model()->setImage(image);
            sel.setCurrentImage(image);
        }
        const hoi::annotation::Document& doc() const { return ws.document(); }
    };

private Q_SLOTS:
    void deleteAndReviewed() {
        Fixture f;
        QSignalSpy edited(&f.editing, &EditingController::edited);
        f.sel.selectInteraction(f.ride);
        f.editing.deleteSelected();
        QVERIFY(!f.doc().interaction(f.ride));
        QCOMPARE(f.sel.selectedInteraction(), Id(0));
        QCOMPARE(edited.count(), 1);
        f.editing.deleteSelected(); // nothing selected: nothing removed
        QVERIFY(f.doc().interaction(f.kick));

        f.editing.toggleReviewed();
        QVERIFY(f.doc().image(f.image)->reviewed);
        f.editing.toggleReviewed();
        QVERIFY(!f.doc().image(f.image)->reviewed);
        QCOMPARE(edited.count(), 4);
    }

    void verbOfTheSelectedPair() {
        Fixture f;
        QSignalSpy selectedEdited(&f.editing, &EditingController::selectedPairEdited);
        f.sel.selectInteraction(f.ride);
        f.editing.setVerb({f.kick}, "hold");
        QCOMPARE(f.doc().interaction(f.kick)->verb, std::string("hold"));
        QCOMPARE(selectedEdited.count(), 0);
        f.editing.setVerb({f.ride}, "feed");
        QCOMPARE(f.doc().interaction(f.ride)->verb, std::string("feed"));
        QCOMPARE(selectedEdited.count(), 1);
    }

    void severalPairsOneDialog() {
        Fixture f;
        f.sel.selectInteraction(f.ride);
        f.pairs.table()->selectAll();
        QCOMPARE(f.editing.selectedPairs().size(), 2);
        QString asked;
        answer([&](QInputDialog* dlg) {
            asked = dlg->objectName() + ": " + dlg->labelText() + " " + dlg->textValue();
            dlg->setTextValue("sit on");
            dlg->accept();
        });
        f.editing.editVerb();
        QCOMPARE(asked, QStringLiteral("verbDialog: Verb for the 2 selected pairs: ride"));
        QCOMPARE(f.doc().interaction(f.ride)->verb, std::string("sit_on"));
        QCOMPARE(f.doc().interaction(f.kick)->verb, std::string("sit_on"));
        QCOMPARE(f.ws.undoStack()->count(), 1);
    }

    void drawnBoxAsksItsClass() {
        Fixture f;
        QSignalSpy messages(&f.editing, &EditingController::message);
        const size_t n = f.doc().instances().size();
        f.classBox.setCurrentText("horse");
        QString proposed;
        answer([&](QInputDialog* dlg) {
            proposed = dlg->objectName() + ": " + dlg->textValue();
            dlg->setTextValue(" unicycle ");
            dlg->accept();
        });
        f.editing.addBox(QRectF(5, 5, 40, 40));
        QCOMPARE(proposed, QStringLiteral("boxClassDialog: horse"));
        QCOMPARE(f.doc().instances().size(), n + 1);
        QCOMPARE(f.doc().instances().back().cls.label, std::string("unicycle"));
        QCOMPARE(f.classBox.currentText(), QStringLiteral("unicycle"));

        answer([](QInputDialog* dlg) { dlg->reject(); });
        f.editing.addBox(QRectF(5, 5, 40, 40));
        QCOMPARE(f.doc().instances().size(), n + 1);
        QCOMPARE(messages.last().at(0).toString(), QStringLiteral("No box added."));
    }

    void linkedBoxesBecomeTheSelectedPair() {
        Fixture f;
        QSignalSpy messages(&f.editing, &EditingController::message);
        QList<Id> selected;
        f.editing.setSelect([&](Id id) {
            selected << id;
            f.sel.selectInteraction(id);
        });
        f.editing.linkPair(f.horse, f.ball);
        QVERIFY(selected.isEmpty());
        QCOMPARE(messages.count(), 1); // the reason
        f.editing.linkPair(f.ball, f.person);
        QCOMPARE(selected.size(), 1);
        const auto* in = f.doc().interaction(selected.front());
        QVERIFY(in);
        QCOMPARE(in->subject, f.person);
        QCOMPARE(in->object, f.ball);
        QCOMPARE(f.sel.selectedInteraction(), selected.front());
        QCOMPARE(messages.last().at(0).toString(), QStringLiteral("Pair added — press E to change its verb."));
    }
};

QTEST_MAIN(TestEditingController)
#include "tst_editing_controller.moc"
