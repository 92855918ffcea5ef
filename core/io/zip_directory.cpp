#include "io/zip_directory.h"

#include "io/error.h"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace hoi::io {

namespace {

constexpr uint32_t kEnd = 0x06054b50, kEnd64 = 0x06064b50, kLocator64 = 0x07064b50, kCentral = 0x02014b50,
                   kLocal = 0x04034b50;
constexpr size_t kMaxEntries = 1u << 20;

class Reader {
public:
    Reader(std::string_view b, const std::string& origin) : b_(b), origin_(origin) {}
    [[noreturn]] void bad(const std::string& why) const { throw_model(origin_ + ": " + why); }
    bool fits(uint64_t at, uint64_t n) const { return at <= b_.size() && n <= b_.size() - at; }
    uint64_t get(uint64_t at, int bytes, const char* what) const {
        if (!fits(at, static_cast<uint64_t>(bytes)))
            bad(std::string("the zip archive's ") + what + " lies past the end of the file (a damaged file)");
        uint64_t v = 0;
        for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b_[at + static_cast<uint64_t>(i)]);
        return v;
    }
    uint32_t u32(uint64_t at, const char* what) const { return static_cast<uint32_t>(get(at, 4, what)); }
    uint16_t u16(uint64_t at, const char* what) const { return static_cast<uint16_t>(get(at, 2, what)); }
    uint64_t u64(uint64_t at, const char* what) const { return get(at, 8, what); }
    size_t size() const { return b_.size(); }
    std::string_view bytes(uint64_t at, uint64_t n) const { return b_.substr(at, n); }

private:
    std::string_view b_;
    const std::string& origin_;
};

} // namespace

ZipDirectory ZipDirectory::parse(std::string_view bytes, const std::string& origin) {
    const Reader r(bytes, origin);
    const std::string truncated =
            "the archive is truncated (it has no zip directory at its end): an interrupted download or copy; "
            "download it again";
    if (r.size() < 22) r.bad(truncated);
    // The end record: 22 bytes and a comment of up to 64 KiB, ending exactly at the end of the file.
    uint64_t end = UINT64_MAX;
    const uint64_t lowest = r.size() > 22 + 65535 ? r.size() - 22 - 65535 : 0;
    for (uint64_t p = r.size() - 22 + 1; p-- > lowest;) {
        if (r.u32(p, "end record") == kEnd && p + 22 + r.u16(p + 20, "end record") == r.size()) {
            end = p;
            break;
        }
    }
    if (end == UINT64_MAX) r.bad(truncated);
    uint64_t count = r.u16(end + 10, "end record");
    uint64_t cd_size = r.u32(end + 12, "end record");
    uint64_t cd_offset = r.u32(end + 16, "end record");
    uint64_t cd_limit = end; // the directory ends before the end records
    if (count == 0xFFFF || cd_size == 0xFFFFFFFF || cd_offset == 0xFFFFFFFF) {
        // ZIP64: a locator just before the end record points at the ZIP64 end record.
        if (end < 20 || r.u32(end - 20, "ZIP64 locator") != kLocator64)
            r.bad("the zip archive's end record needs a ZIP64 record that is not there (a damaged file)");
        const uint64_t e64 = r.u64(end - 20 + 8, "ZIP64 locator");
        if (e64 > end - 20 || r.u32(e64, "ZIP64 end record") != kEnd64)
            r.bad("the zip archive's ZIP64 end record is not where its locator says (a damaged file)");
        count = r.u64(e64 + 32, "ZIP64 end record");
        cd_size = r.u64(e64 + 40, "ZIP64 end record");
        cd_offset = r.u64(e64 + 48, "ZIP64 end record");
        cd_limit = e64;
    }
    if (cd_offset > cd_limit || cd_size > cd_limit - cd_offset)
        r.bad("the zip archive's directory (" + std::to_string(cd_size) + " bytes at " + std::to_string(cd_offset) +
              ") does not fit in the file before its end record (a damaged or truncated file)");
    if (count > kMaxEntries || count > cd_size / 46 + 1)
        r.bad("the zip archive claims " + std::to_string(count) + " entries, more than its directory can hold");

    ZipDirectory dir;
    dir.entries_.reserve(static_cast<size_t>(count));
    uint64_t p = cd_offset;
    const uint64_t cd_end = cd_offset + cd_size;
    for (uint64_t i = 0; i < count; ++i) {
        const std::string where = "zip entry " + std::to_string(i);
        if (p + 46 > cd_end || r.u32(p, "directory") != kCentral)
            r.bad(where + ": not a directory record where one must be (a damaged file)");
        ZipEntry e;
        e.method = r.u16(p + 10, "directory");
        e.compressed = r.u32(p + 20, "directory");
        e.uncompressed = r.u32(p + 24, "directory");
        const uint64_t name_len = r.u16(p + 28, "directory"), extra_len = r.u16(p + 30, "directory"),
                       comment_len = r.u16(p + 32, "directory");
        e.header_offset = r.u32(p + 42, "directory");
        const uint64_t next = p + 46 + name_len + extra_len + comment_len;
        if (next > cd_end) r.bad(where + ": its directory record runs past the directory (a damaged file)");
        e.name = std::string(r.bytes(p + 46, name_len));
        // ZIP64 extra field: the 64-bit values of the fields that hold 0xFFFFFFFF, in this order.
        for (uint64_t x = p + 46 + name_len; x + 4 <= p + 46 + name_len + extra_len;) {
            const uint16_t id = r.u16(x, "extra field"), len = r.u16(x + 2, "extra field");
            if (x + 4 + len > p + 46 + name_len + extra_len)
                r.bad("zip entry '" + e.name + "': an extra field runs past its record (a damaged file)");
            if (id == 0x0001) {
                uint64_t f = x + 4;
                auto take = [&](uint64_t& v) {
                    if (v != 0xFFFFFFFF) return;
                    if (f + 8 > x + 4 + len) r.bad("zip entry '" + e.name + "': its ZIP64 field is too short");
                    v = r.u64(f, "ZIP64 field");
                    f += 8;
                };
                take(e.uncompressed);
                take(e.compressed);
                take(e.header_offset);
            }
            x += 4 + len;
        }
        const std::string entry = "zip entry '" + e.name + "'";
        if (e.method != 0 && e.method != 8)
            r.bad(entry + ": compression method " + std::to_string(e.method) + " is not stored (0) or deflated (8)");
        if (e.method == 0 && e.compressed != e.uncompressed)
            r.bad(entry + ": stored, yet its sizes differ (" + std::to_string(e.compressed) + " and " +
                  std::to_string(e.uncompressed) + " bytes)");
        if (e.header_offset > cd_offset || cd_offset - e.header_offset < 30 ||
            r.u32(e.header_offset, "local header") != kLocal)
            r.bad(entry + ": no local header at offset " + std::to_string(e.header_offset) + " (a damaged file)");
        e.data_offset = e.header_offset + 30 + r.u16(e.header_offset + 26, "local header") +
                        r.u16(e.header_offset + 28, "local header");
        if (e.data_offset > cd_offset || e.compressed > cd_offset - e.data_offset)
            r.bad(entry + ": its " + std::to_string(e.compressed) + " bytes at offset " + std::to_string(e.data_offset) +
                  " run past the archive's data (a damaged or truncated file)");
        dir.entries_.push_back(std::move(e));
        p = next;
    }
    // Entries may not overlap (a crafted archive can point two names at one region, or one
    // entry's data over another's header).
    std::vector<const ZipEntry*> order;
    for (const auto& e : dir.entries_) order.push_back(&e);
    std::sort(order.begin(), order.end(), [](const ZipEntry* a, const ZipEntry* b) { return a->header_offset < b->header_offset; });
    for (size_t i = 1; i < order.size(); ++i)
        if (order[i - 1]->data_offset + order[i - 1]->compressed > order[i]->header_offset)
            r.bad("zip entries '" + order[i - 1]->name + "' and '" + order[i]->name + "' overlap (a damaged file)");
    return dir;
}

ZipDirectory ZipDirectory::read(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw_input("cannot open " + path + ": " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        throw_input("cannot read " + path + ": not a regular file");
    }
    const size_t size = static_cast<size_t>(st.st_size);
    if (size == 0) {
        ::close(fd);
        return parse({}, path);
    }
    void* base = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    const int err = errno;
    ::close(fd);
    if (base == MAP_FAILED) throw_input("cannot map " + path + ": " + std::strerror(err));
    struct Unmap {
        void* p;
        size_t n;
        ~Unmap() { ::munmap(p, n); }
    } unmap{base, size};
    return parse(std::string_view(static_cast<const char*>(base), size), path);
}

const ZipEntry* ZipDirectory::find(std::string_view name) const {
    for (const auto& e : entries_)
        if (e.name == name) return &e;
    return nullptr;
}

} // namespace hoi::io
