#include "io/progress.h"
#include "io/error.h"

namespace hoi {
void CancelFlag::check() const {
    if (cancelled()) throw Error(ErrorKind::Cancelled, "cancelled");
}
} // namespace hoi
