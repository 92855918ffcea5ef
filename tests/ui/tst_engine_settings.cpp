// EngineSettings without a window: options given as they are (only the head added); otherwise the
// settings' detector, thresholds and templates, the CLIP path from --clip first, per-layer
// attentions off; without settings the given values stay.
#include <QSettings>
#include <QtTest/QtTest>

#include "gui_test_helpers.h"
#include "engine_settings.h"

using namespace hoi::ui;

class TestEngineSettings : public QObject {
    Q_OBJECT

    static hoi::model::EngineOptions given() {
        hoi::model::EngineOptions eo;
        eo.detector = "given-detector";
        eo.clip_path = "/given/clip.pt";
        eo.human_threshold = 0.25f;
        eo.keep_layer_attention = true;
        return eo;
    }

private Q_SLOTS:
    void initTestCase() { qunsetenv("HOI_CLIP"); }
    void init() { hoi::test::use_test_settings(QStringLiteral("tst_engine_settings")); }
    void cleanupTestCase() { QSettings().clear(); }

    void givenOptionsStayAsGiven() {
        QSettings().setValue("models/detector", "settings-detector");
        const auto eo = EngineSettings({given(), true, true, "/cli/clip.pt"}).resolve("/p/a.head.safetensors");
        QCOMPARE(eo.detector, std::string("given-detector"));
        QCOMPARE(eo.clip_path, std::string("/given/clip.pt"));
        QVERIFY(eo.keep_layer_attention);
        QCOMPARE(eo.weights_path, std::string("/p/a.head.safetensors"));
    }

    void settingsAndClipOrder() {
        QSettings s;
        s.setValue("models/detector", "settings-detector");
        s.setValue("models/clip", "/settings/clip.pt");
        s.setValue("thresholds/human", 0.6);
        s.setValue("thresholds/object", 0.7);
        s.setValue("prompts/templates", QStringList{"a photo of {}", "{}"});
        auto eo = EngineSettings({given(), false, true, "/cli/clip.pt"}).resolve(QString());
        QCOMPARE(eo.clip_path, std::string("/cli/clip.pt")); // --clip comes first
        QCOMPARE(eo.detector, std::string("settings-detector"));
        QCOMPARE(eo.human_threshold, 0.6f);
        QCOMPARE(eo.object_threshold, 0.7f);
        QCOMPARE(eo.templates, (std::vector<std::string>{"a photo of {}", "{}"}));
        QVERIFY(!eo.keep_layer_attention);
        QVERIFY(eo.weights_path.empty());
        eo = EngineSettings({given(), false, true, QString()}).resolve(QString());
        QCOMPARE(eo.clip_path, std::string("/settings/clip.pt")); // then the setting
    }

    void withoutSettingsTheGivenValuesStay() {
        QSettings().setValue("models/detector", "settings-detector");
        QSettings().setValue("models/clip", "/settings/clip.pt");
        const auto eo = EngineSettings({given(), false, false, "/cli/clip.pt"}).resolve(QString());
        QCOMPARE(eo.detector, std::string("given-detector"));
        QCOMPARE(eo.human_threshold, 0.25f);
        QCOMPARE(eo.clip_path, std::string("/cli/clip.pt"));
        QVERIFY(!eo.keep_layer_attention);
    }
};

QTEST_MAIN(TestEngineSettings)
#include "tst_engine_settings.moc"
