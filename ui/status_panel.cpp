#include "status_panel.h"

#include <QLabel>
#include <QProgressBar>
#include <QStatusBar>
#include <QToolButton>
#include <cmath>

#include "agreement_indicator.h"

namespace hoi::ui {

StatusPanel::StatusPanel(QStatusBar* bar, Workspace* workspace, QAction* cancel) : QObject(bar) {
    hover_ = new QLabel(bar);
    hover_->setObjectName(QStringLiteral("hoverLabel"));
    bar->addWidget(hover_, 1);
    progressLabel_ = new QLabel(bar);
    progressLabel_->setObjectName(QStringLiteral("progressLabel"));
    bar->addPermanentWidget(progressLabel_);
    progress_ = new QProgressBar(bar);
    progress_->setObjectName(QStringLiteral("progressBar"));
    progress_->setFixedWidth(160);
    progress_->setMaximumHeight(16);
    progress_->setTextVisible(false);
    bar->addPermanentWidget(progress_);
    cancel_ = new QToolButton(bar);
    cancel_->setObjectName(QStringLiteral("progressCancel"));
    cancel_->setDefaultAction(cancel);
    cancel_->setAutoRaise(true);
    bar->addPermanentWidget(cancel_);
    hideProgress();
    agreement_ = new AgreementIndicator(workspace, bar);
    agreement_->setContentsMargins(0, 0, 16, 0); // apart from the engine's label beside it
    bar->addPermanentWidget(agreement_);
    engine_ = new QLabel(bar);
    engine_->setObjectName(QStringLiteral("engineLabel"));
    bar->addPermanentWidget(engine_);
    zoom_ = new QLabel(bar);
    zoom_->setObjectName(QStringLiteral("zoomLabel"));
    zoom_->setMinimumWidth(48);
    bar->addPermanentWidget(zoom_);
}

void StatusPanel::setHover(const QString& text) { hover_->setText(text); }

void StatusPanel::setProgress(const QString& text, int value, int maximum) {
    progress_->show();
    progressLabel_->show();
    cancel_->show();
    progress_->setRange(0, maximum);
    if (maximum > 0) progress_->setValue(value);
    progressLabel_->setText(text);
}

void StatusPanel::hideProgress() {
    progress_->hide();
    progressLabel_->hide();
    cancel_->hide();
}

bool StatusPanel::progressVisible() const { return !progress_->isHidden(); }

void StatusPanel::setEngineText(const QString& text) { engine_->setText(text); }

void StatusPanel::setZoom(double factor) { zoom_->setText(QStringLiteral("%1%").arg(int(std::lround(factor * 100)))); }

} // namespace hoi::ui
