#include "io/image.h"

#include "io/atomic_file.h"
#include "io/error.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <map>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <zlib.h>

namespace fs = std::filesystem;

namespace hoi::io {

namespace {

using u8 = std::uint8_t;

// Bounds-checked view over the encoded bytes.
struct Bytes {
    const u8* p;
    size_t n;
    bool has(size_t off, size_t len) const { return off <= n && len <= n - off; }
    u8 at(size_t off) const { return p[off]; }
    std::uint32_t be16(size_t o) const { return (std::uint32_t(p[o]) << 8) | p[o + 1]; }
    std::uint32_t le16(size_t o) const { return std::uint32_t(p[o]) | (std::uint32_t(p[o + 1]) << 8); }
    std::uint32_t be32(size_t o) const { return (be16(o) << 16) | be16(o + 2); }
    std::uint32_t le32(size_t o) const { return le16(o) | (le16(o + 2) << 16); }
};

[[noreturn]] void fail(const std::string& name, const std::string& why) {
    throw_input(name + ": " + why);
}

[[noreturn]] void truncated(const std::string& name, const std::string& format, const std::string& where) {
    fail(name, "truncated " + format + " file (" + where + "); the file is incomplete");
}

// ---- TIFF structures (TIFF files and EXIF blocks) -------------------------------------------

struct TiffReader {
    Bytes b;
    bool little = true;
    std::uint32_t u16(size_t o) const { return little ? b.le16(o) : b.be16(o); }
    std::uint32_t u32(size_t o) const { return little ? b.le32(o) : b.be32(o); }

    struct Entry { std::uint32_t type = 0, count = 0; size_t value_offset = 0; };

    // Size in bytes of one value of a TIFF field type (0 for an unknown type).
    static size_t type_size(std::uint32_t type) {
        switch (type) {
        case 1: case 2: case 6: case 7: return 1;  // BYTE ASCII SBYTE UNDEFINED
        case 3: case 8: return 2;                  // SHORT SSHORT
        case 4: case 9: case 11: return 4;         // LONG SLONG FLOAT
        case 5: case 10: case 12: return 8;        // RATIONAL SRATIONAL DOUBLE
        default: return 0;
        }
    }

    // Parses the header; returns false when `b` does not start with a TIFF header.
    bool header(size_t* ifd0) {
        if (!b.has(0, 8)) return false;
        if (b.at(0) == 'I' && b.at(1) == 'I') little = true;
        else if (b.at(0) == 'M' && b.at(1) == 'M') little = false;
        else return false;
        if (u16(2) != 42) return false;
        *ifd0 = u32(4);
        return true;
    }

    // Reads the entries of the IFD at `off`; returns false when the IFD does not fit.
    bool ifd(size_t off, std::map<std::uint32_t, Entry>* out) const {
        if (!b.has(off, 2)) return false;
        const std::uint32_t count = u16(off);
        if (!b.has(off + 2, size_t(count) * 12)) return false;
        for (std::uint32_t i = 0; i < count; ++i) {
            const size_t e = off + 2 + size_t(i) * 12;
            Entry entry;
            entry.type = u16(e + 2);
            entry.count = u32(e + 4);
            const size_t sz = type_size(entry.type);
            if (sz == 0) continue;
            const std::uint64_t total = std::uint64_t(sz) * entry.count;
            entry.value_offset = total <= 4 ? e + 8 : u32(e + 8);
            if (total > 4 && !b.has(entry.value_offset, size_t(total))) continue; // dangling: ignore
            out->emplace(u16(e), entry);
        }
        return true;
    }

    // Value i of an integer entry (BYTE/SHORT/LONG); false when not an integer type.
    bool value(const Entry& e, std::uint32_t i, std::uint64_t* v) const {
        if (i >= e.count) return false;
        switch (e.type) {
        case 1: *v = b.at(e.value_offset + i); return true;
        case 3: *v = u16(e.value_offset + size_t(i) * 2); return true;
        case 4: *v = u32(e.value_offset + size_t(i) * 4); return true;
        default: return false;
        }
    }
};

// EXIF orientation from a TIFF-structured block (the payload of JPEG APP1 after "Exif\0\0",
// PNG eXIf, WebP EXIF). 0 when absent or not 1..8.
int exif_orientation(Bytes block) {
    TiffReader t{block};
    size_t ifd0 = 0;
    if (!t.header(&ifd0)) return 0;
    std::map<std::uint32_t, TiffReader::Entry> entries;
    if (!t.ifd(ifd0, &entries)) return 0;
    auto it = entries.find(274);
    std::uint64_t v = 0;
    if (it == entries.end() || !t.value(it->second, 0, &v)) return 0;
    return v >= 1 && v <= 8 ? int(v) : 0;
}

// ---- format parsers ---------------------------------------------------------------------------

void parse_jpeg(Bytes b, const std::string& name, ImageHeader* h) {
    const std::string F = "JPEG";
    size_t pos = 2;
    bool have_sof = false, have_sos = false, have_exif = false;
    while (true) {
        if (!b.has(pos, 2)) truncated(name, F, "no end-of-image marker");
        if (b.at(pos) != 0xFF)
            fail(name, "corrupt JPEG data: expected a marker at byte " + std::to_string(pos));
        while (b.has(pos + 1, 1) && b.at(pos + 1) == 0xFF) ++pos; // fill bytes
        if (!b.has(pos, 2)) truncated(name, F, "no end-of-image marker");
        const u8 m = b.at(pos + 1);
        pos += 2;
        if (m == 0xD9) break; // EOI
        if (m == 0xD8) fail(name, "corrupt JPEG data: a second start-of-image marker");
        if (m == 0x01 || (m >= 0xD0 && m <= 0xD7)) continue; // standalone markers
        if (m == 0x00) fail(name, "corrupt JPEG data: invalid marker at byte " + std::to_string(pos - 2));
        if (!b.has(pos, 2)) truncated(name, F, "inside a segment header");
        const size_t len = b.be16(pos);
        if (len < 2) fail(name, "corrupt JPEG data: segment length " + std::to_string(len));
        if (!b.has(pos, len)) truncated(name, F, "inside a segment");
        const size_t seg = pos + 2, seg_len = len - 2;
        const bool is_sof = m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
        if (is_sof && !have_sof) {
            if (seg_len < 6) fail(name, "corrupt JPEG data: short frame header");
            h->bit_depth = b.at(seg);
            h->height = int(b.be16(seg + 1));
            h->width = int(b.be16(seg + 3));
            h->channels = b.at(seg + 5);
            have_sof = true;
            if (h->height == 0)
                fail(name, "unsupported JPEG: the height is defined later in the file (DNL marker)");
            if (h->width == 0) fail(name, "corrupt JPEG data: width 0 in the frame header");
        } else if (m == 0xE1 && !have_exif && seg_len >= 6 && std::memcmp(b.p + seg, "Exif\0\0", 6) == 0) {
            have_exif = true;
            h->orientation = exif_orientation(Bytes{b.p + seg + 6, seg_len - 6});
        }
        pos += len;
        if (m == 0xDA) { // start of scan: skip the entropy-coded data up to the next marker
            if (!have_sof) fail(name, "corrupt JPEG data: scan before the frame header");
            have_sos = true;
            while (true) {
                const u8* q = static_cast<const u8*>(std::memchr(b.p + pos, 0xFF, b.n - pos));
                if (!q || q + 1 >= b.p + b.n) truncated(name, F, "the compressed data has no end-of-image marker");
                pos = size_t(q - b.p);
                const u8 next = b.at(pos + 1);
                if (next == 0x00 || (next >= 0xD0 && next <= 0xD7)) { pos += 2; continue; }
                if (next == 0xFF) { pos += 1; continue; }
                break; // a real marker
            }
        }
    }
    if (!have_sof) fail(name, "corrupt JPEG data: no frame header (SOF)");
    if (!have_sos) fail(name, "corrupt JPEG data: no image data (SOS)");
    if (h->orientation == 0) h->orientation = 1;
}

void parse_png(Bytes b, const std::string& name, ImageHeader* h) {
    const std::string F = "PNG";
    size_t pos = 8;
    bool first = true, have_idat = false;
    while (true) {
        if (!b.has(pos, 8)) truncated(name, F, "no IEND chunk");
        const std::uint32_t len = b.be32(pos);
        const std::string type(reinterpret_cast<const char*>(b.p + pos + 4), 4);
        if (len > 0x7FFFFFFFu) fail(name, "corrupt PNG data: chunk length " + std::to_string(len));
        if (!b.has(pos + 8, size_t(len) + 4)) truncated(name, F, "inside the " + type + " chunk");
        const size_t data = pos + 8;
        const bool critical = (type[0] & 0x20) == 0;
        const std::uint32_t crc = b.be32(data + len);
        const uLong computed = crc32(crc32(0L, Z_NULL, 0), b.p + pos + 4, uInt(len + 4));
        if (critical && crc != std::uint32_t(computed))
            fail(name, "corrupt PNG data: CRC mismatch in the " + type + " chunk");
        if (first) {
            if (type != "IHDR" || len != 13) fail(name, "corrupt PNG data: the first chunk is not IHDR");
            const std::uint32_t w = b.be32(data), hh = b.be32(data + 4);
            if (w == 0 || hh == 0 || w > 0x7FFFFFFFu || hh > 0x7FFFFFFFu)
                fail(name, "corrupt PNG data: invalid size " + std::to_string(w) + "x" + std::to_string(hh));
            h->width = int(w);
            h->height = int(hh);
            h->bit_depth = b.at(data + 8);
            switch (b.at(data + 9)) {
            case 0: h->channels = 1; break;
            case 2: h->channels = 3; break;
            case 3: h->channels = 3; break; // palette
            case 4: h->channels = 2; break;
            case 6: h->channels = 4; break;
            default: fail(name, "corrupt PNG data: colour type " + std::to_string(b.at(data + 9)));
            }
            first = false;
        } else if (type == "tRNS" && h->channels == 3) {
            h->channels = 4; // palette or RGB with a transparent colour
        } else if (type == "eXIf" && h->orientation == 1) {
            const int o = exif_orientation(Bytes{b.p + data, len});
            h->orientation = o == 0 ? 1 : o;
        } else if (type == "IDAT") {
            have_idat = true;
        } else if (type == "IEND") {
            break;
        }
        pos = data + len + 4;
    }
    if (!have_idat) fail(name, "corrupt PNG data: no image data (IDAT)");
}

void parse_bmp(Bytes b, const std::string& name, ImageHeader* h) {
    const std::string F = "BMP";
    if (!b.has(0, 26)) truncated(name, F, "inside the header");
    const std::uint32_t off_bits = b.le32(10);
    const std::uint32_t dib = b.le32(14);
    std::int64_t w = 0, hh = 0;
    std::uint32_t bpp = 0, compression = 0;
    if (dib == 12) {
        w = b.le16(18);
        hh = b.le16(20);
        bpp = b.le16(24);
    } else if (dib >= 40) {
        if (!b.has(0, 14 + 40)) truncated(name, F, "inside the header");
        w = std::int32_t(b.le32(18));
        hh = std::int32_t(b.le32(22));
        bpp = b.le16(28);
        compression = b.le32(30);
    } else {
        fail(name, "corrupt BMP data: unknown info header size " + std::to_string(dib));
    }
    if (hh < 0) hh = -hh;
    if (w <= 0 || hh <= 0 || w > 0x7FFFFFFF || hh > 0x7FFFFFFF)
        fail(name, "corrupt BMP data: invalid size " + std::to_string(w) + "x" + std::to_string(hh));
    h->width = int(w);
    h->height = int(hh);
    h->bit_depth = 8;
    if (compression == 0 || compression == 3) { // uncompressed: the pixel array must be complete
        const std::uint64_t stride = (std::uint64_t(w) * bpp + 31) / 32 * 4;
        if (std::uint64_t(off_bits) + stride * std::uint64_t(hh) > b.n)
            truncated(name, F, "the pixel data is shorter than the header says");
    }
}

void parse_webp(Bytes b, const std::string& name, ImageHeader* h) {
    const std::string F = "WebP";
    const std::uint64_t riff = b.le32(4);
    if (riff + 8 > b.n) truncated(name, F, "shorter than its RIFF size");
    const size_t end = size_t(riff + 8);
    size_t pos = 12;
    bool have_size = false;
    while (pos + 8 <= end) {
        const std::string type(reinterpret_cast<const char*>(b.p + pos), 4);
        const std::uint32_t len = b.le32(pos + 4);
        const size_t data = pos + 8;
        if (len > end - data) truncated(name, F, "inside the " + type + " chunk");
        if (!have_size && type == "VP8 ") {
            if (len < 10 || b.at(data + 3) != 0x9D || b.at(data + 4) != 0x01 || b.at(data + 5) != 0x2A)
                fail(name, "corrupt WebP data: bad VP8 frame header");
            h->width = int(b.le16(data + 6) & 0x3FFF);
            h->height = int(b.le16(data + 8) & 0x3FFF);
            h->channels = std::max(h->channels, 3);
            have_size = true;
        } else if (!have_size && type == "VP8L") {
            if (len < 5 || b.at(data) != 0x2F) fail(name, "corrupt WebP data: bad VP8L header");
            const std::uint32_t bits = b.le32(data + 1);
            h->width = int((bits & 0x3FFF) + 1);
            h->height = int(((bits >> 14) & 0x3FFF) + 1);
            h->channels = ((bits >> 28) & 1) ? 4 : 3;
            have_size = true;
        } else if (!have_size && type == "VP8X") {
            if (len < 10) fail(name, "corrupt WebP data: bad VP8X header");
            if (b.at(data) & 0x02) fail(name, "unsupported WebP: animated images are not supported");
            h->width = int((b.le32(data + 4) & 0xFFFFFF) + 1);
            h->height = int((b.le32(data + 7) & 0xFFFFFF) + 1);
            h->channels = (b.at(data) & 0x10) ? 4 : 3;
            have_size = true;
        } else if (type == "EXIF") {
            Bytes block{b.p + data, len};
            if (len >= 6 && std::memcmp(block.p, "Exif\0\0", 6) == 0) block = Bytes{block.p + 6, len - 6};
            const int o = exif_orientation(block);
            if (o) h->orientation = o;
        }
        pos = data + len + (len & 1);
    }
    if (!have_size) fail(name, "corrupt WebP data: no VP8/VP8L/VP8X chunk");
    if (h->width <= 0 || h->height <= 0) fail(name, "corrupt WebP data: invalid size");
    h->bit_depth = 8;
}

void parse_tiff(Bytes b, const std::string& name, ImageHeader* h) {
    const std::string F = "TIFF";
    TiffReader t{b};
    size_t ifd0 = 0;
    if (!t.header(&ifd0)) fail(name, "corrupt TIFF data: bad header");
    std::map<std::uint32_t, TiffReader::Entry> e;
    if (!t.ifd(ifd0, &e)) truncated(name, F, "the first directory is outside the file");
    auto get = [&](std::uint32_t tag, std::uint64_t fallback) {
        std::uint64_t v = fallback;
        auto it = e.find(tag);
        if (it != e.end()) t.value(it->second, 0, &v);
        return v;
    };
    const std::uint64_t w = get(256, 0), hh = get(257, 0);
    if (w == 0 || hh == 0 || w > 0x7FFFFFFF || hh > 0x7FFFFFFF)
        fail(name, "corrupt TIFF data: invalid or missing size " + std::to_string(w) + "x" + std::to_string(hh));
    h->width = int(w);
    h->height = int(hh);
    h->channels = int(get(277, 1));
    h->bit_depth = int(get(258, 1));
    const std::uint64_t o = get(274, 1);
    h->orientation = o >= 1 && o <= 8 ? int(o) : 1;
    // Strips (273/279) or tiles (324/325) must lie inside the file.
    for (auto [off_tag, cnt_tag] : {std::pair<std::uint32_t, std::uint32_t>{273, 279}, {324, 325}}) {
        auto a = e.find(off_tag), c = e.find(cnt_tag);
        if (a == e.end() || c == e.end()) continue;
        const std::uint32_t n = std::min(a->second.count, c->second.count);
        for (std::uint32_t i = 0; i < n; ++i) {
            std::uint64_t off = 0, cnt = 0;
            if (!t.value(a->second, i, &off) || !t.value(c->second, i, &cnt)) break;
            if (off + cnt > b.n) truncated(name, F, "image data beyond the end of the file");
        }
    }
}

void parse_pnm(Bytes b, const std::string& name, ImageHeader* h) {
    const std::string F = "PNM";
    const char kind = char(b.at(1));
    const bool bitmap = kind == '1' || kind == '4';
    size_t pos = 2;
    auto next_number = [&](const char* what) -> std::uint64_t {
        while (pos < b.n) {
            const char c = char(b.at(pos));
            if (c == '#') {
                while (pos < b.n && b.at(pos) != '\n' && b.at(pos) != '\r') ++pos;
            } else if (std::isspace(static_cast<unsigned char>(c))) {
                ++pos;
            } else {
                break;
            }
        }
        if (pos >= b.n) truncated(name, F, std::string("the header ends before the ") + what);
        if (!std::isdigit(b.at(pos))) fail(name, std::string("corrupt PNM header: expected the ") + what);
        std::uint64_t v = 0;
        while (pos < b.n && std::isdigit(b.at(pos))) {
            v = v * 10 + std::uint64_t(b.at(pos) - '0');
            if (v > 0x7FFFFFFF) fail(name, std::string("corrupt PNM header: the ") + what + " is too large");
            ++pos;
        }
        return v;
    };
    const std::uint64_t w = next_number("width"), hh = next_number("height");
    const std::uint64_t maxval = bitmap ? 1 : next_number("maximum value");
    if (w == 0 || hh == 0) fail(name, "corrupt PNM header: size " + std::to_string(w) + "x" + std::to_string(hh));
    if (maxval == 0 || maxval > 65535) fail(name, "corrupt PNM header: maximum value " + std::to_string(maxval));
    h->width = int(w);
    h->height = int(hh);
    h->channels = (kind == '3' || kind == '6') ? 3 : 1;
    h->bit_depth = bitmap ? 1 : (maxval < 256 ? 8 : 16);
    if (kind >= '4') { // binary: one whitespace byte, then the raster
        const std::uint64_t raster = kind == '4' ? (w + 7) / 8 * hh
                                                 : w * hh * std::uint64_t(h->channels) * (maxval < 256 ? 1 : 2);
        if (pos + 1 + raster > b.n) truncated(name, F, "the pixel data is shorter than the header says");
    }
}

std::string detect_format(Bytes b) {
    static const u8 png_sig[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
    if (b.has(0, 3) && b.at(0) == 0xFF && b.at(1) == 0xD8 && b.at(2) == 0xFF) return "jpeg";
    if (b.has(0, 8) && std::memcmp(b.p, png_sig, 8) == 0) return "png";
    if (b.has(0, 12) && std::memcmp(b.p, "RIFF", 4) == 0 && std::memcmp(b.p + 8, "WEBP", 4) == 0) return "webp";
    if (b.has(0, 4) && (std::memcmp(b.p, "II*\0", 4) == 0 || std::memcmp(b.p, "MM\0*", 4) == 0)) return "tiff";
    if (b.has(0, 2) && b.at(0) == 'B' && b.at(1) == 'M') return "bmp";
    if (b.has(0, 3) && b.at(0) == 'P' && b.at(1) >= '1' && b.at(1) <= '6' && std::isspace(b.at(2))) return "pnm";
    return "";
}

std::string describe_unknown(Bytes b) {
    if (b.has(0, 4) && std::memcmp(b.p, "GIF8", 4) == 0) return "a GIF image (not supported)";
    if (b.has(0, 4) && (std::memcmp(b.p, "II+\0", 4) == 0 || std::memcmp(b.p, "MM\0+", 4) == 0))
        return "a BigTIFF image (not supported)";
    if (b.has(0, 12) && std::memcmp(b.p + 4, "ftyp", 4) == 0) return "an ISO media file (HEIF/AVIF/MP4: not supported)";
    if (b.has(0, 4) && std::memcmp(b.p, "%PDF", 4) == 0) return "a PDF document";
    if (b.has(0, 4) && std::memcmp(b.p, "\x7f" "ELF", 4) == 0) return "an executable";
    bool text = true;
    for (size_t i = 0; i < std::min<size_t>(b.n, 512); ++i) {
        const u8 c = b.at(i);
        if (c < 0x09 || (c > 0x0D && c < 0x20 && c != 0x1B)) { text = false; break; }
    }
    if (text) return "a text file";
    return "an unknown format";
}

std::string upper(std::string s) {
    for (auto& c : s) c = char(std::toupper(static_cast<unsigned char>(c)));
    return s == "WEBP" ? "WebP" : s;
}

Image decode(std::string_view data, const std::string& name, const ImageLimits& limits) {
    const ImageHeader h = read_image_header(data, name, limits);
    cv::Mat raw;
    try {
        const cv::Mat buf(1, int(data.size()), CV_8U, const_cast<char*>(data.data()));
        raw = cv::imdecode(buf, cv::IMREAD_UNCHANGED); // never applies EXIF orientation
    } catch (const cv::Exception& e) {
        fail(name, "could not decode the " + upper(h.format) + " data: " + e.err);
    }
    if (raw.empty()) fail(name, "could not decode the " + upper(h.format) + " data (corrupt or unsupported variant)");
    if (raw.cols != h.width || raw.rows != h.height)
        fail(name, "the decoded size " + std::to_string(raw.cols) + "x" + std::to_string(raw.rows) +
                       " differs from the header's " + std::to_string(h.width) + "x" + std::to_string(h.height));

    cv::Mat eight;
    switch (raw.depth()) {
    case CV_8U: eight = raw; break;
    case CV_16U: raw.convertTo(eight, CV_8U, 255.0 / 65535.0); break;
    case CV_32F:
    case CV_64F: raw.convertTo(eight, CV_8U, 255.0); break;
    default: fail(name, "unsupported sample type (signed integer samples)");
    }
    cv::Mat rgb;
    switch (eight.channels()) {
    case 1: cv::cvtColor(eight, rgb, cv::COLOR_GRAY2RGB); break;
    case 2: {
        cv::Mat gray;
        cv::extractChannel(eight, gray, 0);
        cv::cvtColor(gray, rgb, cv::COLOR_GRAY2RGB);
        break;
    }
    case 3: cv::cvtColor(eight, rgb, cv::COLOR_BGR2RGB); break;
    case 4: cv::cvtColor(eight, rgb, cv::COLOR_BGRA2RGB); break;
    default: fail(name, "unsupported number of channels: " + std::to_string(eight.channels()));
    }

    Image img;
    img.rgb = apply_orientation(rgb, h.orientation);
    if (!img.rgb.isContinuous()) img.rgb = img.rgb.clone();
    img.path = name;
    img.format = h.format;
    img.width = h.width;
    img.height = h.height;
    img.channels = h.channels > 0 ? h.channels : raw.channels();
    img.bit_depth = h.bit_depth > 0 ? h.bit_depth : int(raw.elemSize1() * 8);
    img.orientation = h.orientation;
    img.oriented_width = img.rgb.cols;
    img.oriented_height = img.rgb.rows;
    return img;
}

} // namespace

ImageHeader read_image_header(std::string_view data, const std::string& name, const ImageLimits& limits) {
    if (data.empty()) fail(name, "the file is empty (0 bytes)");
    const Bytes b{reinterpret_cast<const u8*>(data.data()), data.size()};
    ImageHeader h;
    h.format = detect_format(b);
    if (h.format.empty())
        fail(name, "not a supported image (JPEG, PNG, BMP, WebP, TIFF, PNM): the data looks like " +
                       describe_unknown(b));
    if (h.format == "jpeg") parse_jpeg(b, name, &h);
    else if (h.format == "png") parse_png(b, name, &h);
    else if (h.format == "bmp") parse_bmp(b, name, &h);
    else if (h.format == "webp") parse_webp(b, name, &h);
    else if (h.format == "tiff") parse_tiff(b, name, &h);
    else parse_pnm(b, name, &h);
    if (h.orientation < 1 || h.orientation > 8) h.orientation = 1;
    const std::uint64_t pixels = std::uint64_t(h.width) * std::uint64_t(h.height);
    if (limits.max_pixels && pixels > limits.max_pixels)
        fail(name, "the image is too large: " + std::to_string(h.width) + "x" + std::to_string(h.height) + " = " +
                       std::to_string(pixels) + " pixels, the limit is " + std::to_string(limits.max_pixels) +
                       " (possible decompression bomb; not decoded)");
    return h;
}

Image load_image_from_memory(std::string_view data, const std::string& name, const ImageLimits& limits) {
    if (limits.max_file_bytes && data.size() > limits.max_file_bytes)
        fail(name, "the image data is too large: " + std::to_string(data.size()) + " bytes, the limit is " +
                       std::to_string(limits.max_file_bytes));
    if (data.size() > size_t(INT32_MAX)) fail(name, "the image data is larger than 2 GiB");
    return decode(data, name, limits);
}

Image load_image(const std::string& path, const ImageLimits& limits) {
    std::error_code ec;
    const fs::file_status st = fs::status(path, ec);
    if (path.empty()) throw_input("no image path given");
    if (ec || !fs::exists(st)) fail(path, "no such file");
    if (fs::is_directory(st)) fail(path, "is a directory, not an image file");
    if (!fs::is_regular_file(st)) fail(path, "is not a regular file");
    const std::uintmax_t size = fs::file_size(path, ec);
    if (ec) fail(path, "cannot read the file size: " + ec.message());
    if (size == 0) fail(path, "the file is empty (0 bytes)");
    if (limits.max_file_bytes && size > limits.max_file_bytes)
        fail(path, "the file is too large: " + std::to_string(size) + " bytes, the limit is " +
                       std::to_string(limits.max_file_bytes));
    const std::string data = read_file(path, limits.max_file_bytes);
    return load_image_from_memory(data, path, limits);
}

const std::vector<std::string>& image_extensions() {
    static const std::vector<std::string> e = {"jpg", "jpeg", "png", "bmp", "webp", "tif",
                                               "tiff", "pbm", "pgm", "ppm", "pnm"};
    return e;
}

bool has_image_extension(const std::string& path) {
    std::string ext = fs::path(path).extension().string();
    if (ext.size() < 2) return false;
    ext.erase(0, 1);
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    const auto& all = image_extensions();
    return std::find(all.begin(), all.end(), ext) != all.end();
}

cv::Mat apply_orientation(const cv::Mat& image, int orientation) {
    cv::Mat out;
    switch (orientation) {
    case 2: cv::flip(image, out, 1); break;             // mirror horizontally
    case 3: cv::rotate(image, out, cv::ROTATE_180); break;
    case 4: cv::flip(image, out, 0); break;             // mirror vertically
    case 5: cv::transpose(image, out); break;           // mirror across the main diagonal
    case 6: cv::rotate(image, out, cv::ROTATE_90_CLOCKWISE); break;
    case 7: cv::transpose(image, out); cv::flip(out, out, -1); break; // across the anti-diagonal
    case 8: cv::rotate(image, out, cv::ROTATE_90_COUNTERCLOCKWISE); break;
    default: out = image; break;
    }
    return out;
}

} // namespace hoi::io
