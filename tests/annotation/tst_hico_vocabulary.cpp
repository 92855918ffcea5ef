// The HICO-DET vocabulary loaded from resources/hico: counts, id conventions, lookups, splits.
#include <QtTest>

#include "annotation/coco_classes.h"
#include "annotation/hico_vocabulary.h"
#include "io/error.h"
#include "test_util.h"

#include <algorithm>
#include <fstream>
#include <set>

using namespace hoi::annotation;

class TstHicoVocabulary : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void counts();
    void lookups();
    void objectOrders();
    void everyHoiIsConsistent();
    void zeroShotSplits();
    void agreesWithSharedData();
    void brokenResourceIsAModelError();
};

void TstHicoVocabulary::counts() {
    const auto& v = HicoVocabulary::instance();
    QCOMPARE(v.verbs().size(), size_t(117));
    QCOMPARE(v.objects_hico().size(), size_t(80));
    QCOMPARE(v.hois().size(), size_t(600));
    QCOMPARE(v.rare_count(), 138);
}

void TstHicoVocabulary::lookups() {
    const auto& v = HicoVocabulary::instance();
    QCOMPARE(v.verb_name(v.verb_id("ride")), std::string("ride"));
    QCOMPARE(v.verb_id("sit on"), v.verb_id("sit_on"));
    QCOMPARE(v.verb_id("  Sit_On "), v.verb_id("sit_on"));
    QVERIFY(v.verb_id("sit_on") >= 0);
    QCOMPARE(v.verb_id("juggle"), -1);
    QCOMPARE(v.hoi_id("sit_on", "chair"), 89);
    QCOMPARE(v.hoi_id("ride", "horse"), 139);
    QCOMPARE(v.hoi_id("ride", "sports ball"), -1);
    QCOMPARE(v.hoi_id("eat", "unicorn"), -1);
    QCOMPARE(v.hoi_id(v.verb_id("ride"), 17), 139);
    QCOMPARE(v.hoi(139).verb, v.verb_id("ride"));
    QVERIFY_THROWS_EXCEPTION(hoi::Error, v.hoi(600));
    QVERIFY_THROWS_EXCEPTION(hoi::Error, v.verb_name(117));
}

void TstHicoVocabulary::objectOrders() {
    const auto& v = HicoVocabulary::instance();
    // COCO-80 order matches the detector classes; HICO order is alphabetical.
    for (int c = 0; c < 80; ++c) {
        QCOMPARE(coco80_from_name(v.objects_coco80()[static_cast<size_t>(c)]), c);
        QCOMPARE(v.hico_object_to_coco80(v.coco80_to_hico_object(c)), c);
    }
    QCOMPARE(v.objects_hico()[0], std::string("airplane"));
    QCOMPARE(v.object_id("sports ball"), v.object_id("sports_ball"));
    QCOMPARE(v.hico_object_to_coco80(v.object_id("person")), 0);
    QCOMPARE(v.hico_object_to_coco80(80), -1);
}

void TstHicoVocabulary::everyHoiIsConsistent() {
    const auto& v = HicoVocabulary::instance();
    std::set<std::pair<int, int>> pairs;
    for (const HicoHoi& h : v.hois()) {
        QCOMPARE(v.hoi_id(h.verb, h.object_coco80), h.id);
        QVERIFY(pairs.insert({h.verb, h.object_coco80}).second);
        QCOMPARE(v.hico_object_to_coco80(h.object_hico), h.object_coco80);
    }
    // Every object has a no_interaction class.
    const int none = v.verb_id("no_interaction");
    for (int c = 0; c < 80; ++c) QVERIFY(v.hoi_id(none, c) >= 0);
}

void TstHicoVocabulary::zeroShotSplits() {
    const auto& v = HicoVocabulary::instance();
    QCOMPARE(v.unseen_hois("rare_first").size(), size_t(120));
    QCOMPARE(v.unseen_hois("non_rare_first").size(), size_t(120));
    QCOMPARE(v.unseen_hois("unseen_object").size(), size_t(100));
    QCOMPARE(v.unseen_hois("unseen_verb").size(), size_t(84));
    QCOMPARE(v.unseen_verbs().size(), size_t(20));
    for (int h : v.unseen_hois("unseen_verb"))
        QVERIFY(std::count(v.unseen_verbs().begin(), v.unseen_verbs().end(), v.hoi(h).verb) == 1);
    // Rare-first (RF-UC) holds out the rarest classes: nearly all of them are rare.
    int rare_in = 0;
    for (int h : v.unseen_hois("rare_first")) rare_in += v.is_rare(h);
    QVERIFY(rare_in >= 100);
    QVERIFY_THROWS_EXCEPTION(hoi::Error, v.unseen_hois("nope"));
    for (const auto& name : v.split_names()) QVERIFY(name[0] != '_');
}

void TstHicoVocabulary::agreesWithSharedData() {
    const std::string dir = hoi::test::shared_data_dir() + "/hico";
    HOI_REQUIRE_FILE(dir + "/hico_600.tsv");
    HicoVocabulary shared = HicoVocabulary::load(dir);
    const auto& v = HicoVocabulary::instance();
    QCOMPARE(shared.verbs(), v.verbs());
    QCOMPARE(shared.objects_coco80(), v.objects_coco80());
    for (int h = 0; h < 600; ++h) {
        QCOMPARE(shared.hoi(h).verb, v.hoi(h).verb);
        QCOMPARE(shared.hoi(h).object_coco80, v.hoi(h).object_coco80);
        QCOMPARE(shared.hoi(h).rare, v.hoi(h).rare);
    }
}

void TstHicoVocabulary::brokenResourceIsAModelError() {
    QTemporaryDir tmp;
    const std::string dir = tmp.path().toStdString();
    std::ofstream(dir + "/hico_verbs.txt") << "ride\nhold\n";
    try {
        HicoVocabulary::load(dir);
        QFAIL("a broken vocabulary loaded");
    } catch (const hoi::Error& e) {
        QCOMPARE(int(e.kind()), int(hoi::ErrorKind::Model));
        QVERIFY2(QString(e.what()).contains("hico_verbs.txt") && QString(e.what()).contains("117"), e.what());
    }
}

QTEST_GUILESS_MAIN(TstHicoVocabulary)
#include "tst_hico_vocabulary.moc"
