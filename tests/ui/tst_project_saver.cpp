// ProjectSaver without a window: Save writes to the project file or asks for one (cancelling saves
// nothing), Save As always asks, a failed save is an error; before the open work goes, "Save your
// changes?" is asked only for a modified, non-empty project, and Save (saved), Discard (the recovery
// file goes too) and Cancel (the work stays) do what they say; without the question the work may go.
#include <QImage>
#include <optional>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include "project_saver.h"
#include "project_session.h"
#include "workspace.h"

using namespace hoi::ui;
using Answer = ProjectSaver::Answer;

class TestProjectSaver : public QObject {
    Q_OBJECT

    struct Fixture {
        QTemporaryDir dir;
        Workspace ws;
        ProjectSession session{&ws, {false, 60000, ProjectSession::RecoveryPolicy::Discard}};
        ProjectSaver saver{&ws, &session};
        QSignalSpy errors{&saver, &ProjectSaver::error};
        QSignalSpy messages{&saver, &ProjectSaver::message};
        QSignalSpy saved{&saver, &ProjectSaver::saved};
        int asked = 0, chosen = 0;
        Fixture() {
            QImage img(40, 30, QImage::Format_RGB32);
            img.fill(Qt::gray);
            img.save(dir.filePath("a.png"));
            ws.addImages({dir.filePath("a.png")});
            ws.setModified(true);
        }
        void hooks(std::optional<Answer> answer, const QString& file) {
            ProjectSaver::Hooks h;
            if (answer) h.askToSave = [this, a = *answer] { ++asked; return a; };
            h.chooseFile = [this, file] { ++chosen; return file; };
            saver.setHooks(h);
        }
    };

private Q_SLOTS:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void saveAsksForAFileWhenUntitled() {
        Fixture f;
        f.hooks(std::nullopt, QString());
        QVERIFY(!f.saver.save()); // cancelled
        QCOMPARE(f.chosen, 1);
        QVERIFY(f.ws.projectPath().isEmpty() && f.ws.isModified());
        QVERIFY(!f.saver.saveUntitled());
        QCOMPARE(f.saved.count(), 0);
        QCOMPARE(f.errors.count(), 0);

        const QString path = f.dir.filePath("p.hoiproj");
        f.hooks(std::nullopt, path);
        QVERIFY(f.saver.save());
        QVERIFY(QFileInfo(path).isFile());
        QCOMPARE(f.ws.projectPath(), path);
        QVERIFY(!f.ws.isModified());
        QCOMPARE(f.saved.count(), 1);
        QCOMPARE(f.saved.last().at(0).toString(), path);
        QCOMPARE(f.messages.last().at(0).toString(), QStringLiteral("Saved p.hoiproj"));
        // Now it has a file: Save writes there without asking, Save As asks again.
        f.chosen = 0;
        QVERIFY(f.saver.save());
        QVERIFY(f.saver.saveUntitled());
        QCOMPARE(f.chosen, 0);
        f.hooks(std::nullopt, f.dir.filePath("q.hoiproj"));
        QVERIFY(f.saver.saveAs());
        QCOMPARE(f.chosen, 1);
        QCOMPARE(f.ws.projectPath(), f.dir.filePath("q.hoiproj"));
    }

    void failedSaveIsAnError() {
        Fixture f;
        QVERIFY(!f.saver.saveTo(f.dir.filePath("missing/p.hoiproj")));
        QCOMPARE(f.errors.count(), 1);
        QCOMPARE(f.errors.last().at(0).toString(), QStringLiteral("Save Project"));
        QVERIFY(!f.errors.last().at(1).toString().isEmpty());
        QCOMPARE(f.errors.last().at(2).toBool(), false);
        QCOMPARE(f.saved.count(), 0);
        QVERIFY(f.ws.projectPath().isEmpty() && f.ws.isModified());
    }

    void askedOnlyForModifiedWork() {
        Fixture f;
        f.hooks(Answer::Cancel, QString());
        f.ws.setModified(false);
        QVERIFY(f.saver.mayDiscard());
        QCOMPARE(f.asked, 0);
        f.ws.setModified(true);
        QVERIFY(!f.saver.mayDiscard()); // Cancel: the work stays
        QCOMPARE(f.asked, 1);
        QVERIFY(f.ws.isModified());
        // Without the question (tests, --screenshot) the work may go.
        f.hooks(std::nullopt, QString());
        QVERIFY(f.saver.mayDiscard());
        // An empty workspace is no work to lose.
        Workspace empty;
        empty.setModified(true);
        ProjectSession session(&empty, {false, 60000, ProjectSession::RecoveryPolicy::Discard});
        ProjectSaver saver(&empty, &session);
        saver.setHooks({[] { return Answer::Cancel; }, nullptr});
        QVERIFY(saver.mayDiscard());
    }

    void saveOrDiscardBeforeTheWorkGoes() {
        Fixture f;
        const QString path = f.dir.filePath("p.hoiproj");
        f.hooks(Answer::Save, path);
        QVERIFY(f.saver.mayDiscard());
        QCOMPARE(f.asked, 1);
        QVERIFY(QFileInfo(path).isFile() && !f.ws.isModified());
        // Save whose file is not given keeps the work.
        Fixture g;
        g.hooks(Answer::Save, QString());
        QVERIFY(!g.saver.mayDiscard());
        QCOMPARE(g.chosen, 1);
        // Discard: the recovery file goes with the changes.
        f.ws.setModified(true);
        QVERIFY(f.session.autosaveNow());
        const QString recovery = f.session.recoveryPath();
        QVERIFY(QFileInfo::exists(recovery));
        f.hooks(Answer::Discard, QString());
        QVERIFY(f.saver.mayDiscard());
        QVERIFY(!QFileInfo::exists(recovery));
    }
};

QTEST_MAIN(TestProjectSaver)
#include "tst_project_saver.moc"
