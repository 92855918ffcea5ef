#include "test_util.h"

#include "core.h"

#include <QProcess>
#include <cstdlib>
#include <unistd.h>
#include <filesystem>

namespace fs = std::filesystem;

namespace hoi::test {

detect::Detection detection(float x1, float y1, float x2, float y2, int coco80, float score) {
    detect::Detection d;
    d.x1 = x1;
    d.y1 = y1;
    d.x2 = x2;
    d.y2 = y2;
    d.class_id = coco80;
    d.score = score;
    return d;
}

namespace {
// Every test process uses the same LibTorch threading as the applications, and a text-embedding
// cache of its own (children it starts inherit it), removed when it exits.
struct TestEnvironment {
    fs::path text_cache;
    TestEnvironment() {
        hoi::init_runtime();
        if (!std::getenv("HOI_TEXT_CACHE")) {
            text_cache = fs::temp_directory_path() / ("hoi-test-text-cache-" + std::to_string(::getpid()));
            ::setenv("HOI_TEXT_CACHE", text_cache.c_str(), 1);
        }
    }
    ~TestEnvironment() {
        std::error_code ec;
        if (!text_cache.empty()) fs::remove_all(text_cache, ec);
    }
};
const TestEnvironment environment;
} // namespace

std::string shared_data_dir() {
    if (const char* v = std::getenv("HOI_SHARED_DATA")) return v;
    std::error_code ec;
    fs::path p = fs::weakly_canonical(HOI_SHARED_DATA_DIR, ec);
    return fs::is_directory(p, ec) ? p.string() : std::string();
}

std::string samples_dir() { return std::string(HOI_SOURCE_DIR) + "/resources/samples"; }

std::string models_dir() {
    if (const char* v = std::getenv("HOI_MODELS")) return v;
    return std::string(HOI_SOURCE_DIR) + "/models/cache";
}

std::string test_data_dir() { return std::string(HOI_TEST_SOURCE_DIR) + "/data"; }

std::string bin_path(const std::string& name) { return std::string(HOI_BIN_DIR) + "/" + name; }

bool file_exists(const std::string& path) {
    std::error_code ec;
    return !path.empty() && fs::exists(path, ec);
}

ProcessResult run_process(const QString& program, const QStringList& args, int timeout_ms,
                          const QByteArray& stdin_data, const QString& cwd, const QProcessEnvironment& env) {
    QProcess p;
    if (!cwd.isEmpty()) p.setWorkingDirectory(cwd);
    if (!env.isEmpty()) p.setProcessEnvironment(env);
    p.start(program, args);
    ProcessResult r;
    if (!p.waitForStarted(10000)) {
        r.err = "could not start " + program.toStdString();
        return r;
    }
    if (!stdin_data.isEmpty()) p.write(stdin_data);
    p.closeWriteChannel();
    if (!p.waitForFinished(timeout_ms)) {
        p.kill();
        p.waitForFinished();
        r.err = program.toStdString() + " timed out";
        return r;
    }
    r.crashed = p.exitStatus() == QProcess::CrashExit;
    r.exit_code = p.exitCode();
    r.out = p.readAllStandardOutput().toStdString();
    r.err = p.readAllStandardError().toStdString();
    return r;
}

ProcessResult run_hoi(const QStringList& args, int timeout_ms, const QByteArray& stdin_data) {
    return run_process(QString::fromStdString(bin_path("hoi")), args, timeout_ms, stdin_data);
}

annotation::Project one_image_project(int width, int height) {
    annotation::Project p;
    annotation::Image img;
    img.file_name = "a.jpg";
    img.width = width;
    img.height = height;
    p.document.add_image(img);
    return p;
}

} // namespace hoi::test
