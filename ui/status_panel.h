#pragma once
// The status bar's own widgets, left to right: what the pointer is over on the canvas, the progress
// of a job ("progressLabel", "progressBar" and a button for the given Cancel action; shown only
// while a job reports progress), the agreement indicator, the engine's description ("engineLabel")
// and the canvas zoom. Temporary messages stay the QStatusBar's (showMessage).
#include <QObject>

class QAction;
class QLabel;
class QProgressBar;
class QStatusBar;
class QToolButton;

namespace hoi::ui {

class Workspace;
class AgreementIndicator;

class StatusPanel : public QObject {
    Q_OBJECT
public:
    // Adds its widgets to bar (and is owned by it).
    StatusPanel(QStatusBar* bar, Workspace* workspace, QAction* cancel);

    void setHover(const QString& text);
    // Shows the progress widgets: text, and a bar at value of maximum (busy when maximum is 0).
    void setProgress(const QString& text, int value, int maximum);
    // Hides them (no job runs).
    void hideProgress();
    bool progressVisible() const;
    void setEngineText(const QString& text);
    void setZoom(double factor); // "135%"

    AgreementIndicator* agreement() const { return agreement_; }
    QLabel* hoverLabel() const { return hover_; }
    QLabel* progressLabel() const { return progressLabel_; }
    QProgressBar* progressBar() const { return progress_; }
    QToolButton* cancelButton() const { return cancel_; }
    QLabel* engineLabel() const { return engine_; }
    QLabel* zoomLabel() const { return zoom_; }

private:
    QLabel* hover_;
    QLabel* progressLabel_;
    QProgressBar* progress_;
    QToolButton* cancel_;
    AgreementIndicator* agreement_;
    QLabel* engine_;
    QLabel* zoom_;
};

} // namespace hoi::ui
