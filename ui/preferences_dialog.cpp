#include "preferences_dialog.h"

#include <QCheckBox>
#include "clip/model_path.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QVBoxLayout>

#include "detect/detector.h"
#include "hoi/prompt.h"
#include "io/resources.h"


namespace hoi::ui {

PreferencesDialog::PreferencesDialog(QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("Preferences"));
    QSettings s;
    auto* lay = new QVBoxLayout(this);
    auto* form = new QFormLayout;
    auto* clipRow = new QHBoxLayout;
    clip_ = new QLineEdit(s.value("models/clip").toString(), this);
    clip_->setPlaceholderText(tr("default: ViT-B-32.pt in %1").arg(QString::fromStdString(io::models_dir())));
    auto* browse = new QPushButton(tr("Browse…"), this);
    clipRow->addWidget(clip_, 1);
    clipRow->addWidget(browse);
    form->addRow(tr("CLIP model:"), clipRow);
    clipResolved_ = new QLabel(this);
    clipResolved_->setWordWrap(true);
    clipResolved_->setStyleSheet(QStringLiteral("color: palette(mid);"));
    form->addRow(QString(), clipResolved_);
    detector_ = new QComboBox(this);
    detector_->setEditable(true);
    for (const auto& d : detect::builtin_detectors()) detector_->addItem(QString::fromStdString(d));
    detector_->setCurrentText(s.value("models/detector", QStringLiteral("nanodet")).toString());
    form->addRow(tr("Detector:"), detector_);
    auto spin = [this](double v) {
        auto* b = new QDoubleSpinBox(this);
        b->setRange(0.0, 1.0);
        b->setSingleStep(0.05);
        b->setDecimals(2);
        b->setValue(v);
        return b;
    };
    human_ = spin(s.value("thresholds/human", 0.4).toDouble());
    object_ = spin(s.value("thresholds/object", 0.3).toDouble());
    keep_ = spin(s.value("thresholds/keep", 0.01).toDouble());
    keep_->setDecimals(3);
    keep_->setSingleStep(0.005);
    form->addRow(tr("People detected at:"), human_);
    form->addRow(tr("Objects detected at:"), object_);
    form->addRow(tr("Keep predictions scoring at least:"), keep_);
    templates_ = new QPlainTextEdit(this);
    QStringList templ = s.value("prompts/templates").toStringList();
    if (templ.isEmpty())
        for (const auto& t : model::default_templates()) templ << QString::fromStdString(t);
    templates_->setPlainText(templ.join(QLatin1Char('\n')));
    templates_->setToolTip(tr("One CLIP sentence template per line; {} stands for the interaction (\"person riding a horse\")."));
    form->addRow(tr("Prompt templates:"), templates_);
    advance_ = new QCheckBox(tr("Accept (A) and Reject (R) move to the next pair"), this);
    advance_->setChecked(s.value("review/advance", true).toBool());
    form->addRow(tr("Review:"), advance_);
    lay->addLayout(form);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    lay->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString f = QFileDialog::getOpenFileName(this, tr("CLIP Model"), clip_->text(),
                                                       tr("CLIP models (*.pt *.safetensors);;All files (*)"));
        if (!f.isEmpty()) clip_->setText(f);
    });
    auto updateResolved = [this] {
        std::string r;
        try {
            r = clip::resolve_clip_path("", clip_->text().toStdString());
        } catch (const std::exception&) {
        }
        QString text = r.empty() ? tr("No CLIP model found: open-vocabulary scoring is off (run `hoi models fetch clip-vit-b32`).")
                                 : tr("In use: %1").arg(QString::fromStdString(r));
        if (qEnvironmentVariableIsSet("HOI_CLIP")) text += tr(" (HOI_CLIP is set and comes first)");
        clipResolved_->setText(text);
    };
    connect(clip_, &QLineEdit::textChanged, this, updateResolved);
    updateResolved();
    resize(560, 440);
}

bool PreferencesDialog::apply() {
    QSettings s;
    QStringList templ;
    for (const QString& line : templates_->toPlainText().split(QLatin1Char('\n')))
        if (!line.trimmed().isEmpty()) templ << line.trimmed();
    QStringList defaults;
    for (const auto& t : model::default_templates()) defaults << QString::fromStdString(t);
    if (templ == defaults) templ.clear();
    const bool reload = s.value("models/clip").toString() != clip_->text().trimmed() ||
                        s.value("models/detector", "nanodet").toString() != detector_->currentText() ||
                        s.value("thresholds/human", 0.4).toDouble() != human_->value() ||
                        s.value("thresholds/object", 0.3).toDouble() != object_->value() ||
                        s.value("prompts/templates").toStringList() != templ;
    s.setValue("models/clip", clip_->text().trimmed());
    s.setValue("models/detector", detector_->currentText());
    s.setValue("thresholds/human", human_->value());
    s.setValue("thresholds/object", object_->value());
    s.setValue("thresholds/keep", keep_->value());
    s.setValue("review/advance", advance_->isChecked());
    s.setValue("prompts/templates", templ);
    return reload;
}

} // namespace hoi::ui
