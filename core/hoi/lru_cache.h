#pragma once
// A byte-bounded least-recently-used cache (header-only, not thread-safe).
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <unordered_map>

namespace hoi::model {

template <typename Value>
class LruCache {
public:
    explicit LruCache(std::size_t limit_bytes) : limit_(limit_bytes) {}

    // The value for key (and marks it most recently used), or nullptr.
    std::shared_ptr<Value> get(const std::string& key) {
        auto it = index_.find(key);
        if (it == index_.end()) {
            ++misses_;
            return nullptr;
        }
        ++hits_;
        order_.splice(order_.begin(), order_, it->second);
        return it->second->value;
    }
    bool contains(const std::string& key) const { return index_.count(key) > 0; }

    // Inserts or replaces; evicts least recently used entries until the total fits the limit.
    // An entry larger than the limit on its own is kept (the newest entry always stays) until
    // the next insertion.
    void put(const std::string& key, std::shared_ptr<Value> value, std::size_t bytes) {
        erase(key);
        order_.push_front(Node{key, std::move(value), bytes});
        index_[key] = order_.begin();
        bytes_ += bytes;
        evict();
    }
    // Updates the recorded size of an entry (after it grew) and marks it most recently used.
    void resize(const std::string& key, std::size_t bytes) {
        auto it = index_.find(key);
        if (it == index_.end()) return;
        order_.splice(order_.begin(), order_, it->second);
        bytes_ = bytes_ - it->second->bytes + bytes;
        it->second->bytes = bytes;
        evict();
    }
    void erase(const std::string& key) {
        auto it = index_.find(key);
        if (it == index_.end()) return;
        bytes_ -= it->second->bytes;
        order_.erase(it->second);
        index_.erase(it);
    }
    void clear() {
        order_.clear();
        index_.clear();
        bytes_ = 0;
    }
    void set_limit(std::size_t limit_bytes) {
        limit_ = limit_bytes;
        evict();
    }

    std::size_t size() const { return index_.size(); }
    std::size_t bytes() const { return bytes_; }
    std::size_t limit() const { return limit_; }
    std::uint64_t hits() const { return hits_; }
    std::uint64_t misses() const { return misses_; }

private:
    struct Node {
        std::string key;
        std::shared_ptr<Value> value;
        std::size_t bytes;
    };
    void evict() {
        while (bytes_ > limit_ && order_.size() > 1) {
            auto& last = order_.back();
            bytes_ -= last.bytes;
            index_.erase(last.key);
            order_.pop_back();
        }
    }
    std::size_t limit_;
    std::size_t bytes_ = 0;
    std::uint64_t hits_ = 0, misses_ = 0;
    std::list<Node> order_;
    std::unordered_map<std::string, typename std::list<Node>::iterator> index_;
};

} // namespace hoi::model
