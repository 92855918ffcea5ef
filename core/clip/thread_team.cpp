#include "clip/thread_team.h"

#include <ATen/Parallel.h>
#include <ATen/ThreadLocalState.h>

#include <algorithm>
#include <omp.h>

#ifndef _OPENMP
#error "thread_team.cpp needs OpenMP flags"
#endif

namespace hoi::clip {

void ThreadTeam::barrier() const {
    // An orphaned barrier: it binds to the region run_on_team opened.
#pragma omp barrier
}

void ThreadTeam::serial(const std::function<void()>& f) const {
    if (index_ != 0 || *error_) return;
    try {
        f();
    } catch (...) {
        *error_ = std::current_exception();
    }
}

void run_on_team(const std::function<void(const ThreadTeam&)>& body) {
    std::exception_ptr error;
    const int threads = at::in_parallel_region() ? 1 : std::max(1, at::get_num_threads());
#pragma omp parallel num_threads(threads)
    {
        const ThreadTeam team(omp_get_thread_num(), omp_get_num_threads(), &error);
        body(team);
    }
    if (error) std::rethrow_exception(error);
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
