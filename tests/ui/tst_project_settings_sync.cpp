// ProjectSettingsSync without a window: a loaded project's prompts (600 of them as the HICO preset)
// and score filter are shown in the prompt bar and the slider, a project without prompts keeps the
// bar's; the prompts a person sets go into the settings; the project a save writes takes the
// prompts and the score filter from the widgets.
#include <QSignalSpy>
#include <QSlider>
#include <QtTest/QtTest>

#include "project_settings_sync.h"
#include "prompt_bar.h"
#include "workspace.h"

using namespace hoi::ui;

class TestProjectSettingsSync : public QObject {
    Q_OBJECT

    struct Fixture {
        Workspace ws;
        PromptBar bar;
        QSlider slider;
        ProjectSettingsSync sync{&ws, &bar, &slider};
        Fixture() {
            slider.setRange(0, 100);
            slider.setValue(50);
            bar.setDebounceMs(0);
        }
    };

private Q_SLOTS:
    void loadedSettingsAreShown() {
        Fixture f;
        f.ws.settings().prompts = {"ride horse", "hold cup"};
        f.ws.settings().thresholds["pair"] = 0.35;
        f.sync.showSettings();
        QCOMPARE(f.bar.chips(), (QStringList{"ride horse", "hold cup"}));
        QCOMPARE(f.slider.value(), 35);

        // 600 prompts are the HICO preset; no score filter keeps the slider.
        f.ws.settings().prompts.clear();
        for (const QString& p : PromptBar::hicoPrompts()) f.ws.settings().prompts.push_back(p.toStdString());
        f.ws.settings().thresholds.clear();
        f.sync.showSettings();
        QCOMPARE(f.bar.chips(), QStringList{QLatin1String(PromptBar::kHicoPreset)});
        QCOMPARE(f.slider.value(), 35);

        // A project without prompts keeps the bar's.
        f.ws.settings().prompts.clear();
        f.sync.showSettings();
        QCOMPARE(f.bar.chips(), QStringList{QLatin1String(PromptBar::kHicoPreset)});
    }

    void promptsSetGoIntoTheSettings() {
        Fixture f;
        QSignalSpy changed(&f.bar, &PromptBar::promptsChanged);
        f.bar.setChips({"kick ball"});
        f.bar.flush();
        QVERIFY(changed.count() >= 1 || changed.wait(2000));
        QCOMPARE(f.ws.settings().prompts, std::vector<std::string>{"kick ball"});
    }

    void savedProjectTakesTheWidgets() {
        Fixture f;
        f.bar.setChips({"ride horse", "kick ball"});
        f.slider.setValue(20);
        const hoi::annotation::Project p = f.sync.projectToWrite(QString());
        QCOMPARE(p.settings.prompts, (std::vector<std::string>{"ride horse", "kick ball"}));
        QCOMPARE(p.settings.thresholds.at("pair"), 0.2);
        QCOMPARE(f.ws.settings().thresholds.at("pair"), 0.2); // the workspace's settings too
    }
};

QTEST_MAIN(TestProjectSettingsSync)
#include "tst_project_settings_sync.moc"
