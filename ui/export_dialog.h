#pragma once
// Export: choose a format and a file; before anything is written the dialog tells how many boxes
// and relations the chosen format cannot express (and why), computed by the core's exporter.
#include <QDialog>

#include "annotation/formats.h"

class QComboBox;
class QLineEdit;
class QLabel;
class QDialogButtonBox;

namespace hoi::ui {

class ExportDialog : public QDialog {
    Q_OBJECT
public:
    ExportDialog(const annotation::Project& project, const QString& suggestedPath, QWidget* parent = nullptr);

    annotation::Format format() const;
    void setFormat(annotation::Format format);
    QString path() const;
    void setPath(const QString& path);
    // What the chosen format would write and leave out (computed without writing).
    const annotation::ExportReport& preview() const { return preview_; }
    QString previewText() const;
    // Writes the file; returns the report. Throws hoi::Error on failure.
    annotation::ExportReport write() const;

    static QString extension(annotation::Format format);

private:
    void updatePreview();
    void browse();

    const annotation::Project& project_;
    QComboBox* format_;
    QLineEdit* path_;
    QLabel* summary_;
    QLabel* warning_;
    QDialogButtonBox* buttons_;
    annotation::ExportReport preview_;
};

} // namespace hoi::ui
