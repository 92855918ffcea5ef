#pragma once
// The Pairs dock's content: a text filter ("pairFilter") and a state filter ("stateFilter"), the
// score threshold slider ("scoreThreshold") with its value, the current image's pairs
// ("pairTable": PairTableModel behind a PairFilterProxy, sorted by score), a line saying what the
// filters hide ("hiddenPairsLabel") and buttons for the given review actions. The window shows an
// image's pairs through model()->setImage and follows the table's selection itself.
#include <QList>
#include <QWidget>

#include "annotation/document.h"

class QAction;
class QComboBox;
class QLabel;
class QLineEdit;
class QSlider;
class QTableView;

namespace hoi::ui {

class Workspace;
class PairTableModel;
class PairFilterProxy;

class PairsPanel : public QWidget {
    Q_OBJECT
public:
    // The actions the buttons under the table trigger (accept, reject, delete; reviewed at the right).
    struct Actions {
        QAction* accept = nullptr;
        QAction* reject = nullptr;
        QAction* remove = nullptr;
        QAction* reviewed = nullptr;
    };
    PairsPanel(Workspace* workspace, const Actions& actions, QWidget* parent = nullptr);

    QTableView* table() const { return table_; }
    PairFilterProxy* proxy() const { return proxy_; }
    PairTableModel* model() const { return model_; }
    QSlider* thresholdSlider() const { return threshold_; } // hundredths: 5 = 0.05
    QComboBox* stateFilter() const { return stateFilter_; }
    QLineEdit* textFilter() const { return textFilter_; }
    QLabel* hiddenLabel() const { return hiddenLabel_; }

    // ---- the table's rows (what the filters show, in the table's order) --------------------------
    int rowCount() const;
    annotation::Id pairAt(int row) const; // 0 outside the rows
    int rowOf(annotation::Id pair) const; // -1 when not shown
    QList<annotation::Id> selectedPairs() const;
    // Makes pair the table's current row and scrolls to it; 0 or a hidden pair: no current row.
    void showPair(annotation::Id pair);
    // Starts editing the pair's verb in the table, HICO-DET's verbs completing as one types (Enter
    // takes the completion and ends the edit). False when the pair is not shown.
    bool editVerb(annotation::Id pair);

Q_SIGNALS:
    // The score threshold or the state filter changed (what the canvas shows changes with them).
    void filterChanged();

private:
    void updateHidden();

    PairTableModel* model_;
    PairFilterProxy* proxy_;
    QLineEdit* textFilter_;
    QComboBox* stateFilter_;
    QSlider* threshold_;
    QLabel* thresholdLabel_;
    QTableView* table_;
    QLabel* hiddenLabel_;
};

} // namespace hoi::ui
