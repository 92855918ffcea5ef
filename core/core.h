#pragma once
#include <string>

namespace hoi {
// Version of the core library (the project version).
std::string version();
}
