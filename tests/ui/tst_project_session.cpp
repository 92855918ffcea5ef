// ProjectSession without a window: save, debounced autosave to the recovery file, reading a
// project with a newer recovery file under each policy (and the question asked), the untitled
// session's recovery (never overwritten before the person chose), importing annotation files and
// the recent list; the paths given to open sorted by kind (images, folders and their images, projects,
// annotation files, problems).
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include "annotation/formats.h"
#include "annotation/recovery_store.h"
#include "project_session.h"
#include "test_util.h"
#include "workspace.h"

using namespace hoi::ui;
using Policy = ProjectSession::RecoveryPolicy;

namespace {

ProjectSession::Options options(Policy policy) {
    ProjectSession::Options o;
    o.useSettings = false;
    o.autosaveMs = 30;
    o.recovery = policy;
    return o;
}

// One image with one box (added as a person's edit: the workspace becomes modified).
Id addBox(Workspace& ws, double x1) {
    auto& doc = ws.document();
    hoi::annotation::Instance in;
    in.image = doc.images().front().id;
    in.box = {x1, 10, x1 + 50, 80};
    in.cls = hoi::annotation::ObjectClass::coco(0);
    const Id id = doc.add_instance(in);
    ws.setModified(true);
    return id;
}

// A workspace with one image in a scratch folder and its session.
struct Session {
    QTemporaryDir dir;
    Workspace ws;
    ProjectSession s;
    QString error;
    explicit Session(Policy policy = Policy::Discard) : s(&ws, options(policy)) {
        ws.loadProject(hoi::test::one_image_project(200, 100), QString(), dir.path());
    }
    QString path(const char* name) const { return dir.filePath(QString::fromLatin1(name)); }
};

void clearUntitled(const ProjectSession& s) { hoi::annotation::RecoveryStore(s.untitledProjectPath().toStdString()).discard(); }

} // namespace

class TestProjectSession : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void pathsToOpenAreSortedByKind() {
        QTemporaryDir dir;
        auto touch = [&](const QString& rel) {
            QDir().mkpath(QFileInfo(dir.filePath(rel)).absolutePath());
            QFile f(dir.filePath(rel));
            QVERIFY(f.open(QIODevice::WriteOnly));
        };
        touch("shots/b.png");
        touch("shots/sub/a.JPG");
        touch("shots/notes.txt");
        touch("p.hoiproj");
        touch("gt.json");
        touch("table.CSV");
        touch("c.jpg");
        touch("readme.md");
        const auto in = ProjectSession::classifyPaths(
            {dir.filePath("shots"), dir.filePath("p.hoiproj"), dir.filePath("gt.json"), dir.filePath("table.CSV"),
             dir.filePath("c.jpg"), dir.filePath("readme.md"), dir.filePath("missing.jpg")});
        QCOMPARE(in.folders, QStringList{dir.filePath("shots")});
        QCOMPARE(in.projects, QStringList{dir.filePath("p.hoiproj")});
        QCOMPARE(in.annotations, (QStringList{dir.filePath("gt.json"), dir.filePath("table.CSV")}));
        QCOMPARE(in.images, QStringList{dir.filePath("c.jpg")});
        QCOMPARE(in.problems.size(), 2);
        QVERIFY(in.problems[0].contains("readme.md is not an image, a folder, a project or an annotation file"));
        QVERIFY(in.problems[1].contains("missing.jpg does not exist"));
        // Relative paths come back absolute.
        const QString cwd = QDir::currentPath();
        QDir::setCurrent(dir.path());
        QCOMPARE(ProjectSession::classifyPaths({"c.jpg"}).images, QStringList{dir.filePath("c.jpg")});
        QDir::setCurrent(cwd);

        // A folder's images, its subfolders' too, sorted; other files are not images.
        QCOMPARE(ProjectSession::imagesIn(dir.filePath("shots")),
                 (QStringList{dir.filePath("shots/b.png"), dir.filePath("shots/sub/a.JPG")}));
        QVERIFY(ProjectSession::imagesIn(dir.filePath("shots/sub/none")).isEmpty());

        // An annotation file's image folder: images/ beside it, else its own folder.
        QCOMPARE(ProjectSession::imageDirBeside(dir.filePath("gt.json")), QDir(dir.path()).absolutePath());
        touch("images/x.jpg");
        QCOMPARE(ProjectSession::imageDirBeside(dir.filePath("gt.json")), QDir(dir.path()).filePath("images"));
    }

    void saveMakesTheProjectFileAndCleans() {
        Session f;
        QTemporaryDir& dir = f.dir;
        Workspace& ws = f.ws;
        ProjectSession& s = f.s;
        clearUntitled(s);
        addBox(ws, 10);
        QVERIFY(ws.isModified());
        const QString path = dir.filePath("p.hoiproj");
        QString error;
        QVERIFY2(s.save(path, &error), qPrintable(error));
        QVERIFY(!ws.isModified());
        QCOMPARE(ws.projectPath(), path);
        QCOMPARE(s.recentPaths(), QStringList{QFileInfo(path).absoluteFilePath()});
        QCOMPARE(s.headPath(), dir.filePath("p.head.safetensors"));
        const auto back = hoi::annotation::load_project(path.toStdString());
        QCOMPARE(back.document.instances().size(), size_t(1));
        // A save that cannot be written says why and changes nothing.
        addBox(ws, 60);
        QVERIFY(!s.save(dir.filePath("missing/dir/p.hoiproj"), &error));
        QVERIFY(!error.isEmpty());
        QVERIFY(ws.isModified());
        QCOMPARE(ws.projectPath(), path);
    }

    void snapshotDecidesWhatIsWritten() {
        Session f;
        QTemporaryDir& dir = f.dir;
        Workspace& ws = f.ws;
        ProjectSession& s = f.s;
        s.setSnapshot([&](const QString& path) {
            auto p = ws.toProject(path);
            p.settings.prompts = {"ride horse"};
            return p;
        });
        addBox(ws, 10);
        QString error;
        QVERIFY(s.save(dir.filePath("p.hoiproj"), &error));
        QCOMPARE(hoi::annotation::load_project(dir.filePath("p.hoiproj").toStdString()).settings.prompts,
                 std::vector<std::string>{"ride horse"});
    }

    void autosaveWritesTheRecoveryFileAfterTheDebounce() {
        Session f;
        QTemporaryDir& dir = f.dir;
        Workspace& ws = f.ws;
        ProjectSession& s = f.s;
        QString error;
        addBox(ws, 10);
        QVERIFY(s.save(dir.filePath("p.hoiproj"), &error));
        QVERIFY(!QFile::exists(s.recoveryPath()));
        s.scheduleAutosave(); // unmodified: nothing to keep
        QTest::qWait(80);
        QVERIFY(!QFile::exists(s.recoveryPath()));
        addBox(ws, 60);
        s.scheduleAutosave();
        QVERIFY(!QFile::exists(s.recoveryPath())); // debounced, not at once
        QTRY_VERIFY(QFile::exists(s.recoveryPath()));
        const auto rec = hoi::annotation::RecoveryStore(dir.filePath("p.hoiproj").toStdString()).load_recovery();
        QCOMPARE(rec.document.instances().size(), size_t(2));
        s.discardRecovery();
        QVERIFY(!QFile::exists(s.recoveryPath()));
    }

    void readProjectOffersANewerRecovery_data() {
        QTest::addColumn<int>("policy");
        QTest::addColumn<bool>("answer");
        QTest::addColumn<int>("boxes");
        QTest::addColumn<bool>("recoveryKept");
        QTest::newRow("restore") << int(Policy::Restore) << false << 2 << true;
        QTest::newRow("discard") << int(Policy::Discard) << false << 1 << false;
        QTest::newRow("ignore") << int(Policy::Ignore) << false << 1 << true;
        QTest::newRow("ask-yes") << int(Policy::Ask) << true << 2 << true;
        QTest::newRow("ask-no") << int(Policy::Ask) << false << 1 << false;
    }
    void readProjectOffersANewerRecovery() {
        QFETCH(int, policy);
        QFETCH(bool, answer);
        QFETCH(int, boxes);
        QFETCH(bool, recoveryKept);
        QTemporaryDir dir;
        const QString path = dir.filePath("p.hoiproj");
        {
            Workspace ws;
            ws.loadProject(hoi::test::one_image_project(200, 100), QString(), dir.path());
            ProjectSession s(&ws, options(Policy::Discard));
            QString error;
            addBox(ws, 10);
            QVERIFY(s.save(path, &error));
            addBox(ws, 60);
            QVERIFY(s.autosaveNow(&error)); // then the "crash": no save
        }
        Workspace ws;
        ProjectSession s(&ws, options(Policy(policy)));
        int asked = 0;
        s.setAsk([&](const QString& title, const QString& text) {
            ++asked;
            return !title.isEmpty() && text.contains(QLatin1String("p.hoiproj")) && answer;
        });
        QString error;
        const auto opened = s.readProject(path, &error);
        QVERIFY2(opened, qPrintable(error));
        QCOMPARE(asked, Policy(policy) == Policy::Ask ? 1 : 0);
        QCOMPARE(int(opened->project.document.instances().size()), boxes);
        QCOMPARE(opened->restored, boxes == 2);
        const std::string recovery = hoi::annotation::RecoveryStore::recovery_path_for(path.toStdString());
        QCOMPARE(QFile::exists(QString::fromStdString(recovery)), recoveryKept);
    }

    void readProjectSaysWhyItCannot() {
        QTemporaryDir dir;
        Workspace ws;
        ProjectSession s(&ws, options(Policy::Discard));
        QFile f(dir.filePath("bad.hoiproj"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("{\"format\": \"hoi-studio-project\", \"images\": [");
        f.close();
        QString error;
        QVERIFY(!s.readProject(f.fileName(), &error));
        QVERIFY2(error.contains(QLatin1String("bad.hoiproj")), qPrintable(error));
    }

    void untitledRecoveryIsKeptUntilChosen() {
        QTemporaryDir dir;
        QString untitledRecovery;
        {
            Workspace ws;
            ws.loadProject(hoi::test::one_image_project(200, 100), QString(), dir.path());
            ProjectSession s(&ws, options(Policy::Discard));
            clearUntitled(s);
            QVERIFY(!s.untitledRecoveryPending());
            addBox(ws, 10);
            QVERIFY(s.autosaveNow());
            untitledRecovery = s.recoveryPath();
            QVERIFY(QFile::exists(untitledRecovery));
        }
        // The next session: pending until the person chose; its autosave leaves the file alone.
        Workspace ws;
        ws.loadProject(hoi::test::one_image_project(200, 100), QString(), dir.path());
        ProjectSession s(&ws, options(Policy::Ignore));
        QVERIFY(s.untitledRecoveryPending());
        QVERIFY(!s.takeUntitledRecovery(nullptr)); // Ignore: not restored, still pending
        QVERIFY(s.untitledRecoveryPending());
        addBox(ws, 60);
        addBox(ws, 90);
        QVERIFY(s.autosaveNow());
        const auto kept = hoi::annotation::RecoveryStore(s.untitledProjectPath().toStdString()).load_recovery();
        QCOMPARE(kept.document.instances().size(), size_t(1));
        // Restoring it gives back that session's work.
        ProjectSession restore(&ws, options(Policy::Restore));
        const auto project = restore.takeUntitledRecovery(nullptr);
        QVERIFY(project);
        QCOMPARE(project->document.instances().size(), size_t(1));
        QVERIFY(!restore.untitledRecoveryPending());
        clearUntitled(restore);
    }

    void readAnnotationsTellsProjectsAndErrorsApart() {
        Session f;
        QTemporaryDir& dir = f.dir;
        Workspace& ws = f.ws;
        ProjectSession& s = f.s;
        QString error;
        // A project under another name goes to *projects.
        addBox(ws, 10);
        QVERIFY(s.save(dir.filePath("p.hoiproj"), &error));
        QVERIFY(QFile::copy(dir.filePath("p.hoiproj"), dir.filePath("p.json")));
        QStringList projects;
        QVERIFY(!s.readAnnotations(dir.filePath("p.json"), &projects, &error));
        QCOMPARE(projects, QStringList{dir.filePath("p.json")});
        // A HICO-DET file is read.
        const auto hico = dir.filePath("gt.json").toStdString();
        hoi::annotation::export_file(ws.toProject(), hico, hoi::annotation::Format::Hico);
        error.clear();
        const auto read = s.readAnnotations(dir.filePath("gt.json"), &projects, &error);
        QVERIFY2(read, qPrintable(error));
        QCOMPARE(read->document.images().size(), size_t(1));
        // A broken file: an error naming it.
        QFile bad(dir.filePath("broken.json"));
        QVERIFY(bad.open(QIODevice::WriteOnly));
        bad.write("[{\"file_name\": 3}]");
        bad.close();
        QVERIFY(!s.readAnnotations(bad.fileName(), &projects, &error));
        QVERIFY2(error.contains(QLatin1String("broken.json")), qPrintable(error));
    }

    // The format is told from the whole file, as `hoi convert` does: a V-COCO list whose first
    // relation comes after many images without one (beyond the first 4 KB the GUI used to read) is
    // still V-COCO, and its subject-only relation comes through.
    void lateFirstRelationIsStillVcoco() {
        Session f;
        hoi::annotation::Project p;
        hoi::annotation::Id last = 0, person = 0;
        for (int i = 0; i < 80; ++i) {
            hoi::annotation::Image img;
            img.file_name = "img" + std::to_string(i) + ".jpg";
            img.width = 640;
            img.height = 480;
            last = p.document.add_image(img);
            hoi::annotation::Instance in;
            in.image = last;
            in.box = {10.5, 20.25, 100.75 + i, 300};
            in.cls = hoi::annotation::ObjectClass::coco(0);
            person = p.document.add_instance(in);
        }
        hoi::annotation::Interaction stand;
        stand.image = last;
        stand.subject = person;
        stand.object = 0; // no object
        stand.verb = "stand";
        p.document.add_interaction(stand);
        const QString file = f.path("late.json");
        hoi::annotation::export_file(p, file.toStdString(), hoi::annotation::Format::Vcoco);
        QVERIFY(QFileInfo(file).size() > 8192);
        const auto read = f.s.readAnnotations(file, nullptr, &f.error);
        QVERIFY2(read, qPrintable(f.error));
        QCOMPARE(read->document.images().size(), size_t(80));
        QCOMPARE(read->document.interactions().size(), size_t(1));
        QCOMPARE(read->document.interactions().front().verb, std::string("stand"));
        QCOMPARE(read->document.interactions().front().object, hoi::annotation::Id(0));
    }

    void projectRemembersItsHead() {
        Session f;
        QTemporaryDir& dir = f.dir;
        Workspace& ws = f.ws;
        ProjectSession& s = f.s;
        QString error;
        addBox(ws, 10);
        QVERIFY(s.save(dir.filePath("p.hoiproj"), &error));
        QVERIFY(s.projectHead().isEmpty());
        QVERIFY(s.setProjectHead(s.headPath()));
        QVERIFY(ws.isModified());
        QCOMPARE(ws.settings().models.at("head"), std::string("p.head.safetensors")); // relative: the project moves with it
        QCOMPARE(s.projectHead(), dir.filePath("p.head.safetensors"));
        QVERIFY(!s.setProjectHead(s.headPath())); // unchanged
        QVERIFY(s.save(dir.filePath("p.hoiproj"), &error));
        QCOMPARE(hoi::annotation::load_project(dir.filePath("p.hoiproj").toStdString()).settings.models.at("head"),
                 std::string("p.head.safetensors"));
        // A head outside the project's folder is kept by its absolute path.
        QTemporaryDir other;
        QVERIFY(s.setProjectHead(other.filePath("h.safetensors")));
        QCOMPARE(s.projectHead(), other.filePath("h.safetensors"));
        // Back to the untrained head.
        QVERIFY(s.setProjectHead(QString()));
        QVERIFY(!ws.settings().models.count("head"));
        QVERIFY(s.projectHead().isEmpty());
    }

    void recentListIsNewestFirstAndBounded() {
        Workspace ws;
        ProjectSession s(&ws, options(Policy::Discard));
        for (int i = 0; i < 12; ++i) s.addRecent(QStringLiteral("/tmp/r%1.hoiproj").arg(i));
        s.addRecent(QStringLiteral("/tmp/r5.hoiproj"));
        const QStringList r = s.recentPaths();
        QCOMPARE(r.size(), 10);
        QCOMPARE(r.front(), QStringLiteral("/tmp/r5.hoiproj"));
        QCOMPARE(r.count(QStringLiteral("/tmp/r5.hoiproj")), 1);
        QVERIFY(!r.contains(QStringLiteral("/tmp/r0.hoiproj")));
    }

    void lastFolderIsRemembered() {
        Workspace ws;
        ProjectSession s(&ws, options(Policy::Discard));
        QVERIFY(s.lastFolder().isEmpty());
        s.setLastFolder(QStringLiteral("/tmp/images"));
        QCOMPARE(s.lastFolder(), QStringLiteral("/tmp/images"));
    }
};

QTEST_MAIN(TestProjectSession)
#include "tst_project_session.moc"
