#pragma once
// Export: choose a format, a file and what to take (everything, only accepted relations, only
// reviewed images; HICO-DET can record each relation's review state); before anything is written
// the dialog tells how many boxes and relations the chosen format cannot express (and why),
// computed by the core's exporter. The last export's format, scope and folder come back
// (restoreSettings / rememberSettings, in QSettings' export/*).
#include <QDialog>

#include "annotation/formats.h"

class QComboBox;
class QLineEdit;
class QLabel;
class QDialogButtonBox;
class QCheckBox;

namespace hoi::ui {

class ExportDialog : public QDialog {
    Q_OBJECT
public:
    ExportDialog(const annotation::Project& project, const QString& suggestedPath, QWidget* parent = nullptr);

    annotation::Format format() const;
    void setFormat(annotation::Format format);
    QString path() const;
    void setPath(const QString& path);
    annotation::ExportOptions options() const;
    void setScope(annotation::ExportScope scope);
    // What the chosen format would write and leave out (computed without writing).
    const annotation::ExportReport& preview() const { return preview_; }
    QString previewText() const;
    // Writes the file; returns the report. Throws hoi::Error on failure.
    annotation::ExportReport write() const;

    static QString extension(annotation::Format format);
    // The file an export suggests, without its extension: the project file's (".hoiproj" dropped),
    // else annotations in the image folder.
    static QString suggestedBase(const QString& projectPath, const QString& imageDir);
    // File ▸ Export: the dialog for the project at suggestedBase (with `remember`, the last export's
    // choices come back and this one's are kept), then the file written. Returns what was done
    // (doneText; "" when cancelled); throws hoi::Error when the file cannot be written.
    static QString run(const annotation::Project& project, const QString& projectPath, const QString& imageDir,
                       bool remember, QWidget* parent = nullptr);
    // The last export's format, scope and folder; the file is base's name (base: the project file
    // or image folder's annotations, without an extension) in that folder when it still exists,
    // else base itself, with the format's extension.
    void restoreSettings(const QString& base);
    // Remembers the format, scope and folder of this export for the next one.
    void rememberSettings() const;
    // "Exported 3 interactions to a.json." and what could not be expressed.
    QString doneText(const annotation::ExportReport& report) const;

private:
    void updatePreview();
    void browse();

    const annotation::Project& project_;
    QComboBox* format_;
    QComboBox* scope_;
    QCheckBox* states_;
    QLineEdit* path_;
    QLabel* summary_;
    QLabel* warning_;
    QDialogButtonBox* buttons_;
    annotation::ExportReport preview_;
};

} // namespace hoi::ui
