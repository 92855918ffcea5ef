#include "core.h"

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <algorithm>
#include <cstdlib>
#include <dlfcn.h>
#include <malloc.h>
#include <thread>

namespace hoi {
std::string version() { return HOI_VERSION; }

int blas_threads() {
    using GetFn = int (*)();
    static const auto get = reinterpret_cast<GetFn>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
    return get ? get() : 1;
}

void set_blas_threads(int n) {
    using SetFn = void (*)(int);
    static const auto set = reinterpret_cast<SetFn>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
    if (set) set(std::max(1, n));
}

void init_runtime() {
    int threads = static_cast<int>(std::thread::hardware_concurrency());
    if (const char* v = std::getenv("HOI_THREADS")) threads = std::atoi(v);
    else if (const char* o = std::getenv("OMP_NUM_THREADS")) threads = std::atoi(o);
    if (threads > 0) at::set_num_threads(threads);
    // OpenBLAS (the pthread build Debian installs) keeps its own worker threads beside ATen's
    // OpenMP team; on a small machine the two teams spin against each other and a 10-row product
    // takes milliseconds instead of microseconds. The large products go to oneDNN on the OpenMP
    // team (clip/transformer.cpp), so OpenBLAS runs on the calling thread only, unless
    // HOI_BLAS_THREADS says otherwise. (Reference BLAS has no such function: nothing to do.)
    int blas = 1;
    if (const char* b = std::getenv("HOI_BLAS_THREADS")) blas = std::max(1, std::atoi(b));
    set_blas_threads(blas);
    // Denormal floats are orders of magnitude slower on x86; flush them to zero, as inference
    // runtimes do (no effect on results beyond 1e-38).
    at::globalContext().setFlushDenormal(true);
    // Every forward pass frees and allocates the same activation maps (a few MB each). glibc's
    // dynamic thresholds sometimes settle where each of them goes back to the OS when freed and is
    // faulted in again, page by page, on the next pass: in such a process CenterNet's forward took
    // 85-100 ms instead of 24, with twice the page faults (the slowest part on a virtual machine).
    // Fixed thresholds keep blocks up to 32 MB in the heap and freed memory for reuse; the peak
    // memory stays about the same (the detect bench's 612 MB became 624-640 MB).
#ifdef M_MMAP_THRESHOLD
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
}
}
