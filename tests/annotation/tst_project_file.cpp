// The project file: schema versions (migration, refusal of newer versions), atomic save, and the
// autosave/recovery store.
#include <QtTest>

#include "annotation_fixtures.h"
#include "annotation/formats.h"
#include "annotation/recovery_store.h"
#include "io/error.h"
#include "test_util.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace hoi::annotation;
namespace fs = std::filesystem;

class TstProjectFile : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void savesCurrentSchema();
    void migratesVersion1();
    void refusesNewerVersion();
    void saveIsAtomicAndKeepsOldFileOnError();
    void recoveryStoreLifecycle();
    void recoveryNewerThanProject();
};

void TstProjectFile::savesCurrentSchema() {
    QTemporaryDir tmp;
    const std::string path = tmp.path().toStdString() + "/p.hoiproj";
    Project p = hoi::test::rich_project();
    save_project(p, path);
    std::ifstream in(path);
    nlohmann::json j = nlohmann::json::parse(in);
    QCOMPARE(j["schema_version"].get<int>(), kProjectSchemaVersion);
    QCOMPARE(j["settings"]["thresholds"]["pair"].get<double>(), 0.2);
    QCOMPARE(j["interactions"][4]["prompt"].get<std::string>(), std::string("hold, \"the\" pick\nnow"));
    QVERIFY(!j["interactions"][1].contains("score"));
    Project q = load_project(path);
    QVERIFY(q == p);
}

void TstProjectFile::migratesVersion1() {
    const std::string path = hoi::test::test_data_dir() + "/annotation/project_v1.hoiproj";
    Project p = load_project(path);
    const Document& d = p.document;
    QCOMPARE(d.images().size(), size_t(2));
    QCOMPARE(d.images()[0].reviewed, true);
    QCOMPARE(d.images()[1].id, Id(3));
    QCOMPARE(d.instances().size(), size_t(4));
    QCOMPARE(d.instance(1)->cls.coco80, 0);
    QCOMPARE(d.instance(1)->cls.label, std::string("person"));
    QCOMPARE(d.instance(2)->cls.coco80, 17);
    QCOMPARE(d.instance(5)->cls.coco80, -1);
    QCOMPARE(d.instance(5)->cls.label, std::string("leash"));
    QCOMPARE(int(d.instance(6)->state), int(State::Accepted));
    QCOMPARE(d.interactions().size(), size_t(2));
    QCOMPARE(d.interaction(1)->image, Id(1));
    QCOMPARE(d.interaction(1)->hico_verb, HicoVocabulary::instance().verb_id("walk"));
    QCOMPARE(d.interaction(4)->hico_verb, -1);
    QCOMPARE(d.interaction(4)->prompt, std::string());
    QCOMPARE(p.settings.thresholds.at("score"), 0.3);
    QCOMPARE(p.settings.prompts.size(), size_t(2));
    // Counters continue after the highest ids.
    QCOMPARE(d.counters().image, Id(4));
    QCOMPARE(d.counters().instance, Id(7));
    QCOMPARE(d.counters().interaction, Id(5));
    // Saved again it is a version 2 file with the same content.
    QTemporaryDir tmp;
    const std::string out = tmp.path().toStdString() + "/v2.hoiproj";
    save_project(p, out);
    Project q = load_project(out);
    QVERIFY(q == p);
    std::ifstream in(out);
    QCOMPARE(nlohmann::json::parse(in)["schema_version"].get<int>(), 2);
}

void TstProjectFile::refusesNewerVersion() {
    QTemporaryDir tmp;
    const std::string path = tmp.path().toStdString() + "/new.hoiproj";
    std::ofstream(path) << R"({"schema_version": 3, "images": [], "instances": [], "interactions": [], "future": {}})";
    try {
        load_project(path);
        QFAIL("a newer schema version was accepted");
    } catch (const hoi::Error& e) {
        QCOMPARE(int(e.kind()), int(hoi::ErrorKind::Input));
        QString m = e.what();
        QVERIFY2(m.contains("schema version 3") && m.contains("newer") && m.contains("new.hoiproj"), e.what());
    }
}

void TstProjectFile::saveIsAtomicAndKeepsOldFileOnError() {
    QTemporaryDir tmp;
    const std::string dir = tmp.path().toStdString();
    const std::string path = dir + "/p.hoiproj";
    Project p = hoi::test::rich_project();
    save_project(p, path);
    // A save into a folder that cannot be written fails with an Input error; the file is untouched.
    fs::permissions(dir, fs::perms::owner_read | fs::perms::owner_exec);
    bool failed = false;
    Project other;
    try {
        save_project(other, path);
    } catch (const hoi::Error& e) {
        failed = e.kind() == hoi::ErrorKind::Input;
    }
    fs::permissions(dir, fs::perms::owner_all);
    if (::geteuid() != 0) QVERIFY(failed); // root ignores permissions
    if (failed) QVERIFY(load_project(path) == p);
    // No temporary files are left behind by successful saves.
    save_project(other, path);
    int files = 0;
    for (const auto& e : fs::directory_iterator(dir)) {
        Q_UNUSED(e);
        ++files;
    }
    QCOMPARE(files, 1);
}

void TstProjectFile::recoveryStoreLifecycle() {
    QTemporaryDir tmp;
    const std::string path = tmp.path().toStdString() + "/work.hoiproj";
    RecoveryStore store(path);
    QCOMPARE(store.recovery_path(), tmp.path().toStdString() + "/.work.hoiproj.recovery.json");
    QVERIFY(!store.has_recovery());
    QVERIFY(!store.has_newer_recovery());
    Project p = hoi::test::rich_project();
    store.write(p);
    QVERIFY(store.has_recovery());
    QVERIFY(store.has_newer_recovery()); // no project file yet
    QVERIFY(store.load_recovery() == p);
    store.save(p);
    QVERIFY(!store.has_recovery());
    QVERIFY(load_project(path) == p);
    store.discard(); // no error when absent
    // A corrupt recovery file is an error on load, not a crash.
    std::ofstream(store.recovery_path()) << "{\"schema_version\": 2, \"images\": [";
    QVERIFY_THROWS_EXCEPTION(hoi::Error, store.load_recovery());
}

void TstProjectFile::recoveryNewerThanProject() {
    QTemporaryDir tmp;
    const std::string path = tmp.path().toStdString() + "/work.hoiproj";
    RecoveryStore store(path);
    Project p = hoi::test::rich_project();
    store.save(p);
    // Edits after the save are autosaved: the recovery is newer than the project.
    p.document.set_image_reviewed(p.document.images()[0].id, true);
    store.write(p);
    fs::last_write_time(path, fs::last_write_time(store.recovery_path()) - std::chrono::seconds(30));
    QVERIFY(store.has_newer_recovery());
    QVERIFY(store.load_recovery() == p);
    // A project saved after the recovery file (by another program) makes it stale.
    fs::last_write_time(path, fs::last_write_time(store.recovery_path()) + std::chrono::seconds(30));
    QVERIFY(!store.has_newer_recovery());
    QVERIFY(store.has_recovery());
}

QTEST_GUILESS_MAIN(TstProjectFile)
#include "tst_project_file.moc"
