#pragma once
// Settings ▸ Preferences: the CLIP model file, the detector, detection thresholds, the score below
// which predictions are not kept, and the CLIP prompt templates. Stored with QSettings; the main
// window reloads the models when a model setting changed.
#include <QDialog>

class QLineEdit;
class QComboBox;
class QDoubleSpinBox;
class QPlainTextEdit;
class QLabel;

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
};

} // namespace hoi::ui
