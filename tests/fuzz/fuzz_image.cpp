// libFuzzer target: the image loader (header parser, then decoding with OpenCV under the pixel
// limits) on arbitrary bytes. A decoded image must have the size its header announced.
#include "fuzz_common.h"
#include "io/image.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace hoi::io;
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    ImageLimits limits;
    limits.max_pixels = 1u << 20; // keep each run small; the limit itself is what is under test
    try {
        const ImageHeader h = read_image_header(bytes, "fuzz", limits);
        const Image im = load_image_from_memory(bytes, "fuzz", limits);
        hoi::fuzz::check(im.rgb.cols == h.oriented_width() && im.rgb.rows == h.oriented_height(),
                         "the decoded size differs from the header's");
    } catch (const hoi::Error& e) {
        hoi::fuzz::check(e.kind() == hoi::ErrorKind::Input, "the image loader failed with an error kind other than Input");
    }
    return 0;
}
