// EngineLauncher without a window: the engine starts with the project's trained head when its
// file is there, says when it is missing (and starts with the untrained one); once started it
// follows the head the project uses (Use Trained Head, a finished training), restarting only when
// that head is not the one it runs with; before the start nothing is started. The banner keeps why
// a model failed beside what works without CLIP, and is cleared when CLIP loads.
#include <QFile>
#include <QSignalSpy>
#include <QtTest/QtTest>

#include "engine_launcher.h"
#include "workspace_parts.h"

using namespace hoi::ui;

class TestEngineLauncher : public QObject {
    Q_OBJECT

    struct Fixture : hoi::test::WorkspaceParts { // the loads are only asked for
        EngineLauncher engine{&analysis, &session, EngineSettings({{}, true, false, {}})};
        QSignalSpy starting{&engine, &EngineLauncher::starting};
        QSignalSpy banner{&engine, &EngineLauncher::banner};
        QSignalSpy changed{&engine, &EngineLauncher::headChanged};
        Fixture() {
            hoi::annotation::Project p;
            ws.loadProject(std::move(p), dir.filePath("p.hoiproj"), dir.path());
        }
        QString head() const { return dir.filePath("p.head.safetensors"); }
        void writeHead() {
            QFile f(head());
            f.open(QIODevice::WriteOnly);
            f.write("head");
        }
        std::string running() const { return analysis.engineOptions().weights_path; }
    };

private Q_SLOTS:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

    void startsWithTheProjectsHead() {
        Fixture f;
        QCOMPARE(f.session.headPath(), f.head());
        QVERIFY(!f.engine.headAvailable() && !f.engine.usesHead());
        f.engine.followProjectHead(); // not started: nothing to follow
        QCOMPARE(f.starting.count(), 0);
        f.writeHead();
        QVERIFY(f.engine.headAvailable() && !f.engine.usesHead());
        f.session.setProjectHead(f.head());
        f.engine.start();
        QCOMPARE(f.starting.count(), 1);
        QCOMPARE(f.banner.count(), 0);
        QCOMPARE(QString::fromStdString(f.running()), f.head());
    }

    void aMissingHeadIsSaid() {
        Fixture f;
        f.session.setProjectHead(f.head()); // not there
        QVERIFY(f.engine.usesHead() && f.engine.headAvailable());
        f.engine.start();
        QCOMPARE(f.banner.count(), 1);
        QCOMPARE(f.banner.last().at(0).toString(),
                 QStringLiteral("The project's trained head p.head.safetensors is missing: scoring with the untrained one."));
        QVERIFY(f.running().empty());
    }

    void followsTheHeadTheProjectUses() {
        Fixture f;
        f.writeHead();
        f.engine.start();
        QVERIFY(f.running().empty());
        f.engine.useHead(true);
        QCOMPARE(f.starting.count(), 2);
        QCOMPARE(QString::fromStdString(f.running()), f.head());
        QVERIFY(f.engine.usesHead());
        QVERIFY(f.ws.isModified()); // a change of the project
        QCOMPARE(f.ws.settings().models.at("head"), std::string("p.head.safetensors"));
        f.engine.followProjectHead(); // the head it runs with: no restart
        QCOMPARE(f.starting.count(), 2);
        f.engine.useHead(false);
        QCOMPARE(f.starting.count(), 3);
        QVERIFY(f.running().empty() && !f.engine.usesHead());
        QVERIFY(f.engine.headAvailable()); // the file is still there
        // A finished training: the project uses the head it wrote.
        Q_EMIT f.analysis.headTrained(f.head());
        QCOMPARE(f.starting.count(), 4);
        QCOMPARE(QString::fromStdString(f.running()), f.head());
        QVERIFY(f.changed.count() >= 4);
    }

    void theBannerSaysWhatWorks() {
        Fixture f;
        QSignalSpy cleared(&f.engine, &EngineLauncher::bannerCleared);
        f.engine.start();
        Q_EMIT f.thread.worker()->engineReady(false, QStringLiteral("NanoDet"));
        QCOMPARE(f.banner.count(), 1);
        QVERIFY(f.banner.last().at(0).toString().startsWith(QStringLiteral("Open-vocabulary scoring needs the CLIP model")));
        // CLIP failed: its reason stays, with what works until then.
        f.engine.start();
        Q_EMIT f.thread.worker()->engineFailed(QStringLiteral("CLIP <weights> unreadable"));
        Q_EMIT f.thread.worker()->engineReady(false, QStringLiteral("NanoDet"));
        QCOMPARE(f.banner.count(), 3);
        QCOMPARE(f.banner.at(1).at(0).toString(), QStringLiteral("CLIP &lt;weights&gt; unreadable"));
        QVERIFY(f.banner.last().at(0).toString().startsWith(QStringLiteral("CLIP &lt;weights&gt; unreadable<br>Until then")));
        QCOMPARE(cleared.count(), 0);
        f.engine.start();
        Q_EMIT f.thread.worker()->engineReady(true, QStringLiteral("NanoDet + CLIP"));
        QCOMPARE(cleared.count(), 1);
    }
};

QTEST_MAIN(TestEngineLauncher)
#include "tst_engine_launcher.moc"
