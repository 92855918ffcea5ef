#pragma once
// A strict reader and writer of the safetensors format (https://github.com/huggingface/safetensors):
//   8 bytes: N, little-endian u64 header size
//   N bytes: JSON object {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ...,
//            optional "__metadata__": {string: string}}, possibly padded with spaces
//   rest:    the byte buffer; offsets are relative to its start.
// No LibTorch here: tensors are raw little-endian bytes with a dtype and a shape.
// Every rule is checked and a violation throws hoi::Error(Model) naming the file and the tensor.
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace hoi::io {

enum class StDtype { BOOL, U8, I8, F8_E4M3, F8_E5M2, I16, U16, F16, BF16, I32, U32, F32, I64, U64, F64 };

size_t dtype_size(StDtype d);
const char* dtype_name(StDtype d);
// Parses "F32" etc.; returns false for an unknown name.
bool parse_dtype(std::string_view name, StDtype* out);

struct StTensorInfo {
    std::string name;
    StDtype dtype = StDtype::F32;
    std::vector<int64_t> shape;
    size_t begin = 0, end = 0; // offsets into the data buffer
    int64_t numel() const;
};

class SafetensorsFile {
public:
    // Maps the file read-only and validates the header. Throws hoi::Error(Model) (Input when the
    // file cannot be opened) with a precise message.
    static std::unique_ptr<SafetensorsFile> open(const std::string& path);
    // Validates an in-memory image of a file (the bytes are copied).
    static std::unique_ptr<SafetensorsFile> from_bytes(std::string bytes, const std::string& origin);
    ~SafetensorsFile();
    SafetensorsFile(const SafetensorsFile&) = delete;
    SafetensorsFile& operator=(const SafetensorsFile&) = delete;

    const std::string& path() const { return path_; }
    // Tensors in the order of their data offsets.
    const std::vector<StTensorInfo>& tensors() const { return tensors_; }
    const StTensorInfo* find(const std::string& name) const;
    const std::map<std::string, std::string>& metadata() const { return metadata_; }
    // Pointer to a tensor's bytes (valid while this object lives).
    const uint8_t* data(const StTensorInfo& t) const { return data_ + t.begin; }

private:
    SafetensorsFile() = default;
    void parse(size_t file_size);
    std::string path_;
    const uint8_t* base_ = nullptr; // whole file
    const uint8_t* data_ = nullptr; // data buffer
    size_t mapped_size_ = 0;
    bool mapped_ = false;
    std::string owned_;
    std::vector<StTensorInfo> tensors_;
    std::map<std::string, size_t> index_;
    std::map<std::string, std::string> metadata_;
};

struct StTensorOut {
    std::string name;
    StDtype dtype = StDtype::F32;
    std::vector<int64_t> shape;
    std::string_view bytes; // exactly dtype_size * numel bytes, little-endian
};

// Serialises tensors (in the given order) and metadata into a safetensors image.
std::string serialize_safetensors(const std::vector<StTensorOut>& tensors,
                                  const std::map<std::string, std::string>& metadata = {});
// Writes it atomically (write_file_atomic).
void write_safetensors(const std::string& path, const std::vector<StTensorOut>& tensors,
                       const std::map<std::string, std::string>& metadata = {});

} // namespace hoi::io
