#include "core.h"

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <cstdlib>
#include <thread>

namespace hoi {
std::string version() { return HOI_VERSION; }

void init_runtime() {
    int threads = static_cast<int>(std::thread::hardware_concurrency());
    if (const char* v = std::getenv("HOI_THREADS")) threads = std::atoi(v);
    else if (const char* o = std::getenv("OMP_NUM_THREADS")) threads = std::atoi(o);
    if (threads > 0) at::set_num_threads(threads);
    // Denormal floats are orders of magnitude slower on x86; flush them to zero, as inference
    // runtimes do (no effect on results beyond 1e-38).
    at::globalContext().setFlushDenormal(true);
}
}
