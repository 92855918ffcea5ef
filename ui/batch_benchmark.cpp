#include "batch_benchmark.h"

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTimer>
#include <algorithm>
#include <memory>

#include "main_window.h"

namespace hoi::ui {

QString BatchBenchResult::toJson() const {
    QJsonObject o;
    o["images"] = images;
    o["seconds"] = seconds;
    o["ms_per_image"] = images > 0 ? seconds * 1000.0 / images : 0.0;
    o["event_loop_worst_ms"] = worstLatencyMs;
    o["event_loop_mean_ms"] = meanLatencyMs;
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Indented));
}

void runBatchBenchmark(MainWindow& w, std::function<void(const BatchBenchResult&)> done) {
    w.whenIdle([&w, done = std::move(done)] {
        struct State {
            QElapsedTimer clock;
            QTimer probe;
            qint64 last = 0, worst = 0, sum = 0, ticks = 0;
        };
        auto st = std::make_shared<State>();
        st->probe.setInterval(5);
        QObject::connect(&st->probe, &QTimer::timeout, &w, [st] {
            const qint64 now = st->clock.nsecsElapsed();
            if (st->last) {
                st->worst = std::max(st->worst, now - st->last);
                st->sum += now - st->last;
                ++st->ticks;
            }
            st->last = now;
        });
        st->clock.start();
        st->probe.start();
        w.analyseAll();
        w.whenIdle([&w, st, done] {
            st->probe.stop();
            BatchBenchResult r;
            r.images = int(w.workspace()->document().images().size());
            r.seconds = double(st->clock.nsecsElapsed()) / 1e9;
            r.worstLatencyMs = double(st->worst) / 1e6;
            r.meanLatencyMs = st->ticks ? double(st->sum) / double(st->ticks) / 1e6 : 0.0;
            done(r);
        });
    });
}

} // namespace hoi::ui
