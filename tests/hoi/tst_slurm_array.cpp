// The cluster path on a real scheduler: a single-node Slurm (Debian's slurm-wlm and munge) started
// on localhost in a folder of its own, the README's array job of `hoi run --shard K/N` submitted
// over sample images, one task killed midway and submitted again (it resumes), the shards merged
// with `hoi merge`, and the result compared byte for byte with one `hoi run` over the same images.
// Skipped, with the reason, where Slurm or munge is not installed (installer/setup-deps installs
// them) or the test does not run as root (slurmd starts jobs as their user).
#include "test_util.h"

#include "clip/synthetic.h"

#include <QProcess>
#include <QTemporaryDir>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace {

QString tool(const char* name) {
    for (const char* dir : {"/usr/sbin", "/usr/bin", "/sbin", "/bin"}) {
        const QString p = QString("%1/%2").arg(dir, name);
        if (QFileInfo(p).isExecutable()) return p;
    }
    return {};
}

// A port nothing listens on now (the kernel's pick for port 0).
int freePort() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    int port = 0;
    if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0) ::close(fd);
    return port;
}

QByteArray readFile(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

} // namespace

class TestSlurmArray : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;
    QString dir_, conf_;
    QProcessEnvironment env_;
    bool started_ = false;

    QString path(const QString& name) const { return dir_ + "/" + name; }

    // Runs a Slurm client command; returns its stdout (fails the test on a non-zero exit).
    QString slurm(const QString& program, const QStringList& args, bool mustSucceed = true) {
        QProcess p;
        p.setProcessEnvironment(env_);
        p.start(tool(program.toUtf8().constData()), args);
        p.waitForFinished(60000);
        if (mustSucceed && (p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0))
            qWarning("%s %s: %s", qPrintable(program), qPrintable(args.join(' ')), p.readAllStandardError().constData());
        return QString::fromUtf8(p.readAllStandardOutput()).trimmed();
    }
    bool startDaemon(const QString& program, const QStringList& args) {
        QProcess p;
        p.setProcessEnvironment(env_);
        p.start(tool(program.toUtf8().constData()), args);
        return p.waitForFinished(30000) && p.exitCode() == 0;
    }
    // Waits until the job has no task pending or running (squeue lists none).
    bool waitForJob(const QString& job, int seconds) {
        for (int i = 0; i < seconds * 5; ++i) {
            if (slurm("squeue", {"-h", "-j", job, "-o", "%i %T"}, false).isEmpty()) return true;
            QThread::msleep(200);
        }
        return false;
    }

private Q_SLOTS:
    void initTestCase() {
        for (const char* t : {"slurmctld", "slurmd", "munged", "sbatch", "squeue", "scancel"})
            if (tool(t).isEmpty())
                QSKIP(qPrintable(QString("%1 not found: install Debian's slurm-wlm and munge (installer/setup-deps "
                                         "does, as root)").arg(t)));
        if (::geteuid() != 0) QSKIP("the single-node Slurm of this test runs as root (slurmd starts jobs as their user)");
        HOI_REQUIRE_FILE(hoi::test::models_dir() + "/nanodet.json");
        HOI_REQUIRE_FILE(hoi::test::samples_dir() + "/person.jpg");
        HOI_REQUIRE_FILE(hoi::test::bin_path("hoi"));
        QVERIFY(tmp_.isValid());
        dir_ = tmp_.path();
        for (const char* d : {"state", "spool", "log", "run", "images", "out"}) QVERIFY(QDir(dir_).mkpath(d));

        // munge with a key of our own on a socket of our own.
        {
            QFile key(path("munge.key"));
            QVERIFY(key.open(QIODevice::WriteOnly));
            std::ifstream rnd("/dev/urandom", std::ios::binary);
            QByteArray bytes(1024, '\0');
            rnd.read(bytes.data(), bytes.size());
            key.write(bytes);
            key.close();
            key.setPermissions(QFileDevice::ReadOwner);
        }
        QVERIFY2(startDaemon("munged", {"--force", "--key-file=" + path("munge.key"), "--socket=" + path("run/munge.sock"),
                                        "--log-file=" + path("log/munged.log"), "--pid-file=" + path("run/munged.pid"),
                                        "--seed-file=" + path("run/munged.seed")}),
                 readFile(path("log/munged.log")).constData());

        // slurm.conf: one node (this machine), one partition, everything under dir_.
        const QString host = QSysInfo::machineHostName();
        conf_ = path("slurm.conf");
        {
            QFile c(conf_);
            QVERIFY(c.open(QIODevice::WriteOnly | QIODevice::Text));
            QTextStream s(&c);
            s << "ClusterName=hoitest\n"
              << "SlurmctldHost=" << host << "(127.0.0.1)\n"
              << "SlurmctldPort=" << freePort() << "\nSlurmdPort=" << freePort() << "\n"
              << "SlurmUser=root\nSlurmdUser=root\n"
              << "AuthType=auth/munge\nCredType=cred/munge\nAuthInfo=socket=" << path("run/munge.sock") << "\n"
              << "StateSaveLocation=" << path("state") << "\nSlurmdSpoolDir=" << path("spool") << "\n"
              << "SlurmctldPidFile=" << path("run/slurmctld.pid") << "\nSlurmdPidFile=" << path("run/slurmd.pid") << "\n"
              << "SlurmctldLogFile=" << path("log/slurmctld.log") << "\nSlurmdLogFile=" << path("log/slurmd.log") << "\n"
              << "ProctrackType=proctrack/linuxproc\nTaskPlugin=task/none\nJobAcctGatherType=jobacct_gather/none\n"
              << "AccountingStorageType=accounting_storage/none\nJobCompType=jobcomp/none\n"
              << "SchedulerType=sched/builtin\nSelectType=select/cons_tres\nSelectTypeParameters=CR_CPU\n"
              << "MpiDefault=none\nSwitchType=switch/none\nReturnToService=2\nKillWait=2\nInactiveLimit=0\n"
              << "NodeName=" << host << " NodeAddr=127.0.0.1 CPUs=" << std::thread::hardware_concurrency()
              << " State=UNKNOWN\n"
              << "PartitionName=hoi Nodes=ALL Default=YES MaxTime=INFINITE State=UP\n";
        }
        env_ = QProcessEnvironment::systemEnvironment();
        env_.insert("SLURM_CONF", conf_);
        QVERIFY2(startDaemon("slurmctld", {"-f", conf_}), readFile(path("log/slurmctld.log")).right(2000).constData());
        started_ = true;
        QVERIFY2(startDaemon("slurmd", {"-f", conf_}), readFile(path("log/slurmd.log")).right(2000).constData());
        bool idle = false;
        for (int i = 0; i < 150 && !idle; ++i) {
            idle = slurm("sinfo", {"-h", "-o", "%T"}, false).startsWith("idle");
            if (!idle) QThread::msleep(200);
        }
        QVERIFY2(idle, readFile(path("log/slurmd.log")).right(2000).constData());

        // The work: a small random-weight CLIP model and nine images (copies of the samples).
        hoi::clip::write_synthetic_model(path("tiny.pt").toStdString(), hoi::clip::tiny_vit_config(), 5);
        const char* samples[] = {"person.jpg", "messi5.jpg", "dog.jpg", "kite.jpg"};
        for (int i = 0; i < 9; ++i)
            QVERIFY(QFile::copy(QString::fromStdString(hoi::test::samples_dir() + "/") + samples[i % 4],
                                path(QString("images/%1_%2").arg(i, 2, 10, QChar('0')).arg(samples[i % 4]))));
    }

    void cleanupTestCase() {
        if (!started_) return;
        slurm("scancel", {"-u", "root"}, false);
        for (const char* pid : {"run/slurmd.pid", "run/slurmctld.pid", "run/munged.pid"}) {
            const int p = readFile(path(pid)).trimmed().toInt();
            if (p > 0) ::kill(p, SIGTERM);
        }
        QThread::msleep(500);
    }

    void arrayJobMergesToOneRun() {
        const QString hoi = QString::fromStdString(hoi::test::bin_path("hoi"));
        const QStringList run = {"--clip", path("tiny.pt"), "--prompt", "kick sports ball", "--prompt", "fly kite",
                                 "--prompt", "ride horse"};
        // The reference: one run over every image.
        auto single = hoi::test::run_hoi(QStringList{"run", path("images")} + run + QStringList{"--out", path("single.json")},
                                         600000);
        QVERIFY2(single.exit_code == 0, single.err.c_str());

        // The README's array job (three shards), each task writing its own file.
        QFile script(path("job.sh"));
        QVERIFY(script.open(QIODevice::WriteOnly | QIODevice::Text));
        QTextStream(&script) << "#!/bin/bash\n"
                             << "#SBATCH --array=1-3 --cpus-per-task=1\n"
                             << "export HOI_MODELS=" << QString::fromStdString(hoi::test::models_dir()) << "\n"
                             << "export HOI_TEXT_CACHE=" << path("textcache") << "\n"
                             << "exec " << hoi << " run " << path("images") << " --clip " << path("tiny.pt")
                             << " --prompt 'kick sports ball' --prompt 'fly kite' --prompt 'ride horse'"
                             << " --shard ${SLURM_ARRAY_TASK_ID}/3 --out " << path("out/preds.${SLURM_ARRAY_TASK_ID}.json") << "\n";
        script.close();
        const QString job = slurm("sbatch", {"--parsable", "-o", path("log/task.%a.out"), "-e", path("log/task.%a.err"),
                                             path("job.sh")});
        QVERIFY2(!job.isEmpty(), "sbatch printed no job id");

        // Kill task 2 as soon as it has written its first image (a node lost midway).
        bool killed = false;
        for (int i = 0; i < 3000 && !killed; ++i) {
            if (readFile(path("log/task.2.err")).contains("[1/3]")) {
                slurm("scancel", {"--signal=KILL", job + "_2"}, false);
                killed = true;
            } else if (readFile(path("log/task.2.err")).contains("[3/3]")) {
                break;
            }
            QThread::msleep(20);
        }
        QVERIFY2(waitForJob(job, 600), "the array job did not finish within 10 minutes");
        QVERIFY2(killed, "task 2 finished before it could be killed");
        const QByteArray partial = readFile(path("out/preds.2.json"));
        QVERIFY2(!partial.isEmpty(), "the killed task left no valid output");
        QVERIFY(readFile(path("out/preds.1.json")).size() > 0 && readFile(path("out/preds.3.json")).size() > 0);
        // Merging now is refused: shard 2 is incomplete.
        auto early = hoi::test::run_hoi({"merge", path("out/preds.1.json"), path("out/preds.2.json"),
                                         path("out/preds.3.json"), "--out", path("merged.json")});
        QVERIFY2(early.exit_code != 0, early.out.c_str());

        // Submit the lost task again: it resumes.
        const QString again = slurm("sbatch", {"--parsable", "--array=2", "-o", path("log/task.again.out"), "-e",
                                               path("log/task.again.err"), path("job.sh")});
        QVERIFY(!again.isEmpty());
        QVERIFY2(waitForJob(again, 600), "the resubmitted task did not finish");
        QVERIFY2(readFile(path("log/task.again.err")).contains("resuming"), readFile(path("log/task.again.err")).constData());

        auto merged = hoi::test::run_hoi({"merge", path("out/preds.1.json"), path("out/preds.2.json"),
                                          path("out/preds.3.json"), "--out", path("merged.json")});
        QVERIFY2(merged.exit_code == 0, merged.err.c_str());
        QVERIFY(readFile(path("merged.json")) == readFile(path("single.json")));
    }
};

QTEST_GUILESS_MAIN(TestSlurmArray)
#include "tst_slurm_array.moc"
