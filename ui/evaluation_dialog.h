#pragma once
// Analysis ▸ Evaluate…: the HICO-DET evaluation of core/eval (eval::evaluate) in the GUI. Ground
// truth is an annotation file against the project's model predictions, the project's reviewed
// images against its predictions, or two annotation files against each other. Shows mAP (Full /
// Rare / Non-rare, or Unseen / Seen), a sortable per-class table, the precision-recall curves of
// the selected classes and the false positives and misses of the current class; activating one
// asks the main window to show its image. The evaluation runs on a worker thread.
#include <QDialog>
#include <QFutureWatcher>
#include <functional>
#include <optional>

#include "annotation/document.h"
#include "eval/hico_eval.h"

class QChartView;
class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSortFilterProxyModel;
class QTableView;
class QTreeWidget;
class QTreeWidgetItem;

namespace hoi::ui {

class EvaluationClassModel;

class EvaluationDialog : public QDialog {
    Q_OBJECT
public:
    enum class Source {
        FileVsProject = 0,   // a HICO-DET file as ground truth, the project's model predictions
        ReviewedProject = 1, // the project's reviewed images as ground truth, its model predictions
        TwoFiles = 2,        // two HICO-DET files; relations without a score count with score 1
    };
    // `project` gives the project's document when an evaluation starts (called on the GUI thread).
    explicit EvaluationDialog(std::function<annotation::Document()> project, QWidget* parent = nullptr);
    ~EvaluationDialog() override;

    void setSource(Source source);
    Source source() const;
    void setGroundTruthFile(const QString& path);
    void setPredictionsFile(const QString& path);
    void setSplit(const QString& name);   // default, rf-uc, nf-uc, uo, uv
    void setSetting(const QString& name); // default, ko

    // Starts an evaluation with the current choices (does nothing while one runs).
    void evaluate();
    bool isRunning() const;
    // The last successful evaluation (nullptr before one, or after a failed one).
    const eval::EvalResult* result() const { return result_ ? &*result_ : nullptr; }
    QString errorText() const;

    EvaluationClassModel* classModel() const { return model_; }
    QSortFilterProxyModel* classProxy() const { return proxy_; }
    QTableView* classTable() const { return table_; }
    QChartView* chartView() const { return chart_; }
    QTreeWidget* errorList() const { return errors_; }

    // The image of a document that openImageRequested's file name names: its file, or (ground truth
    // may name files without their folder) the first whose file has that name; nullptr when none.
    static const annotation::Image* imageNamed(const annotation::Document& document, const QString& fileName);

Q_SIGNALS:
    // An evaluation ended (ok = false: errorText() says why).
    void finished(bool ok);
    // A false positive or miss was activated: show this image (file name as in the ground truth).
    void openImageRequested(const QString& fileName);

protected:
    // Enter in the class table or the list of false positives and misses activates the row, it
    // does not press the dialog's default button.
    void keyPressEvent(QKeyEvent* e) override;

private:
    struct Outcome {
        std::optional<eval::EvalResult> result;
        QString error;
    };
    struct Request {
        Source source = Source::FileVsProject;
        QString gtPath, predPath, split, setting;
        annotation::Document project;
    };
    static Outcome run(const Request& request);
    void onFinished();
    void showResult();
    void updateCurves();
    void updateErrors();
    void updateSourceWidgets();
    QString browse(const QString& title, const QString& current);

    std::function<annotation::Document()> project_;
    std::optional<eval::EvalResult> result_;
    QFutureWatcher<Outcome> watcher_;
    QComboBox* sourceCombo_;
    QLineEdit* gtEdit_;
    QLineEdit* predEdit_;
    QPushButton* gtBrowse_;
    QPushButton* predBrowse_;
    QComboBox* splitCombo_;
    QComboBox* settingCombo_;
    QPushButton* evaluateButton_;
    QProgressBar* busy_;
    QLabel* errorLabel_;
    QLabel* mapFull_;
    QLabel* mapSubset_;
    QLabel* mapComplement_;
    QLabel* counts_;
    EvaluationClassModel* model_;
    QSortFilterProxyModel* proxy_;
    QTableView* table_;
    QChartView* chart_;
    QLabel* errorsTitle_;
    QTreeWidget* errors_;
};

} // namespace hoi::ui
