#pragma once
// Analysis ▸ Train on Reviewed Images, while it runs: what the trainer does (the image-feature pass,
// then epoch and step), a progress bar over all steps, the time left, the loss curve (every step's
// loss, and each epoch's mean) and Cancel; when training ends, what happened, and Close.
// Not modal: the person goes on labelling while the head trains on the worker thread.
// Fed by AnalysisController::trainingStep / trainingFinished (MainWindow wires them).
#include <QDialog>

class QLabel;
class QProgressBar;
class QPushButton;

class QChartView;
class QLineSeries;
class QValueAxis;

namespace hoi::ui {

class TrainingDialog : public QDialog {
    Q_OBJECT
public:
    explicit TrainingDialog(QWidget* parent = nullptr);

    // A new training: clears the curve and shows Cancel.
    void start();
    // A progress report (see AnalysisController::trainingStep).
    void addStep(const QString& stage, int epoch, int epochs, int step, int steps, double loss, double etaSeconds);
    // The training ended (ok: the head was written); text says what happened.
    void finish(bool ok, bool cancelled, const QString& text);
    bool running() const { return running_; }

    QLabel* stageLabel() const { return stage_; }
    QLabel* etaLabel() const { return eta_; }
    QProgressBar* progressBar() const { return progress_; }
    QPushButton* cancelButton() const { return cancel_; }
    QPushButton* closeButton() const { return close_; }
    QLineSeries* stepLoss() const { return stepLoss_; }
    QLineSeries* epochLoss() const { return epochLoss_; }
    QChartView* chartView() const { return view_; }
    QValueAxis* epochAxis() const { return axisX_; }

Q_SIGNALS:
    void cancelRequested();

private:
    void closeEpoch();
    // The epoch axis over [0, epochs], its ticks on whole epochs (at most about six of them).
    void setEpochRange(int epochs);

    QLabel* stage_;
    QLabel* eta_;
    QProgressBar* progress_;
    QChartView* view_;
    QLineSeries* stepLoss_;
    QLineSeries* epochLoss_;
    QValueAxis* axisX_;
    QValueAxis* axisY_;
    QPushButton* cancel_;
    QPushButton* close_;
    bool running_ = false;
    int epoch_ = 0;          // the epoch whose steps are being summed
    double epochSum_ = 0;
    int epochSteps_ = 0;
    double maxLoss_ = 0;
};

} // namespace hoi::ui
