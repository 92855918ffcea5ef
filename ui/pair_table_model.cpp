#include "pair_table_model.h"
#include "plural.h"

#include <QColor>
#include <QFont>
#include <map>

#include "canvas_items.h"
#include "workspace.h"

namespace hoi::ui {

using annotation::State;

QString stateName(State s) {
    switch (s) {
    case State::Predicted: return PairTableModel::tr("Predicted");
    case State::Accepted: return PairTableModel::tr("Accepted");
    case State::Rejected: return PairTableModel::tr("Rejected");
    case State::Edited: return PairTableModel::tr("Edited");
    }
    return {};
}

PairTableModel::PairTableModel(Workspace* workspace, QObject* parent) : QAbstractTableModel(parent), ws_(workspace) {
    connect(ws_, &Workspace::changed, this, &PairTableModel::onChange);
    connect(ws_, &Workspace::cleared, this, [this] { setImage(0); });
    // Model output arrives as many small changes: one reset when it is all applied.
    connect(ws_, &Workspace::analysisApplied, this, [this](annotation::Id image) {
        if (image == image_) setImage(image_);
    });
}

void PairTableModel::setImage(annotation::Id image) {
    image_ = image;
    beginResetModel();
    reload();
    endResetModel();
}

QHash<annotation::Id, QString> PairTableModel::instanceNames(const annotation::Document& doc, annotation::Id image) {
    QHash<annotation::Id, QString> names;
    std::map<std::string, int> counter;
    for (const auto* in : doc.instances_of(image))
        names[in->id] = QStringLiteral("%1 %2").arg(classDisplay(in->cls)).arg(++counter[in->cls.label]);
    return names;
}

void PairTableModel::reload() {
    rows_.clear();
    names_.clear();
    if (!image_ || !ws_->document().image(image_)) return;
    names_ = instanceNames(ws_->document(), image_);
    for (const auto* it : ws_->document().interactions_of(image_)) rows_.push_back(it->id);
}

void PairTableModel::onChange(const annotation::Change& c) {
    using K = annotation::Change::Kind;
    if (ws_->applying() && c.image == image_) return;
    if (c.kind == K::Reset || c.image == image_ || (c.kind == K::ImageRemoved && c.id == image_)) {
        if (c.kind == K::InteractionChanged) {
            const QModelIndex i = indexOf(c.id);
            if (i.isValid()) {
                Q_EMIT dataChanged(index(i.row(), 0), index(i.row(), ColumnCount - 1));
                return;
            }
        }
        if (c.kind == K::ImageChanged) return;
        if (c.kind == K::InstanceChanged) {
            // Class names may change.
            reload();
            if (!rows_.empty()) Q_EMIT dataChanged(index(0, 0), index(int(rows_.size()) - 1, ColumnCount - 1));
            return;
        }
        if (c.kind == K::Reset && !ws_->document().image(image_)) image_ = 0;
        beginResetModel();
        reload();
        endResetModel();
    }
}

int PairTableModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(rows_.size()); }
int PairTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

annotation::Id PairTableModel::idAt(int row) const {
    return row >= 0 && size_t(row) < rows_.size() ? rows_[size_t(row)] : 0;
}

QModelIndex PairTableModel::indexOf(annotation::Id interaction, int column) const {
    for (size_t i = 0; i < rows_.size(); ++i)
        if (rows_[i] == interaction) return index(int(i), column);
    return {};
}

QString PairTableModel::instanceName(annotation::Id instance) const {
    return instance ? names_.value(instance) : tr("(no object)"); // object 0: a relation of its subject alone
}

QVariant PairTableModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid()) return {};
    const auto* in = ws_->document().interaction(idAt(index.row()));
    if (!in) return {};
    switch (role) {
    case IdRole: return QVariant::fromValue<qint64>(in->id);
    case ScoreRole: return in->score ? QVariant(*in->score) : QVariant();
    case StateRole: return int(in->state);
    case VerbRole: return verbDisplay(in->verb);
    default: break;
    }
    const int col = index.column();
    if (role == Qt::DisplayRole || role == Qt::EditRole) {
        switch (col) {
        case HumanColumn: return names_.value(in->subject);
        case ObjectColumn: return instanceName(in->object);
        case VerbColumn: return verbDisplay(in->verb);
        case ScoreColumn:
            if (role == Qt::EditRole) return in->score ? *in->score : -1.0;
            return in->score ? QString::number(*in->score, 'f', 3) : QStringLiteral("—");
        case StateColumn: return stateName(in->state);
        }
    }
    if (role == Qt::ForegroundRole) {
        if (in->state == State::Rejected) return QColor(142, 142, 147);
        if (col == HumanColumn) return humanColor();
        if (col == ObjectColumn) return objectColor();
    }
    if (role == Qt::DecorationRole && col == StateColumn) return stateColor(reviewState(in->state));
    if (role == Qt::FontRole && in->state == State::Rejected) {
        QFont f;
        f.setStrikeOut(true);
        return f;
    }
    if (role == Qt::TextAlignmentRole && col == ScoreColumn) return int(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ToolTipRole) {
        QString tip = tr("%1 — %2 — %3").arg(names_.value(in->subject), verbDisplay(in->verb), instanceName(in->object));
        if (!in->prompt.empty()) tip += tr("\nprompt: %1").arg(QString::fromStdString(in->prompt));
        return tip;
    }
    return {};
}

QVariant PairTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
    case HumanColumn: return tr("Human");
    case ObjectColumn: return tr("Object");
    case VerbColumn: return tr("Verb");
    case ScoreColumn: return tr("Score");
    case StateColumn: return tr("State");
    }
    return {};
}

Qt::ItemFlags PairTableModel::flags(const QModelIndex& index) const {
    Qt::ItemFlags f = QAbstractTableModel::flags(index);
    if (index.column() == VerbColumn) f |= Qt::ItemIsEditable;
    return f;
}

bool PairTableModel::setData(const QModelIndex& index, const QVariant& value, int role) {
    if (role != Qt::EditRole || index.column() != VerbColumn) return false;
    const QString v = value.toString().simplified();
    if (v.isEmpty()) return false;
    const annotation::Id id = idAt(index.row());
    if (!id) return false;
    Q_EMIT verbEdited(id, v);
    return true;
}

// ---- proxy -------------------------------------------------------------------------------------

PairFilterProxy::PairFilterProxy(QObject* parent) : QSortFilterProxyModel(parent) {
    setSortRole(Qt::EditRole);
    setDynamicSortFilter(true);
}

void PairFilterProxy::setMinScore(double score) {
    if (score == minScore_) return;
    minScore_ = score;
    invalidateFilter();
}

void PairFilterProxy::setVerbFilter(const QString& text) {
    if (text == verb_) return;
    verb_ = text;
    invalidateFilter();
}

void PairFilterProxy::setStates(const QSet<State>& states) {
    states_ = states;
    invalidateFilter();
}

bool PairFilterProxy::accepts(const annotation::Interaction& in) const {
    // Reviewed pairs are never hidden by the score threshold: a person decided on them.
    if (in.score && *in.score < minScore_ && in.state == State::Predicted) return false;
    if (!states_.isEmpty() && !states_.contains(in.state)) return false;
    return true;
}

PairFilterProxy::Hidden PairFilterProxy::hiddenReason(int row) const {
    auto* m = qobject_cast<PairTableModel*>(sourceModel());
    if (!m) return Hidden::No;
    const QModelIndex i = m->index(row, 0);
    const QVariant score = m->data(i, PairTableModel::ScoreRole);
    const auto state = State(m->data(i, PairTableModel::StateRole).toInt());
    if (score.isValid() && score.toDouble() < minScore_ && state == State::Predicted) return Hidden::Score;
    if (!states_.isEmpty() && !states_.contains(state)) return Hidden::State;
    if (!verb_.isEmpty()) {
        const QString hay = m->data(m->index(row, PairTableModel::VerbColumn)).toString() + QLatin1Char(' ') +
                            m->data(m->index(row, PairTableModel::HumanColumn)).toString() + QLatin1Char(' ') +
                            m->data(m->index(row, PairTableModel::ObjectColumn)).toString();
        if (!hay.contains(verb_, Qt::CaseInsensitive)) return Hidden::Text;
    }
    return Hidden::No;
}

bool PairFilterProxy::filterAcceptsRow(int row, const QModelIndex&) const { return hiddenReason(row) == Hidden::No; }

QString PairFilterProxy::hiddenSummary() const {
    if (!sourceModel()) return {};
    int score = 0, state = 0, text = 0;
    for (int r = 0; r < sourceModel()->rowCount(); ++r) {
        switch (hiddenReason(r)) {
        case Hidden::Score: ++score; break;
        case Hidden::State: ++state; break;
        case Hidden::Text: ++text; break;
        case Hidden::No: break;
        }
    }
    QStringList parts;
    if (score) parts << tr("%1 below the score filter (%2)").arg(counted(score, "pair", "pairs")).arg(minScore_, 0, 'f', 2);
    if (state) parts << tr("%1 by the state filter").arg(counted(state, "pair", "pairs"));
    if (text) parts << tr("%1 by the text filter").arg(counted(text, "pair", "pairs"));
    return parts.isEmpty() ? QString() : tr("Hidden: %1").arg(parts.join(QStringLiteral(", ")));
}

bool PairFilterProxy::lessThan(const QModelIndex& a, const QModelIndex& b) const {
    if (a.column() == PairTableModel::ScoreColumn) {
        return sourceModel()->data(a, Qt::EditRole).toDouble() < sourceModel()->data(b, Qt::EditRole).toDouble();
    }
    return QString::localeAwareCompare(sourceModel()->data(a).toString(), sourceModel()->data(b).toString()) < 0;
}

} // namespace hoi::ui
