// The annotation document: mutations, exact inversion (undo), stable ids, observers, equality.
#include <QtTest>

#include "../annotation/annotation_fixtures.h"
#include "annotation/document.h"
#include "io/error.h"

using namespace hoi::annotation;
using hoi::test::make_instance;
using hoi::test::make_interaction;

class TstDocument : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void addAndRead();
    void idsAreNeverReused();
    void removeInstanceRestoresInteractionsExactly();
    void removeImageRestoresEverything();
    void settersReturnOldValuesForUndo();
    void interactionUndoRedo();
    void invalidMutationsThrowAndChangeNothing();
    void observersSeeEveryChange();
    void equalityIsDeep();
    void fromPartsChecksReferences();
    void safeRelativePaths();
    void copiesDoNotCarryObservers();
};

void TstDocument::addAndRead() {
    Document d;
    Id a = d.add_image({0, "a.jpg", 640, 480, false});
    QCOMPARE(a, Id(1));
    Id p = d.add_instance(make_instance(a, {1, 2, 30, 40}, ObjectClass::coco(0), 0.9));
    Id h = d.add_instance(make_instance(a, {5, 6, 70, 80}, ObjectClass::named("Horse")));
    QCOMPARE(d.instance(h)->cls.coco80, 17);
    QCOMPARE(d.instance(h)->cls.label, std::string("horse"));
    Id i = d.add_interaction(make_interaction(p, h, "ride", 0.5));
    QCOMPARE(d.interaction(i)->image, a);
    QCOMPARE(d.interaction(i)->hico_verb, HicoVocabulary::instance().verb_id("ride"));
    QCOMPARE(d.instances_of(a).size(), size_t(2));
    QCOMPARE(d.interactions_of(a).size(), size_t(1));
    QCOMPARE(d.interactions_with(h).size(), size_t(1));
    QCOMPARE(d.image_by_file("a.jpg")->id, a);
    QVERIFY(d.image_by_file("b.jpg") == nullptr);
    QVERIFY(d.instance(999) == nullptr);
}

void TstDocument::idsAreNeverReused() {
    Document d;
    Id a = d.add_image({0, "a.jpg", 0, 0, false});
    Id x1 = d.add_instance(make_instance(a, {0, 0, 1, 1}, ObjectClass::coco(0)));
    d.remove_instance(x1);
    Id x2 = d.add_instance(make_instance(a, {0, 0, 1, 1}, ObjectClass::coco(0)));
    QVERIFY(x2 != x1);
    d.clear();
    Id a2 = d.add_image({0, "a.jpg", 0, 0, false});
    QVERIFY(a2 != a);
    Id x3 = d.add_instance(make_instance(a2, {0, 0, 1, 1}, ObjectClass::coco(0)));
    QVERIFY(x3 != x1 && x3 != x2);
}

void TstDocument::removeInstanceRestoresInteractionsExactly() {
    Document d = hoi::test::rich_project().document;
    const Document before = d;
    const Instance horse = d.instances()[1];
    QCOMPARE(horse.cls.coco80, 17);
    const size_t n = d.interactions().size();
    RemovedInstance r = d.remove_instance(horse.id);
    QCOMPARE(r.interactions.size(), size_t(3)); // ride, feed, walk
    QCOMPARE(d.interactions().size(), n - 3);
    QVERIFY(d.instance(horse.id) == nullptr);
    for (const auto& x : d.interactions()) QVERIFY(x.subject != horse.id && x.object != horse.id);
    d.restore_instance(r);
    QVERIFY(d == before); // same ids, same order, same values
    // Redo + undo again.
    r = d.remove_instance(horse.id);
    d.restore_instance(r);
    QVERIFY(d == before);
    // Restoring twice is refused.
    QVERIFY_THROWS_EXCEPTION(hoi::Error, d.restore_instance(r));
}

void TstDocument::removeImageRestoresEverything() {
    Document d = hoi::test::rich_project().document;
    const Document before = d;
    Id a = d.images()[0].id;
    RemovedImage r = d.remove_image(a);
    QVERIFY(d.image(a) == nullptr);
    QVERIFY(d.instances_of(a).empty());
    QVERIFY(d.interactions_of(a).empty());
    d.restore_image(r);
    QVERIFY(d == before);
}

void TstDocument::settersReturnOldValuesForUndo() {
    Document d = hoi::test::rich_project().document;
    const Document before = d;
    Id x = d.instances()[0].id;
    Box old = d.set_box(x, {1, 1, 2, 2});
    QCOMPARE(d.instance(x)->box, (Box{1, 1, 2, 2}));
    d.set_box(x, old);
    ObjectClass oc = d.set_class(x, ObjectClass::named("guitar"));
    QCOMPARE(d.instance(x)->cls.coco80, -1);
    QCOMPARE(d.instance(x)->cls.label, std::string("guitar"));
    d.set_class(x, oc);
    State os = d.set_instance_state(x, State::Rejected);
    d.set_instance_state(x, os);
    auto sc = d.set_instance_score(x, std::nullopt);
    d.set_instance_score(x, sc);
    Id i = d.interactions()[0].id;
    Document::Verb ov = d.set_verb(i, {"kick", HicoVocabulary::instance().verb_id("kick")});
    QCOMPARE(d.interaction(i)->verb, std::string("kick"));
    d.set_verb(i, ov);
    State is = d.set_interaction_state(i, State::Edited);
    d.set_interaction_state(i, is);
    auto isc = d.set_interaction_score(i, 0.1);
    d.set_interaction_score(i, isc);
    Id im = d.images()[0].id;
    bool rv = d.set_image_reviewed(im, true);
    QCOMPARE(d.image(im)->reviewed, true);
    d.set_image_reviewed(im, rv);
    auto sz = d.set_image_size(im, 1, 2);
    d.set_image_size(im, sz.first, sz.second);
    QVERIFY(d == before);
}

void TstDocument::interactionUndoRedo() {
    Document d = hoi::test::rich_project().document;
    const Document before = d;
    Id s = d.instances()[0].id, o = d.instances()[2].id;
    Id i = d.add_interaction(make_interaction(s, o, "ride"));
    QVERIFY(d != before);
    RemovedInteraction r = d.remove_interaction(i);
    QVERIFY(d == before);
    d.restore_interaction(r); // redo keeps the id
    QCOMPARE(d.interactions().back().id, i);
    Id mid = d.interactions()[1].id;
    Document with_new = d;
    RemovedInteraction r2 = d.remove_interaction(mid);
    QCOMPARE(r2.position, size_t(1));
    d.restore_interaction(r2);
    QVERIFY(d == with_new);
}

void TstDocument::invalidMutationsThrowAndChangeNothing() {
    Document d = hoi::test::rich_project().document;
    const Document before = d;
    Id a = d.images()[0].id, b = d.images()[1].id;
    Id x = d.instances()[0].id;
    Id xb = d.instances_of(b)[0]->id;
    QVERIFY_THROWS_EXCEPTION(hoi::Error, d.set_box(x, {5, 0, 1, 1}));                       // x2 < x1
    QVERIFY_THROWS_EXCEPTION(hoi::Error, d.set_box(x, {0, 0, std::nan(""), 1}));            // NaN
    QVERIFY_THROWS_EXCEPTION(hoi::Error, d.set_box(x, {0, 0, INFINITY, 1}));                // inf
    QVERIFY_THROWS_EXCEPTION(hoi::Error, d.set_box(12345, {0, 0, 1, 1}));                   // no such id
    QVERIFY_THROWS_EXCEPTION(hoi::Error, d.set_class(x, ObjectClass{80, "x"}));
    QVERIFY_THROWS_EXCEPTION(hoi::Error, d.add_instance(make_instance(999, {0, 0, 1, 1}, ObjectClass::coco(0))));
    QVERIFY_THROWS_EXCEPTION(hoi::Error, d.add_interaction(make_interaction(x, x, "ride")));  // same instance
    QVERIFY_THROWS_EXCEPTION(hoi::Error, d.add_interaction(make_interaction(x, xb, "ride"))); // two images
    QVERIFY_THROWS_EXCEPTION(hoi::Error, d.add_interaction(make_interaction(x, 999, "ride")));
    QVERIFY_THROWS_EXCEPTION(hoi::Error, d.add_image({0, "../a.jpg", 0, 0, false}));
    QVERIFY_THROWS_EXCEPTION(hoi::Error, d.add_image({0, "/etc/passwd", 0, 0, false}));
    QVERIFY_THROWS_EXCEPTION(hoi::Error, d.add_image({0, "a.jpg", 0, 0, false}));            // duplicate
    QVERIFY_THROWS_EXCEPTION(hoi::Error, d.add_image({7, "new.jpg", 0, 0, false}));          // id given
    QVERIFY_THROWS_EXCEPTION(hoi::Error, d.set_verb(d.interactions()[0].id, {"", -1}));
    QVERIFY_THROWS_EXCEPTION(hoi::Error, d.set_interaction_score(d.interactions()[0].id, std::nan("")));
    Q_UNUSED(a);
    QVERIFY(d == before);
}

void TstDocument::observersSeeEveryChange() {
    Document d = hoi::test::rich_project().document;
    std::vector<Change> seen;
    int h = d.add_observer([&](const Change& c) { seen.push_back(c); });
    Id horse = d.instances()[1].id;
    RemovedInstance r = d.remove_instance(horse);
    // Three interactions and the instance.
    QCOMPARE(seen.size(), size_t(4));
    QCOMPARE(int(seen.back().kind), int(Change::Kind::InstanceRemoved));
    QCOMPARE(seen.back().id, horse);
    QCOMPARE(seen.back().image, d.images()[0].id);
    seen.clear();
    d.restore_instance(r);
    QCOMPARE(seen.size(), size_t(4));
    QCOMPARE(int(seen.front().kind), int(Change::Kind::InstanceAdded));
    seen.clear();
    d.set_box(horse, {0, 0, 1, 1});
    QCOMPARE(seen.size(), size_t(1));
    QCOMPARE(int(seen[0].kind), int(Change::Kind::InstanceChanged));
    d.remove_observer(h);
    d.set_box(horse, {0, 0, 2, 2});
    QCOMPARE(seen.size(), size_t(1));
    // A failed mutation notifies nothing.
    d.add_observer([&](const Change& c) { seen.push_back(c); });
    try {
        d.set_box(horse, {3, 0, 1, 1});
    } catch (const hoi::Error&) {
    }
    QCOMPARE(seen.size(), size_t(1));
}

void TstDocument::equalityIsDeep() {
    Document a = hoi::test::rich_project().document;
    Document b = hoi::test::rich_project().document;
    QVERIFY(a == b);
    b.set_interaction_score(b.interactions()[0].id, 0.7500001);
    QVERIFY(a != b);
    Document c = hoi::test::rich_project().document;
    c.set_class(c.instances()[4].id, ObjectClass::named("guitar picks"));
    QVERIFY(a != c);
    Document e = hoi::test::rich_project().document;
    e.set_image_reviewed(e.images()[0].id, true);
    QVERIFY(a != e);
}

void TstDocument::fromPartsChecksReferences() {
    Document d = hoi::test::rich_project().document;
    Document copy = Document::from_parts(d.images(), d.instances(), d.interactions(), d.counters());
    QVERIFY(copy == d);
    QCOMPARE(copy.counters().instance, d.counters().instance);
    auto ins = d.instances();
    ins[1].id = ins[0].id; // duplicate id
    QVERIFY_THROWS_EXCEPTION(hoi::Error, Document::from_parts(d.images(), ins, d.interactions()));
    auto its = d.interactions();
    its[0].object = 4242;
    QVERIFY_THROWS_EXCEPTION(hoi::Error, Document::from_parts(d.images(), d.instances(), its));
    IdCounters low{1, 1, 1};
    QVERIFY_THROWS_EXCEPTION(hoi::Error, Document::from_parts(d.images(), d.instances(), d.interactions(), low));
}

void TstDocument::safeRelativePaths() {
    QVERIFY(is_safe_relative_path("a.jpg"));
    QVERIFY(is_safe_relative_path("train2015/HICO_train2015_00000001.jpg"));
    QVERIFY(is_safe_relative_path("..a.jpg"));
    QVERIFY(!is_safe_relative_path(""));
    QVERIFY(!is_safe_relative_path("/abs.jpg"));
    QVERIFY(!is_safe_relative_path("../a.jpg"));
    QVERIFY(!is_safe_relative_path("a/../../b.jpg"));
    QVERIFY(!is_safe_relative_path("a/./b.jpg"));
    QVERIFY(!is_safe_relative_path("a//b.jpg"));
    QVERIFY(!is_safe_relative_path("a\\..\\b.jpg"));
    QVERIFY(!is_safe_relative_path("C:/x.jpg"));
    QVERIFY(!is_safe_relative_path(std::string("a\0b", 3)));
}

void TstDocument::copiesDoNotCarryObservers() {
    Document a = hoi::test::rich_project().document;
    int calls = 0;
    a.add_observer([&](const Change&) { ++calls; });
    Document b = a;
    b.set_image_reviewed(b.images()[0].id, false);
    QCOMPARE(calls, 0);
    a = b; // assignment replaces the content: observers hear a Reset
    QCOMPARE(calls, 1);
}

QTEST_GUILESS_MAIN(TstDocument)
#include "tst_document.moc"
