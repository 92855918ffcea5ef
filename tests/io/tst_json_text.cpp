// JSON text in and out (io/json_text.h): numbers written as the shortest decimal meant, duplicate
// keys in inputs reported (by the reader and through `hoi validate`), zip directories checked.
#include <QtTest>

#include "io/error.h"
#include "io/json_text.h"
#include "io/zip_directory.h"
#include "test_util.h"

#include <fstream>

class TestJsonText : public QObject {
    Q_OBJECT
    QTemporaryDir dir_;

private Q_SLOTS:
    void numbersPrintShortest() {
        using hoi::io::dump_json;
        QCOMPARE(dump_json(nlohmann::json{{"x", 1.0000000000000002}}), std::string("{\"x\":1.0}"));
        QCOMPARE(dump_json(nlohmann::json{{"alpha", 0.7f}}), std::string("{\"alpha\":0.7}"));
        QCOMPARE(dump_json(nlohmann::json::array({0.1 + 0.2, 0.123456, 3, -2.5f, 1e-7f})),
                 std::string("[0.3,0.123456,3,-2.5,1e-07]"));
        // Strings stay as json_safe makes them.
        QCOMPARE(dump_json(nlohmann::json("caf\xE9")), std::string("\"caf%E9\""));
    }

    void duplicateKeysAreReported() {
        std::vector<std::string> warnings;
        auto j = hoi::io::parse_json_checked(R"({"a": 1, "b": [{"k": 1, "k": 2}], "a": 3})", "f.json",
                                             [&](const std::string& m) { warnings.push_back(m); });
        QCOMPARE(j["a"].get<int>(), 3);
        QCOMPARE(int(warnings.size()), 2);
        QCOMPARE(warnings[0], std::string("f.json: key \"k\" appears twice in .b[0] (the last value is used)"));
        QCOMPARE(warnings[1], std::string("f.json: key \"a\" appears twice in the top-level object (the last value is used)"));
        warnings.clear();
        hoi::io::parse_json_checked(R"({"a": {"x": 1}, "b": {"x": 2}})", "g", [&](const std::string& m) { warnings.push_back(m); });
        QVERIFY(warnings.empty());
        QVERIFY_THROWS_EXCEPTION(hoi::io::JsonTooDeep, hoi::io::parse_json_checked("[[[[1]]]]", "d", nullptr, 3));
    }

    void validateWarnsAboutDuplicateKeys() {
        HOI_REQUIRE_FILE(hoi::test::bin_path("hoi"));
        const std::string path = dir_.path().toStdString() + "/dup.json";
        std::ofstream(path) << R"({"file_name": "a.jpg", "file_name": "b.jpg", "width": 10, "height": 10,)"
                               R"( "annotations": [], "hoi_annotation": []})";
        std::ofstream(dir_.path().toStdString() + "/list.json") << "[" << std::ifstream(path).rdbuf() << "]";
        auto r = hoi::test::run_hoi({"validate", dir_.path() + "/list.json"});
        QVERIFY2(r.err.find("key \"file_name\" appears twice in [0]") != std::string::npos, r.err.c_str());
    }

    void zipDirectoryIsChecked() {
        // A stored entry "a" of 3 bytes, its directory and end record (as PyTorch writes them).
        auto le = [](uint64_t v, int n) {
            std::string s;
            for (int i = 0; i < n; ++i) s += char((v >> (8 * i)) & 0xff);
            return s;
        };
        const std::string local = le(0x04034b50, 4) + std::string(10, '\0') + le(0, 4) + le(3, 4) + le(3, 4) +
                                  le(1, 2) + le(0, 2) + "a" + "xyz";
        const std::string central = le(0x02014b50, 4) + std::string(6, '\0') + le(0, 2) + std::string(4, '\0') +
                                    le(0, 4) + le(3, 4) + le(3, 4) + le(1, 2) + le(0, 2) + le(0, 2) +
                                    std::string(8, '\0') + le(0, 4) + "a";
        auto end = [&](uint64_t cd_size) {
            return le(0x06054b50, 4) + std::string(4, '\0') + le(1, 2) + le(1, 2) + le(cd_size, 4) +
                   le(local.size(), 4) + le(0, 2);
        };
        const std::string zip = local + central + end(central.size());
        auto d = hoi::io::ZipDirectory::parse(zip, "t.pt");
        QCOMPARE(int(d.entries().size()), 1);
        QCOMPARE(d.entries()[0].name, std::string("a"));
        QCOMPARE(d.entries()[0].data_offset, uint64_t(31));
        auto model_error = [](const std::string& bytes) {
            try {
                hoi::io::ZipDirectory::parse(bytes, "t.pt");
            } catch (const hoi::Error& e) {
                return e.kind() == hoi::ErrorKind::Model ? std::string(e.what()) : "wrong kind";
            }
            return std::string("accepted");
        };
        QVERIFY(model_error(zip.substr(0, zip.size() - 5)).find("truncated") != std::string::npos);
        QVERIFY(model_error(local + central + end(central.size() + 100)).find("does not fit") != std::string::npos);
        std::string big = zip;
        big.replace(local.size() + 20, 8, le(1000, 4) + le(1000, 4)); // the entry claims 1000 bytes
        QVERIFY(model_error(big).find("run past") != std::string::npos);
    }
};

QTEST_GUILESS_MAIN(TestJsonText)
#include "tst_json_text.moc"
