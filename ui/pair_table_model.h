#pragma once
// The pairs (interactions) of the current image as a table: human, object, verb, score, state.
// PairFilterProxy sorts and filters them by score threshold, verb text and review state.
#include <QAbstractTableModel>
#include <QHash>
#include <QSet>
#include <QSortFilterProxyModel>
#include <vector>

#include "annotation/document.h"

namespace hoi::ui {

class Workspace;

class PairTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { HumanColumn, ObjectColumn, VerbColumn, ScoreColumn, StateColumn, ColumnCount };
    enum Role { IdRole = Qt::UserRole + 1, ScoreRole, StateRole, VerbRole };

    explicit PairTableModel(Workspace* workspace, QObject* parent = nullptr);
    void setImage(annotation::Id image);
    annotation::Id image() const { return image_; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;

    QModelIndex indexOf(annotation::Id interaction, int column = 0) const;
    annotation::Id idAt(int row) const;
    // "person 1", "horse 2": the instance's class and its number among the image's boxes of that class.
    QString instanceName(annotation::Id instance) const; // "(no object)" for 0 (a subject-only relation)
    // The names instanceName gives, for the boxes of any image of the document.
    static QHash<annotation::Id, QString> instanceNames(const annotation::Document& doc, annotation::Id image);

Q_SIGNALS:
    // The verb cell was edited (the caller pushes the undo command).
    void verbEdited(annotation::Id interaction, const QString& verb);

private:
    void reload();
    void onChange(const annotation::Change& c);

    Workspace* ws_;
    annotation::Id image_ = 0;
    std::vector<annotation::Id> rows_;
    QHash<annotation::Id, QString> names_;
};

class PairFilterProxy : public QSortFilterProxyModel {
    Q_OBJECT
public:
    explicit PairFilterProxy(QObject* parent = nullptr);
    void setMinScore(double score);  // pairs with a score below are hidden (pairs without score stay)
    double minScore() const { return minScore_; }
    void setVerbFilter(const QString& text); // substring, case-insensitive, on verb / human / object
    void setStates(const QSet<annotation::State>& states); // empty = all
    // Whether an interaction passes the filters (used to hide lines on the canvas too).
    bool accepts(const annotation::Interaction& in) const;
    // "Hidden: 3 pairs below the score filter (0.05), 1 pair by the state filter" ("" when none).
    QString hiddenSummary() const;

protected:
    bool filterAcceptsRow(int row, const QModelIndex& parent) const override;
    bool lessThan(const QModelIndex& a, const QModelIndex& b) const override;

private:
    enum class Hidden { No, Score, State, Text };
    Hidden hiddenReason(int sourceRow) const;
    double minScore_ = 0;
    QString verb_;
    QSet<annotation::State> states_;
};

QString stateName(annotation::State s); // "Predicted", ...

} // namespace hoi::ui
