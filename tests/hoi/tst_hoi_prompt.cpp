// Prompt parsing: free-form prompts, HICO classes, gerunds, object synonyms, errors.
#include "core.h"
#include "annotation/coco_classes.h"
#include "annotation/hico_vocabulary.h"
#include "hoi/prompt.h"
#include "io/error.h"

using namespace hoi::model;

class TestHoiPrompt : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { hoi::init_runtime(); }

    void gerunds_data() {
        QTest::addColumn<QString>("verb");
        QTest::addColumn<QString>("ing");
        const char* rows[][2] = {
            {"ride", "riding"}, {"sit on", "sitting on"}, {"lie on", "lying on"}, {"hop on", "hopping on"},
            {"make", "making"}, {"see", "seeing"}, {"hold", "holding"}, {"cut with", "cutting with"},
            {"run", "running"}, {"stir", "stirring"}, {"hug", "hugging"}, {"kiss", "kissing"},
            {"pet", "petting"}, {"zip", "zipping"}, {"tie", "tying"}, {"open", "opening"},
            {"control", "controlling"}, {"fly", "flying"}, {"pay", "paying"}, {"row", "rowing"},
            {"fix", "fixing"}, {"lasso", "lassoing"}, {"squeeze", "squeezing"}, {"dribble", "dribbling"},
            {"text on", "texting on"}, {"stab", "stabbing"}, {"ski", "skiing"}, {"quit", "quitting"},
            {"shear", "shearing"}, {"visit", "visiting"}, {"agree", "agreeing"}, {"kick", "kicking"},
            {"swim", "swimming"}, {"stand under", "standing under"}, {"type on", "typing on"}};
        for (auto& r : rows) QTest::newRow(r[0]) << QString(r[0]) << QString(r[1]);
    }
    void gerunds() {
        QFETCH(QString, verb);
        QFETCH(QString, ing);
        QCOMPARE(QString::fromStdString(PromptParser::gerund(verb.toStdString())), ing);
    }

    void freeForm_data() {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("verb");
        QTest::addColumn<QString>("object");
        QTest::addColumn<int>("cls");
        QTest::addColumn<QString>("hico_verb");
        QTest::addColumn<QString>("clip");
        QTest::newRow("ride horse") << "ride horse" << "ride" << "horse" << 17 << "ride"
                                    << "a photo of a person riding a horse.";
        QTest::newRow("riding a horse") << "riding a horse" << "ride" << "horse" << 17 << "ride"
                                        << "a photo of a person riding a horse.";
        QTest::newRow("person holding a cup") << "person holding a cup" << "hold" << "cup" << 41 << "hold"
                                              << "a photo of a person holding a cup.";
        QTest::newRow("hold_cup") << "hold_cup" << "hold" << "cup" << 41 << "hold" << "a photo of a person holding a cup.";
        QTest::newRow("kick sports ball") << "kick sports ball" << "kick" << "sports ball" << 32 << "kick"
                                          << "a photo of a person kicking a sports ball.";
        QTest::newRow("talk on phone") << "talk on phone" << "talk on" << "phone" << 67 << "talk_on"
                                       << "a photo of a person talking on a phone.";
        QTest::newRow("sit_on_chair") << "sit_on_chair" << "sit on" << "chair" << 56 << "sit_on"
                                      << "a photo of a person sitting on a chair.";
        QTest::newRow("a man is riding a bike") << "A man is riding a bike." << "ride" << "bike" << 1 << "ride"
                                                << "a photo of a person riding a bike.";
        QTest::newRow("play guitar") << "play guitar" << "play" << "guitar" << -1 << ""
                                     << "a photo of a person playing a guitar.";
        QTest::newRow("lying on a couch") << "lying on a couch" << "lie on" << "couch" << 57 << "lie_on"
                                          << "a photo of a person lying on a couch.";
        QTest::newRow("watch television") << "watch television" << "watch" << "television" << 62 << "watch"
                                          << "a photo of a person watching a television.";
        QTest::newRow("use laptop computer") << "type on computer" << "type on" << "computer" << 63 << "type_on"
                                             << "a photo of a person typing on a computer.";
        QTest::newRow("sofa") << "sit on sofa" << "sit on" << "sofa" << 57 << "sit_on"
                              << "a photo of a person sitting on a sofa.";
        QTest::newRow("person rides horses") << "person rides horses" << "ride" << "horses" << 17 << "ride"
                                             << "a photo of a person riding horses.";
        QTest::newRow("umbrella stand") << "lean on umbrella stand" << "lean on" << "umbrella stand" << -1 << ""
                                        << "a photo of a person leaning on an umbrella stand.";
        QTest::newRow("hug person") << "hug person" << "hug" << "person" << 0 << "hug"
                                    << "a photo of a person hugging a person.";
        QTest::newRow("no_interaction horse") << "no_interaction horse" << "no interaction" << "horse" << 17
                                              << "no_interaction" << "a photo of a person and a horse.";
        QTest::newRow("pick up cup") << "pick up cup" << "pick up" << "cup" << 41 << "pick_up"
                                     << "a photo of a person picking up a cup.";
    }
    void freeForm() {
        QFETCH(QString, text);
        QFETCH(QString, verb);
        QFETCH(QString, object);
        QFETCH(int, cls);
        QFETCH(QString, hico_verb);
        QFETCH(QString, clip);
        const auto& parser = PromptParser::instance();
        Prompt p = parser.parse(text.toStdString());
        QCOMPARE(QString::fromStdString(p.verb), verb);
        QCOMPARE(QString::fromStdString(p.object), object);
        QCOMPARE(p.object_class, cls);
        if (hico_verb.isEmpty()) QCOMPARE(p.verb_id, -1);
        else QCOMPARE(QString::fromStdString(hoi::annotation::HicoVocabulary::instance().verb_name(p.verb_id)), hico_verb);
        QCOMPARE(QString::fromStdString(p.clip_text), clip);
        if (cls >= 0) QCOMPARE(QString::fromStdString(p.object_name),
                               QString::fromUtf8(hoi::annotation::coco80_names()[static_cast<size_t>(cls)].data(),
                                                 static_cast<int>(hoi::annotation::coco80_names()[static_cast<size_t>(cls)].size())));
        // An unknown object applies to every object class; a known one to its class only.
        QCOMPARE(p.applies_to(5), cls < 0 || cls == 5);
    }

    void hoiIds() {
        const auto& parser = PromptParser::instance();
        Prompt p = parser.parse("ride horse");
        QVERIFY(p.hoi_id >= 0);
        auto hico = parser.hico_prompts();
        QCOMPARE(int(hico.size()), 600);
        QCOMPARE(QString::fromStdString(hico[size_t(p.hoi_id)].verb), QString("ride"));
        QCOMPARE(hico[size_t(p.hoi_id)].object_class, 17);
        // A HICO class as a prompt and the preset agree.
        for (int id : {0, 9, 18, 123, 599}) {
            const Prompt& h = hico[size_t(id)];
            Prompt q = parser.parse(h.text);
            QCOMPARE(q.hoi_id, id);
            QCOMPARE(q.clip_text, h.clip_text);
        }
        QCOMPARE(QString::fromStdString(hico[0].clip_text), QString("a photo of a person boarding an airplane."));
        QCOMPARE(QString::fromStdString(hico[9].clip_text), QString("a photo of a person and an airplane."));
        QVERIFY(hico[9].no_interaction);
        int rare = 0;
        for (int i = 0; i < 600; ++i) rare += hoi::annotation::HicoVocabulary::instance().is_rare(i);
        QCOMPARE(rare, 138);
        // Every HICO verb renders without underscores.
        for (const auto& h : hico) QVERIFY(h.clip_text.find('_') == std::string::npos);
    }

    void synonyms() {
        QCOMPARE(PromptParser::object_class("bike"), 1);
        QCOMPARE(PromptParser::object_class("phone"), 67);
        QCOMPARE(PromptParser::object_class("ball"), 32);
        QCOMPARE(PromptParser::object_class("tv"), 62);
        QCOMPARE(PromptParser::object_class("television"), 62);
        QCOMPARE(PromptParser::object_class("laptop"), 63);
        QCOMPARE(PromptParser::object_class("computer"), 63);
        QCOMPARE(PromptParser::object_class("couch"), 57);
        QCOMPARE(PromptParser::object_class("sofa"), 57);
        QCOMPARE(PromptParser::object_class("the red bikes"), 1);
        QCOMPARE(PromptParser::object_class("sports_ball"), 32);
        QCOMPARE(PromptParser::object_class("skis"), 30);
        QCOMPARE(PromptParser::object_class("guitar"), -1);
        QCOMPARE(PromptParser::object_class("umbrella stand"), -1);
    }

    void errors() {
        const auto& parser = PromptParser::instance();
        for (const char* bad : {"", "   ", "horse", "ride", "!!!", "person"}) {
            try {
                parser.parse(bad);
                QFAIL(qPrintable(QString("no error for '%1'").arg(bad)));
            } catch (const hoi::Error& e) {
                QCOMPARE(e.kind(), hoi::ErrorKind::Input);
                QVERIFY(std::string(e.what()).find("prompt") != std::string::npos);
            }
        }
        try {
            parser.parse(std::string("ride\x01horse"));
            QFAIL("control characters accepted");
        } catch (const hoi::Error& e) {
            QVERIFY(std::string(e.what()).find("control") != std::string::npos);
        }
    }

    void nonAscii() {
        // Non-ASCII words pass through (CLIP's tokenizer handles UTF-8); objects are unknown classes.
        Prompt p = PromptParser::instance().parse("ride caballo\xc3\xb1");
        QCOMPARE(QString::fromStdString(p.verb), QString("ride"));
        QCOMPARE(p.object_class, -1);
        QVERIFY(p.clip_text.find("caballo\xc3\xb1") != std::string::npos);
    }

    void templates() {
        QCOMPARE(QString::fromStdString(render_template("a photo of a {}.", "person riding a horse")),
                 QString("a photo of a person riding a horse."));
        QVERIFY_THROWS_EXCEPTION(hoi::Error, render_template("no placeholder", "x"));
        QVERIFY(default_templates().size() >= 1);
    }
};

QTEST_GUILESS_MAIN(TestHoiPrompt)
#include "tst_hoi_prompt.moc"
