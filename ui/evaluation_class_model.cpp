#include "evaluation_class_model.h"

#include "annotation/hico_vocabulary.h"

namespace hoi::ui {

EvaluationClassModel::EvaluationClassModel(QObject* parent) : QAbstractTableModel(parent) {}

QString EvaluationClassModel::className(int hoi) {
    const auto& vocab = annotation::HicoVocabulary::instance();
    const auto& h = vocab.hoi(hoi);
    QString verb = QString::fromStdString(vocab.verb_name(h.verb)).replace(QLatin1Char('_'), QLatin1Char(' '));
    const QString object = QString::fromStdString(vocab.objects_coco80()[size_t(h.object_coco80)]);
    return QStringLiteral("%1 %2 (#%3)").arg(verb, object).arg(hoi);
}

void EvaluationClassModel::setResult(const eval::EvalResult& result) {
    beginResetModel();
    result_ = result;
    names_.clear();
    for (const auto& c : result_.classes) names_.push_back(className(c.hoi));
    endResetModel();
}

const eval::ClassResult* EvaluationClassModel::classAt(int row) const {
    return row >= 0 && size_t(row) < result_.classes.size() ? &result_.classes[size_t(row)] : nullptr;
}

int EvaluationClassModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(result_.classes.size());
}

int EvaluationClassModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant EvaluationClassModel::data(const QModelIndex& index, int role) const {
    const eval::ClassResult* c = index.isValid() ? classAt(index.row()) : nullptr;
    if (!c) return {};
    if (role == HoiRole) return c->hoi;
    if (role == Qt::TextAlignmentRole)
        return index.column() >= ApColumn ? QVariant(Qt::AlignRight | Qt::AlignVCenter) : QVariant();
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case ClassColumn: return names_[size_t(index.row())];
        case SubsetColumn: return c->in_subset ? tr("yes") : QString();
        case ApColumn: return QString::number(100.0 * c->ap, 'f', 2);
        case GtColumn: return c->num_gt;
        case DetectionsColumn: return c->num_detections;
        case MaxRecallColumn: return QString::number(100.0 * c->max_recall, 'f', 1);
        }
    }
    if (role == SortRole) {
        switch (index.column()) {
        case ClassColumn: return names_[size_t(index.row())];
        case SubsetColumn: return c->in_subset ? 1 : 0;
        case ApColumn: return c->ap;
        case GtColumn: return c->num_gt;
        case DetectionsColumn: return c->num_detections;
        case MaxRecallColumn: return c->max_recall;
        }
    }
    if (role == Qt::ToolTipRole)
        return tr("%1: AP %2 %, %3 ground-truth pairs, %4 detections (%5 true positives), max recall %6 %")
                .arg(names_[size_t(index.row())])
                .arg(100.0 * c->ap, 0, 'f', 2)
                .arg(c->num_gt)
                .arg(c->num_detections)
                .arg(c->true_positives)
                .arg(100.0 * c->max_recall, 0, 'f', 1);
    return {};
}

QVariant EvaluationClassModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case ClassColumn: return tr("Class");
    case SubsetColumn: return result_.subset == "unseen" ? tr("Unseen") : tr("Rare");
    case ApColumn: return tr("AP %");
    case GtColumn: return tr("#GT");
    case DetectionsColumn: return tr("Detections");
    case MaxRecallColumn: return tr("Max recall %");
    }
    return {};
}

} // namespace hoi::ui
