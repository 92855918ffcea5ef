#pragma once
#include <string>

namespace hoi {
// Version of the core library (the project version).
std::string version();

// Sets up the process-wide LibTorch runtime: intra-op threads = the machine's cores (LibTorch's
// OpenMP build otherwise starts with one), unless HOI_THREADS or OMP_NUM_THREADS says otherwise.
// Call once at start-up, before any forward pass (the CLI, the GUI and the tests do).
void init_runtime();
}
