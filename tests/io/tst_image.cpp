// Image loading: formats, conversions to 8-bit RGB, EXIF orientation, and every rejection case.
// Fixtures are generated here with OpenCV (plus hand-written EXIF / PNG chunks) in a temporary dir.
#include <QtTest>

#include "io/error.h"
#include "io/image.h"
#include "test_util.h"

#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <zlib.h>

using hoi::io::Image;
using hoi::io::ImageLimits;

namespace {

std::string encode(const cv::Mat& m, const std::string& ext, const std::vector<int>& params = {}) {
    std::vector<uchar> buf;
    if (!cv::imencode(ext, m, buf, params)) throw std::runtime_error("imencode failed for " + ext);
    return std::string(buf.begin(), buf.end());
}

void write_bytes(const std::string& path, const std::string& data) {
    std::ofstream out(path, std::ios::binary);
    out.write(data.data(), std::streamsize(data.size()));
}

std::string be32(std::uint32_t v) {
    return {char(v >> 24), char(v >> 16), char(v >> 8), char(v)};
}

// A PNG chunk with its CRC.
std::string png_chunk(const std::string& type, const std::string& data) {
    std::string body = type + data;
    const uLong crc = crc32(crc32(0L, Z_NULL, 0), reinterpret_cast<const Bytef*>(body.data()), uInt(body.size()));
    return be32(std::uint32_t(data.size())) + body + be32(std::uint32_t(crc));
}

// A little-endian TIFF block with one IFD holding only the orientation tag (274, SHORT).
std::string exif_tiff(int orientation) {
    std::string t("II*\0", 4);
    t += std::string("\x08\x00\x00\x00", 4);                  // IFD0 at offset 8
    t += std::string("\x01\x00", 2);                          // 1 entry
    t += std::string("\x12\x01\x03\x00\x01\x00\x00\x00", 8);  // tag 0x0112, SHORT, count 1
    t += char(orientation);
    t += std::string("\x00\x00\x00", 3);                      // value (padded to 4 bytes)
    t += std::string("\x00\x00\x00\x00", 4);                  // no next IFD
    return t;
}

// Inserts an APP1 "Exif" segment right after the JPEG SOI marker.
std::string jpeg_with_exif(const std::string& jpeg, int orientation) {
    const std::string payload = std::string("Exif\0\0", 6) + exif_tiff(orientation);
    const size_t len = payload.size() + 2;
    std::string seg = std::string("\xFF\xE1", 2) + char(len >> 8) + char(len & 0xFF) + payload;
    return jpeg.substr(0, 2) + seg + jpeg.substr(2);
}

// Inserts an eXIf chunk after the PNG IHDR chunk (signature 8 bytes + IHDR 25 bytes).
std::string png_with_exif(const std::string& png, int orientation) {
    return png.substr(0, 33) + png_chunk("eXIf", exif_tiff(orientation)) + png.substr(33);
}

// Where the stored pixel (x, y) of a W x H image is displayed under each EXIF orientation
// (EXIF 2.3, tag 274: 1 = top-left, 6 = rotate 90 CW to view, 8 = rotate 90 CCW, ...).
cv::Point displayed(int o, int x, int y, int W, int H) {
    switch (o) {
    case 1: return {x, y};
    case 2: return {W - 1 - x, y};
    case 3: return {W - 1 - x, H - 1 - y};
    case 4: return {x, H - 1 - y};
    case 5: return {y, x};
    case 6: return {H - 1 - y, x};
    case 7: return {H - 1 - y, W - 1 - x};
    case 8: return {y, W - 1 - x};
    }
    return {-1, -1};
}

// A W x H BGR image whose every pixel is distinct: B = x * 7, G = y * 11, R = (x + 3 y) * 5.
cv::Mat pattern_bgr(int W, int H) {
    cv::Mat m(H, W, CV_8UC3);
    for (int y = 0; y < H; ++y)
        for (int x = 0; x < W; ++x) m.at<cv::Vec3b>(y, x) = cv::Vec3b(uchar(x * 7), uchar(y * 11), uchar((x + 3 * y) * 5));
    return m;
}

// Asserts that `call` throws hoi::Error(Input) whose message contains every fragment.
template <class F>
bool throws_input(F&& call, const QStringList& fragments, QString* message) {
    try {
        call();
    } catch (const hoi::Error& e) {
        *message = QString::fromUtf8(e.what());
        if (e.kind() != hoi::ErrorKind::Input) return false;
        for (const auto& f : fragments)
            if (!message->contains(f, Qt::CaseInsensitive)) return false;
        return true;
    } catch (const std::exception& e) {
        *message = QString("unexpected exception: ") + e.what();
        return false;
    }
    *message = "no exception";
    return false;
}

#define EXPECT_INPUT_ERROR(call, ...)                                                       \
    do {                                                                                    \
        QString msg_;                                                                       \
        QVERIFY2(throws_input([&] { (void)(call); }, QStringList{__VA_ARGS__}, &msg_),     \
                 qPrintable(msg_));                                                         \
    } while (0)

} // namespace

class TestImage : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    std::string path(const char* name) const { return (dir_.path() + "/" + name).toStdString(); }

private Q_SLOTS:
    void initTestCase() { QVERIFY(dir_.isValid()); }

    void rgbJpegAndPng() {
        const cv::Mat bgr = pattern_bgr(37, 21);
        write_bytes(path("p.png"), encode(bgr, ".png"));
        const Image img = hoi::io::load_image(path("p.png"));
        QCOMPARE(img.format, std::string("png"));
        QCOMPARE(img.width, 37);
        QCOMPARE(img.height, 21);
        QCOMPARE(img.channels, 3);
        QCOMPARE(img.bit_depth, 8);
        QCOMPARE(img.orientation, 1);
        QCOMPARE(img.rgb.type(), CV_8UC3);
        QCOMPARE(img.rgb.cols, 37);
        QCOMPARE(img.rgb.rows, 21);
        // RGB order: R of the result is the R of the BGR source.
        for (int y = 0; y < 21; y += 5)
            for (int x = 0; x < 37; x += 6) {
                const cv::Vec3b s = bgr.at<cv::Vec3b>(y, x), d = img.rgb.at<cv::Vec3b>(y, x);
                QCOMPARE(d[0], s[2]);
                QCOMPARE(d[1], s[1]);
                QCOMPARE(d[2], s[0]);
            }

        cv::Mat red(16, 24, CV_8UC3, cv::Scalar(0, 0, 255)); // BGR red
        write_bytes(path("red.jpg"), encode(red, ".jpg", {cv::IMWRITE_JPEG_QUALITY, 95}));
        const Image j = hoi::io::load_image(path("red.jpg"));
        QCOMPARE(j.format, std::string("jpeg"));
        QCOMPARE(j.channels, 3);
        const cv::Vec3b c = j.rgb.at<cv::Vec3b>(8, 12);
        QVERIFY2(c[0] > 240 && c[1] < 15 && c[2] < 15, "red JPEG must load as R high, G/B low");
    }

    void fromMemory() {
        const std::string png = encode(pattern_bgr(9, 5), ".png");
        const Image img = hoi::io::load_image_from_memory(png, "clipboard");
        QCOMPARE(img.path, std::string("clipboard"));
        QCOMPARE(img.rgb.cols, 9);
        QCOMPARE(img.rgb.rows, 5);
        EXPECT_INPUT_ERROR(hoi::io::load_image_from_memory(png.substr(0, 40), "clip2"), "clip2", "truncated");
        EXPECT_INPUT_ERROR(hoi::io::load_image_from_memory("", "clip3"), "clip3", "empty");
    }

    // Orientation from PNG eXIf, lossless: every pixel must land where EXIF says, exactly once.
    void pngExifOrientationAllValues() {
        const int W = 6, H = 4;
        const cv::Mat bgr = pattern_bgr(W, H);
        const std::string png = encode(bgr, ".png");
        for (int o = 1; o <= 8; ++o) {
            const Image img = hoi::io::load_image_from_memory(png_with_exif(png, o), "o.png");
            QCOMPARE(img.orientation, o);
            QCOMPARE(img.width, W);
            QCOMPARE(img.height, H);
            const int ow = o >= 5 ? H : W, oh = o >= 5 ? W : H;
            QCOMPARE(img.oriented_width, ow);
            QCOMPARE(img.oriented_height, oh);
            QCOMPARE(img.rgb.cols, ow);
            QCOMPARE(img.rgb.rows, oh);
            for (int y = 0; y < H; ++y)
                for (int x = 0; x < W; ++x) {
                    const cv::Point d = displayed(o, x, y, W, H);
                    const cv::Vec3b s = bgr.at<cv::Vec3b>(y, x), r = img.rgb.at<cv::Vec3b>(d.y, d.x);
                    QVERIFY2(r[0] == s[2] && r[1] == s[1] && r[2] == s[0],
                             qPrintable(QString("orientation %1: stored (%2,%3) not at (%4,%5)")
                                                .arg(o).arg(x).arg(y).arg(d.x).arg(d.y)));
                }
        }
    }

    // Orientation from a hand-written JPEG APP1 segment. OpenCV's IMREAD_COLOR applies EXIF
    // orientation itself, so it is an independent reference: the results must be identical,
    // which also proves the pixels are not rotated twice.
    void jpegExifOrientationMatchesOpenCV() {
        cv::Mat bgr(32, 64, CV_8UC3, cv::Scalar(0, 0, 0));
        bgr(cv::Rect(0, 0, 32, 16)).setTo(cv::Scalar(0, 0, 255));   // stored top-left: red
        bgr(cv::Rect(32, 16, 32, 16)).setTo(cv::Scalar(255, 0, 0)); // stored bottom-right: blue
        const std::string jpeg = encode(bgr, ".jpg", {cv::IMWRITE_JPEG_QUALITY, 95});
        for (int o = 1; o <= 8; ++o) {
            const std::string data = jpeg_with_exif(jpeg, o);
            write_bytes(path("exif.jpg"), data);
            const Image img = hoi::io::load_image(path("exif.jpg"));
            QCOMPARE(img.orientation, o);
            QCOMPARE(img.width, 64);
            QCOMPARE(img.height, 32);
            const cv::Mat ref = cv::imread(path("exif.jpg"), cv::IMREAD_COLOR);
            QCOMPARE(img.rgb.cols, ref.cols);
            QCOMPARE(img.rgb.rows, ref.rows);
            cv::Mat ref_rgb;
            cv::cvtColor(ref, ref_rgb, cv::COLOR_BGR2RGB);
            QCOMPARE(cv::norm(img.rgb, ref_rgb, cv::NORM_INF), 0.0);
        }
        // Orientation 6 (rotate 90 CW to view): stored top-left red block is displayed top-right.
        const Image six = hoi::io::load_image_from_memory(jpeg_with_exif(jpeg, 6), "six.jpg");
        QCOMPARE(six.rgb.cols, 32);
        QCOMPARE(six.rgb.rows, 64);
        const cv::Vec3b tr = six.rgb.at<cv::Vec3b>(8, 28), bl = six.rgb.at<cv::Vec3b>(56, 4);
        QVERIFY2(tr[0] > 200 && tr[2] < 60, "orientation 6: red must be at the top right");
        QVERIFY2(bl[2] > 200 && bl[0] < 60, "orientation 6: blue must be at the bottom left");
    }

    void invalidOrientationValueIsIgnored() {
        const std::string png = encode(pattern_bgr(5, 3), ".png");
        const Image img = hoi::io::load_image_from_memory(png_with_exif(png, 9), "o9.png");
        QCOMPARE(img.orientation, 1);
        QCOMPARE(img.rgb.cols, 5);
    }

    void grayscale() {
        cv::Mat g(10, 12, CV_8UC1);
        for (int y = 0; y < 10; ++y)
            for (int x = 0; x < 12; ++x) g.at<uchar>(y, x) = uchar(x * 20 + y);
        write_bytes(path("g.png"), encode(g, ".png"));
        const Image img = hoi::io::load_image(path("g.png"));
        QCOMPARE(img.channels, 1);
        QCOMPARE(img.bit_depth, 8);
        QCOMPARE(img.rgb.type(), CV_8UC3);
        for (int y = 0; y < 10; ++y)
            for (int x = 0; x < 12; ++x) {
                const cv::Vec3b p = img.rgb.at<cv::Vec3b>(y, x);
                QCOMPARE(p[0], g.at<uchar>(y, x));
                QCOMPARE(p[1], g.at<uchar>(y, x));
                QCOMPARE(p[2], g.at<uchar>(y, x));
            }
        write_bytes(path("g.jpg"), encode(g, ".jpg"));
        const Image j = hoi::io::load_image(path("g.jpg"));
        QCOMPARE(j.channels, 1);
        QCOMPARE(j.rgb.type(), CV_8UC3);
    }

    // Alpha is dropped, not composited: a fully transparent pixel keeps its stored colour.
    void rgbaDropsAlpha() {
        cv::Mat bgra(4, 4, CV_8UC4, cv::Scalar(10, 20, 30, 255));
        bgra.at<cv::Vec4b>(1, 2) = cv::Vec4b(200, 100, 50, 0);
        write_bytes(path("a.png"), encode(bgra, ".png"));
        const Image img = hoi::io::load_image(path("a.png"));
        QCOMPARE(img.channels, 4);
        QCOMPARE(img.rgb.type(), CV_8UC3);
        QCOMPARE(img.rgb.at<cv::Vec3b>(1, 2), cv::Vec3b(50, 100, 200));
        QCOMPARE(img.rgb.at<cv::Vec3b>(0, 0), cv::Vec3b(30, 20, 10));
    }

    void sixteenBit() {
        cv::Mat m(2, 3, CV_16UC3, cv::Scalar(0, 0, 0));
        m.at<cv::Vec3w>(0, 0) = cv::Vec3w(65535, 32896, 0); // B, G, R: 255, 128, 0 in 8 bits
        m.at<cv::Vec3w>(1, 2) = cv::Vec3w(257, 514, 65535);
        write_bytes(path("d16.png"), encode(m, ".png"));
        const Image img = hoi::io::load_image(path("d16.png"));
        QCOMPARE(img.bit_depth, 16);
        QCOMPARE(img.channels, 3);
        QCOMPARE(img.rgb.type(), CV_8UC3);
        QCOMPARE(img.rgb.at<cv::Vec3b>(0, 0), cv::Vec3b(0, 128, 255));
        QCOMPARE(img.rgb.at<cv::Vec3b>(1, 2), cv::Vec3b(255, 2, 1));

        cv::Mat g16(3, 3, CV_16UC1, cv::Scalar(65535));
        write_bytes(path("g16.png"), encode(g16, ".png"));
        const Image g = hoi::io::load_image(path("g16.png"));
        QCOMPARE(g.channels, 1);
        QCOMPARE(g.bit_depth, 16);
        QCOMPARE(g.rgb.at<cv::Vec3b>(2, 2), cv::Vec3b(255, 255, 255));
    }

    void otherFormats() {
        const cv::Mat bgr = pattern_bgr(13, 7);
        for (const char* ext : {".bmp", ".webp", ".tiff", ".ppm"}) {
            std::vector<int> params;
            if (std::string(ext) == ".webp") params = {cv::IMWRITE_WEBP_QUALITY, 101}; // lossless
            const std::string data = encode(bgr, ext, params);
            const Image img = hoi::io::load_image_from_memory(data, ext);
            QCOMPARE(img.width, 13);
            QCOMPARE(img.height, 7);
            QCOMPARE(img.rgb.at<cv::Vec3b>(6, 12), cv::Vec3b(bgr.at<cv::Vec3b>(6, 12)[2], bgr.at<cv::Vec3b>(6, 12)[1],
                                                              bgr.at<cv::Vec3b>(6, 12)[0]));
            // The same data cut short is rejected.
            EXPECT_INPUT_ERROR(hoi::io::load_image_from_memory(data.substr(0, data.size() - 20), ext),
                               "truncated");
        }
    }

    void missingFileAndDirectory() {
        EXPECT_INPUT_ERROR(hoi::io::load_image(path("nope.jpg")), "nope.jpg", "no such file");
        EXPECT_INPUT_ERROR(hoi::io::load_image(dir_.path().toStdString()), "directory");
    }

    void zeroByteFile() {
        write_bytes(path("empty.jpg"), "");
        EXPECT_INPUT_ERROR(hoi::io::load_image(path("empty.jpg")), "empty.jpg", "empty");
    }

    void textFileWithImageExtension() {
        write_bytes(path("notes.jpg"), "this is not an image\nreally\n");
        EXPECT_INPUT_ERROR(hoi::io::load_image(path("notes.jpg")), "notes.jpg", "not a supported image", "text");
        write_bytes(path("junk.png"), std::string("\x01\x02\x03\x04\x05\x00\x07", 7));
        EXPECT_INPUT_ERROR(hoi::io::load_image(path("junk.png")), "not a supported image");
    }

    void truncatedJpeg() {
        const std::string jpeg = encode(pattern_bgr(64, 48), ".jpg", {cv::IMWRITE_JPEG_QUALITY, 90});
        // OpenCV alone would decode this with a warning and grey out the missing part.
        write_bytes(path("half.jpg"), jpeg.substr(0, jpeg.size() / 2));
        EXPECT_INPUT_ERROR(hoi::io::load_image(path("half.jpg")), "half.jpg", "truncated");
        // Only the final EOI marker missing.
        write_bytes(path("noeoi.jpg"), jpeg.substr(0, jpeg.size() - 2));
        EXPECT_INPUT_ERROR(hoi::io::load_image(path("noeoi.jpg")), "truncated");
        // Cut inside the headers.
        EXPECT_INPUT_ERROR(hoi::io::load_image_from_memory(jpeg.substr(0, 10), "head.jpg"), "truncated");
    }

    void truncatedPng() {
        const std::string png = encode(pattern_bgr(64, 48), ".png");
        write_bytes(path("half.png"), png.substr(0, png.size() / 2));
        EXPECT_INPUT_ERROR(hoi::io::load_image(path("half.png")), "half.png", "truncated");
    }

    // Structurally valid PNG whose compressed data is garbage: the decoder must fail cleanly.
    void undecodablePng() {
        std::string ihdr = be32(8) + be32(8) + std::string("\x08\x02\x00\x00\x00", 5);
        const std::string data = std::string("\x89PNG\r\n\x1a\n", 8) + png_chunk("IHDR", ihdr) +
                                 png_chunk("IDAT", "garbage, not zlib data") + png_chunk("IEND", "");
        EXPECT_INPUT_ERROR(hoi::io::load_image_from_memory(data, "bad.png"), "bad.png", "could not decode");
        // A corrupted critical chunk is caught by its CRC.
        std::string png = encode(pattern_bgr(8, 8), ".png");
        png[40] = char(png[40] ^ 0x55);
        EXPECT_INPUT_ERROR(hoi::io::load_image_from_memory(png, "crc.png"), "CRC");
    }

    void decompressionBombPng() {
        // A 100000 x 100000 RGB PNG header with a tiny IDAT: rejected before any decoding.
        std::string ihdr = be32(100000) + be32(100000) + std::string("\x08\x02\x00\x00\x00", 5);
        const std::string idat = png_chunk("IDAT", std::string("\x78\x9c\x03\x00\x00\x00\x00\x01", 8));
        const std::string data = std::string("\x89PNG\r\n\x1a\n", 8) + png_chunk("IHDR", ihdr) + idat +
                                 png_chunk("IEND", "");
        write_bytes(path("bomb.png"), data);
        EXPECT_INPUT_ERROR(hoi::io::load_image(path("bomb.png")), "bomb.png", "too large", "100000x100000");
        const hoi::io::ImageHeader h = hoi::io::read_image_header(data, "bomb.png", ImageLimits{0, 0});
        QCOMPARE(h.width, 100000);
        QCOMPARE(h.height, 100000);
    }

    void decompressionBombJpeg() {
        // SOI, SOF0 claiming 65535 x 65535 x 3, a minimal scan, EOI.
        std::string d("\xFF\xD8", 2);
        d += std::string("\xFF\xC0\x00\x11\x08\xFF\xFF\xFF\xFF\x03", 10) +
             std::string("\x01\x11\x00\x02\x11\x00\x03\x11\x00", 9);
        d += std::string("\xFF\xDA\x00\x0C\x03\x01\x00\x02\x11\x03\x11\x00\x3F\x00", 14);
        d += std::string("\x12\x34\xFF\x00\x56", 5);
        d += std::string("\xFF\xD9", 2);
        write_bytes(path("bomb.jpg"), d);
        EXPECT_INPUT_ERROR(hoi::io::load_image(path("bomb.jpg")), "too large", "65535x65535");
    }

    void configurablePixelLimit() {
        write_bytes(path("lim.png"), encode(pattern_bgr(40, 30), ".png"));
        ImageLimits small;
        small.max_pixels = 1199;
        EXPECT_INPUT_ERROR(hoi::io::load_image(path("lim.png"), small), "too large", "1200", "1199");
        small.max_pixels = 1200;
        QCOMPARE(hoi::io::load_image(path("lim.png"), small).rgb.cols, 40);
        ImageLimits bytes;
        bytes.max_file_bytes = 10;
        EXPECT_INPUT_ERROR(hoi::io::load_image(path("lim.png"), bytes), "too large", "bytes");
    }

    void realSamples() {
        struct S { const char* name; int w, h, ch; };
        for (const S& s : {S{"messi5.jpg", 548, 342, 3}, S{"basketball1.png", 640, 480, 1},
                           S{"person.jpg", 640, 424, 3}, S{"dog.jpg", 768, 576, 3}}) {
            const std::string p = hoi::test::samples_dir() + "/" + s.name;
            HOI_REQUIRE_FILE(p);
            const Image img = hoi::io::load_image(p);
            QCOMPARE(img.width, s.w);
            QCOMPARE(img.height, s.h);
            QCOMPARE(img.channels, s.ch);
            QCOMPARE(img.orientation, 1);
            QCOMPARE(img.rgb.type(), CV_8UC3);
            QCOMPARE(img.rgb.cols, s.w);
            QCOMPARE(img.rgb.rows, s.h);
            // Identical to OpenCV's own decoding (converted to RGB).
            cv::Mat ref = cv::imread(p, cv::IMREAD_COLOR), ref_rgb;
            cv::cvtColor(ref, ref_rgb, cv::COLOR_BGR2RGB);
            QCOMPARE(cv::norm(img.rgb, ref_rgb, cv::NORM_INF), 0.0);
        }
    }
};

QTEST_GUILESS_MAIN(TestImage)
#include "tst_image.moc"
