// PairsPanel without a window: the score threshold hides predicted pairs below it but never a
// decided one, and the hidden-pairs line says how many and why; the state filter; the text filter;
// which filters tell the canvas (filterChanged); the rows in the table's order, showing a pair and
// editing its verb; the review buttons.
#include <QAction>
#include <QComboBox>
#include <QCompleter>
#include <QLabel>
#include <QLineEdit>
#include <QSignalSpy>
#include <QSlider>
#include <QTableView>
#include <QToolButton>
#include <QtTest/QtTest>

#include "pair_table_model.h"
#include "pairs_panel.h"
#include "test_util.h"
#include "workspace.h"

using namespace hoi::ui;
using hoi::annotation::State;

class TestPairsPanel : public QObject {
    Q_OBJECT

    // One image: a person with a predicted "ride" pair at 0.02, a predicted "hold" pair at 0.5 and
    // an accepted "kick" pair at 0.01 (a decision the threshold must not hide).
    struct Fixture {
        Workspace ws;
        QAction accept{"Accept"}, reject{"Reject"}, remove{"Delete"}, reviewed{"Reviewed"};
        PairsPanel panel{&ws, {&accept, &reject, &remove, &reviewed}};
        Id image = 0;
        Fixture() {
            hoi::annotation::Project p = hoi::test::one_image_project();
            image = p.document.images().front().id;
            auto box = [&](int coco, double x) {
                hoi::annotation::Instance in;
                in.image = image;
                in.box = {x, 10, x + 50, 100};
                in.cls = hoi::annotation::ObjectClass::coco(coco);
                return p.document.add_instance(in);
            };
            const Id person = box(0, 0), horse = box(17, 100), ball = box(32, 200);
            auto pair = [&](Id object, const char* verb, double score, State state) {
                hoi::annotation::Interaction in;
                in.image = image;
                in.subject = person;
                in.object = object;
                in.verb = verb;
                in.score = score;
                in.state = state;
                p.document.add_interaction(in);
            };
            pair(horse, "ride", 0.02, State::Predicted);
            pair(horse, "hold", 0.5, State::Predicted);
            pair(ball, "kick", 0.01, State::Accepted);
            ws.loadProject(std::move(p), QString(), QDir::tempPath());
            image = ws.document().images().front().id;
            panel.model()->setImage(image);
        }
        QStringList verbs() const {
            QStringList v;
            for (int r = 0; r < panel.proxy()->rowCount(); ++r)
                v << panel.proxy()->index(r, PairTableModel::VerbColumn).data().toString();
            v.sort();
            return v;
        }
    };

private Q_SLOTS:
    void thresholdHidesPredictedPairsOnly() {
        Fixture f;
        QCOMPARE(f.panel.table()->model(), f.panel.proxy());
        QCOMPARE(f.panel.model()->rowCount(), 3);
        // The default threshold (0.05) hides the predicted pair at 0.02, not the accepted one at 0.01.
        QCOMPARE(f.panel.thresholdSlider()->value(), 5);
        QCOMPARE(f.verbs(), (QStringList{"hold", "kick"}));
        QVERIFY(f.panel.hiddenLabel()->isVisibleTo(&f.panel));
        QCOMPARE(f.panel.hiddenLabel()->text(), QStringLiteral("Hidden: 1 pair below the score filter (0.05)"));

        QSignalSpy changed(&f.panel, &PairsPanel::filterChanged);
        f.panel.thresholdSlider()->setValue(60);
        QCOMPARE(changed.count(), 1);
        QCOMPARE(f.verbs(), QStringList{"kick"});
        QCOMPARE(f.panel.hiddenLabel()->text(), QStringLiteral("Hidden: 2 pairs below the score filter (0.60)"));
        QCOMPARE(f.panel.findChild<QLabel*>("scoreThresholdValue")->text(), QStringLiteral("0.60"));

        f.panel.thresholdSlider()->setValue(0);
        QCOMPARE(f.verbs(), (QStringList{"hold", "kick", "ride"}));
        QVERIFY(!f.panel.hiddenLabel()->isVisibleTo(&f.panel));
    }

    void stateFilterShowsOneState() {
        Fixture f;
        QSignalSpy changed(&f.panel, &PairsPanel::filterChanged);
        QComboBox* states = f.panel.findChild<QComboBox*>("stateFilter");
        QCOMPARE(states, f.panel.stateFilter());
        states->setCurrentIndex(states->findText("Accepted"));
        QCOMPARE(changed.count(), 1);
        QCOMPARE(f.verbs(), QStringList{"kick"});
        // The pair below the threshold is counted there, the other one by the state filter.
        QCOMPARE(f.panel.hiddenLabel()->text(),
                 QStringLiteral("Hidden: 1 pair below the score filter (0.05), 1 pair by the state filter"));
        states->setCurrentIndex(states->findText("To review"));
        QCOMPARE(f.verbs(), QStringList{"hold"});
        states->setCurrentIndex(0); // All states
        QCOMPARE(f.verbs(), (QStringList{"hold", "kick"}));
        QCOMPARE(changed.count(), 3);
    }

    void textFilterFiltersTheTable() {
        Fixture f;
        QSignalSpy changed(&f.panel, &PairsPanel::filterChanged);
        f.panel.findChild<QLineEdit*>("pairFilter")->setText("KICK");
        QCOMPARE(f.verbs(), QStringList{"kick"});
        QVERIFY(f.panel.hiddenLabel()->text().contains("1 pair by the text filter"));
        QCOMPARE(changed.count(), 0); // the text filter is the table's (the canvas shows every pair)
    }

    void rowsFollowTheTable() {
        Fixture f;
        f.panel.thresholdSlider()->setValue(0);
        // Sorted by score, highest first: hold 0.5, ride 0.02, kick 0.01.
        QCOMPARE(f.panel.rowCount(), 3);
        auto verbOf = [&](Id id) { return QString::fromStdString(f.ws.document().interaction(id)->verb); };
        QCOMPARE(verbOf(f.panel.pairAt(0)), QStringLiteral("hold"));
        QCOMPARE(verbOf(f.panel.pairAt(2)), QStringLiteral("kick"));
        QCOMPARE(f.panel.pairAt(3), Id(0));
        QCOMPARE(f.panel.pairAt(-1), Id(0));
        const Id ride = f.panel.pairAt(1);
        QCOMPARE(f.panel.rowOf(ride), 1);
        // The table shows a pair as its current, selected row; none for 0 or a hidden pair.
        f.panel.showPair(ride);
        QCOMPARE(f.panel.table()->currentIndex().row(), 1);
        QCOMPARE(f.panel.selectedPairs(), QList<Id>{ride});
        f.panel.thresholdSlider()->setValue(5); // hides ride (predicted, 0.02)
        QCOMPARE(f.panel.rowOf(ride), -1);
        f.panel.showPair(ride);
        QVERIFY(!f.panel.table()->currentIndex().isValid());
        QVERIFY(f.panel.selectedPairs().isEmpty());
        QVERIFY(!f.panel.editVerb(ride));
        // Editing a shown pair's verb: an editor in the verb cell that completes HICO-DET's verbs.
        QVERIFY(f.panel.editVerb(f.panel.pairAt(0)));
        auto* editor = f.panel.table()->findChild<QLineEdit*>();
        QVERIFY(editor);
        QVERIFY(editor->completer());
        QCOMPARE(f.panel.table()->currentIndex().column(), int(PairTableModel::VerbColumn));
    }

    void buttonsTriggerTheGivenActions() {
        Fixture f;
        QSet<QAction*> shown;
        for (auto* b : f.panel.findChildren<QToolButton*>())
            if (b->defaultAction()) shown << b->defaultAction();
        for (QAction* a : {&f.accept, &f.reject, &f.remove, &f.reviewed}) QVERIFY2(shown.contains(a), qPrintable(a->text()));
        QCOMPARE(f.panel.findChild<QTableView*>("pairTable"), f.panel.table());
        QCOMPARE(f.panel.findChild<QSlider*>("scoreThreshold"), f.panel.thresholdSlider());
    }
};

QTEST_MAIN(TestPairsPanel)
#include "tst_pairs_panel.moc"
