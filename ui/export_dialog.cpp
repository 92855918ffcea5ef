#include "export_dialog.h"
#include "plural.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QDir>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QVBoxLayout>

#include "icons.h"

namespace hoi::ui {

using annotation::Format;

namespace {
struct FormatInfo {
    Format format;
    const char* label;
};
const FormatInfo kFormats[] = {
    {Format::Hico, QT_TRANSLATE_NOOP("ExportDialog", "HICO-DET JSON (QPIC / CDN / GEN-VLKT)")},
    {Format::Vcoco, QT_TRANSLATE_NOOP("ExportDialog", "V-COCO JSON (QPIC / GEN-VLKT, 29 action classes)")},
    {Format::Instances, QT_TRANSLATE_NOOP("ExportDialog", "HICO-DET instances (fredzzhang/hicodet)")},
    {Format::Coco, QT_TRANSLATE_NOOP("ExportDialog", "COCO detection JSON (boxes only)")},
    {Format::Csv, QT_TRANSLATE_NOOP("ExportDialog", "CSV, one row per interaction")},
    {Format::Project, QT_TRANSLATE_NOOP("ExportDialog", "HOI Studio project")},
};
} // namespace

QString ExportDialog::extension(Format format) {
    switch (format) {
    case Format::Csv: return QStringLiteral(".csv");
    case Format::Project: return QStringLiteral(".hoiproj");
    default: return QStringLiteral(".json");
    }
}

ExportDialog::ExportDialog(const annotation::Project& project, const QString& suggestedPath, QWidget* parent)
    : QDialog(parent), project_(project) {
    setWindowTitle(tr("Export Annotations"));
    setObjectName(QStringLiteral("exportDialog"));
    auto* lay = new QVBoxLayout(this);
    auto* form = new QFormLayout;
    format_ = new QComboBox(this);
    for (const auto& f : kFormats) format_->addItem(tr(f.label), int(f.format));
    form->addRow(tr("&Format:"), format_);
    auto* pathRow = new QHBoxLayout;
    path_ = new QLineEdit(this);
    path_->setMinimumWidth(380);
    auto* browse = new QPushButton(tr("Browse…"), this);
    pathRow->addWidget(path_, 1);
    pathRow->addWidget(browse);
    // A row whose field is a layout gets no buddy from QFormLayout: "&File:" would show its "&".
    auto* fileLabel = new QLabel(tr("&File:"), this);
    fileLabel->setBuddy(path_);
    form->addRow(fileLabel, pathRow);
    scope_ = new QComboBox(this);
    scope_->setObjectName(QStringLiteral("exportScope"));
    scope_->addItem(tr("Everything not rejected"), int(annotation::ExportScope::All));
    scope_->addItem(tr("Only relations a person accepted"), int(annotation::ExportScope::Accepted));
    scope_->addItem(tr("Only images marked reviewed"), int(annotation::ExportScope::Reviewed));
    form->addRow(tr("&Take:"), scope_);
    states_ = new QCheckBox(tr("Record each relation's review state (a \"state\" field other tools ignore)"), this);
    states_->setObjectName(QStringLiteral("exportStates"));
    states_->setChecked(true);
    form->addRow(QString(), states_);
    lay->addLayout(form);
    summary_ = new QLabel(this);
    summary_->setWordWrap(true);
    lay->addWidget(summary_);
    warning_ = new QLabel(this);
    warning_->setObjectName(QStringLiteral("exportWarning"));
    warning_->setWordWrap(true);
    warning_->setTextFormat(Qt::RichText);
    warning_->setStyleSheet(QStringLiteral("QLabel { background: #4a3b12; color: #ffe08a; border-radius: 4px; padding: 8px; }"));
    lay->addWidget(warning_);
    lay->addStretch(1);
    buttons_ = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    buttons_->addButton(tr("Export"), QDialogButtonBox::AcceptRole)->setIcon(icon("export"));
    lay->addWidget(buttons_);
    connect(buttons_, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons_, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(browse, &QPushButton::clicked, this, &ExportDialog::browse);
    connect(format_, qOverload<int>(&QComboBox::currentIndexChanged), this, [this] {
        // Keep the file name, switch its extension.
        QString p = path_->text();
        if (!p.isEmpty()) {
            const QFileInfo fi(p);
            QString base = fi.completeBaseName();
            if (base.endsWith(QLatin1String(".hoi"))) base.chop(4);
            p = fi.dir().filePath(base + extension(format()));
            path_->setText(p);
        }
        updatePreview();
    });
    connect(scope_, qOverload<int>(&QComboBox::currentIndexChanged), this, [this] { updatePreview(); });
    connect(states_, &QCheckBox::toggled, this, [this] { updatePreview(); });
    connect(path_, &QLineEdit::textChanged, this, [this] {
        buttons_->buttons().first()->setEnabled(!path_->text().isEmpty());
    });
    setPath(suggestedPath);
    updatePreview();
}

Format ExportDialog::format() const { return Format(format_->currentData().toInt()); }

void ExportDialog::setFormat(Format format) {
    const int i = format_->findData(int(format));
    if (i >= 0) format_->setCurrentIndex(i);
    updatePreview();
}

QString ExportDialog::path() const { return path_->text(); }

annotation::ExportOptions ExportDialog::options() const {
    annotation::ExportOptions o;
    o.scope = annotation::ExportScope(scope_->currentData().toInt());
    o.hico_states = format() == Format::Hico && states_->isChecked();
    return o;
}

void ExportDialog::setScope(annotation::ExportScope scope) {
    const int i = scope_->findData(int(scope));
    if (i >= 0) scope_->setCurrentIndex(i);
}
void ExportDialog::setPath(const QString& path) { path_->setText(path); }

void ExportDialog::browse() {
    const QString filter = extension(format()) == QLatin1String(".csv") ? tr("CSV (*.csv)")
                           : format() == Format::Project              ? tr("HOI Studio project (*.hoiproj)")
                                                                      : tr("JSON (*.json)");
    const QString p = QFileDialog::getSaveFileName(this, tr("Export to"), path_->text(), filter);
    if (!p.isEmpty()) path_->setText(p);
}

void ExportDialog::updatePreview() {
    preview_ = {};
    states_->setEnabled(format() == Format::Hico);
    try {
        annotation::export_text(project_, format(), &preview_, options());
    } catch (const std::exception& e) {
        warning_->setText(tr("This format cannot be written: %1").arg(QString::fromUtf8(e.what()).toHtmlEscaped()));
        warning_->show();
        summary_->clear();
        return;
    }
    QString summary = tr("Will write %1, %2 and %3.")
                          .arg(counted(preview_.images, "image", "images"))
                          .arg(counted(preview_.instances, "box", "boxes"))
                          .arg(counted(preview_.interactions, "interaction", "interactions"));
    if (preview_.images_omitted + preview_.instances_omitted + preview_.interactions_omitted > 0)
        summary += QLatin1Char(' ') + tr("As chosen, %1, %2 and %3 are not taken.")
                                          .arg(counted(int(preview_.images_omitted), "image", "images"))
                                          .arg(counted(int(preview_.instances_omitted), "box", "boxes"))
                                          .arg(counted(int(preview_.interactions_omitted), "relation", "relations"));
    summary_->setText(summary);
    warning_->setText(previewText());
    warning_->setVisible(!preview_.lossless());
}

QString ExportDialog::previewText() const {
    if (preview_.lossless()) return tr("Everything can be expressed in this format.");
    QString s;
    if (preview_.interactions_lost() + preview_.instances_lost() > 0) {
        // The counts are the sums of the list below it.
        s = tr("<b>%1 and %2 cannot be expressed in this format</b> and will be left out:")
                .arg(counted(int(preview_.interactions_lost()), "relation", "relations"))
                .arg(counted(int(preview_.instances_lost()), "box", "boxes"));
        s += QStringLiteral("<ul style='margin:2px'>");
        for (const auto& [reason, count] : preview_.reasons)
            if (!annotation::ExportReport::is_rejection(reason))
                s += QStringLiteral("<li>%1 × %2</li>").arg(count).arg(QString::fromStdString(reason).toHtmlEscaped());
        s += QStringLiteral("</ul>");
    }
    if (preview_.interactions_rejected + preview_.instances_rejected > 0)
        s += tr("Rejected, so not exported: %1 and %2.")
                 .arg(counted(int(preview_.interactions_rejected), "relation", "relations"))
                 .arg(counted(int(preview_.instances_rejected), "box", "boxes"));
    return s;
}

annotation::ExportReport ExportDialog::write() const {
    return annotation::export_file(project_, path().toStdString(), format(), options());
}

void ExportDialog::restoreSettings(const QString& base) {
    QSettings st;
    if (st.contains("export/format")) setFormat(Format(st.value("export/format").toInt()));
    setScope(annotation::ExportScope(st.value("export/scope", 0).toInt()));
    const QString dir = st.value("export/dir").toString();
    if (!dir.isEmpty() && QFileInfo(dir).isDir())
        setPath(QDir(dir).filePath(QFileInfo(base).fileName() + extension(format())));
    else
        setPath(base + extension(format()));
}

void ExportDialog::rememberSettings() const {
    QSettings st;
    st.setValue("export/format", int(format()));
    st.setValue("export/scope", int(options().scope));
    st.setValue("export/dir", QFileInfo(path()).absolutePath());
}

QString ExportDialog::doneText(const annotation::ExportReport& r) const {
    QString msg = tr("Exported %1 to %2.").arg(counted(r.interactions, "interaction", "interactions")).arg(QFileInfo(path()).fileName());
    if (r.interactions_lost() + r.instances_lost() > 0)
        msg += QLatin1Char(' ') + tr("%1 and %2 could not be expressed.")
                                      .arg(counted(int(r.interactions_lost()), "relation", "relations"))
                                      .arg(counted(int(r.instances_lost()), "box", "boxes"));
    return msg;
}

QString ExportDialog::suggestedBase(const QString& projectPath, const QString& imageDir) {
    QString base = projectPath.isEmpty() ? QDir(imageDir).filePath("annotations") : projectPath;
    if (base.endsWith(QLatin1String(".hoiproj"))) base.chop(8);
    return base;
}

QString ExportDialog::run(const annotation::Project& project, const QString& projectPath, const QString& imageDir,
                          bool remember, QWidget* parent) {
    const QString base = suggestedBase(projectPath, imageDir);
    ExportDialog dlg(project, base + ".json", parent);
    if (remember) dlg.restoreSettings(base); // the last export's format, scope and folder
    if (dlg.exec() != QDialog::Accepted) return QString();
    const annotation::ExportReport r = dlg.write();
    if (remember) dlg.rememberSettings();
    return dlg.doneText(r);
}

} // namespace hoi::ui
