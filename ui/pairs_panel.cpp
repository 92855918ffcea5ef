#include "pairs_panel.h"

#include <QApplication>
#include <QComboBox>
#include <QCompleter>
#include <QKeyEvent>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QSet>
#include <QSlider>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>

#include "annotation/hico_vocabulary.h"
#include "pair_table_model.h"
#include "workspace.h"

namespace hoi::ui {

using annotation::State;

PairsPanel::PairsPanel(Workspace* workspace, const Actions& actions, QWidget* parent) : QWidget(parent) {
    auto* pl = new QVBoxLayout(this);
    pl->setContentsMargins(4, 4, 4, 4);
    auto* filterRow = new QHBoxLayout;
    textFilter_ = new QLineEdit(this);
    textFilter_->setObjectName(QStringLiteral("pairFilter"));
    textFilter_->setPlaceholderText(tr("Filter by verb or object"));
    textFilter_->setClearButtonEnabled(true);
    filterRow->addWidget(textFilter_, 1);
    stateFilter_ = new QComboBox(this);
    stateFilter_->setObjectName(QStringLiteral("stateFilter"));
    stateFilter_->addItem(tr("All states"));
    stateFilter_->addItem(tr("To review"), int(State::Predicted));
    stateFilter_->addItem(tr("Accepted"), int(State::Accepted));
    stateFilter_->addItem(tr("Rejected"), int(State::Rejected));
    stateFilter_->addItem(tr("Edited"), int(State::Edited));
    filterRow->addWidget(stateFilter_);
    pl->addLayout(filterRow);
    auto* thRow = new QHBoxLayout;
    thRow->addWidget(new QLabel(tr("Score ≥"), this));
    threshold_ = new QSlider(Qt::Horizontal, this);
    threshold_->setObjectName(QStringLiteral("scoreThreshold"));
    threshold_->setRange(0, 100);
    threshold_->setValue(5);
    threshold_->setToolTip(tr("Hide predicted pairs scoring below this value"));
    thRow->addWidget(threshold_, 1);
    thresholdLabel_ = new QLabel(QStringLiteral("0.05"), this);
    thresholdLabel_->setObjectName(QStringLiteral("scoreThresholdValue"));
    thresholdLabel_->setMinimumWidth(34);
    thRow->addWidget(thresholdLabel_);
    pl->addLayout(thRow);
    model_ = new PairTableModel(workspace, this);
    proxy_ = new PairFilterProxy(this);
    proxy_->setSourceModel(model_);
    proxy_->setMinScore(0.05);
    table_ = new QTableView(this);
    table_->setObjectName(QStringLiteral("pairTable"));
    table_->setModel(proxy_);
    table_->setSortingEnabled(true);
    table_->sortByColumn(PairTableModel::ScoreColumn, Qt::DescendingOrder);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::ExtendedSelection); // several pairs: one verb for all (E)
    table_->setEditTriggers(QAbstractItemView::DoubleClicked | QAbstractItemView::EditKeyPressed);
    table_->verticalHeader()->hide();
    table_->verticalHeader()->setDefaultSectionSize(22);
    for (int c = 0; c < PairTableModel::ColumnCount; ++c)
        table_->horizontalHeader()->setSectionResizeMode(c, c == PairTableModel::VerbColumn ? QHeaderView::Stretch
                                                                                             : QHeaderView::ResizeToContents);
    table_->setAlternatingRowColors(true);
    table_->setWordWrap(false);
    pl->addWidget(table_, 1);
    hiddenLabel_ = new QLabel(this);
    hiddenLabel_->setObjectName(QStringLiteral("hiddenPairsLabel"));
    hiddenLabel_->setWordWrap(true);
    hiddenLabel_->hide();
    pl->addWidget(hiddenLabel_);
    auto* btnRow = new QHBoxLayout;
    for (QAction* a : {actions.accept, actions.reject, actions.remove}) {
        if (!a) continue;
        auto* b = new QToolButton(this);
        b->setDefaultAction(a);
        b->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
        btnRow->addWidget(b);
    }
    btnRow->addStretch(1);
    if (actions.reviewed) {
        auto* reviewedButton = new QToolButton(this);
        reviewedButton->setDefaultAction(actions.reviewed);
        reviewedButton->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
        btnRow->addWidget(reviewedButton);
    }
    pl->addLayout(btnRow);

    connect(threshold_, &QSlider::valueChanged, this, [this](int v) {
        proxy_->setMinScore(v / 100.0);
        thresholdLabel_->setText(QString::number(v / 100.0, 'f', 2));
        Q_EMIT filterChanged();
    });
    connect(textFilter_, &QLineEdit::textChanged, proxy_, &PairFilterProxy::setVerbFilter);
    connect(stateFilter_, qOverload<int>(&QComboBox::currentIndexChanged), this, [this](int) {
        QSet<State> s;
        if (stateFilter_->currentData().isValid()) s.insert(State(stateFilter_->currentData().toInt()));
        proxy_->setStates(s);
        Q_EMIT filterChanged();
    });
    // Say what the filters hide, and why.
    connect(proxy_, &QAbstractItemModel::layoutChanged, this, &PairsPanel::updateHidden);
    connect(proxy_, &QAbstractItemModel::modelReset, this, &PairsPanel::updateHidden);
    connect(proxy_, &QAbstractItemModel::rowsInserted, this, &PairsPanel::updateHidden);
    connect(proxy_, &QAbstractItemModel::rowsRemoved, this, &PairsPanel::updateHidden);
    connect(model_, &QAbstractItemModel::dataChanged, this, &PairsPanel::updateHidden);
    connect(model_, &QAbstractItemModel::modelReset, this, &PairsPanel::updateHidden);
}

int PairsPanel::rowCount() const { return proxy_->rowCount(); }

annotation::Id PairsPanel::pairAt(int row) const {
    if (row < 0 || row >= proxy_->rowCount()) return 0;
    return proxy_->data(proxy_->index(row, 0), PairTableModel::IdRole).toLongLong();
}

int PairsPanel::rowOf(annotation::Id pair) const {
    const QModelIndex i = proxy_->mapFromSource(model_->indexOf(pair));
    return i.isValid() ? i.row() : -1;
}

QList<annotation::Id> PairsPanel::selectedPairs() const {
    QList<annotation::Id> ids;
    for (const QModelIndex& i : table_->selectionModel()->selectedRows())
        ids << proxy_->data(i, PairTableModel::IdRole).toLongLong();
    return ids;
}

void PairsPanel::showPair(annotation::Id pair) {
    const QModelIndex src = model_->indexOf(pair);
    const QModelIndex i = src.isValid() ? proxy_->mapFromSource(src) : QModelIndex();
    if (i.isValid()) {
        table_->selectionModel()->setCurrentIndex(i, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        table_->scrollTo(i);
    } else {
        table_->selectionModel()->clearSelection();
        table_->selectionModel()->setCurrentIndex(QModelIndex(), QItemSelectionModel::NoUpdate);
    }
}

bool PairsPanel::editVerb(annotation::Id pair) {
    const QModelIndex i = proxy_->mapFromSource(model_->indexOf(pair, PairTableModel::VerbColumn));
    if (!i.isValid()) return false;
    table_->setFocus();
    table_->setCurrentIndex(i);
    table_->edit(i);
    if (auto* editor = table_->findChild<QLineEdit*>()) {
        QStringList verbs;
        for (const auto& v : annotation::HicoVocabulary::instance().verbs()) verbs << verbDisplay(v);
        auto* c = new QCompleter(verbs, editor);
        c->setCaseSensitivity(Qt::CaseInsensitive);
        c->setFilterMode(Qt::MatchStartsWith);
        editor->setCompleter(c);
        // One Enter takes the completion and ends the edit (the popup eats the first one).
        connect(c, qOverload<const QString&>(&QCompleter::activated), editor, [editor] {
            QMetaObject::invokeMethod(editor, [editor] {
                QKeyEvent press(QEvent::KeyPress, Qt::Key_Return, Qt::NoModifier);
                QApplication::sendEvent(editor, &press);
            }, Qt::QueuedConnection);
        });
    }
    return true;
}

void PairsPanel::updateHidden() {
    const QString text = proxy_->hiddenSummary();
    hiddenLabel_->setText(text);
    hiddenLabel_->setVisible(!text.isEmpty());
}

} // namespace hoi::ui
