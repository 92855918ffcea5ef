#pragma once
// The evaluated HOI classes of an evaluation (eval::EvalResult::classes) as a table: class, rare /
// unseen, AP, #GT, detections, max recall. Numbers sort by value (SortRole), text by name.
#include <QAbstractTableModel>

#include "eval/hico_eval.h"

namespace hoi::ui {

class EvaluationClassModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { ClassColumn, SubsetColumn, ApColumn, GtColumn, DetectionsColumn, MaxRecallColumn, ColumnCount };
    enum Role { SortRole = Qt::UserRole + 1, HoiRole };

    explicit EvaluationClassModel(QObject* parent = nullptr);
    // Shows the classes of `result` (keeps a copy). The subset column is named after result.subset.
    void setResult(const eval::EvalResult& result);
    const eval::EvalResult& result() const { return result_; }
    // The class of a source row (nullptr out of range).
    const eval::ClassResult* classAt(int row) const;
    // "ride bicycle (#87)": the verb and object of a HOI class, and its id.
    static QString className(int hoi);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    eval::EvalResult result_;
    std::vector<QString> names_;
};

} // namespace hoi::ui
