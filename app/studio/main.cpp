// hoi-studio: the HOI Studio desktop application.
//
//   hoi-studio [--prompt P]... [--hico] [--clip MODEL] [INPUT...]
//   hoi-studio --screenshot FILE [--select-first-pair] [--size WxH] [--prompt P]... INPUT...
//   hoi-studio --bench [--prompt P]... [--hico] [--clip MODEL] INPUT...   (the GUI batch, timed; JSON)
//
// INPUT: images, folders, a project file (.hoiproj) or an annotation file (HICO-DET / COCO /
// instances JSON, CSV) followed by its image folder. --screenshot opens the inputs, waits until
// every image is analysed (and the selected pair's heatmap is drawn), saves a PNG of the whole
// window and exits (0 on success, 1 when something failed).
#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QImage>
#include <QTimer>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "batch_benchmark.h"
#include "core.h"
#include "main_window.h"
#include "prompt_bar.h"
#include "studio_style.h"

namespace {

int fail(const QString& message) {
    std::fprintf(stderr, "hoi-studio: %s\n", qPrintable(message));
    return 1;
}

// --help, --version and --screenshot need no screen: without one (no DISPLAY or WAYLAND_DISPLAY,
// as over ssh or in CI) they run on Qt's offscreen platform instead of failing to start.
void useOffscreenWithoutDisplay(int argc, char** argv) {
    if (std::getenv("QT_QPA_PLATFORM") || std::getenv("DISPLAY") || std::getenv("WAYLAND_DISPLAY")) return;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--help" || a == "-h" || a == "--help-all" || a == "--version" || a == "-v" || a == "--screenshot" ||
            a == "--bench" ||
            a.rfind("--screenshot=", 0) == 0) {
            setenv("QT_QPA_PLATFORM", "offscreen", 0);
            return;
        }
    }
}

} // namespace

int main(int argc, char** argv) {
    useOffscreenWithoutDisplay(argc, argv);
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("hoi-studio"));
    QApplication::setApplicationName(QStringLiteral("hoi-studio"));
    QApplication::setApplicationDisplayName(QStringLiteral("HOI Studio"));
    QApplication::setApplicationVersion(QStringLiteral(HOI_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("hoi-studio"));
    hoi::init_runtime();

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Zero-shot human-object interaction detection and annotation."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("inputs"),
                                 QStringLiteral("Images, folders, a project file, or an annotation file and its image folder."),
                                 QStringLiteral("[INPUT...]"));
    QCommandLineOption promptOpt(QStringLiteral("prompt"), QStringLiteral("A prompt such as \"ride horse\" (repeatable)."),
                                 QStringLiteral("P"));
    QCommandLineOption hicoOpt(QStringLiteral("hico"), QStringLiteral("Use the 600 HICO-DET classes as prompts."));
    QCommandLineOption clipOpt(QStringLiteral("clip"), QStringLiteral("CLIP model file (before HOI_CLIP and the setting)."),
                               QStringLiteral("MODEL"));
    QCommandLineOption shotOpt(QStringLiteral("screenshot"),
                               QStringLiteral("Analyse the inputs, save a PNG of the window to FILE and exit."),
                               QStringLiteral("FILE"));
    QCommandLineOption firstPairOpt(QStringLiteral("select-first-pair"),
                                    QStringLiteral("With --screenshot: select the best pair so its heatmap shows."));
    QCommandLineOption sizeOpt(QStringLiteral("size"), QStringLiteral("Window size for --screenshot (default 1500x900)."),
                               QStringLiteral("WxH"), QStringLiteral("1500x900"));
    QCommandLineOption timeoutOpt(QStringLiteral("timeout"), QStringLiteral("With --screenshot: give up after SECONDS (default 600)."),
                                  QStringLiteral("SECONDS"), QStringLiteral("600"));
    QCommandLineOption benchOpt(QStringLiteral("bench"),
                                QStringLiteral("Analyse every input image as Analyse All does, print the time per image and the "
                                               "event loop's worst latency as JSON, and exit."));
    parser.addOptions({promptOpt, hicoOpt, clipOpt, shotOpt, firstPairOpt, sizeOpt, timeoutOpt, benchOpt});
    parser.process(app);

    hoi::ui::applyStudioStyle(app);
    const QString shot = parser.value(shotOpt);
    const bool bench = parser.isSet(benchOpt);
    const bool screenshot = !shot.isEmpty() || bench; // both run unattended
    const QStringList inputs = parser.positionalArguments();
    if (screenshot && inputs.isEmpty()) return fail(bench ? QStringLiteral("--bench needs at least one input")
                                                          : QStringLiteral("--screenshot needs at least one input"));

    hoi::ui::MainWindow::Options opt;
    opt.clipPath = parser.value(clipOpt);
    if (screenshot) {
        opt.useSettings = false;
        opt.askOnClose = false;
        opt.recovery = hoi::ui::MainWindow::RecoveryPolicy::Ignore;
        opt.interactive = false;
        opt.autoAnalyse = !bench; // the bench times Analyse All alone
    }
    hoi::ui::MainWindow w(opt);
    if (screenshot) {
        const QStringList wh = parser.value(sizeOpt).split(QLatin1Char('x'));
        const int width = wh.value(0).toInt(), height = wh.value(1).toInt();
        if (width < 400 || height < 300) return fail(QStringLiteral("--size must be at least 400x300"));
        w.resize(width, height);
    } else {
        if (w.size().width() < 800) w.resize(1400, 880);
    }
    w.show();

    QStringList prompts = parser.values(promptOpt);
    if (parser.isSet(hicoOpt)) prompts.prepend(QLatin1String(hoi::ui::PromptBar::kHicoPreset));
    if (!prompts.isEmpty()) w.setPrompts(prompts);
    // Unsaved work of a session that did not end normally is offered first, whatever the inputs
    // (the screenshot mode's policy leaves it untouched).
    if (!w.start(inputs) && screenshot) return fail(QStringLiteral("could not open the inputs"));
    if (!screenshot) return app.exec();
    if (bench) {
        QTimer::singleShot(0, &app, [&] {
            hoi::ui::runBatchBenchmark(w, [&](const hoi::ui::BatchBenchResult& r) {
                std::printf("%s", qPrintable(r.toJson()));
                app.exit(w.engineReady() ? 0 : 1);
            });
        });
        return app.exec();
    }

    // ---- screenshot mode ----
    int exitCode = 1;
    QTimer timeout;
    timeout.setSingleShot(true);
    QObject::connect(&timeout, &QTimer::timeout, &app, [&] {
        std::fprintf(stderr, "hoi-studio: timed out waiting for the analysis\n");
        app.exit(1);
    });
    timeout.start(parser.value(timeoutOpt).toInt() * 1000);
    const bool selectPair = parser.isSet(firstPairOpt);
    auto grab = [&] {
        // Let the last repaints (the inspector's OpenGL frame) happen before grabbing.
        QTimer::singleShot(400, &app, [&] {
            const QImage img = w.grab().toImage();
            if (img.isNull() || !img.save(shot, "PNG")) {
                std::fprintf(stderr, "hoi-studio: could not write %s\n", qPrintable(shot));
                app.exit(1);
                return;
            }
            std::printf("%s\n", qPrintable(QFileInfo(shot).absoluteFilePath()));
            exitCode = 0;
            app.exit(0);
        });
    };
    auto afterAnalysis = [&] {
        if (selectPair && !w.selectBestPair())
            std::fprintf(stderr, "hoi-studio: no pair to select (no people or objects, or no scores)\n");
        w.whenIdle(grab);
    };
    // 1. models loaded and the first image analysed; 2. every image analysed; 3. pair + heatmap.
    QTimer::singleShot(0, &app, [&] {
        w.whenIdle([&] {
            if (!w.engineReady()) {
                std::fprintf(stderr, "hoi-studio: the models could not be loaded: %s\n", qPrintable(w.bannerText()));
                w.whenIdle(grab);
                return;
            }
            w.analyseAll();
            w.whenIdle(afterAnalysis);
        });
    });
    const int rc = app.exec();
    return rc == 0 ? exitCode : rc;
}
