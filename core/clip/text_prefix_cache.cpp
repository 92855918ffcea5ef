#include "clip/text_prefix_cache.h"

#include <algorithm>
#include <cstring>

namespace hoi::clip {

size_t TextPrefixCache::Entry::bytes() const {
    size_t n = input.nbytes();
    for (const auto& t : qkv) n += t.nbytes();
    return n;
}

std::pair<std::shared_ptr<const TextPrefixCache::Entry>, int64_t>
TextPrefixCache::longest_prefix(const at::Tensor& input, int64_t max_rows) const {
    const int64_t W = input.size(1);
    const size_t row_bytes = static_cast<size_t>(W) * sizeof(float);
    const auto* in = static_cast<const char*>(input.data_ptr());
    std::lock_guard<std::mutex> lock(mutex_);
    std::pair<std::shared_ptr<const Entry>, int64_t> best{nullptr, 0};
    for (const auto& e : entries_) {
        if (e->input.size(1) != W) continue;
        const int64_t limit = std::min({max_rows, input.size(0), e->input.size(0)});
        const auto* other = static_cast<const char*>(e->input.data_ptr());
        int64_t n = 0;
        while (n < limit && std::memcmp(in + n * row_bytes, other + n * row_bytes, row_bytes) == 0) ++n;
        if (n > best.second) best = {e, n};
    }
    rows_reused_ += best.second;
    return best;
}

void TextPrefixCache::insert(std::shared_ptr<const Entry> entry) {
    const size_t b = entry->bytes();
    std::lock_guard<std::mutex> lock(mutex_);
    if (b > capacity_) return;
    entries_.push_front(std::move(entry));
    bytes_ += b;
    while (bytes_ > capacity_) {
        bytes_ -= entries_.back()->bytes();
        entries_.pop_back();
    }
}

void TextPrefixCache::clear() {
    std::lock_guard<std::mutex> lock(mutex_);
    entries_.clear();
    bytes_ = 0;
}

} // namespace hoi::clip
