#include "training_dialog.h"

#include "eta_estimator.h"

#include <QChart>
#include <QChartView>
#include <QDialogButtonBox>
#include <QLabel>
#include <QLineSeries>
#include <QProgressBar>
#include <QPushButton>
#include <QValueAxis>
#include <QVBoxLayout>

#include <algorithm>

namespace hoi::ui {

TrainingDialog::TrainingDialog(QWidget* parent) : QDialog(parent) {
    setObjectName(QStringLiteral("trainingDialog"));
    setWindowTitle(tr("Training on Reviewed Images"));
    setModal(false);
    auto* layout = new QVBoxLayout(this);
    stage_ = new QLabel(this);
    stage_->setObjectName(QStringLiteral("trainingStage"));
    stage_->setWordWrap(true);
    progress_ = new QProgressBar(this);
    progress_->setObjectName(QStringLiteral("trainingProgress"));
    eta_ = new QLabel(this);
    eta_->setObjectName(QStringLiteral("trainingEta"));

    auto* chart = new QChart;
    chart->setTitle(tr("Training loss"));
    chart->legend()->setAlignment(Qt::AlignBottom);
    stepLoss_ = new QLineSeries;
    stepLoss_->setName(tr("each step"));
    QPen thin(QColor(120, 160, 220));
    thin.setWidthF(1.0);
    stepLoss_->setPen(thin);
    epochLoss_ = new QLineSeries;
    epochLoss_->setName(tr("epoch mean"));
    QPen bold(QColor(20, 70, 160));
    bold.setWidthF(2.5);
    epochLoss_->setPen(bold);
    chart->addSeries(stepLoss_);
    chart->addSeries(epochLoss_);
    axisX_ = new QValueAxis;
    axisX_->setTitleText(tr("epoch"));
    axisX_->setLabelFormat(QStringLiteral("%d"));
    // Ticks on whole epochs: with the default five fixed ticks, a 3-epoch run labelled 0.75 as "0"
    // and 1.5 as "1".
    axisX_->setTickType(QValueAxis::TicksDynamic);
    axisX_->setTickAnchor(0);
    axisY_ = new QValueAxis;
    axisY_->setTitleText(tr("loss"));
    chart->addAxis(axisX_, Qt::AlignBottom);
    chart->addAxis(axisY_, Qt::AlignLeft);
    for (auto* s : {stepLoss_, epochLoss_}) {
        s->attachAxis(axisX_);
        s->attachAxis(axisY_);
    }
    view_ = new QChartView(chart, this);
    view_->setObjectName(QStringLiteral("trainingChart"));
    view_->setRenderHint(QPainter::Antialiasing);
    view_->setMinimumSize(460, 260);

    auto* buttons = new QDialogButtonBox(this);
    cancel_ = buttons->addButton(QDialogButtonBox::Cancel);
    cancel_->setObjectName(QStringLiteral("trainingCancel"));
    close_ = buttons->addButton(QDialogButtonBox::Close);
    close_->setObjectName(QStringLiteral("trainingClose"));
    connect(cancel_, &QPushButton::clicked, this, [this] {
        cancel_->setEnabled(false);
        stage_->setText(tr("Cancelling…"));
        Q_EMIT cancelRequested();
    });
    connect(close_, &QPushButton::clicked, this, &QDialog::hide);

    layout->addWidget(stage_);
    layout->addWidget(progress_);
    layout->addWidget(eta_);
    layout->addWidget(view_, 1);
    layout->addWidget(buttons);
    start();
    running_ = false;
}

void TrainingDialog::start() {
    running_ = true;
    epoch_ = 0;
    epochSum_ = 0;
    epochSteps_ = 0;
    maxLoss_ = 0;
    stepLoss_->clear();
    epochLoss_->clear();
    setEpochRange(1);
    axisY_->setRange(0, 1);
    stage_->setText(tr("Starting…"));
    eta_->clear();
    progress_->setRange(0, 0);
    cancel_->setEnabled(true);
    cancel_->show();
    close_->hide();
}

void TrainingDialog::setEpochRange(int epochs) {
    axisX_->setRange(0, epochs);
    axisX_->setTickInterval((epochs + 4) / 5);
}

void TrainingDialog::closeEpoch() {
    if (epochSteps_ > 0) epochLoss_->append(epoch_, epochSum_ / epochSteps_);
    epochSum_ = 0;
    epochSteps_ = 0;
}

void TrainingDialog::addStep(const QString& stage, int epoch, int epochs, int step, int steps, double loss,
                             double etaSeconds) {
    if (!running_) return;
    const int total = std::max(1, stage == QLatin1String("train") ? epochs * steps : steps);
    if (stage == QLatin1String("train")) {
        if (epoch != epoch_) {
            closeEpoch();
            epoch_ = epoch;
        }
        epochSum_ += loss;
        ++epochSteps_;
        stepLoss_->append(epoch - 1 + double(step) / std::max(1, steps), loss);
        maxLoss_ = std::max(maxLoss_, loss);
        // The axis grows with the epochs run (training may stop long before its budget).
        setEpochRange(std::max(1, epoch));
        axisY_->setRange(0, maxLoss_ > 0 ? maxLoss_ * 1.05 : 1);
        stage_->setText(tr("Epoch %1 of %2, step %3 of %4 · loss %5")
                            .arg(epoch)
                            .arg(epochs)
                            .arg(step)
                            .arg(steps)
                            .arg(loss, 0, 'f', 4));
        progress_->setRange(0, total);
        progress_->setValue((epoch - 1) * steps + step);
        if (step == steps) closeEpoch(); // the epoch's mean as soon as it is complete
    } else {
        stage_->setText(tr("Computing the features of image %1 of %2 (once; later runs read them from the cache)")
                            .arg(step)
                            .arg(steps));
        progress_->setRange(0, total);
        progress_->setValue(step);
    }
    eta_->setText(etaSeconds >= 0 ? tr("About %1 left").arg(formatDuration(etaSeconds)) : QString());
}

void TrainingDialog::finish(bool ok, bool cancelled, const QString& text) {
    if (!running_) return;
    running_ = false;
    closeEpoch();
    stage_->setText(ok ? text : cancelled ? tr("Training cancelled; the head in use is unchanged.") : tr("Training failed: %1").arg(text));
    eta_->clear();
    if (ok) {
        progress_->setRange(0, 1);
        progress_->setValue(1);
    }
    cancel_->hide();
    close_->show();
    close_->setDefault(true);
}

} // namespace hoi::ui
