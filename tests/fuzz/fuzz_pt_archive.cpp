// libFuzzer target: the zip directory of .pt (TorchScript) archives, checked before LibTorch reads
// one. Whatever it accepts must name entries whose headers and data lie inside the file.
#include "fuzz_common.h"
#include "io/zip_directory.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace hoi::io;
    try {
        const ZipDirectory d = ZipDirectory::parse(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz");
        for (const auto& e : d.entries()) {
            hoi::fuzz::check(e.header_offset + 30 <= e.data_offset, "an entry's data starts inside its header");
            hoi::fuzz::check(e.data_offset <= size && e.compressed <= size - e.data_offset,
                             "an entry's data lies outside the file");
            hoi::fuzz::check(d.find(e.name) != nullptr, "an entry cannot be found by its name");
        }
    } catch (const hoi::Error& e) {
        hoi::fuzz::check(e.kind() == hoi::ErrorKind::Model, "the zip reader failed with an error kind other than Model");
    }
    return 0;
}
