// Runs every fuzz target (tests/fuzz/fuzz_<name>.cpp, built with clang++ and libFuzzer) for a
// bounded time on its seed corpus (annotation importers: tests/data/annotation/seeds/<format>; model
// loaders and the image loader: tests/fuzz/corpus/<name>); fails when one crashes, leaks, times out
// or breaks an invariant.
#include <QtTest>

#include <QDir>
#include <QProcess>
#include <QTemporaryDir>

#ifndef HOI_FUZZ_AVAILABLE
#define HOI_FUZZ_AVAILABLE 0
#define HOI_FUZZ_BIN_DIR ""
#define HOI_FUZZ_SEED_DIR ""
#define HOI_FUZZ_CORPUS_DIR ""
#endif

class TstFuzzImporters : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void fuzz_data();
    void fuzz();
};

void TstFuzzImporters::fuzz_data() {
    QTest::addColumn<QString>("format");
    QTest::addColumn<QString>("seeds");
    for (const char* f : {"hico", "vcoco", "instances", "coco", "csv", "project"})
        QTest::newRow(f) << QString(f) << QString(HOI_FUZZ_SEED_DIR) + "/" + f;
    for (const char* f : {"safetensors", "pt_archive", "tfjs_manifest", "image"})
        QTest::newRow(f) << QString(f) << QString(HOI_FUZZ_CORPUS_DIR) + "/" + f;
}

void TstFuzzImporters::fuzz() {
    QFETCH(QString, format);
    QFETCH(QString, seeds);
    if (!HOI_FUZZ_AVAILABLE)
        QSKIP("clang++ with libFuzzer (-fsanitize=fuzzer) is not available: install clang and libclang-rt-dev");
    const QString bin = QString(HOI_FUZZ_BIN_DIR) + "/fuzz_" + format;
    QVERIFY2(QFileInfo(bin).isExecutable(), qPrintable("fuzzer not built: " + bin));
    QVERIFY2(QDir(seeds).exists(), qPrintable("missing seed corpus " + seeds));
    // Seconds per fuzzer: HOI_FUZZ_SECONDS, default 8 (nine targets: about 75 s in all).
    const int seconds = qEnvironmentVariableIsSet("HOI_FUZZ_SECONDS") ? qEnvironmentVariableIntValue("HOI_FUZZ_SECONDS") : 8;

    QTemporaryDir work; // the corpus grows here, never in the source tree
    QVERIFY(work.isValid());
    const QString corpus = work.path() + "/corpus";
    QVERIFY(QDir().mkpath(corpus));
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0");
    p.setProcessEnvironment(env);
    p.start(bin, {QString("-max_total_time=%1").arg(seconds), "-timeout=10", "-rss_limit_mb=2048",
                  "-max_len=65536", "-print_final_stats=1", "-artifact_prefix=" + work.path() + "/", corpus, seeds});
    QVERIFY2(p.waitForStarted(10000), qPrintable("cannot start " + bin));
    if (!p.waitForFinished((seconds + 120) * 1000)) {
        p.kill();
        p.waitForFinished();
        QFAIL(qPrintable("fuzzer did not stop: " + bin));
    }
    const QString out = QString::fromLocal8Bit(p.readAll());
    QString artifacts;
    for (const QString& f : QDir(work.path()).entryList({"crash-*", "leak-*", "timeout-*", "oom-*"}, QDir::Files))
        artifacts += f + " ";
    if (p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0 || !artifacts.isEmpty()) {
        // Keep the reproducer: copy it to the build folder for a rerun (fuzz_<format> FILE).
        for (const QString& f : QDir(work.path()).entryList({"crash-*", "leak-*", "timeout-*", "oom-*"}, QDir::Files))
            QFile::copy(work.path() + "/" + f, QDir::currentPath() + "/fuzz_" + format + "_" + f);
        QFAIL(qPrintable("fuzz_" + format + " found a problem (" + artifacts + "):\n" + out.right(6000)));
    }
    QVERIFY2(out.contains("Done"), qPrintable(out.right(2000)));
    const int runs_at = out.indexOf("stat::number_of_executed_units:");
    if (runs_at >= 0) qInfo("%s", qPrintable(out.mid(runs_at, out.indexOf('\n', runs_at) - runs_at)));
}

QTEST_GUILESS_MAIN(TstFuzzImporters)
#include "tst_fuzz_importers.moc"
