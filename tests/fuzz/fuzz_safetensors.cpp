// libFuzzer target: the safetensors reader (header JSON, dtypes, shapes, offsets) on arbitrary bytes.
// Whatever it accepts must describe tensors that lie inside the buffer and match their byte sizes.
#include "fuzz_common.h"
#include "io/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace hoi::io;
    std::unique_ptr<SafetensorsFile> f;
    try {
        f = SafetensorsFile::from_bytes(std::string(reinterpret_cast<const char*>(data), size), "fuzz");
    } catch (const hoi::Error& e) {
        hoi::fuzz::check(e.kind() == hoi::ErrorKind::Model || e.kind() == hoi::ErrorKind::Input,
                         "safetensors failed with an error kind other than Model/Input");
        return 0;
    }
    for (const auto& t : f->tensors()) {
        hoi::fuzz::check(t.begin <= t.end && t.end <= size, "a tensor lies outside the file");
        hoi::fuzz::check(static_cast<uint64_t>(t.numel()) * dtype_size(t.dtype) == t.end - t.begin,
                         "a tensor's bytes do not match its shape");
        volatile uint8_t sink = 0;
        if (t.end > t.begin) sink = f->data(t)[t.end - t.begin - 1]; // readable to its last byte
        (void)sink;
    }
    return 0;
}
