#pragma once
// One parallel region for a sequence of small steps: the threads of ATen's pool (the OpenMP team
// at::parallel_for would use) run the same body, split each product among themselves and meet at
// barriers, instead of starting a region per step. A prompt through the text tower is 48 products
// of 0.5-2 MB of weights with a layer norm or an attention between them: a region per product and
// the layer norms' own regions cost as much as the products (ClipNetImpl::encode_one_prompt).
//
// Steps that are not split run on thread 0, the calling thread (its InferenceMode and other
// thread-local state apply), through serial(); small steps split in fixed parts (a layer norm's
// rows, an attention's heads) through each_part(). An exception in either is kept, later such
// steps are skipped, and run_on_team rethrows the first after the region, so every thread still
// reaches every barrier. Products split with apply_share must not throw.
#include <atomic>
#include <exception>
#include <functional>
#include <mutex>

namespace hoi::clip {

class ThreadTeam {
public:
    int index() const { return index_; } // 0 is the calling thread
    int size() const { return size_; }
    bool is_caller() const { return index_ == 0; }
    // Every thread of the team waits here until all have arrived.
    void barrier() const;
    // f() on the calling thread only (no barrier); skipped once a step has failed.
    void serial(const std::function<void()>& f) const;
    // f(part) for the parts [0, parts) this thread owns (no barrier): part `index` when the team has
    // `parts` threads (the caller planned them with team_threads()), else every part on the calling
    // thread. Skipped once a step has failed.
    void each_part(int parts, const std::function<void(int)>& f) const;

private:
    friend void run_on_team(const std::function<void(const ThreadTeam&)>& body);
    struct Sync { // one per region
        std::atomic<int> arrived{0};
        std::atomic<unsigned> generation{0};
        std::atomic<bool> failed{false};
        std::mutex error_mutex;
        std::exception_ptr error; // the first step's exception
    };
    ThreadTeam(int index, int size, Sync* sync) : index_(index), size_(size), sync_(sync) {}
    void run_step(const std::function<void()>& f) const;
    int index_, size_;
    Sync* sync_;
};

// The threads run_on_team will start: ATen's (at::get_num_threads()), or 1 inside another
// parallel region.
int team_threads();

// body(team) on team_threads() threads, each with the caller's thread-local state (grad and
// inference mode); then rethrows the first exception of a serial or each_part step.
void run_on_team(const std::function<void(const ThreadTeam&)>& body);

// first() and second() at the same time: first on the calling thread, second on another thread of
// ATen's pool (with the caller's thread-local state: grad and inference mode), each running its
// own parallel regions on its one thread (regions nest as one thread). One after the other when
// the pool has a single thread or the caller is already inside a parallel region. For two
// independent stages whose results do not depend on the thread count, each of which keeps two
// threads only partly busy (the detector and the pose model: two threads make each 1.3-1.6 times
// faster than one, not 2). Rethrows first's exception, else second's, after both have finished.
void run_side_by_side(const std::function<void()>& first, const std::function<void()>& second);

} // namespace hoi::clip
