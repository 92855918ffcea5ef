#pragma once
// Time left in a batch, from a moving window of the most recent images (cached images included),
// so a batch whose speed changes — results from the cache, then images never seen — is estimated
// from how fast it goes now, not from its average since the start.
#include <QString>

#include <cstdint>
#include <deque>

namespace hoi::ui {

class EtaEstimator {
public:
    explicit EtaEstimator(int window = 20) : window_(window < 2 ? 2 : window) {}
    // An image finished at `ms` (a monotonic clock in milliseconds, e.g. QElapsedTimer::elapsed()).
    void imageDone(std::int64_t ms);
    // Seconds for `remaining` more images at the recent rate; -1 until two images have finished.
    double secondsLeft(int remaining) const;

private:
    int window_;
    std::deque<std::int64_t> done_;
};

// "42 s", "3 min 5 s": a time left, for the person.
QString formatDuration(double seconds);

} // namespace hoi::ui
