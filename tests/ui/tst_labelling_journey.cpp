// A labelling team's journeys through the real MainWindow (offscreen), with the real detector and
// a small random-weight CLIP model where scores are needed:
// - analyse, accept a pair with J / A, save, quit, reopen: the project is exactly as saved (no
//   duplicated boxes or pairs, not marked modified, the accepted pair keeps its score), saving
//   again writes the same bytes, and an explicit re-analysis still duplicates nothing;
// - a session never saved, killed after autosave: started again on the same folder, the unsaved
//   work is offered and complete, and it is never overwritten before the person chose;
// - cancel during a batch served from the cache stops it after a small fraction;
// - J past the last pair goes to the next image; a rejected pair stays rejected when its verb
//   changes; the verb editor takes one Enter;
// - a pair linked by hand to a box drawn by hand, and a verb no prompt asked for, are scored by the
//   model (CLIP loaded) without marking anything the person did not do.
#include <QComboBox>
#include <QFile>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QTableView>
#include <QTemporaryDir>
#include <QUndoStack>
#include <QtTest/QtTest>

#include "annotation/formats.h"
#include "annotation/recovery_store.h"
#include "clip/synthetic.h"
#include "edit_commands.h"
#include "image_canvas.h"
#include "main_window.h"
#include "pair_table_model.h"
#include "shortcuts_dialog.h"
#include "studio_test_util.h"
#include "test_util.h"
#include "workspace.h"

using namespace hoi::ui;
using hoi::annotation::State;
using hoi::test::waitIdle;

namespace {

QByteArray readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

bool copySample(const QString& name, const QString& dir) {
    return QFile::copy(QString::fromStdString(hoi::test::samples_dir() + "/") + name, QDir(dir).filePath(name));
}

} // namespace

class TestLabellingJourney : public QObject {
    Q_OBJECT
    QString clip_;

    MainWindow::Options options(bool models) const { return hoi::test::journeyOptions(clip_, models); }
    static void activate(MainWindow& w) { QVERIFY(hoi::test::showActive(w)); }
    static void key(MainWindow& w, int k, Qt::KeyboardModifiers mods = {}) {
        QTest::keyClick(w.canvas(), Qt::Key(k), mods);
    }
    static int instancesOf(const MainWindow& w, Id image) {
        return int(w.workspace()->document().instances_of(image).size());
    }

private Q_SLOTS:
    void initTestCase() {
        QStandardPaths::setTestModeEnabled(true);
        HOI_REQUIRE_FILE(hoi::test::models_dir() + "/nanodet.json");
        HOI_REQUIRE_FILE(hoi::test::samples_dir() + "/messi5.jpg");
        HOI_REQUIRE_FILE(hoi::test::samples_dir() + "/kite.jpg");
        clip_ = QStringLiteral(HOI_TEST_BINARY_DIR "/journey-vit-synthetic.pt");
        hoi::clip::write_synthetic_model(clip_.toStdString(), hoi::clip::tiny_vit_config(), 7);
    }

    void reopenKeepsTheProjectAsSaved() {
        QTemporaryDir dir;
        QVERIFY(copySample("messi5.jpg", dir.path()) && copySample("kite.jpg", dir.path()));
        const QString project = dir.filePath("p.hoiproj");
        hoi::annotation::Document saved;
        Id accepted = 0;
        {
            MainWindow w(options(true));
            activate(w);
            w.setPrompts({"kick sports ball", "fly kite"});
            w.thresholdSlider()->setValue(0);
            QVERIFY(w.openPaths({dir.path()}));
            QVERIFY(waitIdle(w));
            QVERIFY(w.clipAvailable());
            w.analyseAll();
            QVERIFY(waitIdle(w));
            const Id image = w.currentImage();
            QVERIFY(!w.workspace()->document().interactions_of(image).empty());
            QVERIFY(!w.isWindowModified()); // model output is not a person's edit
            w.canvas()->setFocus();
            key(w, Qt::Key_J);
            accepted = w.selectedInteraction();
            QVERIFY(accepted);
            key(w, Qt::Key_A);
            QCOMPARE(w.workspace()->document().interaction(accepted)->state, State::Accepted);
            QVERIFY(w.isWindowModified());
            QVERIFY(w.saveProject(project));
            QVERIFY(!w.isWindowModified());
            saved = w.workspace()->document();
        } // quit
        const QByteArray bytes = readAll(project);
        QVERIFY(!bytes.isEmpty());

        MainWindow w(options(true));
        activate(w);
        QVERIFY(w.openPaths({project}));
        QVERIFY(waitIdle(w));
        const Id image = w.currentImage();
        QVERIFY(w.workspace()->record(image) && w.workspace()->record(image)->analysis); // analysed for its views
        QVERIFY(!w.isWindowModified());
        QVERIFY(!w.windowTitle().isEmpty());
        QVERIFY(w.workspace()->document() == saved); // nothing duplicated, nothing changed
        const auto* acc = w.workspace()->document().interaction(accepted);
        QVERIFY(acc && acc->score.has_value());
        QCOMPARE(acc->state, State::Accepted);
        QVERIFY(w.workspace()->scoreSource(accepted).pair >= 0); // the heatmap and inspector know its pair
        QVERIFY(w.saveProject(project));
        if (readAll(project) != bytes) { // print the first difference
            const QByteArray now = readAll(project);
            int i = 0;
            while (i < now.size() && i < bytes.size() && now[i] == bytes[i]) ++i;
            QFAIL(qPrintable(QStringLiteral("saved again, differs at %1:\n%2\n---\n%3")
                                 .arg(i).arg(QString::fromUtf8(bytes.mid(std::max(0, i - 200), 400)), QString::fromUtf8(now.mid(std::max(0, i - 200), 400)))));
        }

        // An analysis the person asks for matches the model's boxes to the project's: no duplicates.
        const int boxes = instancesOf(w, image);
        w.analyseAll();
        QVERIFY(waitIdle(w));
        for (const auto& img : saved.images())
            QCOMPARE(instancesOf(w, img.id), int(saved.instances_of(img.id).size()));
        QCOMPARE(instancesOf(w, image), boxes);
        QCOMPARE(w.workspace()->document().interaction(accepted)->state, State::Accepted);
        QVERIFY(w.workspace()->document().interaction(accepted)->score.has_value());
        QVERIFY(w.workspace()->document() == saved); // the same model and prompts: the same document
    }

    void unsavedSessionIsRecoveredOnTheSameFolder() {
        QTemporaryDir dir;
        QVERIFY(copySample("messi5.jpg", dir.path()));
        {
            MainWindow clean(options(false)); // no unsaved work of an earlier test run
            clean.offerUntitledRecovery();
        }
        MainWindow::Options o = options(false);
        o.recovery = MainWindow::RecoveryPolicy::Ask;
        hoi::annotation::Document edited;
        QString recovery;
        {
            MainWindow w(o);
            activate(w);
            QVERIFY(w.start({dir.path()}));
            auto& doc = w.workspace()->document();
            const Id image = doc.images().front().id;
            hoi::annotation::Instance a, b;
            a.image = b.image = image;
            a.box = {10, 10, 100, 200};
            a.cls = hoi::annotation::ObjectClass::coco(0);
            b.box = {120, 50, 300, 220};
            b.cls = hoi::annotation::ObjectClass::coco(32);
            auto* ca = new AddInstanceCommand(doc, a);
            w.workspace()->undoStack()->push(ca);
            auto* cb = new AddInstanceCommand(doc, b);
            w.workspace()->undoStack()->push(cb);
            hoi::annotation::Interaction kick;
            kick.subject = ca->instanceId();
            kick.object = cb->instanceId();
            kick.verb = "kick";
            w.workspace()->undoStack()->push(new AddInteractionCommand(doc, kick));
            key(w, Qt::Key_M); // reviewed
            QVERIFY(doc.images().front().reviewed);
            recovery = w.recoveryPath();
            QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(recovery), 5000); // autosave
            QTest::qWait(200);
            w.autosaveNow();
            edited = doc;
        } // killed: no closeEvent, no save
        const QByteArray kept = readAll(recovery);
        QVERIFY(!kept.isEmpty());
        {
            // Started on the same folder by someone who does not answer yet (Ignore): the file is
            // left as it is, even after edits and autosaves of this session.
            MainWindow::Options later = o;
            later.recovery = MainWindow::RecoveryPolicy::Ignore;
            MainWindow w(later);
            activate(w);
            QVERIFY(w.start({dir.path()}));
            QVERIFY(w.workspace()->document() != edited);
            key(w, Qt::Key_M);
            QVERIFY(w.isWindowModified());
            QTest::qWait(300);
            w.autosaveNow();
            QCOMPARE(readAll(recovery), kept);
        }
        // Started on the same folder again: the work is offered and restored, complete.
        MainWindow::Options restore = o;
        restore.recovery = MainWindow::RecoveryPolicy::Restore;
        MainWindow w(restore);
        activate(w);
        QVERIFY(w.start({dir.path()}));
        QVERIFY(w.workspace()->document() == edited);
        QVERIFY(w.isWindowModified());
        QCOMPARE(int(w.workspace()->document().images().size()), 1); // the folder was already open
    }

    void cancelStopsABatchServedFromTheCache() {
        // 3000 names for one image: after the first, every analysis comes from the engine's cache.
        QTemporaryDir dir;
        HOI_REQUIRE_FILE(hoi::test::samples_dir() + "/dog.jpg");
        const QString src = QString::fromStdString(hoi::test::samples_dir() + "/dog.jpg");
        const int total = 3000;
        for (int i = 0; i < total; ++i)
            QVERIFY(QFile::link(src, dir.filePath(QStringLiteral("img%1.jpg").arg(i, 4, 10, QLatin1Char('0')))));
        MainWindow::Options o = options(true);
        o.autoAnalyse = false;
        o.engine.clip_path.clear(); // detection only: the cache path is what matters
        MainWindow w(o);
        activate(w);
        QVERIFY(w.openPaths({dir.path()}));
        QVERIFY(waitIdle(w));
        QVERIFY(w.engineReady());
        auto analysed = [&] {
            int n = 0;
            for (const auto& img : w.workspace()->document().images()) n += w.workspace()->record(img.id) ? 1 : 0;
            return n;
        };
        w.analyseAll();
        QTRY_VERIFY_WITH_TIMEOUT(analysed() >= 10, 60000);
        QTest::keyClick(w.canvas(), Qt::Key_Period, Qt::ControlModifier);
        const int atCancel = analysed();
        QVERIFY(waitIdle(w, 10000));
        QTest::qWait(300);
        const int after = analysed();
        QVERIFY2(after < total / 4, qPrintable(QStringLiteral("%1 of %2 analysed after cancel (%3 at cancel)")
                                                  .arg(after).arg(total).arg(atCancel)));
        QVERIFY2(after - atCancel <= 8, qPrintable(QStringLiteral("%1 more after cancel").arg(after - atCancel)));
    }

    void aFailedImageSaysWhyOnTheCanvas() {
        QTemporaryDir dir;
        QVERIFY(copySample("messi5.jpg", dir.path()));
        {
            QFile broken(dir.filePath("broken.jpg"));
            QVERIFY(broken.open(QIODevice::WriteOnly));
            broken.write("not a jpeg at all");
            // A download cut short: its thumbnail renders (the top of the picture), the image is refused.
            QFile cut(dir.filePath("cut.jpg"));
            QVERIFY(cut.open(QIODevice::WriteOnly));
            cut.write(readAll(QString::fromStdString(hoi::test::samples_dir() + "/messi5.jpg")).left(30000));
        }
        MainWindow::Options o = options(false);
        o.autoAnalyse = false;
        MainWindow w(o);
        activate(w);
        QVERIFY(w.openPaths({dir.path()}));
        QVERIFY(waitIdle(w));
        const auto* img = w.workspace()->document().image_by_file("broken.jpg");
        QVERIFY(img);
        w.setCurrentImage(img->id);
        QVERIFY(waitIdle(w));
        QVERIFY2(w.canvas()->message().contains("broken.jpg"), qPrintable(w.canvas()->message()));
        QCOMPARE(w.workspace()->status(img->id), ImageStatus::Failed);
        const auto* cut = w.workspace()->document().image_by_file("cut.jpg");
        QVERIFY(cut);
        w.setCurrentImage(cut->id);
        QVERIFY(waitIdle(w));
        QVERIFY2(w.canvas()->message().contains("truncated"), qPrintable(w.canvas()->message()));
        QCOMPARE(w.workspace()->status(cut->id), ImageStatus::Failed);
        w.setCurrentImage(w.workspace()->document().image_by_file("messi5.jpg")->id);
        QVERIFY(waitIdle(w));
        QVERIFY(w.canvas()->message().isEmpty());
    }

    void importChecksTheFileBeforeGivingUpWork() {
        QTemporaryDir dir;
        QVERIFY(copySample("messi5.jpg", dir.path()));
        {
            QFile bad(dir.filePath("bad.json"));
            QVERIFY(bad.open(QIODevice::WriteOnly));
            bad.write("[{\"file_name\": \"messi5.jpg\", \"annotations\": [{\"bbox\": [5, 5, 1, 1], \"category_id\": 1}]}]");
        }
        MainWindow::Options o = options(false);
        o.askOnClose = true; // "Save your changes?" would be asked before giving up the work
        MainWindow w(o);
        activate(w);
        QVERIFY(w.openPaths({dir.path()}));
        key(w, Qt::Key_M);
        QVERIFY(w.isWindowModified());
        const auto before = w.workspace()->document();
        // Every message box that comes up: its title, then closed.
        QStringList titles;
        QTimer watcher;
        connect(&watcher, &QTimer::timeout, this, [&] {
            if (auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget())) {
                titles << box->windowTitle();
                box->reject();
            }
        });
        watcher.start(20);
        QVERIFY(!w.openPaths({dir.filePath("bad.json")}));
        watcher.stop();
        QCOMPARE(titles, QStringList{"Import Annotations"}); // not "Unsaved Changes" first
        QVERIFY(w.workspace()->document() == before);
        QVERIFY(w.isWindowModified());
    }

    // A V-COCO file (QPIC's layout) opens through the registry like any annotation file: a role
    // without an object ("stand", object_id -1) is a subject-only relation, listed in the pair table
    // with "(no object)" and drawn on the canvas at its person; selecting it and saving the project
    // keep it.
    void opensVcocoWithSubjectOnlyRelations() {
        QTemporaryDir dir;
        QVERIFY(copySample("messi5.jpg", dir.path()));
        {
            QFile f(dir.filePath("test_vcoco.json"));
            QVERIFY(f.open(QIODevice::WriteOnly));
            f.write(R"([{"file_name": "messi5.jpg",
              "annotations": [{"bbox": [200, 30, 400, 330], "category_id": 1}, {"bbox": [400, 280, 450, 330], "category_id": 37}],
              "hoi_annotation": [{"subject_id": 0, "object_id": 1, "category_id": 25},
                                 {"subject_id": 0, "object_id": -1, "category_id": 1}]}])");
        }
        MainWindow::Options o = options(false);
        o.autoAnalyse = false;
        MainWindow w(o);
        activate(w);
        QVERIFY(w.openPaths({dir.filePath("test_vcoco.json"), dir.path()}));
        waitIdle(w);
        const auto& doc = w.workspace()->document();
        QCOMPARE(doc.interactions().size(), size_t(2));
        const hoi::annotation::Interaction& stand = doc.interactions()[1];
        QCOMPARE(stand.verb, std::string("stand"));
        QCOMPARE(stand.object, Id(0));
        // The pair table lists both; the subject-only one says it has no object.
        auto* model = w.pairModel();
        QCOMPARE(model->rowCount(), 2);
        QStringList objects;
        for (int r = 0; r < model->rowCount(); ++r)
            objects << model->data(model->index(r, PairTableModel::ObjectColumn)).toString();
        QVERIFY2(objects.contains("(no object)"), qPrintable(objects.join(", ")));
        // The canvas draws it (at the person) and selecting it works.
        QVERIFY(w.canvas()->pairLabelViewPos(stand.id).x() >= 0);
        w.canvas()->setSelectedPair(stand.id);
        waitIdle(w);
        QCOMPARE(w.canvas()->selectedPair(), ItemId(stand.id));
        // Saved as a project and reopened: still there.
        QVERIFY(w.saveProject(dir.filePath("v.hoiproj")));
        const auto back = hoi::annotation::import_file(dir.filePath("v.hoiproj").toStdString(), hoi::annotation::Format::Project);
        QCOMPARE(back.document.interactions().size(), size_t(2));
        QCOMPARE(back.document.interactions()[1].object, Id(0));
    }

    void recentFilesAndExportScope() {
        QTemporaryDir dir;
        QVERIFY(copySample("messi5.jpg", dir.path()));
        MainWindow::Options o = options(false);
        o.autoAnalyse = false;
        MainWindow w(o);
        activate(w);
        QVERIFY(w.openPaths({dir.path()}));
        QVERIFY(w.saveProject(dir.filePath("p.hoiproj")));
        auto* recent = w.findChild<QMenu*>("recentMenu");
        QVERIFY(recent);
        QMetaObject::invokeMethod(recent, "aboutToShow");
        QStringList entries;
        for (QAction* a : recent->actions()) entries << a->toolTip();
        QCOMPARE(entries, (QStringList{QFileInfo(dir.filePath("p.hoiproj")).absoluteFilePath(), QDir(dir.path()).absolutePath()}));
    }

    void shortcutListReadsCleanly() {
        MainWindow w(options(false));
        QStringList rows;
        QTimer::singleShot(0, this, [&] {
            auto* dlg = qobject_cast<ShortcutsDialog*>(QApplication::activeModalWidget());
            QVERIFY(dlg);
            rows = dlg->rows();
            dlg->reject();
        });
        w.showShortcuts();
        QVERIFY(!rows.isEmpty());
        for (const QString& r : rows) {
            const QString keys = r.section(QLatin1Char('|'), 2);
            QVERIFY2(!keys.startsWith(QLatin1String(", ")) && !keys.contains(QLatin1String(", ,")), qPrintable(r));
        }
        QVERIFY(rows.filter(QStringLiteral("|Preferences|")).value(0).endsWith(QLatin1String("|Ctrl+,")));
    }

    void reviewKeysAcrossImagesAndVerbs() {
        QTemporaryDir dir;
        QVERIFY(copySample("messi5.jpg", dir.path()) && copySample("kite.jpg", dir.path()));
        MainWindow::Options o = options(false);
        o.autoAnalyse = false;
        MainWindow w(o);
        activate(w);
        QVERIFY(w.openPaths({dir.path()}));
        QVERIFY(waitIdle(w));
        auto& doc = w.workspace()->document();
        // Two predicted pairs on each image, as the engine would leave them.
        QList<Id> rel;
        for (const auto& img : std::vector<hoi::annotation::Image>(doc.images())) {
            auto inst = [&](int cls, double x) {
                hoi::annotation::Instance in;
                in.image = img.id;
                in.box = {x, 10, x + 40, 90};
                in.cls = hoi::annotation::ObjectClass::coco(cls);
                in.score = 0.9;
                in.state = State::Predicted;
                return doc.add_instance(in);
            };
            const Id h = inst(0, 10), ball = inst(32, 100), kite = inst(33, 200);
            for (auto [obj, verb, score] : {std::tuple{ball, "kick", 0.8}, std::tuple{kite, "fly", 0.6}}) {
                hoi::annotation::Interaction in;
                in.subject = h;
                in.object = obj;
                in.verb = verb;
                in.score = score;
                in.state = State::Predicted;
                rel << doc.add_interaction(in);
            }
        }
        const Id first = doc.images()[0].id, second = doc.images()[1].id;
        w.setCurrentImage(first);
        QVERIFY(waitIdle(w));
        w.canvas()->setFocus();
        // "To review" filter: A hides the pair it accepts, and still moves to the one after it.
        QComboBox* states = w.findChild<QComboBox*>(QStringLiteral("stateFilter"));
        QVERIFY(states);
        states->setCurrentIndex(1);
        w.selectInteraction(rel[0]);
        key(w, Qt::Key_A);
        QCOMPARE(doc.interaction(rel[0])->state, State::Accepted);
        QCOMPARE(w.selectedInteraction(), rel[1]);
        states->setCurrentIndex(0);
        // J past the last pair: the first pair of the next image; K goes back.
        w.selectInteraction(rel[1]);
        key(w, Qt::Key_J);
        QCOMPARE(w.currentImage(), second);
        QCOMPARE(w.selectedInteraction(), rel[2]);
        key(w, Qt::Key_K);
        QCOMPARE(w.currentImage(), first);
        QCOMPARE(w.selectedInteraction(), rel[1]);
        // A rejected pair stays rejected when its verb changes; its old score goes (not the new verb's).
        key(w, Qt::Key_R);
        QCOMPARE(doc.interaction(rel[1])->state, State::Rejected);
        w.selectInteraction(rel[1]);
        key(w, Qt::Key_E);
        auto* editor = w.pairTable()->findChild<QLineEdit*>();
        QVERIFY(editor);
        editor->selectAll();
        QTest::keyClicks(editor, "hold");
        QTest::keyClick(editor, Qt::Key_Return);
        QTRY_COMPARE(QString::fromStdString(doc.interaction(rel[1])->verb), QString("hold"));
        QCOMPARE(doc.interaction(rel[1])->state, State::Rejected);
        QVERIFY(!doc.interaction(rel[1])->score.has_value());
        const auto counts = w.workspace()->counts();
        QCOMPARE(counts.accepted, 1);
    }

    void pairsMadeByHandAreScored() {
        QTemporaryDir dir;
        QVERIFY(copySample("messi5.jpg", dir.path()));
        MainWindow w(options(true));
        activate(w);
        QVERIFY(w.openPaths({dir.path()}));
        QVERIFY(waitIdle(w));
        QVERIFY(w.clipAvailable());
        auto& doc = w.workspace()->document();
        const Id image = doc.images()[0].id;
        Id person = 0;
        for (const auto& in : doc.instances_of(image))
            if (in->cls.is_person()) person = in->id;
        QVERIFY2(person, "the detector finds the player");
        // A box drawn by hand (B), then a pair linked from the person to it.
        hoi::annotation::Instance drawn;
        drawn.image = image;
        drawn.box = {30, 30, 120, 140};
        drawn.cls = hoi::annotation::ObjectClass::named("cup");
        auto* add = new AddInstanceCommand(doc, drawn);
        w.workspace()->undoStack()->push(add);
        Q_EMIT w.canvas()->pairLinked(person, add->instanceId());
        const Id rel = w.selectedInteraction();
        QVERIFY(rel);
        QCOMPARE(doc.interaction(rel)->object, add->instanceId());
        // Its prompt is about the cup, not a prompt about another object.
        const std::string madePrompt = doc.interaction(rel)->prompt;
        QVERIFY2(QString::fromStdString(madePrompt).endsWith(" cup"), madePrompt.c_str());
        QVERIFY(waitIdle(w));
        QTRY_VERIFY(doc.interaction(rel)->score.has_value());
        const double first = *doc.interaction(rel)->score;
        QVERIFY(first > 0 && first <= 1);
        QCOMPARE(w.workspace()->undoStack()->count(), 2); // the score is not an edit
        // ... and the pair list shows it.
        auto* table = w.pairTable();
        QString shown;
        for (int row = 0; row < table->model()->rowCount(); ++row)
            if (table->model()->index(row, 0).data(PairTableModel::IdRole).toLongLong() == rel)
                shown = table->model()->index(row, PairTableModel::ScoreColumn).data().toString();
        QCOMPARE(shown, QString::number(first, 'f', 3));
        // A verb no prompt asked for: scored for that verb.
        w.selectInteraction(rel);
        w.canvas()->setFocus();
        key(w, Qt::Key_E);
        auto* editor = w.pairTable()->findChild<QLineEdit*>();
        QVERIFY(editor);
        editor->selectAll();
        QTest::keyClicks(editor, "drink with");
        QTest::keyClick(editor, Qt::Key_Return);
        QTRY_COMPARE(QString::fromStdString(doc.interaction(rel)->verb), QString("drink_with"));
        QVERIFY(waitIdle(w));
        QTRY_VERIFY(doc.interaction(rel)->score.has_value());
        QVERIFY(*doc.interaction(rel)->score != first);
        QCOMPARE(w.workspace()->undoStack()->count(), 3);
        // Undo gives the old verb its old score back.
        w.workspace()->undoStack()->undo();
        QCOMPARE(*doc.interaction(rel)->score, first);
    }
};

QTEST_MAIN(TestLabellingJourney)
#include "tst_labelling_journey.moc"
