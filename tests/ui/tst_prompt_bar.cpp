// PromptBar: typing updates the prompts after the debounce, Enter makes chips, Backspace removes
// them, the HICO-600 preset expands to the 600 classes, completion offers vocabulary and history.
#include <QAbstractItemModel>
#include <QCompleter>
#include <QLineEdit>
#include <QSignalSpy>
#include <QtTest/QtTest>

#include "prompt_bar.h"

using hoi::ui::PromptBar;

class TestPromptBar : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void typingUpdatesPromptsAfterDebounce() {
        PromptBar bar;
        bar.setDebounceMs(50);
        bar.show();
        QSignalSpy spy(&bar, &PromptBar::promptsChanged);
        QTest::keyClicks(bar.lineEdit(), "ride hor");
        // Nothing yet: the debounce coalesces keystrokes.
        QCOMPARE(spy.count(), 0);
        QTest::keyClicks(bar.lineEdit(), "se");
        QVERIFY(spy.wait(2000));
        QCOMPARE(spy.count(), 1); // one update for the whole burst of typing
        QCOMPARE(spy.last().first().toStringList(), QStringList{"ride horse"});
        QCOMPARE(bar.chips(), QStringList{});
    }

    void parsedValuesInOrder() {
        // What the worker gets: the prompts parsed (once each), in order, texts that do not parse left out.
        PromptBar bar;
        bar.setChips({"ride horse", "juggle ball"});
        const auto parsed = bar.parsed(bar.prompts() + QStringList{"horse"});
        QCOMPARE(int(parsed.size()), 2);
        QCOMPARE(QString::fromStdString(parsed[0].verb), QString("ride"));
        QCOMPARE(parsed[0].object_class, 17);
        QCOMPARE(QString::fromStdString(parsed[1].verb), QString("juggle"));
        QCOMPARE(parsed[1].verb_id, -1);
        QCOMPARE(int(bar.parsed(bar.prompts()).size()), 2);
    }

    void chipsSetBeforeShowAreLaidOut() {
        // Chips restored from settings or a project before the window is shown.
        QWidget window;
        auto* bar = new PromptBar(&window);
        bar->setChips({"ride horse", "hold cup"});
        window.resize(900, 80);
        bar->resize(900, 60);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        const auto chips = bar->findChildren<QWidget*>("promptChip");
        QCOMPARE(chips.size(), 2);
        for (QWidget* c : chips) {
            QVERIFY(c->isVisible());
            QVERIFY2(c->width() < 400 && c->height() < 60, qPrintable(QString("%1x%2").arg(c->width()).arg(c->height())));
        }
        QVERIFY(chips[0]->geometry().right() < bar->lineEdit()->geometry().left() ||
                chips[1]->geometry().right() < bar->lineEdit()->geometry().left()); // the edit comes after them
        QVERIFY(!chips[0]->geometry().intersects(chips[1]->geometry()));
    }

    void incompleteTextIsNotAPrompt() {
        PromptBar bar;
        QTest::keyClicks(bar.lineEdit(), "horse");
        QVERIFY(!PromptBar::isValidPrompt("horse"));
        QVERIFY(bar.prompts().isEmpty());
    }

    void enterMakesChipAndBackspaceRemovesIt() {
        PromptBar bar;
        bar.setDebounceMs(10);
        bar.show();
        QSignalSpy spy(&bar, &PromptBar::promptsChanged);
        QSignalSpy history(&bar, &PromptBar::historyChanged);
        QTest::keyClicks(bar.lineEdit(), "ride horse");
        QTest::keyClick(bar.lineEdit(), Qt::Key_Return);
        QCOMPARE(bar.chips(), QStringList{"ride horse"});
        QVERIFY(bar.lineEdit()->text().isEmpty());
        QCOMPARE(history.count(), 1);
        QCOMPARE(bar.history().first(), QString("ride horse"));
        QTest::keyClicks(bar.lineEdit(), "hold cup");
        QTest::keyClick(bar.lineEdit(), Qt::Key_Return);
        QCOMPARE(bar.prompts(), (QStringList{"ride horse", "hold cup"}));
        // Backspace in the empty field removes the last chip.
        QTest::keyClick(bar.lineEdit(), Qt::Key_Backspace);
        QCOMPARE(bar.chips(), QStringList{"ride horse"});
        QVERIFY(spy.count() >= 2);
        QTRY_COMPARE(spy.last().first().toStringList(), QStringList{"ride horse"}); // after the debounce
    }

    void invalidTextStaysInTheField() {
        PromptBar bar;
        QTest::keyClicks(bar.lineEdit(), "horse");
        QTest::keyClick(bar.lineEdit(), Qt::Key_Return);
        QVERIFY(bar.chips().isEmpty());
        QCOMPARE(bar.lineEdit()->text(), QString("horse"));
        QVERIFY(!bar.lineEdit()->toolTip().isEmpty()); // the parser's reason
    }

    void hicoPresetExpands() {
        PromptBar bar;
        QCOMPARE(PromptBar::hicoPrompts().size(), 600);
        bar.setHicoPreset(true);
        QVERIFY(bar.hicoPreset());
        QCOMPARE(bar.chips(), QStringList{PromptBar::kHicoPreset});
        const QStringList p = bar.prompts();
        QVERIFY2(p.size() >= 590, qPrintable(QString::number(p.size()))); // 600, minus spelling duplicates
        bar.addChip("talk on phone");
        QVERIFY(bar.prompts().size() >= p.size());
        bar.setHicoPreset(false);
        QCOMPARE(bar.prompts(), QStringList{"talk on phone"});
    }

    void completionOffersVocabularyAndHistory() {
        PromptBar bar;
        bar.setHistory({"juggle oranges"});
        QCompleter* c = bar.lineEdit()->completer();
        QVERIFY(c);
        QAbstractItemModel* m = c->model();
        QStringList all;
        for (int i = 0; i < m->rowCount(); ++i) all << m->index(i, 0).data().toString();
        QCOMPARE(all.first(), QString("juggle oranges")); // history first
        QVERIFY(all.contains("ride horse"));
        QVERIFY(all.contains("sit on couch"));
        QVERIFY(!all.contains("no interaction horse"));
    }
};

QTEST_MAIN(TestPromptBar)
#include "tst_prompt_bar.moc"
