#pragma once
// Image loading: every image enters the application through load_image / load_image_from_memory.
//
// - Formats: JPEG, PNG, BMP, WebP, TIFF and PNM (PBM/PGM/PPM), recognised by their magic bytes,
//   never by the file extension.
// - Before anything is decoded the header is parsed here (JPEG SOF, PNG IHDR, BMP info header,
//   WebP VP8/VP8L/VP8X, TIFF IFD0, PNM header) and the pixel count is checked against
//   ImageLimits::max_pixels, so a decompression bomb costs a few bytes of reading, not gigabytes.
// - Structural integrity is checked too: a JPEG must reach its EOI marker, a PNG its IEND chunk
//   (with valid chunk CRCs); a truncated file is rejected instead of being returned half grey.
// - EXIF orientation (JPEG APP1 "Exif", PNG eXIf, WebP EXIF, TIFF IFD0 tag 274) is read here and
//   applied exactly once: pixels are decoded with OpenCV's IMREAD_UNCHANGED (which never rotates)
//   and then transformed by apply_orientation.
// - The result is always 8-bit RGB (CV_8UC3): grayscale is replicated to three channels; alpha is
//   dropped, NOT composited (the colour channels are kept as stored, like PIL's convert("RGB"),
//   which is what the CLIP reference pipeline does); 16-bit samples are scaled by 255/65535 with
//   rounding; floating-point samples (TIFF) are taken as 0..1 and clamped.
// Every failure is a hoi::Error(Input) whose message names the file and the reason.
#include <cstdint>
#include <string>
#include <vector>
#include <string_view>

#include <opencv2/core.hpp>

namespace hoi::io {

struct ImageLimits {
    // Largest accepted width x height (checked on the header, before decoding). 0 = no limit.
    std::uint64_t max_pixels = 100'000'000;
    // Largest accepted file (bytes). 0 = no limit.
    std::uint64_t max_file_bytes = 1ull << 30;
};

// What the header says about an image (no pixels decoded).
struct ImageHeader {
    std::string format;        // "jpeg", "png", "bmp", "webp", "tiff", "pnm"
    int width = 0;             // as stored in the file (before orientation)
    int height = 0;
    int channels = 0;          // channels stored in the file (1 gray, 2 gray+alpha, 3, 4); 0 = unknown
    int bit_depth = 0;         // bits per sample (1, 2, 4, 8, 16, 32); 0 = unknown
    int orientation = 1;       // EXIF orientation 1..8 (1 when absent or invalid)
    int oriented_width() const { return orientation >= 5 ? height : width; }
    int oriented_height() const { return orientation >= 5 ? width : height; }
};

struct Image {
    cv::Mat rgb;               // CV_8UC3, RGB order, orientation applied (oriented_width x oriented_height)
    std::string path;          // the file (or the name given to load_image_from_memory)
    std::string format;        // see ImageHeader::format
    int width = 0;             // stored size, before orientation
    int height = 0;
    int channels = 0;          // channels of the file (1, 2, 3 or 4)
    int bit_depth = 0;         // bits per sample of the file
    int orientation = 1;       // EXIF orientation 1..8 that was applied
    int oriented_width = 0;    // size after orientation == rgb.cols x rgb.rows
    int oriented_height = 0;
};

// Loads an image file. Throws hoi::Error(Input) for a missing file, a directory, an empty file,
// a file that is not a supported image, a truncated or undecodable image, or one over the limits.
Image load_image(const std::string& path, const ImageLimits& limits = {});

// Same for an encoded image held in memory; `name` is used in error messages and Image::path.
Image load_image_from_memory(std::string_view data, const std::string& name = "<memory>",
                             const ImageLimits& limits = {});

// Parses the header only (format, size, channels, depth, EXIF orientation) and checks the
// structure is complete (JPEG EOI, PNG IEND). Throws hoi::Error(Input) like load_image, including
// for an image over limits.max_pixels.
ImageHeader read_image_header(std::string_view data, const std::string& name = "<memory>",
                              const ImageLimits& limits = {});

// The file-name extensions of the formats above (lower case, without the dot): jpg, jpeg, png, bmp,
// webp, tif, tiff, pbm, pgm, ppm, pnm. Folders are scanned for these (`hoi run`, the GUI); a file
// named explicitly is read whatever its name (the format comes from its bytes).
const std::vector<std::string>& image_extensions();
// Whether a path's extension is one of image_extensions(), in any case.
bool has_image_extension(const std::string& path);

// Applies an EXIF orientation (1..8) to pixels, as the EXIF specification defines it
// (6 = rotate 90 degrees clockwise to display, 8 = 90 counter-clockwise, 3 = 180, 2/4 = mirror,
// 5/7 = transpose / transverse). Other values return the image unchanged.
cv::Mat apply_orientation(const cv::Mat& image, int orientation);

} // namespace hoi::io
