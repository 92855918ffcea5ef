#pragma once
// The prompt bar: free-form "verb object" prompts as chips, a line edit with completion from the
// HICO-DET vocabulary (600 interactions, 117 verbs) and the prompt history, and the HICO-600
// preset. Results follow the typing: promptsChanged() fires ~300 ms after the last keystroke with
// the chips plus the text being typed (when it parses as a prompt), so the caller re-queries only
// what changed. Enter turns the text into a chip; Backspace in an empty field removes the last chip.
#include <QHash>
#include <QStringList>
#include <QTimer>
#include <QWidget>

#include <vector>

#include "hoi/prompt.h"

class QLineEdit;
class QCompleter;
class QStringListModel;
class QToolButton;
class QLabel;

namespace hoi::ui {

class FlowLayout;

class PromptBar : public QWidget {
    Q_OBJECT
public:
    explicit PromptBar(QWidget* parent = nullptr);

    // The effective prompts: the chips (the preset expanded to its 600 prompts), then the typed text
    // when it parses. De-duplicated, in order.
    QStringList prompts() const;
    // The prompts as parsed values (what the worker and the engine take), in the order of `texts`;
    // each text is parsed once and kept (texts that do not parse are left out).
    std::vector<model::Prompt> parsed(const QStringList& texts) const;
    // The chips only (the preset as the single entry kHicoPreset).
    QStringList chips() const { return chips_; }
    void setChips(const QStringList& chips); // emits promptsChanged (debounced) when different
    void addChip(const QString& prompt);
    void removeChip(const QString& prompt);
    bool hicoPreset() const { return chips_.contains(kHicoPreset); }
    void setHicoPreset(bool on);

    QStringList history() const { return history_; }
    void setHistory(const QStringList& history);
    QLineEdit* lineEdit() const { return edit_; }
    int debounceMs() const { return debounce_.interval(); }
    void setDebounceMs(int ms) { debounce_.setInterval(ms); }
    // Fires the pending promptsChanged now (e.g. before a batch starts).
    void flush();

    // Whether a prompt parses; *why gets the parser's message when not.
    static bool isValidPrompt(const QString& text, QString* why = nullptr);
    // The 600 HICO-DET interactions as prompt texts ("ride horse").
    static const QStringList& hicoPrompts();

    static constexpr const char* kHicoPreset = "HICO-600";

Q_SIGNALS:
    void promptsChanged(const QStringList& prompts);
    void historyChanged(const QStringList& history);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void commitText();
    void rebuildChips();
    void schedule();
    void updateCompletions();
    void fire();

    FlowLayout* flow_;
    QLineEdit* edit_;
    QCompleter* completer_;
    QStringListModel* completionModel_;
    QToolButton* presetButton_;
    QToolButton* clearButton_;
    QList<QWidget*> chipWidgets_;
    QStringList chips_;
    QStringList history_;
    QStringList lastEmitted_;
    bool emittedOnce_ = false;
    QTimer debounce_;
    mutable QHash<QString, model::Prompt> parsed_; // text -> its parse (valid prompts only)
};

} // namespace hoi::ui
