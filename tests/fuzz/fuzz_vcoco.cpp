// libFuzzer target: the vcoco importer (the parser hoi eval --vcoco reads through too) and the
// exporters on what it accepts.
#include "fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    return hoi::fuzz::run_importer(data, size, hoi::annotation::Format::Vcoco);
}
