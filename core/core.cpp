#include "core.h"

namespace hoi {
std::string version() { return HOI_VERSION; }
}
