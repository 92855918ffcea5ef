#pragma once
// The text tower's states of recently encoded prompts, so that a prompt beginning like one of them
// computes only its own rows. Prompts share their template's opening ("<|startoftext|> a photo of
// a person" is 6 of a typical prompt's 10 tokens), and under the causal mask a row's states depend
// only on the rows before it: the keys and values of a shared opening are the same in every
// prompt. A new prompt then reads each weight once for its 4 new rows instead of 10.
//
// Matching is on the tower's input rows themselves (token + position embedding, plus a learned
// context's residual when there is one), compared bit for bit, so a prompt under another context
// or with other tokens never reuses a state. Thread-safe; a few MB at most.
#include <ATen/core/Tensor.h>

#include <atomic>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace hoi::clip {

class TextPrefixCache {
public:
    struct Entry {
        at::Tensor input;             // [L, W] the tower's input rows
        std::vector<at::Tensor> qkv;  // per block [L, 3W]: the in_proj output (queries, keys, values) of every row
        size_t bytes() const;
    };

    explicit TextPrefixCache(size_t capacity_bytes = size_t{16} << 20) : capacity_(capacity_bytes) {}

    // The entry sharing the most leading input rows with `input` [L, W], and how many (at most
    // max_rows); {nullptr, 0} when none shares a row.
    std::pair<std::shared_ptr<const Entry>, int64_t> longest_prefix(const at::Tensor& input, int64_t max_rows) const;

    // Keeps the entry, dropping the oldest ones beyond the capacity.
    void insert(std::shared_ptr<const Entry> entry);
    void clear();
    // Rows taken from entries instead of computed, since construction.
    int64_t rows_reused() const { return rows_reused_.load(); }

private:
    mutable std::mutex mutex_;
    std::deque<std::shared_ptr<const Entry>> entries_; // newest first
    size_t capacity_;
    size_t bytes_ = 0;
    mutable std::atomic<int64_t> rows_reused_{0};
};

} // namespace hoi::clip
