#include "eta_estimator.h"

#include <QObject>

#include <cmath>

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

QString formatDuration(double seconds) {
    if (seconds < 60) return QObject::tr("%1 s").arg(int(std::ceil(seconds)));
    const int m = int(seconds / 60), s = int(seconds) % 60;
    return QObject::tr("%1 min %2 s").arg(m).arg(s);
}

} // namespace hoi::ui
