// Autosave and recovery: edits are written to the recovery file (debounced); a window that dies
// without saving (simulated crash: destroyed without closeEvent) leaves it behind; opening the
// project again offers it, and restoring gives back exactly the edited document.
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QUndoStack>
#include <QtTest/QtTest>

#include "annotation/recovery_store.h"
#include "edit_commands.h"
#include "main_window.h"
#include "prompt_bar.h"
#include "test_util.h"
#include "workspace.h"

using namespace hoi::ui;
using hoi::annotation::State;

class TestRecovery : public QObject {
    Q_OBJECT

    static MainWindow::Options options(MainWindow::RecoveryPolicy policy) {
        MainWindow::Options o;
        o.loadModels = false;
        o.useSettings = false;
        o.askOnClose = false;
        o.recovery = policy;
        o.autosaveMs = 50;
        return o;
    }

private Q_SLOTS:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void recoversAfterCrash() {
        const std::string sample = hoi::test::samples_dir() + "/dog.jpg";
        HOI_REQUIRE_FILE(sample);
        QTemporaryDir dir;
        QVERIFY(QFile::copy(QString::fromStdString(sample), dir.filePath("dog.jpg")));
        const QString project = dir.filePath("p.hoiproj");
        hoi::annotation::Document edited;
        {
            MainWindow w(options(MainWindow::RecoveryPolicy::Ask));
            QVERIFY(w.openPaths({dir.filePath("dog.jpg")}));
            auto& doc = w.workspace()->document();
            const Id image = doc.images().front().id;
            hoi::annotation::Instance a, b;
            a.image = b.image = image;
            a.box = {10, 10, 100, 200};
            a.cls = hoi::annotation::ObjectClass::coco(0);
            b.box = {120, 50, 300, 220};
            b.cls = hoi::annotation::ObjectClass::coco(16);
            const Id ha = doc.add_instance(a), hb = doc.add_instance(b);
            QVERIFY(w.saveProject(project));
            QVERIFY(!w.isWindowModified());
            // Edits after the save...
            hoi::annotation::Interaction in;
            in.subject = ha;
            in.object = hb;
            in.verb = "walk";
            w.workspace()->undoStack()->push(new AddInteractionCommand(doc, in));
            w.workspace()->undoStack()->push(new SetBoxCommand(doc, hb, {118, 48, 305, 230}));
            QVERIFY(w.isWindowModified());
            // ...reach the recovery file through the debounced autosave.
            const QString recovery = w.recoveryPath();
            QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(recovery), 5000);
            edited = doc;
            // Simulated crash: the window goes away without closeEvent / save.
        }
        hoi::annotation::RecoveryStore store(project.toStdString());
        QVERIFY(store.has_newer_recovery());
        QVERIFY(hoi::annotation::load_project(project.toStdString()).document != edited); // the file is older

        // Reopen: the recovery is offered and restored.
        MainWindow w2(options(MainWindow::RecoveryPolicy::Restore));
        QVERIFY(w2.openPaths({project}));
        QVERIFY(w2.workspace()->document() == edited);
        QVERIFY(w2.isWindowModified()); // restored changes are not saved yet
        QVERIFY(QFile::exists(w2.workspace()->imagePath(w2.workspace()->document().images().front().id)));
        // Saving writes the project and removes the recovery file.
        QVERIFY(w2.save());
        QVERIFY(!store.has_recovery());
        QVERIFY(hoi::annotation::load_project(project.toStdString()).document == edited);
    }

    void untitledSessionIsOfferedOnStart() {
        const std::string sample = hoi::test::samples_dir() + "/dog.jpg";
        HOI_REQUIRE_FILE(sample);
        QTemporaryDir dir;
        QVERIFY(QFile::copy(QString::fromStdString(sample), dir.filePath("dog.jpg")));
        {
            MainWindow clean(options(MainWindow::RecoveryPolicy::Discard)); // what a failed earlier run left
            clean.offerUntitledRecovery();
        }
        hoi::annotation::Document edited;
        {
            MainWindow w(options(MainWindow::RecoveryPolicy::Ask));
            QVERIFY(w.openPaths({dir.filePath("dog.jpg")}));
            auto& doc = w.workspace()->document();
            hoi::annotation::Instance a;
            a.image = doc.images().front().id;
            a.box = {5, 5, 50, 60};
            a.cls = hoi::annotation::ObjectClass::named("guitar pick");
            w.workspace()->undoStack()->push(new AddInstanceCommand(doc, a));
            // The prompts the session was analysing with, typed just before the crash (the prompt
            // bar's debounced signal has not fired yet).
            w.promptBar()->setChips({"ride horse", "hold cup"});
            w.autosaveNow();
            QVERIFY(QFile::exists(w.recoveryPath()));
            edited = doc;
        } // crash
        MainWindow w2(options(MainWindow::RecoveryPolicy::Restore));
        QVERIFY(w2.offerUntitledRecovery());
        QVERIFY(w2.workspace()->document() == edited);
        QCOMPARE(w2.promptBar()->prompts(), QStringList({"ride horse", "hold cup"}));
        QVERIFY(QFile::exists(w2.workspace()->imagePath(edited.images().front().id)));
        QVERIFY(w2.isWindowModified());
        MainWindow w3(options(MainWindow::RecoveryPolicy::Discard));
        QVERIFY(!w3.offerUntitledRecovery());
        QVERIFY(!QFile::exists(w3.recoveryPath()));
    }

    void discardKeepsTheSavedFile() {
        const std::string sample = hoi::test::samples_dir() + "/dog.jpg";
        HOI_REQUIRE_FILE(sample);
        QTemporaryDir dir;
        QVERIFY(QFile::copy(QString::fromStdString(sample), dir.filePath("dog.jpg")));
        const QString project = dir.filePath("q.hoiproj");
        hoi::annotation::Document saved;
        {
            MainWindow w(options(MainWindow::RecoveryPolicy::Ask));
            QVERIFY(w.openPaths({dir.filePath("dog.jpg")}));
            QVERIFY(w.saveProject(project));
            saved = w.workspace()->document();
            w.workspace()->undoStack()->push(new SetReviewedCommand(w.workspace()->document(), saved.images().front().id, true));
            w.autosaveNow();
        }
        MainWindow w2(options(MainWindow::RecoveryPolicy::Discard));
        QVERIFY(w2.openPaths({project}));
        QVERIFY(w2.workspace()->document() == saved);
        QVERIFY(!hoi::annotation::RecoveryStore(project.toStdString()).has_recovery());
    }
};

QTEST_MAIN(TestRecovery)
#include "tst_recovery.moc"
