#include "eta_estimator.h"

namespace hoi::ui {

void EtaEstimator::imageDone(std::int64_t ms) {
    done_.push_back(ms);
    while (int(done_.size()) > window_) done_.pop_front();
}

double EtaEstimator::secondsLeft(int remaining) const {
    if (done_.size() < 2) return -1;
    if (remaining <= 0) return 0;
    const double span = double(done_.back() - done_.front()) / 1000.0;
    const double perImage = span / double(done_.size() - 1);
    return perImage * remaining;
}

} // namespace hoi::ui
