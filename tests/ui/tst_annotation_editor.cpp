// AnnotationEditor without a window: every edit is one undo step that undo takes back exactly;
// a verb change of several pairs is one step; a linked pair takes its verb from the prompts about
// its object's class, starts at the person whichever box was picked first, and is refused between
// two objects; a drawn box keeps a free class name.
#include <QTemporaryDir>
#include <QUndoStack>
#include <QtTest/QtTest>
#include <nlohmann/json.hpp>

#include "analysis_controller.h"
#include "annotation/formats.h"
#include "annotation_editor.h"
#include "selection_model.h"
#include "test_util.h"
#include "workspace.h"

using namespace hoi::ui;
using hoi::annotation::State;

class TestAnnotationEditor : public QObject {
    Q_OBJECT

    struct Fixture {
        Workspace ws;
        SelectionModel sel{&ws};
        InferenceThread thread; // never started: no engine, so no model scores are asked for
        AnalysisController analysis{&ws, &sel, thread.worker()};
        AnnotationEditor editor{&ws, &analysis};
        Id image = 0, person = 0, ball = 0, cup = 0;
        Fixture() {
            ws.loadProject(hoi::test::one_image_project(), QString(), QDir::tempPath());
            auto& doc = ws.document();
            image = doc.images().front().id;
            auto box = [&](int coco, double x) {
                hoi::annotation::Instance in;
                in.image = image;
                in.box = {x, 10, x + 50, 100};
                in.cls = hoi::annotation::ObjectClass::coco(coco);
                return doc.add_instance(in);
            };
            person = box(0, 0);
            ball = box(32, 100);
            cup = box(41, 200);
        }
        // The project as saved, without the id counters (undo does not give ids back).
        std::string snapshot() {
            auto j = nlohmann::json::parse(hoi::annotation::export_text(ws.toProject(), hoi::annotation::Format::Project));
            j.erase("next_ids");
            return j.dump(1);
        }
    };

    static std::vector<hoi::model::Prompt> parse(const std::vector<std::string>& texts) {
        return hoi::model::PromptParser::instance().parse_all(texts);
    }

private Q_SLOTS:
    void linkTakesTheVerbOfTheObjectsPrompt() {
        Fixture f;
        const std::string before = f.snapshot();
        QString error;
        // Picked object first: the pair still starts at the person.
        const Id r = f.editor.linkPair(f.image, f.ball, f.person, parse({"hold cup", "kick sports ball"}), &error);
        QVERIFY(r);
        const auto* in = f.ws.document().interaction(r);
        QCOMPARE(in->subject, f.person);
        QCOMPARE(in->object, f.ball);
        QCOMPARE(in->verb, std::string("kick"));
        QCOMPARE(in->prompt, std::string("kick sports ball"));
        QCOMPARE(in->state, State::Accepted);
        // No prompt about a cup: the first prompt's verb, with the made pair's own prompt.
        const Id r2 = f.editor.linkPair(f.image, f.person, f.cup, parse({"kick sports ball"}), &error);
        QCOMPARE(f.ws.document().interaction(r2)->verb, std::string("kick"));
        QCOMPARE(f.ws.document().interaction(r2)->prompt, std::string("kick cup"));
        // No prompts at all: "interact".
        const Id r3 = f.editor.linkPair(f.image, f.person, f.cup, {}, &error);
        QCOMPARE(f.ws.document().interaction(r3)->verb, std::string("interact"));
        // Two objects: refused, with a reason, and nothing changes.
        const int steps = f.ws.undoStack()->count();
        QVERIFY(!f.editor.linkPair(f.image, f.ball, f.cup, {}, &error));
        QVERIFY(error.contains(QLatin1String("person")));
        QCOMPARE(f.ws.undoStack()->count(), steps);
        // Undo takes every pair back: the document is what it was.
        while (f.ws.undoStack()->canUndo()) f.ws.undoStack()->undo();
        QCOMPARE(f.snapshot(), before);
    }

    void verbOfSeveralPairsIsOneStep() {
        Fixture f;
        QString error;
        const Id a = f.editor.linkPair(f.image, f.person, f.ball, {}, &error);
        const Id b = f.editor.linkPair(f.image, f.person, f.cup, {}, &error);
        const std::string before = f.snapshot();
        const int steps = f.ws.undoStack()->index();
        QCOMPARE(f.editor.setVerb({a, b}, QStringLiteral("sit on")), (QList<Id>{a, b}));
        QCOMPARE(f.ws.undoStack()->index(), steps + 1);
        QCOMPARE(f.ws.document().interaction(a)->verb, std::string("sit_on")); // the HICO-DET name
        QCOMPARE(f.ws.document().interaction(b)->verb, std::string("sit_on"));
        QVERIFY(f.editor.setVerb({a, b}, QStringLiteral("sit_on")).isEmpty()); // unchanged: no step
        QVERIFY(f.editor.setVerb({a}, QStringLiteral("  ")).isEmpty());
        f.ws.undoStack()->undo();
        QCOMPARE(f.snapshot(), before);
    }

    void statesBoxesAndReviewUndo() {
        Fixture f;
        QString error;
        const Id r = f.editor.linkPair(f.image, f.person, f.ball, {}, &error);
        const std::string before = f.snapshot();
        const int base = f.ws.undoStack()->index();
        QVERIFY(f.editor.setState(r, State::Rejected));
        QCOMPARE(f.ws.document().interaction(r)->state, State::Rejected);
        QVERIFY(!f.editor.setState(9999, State::Accepted));
        QVERIFY(f.editor.setReviewed(f.image, true));
        QVERIFY(!f.editor.setReviewed(f.image, true)); // already
        QVERIFY(f.ws.document().image(f.image)->reviewed);
        const Id box = f.editor.addBox(f.image, QRectF(QPointF(5, 6), QPointF(55, 66)), QStringLiteral("unicycle"));
        QVERIFY(box);
        QCOMPARE(f.ws.document().instance(box)->cls.label, std::string("unicycle"));
        QCOMPARE(f.ws.document().instance(box)->box.x2, 55.0);
        QVERIFY(f.editor.setBox(box, QRectF(QPointF(1, 2), QPointF(30, 40))));
        QCOMPARE(f.ws.document().instance(box)->box.y2, 40.0);
        QVERIFY(!f.editor.addBox(9999, QRectF(0, 0, 1, 1), QString()));
        QVERIFY(f.editor.removeRelation(r));
        QVERIFY(!f.ws.document().interaction(r));
        QVERIFY(f.editor.removeBox(f.cup));
        QCOMPARE(f.ws.undoStack()->index(), base + 6); // one step per edit
        while (f.ws.undoStack()->index() > base) f.ws.undoStack()->undo(); // back to after the link
        QCOMPARE(f.snapshot(), before);
    }
};

QTEST_MAIN(TestAnnotationEditor)
#include "tst_annotation_editor.moc"
