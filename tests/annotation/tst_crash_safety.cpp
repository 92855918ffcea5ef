// Kills a writer (hoi convert --to project, and its --recovery variant) with SIGKILL at varied
// moments and checks that the target file is never corrupt: it always loads and equals either the
// old or the new content.
#include <QtTest>

#include "annotation_fixtures.h"
#include "annotation/formats.h"
#include "annotation/recovery_store.h"
#include "io/atomic_file.h"
#include "io/error.h"
#include "test_util.h"

#include <QElapsedTimer>
#include <QProcess>
#include <QThread>

#include <chrono>
#include <filesystem>
#include <fstream>

using namespace hoi::annotation;
using hoi::test::make_instance;
using hoi::test::make_interaction;

namespace {

// A large document (several MB as JSON), different for each seed.
Project generate(int seed, int images) {
    Project p;
    Document& d = p.document;
    p.settings.prompts = {"seed " + std::to_string(seed)};
    for (int i = 0; i < images; ++i) {
        Id im = d.add_image({0, "dir" + std::to_string(i % 17) + "/img_" + std::to_string(i) + ".jpg", 640, 480, (i + seed) % 3 == 0});
        std::vector<Id> ids;
        for (int k = 0; k < 5; ++k) {
            double x = (i * 7 + k * 13 + seed) % 300 + 0.25 * k;
            ids.push_back(d.add_instance(make_instance(im, {x, x / 2, x + 100.5, x / 2 + 200},
                                                       ObjectClass::coco(k == 0 ? 0 : (i + k + seed) % 80),
                                                       k % 2 ? std::optional<double>(0.001 * ((i * k + seed) % 1000)) : std::nullopt)));
        }
        for (int k = 1; k < 5; ++k)
            d.add_interaction(make_interaction(ids[0], ids[static_cast<size_t>(k)], k % 2 ? "ride" : "hold something",
                                               0.5 + 0.0001 * k, std::nullopt, "prompt " + std::to_string(seed)));
    }
    return p;
}

} // namespace

class TstCrashSafety : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void killedProjectWriteNeverCorrupts();
    void killedRecoveryWriteNeverCorrupts();
    void staleTemporariesAreSwept();

private:
    void run_kills(bool recovery);
    QTemporaryDir tmp_;
    Project a_, b_;
    std::string in_a_, in_b_;
};

void TstCrashSafety::initTestCase() {
    HOI_REQUIRE_FILE(hoi::test::bin_path("hoi"));
    QVERIFY(tmp_.isValid());
    a_ = generate(1, 3000);
    b_ = generate(2, 3000);
    QVERIFY(a_ != b_);
    in_a_ = tmp_.path().toStdString() + "/a.hoiproj";
    in_b_ = tmp_.path().toStdString() + "/b.hoiproj";
    save_project(a_, in_a_);
    save_project(b_, in_b_);
}

void TstCrashSafety::run_kills(bool recovery) {
    const std::string target = tmp_.path().toStdString() + (recovery ? "/r.hoiproj" : "/t.hoiproj");
    const std::string checked = recovery ? RecoveryStore::recovery_path_for(target) : target;
    auto args = [&](const std::string& in) {
        QStringList a{"convert", "--from", "project", "--to", "project"};
        if (recovery) a << "--recovery";
        a << QString::fromStdString(in) << QString::fromStdString(target);
        return a;
    };
    // A complete run first: the target holds B, and the run's duration spreads the kill moments.
    QElapsedTimer timer;
    timer.start();
    auto full = hoi::test::run_hoi(args(in_b_), 300000);
    const qint64 duration = timer.elapsed();
    QVERIFY2(full.exit_code == 0, full.err.c_str());
    QVERIFY(load_project(checked) == b_);

    const int rounds = 14;
    int killed = 0, completed = 0;
    for (int i = 0; i < rounds; ++i) {
        const std::string& in = i % 2 ? in_b_ : in_a_;
        QProcess p;
        p.start(QString::fromStdString(hoi::test::bin_path("hoi")), args(in));
        QVERIFY(p.waitForStarted(10000));
        // Kill moments from early (start-up, parsing) to late (writing, renaming), past the end.
        const qint64 delay = duration * (i + 1) / rounds + (i % 3) * 7;
        QThread::msleep(static_cast<unsigned long>(delay));
        p.kill(); // SIGKILL
        p.waitForFinished(60000);
        if (p.exitStatus() == QProcess::CrashExit) ++killed;
        else ++completed;
        Project now;
        try {
            now = load_project(checked);
        } catch (const hoi::Error& e) {
            QFAIL(qPrintable(QString("round %1 (kill after %2 ms): the file is corrupt: %3").arg(i).arg(delay).arg(e.what())));
        }
        QVERIFY2(now == a_ || now == b_, qPrintable(QString("round %1: the file is neither the old nor the new content").arg(i)));
    }
    qInfo("%d writers killed, %d completed before the kill (full run %lld ms)", killed, completed, duration);
    QVERIFY(killed > 0);
}

void TstCrashSafety::killedProjectWriteNeverCorrupts() { run_kills(false); }
void TstCrashSafety::killedRecoveryWriteNeverCorrupts() { run_kills(true); }

// A writer killed mid-write leaves its temporary file; the next write of the same target removes
// those older than ten minutes, and nothing else.
void TstCrashSafety::staleTemporariesAreSwept() {
    QTemporaryDir dir;
    const std::filesystem::path d = dir.path().toStdString();
    auto touch = [&](const std::string& name, std::chrono::minutes age) {
        std::ofstream(d / name) << "partial";
        std::filesystem::last_write_time(d / name, std::filesystem::file_time_type::clock::now() - age);
    };
    touch(".t2.json.tmp-AbC123", std::chrono::minutes(60));   // stale: removed
    touch(".t2.json.tmp-XyZ789", std::chrono::minutes(1));    // may belong to a live writer: kept
    touch(".other.json.tmp-AbC123", std::chrono::minutes(60)); // another target: kept
    touch("t2.json.tmp-AbC123", std::chrono::minutes(60));     // not a temporary name: kept
    hoi::io::write_file_atomic((d / "t2.json").string(), "{}");
    QVERIFY(!std::filesystem::exists(d / ".t2.json.tmp-AbC123"));
    QVERIFY(std::filesystem::exists(d / ".t2.json.tmp-XyZ789"));
    QVERIFY(std::filesystem::exists(d / ".other.json.tmp-AbC123"));
    QVERIFY(std::filesystem::exists(d / "t2.json.tmp-AbC123"));
    QCOMPARE(hoi::io::read_file((d / "t2.json").string()), std::string("{}"));
}

QTEST_GUILESS_MAIN(TstCrashSafety)
#include "tst_crash_safety.moc"
