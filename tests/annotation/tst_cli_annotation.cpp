// `hoi convert` and `hoi validate`: exit codes, JSON on stdout, the export report on stderr.
#include <QtTest>

#include "annotation_fixtures.h"
#include "annotation/formats.h"
#include "annotation/recovery_store.h"
#include "test_util.h"

#include <nlohmann/json.hpp>

#include <fstream>

using namespace hoi::annotation;
using nlohmann::json;

class TstCliAnnotation : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void convertHicoToProject();
    void convertReportsLostRelations();
    void convertDetectsTheInputFormat();
    void convertUsageErrors();
    void convertBadInput();
    void convertWritesRecoveryFile();
    void convertChecksImageFolder();
    void validateClean();
    void validateListsEveryProblem();

private:
    QString path(const char* name) const { return tmp_.path() + "/" + name; }
    QTemporaryDir tmp_;
    std::string seeds_;
};

void TstCliAnnotation::initTestCase() {
    HOI_REQUIRE_FILE(hoi::test::bin_path("hoi"));
    seeds_ = hoi::test::test_data_dir() + "/annotation/seeds";
    save_project(hoi::test::rich_project(), path("rich.hoiproj").toStdString());
}

void TstCliAnnotation::convertHicoToProject() {
    auto r = hoi::test::run_hoi({"convert", "--from", "hico", "--to", "project",
                                 QString::fromStdString(seeds_ + "/hico/pred.json"), path("pred.hoiproj")});
    QVERIFY2(r.exit_code == 0, r.err.c_str());
    json j = json::parse(r.out);
    QCOMPARE(j["from"].get<std::string>(), std::string("hico"));
    QCOMPARE(j["read"]["interactions"].get<int>(), 2);
    QCOMPARE(j["report"]["interactions"].get<int>(), 2);
    QCOMPARE(j["report"]["lossless"].get<bool>(), true);
    Project p = load_project(path("pred.hoiproj").toStdString());
    QCOMPARE(p.document.interactions().size(), size_t(2));
    QCOMPARE(*p.document.interactions()[0].score, 0.75);
    QVERIFY(QString::fromStdString(r.err).contains("nothing left out"));
}

void TstCliAnnotation::convertReportsLostRelations() {
    auto r = hoi::test::run_hoi({"convert", "--to", "hico", path("rich.hoiproj"), path("rich.json")});
    QVERIFY2(r.exit_code == 0, r.err.c_str());
    json j = json::parse(r.out);
    QCOMPARE(j["from"].get<std::string>(), std::string("project"));
    // The free verb (juggle) is written to free_hoi_annotation; the rejected walk and the relation
    // with the guitar pick (a class outside COCO) are left out and reported.
    QCOMPARE(j["report"]["interactions"].get<int>(), 3);
    QCOMPARE(j["report"]["interactions_skipped"].get<int>(), 2);
    QCOMPARE(j["report"]["lossless"].get<bool>(), false);
    QVERIFY(j["report"]["reasons"].size() >= 3);
    QVERIFY2(QString::fromStdString(r.err).contains("guitar pick"), r.err.c_str());
    // csv keeps them all.
    r = hoi::test::run_hoi({"convert", "--to", "csv", path("rich.hoiproj"), path("rich.csv")});
    QVERIFY2(r.exit_code == 0, r.err.c_str());
    QCOMPARE(json::parse(r.out)["report"]["interactions"].get<int>(), 5);
    r = hoi::test::run_hoi({"convert", "--from", "csv", "--to", "project", path("rich.csv"), path("back.hoiproj")});
    QVERIFY2(r.exit_code == 0, r.err.c_str());
    QCOMPARE(hoi::test::relations(load_project(path("back.hoiproj").toStdString()).document),
             hoi::test::relations(hoi::test::rich_project().document));
}

void TstCliAnnotation::convertDetectsTheInputFormat() {
    for (const char* f : {"hico/pred.json", "instances/instances.json", "coco/coco.json", "csv/interactions.csv",
                          "project/v2.hoiproj", "vcoco/gt.json", "vcoco/pred.json"}) {
        auto r = hoi::test::run_hoi({"convert", "--to", "project", QString::fromStdString(seeds_ + "/" + f), path("x.hoiproj")});
        QVERIFY2(r.exit_code == 0, (std::string(f) + ": " + r.err).c_str());
        std::string fmt = std::string(f).substr(0, std::string(f).find('/'));
        QCOMPARE(json::parse(r.out)["from"].get<std::string>(), fmt);
    }
}

void TstCliAnnotation::convertUsageErrors() {
    auto r = hoi::test::run_hoi({"convert", "--to", "yaml", path("rich.hoiproj"), path("x")});
    QCOMPARE(r.exit_code, 2);
    QVERIFY(QString::fromStdString(r.err).contains("unknown annotation format 'yaml'"));
    r = hoi::test::run_hoi({"convert", path("rich.hoiproj"), path("x")});
    QCOMPARE(r.exit_code, 2);
    r = hoi::test::run_hoi({"convert", "--to", "hico", path("rich.hoiproj")});
    QCOMPARE(r.exit_code, 2);
    r = hoi::test::run_hoi({"convert", "--to", "csv", "--recovery", path("rich.hoiproj"), path("x")});
    QCOMPARE(r.exit_code, 2);
}

void TstCliAnnotation::convertBadInput() {
    std::ofstream(path("bad.json").toStdString()) << R"([{"file_name": "../x.jpg", "annotations": [], "hoi_annotation": []}])";
    auto r = hoi::test::run_hoi({"convert", "--from", "hico", "--to", "project", path("bad.json"), path("bad.hoiproj")});
    QCOMPARE(r.exit_code, 3);
    QVERIFY2(QString::fromStdString(r.err).contains("bad.json") && QString::fromStdString(r.err).contains("[0].file_name"),
             r.err.c_str());
    QVERIFY(!QFileInfo::exists(path("bad.hoiproj"))); // nothing written
    r = hoi::test::run_hoi({"convert", "--to", "project", path("missing.json"), path("x")});
    QCOMPARE(r.exit_code, 3);
}

void TstCliAnnotation::convertWritesRecoveryFile() {
    auto r = hoi::test::run_hoi({"convert", "--to", "project", "--recovery", path("rich.hoiproj"), path("auto.hoiproj")});
    QVERIFY2(r.exit_code == 0, r.err.c_str());
    const std::string rec = RecoveryStore::recovery_path_for(path("auto.hoiproj").toStdString());
    QCOMPARE(json::parse(r.out)["output"].get<std::string>(), rec);
    QVERIFY(!QFileInfo::exists(path("auto.hoiproj")));
    QVERIFY(load_project(rec) == hoi::test::rich_project());
}

void TstCliAnnotation::convertChecksImageFolder() {
    QVERIFY(QDir().mkpath(path("imgs")));
    auto r = hoi::test::run_hoi({"convert", "--to", "project", "--images", path("imgs"),
                                 QString::fromStdString(seeds_ + "/hico/pred.json"), path("i.hoiproj")});
    QCOMPARE(r.exit_code, 3);
    QVERIFY2(QString::fromStdString(r.err).contains("not found in the image folder"), r.err.c_str());
    QVERIFY(QDir().mkpath(path("imgs/sub")));
    std::ofstream(path("imgs/a.jpg").toStdString()) << "x";
    std::ofstream(path("imgs/sub/b.jpg").toStdString()) << "x";
    r = hoi::test::run_hoi({"convert", "--to", "project", "--images", path("imgs"),
                            QString::fromStdString(seeds_ + "/hico/pred.json"), path("i.hoiproj")});
    QVERIFY2(r.exit_code == 0, r.err.c_str());
    QCOMPARE(load_project(path("i.hoiproj").toStdString()).settings.image_dir, path("imgs").toStdString());
}

void TstCliAnnotation::validateClean() {
    for (const char* f : {"hico/pred.json", "instances/instances.json", "coco/coco.json", "csv/interactions.csv",
                          "project/v1.hoiproj", "project/v2.hoiproj"}) {
        auto r = hoi::test::run_hoi({"validate", QString::fromStdString(seeds_ + "/" + f)});
        QVERIFY2(r.exit_code == 0, (std::string(f) + ": " + r.out + r.err).c_str());
        json j = json::parse(r.out);
        QCOMPARE(j["valid"].get<bool>(), true);
        QCOMPARE(j["problems"].size(), size_t(0));
    }
}

void TstCliAnnotation::validateListsEveryProblem() {
    std::ofstream(path("multi.json").toStdString()) << R"([
 {"file_name": "/abs.jpg", "annotations": [{"bbox": [5, 0, 1, 1], "category_id": 1}], "hoi_annotation": []},
 {"file_name": "b.jpg", "annotations": [{"bbox": [0, 0, 1, 1], "category_id": 500}], "hoi_annotation": "none"}
])";
    auto r = hoi::test::run_hoi({"validate", "--format", "hico", path("multi.json")});
    QCOMPARE(r.exit_code, 3);
    json j = json::parse(r.out);
    QCOMPARE(j["valid"].get<bool>(), false);
    QCOMPARE(j["problem_count"].get<int>(), 4);
    std::set<std::string> where;
    for (const auto& p : j["problems"]) {
        QCOMPARE(p["file"].get<std::string>(), path("multi.json").toStdString());
        QVERIFY(!p["message"].get<std::string>().empty());
        where.insert(p["where"].get<std::string>());
    }
    QVERIFY(where.count("[0].file_name"));
    QVERIFY(where.count("[0].annotations[0].bbox"));
    QVERIFY(where.count("[1].annotations[0].category_id"));
    QVERIFY(where.count("[1].hoi_annotation"));
    // Invalid JSON: line and column.
    std::ofstream(path("syntax.json").toStdString()) << "[\n {\"file_name\": \"a.jpg\",,}\n]";
    r = hoi::test::run_hoi({"validate", path("syntax.json")});
    QCOMPARE(r.exit_code, 3);
    QVERIFY2(QString::fromStdString(r.out).contains("line 2, column"), r.out.c_str());
    r = hoi::test::run_hoi({"validate", "--format", "nope", path("syntax.json")});
    QCOMPARE(r.exit_code, 2);
}

QTEST_GUILESS_MAIN(TstCliAnnotation)
#include "tst_cli_annotation.moc"
