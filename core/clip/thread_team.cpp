#include "clip/thread_team.h"

#include <ATen/Parallel.h>
#include <ATen/ThreadLocalState.h>

#include <algorithm>
#include <immintrin.h>
#include <omp.h>
#include <thread>

#ifndef _OPENMP
#error "thread_team.cpp needs OpenMP flags"
#endif

namespace hoi::clip {

void ThreadTeam::barrier() const {
    // A spinning barrier: the team's steps are a few microseconds apart, and OpenMP's barrier
    // (libgomp) took 1.3-1.4 us against 0.1-0.25 us for this one: 96 barriers in a prompt. The
    // last thread to arrive opens the next generation; the others spin on it, then yield (a
    // thread of the team that is not running, on a busy machine, is not waited for by spinning).
    // The fetch_add (release) and the generation's load (acquire) make every thread's writes
    // before the barrier visible to all after it.
    if (size_ == 1) return;
    const unsigned generation = sync_->generation.load(std::memory_order_acquire);
    if (sync_->arrived.fetch_add(1, std::memory_order_acq_rel) + 1 == size_) {
        sync_->arrived.store(0, std::memory_order_relaxed);
        sync_->generation.store(generation + 1, std::memory_order_release);
        return;
    }
    for (unsigned spins = 0; sync_->generation.load(std::memory_order_acquire) == generation; ++spins) {
        if (spins < 4096) _mm_pause();
        else std::this_thread::yield();
    }
}

void ThreadTeam::run_step(const std::function<void()>& f) const {
    if (sync_->failed.load(std::memory_order_relaxed)) return;
    try {
        f();
    } catch (...) {
        const std::lock_guard<std::mutex> lock(sync_->error_mutex);
        if (!sync_->error) sync_->error = std::current_exception();
        sync_->failed = true;
    }
}

void ThreadTeam::serial(const std::function<void()>& f) const {
    if (index_ == 0) run_step(f);
}

void ThreadTeam::each_part(int parts, const std::function<void(int)>& f) const {
    if (size_ == parts) run_step([&] { f(index_); });
    else if (index_ == 0)
        run_step([&] {
            for (int part = 0; part < parts; ++part) f(part);
        });
}

int team_threads() { return at::in_parallel_region() ? 1 : std::max(1, at::get_num_threads()); }

void run_on_team(const std::function<void(const ThreadTeam&)>& body) {
    ThreadTeam::Sync sync;
    const at::ThreadLocalState caller; // grad and inference mode, on every thread (the caller's own on it)
#pragma omp parallel num_threads(team_threads())
    {
        const at::ThreadLocalStateGuard state(caller);
        body(ThreadTeam(omp_get_thread_num(), omp_get_num_threads(), &sync));
    }
    if (sync.error) std::rethrow_exception(sync.error);
}

void run_side_by_side(const std::function<void()>& first, const std::function<void()>& second) {
    std::exception_ptr error[2];
    const auto run = [&](int which) {
        try {
            (which == 0 ? first : second)();
        } catch (...) {
            error[which] = std::current_exception();
        }
    };
    if (at::in_parallel_region() || at::get_num_threads() < 2) {
        run(0);
        run(1);
    } else {
        const at::ThreadLocalState caller;
#pragma omp parallel num_threads(2)
        {
            if (omp_get_num_threads() < 2) { // the runtime gave one thread after all
                run(0);
                run(1);
            } else if (omp_get_thread_num() == 0) {
                run(0);
            } else {
                const at::ThreadLocalStateGuard state(caller);
                run(1);
            }
        }
    }
    for (const auto& e : error)
        if (e) std::rethrow_exception(e);
}

} // namespace hoi::clip
