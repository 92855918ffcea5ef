// ProjectOpener without a window: a folder's images open into an empty workspace (unmodified, the
// first image current, the folder in the recent list and the last folder), with the kept prompts
// said; paths that are not there are reported; a project file is loaded with its settings (after
// the window may give up the open work, which it can refuse); an annotation file is imported with
// the folder given beside it (modified, no project file); a bad annotation file is reported and
// nothing of the open work is given up; Import asks for the image folder only for a readable file.
#include <QImage>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include "analysis_controller.h"
#include "annotation/formats.h"
#include "io/atomic_file.h"
#include "project_opener.h"
#include "project_session.h"
#include "selection_model.h"
#include "test_util.h"
#include "workspace.h"
#include "workspace_parts.h"

using namespace hoi::ui;

class TestProjectOpener : public QObject {
    Q_OBJECT

    struct Fixture : hoi::test::WorkspaceParts {
        ProjectOpener opener{&ws, &session, &sel, &analysis};
        QSignalSpy errors{&opener, &ProjectOpener::error};
        QSignalSpy messages{&opener, &ProjectOpener::message};
        QSignalSpy loaded{&opener, &ProjectOpener::projectLoaded};
        Fixture() {
            QDir(dir.path()).mkdir("images");
            for (const char* name : {"images/a.png", "images/b.png"}) {
                QImage img(40, 30, QImage::Format_RGB32);
                img.fill(Qt::gray);
                img.save(dir.filePath(name));
            }
        }
        QString images() const { return dir.filePath("images"); }
    };

private Q_SLOTS:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void folderOpensItsImages() {
        Fixture f;
        f.opener.setHooks({nullptr, [] { return QStringList{"ride horse", "hold cup", "kick ball"}; }});
        QSignalSpy ended(&f.opener, &ProjectOpener::openEnded);
        QVERIFY(f.opener.open({f.images()}));
        QCOMPARE(f.ws.document().images().size(), size_t(2));
        QVERIFY(!f.ws.isModified());
        QCOMPARE(f.sel.currentImage(), f.ws.document().images().front().id);
        QCOMPARE(f.session.recentPaths(), QStringList{QFileInfo(f.images()).absoluteFilePath()});
        QCOMPARE(f.session.lastFolder(), QFileInfo(f.images()).absoluteFilePath());
        QCOMPARE(ended.count(), 1);
        QCOMPARE(f.errors.count(), 0);
        QCOMPARE(f.messages.count(), 1);
        QCOMPARE(f.messages.last().at(0).toString(),
                 QStringLiteral("Prompts kept from before: ride horse, hold cup and 1 more (Clear to drop them)"));
    }

    void missingPathsAreReported() {
        Fixture f;
        QVERIFY(!f.opener.open({f.dir.filePath("nothing.png")}));
        QCOMPARE(f.errors.count(), 1);
        QCOMPARE(f.errors.last().at(0).toString(), QStringLiteral("Open"));
        QVERIFY(f.errors.last().at(1).toString().contains("nothing.png"));
        QVERIFY(f.ws.document().empty());
    }

    void projectFileComesBackWithItsSettings() {
        Fixture f;
        QVERIFY(f.opener.open({f.images()}));
        f.ws.settings().prompts = {"ride horse"};
        QString error;
        const QString project = f.dir.filePath("p.hoiproj");
        QVERIFY2(f.session.save(project, &error), qPrintable(error));
        f.ws.loadProject(hoi::test::one_image_project(), QString(), f.dir.path());

        int asked = 0;
        f.opener.setHooks({[&] { return ++asked > 1; }, nullptr});
        QVERIFY(!f.opener.open({project})); // the window kept the open work
        QCOMPARE(f.ws.document().images().size(), size_t(1));
        QCOMPARE(f.loaded.count(), 0);

        QVERIFY(f.opener.open({project}));
        QCOMPARE(asked, 2);
        QCOMPARE(f.ws.projectPath(), project);
        QCOMPARE(f.ws.document().images().size(), size_t(2));
        QCOMPARE(f.loaded.count(), 1);
        QCOMPARE(f.loaded.last().at(0).toBool(), true);
        QCOMPARE(f.ws.settings().prompts, std::vector<std::string>{"ride horse"});
        QCOMPARE(f.sel.currentImage(), f.ws.document().images().front().id);
        QCOMPARE(f.session.recentPaths().value(0), QFileInfo(project).absoluteFilePath());
    }

    void annotationFileIsImportedWithItsFolder() {
        Fixture f;
        // A HICO-DET file naming the folder's two images.
        hoi::annotation::Project p;
        for (const char* name : {"a.png", "b.png"}) p.document.add_image({0, name, 40, 30, false});
        const QString file = f.dir.filePath("anno.json");
        hoi::io::write_file_atomic(file.toStdString(), hoi::annotation::export_text(p, hoi::annotation::Format::Hico));
        QVERIFY(f.opener.open({file, f.images()}));
        QCOMPARE(f.errors.count(), 0);
        QCOMPARE(f.loaded.count(), 1);
        QCOMPARE(f.loaded.last().at(0).toBool(), false);
        QVERIFY(f.ws.projectPath().isEmpty());
        QVERIFY(f.ws.isModified());
        QCOMPARE(f.ws.imageDir(), f.images());
        QCOMPARE(f.ws.document().images().size(), size_t(2));
        QCOMPARE(f.messages.last().at(0).toString(), QStringLiteral("Imported anno.json (2 images)"));
        QCOMPARE(f.session.recentPaths().value(0), QFileInfo(file).absoluteFilePath());
    }

    void badAnnotationFileGivesNothingUp() {
        Fixture f;
        QVERIFY(f.opener.open({f.images()}));
        const QString bad = f.dir.filePath("bad.json");
        hoi::io::write_file_atomic(bad.toStdString(), "[1, 2]"); // a list, but not of images
        int asked = 0;
        f.opener.setHooks({[&] { return ++asked > 0; }, nullptr});
        QVERIFY(!f.opener.open({bad}));
        QCOMPARE(asked, 0);
        QCOMPARE(f.errors.count(), 1);
        QCOMPARE(f.errors.last().at(0).toString(), QStringLiteral("Import Annotations"));
        QCOMPARE(f.ws.document().images().size(), size_t(2));

        int folderAsked = 0;
        f.opener.import(bad, [&](const QString&) { return ++folderAsked, QString(); });
        QCOMPARE(folderAsked, 0); // not for a file that cannot be read
        QCOMPARE(f.errors.count(), 2);
    }
};

QTEST_MAIN(TestProjectOpener)
#include "tst_project_opener.moc"
