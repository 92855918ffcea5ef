#include "io/safetensors.h"

#include "io/atomic_file.h"
#include "io/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <set>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace hoi::io {
namespace {

struct DtypeEntry {
    StDtype dtype;
    const char* name;
    size_t size;
};
constexpr DtypeEntry kDtypes[] = {
    {StDtype::BOOL, "BOOL", 1}, {StDtype::U8, "U8", 1},     {StDtype::I8, "I8", 1},
    {StDtype::F8_E4M3, "F8_E4M3", 1}, {StDtype::F8_E5M2, "F8_E5M2", 1},
    {StDtype::I16, "I16", 2},   {StDtype::U16, "U16", 2},   {StDtype::F16, "F16", 2},
    {StDtype::BF16, "BF16", 2}, {StDtype::I32, "I32", 4},   {StDtype::U32, "U32", 4},
    {StDtype::F32, "F32", 4},   {StDtype::I64, "I64", 8},   {StDtype::U64, "U64", 8},
    {StDtype::F64, "F64", 8},
};

// The format's own limit on the header size.
constexpr uint64_t kMaxHeader = 100ull * 1024 * 1024;

[[noreturn]] void bad(const std::string& path, const std::string& what) {
    throw_model("safetensors file " + path + ": " + what);
}

} // namespace

size_t dtype_size(StDtype d) {
    for (const auto& e : kDtypes)
        if (e.dtype == d) return e.size;
    return 0;
}

const char* dtype_name(StDtype d) {
    for (const auto& e : kDtypes)
        if (e.dtype == d) return e.name;
    return "?";
}

bool parse_dtype(std::string_view name, StDtype* out) {
    for (const auto& e : kDtypes) {
        if (name == e.name) {
            *out = e.dtype;
            return true;
        }
    }
    return false;
}

int64_t StTensorInfo::numel() const {
    int64_t n = 1;
    for (auto s : shape) n *= s;
    return n;
}

std::unique_ptr<SafetensorsFile> SafetensorsFile::open(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw_input("cannot open " + path + ": " + std::strerror(errno));
    struct stat st{};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        throw_input("cannot read " + path + ": not a regular file");
    }
    std::unique_ptr<SafetensorsFile> f(new SafetensorsFile());
    f->path_ = path;
    const size_t size = static_cast<size_t>(st.st_size);
    if (size > 0) {
        void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) {
            int e = errno;
            ::close(fd);
            throw_input("cannot map " + path + ": " + std::strerror(e));
        }
        f->base_ = static_cast<const uint8_t*>(p);
        f->mapped_ = true;
        f->mapped_size_ = size;
    }
    ::close(fd);
    f->parse(size);
    return f;
}

std::unique_ptr<SafetensorsFile> SafetensorsFile::from_bytes(std::string bytes, const std::string& origin) {
    std::unique_ptr<SafetensorsFile> f(new SafetensorsFile());
    f->path_ = origin;
    f->owned_ = std::move(bytes);
    f->base_ = reinterpret_cast<const uint8_t*>(f->owned_.data());
    f->parse(f->owned_.size());
    return f;
}

SafetensorsFile::~SafetensorsFile() {
    if (mapped_ && base_) ::munmap(const_cast<uint8_t*>(base_), mapped_size_);
}

const StTensorInfo* SafetensorsFile::find(const std::string& name) const {
    auto it = index_.find(name);
    return it == index_.end() ? nullptr : &tensors_[it->second];
}

void SafetensorsFile::parse(size_t file_size) {
    if (file_size < 8)
        bad(path_, "file is " + std::to_string(file_size) + " bytes, shorter than the 8-byte header length");
    uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = (n << 8) | base_[i];
    if (n < 2) bad(path_, "header length " + std::to_string(n) + " is too small for a JSON object");
    if (n > kMaxHeader)
        bad(path_, "header length " + std::to_string(n) + " exceeds the format's limit of 100 MB");
    if (n > file_size - 8)
        bad(path_, "header length " + std::to_string(n) + " exceeds the file size (" +
                       std::to_string(file_size) + " bytes): the file is truncated or not safetensors");
    const char* h = reinterpret_cast<const char*>(base_ + 8);
    std::string_view header(h, static_cast<size_t>(n));
    if (header.front() != '{') bad(path_, "header does not start with '{' (not a JSON object)");

    // Parse, rejecting duplicate keys at the top level.
    std::set<std::string> seen;
    std::string duplicate;
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(header.begin(), header.end(),
                                  [&](int depth, nlohmann::json::parse_event_t ev, nlohmann::json& parsed) {
                                      if (depth == 1 && ev == nlohmann::json::parse_event_t::key) {
                                          auto k = parsed.get<std::string>();
                                          if (!seen.insert(k).second && duplicate.empty()) duplicate = k;
                                      }
                                      return true;
                                  });
    } catch (const nlohmann::json::exception& e) {
        bad(path_, std::string("header is not valid JSON (") + e.what() + ")");
    }
    if (!j.is_object()) bad(path_, "header is not a JSON object");
    if (!duplicate.empty()) bad(path_, "tensor '" + duplicate + "' appears twice in the header");

    data_ = base_ + 8 + n;
    const size_t buffer = file_size - 8 - static_cast<size_t>(n);

    for (auto it = j.begin(); it != j.end(); ++it) {
        const std::string& name = it.key();
        const auto& v = it.value();
        if (name == "__metadata__") {
            if (!v.is_object()) bad(path_, "__metadata__ is not a JSON object");
            for (auto m = v.begin(); m != v.end(); ++m) {
                if (!m.value().is_string())
                    bad(path_, "__metadata__ value '" + m.key() + "' is not a string");
                metadata_[m.key()] = m.value().get<std::string>();
            }
            continue;
        }
        const std::string where = "tensor '" + name + "'";
        if (!v.is_object()) bad(path_, where + " is not a JSON object");
        for (auto f = v.begin(); f != v.end(); ++f) {
            if (f.key() != "dtype" && f.key() != "shape" && f.key() != "data_offsets")
                bad(path_, where + " has an unknown field '" + f.key() + "'");
        }
        StTensorInfo t;
        t.name = name;
        if (!v.contains("dtype") || !v["dtype"].is_string()) bad(path_, where + " has no string 'dtype'");
        const auto dt = v["dtype"].get<std::string>();
        if (!parse_dtype(dt, &t.dtype)) bad(path_, where + " has an unknown dtype '" + dt + "'");
        if (!v.contains("shape") || !v["shape"].is_array()) bad(path_, where + " has no 'shape' array");
        unsigned __int128 numel = 1;
        for (const auto& s : v["shape"]) {
            if (!s.is_number_integer() || s.get<int64_t>() < 0)
                bad(path_, where + " has a shape entry that is not a non-negative integer: " + s.dump());
            t.shape.push_back(s.get<int64_t>());
            numel *= static_cast<uint64_t>(t.shape.back());
            if (numel > std::numeric_limits<uint64_t>::max() / 8) bad(path_, where + " has an absurd shape");
        }
        if (!v.contains("data_offsets") || !v["data_offsets"].is_array() || v["data_offsets"].size() != 2)
            bad(path_, where + " has no 'data_offsets' pair [begin, end]");
        const auto& off = v["data_offsets"];
        for (const auto& o : off) {
            if (!o.is_number_unsigned() && !(o.is_number_integer() && o.get<int64_t>() >= 0))
                bad(path_, where + " has a data offset that is not a non-negative integer: " + o.dump());
        }
        const uint64_t b = off[0].get<uint64_t>(), e = off[1].get<uint64_t>();
        if (b > e) bad(path_, where + " has data_offsets [" + std::to_string(b) + ", " + std::to_string(e) + "] with begin > end");
        if (e > buffer)
            bad(path_, where + " ends at byte " + std::to_string(e) + " of a " + std::to_string(buffer) +
                           "-byte data buffer (file truncated?)");
        const uint64_t expect = static_cast<uint64_t>(numel) * dtype_size(t.dtype);
        if (e - b != expect)
            bad(path_, where + " occupies " + std::to_string(e - b) + " bytes but dtype " + dt + " and its shape need " +
                           std::to_string(expect));
        t.begin = static_cast<size_t>(b);
        t.end = static_cast<size_t>(e);
        tensors_.push_back(std::move(t));
    }
    std::stable_sort(tensors_.begin(), tensors_.end(),
                     [](const StTensorInfo& a, const StTensorInfo& b) { return a.begin < b.begin || (a.begin == b.begin && a.end < b.end); });
    size_t pos = 0;
    for (size_t i = 0; i < tensors_.size(); ++i) {
        const auto& t = tensors_[i];
        if (t.begin < pos)
            bad(path_, "tensor '" + t.name + "' [" + std::to_string(t.begin) + ", " + std::to_string(t.end) +
                           ") overlaps tensor '" + tensors_[i - 1].name + "'");
        if (t.begin > pos)
            bad(path_, "bytes [" + std::to_string(pos) + ", " + std::to_string(t.begin) +
                           ") of the data buffer belong to no tensor (before '" + t.name + "')");
        pos = t.end;
        index_[t.name] = i;
    }
    if (pos != buffer)
        bad(path_, "the tensors cover " + std::to_string(pos) + " of the data buffer's " + std::to_string(buffer) +
                       " bytes (trailing bytes belong to no tensor)");
}

std::string serialize_safetensors(const std::vector<StTensorOut>& tensors,
                                  const std::map<std::string, std::string>& metadata) {
    nlohmann::ordered_json h = nlohmann::ordered_json::object();
    if (!metadata.empty()) {
        nlohmann::ordered_json m = nlohmann::ordered_json::object();
        for (const auto& [k, v] : metadata) m[k] = v;
        h["__metadata__"] = m;
    }
    uint64_t pos = 0;
    std::set<std::string> names;
    for (const auto& t : tensors) {
        if (t.name == "__metadata__" || !names.insert(t.name).second)
            throw Error(ErrorKind::Internal, "serialize_safetensors: duplicate or reserved tensor name '" + t.name + "'");
        uint64_t numel = 1;
        for (auto s : t.shape) {
            if (s < 0) throw Error(ErrorKind::Internal, "serialize_safetensors: negative shape in '" + t.name + "'");
            numel *= static_cast<uint64_t>(s);
        }
        if (numel * dtype_size(t.dtype) != t.bytes.size())
            throw Error(ErrorKind::Internal, "serialize_safetensors: '" + t.name + "' has " +
                                                 std::to_string(t.bytes.size()) + " bytes, its shape needs " +
                                                 std::to_string(numel * dtype_size(t.dtype)));
        h[t.name] = {{"dtype", dtype_name(t.dtype)}, {"shape", t.shape}, {"data_offsets", {pos, pos + t.bytes.size()}}};
        pos += t.bytes.size();
    }
    std::string header = h.dump();
    while ((header.size() + 8) % 8 != 0) header.push_back(' '); // align the buffer to 8 bytes
    std::string out;
    out.reserve(8 + header.size() + pos);
    uint64_t n = header.size();
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
    out += header;
    for (const auto& t : tensors) out.append(t.bytes.data(), t.bytes.size());
    return out;
}

void write_safetensors(const std::string& path, const std::vector<StTensorOut>& tensors,
                       const std::map<std::string, std::string>& metadata) {
    write_file_atomic(path, serialize_safetensors(tensors, metadata));
}

} // namespace hoi::io
