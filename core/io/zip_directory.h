#pragma once
// The directory of a zip archive (the container of PyTorch / TorchScript .pt files), read from the
// bytes without LibTorch and checked before LibTorch's reader touches the file: the end record is
// where it must be (a truncated download has none), the central directory and every entry (its
// local header and data) lie inside the file, before the directory, and do not overlap each other.
// ZIP64 records are followed. Throws hoi::Error(Model) naming the origin and what is wrong.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hoi::io {

struct ZipEntry {
    std::string name;
    uint16_t method = 0;          // 0 stored, 8 deflated
    uint64_t compressed = 0;      // bytes of data in the archive
    uint64_t uncompressed = 0;    // bytes once extracted
    uint64_t header_offset = 0;   // local file header
    uint64_t data_offset = 0;     // first data byte
};

class ZipDirectory {
public:
    // Parses the archive whose whole content is `bytes`.
    static ZipDirectory parse(std::string_view bytes, const std::string& origin);
    // Maps the file read-only and parses it (Input error when it cannot be opened).
    static ZipDirectory read(const std::string& path);

    const std::vector<ZipEntry>& entries() const { return entries_; }
    // The entry with that name, or nullptr.
    const ZipEntry* find(std::string_view name) const;

private:
    std::vector<ZipEntry> entries_;
};

} // namespace hoi::io
