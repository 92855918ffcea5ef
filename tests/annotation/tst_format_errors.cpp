// Bad input: every importer reports precise problems ({file, where, message}), collects all of
// them, and loads nothing.
#include <QtTest>

#include "annotation/formats.h"
#include "io/error.h"

#include <filesystem>
#include <fstream>

using namespace hoi::annotation;

namespace {

// The problems of `text`, and a check that importing it throws an Input error naming the file.
std::vector<Problem> problems_of(const std::string& text, Format f) {
    auto list = validate_text(text, f, "bad.json");
    bool threw = false;
    try {
        import_text(text, f, "bad.json");
    } catch (const hoi::Error& e) {
        threw = e.kind() == hoi::ErrorKind::Input && std::string(e.what()).find("bad.json") != std::string::npos;
    }
    if (!threw) qWarning("import did not throw an Input error naming the file");
    return threw ? list : std::vector<Problem>{};
}

bool has(const std::vector<Problem>& list, const std::string& where, const std::string& message) {
    for (const auto& p : list)
        if (p.where.find(where) != std::string::npos && p.message.find(message) != std::string::npos &&
            p.file == "bad.json")
            return true;
    return false;
}

std::string dump(const std::vector<Problem>& list) {
    std::string s;
    for (const auto& p : list) s += p.to_string() + "\n";
    return s;
}

const char* kGoodHicoEntry = R"({"file_name": "a.jpg", "annotations": [{"bbox": [1, 2, 3, 4], "category_id": 1},
    {"bbox": [5, 6, 7, 8], "category_id": 62}], "hoi_annotation": [{"subject_id": 0, "object_id": 1, "category_id": 88, "hoi_category_id": 90}]})";

} // namespace

#define EXPECT_PROBLEM(list, where, message) QVERIFY2(has(list, where, message), dump(list).c_str())

class TstFormatErrors : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void goodInputHasNoProblem();
    void invalidJsonHasLineAndColumn();
    void wrongTypes();
    void missingKeys();
    void invertedBoxes();
    void nonFiniteNumbers();
    void idsOutOfRange();
    void hoiIdMustMatchVerbAndObject();
    void duplicateIds();
    void fileNamesMustStayInTheImageFolder();
    void collectsEveryProblem();
    void oversizedFileIsRefused();
    void instancesLayoutErrors();
    void csvErrors();
    void projectErrors();
    void deepNestingIsRefused();
};

void TstFormatErrors::goodInputHasNoProblem() {
    QVERIFY(validate_text(std::string("[") + kGoodHicoEntry + "]", Format::Hico).empty());
}

void TstFormatErrors::invalidJsonHasLineAndColumn() {
    auto list = problems_of("[\n  {\"file_name\": \"a.jpg\",\n   \"annotations\": [}\n]", Format::Hico);
    QCOMPARE(list.size(), size_t(1));
    EXPECT_PROBLEM(list, "line 3, column 20", "invalid JSON");
    list = problems_of("", Format::Project);
    EXPECT_PROBLEM(list, "line 1", "invalid JSON");
    list = problems_of("{\"images\": [] ", Format::Coco);
    EXPECT_PROBLEM(list, "line 1", "invalid JSON");
}

void TstFormatErrors::wrongTypes() {
    auto list = problems_of(R"([{"file_name": 7, "annotations": [{"bbox": "1,2,3,4", "category_id": "1"}], "hoi_annotation": {}}])",
                            Format::Hico);
    EXPECT_PROBLEM(list, "[0].file_name", "expected a string");
    EXPECT_PROBLEM(list, "[0].annotations[0].bbox", "expected a box");
    EXPECT_PROBLEM(list, "[0].annotations[0].category_id", "expected an integer");
    EXPECT_PROBLEM(list, "[0].hoi_annotation", "expected an array");
    list = problems_of(R"({"a": 1})", Format::Hico);
    EXPECT_PROBLEM(list, "top level", "expected an array");
    list = problems_of(R"([{"file_name": "a.jpg", "annotations": [{"bbox": [1, 2, 3.5, 4], "category_id": 1.5}], "hoi_annotation": []}])",
                       Format::Hico);
    EXPECT_PROBLEM(list, "category_id", "expected an integer");
}

void TstFormatErrors::missingKeys() {
    auto list = problems_of(R"([{"file_name": "a.jpg", "annotations": [{"bbox": [1, 2, 3, 4]}]}])", Format::Hico);
    EXPECT_PROBLEM(list, "[0]", "missing key \"hoi_annotation\"");
    EXPECT_PROBLEM(list, "[0].annotations[0]", "missing key \"category_id\"");
    list = problems_of(R"({"images": [], "annotations": []})", Format::Coco);
    EXPECT_PROBLEM(list, "top level", "missing key \"categories\"");
}

void TstFormatErrors::invertedBoxes() {
    auto list = problems_of(R"([{"file_name": "a.jpg", "annotations": [{"bbox": [10, 2, 3, 4], "category_id": 1},
        {"bbox": [1, 20, 3, 4], "category_id": 1}], "hoi_annotation": []}])", Format::Hico);
    EXPECT_PROBLEM(list, "[0].annotations[0].bbox", "x2 < x1");
    EXPECT_PROBLEM(list, "[0].annotations[1].bbox", "y2 < y1");
    list = problems_of(R"({"images": [{"id": 1, "file_name": "a.jpg"}], "categories": [{"id": 1, "name": "person"}],
        "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, -5, 3]}]})", Format::Coco);
    EXPECT_PROBLEM(list, "annotations[0].bbox", "must not be negative");
}

void TstFormatErrors::nonFiniteNumbers() {
    // JSON has no NaN literal: a syntax error. Numbers that overflow to inf are refused by the parser.
    auto list = problems_of(R"([{"file_name": "a.jpg", "annotations": [{"bbox": [NaN, 2, 3, 4], "category_id": 1}], "hoi_annotation": []}])",
                            Format::Hico);
    EXPECT_PROBLEM(list, "line 1", "invalid JSON");
    list = problems_of(R"([{"file_name": "a.jpg", "annotations": [{"bbox": [1e999, 2, 3, 4], "category_id": 1}], "hoi_annotation": []}])",
                       Format::Hico);
    EXPECT_PROBLEM(list, "", "number overflow parsing '1e999'");
    list = problems_of("image,human_x1,human_y1,human_x2,human_y2,object_x1,object_y1,object_x2,object_y2,object,verb,score\n"
                       "a.jpg,nan,0,1,1,0,0,1,1,horse,ride,\n"
                       "a.jpg,0,0,1,1,0,0,inf,1,horse,ride,\n"
                       "a.jpg,0,0,1,1,0,0,1,1,horse,ride,-inf\n",
                       Format::Csv);
    EXPECT_PROBLEM(list, "line 2, column \"human_x1\"", "finite");
    EXPECT_PROBLEM(list, "line 3, column \"object_x2\"", "finite");
    EXPECT_PROBLEM(list, "line 4, column \"score\"", "finite");
}

void TstFormatErrors::idsOutOfRange() {
    auto list = problems_of(R"([{"file_name": "a.jpg", "annotations": [{"bbox": [1, 2, 3, 4], "category_id": 12},
        {"bbox": [1, 2, 3, 4], "category_id": 91}, {"bbox": [1, 2, 3, 4], "category_id": 1}],
        "hoi_annotation": [{"subject_id": 2, "object_id": 5, "category_id": 118, "hoi_category_id": 601},
                           {"subject_id": -1, "object_id": 2, "category_id": 0}]}])", Format::Hico);
    EXPECT_PROBLEM(list, "[0].annotations[0].category_id", "not one of the 80 COCO-91 object ids");
    EXPECT_PROBLEM(list, "[0].annotations[1].category_id", "out of range 1..90");
    EXPECT_PROBLEM(list, "[0].hoi_annotation[0].object_id", "out of range 0..2");
    EXPECT_PROBLEM(list, "[0].hoi_annotation[0].category_id", "out of range 1..117");
    EXPECT_PROBLEM(list, "[0].hoi_annotation[0].hoi_category_id", "out of range 1..600");
    EXPECT_PROBLEM(list, "[0].hoi_annotation[1].subject_id", "out of range");
    EXPECT_PROBLEM(list, "[0].hoi_annotation[1].category_id", "out of range 1..117");
    list = problems_of(R"([{"file_name": "a.jpg", "annotations": [], "hoi_annotation": [{"subject_id": 0, "object_id": 1, "category_id": 1}]}])",
                       Format::Hico);
    EXPECT_PROBLEM(list, "subject_id", "\"annotations\" is empty");
    list = problems_of(R"([{"file_name": "a.jpg", "annotations": [{"bbox": [1, 2, 3, 4], "category_id": 1}], "hoi_annotation": [{"subject_id": 0, "object_id": 0, "category_id": 1}]}])",
                       Format::Hico);
    EXPECT_PROBLEM(list, "hoi_annotation[0]", "two different annotations");
}

void TstFormatErrors::hoiIdMustMatchVerbAndObject() {
    // hoi_category_id 90 is sit_on chair; here the verb is 37 (hold? whatever the vocabulary says) with a chair.
    auto list = problems_of(R"([{"file_name": "a.jpg", "annotations": [{"bbox": [1, 2, 3, 4], "category_id": 1},
        {"bbox": [5, 6, 7, 8], "category_id": 62}], "hoi_annotation": [{"subject_id": 0, "object_id": 1, "category_id": 37, "hoi_category_id": 90}]}])",
                            Format::Hico);
    EXPECT_PROBLEM(list, "hoi_annotation[0].hoi_category_id", "is (sit_on, chair)");
}

void TstFormatErrors::duplicateIds() {
    auto list = problems_of(R"({"images": [{"id": 1, "file_name": "a.jpg"}, {"id": 1, "file_name": "b.jpg"}, {"id": 2, "file_name": "a.jpg"}],
        "categories": [{"id": 1, "name": "person"}, {"id": 1, "name": "x"}],
        "annotations": [{"id": 5, "image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1]},
                        {"id": 5, "image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1]},
                        {"id": 6, "image_id": 9, "category_id": 3, "bbox": [0, 0, 1, 1]}]})", Format::Coco);
    EXPECT_PROBLEM(list, "images[1].id", "duplicate image id 1");
    EXPECT_PROBLEM(list, "images[2].file_name", "duplicate image \"a.jpg\"");
    EXPECT_PROBLEM(list, "categories[1].id", "duplicate category id 1");
    EXPECT_PROBLEM(list, "annotations[1].id", "duplicate annotation id 5");
    EXPECT_PROBLEM(list, "annotations[2].image_id", "no image with id 9");
    EXPECT_PROBLEM(list, "annotations[2].category_id", "no category with id 3");
    list = problems_of(std::string("[") + kGoodHicoEntry + "," + kGoodHicoEntry + "]", Format::Hico);
    EXPECT_PROBLEM(list, "[1].file_name", "duplicate image \"a.jpg\"");
}

void TstFormatErrors::fileNamesMustStayInTheImageFolder() {
    for (const char* name : {"../a.jpg", "/etc/passwd", "a/../../b.jpg", "", "a\\\\..\\\\b.jpg"}) {
        std::string text = std::string(R"([{"file_name": ")") + name + R"(", "annotations": [], "hoi_annotation": []}])";
        auto list = problems_of(text, Format::Hico);
        EXPECT_PROBLEM(list, "[0].file_name", "inside the image folder");
    }
    auto list = problems_of(R"({"annotation": [{"boxes_h": [], "boxes_o": [], "hoi": [], "object": [], "verb": []}], "filenames": ["../../x.jpg"]})",
                            Format::Instances);
    EXPECT_PROBLEM(list, "filenames[0]", "inside the image folder");
    list = problems_of("image,human_x1,human_y1,human_x2,human_y2,object_x1,object_y1,object_x2,object_y2,object,verb\n"
                       "/abs/a.jpg,0,0,1,1,0,0,1,1,horse,ride\n",
                       Format::Csv);
    EXPECT_PROBLEM(list, "line 2, column \"image\"", "inside the image folder");
}

void TstFormatErrors::collectsEveryProblem() {
    // Three images, each with its own problem, plus one in the last: four problems.
    auto list = problems_of(R"([
 {"file_name": "../a.jpg", "annotations": [], "hoi_annotation": []},
 {"file_name": "b.jpg", "annotations": [{"bbox": [3, 0, 1, 1], "category_id": 1}], "hoi_annotation": []},
 {"file_name": "c.jpg", "annotations": [], "hoi_annotation": [{"subject_id": 0, "object_id": 1, "category_id": 1}]},
 {"file_name": "d.jpg", "annotations": [{"bbox": [0, 0, 1, 1], "category_id": 1, "score": "high"}], "hoi_annotation": []}
])", Format::Hico);
    QCOMPARE(list.size(), size_t(5)); // c.jpg has two (subject_id and object_id)
    EXPECT_PROBLEM(list, "[0].file_name", "image folder");
    EXPECT_PROBLEM(list, "[1].annotations[0].bbox", "x2 < x1");
    EXPECT_PROBLEM(list, "[2].hoi_annotation[0].subject_id", "empty");
    EXPECT_PROBLEM(list, "[3].annotations[0].score", "expected a number");
    // The exception lists them too.
    try {
        import_text(std::string("[") + R"({"file_name": "../a.jpg", "annotations": [], "hoi_annotation": []},)" +
                        R"({"file_name": "/b.jpg", "annotations": [], "hoi_annotation": []}])",
                    Format::Hico, "bad.json");
        QFAIL("no exception");
    } catch (const hoi::Error& e) {
        QString m = e.what();
        QVERIFY2(m.contains("2 problems") && m.contains("[0].file_name") && m.contains("[1].file_name"), e.what());
    }
}

void TstFormatErrors::oversizedFileIsRefused() {
    QTemporaryDir tmp;
    const std::string path = tmp.path().toStdString() + "/huge.json";
    { std::ofstream(path) << "["; }
    std::filesystem::resize_file(path, kMaxAnnotationFileBytes + 1); // sparse: no disk used
    auto list = validate_file(path, Format::Hico);
    QCOMPARE(list.size(), size_t(1));
    QVERIFY2(list[0].message.find("over the limit") != std::string::npos, list[0].message.c_str());
    QVERIFY_THROWS_EXCEPTION(hoi::Error, import_file(path, Format::Hico));
}

void TstFormatErrors::instancesLayoutErrors() {
    auto list = problems_of(R"({"annotation": [{"boxes_h": [[0, 0, 1, 1]], "boxes_o": [], "hoi": [0], "object": [4], "verb": [4]}],
        "filenames": ["a.jpg", "b.jpg"]})", Format::Instances);
    EXPECT_PROBLEM(list, "annotation", "but \"filenames\" has 2");
    list = problems_of(R"({"annotation": [{"boxes_h": [[0, 0, 1, 1]], "boxes_o": [], "hoi": [0], "object": [4], "verb": [4]}],
        "filenames": ["a.jpg"]})", Format::Instances);
    EXPECT_PROBLEM(list, "annotation[0].boxes_o", "one per box pair");
    list = problems_of(R"({"annotation": [{"boxes_h": [[0, 0, 1, 1]], "boxes_o": [[0, 0, 2, 2]], "hoi": [0], "object": [5], "verb": [4]}],
        "filenames": ["a.jpg"], "size": [[10]]})", Format::Instances);
    EXPECT_PROBLEM(list, "size[0]", "expected [width, height]");
    EXPECT_PROBLEM(list, "annotation[0].hoi[0]", "is (board, airplane)");
    list = problems_of(R"({"annotation": [{"boxes_h": [[0, 0, 1, 1]], "boxes_o": [[0, 0, 2, 2]], "hoi": [600], "object": [80], "verb": [117]}],
        "filenames": ["a.jpg"]})", Format::Instances);
    EXPECT_PROBLEM(list, "annotation[0].hoi[0]", "out of range 0..599");
    EXPECT_PROBLEM(list, "annotation[0].object[0]", "out of range 0..79");
    EXPECT_PROBLEM(list, "annotation[0].verb[0]", "out of range 0..116");
}

void TstFormatErrors::csvErrors() {
    const std::string header = "image,human_x1,human_y1,human_x2,human_y2,object_x1,object_y1,object_x2,object_y2,object,verb\n";
    auto list = problems_of(header + "a.jpg,0,0,1,1,0,0,1,1,\"horse,ride\n", Format::Csv);
    EXPECT_PROBLEM(list, "line 2", "unterminated quoted field");
    list = problems_of(header + "a.jpg,0,0,1,1,0,0,1,1,horse\n", Format::Csv);
    EXPECT_PROBLEM(list, "line 2", "has 10 fields, the header has 11");
    list = problems_of("image,verb\na.jpg,ride\n", Format::Csv);
    EXPECT_PROBLEM(list, "line 1", "missing column \"human_x1\"");
    list = problems_of(header + "a.jpg,0,0,1,1,0,0,1,1,horse,\n" + "a.jpg,zero,0,1,1,0,0,1,1,horse,ride\n" +
                           "a.jpg,0,0,1,1,0,0,1,1,\"horse\"x,ride\n",
                       Format::Csv);
    EXPECT_PROBLEM(list, "line 4", "after a closing quote");
    list = problems_of(header + "a.jpg,0,0,1,1,0,0,1,1,horse,\n" + "a.jpg,zero,0,1,1,0,0,1,1,horse,ride\n", Format::Csv);
    EXPECT_PROBLEM(list, "line 2, column \"verb\"", "must not be empty");
    EXPECT_PROBLEM(list, "line 3, column \"human_x1\"", "expected a finite number");
    list = problems_of("image,human_x1,human_y1,human_x2,human_y2,object_x1,object_y1,object_x2,object_y2,object,verb,state\n"
                       "a.jpg,5,0,1,1,0,0,1,1,horse,ride,maybe\n",
                       Format::Csv);
    EXPECT_PROBLEM(list, "line 2, column \"human_x1\"", "x2 < x1");
    EXPECT_PROBLEM(list, "line 2, column \"state\"", "unknown state \"maybe\"");
    list = problems_of("", Format::Csv);
    EXPECT_PROBLEM(list, "line 1", "empty file");
    list = problems_of(header + "a.jpg,0,0,1,1,0,0,1,1,caf\xE9,ride\n", Format::Csv);
    EXPECT_PROBLEM(list, "line 2, column 26", "not valid UTF-8");
    list = problems_of("image,human_id,human_x1,human_y1,human_x2,human_y2,object_id,object_x1,object_y1,object_x2,object_y2,object,verb\n"
                       "a.jpg,1,0,0,10,10,2,0,0,10,10,horse,ride\n"
                       "a.jpg,1,0,0,11,10,2,0,0,10,10,horse,feed\n",
                       Format::Csv);
    EXPECT_PROBLEM(list, "line 3", "instance id 1 is described differently");
    list = problems_of("image,human_id,human_x1,human_y1,human_x2,human_y2,object_id,object_x1,object_y1,object_x2,object_y2,object,verb\n"
                       "a.jpg,3,0,0,11,10,3,0,0,10,10,horse,feed\n",
                       Format::Csv);
    EXPECT_PROBLEM(list, "line 2, column \"object_id\"", "same instance 3");
}

void TstFormatErrors::projectErrors() {
    auto list = problems_of(R"({"schema_version": 99, "images": [], "instances": [], "interactions": []})", Format::Project);
    EXPECT_PROBLEM(list, "schema_version", "newer than the newest");
    // An object detect_format does not recognise (here a custom per-image pairs layout) is read as a
    // project: the message names what each format looks like instead of a missing project key.
    list = problems_of(R"({"images": [{"file_name": "a.jpg", "pairs": []}]})", Format::Project);
    EXPECT_PROBLEM(list, "top level", "not a recognised annotation file");
    list = problems_of(R"({"schema_version": 2, "next_ids": {"image": 9, "instance": 9, "interaction": 9},
      "images": [{"id": 1, "file_name": "a.jpg"}, {"id": 1, "file_name": "b.jpg"}],
      "instances": [{"id": 1, "image": 1, "box": [0, 0, 1, 1], "coco80": 0, "state": "maybe"},
                    {"id": 1, "image": 7, "box": [0, 0, 1, 1], "coco80": 80},
                    {"id": 3, "image": 1, "box": [0, 0, 1, 1], "coco80": -1}],
      "interactions": [{"id": 1, "image": 1, "subject": 1, "object": 42, "verb": "ride"},
                       {"id": 2, "image": 1, "subject": 1, "object": 1, "verb": ""}]})",
                       Format::Project);
    EXPECT_PROBLEM(list, "images[1].id", "duplicate image id 1");
    EXPECT_PROBLEM(list, "instances[0].state", "unknown state");
    EXPECT_PROBLEM(list, "instances[1].id", "duplicate instance id 1");
    EXPECT_PROBLEM(list, "instances[1].image", "no image with id 7");
    EXPECT_PROBLEM(list, "instances[1].coco80", "out of range -1..79");
    EXPECT_PROBLEM(list, "instances[2]", "needs a COCO-80 class");
    EXPECT_PROBLEM(list, "interactions[0].object", "no instance with id 42");
    EXPECT_PROBLEM(list, "interactions[1]", "same instance");
    EXPECT_PROBLEM(list, "interactions[1].verb", "must not be empty");
    list = problems_of(R"({"schema_version": 2, "next_ids": {"image": 1, "instance": 1, "interaction": 1},
      "images": [{"id": 4, "file_name": "a.jpg"}], "instances": [], "interactions": []})", Format::Project);
    EXPECT_PROBLEM(list, "next_ids", "must be greater than the ids in use");
}

void TstFormatErrors::deepNestingIsRefused() {
    std::string deep(100000, '[');
    auto list = problems_of(deep, Format::Hico);
    QVERIFY(!list.empty());
    EXPECT_PROBLEM(list, "", "nested deeper");
}

QTEST_GUILESS_MAIN(TstFormatErrors)
#include "tst_format_errors.moc"
