#pragma once
// Progress and cancellation for long core operations (whisper.cpp style: plain callbacks and a flag).
#include <atomic>
#include <functional>
#include <string>

namespace hoi {

struct Progress {
    std::string stage;   // e.g. "detect", "clip", "pairs", "classify"
    std::string item;    // the image or file being processed
    int done = 0;        // items finished
    int total = 0;       // items in all (0 when unknown)
};

using ProgressCallback = std::function<void(const Progress&)>;

// Cancellation token: long operations call check() between stages; it throws Error(Cancelled).
class CancelFlag {
public:
    void cancel() noexcept { flag_.store(true, std::memory_order_relaxed); }
    void reset() noexcept { flag_.store(false, std::memory_order_relaxed); }
    bool cancelled() const noexcept { return flag_.load(std::memory_order_relaxed); }
    void check() const;

private:
    std::atomic<bool> flag_{false};
};

} // namespace hoi
