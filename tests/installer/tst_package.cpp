// The Debian package: built with CPack from this build tree, inspected with dpkg-deb, every
// declared dependency resolvable on this machine, `hoi --version` run from the unpacked tree,
// and lintian without errors.
#include "test_util.h"

#include <QtTest>
#include <QDir>
#include <QFileInfo>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>

namespace {

struct Run {
    int code = -1; // -1 when the program could not start, timed out or crashed
    QString out, err;
};

Run run(const QString& program, const QStringList& args, const QString& cwd = {}, int timeout_ms = 900000,
        const QProcessEnvironment& env = {}) {
    const auto r = hoi::test::run_process(program, args, timeout_ms, {}, cwd, env);
    const bool finished = r.exit_code >= 0 && !r.crashed;
    return {finished ? r.exit_code : -1, QString::fromStdString(r.out), QString::fromStdString(r.err)};
}

} // namespace

class TestPackage : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;
    QString deb_;
    QString root_;

private Q_SLOTS:
    void initTestCase() {
        for (const char* tool : {"cpack", "dpkg-deb", "dpkg-query"})
            if (QStandardPaths::findExecutable(tool).isEmpty())
                QSKIP(qPrintable(QString("%1 is not installed (installer/setup-deps installs it)").arg(tool)));
        QVERIFY(tmp_.isValid());
        const QString build = QFileInfo(QString::fromStdString(hoi::test::bin_path("hoi"))).dir().absolutePath() + "/..";
        QVERIFY2(QFileInfo::exists(build + "/CPackConfig.cmake"), "CPackConfig.cmake missing in the build tree");
        Run r = run("cpack", {"-G", "DEB", "-B", tmp_.path()}, build);
        QVERIFY2(r.code == 0, qPrintable("cpack failed:\n" + r.out + r.err));
        const QStringList debs = QDir(tmp_.path()).entryList({"hoi-studio_*.deb"}, QDir::Files);
        QCOMPARE(debs.size(), 1);
        deb_ = tmp_.filePath(debs.first());
        root_ = tmp_.filePath("root");
        r = run("dpkg-deb", {"-x", deb_, root_});
        QVERIFY2(r.code == 0, qPrintable(r.err));
    }

    void controlFields() {
        Run r = run("dpkg-deb", {"-f", deb_, "Package", "Version", "Architecture"});
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.contains("Package: hoi-studio"));
        QVERIFY(r.out.contains("Version: " HOI_VERSION));
        QVERIFY(r.out.contains("Architecture: amd64"));
    }

    void everyDependencyResolves() {
        Run r = run("dpkg-deb", {"-f", deb_, "Depends"});
        QCOMPARE(r.code, 0);
        const QString depends = r.out.trimmed();
        QVERIFY2(depends.contains("libopenblas0-pthread"), qPrintable(depends));
        QVERIFY2(depends.contains("libtorch"), qPrintable("shlibdeps found no LibTorch: " + depends));
        // "a (>= 1), b | c" -> every group needs one installed (or installable) alternative.
        for (QString group : depends.split(',', Qt::SkipEmptyParts)) {
            bool ok = false;
            QStringList tried;
            for (QString alt : group.split('|')) {
                const QString name = alt.trimmed().section(' ', 0, 0).section(':', 0, 0);
                tried << name;
                Run q = run("dpkg-query", {"-W", "-f=${Status}", name});
                if (q.code == 0 && q.out.contains("install ok installed")) { ok = true; break; }
                Run a = run("apt-cache", {"show", name});
                if (a.code == 0 && a.out.contains("Package: " + name)) { ok = true; break; }
            }
            QVERIFY2(ok, qPrintable("dependency does not resolve: " + tried.join(" | ")));
        }
    }

    void installedLayout() {
        for (const char* f : {"usr/bin/hoi", "usr/share/hoi-studio/hico/hico_600.tsv",
                              "usr/share/hoi-studio/bpe_simple_vocab_16e6.txt.gz",
                              "usr/share/hoi-studio/models/manifests/nanodet.json",
                              "usr/share/applications/hoi-studio.desktop",
                              "usr/share/metainfo/io.github.hoi_studio.metainfo.xml",
                              "usr/share/icons/hicolor/scalable/apps/hoi-studio.svg",
                              "usr/share/doc/hoi-studio/copyright"})
            QVERIFY2(QFileInfo::exists(root_ + "/" + f), f);
        // No model weights inside the package.
        QVERIFY(QDir(root_).entryList({"*.pt", "*.bin", "*.safetensors"}, QDir::Files).isEmpty());
    }

    void hoiRunsFromThePackage() {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove("HOI_RESOURCES");
        Run r = run(root_ + "/usr/bin/hoi", {"--version"}, {}, 60000, env);
        QCOMPARE(r.code, 0);
        QCOMPARE(r.out.trimmed(), QString("hoi " HOI_VERSION));
    }

    void lintianHasNoErrors() {
        if (QStandardPaths::findExecutable("lintian").isEmpty()) QSKIP("lintian is not installed");
        Run r = run("lintian", {"--no-tag-display-limit", deb_});
        const QStringList errors = (r.out + r.err).split('\n').filter(QRegularExpression("^E: "));
        QVERIFY2(errors.isEmpty(), qPrintable(errors.join('\n')));
    }
};

QTEST_GUILESS_MAIN(TestPackage)
#include "tst_package.moc"
