// Correcting in the main window: accept / reject with A / R, J / K navigation, undo / redo, the
// modified marker, moving a box, adding a pair by dragging, changing a verb, deleting a box,
// marking an image reviewed. Runs without models (the document is filled as the engine would).
#include <QComboBox>
#include <QInputDialog>
#include <QLabel>
#include <QLineEdit>
#include <QSignalSpy>
#include <QTableView>
#include <QUndoStack>
#include <QtTest/QtTest>

#include "edit_commands.h"
#include "image_canvas.h"
#include "main_window.h"
#include "pair_table_model.h"
#include "test_util.h"
#include "workspace.h"

using namespace hoi::ui;
using hoi::annotation::State;

class TestEditing : public QObject {
    Q_OBJECT
    MainWindow* w_ = nullptr;
    Id image_ = 0, human_ = 0, horse_ = 0, dog_ = 0, ride_ = 0, feed_ = 0, walk_ = 0;

    hoi::annotation::Document& doc() { return w_->workspace()->document(); }

    void drag(const QPoint& from, const QPoint& to, Qt::KeyboardModifiers mods = {}) {
        QWidget* vp = w_->canvas()->viewport();
        QTest::mousePress(vp, Qt::LeftButton, mods, from);
        for (int i = 1; i <= 8; ++i) {
            const QPoint p = from + (to - from) * i / 8;
            QMouseEvent move(QEvent::MouseMove, p, vp->mapToGlobal(p), Qt::NoButton, Qt::LeftButton, mods);
            QApplication::sendEvent(vp, &move);
        }
        QTest::mouseRelease(vp, Qt::LeftButton, mods, to);
    }
    void key(int k, Qt::KeyboardModifiers mods = {}) { QTest::keyClick(w_->canvas(), Qt::Key(k), mods); }

private Q_SLOTS:
    void init() {
        const std::string img = hoi::test::samples_dir() + "/person.jpg";
        HOI_REQUIRE_FILE(img);
        MainWindow::Options o;
        o.loadModels = false;
        o.useSettings = false;
        o.askOnClose = false;
        o.autoAnalyse = false;
        w_ = new MainWindow(o);
        w_->resize(1400, 900);
        w_->show();
        QVERIFY(QTest::qWaitForWindowExposed(w_));
        w_->activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(w_));
        QSignalSpy shown(w_, &MainWindow::imageShown);
        QVERIFY(w_->openPaths({QString::fromStdString(img)}));
        QVERIFY(shown.count() > 0 || shown.wait(10000));
        image_ = w_->currentImage();
        QVERIFY(image_);
        const QSize s = w_->canvas()->imageSize();
        QVERIFY(!s.isEmpty());
        // What the engine would produce: predicted boxes and interactions.
        auto inst = [&](int cls, double x1, double y1, double x2, double y2) {
            hoi::annotation::Instance in;
            in.image = image_;
            in.box = {x1 * s.width(), y1 * s.height(), x2 * s.width(), y2 * s.height()};
            in.cls = hoi::annotation::ObjectClass::coco(cls);
            in.score = 0.9;
            in.state = State::Predicted;
            return doc().add_instance(in);
        };
        human_ = inst(0, 0.10, 0.10, 0.35, 0.90);
        horse_ = inst(17, 0.50, 0.40, 0.90, 0.85);
        dog_ = inst(16, 0.60, 0.05, 0.80, 0.30);
        auto rel = [&](Id o, const char* verb, double score) {
            hoi::annotation::Interaction in;
            in.subject = human_;
            in.object = o;
            in.verb = verb;
            in.score = score;
            in.state = State::Predicted;
            in.prompt = std::string(verb) + " object";
            return doc().add_interaction(in);
        };
        ride_ = rel(horse_, "ride", 0.9);
        feed_ = rel(horse_, "feed", 0.6);
        walk_ = rel(dog_, "walk", 0.4);
        w_->workspace()->setModified(false);
        w_->canvas()->setFocus();
        QCOMPARE(w_->pairTable()->model()->rowCount(), 3);
    }
    void cleanup() {
        delete w_;
        w_ = nullptr;
    }

    void acceptRejectUndoRedo() {
        QVERIFY(!w_->isWindowModified());
        w_->selectInteraction(ride_);
        key(Qt::Key_A);
        QCOMPARE(doc().interaction(ride_)->state, State::Accepted);
        QVERIFY(w_->isWindowModified());
        QVERIFY(w_->windowTitle().contains("[*]"));
        // A moves on to the next pair (sorted by score: feed 0.6).
        QCOMPARE(w_->selectedInteraction(), feed_);
        key(Qt::Key_R);
        QCOMPARE(doc().interaction(feed_)->state, State::Rejected);
        QCOMPARE(w_->workspace()->undoStack()->count(), 2);
        key(Qt::Key_Z, Qt::ControlModifier);
        QCOMPARE(doc().interaction(feed_)->state, State::Predicted);
        key(Qt::Key_Z, Qt::ControlModifier);
        QCOMPARE(doc().interaction(ride_)->state, State::Predicted);
        QVERIFY(!w_->isWindowModified()); // back to the clean state
        key(Qt::Key_Z, Qt::ControlModifier | Qt::ShiftModifier);
        QCOMPARE(doc().interaction(ride_)->state, State::Accepted);
        key(Qt::Key_Z, Qt::ControlModifier | Qt::ShiftModifier);
        QCOMPARE(doc().interaction(feed_)->state, State::Rejected);
        QVERIFY(w_->isWindowModified());
    }

    void nextPreviousPair() {
        w_->selectInteraction(ride_);
        key(Qt::Key_J);
        QCOMPARE(w_->selectedInteraction(), feed_);
        key(Qt::Key_J);
        QCOMPARE(w_->selectedInteraction(), walk_);
        key(Qt::Key_K);
        QCOMPARE(w_->selectedInteraction(), feed_);
        // The table follows the selection.
        const QModelIndex cur = w_->pairTable()->currentIndex();
        QCOMPARE(cur.data(PairTableModel::IdRole).toLongLong(), qint64(feed_));
        // Clicking a row selects the pair on the canvas.
        const QModelIndex first = w_->pairTable()->model()->index(0, 0);
        QTest::mouseClick(w_->pairTable()->viewport(), Qt::LeftButton, {}, w_->pairTable()->visualRect(first).center());
        QCOMPARE(w_->selectedInteraction(), ride_);
        QCOMPARE(w_->canvas()->selectedPair(), ride_);
    }

    void thresholdHidesLowScores() {
        w_->thresholdSlider()->setValue(50);
        QCOMPARE(w_->pairTable()->model()->rowCount(), 2);
        QCOMPARE(w_->canvas()->pairs().size(), 2);
        w_->thresholdSlider()->setValue(70);
        QCOMPARE(w_->pairTable()->model()->rowCount(), 1);
        // A reviewed pair is never hidden by the threshold.
        w_->workspace()->document().set_interaction_state(walk_, State::Accepted);
        QCOMPARE(w_->pairTable()->model()->rowCount(), 2);
    }

    void moveBoxIsUndoable() {
        ImageCanvas* c = w_->canvas();
        const auto before = doc().instance(horse_)->box;
        c->setSelectedBox(horse_);
        const QPointF centre((before.x1 + before.x2) / 2, (before.y1 + before.y2) / 2);
        drag(c->viewPosOfImagePoint(centre), c->viewPosOfImagePoint(centre + QPointF(-30, -20)));
        const auto after = doc().instance(horse_)->box;
        QVERIFY2(std::abs((after.x1 - before.x1) + 30) < 3 && std::abs((after.y1 - before.y1) + 20) < 3,
                 qPrintable(QString("%1 %2").arg(after.x1 - before.x1).arg(after.y1 - before.y1)));
        QCOMPARE(doc().instance(horse_)->state, State::Edited);
        key(Qt::Key_Z, Qt::ControlModifier);
        QVERIFY(doc().instance(horse_)->box == before);
        QCOMPARE(doc().instance(horse_)->state, State::Predicted);
    }

    void resizeBoxWithHandle() {
        ImageCanvas* c = w_->canvas();
        const auto before = doc().instance(dog_)->box;
        c->setSelectedBox(dog_);
        drag(c->viewPosOfImagePoint(QPointF(before.x1, before.y1)), c->viewPosOfImagePoint(QPointF(before.x1 - 25, before.y1 + 10)));
        const auto after = doc().instance(dog_)->box;
        QVERIFY(std::abs(after.x1 - (before.x1 - 25)) < 3);
        QVERIFY(std::abs(after.y1 - (before.y1 + 10)) < 3);
        QCOMPARE(after.x2, before.x2);
        QCOMPARE(after.y2, before.y2);
        QVERIFY(w_->workspace()->undoStack()->undoText().contains("Resize"));
    }

    void addPairByDragging() {
        ImageCanvas* c = w_->canvas();
        const auto h = doc().instance(human_)->box;
        const auto d = doc().instance(dog_)->box;
        const size_t n = doc().interactions().size();
        drag(c->viewPosOfImagePoint(QPointF((h.x1 + h.x2) / 2, (h.y1 + h.y2) / 2)),
             c->viewPosOfImagePoint(QPointF((d.x1 + d.x2) / 2, (d.y1 + d.y2) / 2)), Qt::ControlModifier);
        QCOMPARE(doc().interactions().size(), n + 1);
        const auto& added = doc().interactions().back();
        QCOMPARE(added.subject, human_);
        QCOMPARE(added.object, dog_);
        QCOMPARE(added.state, State::Accepted);
        QVERIFY(!added.score);
        QCOMPARE(w_->selectedInteraction(), added.id);
        key(Qt::Key_Z, Qt::ControlModifier);
        QCOMPARE(doc().interactions().size(), n);
    }

    void drawBoxWithClass() {
        ImageCanvas* c = w_->canvas();
        key(Qt::Key_B);
        QCOMPARE(c->tool(), ImageCanvas::Tool::DrawBox);
        const size_t n = doc().instances().size();
        QString proposed;
        QTimer::singleShot(0, this, [&] {
            auto* dlg = qobject_cast<QInputDialog*>(QApplication::activeModalWidget());
            QVERIFY(dlg);
            proposed = dlg->textValue();
            dlg->findChild<QComboBox*>()->lineEdit()->selectAll();
            QTest::keyClicks(dlg->findChild<QComboBox*>()->lineEdit(), "guitar pick");
            QTest::keyClick(dlg->findChild<QComboBox*>()->lineEdit(), Qt::Key_Return);
        });
        drag(c->viewPosOfImagePoint(QPointF(5, 5)), c->viewPosOfImagePoint(QPointF(60, 50)));
        QCOMPARE(proposed, QString("person")); // the class box's default
        QCOMPARE(doc().instances().size(), n + 1);
        QCOMPARE(doc().instances().back().cls.label, std::string("guitar pick"));
        QVERIFY(!doc().instances().back().score);
        // The next box proposes the class used last; Escape adds nothing.
        QTimer::singleShot(0, this, [&] {
            auto* dlg = qobject_cast<QInputDialog*>(QApplication::activeModalWidget());
            QVERIFY(dlg);
            proposed = dlg->textValue();
            dlg->reject();
        });
        drag(c->viewPosOfImagePoint(QPointF(70, 5)), c->viewPosOfImagePoint(QPointF(120, 50)));
        QCOMPARE(proposed, QString("guitar pick"));
        QCOMPARE(doc().instances().size(), n + 1);
    }

    void changeVerb() {
        const QModelIndex src = w_->pairModel()->indexOf(walk_, PairTableModel::VerbColumn);
        QVERIFY(w_->pairModel()->setData(src, "hold"));
        QCOMPARE(doc().interaction(walk_)->verb, std::string("hold"));
        QVERIFY(doc().interaction(walk_)->hico_verb >= 0);
        QCOMPARE(doc().interaction(walk_)->state, State::Edited);
        key(Qt::Key_Z, Qt::ControlModifier);
        QCOMPARE(doc().interaction(walk_)->verb, std::string("walk"));
        QCOMPARE(doc().interaction(walk_)->state, State::Predicted);
    }

    void oneVerbForSeveralPairs() {
        auto* table = w_->pairTable();
        table->selectAll();
        QCOMPARE(table->selectionModel()->selectedRows().size(), 3);
        QTimer::singleShot(0, this, [&] {
            auto* dlg = qobject_cast<QInputDialog*>(QApplication::activeModalWidget());
            QVERIFY(dlg);
            QCOMPARE(dlg->objectName(), QString("verbDialog"));
            auto* edit = dlg->findChild<QComboBox*>()->lineEdit();
            edit->selectAll();
            QTest::keyClicks(edit, "sit on");
            dlg->accept();
        });
        key(Qt::Key_E);
        for (Id id : {ride_, feed_, walk_}) {
            QCOMPARE(doc().interaction(id)->verb, std::string("sit_on"));
            QVERIFY(doc().interaction(id)->hico_verb >= 0);
        }
        QCOMPARE(w_->workspace()->undoStack()->count(), 1);
        w_->activateWindow(); // back from the dialog
        QVERIFY(QTest::qWaitForWindowActive(w_));
        key(Qt::Key_Z, Qt::ControlModifier); // one step undoes all three
        QCOMPARE(doc().interaction(ride_)->verb, std::string("ride"));
        QCOMPARE(doc().interaction(feed_)->verb, std::string("feed"));
        QCOMPARE(doc().interaction(walk_)->verb, std::string("walk"));
    }

    void hoverShowsABoxsRelations() {
        QSignalSpy hover(w_->canvas(), &ImageCanvas::hoverChanged);
        const QSize s = w_->canvas()->imageSize();
        const QPoint p = w_->canvas()->viewPosOfImagePoint(QPointF(0.85 * s.width(), 0.5 * s.height())); // inside the horse
        QTest::mouseMove(w_->canvas()->viewport(), p);
        QTRY_VERIFY(!hover.isEmpty());
        const QString text = hover.last().first().toString();
        QVERIFY2(text.contains("ride →") && text.contains("feed →"), qPrintable(text));
    }

    void hiddenPairsAreCounted() {
        auto* label = w_->findChild<QLabel*>("hiddenPairsLabel");
        QVERIFY(label);
        QVERIFY(label->isHidden());
        w_->thresholdSlider()->setValue(50); // walk (0.4) goes
        QCOMPARE(w_->pairTable()->model()->rowCount(), 2);
        QVERIFY(!label->isHidden());
        QCOMPARE(label->text(), QString("Hidden: 1 pair below the score filter (0.50)"));
        w_->workspace()->undoStack()->push(new SetInteractionStateCommand(doc(), walk_, State::Accepted));
        QVERIFY(label->isHidden()); // a person's pair is never hidden by the score
        w_->thresholdSlider()->setValue(5);
    }

    void deleteBoxAndUndo() {
        w_->canvas()->setSelectedBox(horse_);
        w_->deleteSelected();
        QVERIFY(!doc().instance(horse_));
        QVERIFY(!doc().interaction(ride_));
        QVERIFY(!doc().interaction(feed_));
        QCOMPARE(w_->pairTable()->model()->rowCount(), 1);
        key(Qt::Key_Z, Qt::ControlModifier);
        QVERIFY(doc().instance(horse_));
        QVERIFY(doc().interaction(ride_)); // same ids come back
        QCOMPARE(w_->pairTable()->model()->rowCount(), 3);
    }

    void markReviewed() {
        QCOMPARE(w_->workspace()->status(image_), ImageStatus::Predicted);
        key(Qt::Key_M);
        QVERIFY(doc().image(image_)->reviewed);
        QCOMPARE(w_->workspace()->status(image_), ImageStatus::Reviewed);
        key(Qt::Key_Z, Qt::ControlModifier);
        QVERIFY(!doc().image(image_)->reviewed);
    }
};

QTEST_MAIN(TestEditing)
#include "tst_editing.moc"
