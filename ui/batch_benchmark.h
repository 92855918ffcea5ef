#pragma once
// The GUI's batch, measured: Analyse All on what a MainWindow has open, timed per image, with the
// event loop's worst latency (a 5 ms probe timer: the largest gap between two ticks) while results
// arrive. `hoi-studio --bench DIR` prints it as JSON, to compare with `hoi run` on the same folder
// (README: speed of the GUI batch). A measurement, never asserted by a test.
#include <QObject>
#include <QString>
#include <functional>

namespace hoi::ui {

class MainWindow;

struct BatchBenchResult {
    int images = 0;
    double seconds = 0;          // wall time of the batch (first submit to last result)
    double worstLatencyMs = 0;   // largest gap between probe ticks during the batch
    double meanLatencyMs = 0;    // mean gap
    QString toJson() const;
};

// Runs Analyse All once the window is idle and calls done with the result.
void runBatchBenchmark(MainWindow& window, std::function<void(const BatchBenchResult&)> done);

} // namespace hoi::ui
