// ViewSettings without the studio's window: what write() keeps comes back with read() (score
// filter, heatmap opacity / visibility / source, prompt chips and history, the class of new boxes,
// the window's geometry); nothing saved leaves the defaults; the review preferences and their defaults.
#include <QAction>
#include <QComboBox>
#include <QMainWindow>
#include <QSettings>
#include <QSlider>
#include <QStandardPaths>
#include <QtTest/QtTest>

#include "gui_test_helpers.h"
#include "prompt_bar.h"
#include "view_settings.h"

using namespace hoi::ui;

class TestViewSettings : public QObject {
    Q_OBJECT

    struct Views {
        QMainWindow window;
        QSlider score, opacity;
        QAction visible{"Heatmap"};
        QComboBox source, boxClass;
        PromptBar prompts;
        Views() {
            score.setRange(0, 100);
            score.setValue(5);
            opacity.setRange(0, 100);
            opacity.setValue(65);
            visible.setCheckable(true);
            source.addItems({"Attention", "Relevance"});
            boxClass.setEditable(true);
            boxClass.addItems({"person", "horse"});
        }
        ViewSettings settings() { return ViewSettings({&window, &score, &opacity, &visible, &source, &prompts, &boxClass}); }
    };

private Q_SLOTS:
    void init() { hoi::test::use_test_settings(QStringLiteral("tst_view_settings")); }
    void cleanupTestCase() { QSettings().clear(); }

    void nothingSavedKeepsTheDefaults() {
        Views v;
        v.settings().read();
        QCOMPARE(v.score.value(), 5);
        QCOMPARE(v.opacity.value(), 65);
        QVERIFY(v.visible.isChecked());
        QCOMPARE(v.source.currentIndex(), 0);
        QCOMPARE(v.boxClass.currentText(), QStringLiteral("person"));
        QVERIFY(v.prompts.chips().isEmpty());
        const auto review = ViewSettings::review(0.02);
        QCOMPARE(review.keepScore, 0.02);
        QVERIFY(review.advance);
    }

    void whatIsWrittenComesBack() {
        {
            Views v;
            v.window.resize(640, 480);
            v.score.setValue(30);
            v.opacity.setValue(40);
            v.visible.setChecked(false);
            v.source.setCurrentIndex(1);
            v.boxClass.setCurrentText("unicycle");
            v.prompts.setChips({"ride horse", "hold cup"});
            v.prompts.setHistory({"ride horse"});
            v.settings().write(0.1);
        }
        QSettings().setValue("review/advance", false);
        Views v;
        v.settings().read();
        QCOMPARE(v.score.value(), 30);
        QCOMPARE(v.opacity.value(), 40);
        QVERIFY(!v.visible.isChecked());
        QCOMPARE(v.source.currentIndex(), 1);
        QCOMPARE(v.boxClass.currentText(), QStringLiteral("unicycle"));
        QCOMPARE(v.prompts.chips(), (QStringList{"ride horse", "hold cup"}));
        QCOMPARE(v.prompts.history(), QStringList{"ride horse"});
        QCOMPARE(v.window.size(), QSize(640, 480));
        const auto review = ViewSettings::review(0.02);
        QCOMPARE(review.keepScore, 0.1);
        QVERIFY(!review.advance);
    }
};

QTEST_MAIN(TestViewSettings)
#include "tst_view_settings.moc"
