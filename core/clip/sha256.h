#pragma once
// SHA-256 (OpenSSL's libcrypto) of files and byte strings, as lower-case hex.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace hoi::clip {

class Sha256 {
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;
    void update(const void* data, size_t size);
    void update(std::string_view s) { update(s.data(), s.size()); }
    std::string hex(); // finishes the digest
private:
    struct Ctx;
    std::unique_ptr<Ctx> ctx_;
};

std::string sha256_hex(std::string_view data);
// Streams the file; throws hoi::Error(Input) when it cannot be read.
std::string sha256_file(const std::string& path);

} // namespace hoi::clip
