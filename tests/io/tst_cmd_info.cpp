// `hoi info`: per-image JSON (size, channels, depth, EXIF orientation) or the reason an image
// cannot be used; exit 3 when any image is unusable, 2 on bad usage.
#include <QtTest>

#include "io/names.h"
#include "test_util.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

namespace {

void write_bytes(const QString& path, const std::string& data) {
    std::ofstream out(path.toStdString(), std::ios::binary);
    out.write(data.data(), std::streamsize(data.size()));
}

std::string encode(const cv::Mat& m, const std::string& ext) {
    std::vector<uchar> buf;
    cv::imencode(ext, m, buf);
    return std::string(buf.begin(), buf.end());
}

// JPEG with an APP1 Exif segment holding orientation `o` (little-endian TIFF, one IFD entry).
std::string jpeg_with_orientation(const std::string& jpeg, int o) {
    std::string tiff("II*\0\x08\0\0\0\x01\0\x12\x01\x03\0\x01\0\0\0", 18);
    tiff += char(o);
    tiff += std::string(7, '\0');
    const std::string payload = std::string("Exif\0\0", 6) + tiff;
    const size_t len = payload.size() + 2;
    return jpeg.substr(0, 2) + std::string("\xFF\xE1", 2) + char(len >> 8) + char(len & 0xFF) + payload + jpeg.substr(2);
}

} // namespace

class TestCmdInfo : public QObject {
    Q_OBJECT

    QTemporaryDir dir_;
    QString path(const char* name) const { return dir_.path() + "/" + name; }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(dir_.isValid());
        HOI_REQUIRE_FILE(hoi::test::bin_path("hoi"));
        write_bytes(path("gray.png"), encode(cv::Mat(30, 50, CV_8UC1, cv::Scalar(7)), ".png"));
        write_bytes(path("rot.jpg"), jpeg_with_orientation(encode(cv::Mat(20, 40, CV_8UC3, cv::Scalar(1, 2, 3)), ".jpg"), 6));
        write_bytes(path("notes.jpg"), "just some text\n");
    }

    void reportsGoodImages() {
        const auto r = hoi::test::run_hoi({"info", path("gray.png"), path("rot.jpg")});
        QVERIFY2(r.exit_code == 0, r.err.c_str());
        const auto j = nlohmann::json::parse(r.out);
        QCOMPARE(int(j["images"].size()), 2);
        const auto& g = j["images"][0];
        QCOMPARE(g["ok"].get<bool>(), true);
        QCOMPARE(g["format"].get<std::string>(), std::string("png"));
        QCOMPARE(g["width"].get<int>(), 50);
        QCOMPARE(g["height"].get<int>(), 30);
        QCOMPARE(g["channels"].get<int>(), 1);
        QCOMPARE(g["bit_depth"].get<int>(), 8);
        QCOMPARE(g["orientation"].get<int>(), 1);
        const auto& rot = j["images"][1];
        QCOMPARE(rot["orientation"].get<int>(), 6);
        QCOMPARE(rot["width"].get<int>(), 40);
        QCOMPARE(rot["height"].get<int>(), 20);
        QCOMPARE(rot["oriented_width"].get<int>(), 20);
        QCOMPARE(rot["oriented_height"].get<int>(), 40);
    }

    void unusableImagesExitThreeButOthersReported() {
        const auto r = hoi::test::run_hoi({"info", path("gray.png"), path("notes.jpg"), path("missing.png")});
        QCOMPARE(r.exit_code, 3);
        QVERIFY(!r.crashed);
        const auto j = nlohmann::json::parse(r.out);
        QCOMPARE(int(j["images"].size()), 3);
        QCOMPARE(j["images"][0]["ok"].get<bool>(), true);
        QCOMPARE(j["images"][1]["ok"].get<bool>(), false);
        QVERIFY(j["images"][1]["error"].get<std::string>().find("not a supported image") != std::string::npos);
        QVERIFY(j["images"][2]["error"].get<std::string>().find("no such file") != std::string::npos);
        QVERIFY(QString::fromStdString(r.err).contains("notes.jpg"));
    }

    void pixelLimitOption() {
        const auto r = hoi::test::run_hoi({"info", "--max-pixels", "1000", path("gray.png")});
        QCOMPARE(r.exit_code, 3);
        const auto j = nlohmann::json::parse(r.out);
        QVERIFY(j["images"][0]["error"].get<std::string>().find("too large") != std::string::npos);
        QCOMPARE(hoi::test::run_hoi({"info", "--max-pixels", "1500", path("gray.png")}).exit_code, 0);
    }

    void namesThatAreNotUtf8() {
        // The escaping: valid UTF-8 unchanged ('%' too); otherwise bad bytes and '%' as %XX.
        QCOMPARE(hoi::io::escape_name("50%.jpg"), std::string("50%.jpg"));
        QCOMPARE(hoi::io::escape_name("caf\xC3\xA9.jpg"), std::string("caf\xC3\xA9.jpg"));
        QCOMPARE(hoi::io::escape_name("caf\xE9 50%.jpg"), std::string("caf%E9 50%25.jpg"));
        QCOMPARE(hoi::io::escape_name("a\xC3"), std::string("a%C3"));
        QCOMPARE(hoi::io::escape_name("\xED\xA0\x80x"), std::string("%ED%A0%80x")); // a surrogate
        // hoi info on such a file (the name goes through sh: Qt's arguments are UTF-8 strings).
        const std::string name = "caf\xE9 50%.png";
        std::ofstream(dir_.path().toStdString() + "/" + name, std::ios::binary)
            << encode(cv::Mat(10, 12, CV_8UC3, cv::Scalar(1, 2, 3)), ".png");
        const auto r = hoi::test::run_process("/bin/sh", {"-c", "exec \"$0\" info \"$1/caf$(printf '\\351') 50%.png\"",
                                                          QString::fromStdString(hoi::test::bin_path("hoi")), dir_.path()});
        QVERIFY2(r.exit_code == 0, r.err.c_str());
        const auto j = nlohmann::json::parse(r.out);
        QCOMPARE(j["images"][0]["path"].get<std::string>(), dir_.path().toStdString() + "/caf%E9 50%25.png");
        QCOMPARE(j["images"][0]["width"].get<int>(), 12);
    }

    void usageErrors() {
        QCOMPARE(hoi::test::run_hoi({"info"}).exit_code, 2);
        QCOMPARE(hoi::test::run_hoi({"info", "--max-pixels", "lots", path("gray.png")}).exit_code, 2);
    }

    void realSample() {
        const std::string p = hoi::test::samples_dir() + "/messi5.jpg";
        HOI_REQUIRE_FILE(p);
        const auto r = hoi::test::run_hoi({"info", QString::fromStdString(p)});
        QCOMPARE(r.exit_code, 0);
        const auto j = nlohmann::json::parse(r.out)["images"][0];
        QCOMPARE(j["width"].get<int>(), 548);
        QCOMPARE(j["height"].get<int>(), 342);
        QCOMPARE(j["channels"].get<int>(), 3);
    }
};

QTEST_GUILESS_MAIN(TestCmdInfo)
#include "tst_cmd_info.moc"
