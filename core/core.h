#pragma once
#include <string>

namespace hoi {
// Version of the core library (the project version).
std::string version();

// Sets up the process-wide LibTorch runtime: intra-op threads = the machine's cores (LibTorch's
// OpenMP build otherwise starts with one), unless HOI_THREADS or OMP_NUM_THREADS says otherwise.
// Call once at start-up, before any forward pass (the CLI, the GUI and the tests do).
// OpenBLAS is limited to one thread (HOI_BLAS_THREADS overrides): see core.cpp.
void init_runtime();

// OpenBLAS's thread count (1 when the BLAS is not OpenBLAS), and setting it (no-op otherwise).
int blas_threads();
void set_blas_threads(int n);
}
