#pragma once
// Settings ▸ Preferences: the CLIP model file, the detector, detection thresholds, the score below
// which predictions are not kept, the CLIP prompt templates and whether Accept / Reject move on
// to the next pair. Stored with QSettings; the main
// window reloads the models when a model setting changed.
#include <QDialog>

class QLineEdit;
class QComboBox;
class QDoubleSpinBox;
class QPlainTextEdit;
class QLabel;
class QCheckBox;

namespace hoi::ui {

class PreferencesDialog : public QDialog {
    Q_OBJECT
public:
    explicit PreferencesDialog(QWidget* parent = nullptr);
    // Writes the values to QSettings; returns true when the models must be reloaded.
    bool apply();

private:
    QLineEdit* clip_;
    QLabel* clipResolved_;
    QComboBox* detector_;
    QDoubleSpinBox* human_;
    QDoubleSpinBox* object_;
    QDoubleSpinBox* keep_;
    QPlainTextEdit* templates_;
    QCheckBox* advance_;
};

} // namespace hoi::ui
