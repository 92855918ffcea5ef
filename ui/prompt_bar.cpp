#include "prompt_bar.h"

#include <QAbstractItemView>
#include <QCompleter>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QStringListModel>
#include <QStyle>
#include <QToolButton>

#include "flow_layout.h"
#include "hoi/prompt.h"

namespace hoi::ui {

namespace {

// One chip: the prompt's text and a small close button.
class Chip : public QFrame {
public:
    Chip(const QString& text, const QString& label, bool valid, const QString& tip, PromptBar* bar) {
        setObjectName(QStringLiteral("promptChip"));
        setProperty("prompt", text);
        setProperty("valid", valid);
        auto* lay = new QHBoxLayout(this);
        lay->setContentsMargins(8, 1, 2, 1);
        lay->setSpacing(2);
        auto* l = new QLabel(label, this);
        lay->addWidget(l);
        auto* close = new QToolButton(this);
        close->setObjectName(QStringLiteral("chipClose"));
        close->setText(QStringLiteral("×"));
        close->setAutoRaise(true);
        close->setToolTip(PromptBar::tr("Remove \"%1\"").arg(label));
        close->setCursor(Qt::ArrowCursor);
        lay->addWidget(close);
        setToolTip(tip);
        const QString border = valid ? QStringLiteral("#3d8bfd") : QStringLiteral("#da3633");
        setStyleSheet(QStringLiteral("#promptChip { border: 1px solid %1; border-radius: 10px; background: palette(base); }"
                                     "#chipClose { border: none; padding: 0 3px; font-weight: bold; }")
                          .arg(border));
        QObject::connect(close, &QToolButton::clicked, bar, [bar, text] { bar->removeChip(text); });
    }
};

} // namespace

const QStringList& PromptBar::hicoPrompts() {
    static const QStringList list = [] {
        QStringList l;
        try {
            for (const auto& p : model::PromptParser::instance().hico_prompts()) l << QString::fromStdString(p.text);
        } catch (const std::exception&) {
        }
        return l;
    }();
    return list;
}

bool PromptBar::isValidPrompt(const QString& text, QString* why) {
    try {
        model::PromptParser::instance().parse(text.toStdString());
        return true;
    } catch (const std::exception& e) {
        if (why) *why = QString::fromUtf8(e.what());
        return false;
    }
}

std::vector<model::Prompt> PromptBar::parsed(const QStringList& texts) const {
    std::vector<model::Prompt> out;
    out.reserve(size_t(texts.size()));
    for (const QString& t : texts) {
        auto it = parsed_.find(t);
        if (it == parsed_.end()) {
            try {
                it = parsed_.insert(t, model::PromptParser::instance().parse(t.toStdString()));
            } catch (const std::exception&) {
                continue;
            }
        }
        out.push_back(*it);
    }
    return out;
}

PromptBar::PromptBar(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("promptBar"));
    auto* outer = new QHBoxLayout(this);
    outer->setContentsMargins(6, 4, 6, 4);
    outer->setSpacing(6);
    auto* icon = new QLabel(tr("Prompts"), this);
    icon->setStyleSheet(QStringLiteral("font-weight: 600;"));
    outer->addWidget(icon, 0, Qt::AlignTop | Qt::AlignLeft);
    auto* chipArea = new QWidget(this);
    flow_ = new FlowLayout(chipArea, 4);
    outer->addWidget(chipArea, 1);

    edit_ = new QLineEdit(chipArea);
    edit_->setObjectName(QStringLiteral("promptEdit"));
    edit_->setPlaceholderText(tr("Type an interaction, e.g. \"ride horse\", and press Enter"));
    edit_->setMinimumWidth(220);
    edit_->setClearButtonEnabled(true);
    edit_->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    edit_->installEventFilter(this);
    flow_->addWidget(edit_);

    completionModel_ = new QStringListModel(this);
    completer_ = new QCompleter(completionModel_, this);
    completer_->setCaseSensitivity(Qt::CaseInsensitive);
    completer_->setFilterMode(Qt::MatchContains);
    completer_->setCompletionMode(QCompleter::PopupCompletion);
    completer_->setMaxVisibleItems(12);
    edit_->setCompleter(completer_);
    updateCompletions();

    presetButton_ = new QToolButton(this);
    presetButton_->setText(tr("HICO-600"));
    presetButton_->setCheckable(true);
    presetButton_->setToolTip(tr("Score every pair against the 600 HICO-DET interaction classes"));
    outer->addWidget(presetButton_, 0, Qt::AlignTop);
    clearButton_ = new QToolButton(this);
    clearButton_->setText(tr("Clear"));
    clearButton_->setToolTip(tr("Remove every prompt"));
    outer->addWidget(clearButton_, 0, Qt::AlignTop);

    debounce_.setSingleShot(true);
    debounce_.setInterval(300);
    connect(&debounce_, &QTimer::timeout, this, &PromptBar::fire);
    connect(edit_, &QLineEdit::textEdited, this, [this] { schedule(); });
    connect(edit_, &QLineEdit::returnPressed, this, &PromptBar::commitText);
    connect(completer_, qOverload<const QString&>(&QCompleter::activated), this, [this](const QString& text) {
        edit_->setText(text);
        commitText();
    });
    connect(presetButton_, &QToolButton::toggled, this, [this](bool on) { setHicoPreset(on); });
    connect(clearButton_, &QToolButton::clicked, this, [this] { setChips({}); edit_->clear(); });
}

bool PromptBar::eventFilter(QObject* watched, QEvent* event) {
    if (watched == edit_ && event->type() == QEvent::KeyPress) {
        auto* ke = static_cast<QKeyEvent*>(event);
        if (ke->key() == Qt::Key_Backspace && edit_->text().isEmpty() && !chips_.isEmpty()) {
            QStringList c = chips_;
            c.removeLast();
            setChips(c);
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

QStringList PromptBar::prompts() const {
    QStringList out;
    auto add = [&](const QString& p) {
        if (!p.isEmpty() && !out.contains(p, Qt::CaseInsensitive)) out << p;
    };
    for (const QString& c : chips_) {
        if (c == QLatin1String(kHicoPreset)) {
            for (const QString& h : hicoPrompts()) add(h);
        } else if (isValidPrompt(c)) {
            add(c);
        }
    }
    const QString typed = edit_->text().simplified();
    if (!typed.isEmpty() && isValidPrompt(typed)) add(typed);
    return out;
}

void PromptBar::setChips(const QStringList& chips) {
    QStringList c;
    for (const QString& s : chips) {
        const QString t = s.simplified();
        if (!t.isEmpty() && !c.contains(t, Qt::CaseInsensitive)) c << t;
    }
    if (c == chips_) return;
    chips_ = c;
    presetButton_->blockSignals(true);
    presetButton_->setChecked(hicoPreset());
    presetButton_->blockSignals(false);
    rebuildChips();
    schedule();
}

void PromptBar::addChip(const QString& prompt) {
    QStringList c = chips_;
    c << prompt;
    setChips(c);
}

void PromptBar::removeChip(const QString& prompt) {
    QStringList c = chips_;
    c.removeAll(prompt);
    setChips(c);
}

void PromptBar::setHicoPreset(bool on) {
    QStringList c = chips_;
    c.removeAll(QLatin1String(kHicoPreset));
    if (on) c.prepend(QLatin1String(kHicoPreset));
    setChips(c);
}

void PromptBar::setHistory(const QStringList& history) {
    history_ = history;
    updateCompletions();
}

void PromptBar::commitText() {
    const QString text = edit_->text().simplified();
    if (text.isEmpty()) return;
    QString why;
    if (!isValidPrompt(text, &why)) {
        edit_->setToolTip(why);
        edit_->setStyleSheet(QStringLiteral("QLineEdit { border: 1px solid #da3633; }"));
        return;
    }
    edit_->setStyleSheet(QString());
    edit_->setToolTip(QString());
    edit_->clear();
    history_.removeAll(text);
    history_.prepend(text);
    while (history_.size() > 50) history_.removeLast();
    updateCompletions();
    Q_EMIT historyChanged(history_);
    addChip(text);
    flush();
}

void PromptBar::rebuildChips() {
    for (QWidget* w : chipWidgets_) {
        flow_->removeWidget(w);
        w->deleteLater();
    }
    chipWidgets_.clear();
    int index = 0;
    for (const QString& c : chips_) {
        QString why;
        const bool preset = c == QLatin1String(kHicoPreset);
        const bool valid = preset || isValidPrompt(c, &why);
        const QString label = preset ? tr("HICO-600 (%1 prompts)").arg(hicoPrompts().size()) : c;
        auto* chip = new Chip(c, label, valid, valid ? QString() : why, this);
        flow_->insertWidget(index++, chip);
        chip->show();
        chipWidgets_ << chip;
    }
    flow_->invalidate();
    updateGeometry();
}

void PromptBar::schedule() {
    // Typed text that does not parse yet is not an error while typing; it only shows on Enter.
    edit_->setStyleSheet(QString());
    debounce_.start();
}

void PromptBar::flush() {
    if (debounce_.isActive()) {
        debounce_.stop();
        fire();
    }
}

void PromptBar::fire() {
    const QStringList p = prompts();
    if (emittedOnce_ && p == lastEmitted_) return;
    emittedOnce_ = true;
    lastEmitted_ = p;
    Q_EMIT promptsChanged(p);
}

void PromptBar::updateCompletions() {
    QStringList items = history_;
    for (const QString& h : hicoPrompts()) {
        QString t = h;
        t.replace(QLatin1Char('_'), QLatin1Char(' '));
        if (!t.startsWith(QLatin1String("no interaction")) && !items.contains(t)) items << t;
    }
    completionModel_->setStringList(items);
}

} // namespace hoi::ui
