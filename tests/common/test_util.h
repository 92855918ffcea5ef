#pragma once
// Helpers shared by the Qt Test executables.
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>
#include <string>

#include "annotation/project.h"
#include "detect/detector.h"

namespace hoi::test {

// A project of one image (no file needed) of the given size, named a.jpg.
annotation::Project one_image_project(int width = 400, int height = 300);

// A detection box (image pixels), COCO-80 class and score.
detect::Detection detection(float x1, float y1, float x2, float y2, int coco80, float score);

// ../shared/data beside the checkout ("" when absent: tests that need it QSKIP).
std::string shared_data_dir();
// Sample images fetched at set-up (resources/samples): messi5.jpg, person.jpg, ...
std::string samples_dir();
// The models folder fetched at set-up (models/cache, or $HOI_MODELS).
std::string models_dir();
// The tests/data folder in the source tree.
std::string test_data_dir();
// build/bin/<name>
std::string bin_path(const std::string& name);

struct ProcessResult {
    int exit_code = -1;
    std::string out, err;
    bool crashed = false;
};
// Runs a program with the arguments (in cwd when given, with env when not empty); waits up to
// timeout_ms, then kills it.
ProcessResult run_process(const QString& program, const QStringList& args, int timeout_ms = 120000,
                          const QByteArray& stdin_data = {}, const QString& cwd = {},
                          const QProcessEnvironment& env = {});
// Runs build/bin/hoi with the arguments; waits up to timeout_ms.
ProcessResult run_hoi(const QStringList& args, int timeout_ms = 120000, const QByteArray& stdin_data = {});

bool file_exists(const std::string& path);

} // namespace hoi::test

// Skips the current test with a clear message when a fetched or shared file is absent.
#define HOI_REQUIRE_FILE(path)                                                                   \
    do {                                                                                         \
        if (!::hoi::test::file_exists(path))                                                     \
            QSKIP(qPrintable(QString("missing %1 (run `make test`, which fetches it)")           \
                                 .arg(QString::fromStdString(path))));                           \
    } while (0)
