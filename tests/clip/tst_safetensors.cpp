// The strict safetensors reader: round trip, and every malformed header rejected with a message.
#include <QtTest>

#include "core.h"
#include "io/atomic_file.h"
#include "io/error.h"
#include "io/safetensors.h"

#include <cstring>

using namespace hoi;
using namespace hoi::io;

namespace {

std::string file_of(const std::string& header, const std::string& data) {
    std::string out;
    uint64_t n = header.size();
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((n >> (8 * i)) & 0xff));
    return out + header + data;
}

QString error_of(const std::string& bytes) {
    try {
        SafetensorsFile::from_bytes(bytes, "mem.safetensors");
    } catch (const Error& e) {
        if (e.kind() != ErrorKind::Model) return "wrong kind";
        return QString::fromStdString(e.what());
    }
    return "no error";
}

} // namespace

class TestSafetensors : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void roundTrip() {
        std::vector<float> a = {1.5f, -2.f, 3.25f, 4.f, 5.f, 6.f};
        std::vector<uint16_t> b = {0x3c00, 0xc000};
        std::vector<int64_t> c = {42};
        std::vector<StTensorOut> t = {
            {"a", StDtype::F32, {2, 3}, {reinterpret_cast<const char*>(a.data()), a.size() * 4}},
            {"b.half", StDtype::F16, {2}, {reinterpret_cast<const char*>(b.data()), b.size() * 2}},
            {"c", StDtype::I64, {}, {reinterpret_cast<const char*>(c.data()), 8}},
            {"empty", StDtype::F32, {0, 4}, {}},
        };
        auto bytes = serialize_safetensors(t, {{"format", "pt"}, {"who", "test"}});
        auto f = SafetensorsFile::from_bytes(bytes, "mem");
        QCOMPARE(int(f->tensors().size()), 4);
        QCOMPARE(f->metadata().at("who"), std::string("test"));
        const auto* ta = f->find("a");
        QVERIFY(ta);
        QCOMPARE(ta->shape, std::vector<int64_t>({2, 3}));
        QCOMPARE(ta->dtype, StDtype::F32);
        float back[6];
        std::memcpy(back, f->data(*ta), 24);
        QCOMPARE(back[2], 3.25f);
        QCOMPARE(f->find("c")->numel(), int64_t(1));
        QCOMPARE(f->find("empty")->numel(), int64_t(0));
        QVERIFY(!f->find("nope"));
        // The same through a file (memory-mapped).
        QTemporaryDir dir;
        const auto p = (dir.path() + "/x.safetensors").toStdString();
        write_safetensors(p, t);
        auto g = SafetensorsFile::open(p);
        QCOMPARE(int(g->tensors().size()), 4);
        QVERIFY(std::memcmp(g->data(*g->find("b.half")), b.data(), 4) == 0);
    }

    void malformed_data() {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("message");
        auto row = [](const char* name, const std::string& bytes, const char* msg) {
            QTest::newRow(name) << QByteArray(bytes.data(), int(bytes.size())) << QString(msg);
        };
        const std::string d8(8, '\0');
        row("short", std::string("abc"), "shorter than the 8-byte header length");
        row("length beyond file", file_of("{}", "").substr(0, 8) + "{", "exceeds the file size");
        row("huge length", std::string("\xff\xff\xff\xff\xff\xff\xff\x7f", 8) + "{}", "exceeds the format's limit");
        row("not json", file_of("{\"a\": [1,", ""), "header is not valid JSON");
        row("not object", file_of("[1, 2]", ""), "does not start with '{'");
        row("unknown dtype", file_of(R"({"a":{"dtype":"F128","shape":[1],"data_offsets":[0,8]}})", d8), "unknown dtype 'F128'");
        row("negative shape", file_of(R"({"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", d8), "not a non-negative integer");
        row("out of bounds", file_of(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", d8), "ends at byte 16 of a 8-byte data buffer");
        row("size mismatch", file_of(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", d8), "occupies 8 bytes but dtype F32 and its shape need 12");
        row("overlap", file_of(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", d8), "overlaps tensor 'a'");
        row("gap", file_of(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", d8), "bytes [0, 4) of the data buffer belong to no tensor");
        row("trailing", file_of(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", d8), "cover 4 of the data buffer's 8 bytes");
        row("begin after end", file_of(R"({"a":{"dtype":"F32","shape":[0],"data_offsets":[8,4]}})", d8), "begin > end");
        row("duplicate", file_of(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", d8), "appears twice");
        row("metadata not strings", file_of(R"({"__metadata__":{"k":1}})", ""), "__metadata__ value 'k' is not a string");
        row("missing offsets", file_of(R"({"a":{"dtype":"F32","shape":[1]}})", ""), "no 'data_offsets' pair");
        row("extra field", file_of(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"x":1}})", std::string(4, '\0')), "unknown field 'x'");
        row("tensor not object", file_of(R"({"a":3})", ""), "tensor 'a' is not a JSON object");
    }

    void malformed() {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, message);
        auto e = error_of(bytes.toStdString());
        QVERIFY2(e.contains(message) && e.contains("mem.safetensors"), qPrintable(e));
    }

    void missingFile() {
        try {
            SafetensorsFile::open("/nonexistent/x.safetensors");
            QFAIL("no error");
        } catch (const Error& e) {
            QCOMPARE(e.kind(), ErrorKind::Input);
            QVERIFY(QString(e.what()).contains("/nonexistent/x.safetensors"));
        }
    }
};

QTEST_GUILESS_MAIN(TestSafetensors)
#include "tst_safetensors.moc"
