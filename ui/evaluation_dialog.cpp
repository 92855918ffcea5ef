#include "evaluation_dialog.h"

#include "annotation/formats.h"
#include "evaluation_class_model.h"
#include "eval/hico_document.h"
#include "io/error.h"
#include "plural.h"

#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QLineSeries>
#include <QProgressBar>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QTreeWidget>
#include <QValueAxis>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>
#include <exception>

namespace hoi::ui {

namespace {

constexpr int kMaxCurves = 12;      // curves drawn at once (the first selected classes)
constexpr int kMaxListed = 2000;    // false positives / misses listed per class and kind

QString percent(double v) { return QString::number(100.0 * v, 'f', 2); }

QString boxText(const eval::Box& b) {
    return QStringLiteral("[%1, %2, %3, %4]").arg(b.x1, 0, 'f', 0).arg(b.y1, 0, 'f', 0).arg(b.x2, 0, 'f', 0).arg(b.y2, 0, 'f', 0);
}

QString subsetTitle(const std::string& name) {
    if (name == "rare") return QObject::tr("Rare");
    if (name == "non_rare") return QObject::tr("Non-rare");
    if (name == "unseen") return QObject::tr("Unseen");
    if (name == "seen") return QObject::tr("Seen");
    return QString::fromStdString(name);
}

} // namespace

EvaluationDialog::EvaluationDialog(std::function<annotation::Document()> project, QWidget* parent)
    : QDialog(parent), project_(std::move(project)) {
    setObjectName(QStringLiteral("evaluationDialog"));
    setWindowTitle(tr("Evaluate"));
    resize(1100, 720);

    sourceCombo_ = new QComboBox(this);
    sourceCombo_->setObjectName(QStringLiteral("evalSource"));
    sourceCombo_->addItem(tr("Annotation file vs. this project's predictions"));
    sourceCombo_->addItem(tr("This project's reviewed images vs. its predictions"));
    sourceCombo_->addItem(tr("Annotation file vs. another annotation file"));
    sourceCombo_->setToolTip(tr("Reviewed images: their accepted and edited relations are the ground truth.\n"
                                "Predictions: the model's scored relations a person did not edit.\n"
                                "An annotation file used as predictions: relations without a score count with score 1."));
    gtEdit_ = new QLineEdit(this);
    gtEdit_->setObjectName(QStringLiteral("evalGtFile"));
    gtEdit_->setPlaceholderText(tr("HICO-DET annotation file (JSON)"));
    predEdit_ = new QLineEdit(this);
    predEdit_->setObjectName(QStringLiteral("evalPredFile"));
    predEdit_->setPlaceholderText(tr("HICO-DET annotation file (JSON) evaluated as predictions"));
    gtBrowse_ = new QPushButton(tr("Browse…"), this);
    predBrowse_ = new QPushButton(tr("Browse…"), this);
    splitCombo_ = new QComboBox(this);
    splitCombo_->setObjectName(QStringLiteral("evalSplit"));
    const std::pair<const char*, QString> splits[] = {
            {"default", tr("default (rare / non-rare)")}, {"rf-uc", tr("rf-uc (rare first, unseen / seen)")},
            {"nf-uc", tr("nf-uc (non-rare first, unseen / seen)")}, {"uo", tr("uo (unseen object)")},
            {"uv", tr("uv (unseen verb)")}};
    for (const auto& [name, text] : splits) splitCombo_->addItem(text, QString::fromLatin1(name));
    settingCombo_ = new QComboBox(this);
    settingCombo_->setObjectName(QStringLiteral("evalSetting"));
    settingCombo_->addItem(tr("default (every image)"), QStringLiteral("default"));
    settingCombo_->addItem(tr("ko (Known-Object)"), QStringLiteral("ko"));
    evaluateButton_ = new QPushButton(tr("&Evaluate"), this);
    evaluateButton_->setObjectName(QStringLiteral("evalRun"));
    evaluateButton_->setDefault(true);
    busy_ = new QProgressBar(this);
    busy_->setRange(0, 0);
    busy_->setMaximumWidth(160);
    busy_->setTextVisible(false);
    busy_->hide();

    auto* form = new QFormLayout;
    auto label = [this](const QString& text, QWidget* buddy) {
        auto* l = new QLabel(text, this);
        l->setBuddy(buddy);
        return l;
    };
    form->addRow(label(tr("&Ground truth:"), sourceCombo_), sourceCombo_);
    auto* gtRow = new QHBoxLayout;
    gtRow->addWidget(gtEdit_);
    gtRow->addWidget(gtBrowse_);
    form->addRow(label(tr("Ground-truth &file:"), gtEdit_), gtRow);
    auto* predRow = new QHBoxLayout;
    predRow->addWidget(predEdit_);
    predRow->addWidget(predBrowse_);
    form->addRow(label(tr("&Predictions file:"), predEdit_), predRow);
    auto* optRow = new QHBoxLayout;
    optRow->addWidget(splitCombo_);
    optRow->addSpacing(12);
    optRow->addWidget(label(tr("&Setting:"), settingCombo_));
    optRow->addWidget(settingCombo_);
    optRow->addStretch();
    optRow->addWidget(busy_);
    optRow->addWidget(evaluateButton_);
    form->addRow(label(tr("Sp&lit:"), splitCombo_), optRow);

    errorLabel_ = new QLabel(this);
    errorLabel_->setObjectName(QStringLiteral("evalError"));
    errorLabel_->setWordWrap(true);
    errorLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    errorLabel_->setStyleSheet(QStringLiteral("color: #c0392b;"));
    errorLabel_->hide();

    auto makeMap = [this](const char* name) {
        auto* l = new QLabel(QStringLiteral("–"), this);
        l->setObjectName(QLatin1String(name));
        QFont f = l->font();
        f.setPointSizeF(f.pointSizeF() * 1.3);
        f.setBold(true);
        l->setFont(f);
        return l;
    };
    mapFull_ = makeMap("mapFull");
    mapSubset_ = makeMap("mapSubset");
    mapComplement_ = makeMap("mapComplement");
    counts_ = new QLabel(this);
    counts_->setObjectName(QStringLiteral("evalCounts"));
    counts_->setWordWrap(true);
    auto* mapRow = new QHBoxLayout;
    mapRow->addWidget(new QLabel(tr("mAP:"), this));
    for (QLabel* l : {mapFull_, mapSubset_, mapComplement_}) {
        mapRow->addWidget(l);
        mapRow->addSpacing(18);
    }
    mapRow->addWidget(counts_, 1);

    model_ = new EvaluationClassModel(this);
    proxy_ = new QSortFilterProxyModel(this);
    proxy_->setSourceModel(model_);
    proxy_->setSortRole(EvaluationClassModel::SortRole);
    table_ = new QTableView(this);
    table_->setObjectName(QStringLiteral("evalClassTable"));
    table_->setModel(proxy_);
    table_->setSortingEnabled(true);
    table_->sortByColumn(EvaluationClassModel::ApColumn, Qt::DescendingOrder);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::ExtendedSelection);
    table_->verticalHeader()->hide();
    // The numbers as wide as they need (headers included, so an empty table shows every title);
    // the class names take the rest.
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table_->horizontalHeader()->setSectionResizeMode(EvaluationClassModel::ClassColumn, QHeaderView::Stretch);
    table_->horizontalHeader()->setMinimumSectionSize(48);
    table_->horizontalHeader()->setStretchLastSection(false);
    table_->setAlternatingRowColors(true);
    table_->setToolTip(tr("Select classes to draw their precision-recall curves (Ctrl / Shift for several)"));

    auto* chart = new QChart;
    chart->setTitle(tr("Precision-recall"));
    chart->legend()->setAlignment(Qt::AlignBottom);
    auto* ax = new QValueAxis;
    ax->setRange(0, 1);
    ax->setTickCount(6);
    ax->setTitleText(tr("Recall"));
    ax->setLabelFormat(QStringLiteral("%.1f"));
    auto* ay = new QValueAxis;
    ay->setRange(0, 1);
    ay->setTickCount(6);
    ay->setTitleText(tr("Precision"));
    ay->setLabelFormat(QStringLiteral("%.1f"));
    chart->addAxis(ax, Qt::AlignBottom);
    chart->addAxis(ay, Qt::AlignLeft);
    chart_ = new QChartView(chart, this);
    chart_->setObjectName(QStringLiteral("evalChart"));
    chart_->setRenderHint(QPainter::Antialiasing);
    chart_->setMinimumHeight(260);

    errorsTitle_ = new QLabel(tr("False positives and misses: select a class"), this);
    errors_ = new QTreeWidget(this);
    errors_->setObjectName(QStringLiteral("evalErrors"));
    errors_->setRootIsDecorated(false);
    errors_->setHeaderLabels({tr("Kind"), tr("Image"), tr("Score"), tr("Human box"), tr("Object box")});
    errors_->setToolTip(tr("Double-click (or Enter) to show the image in the main window"));
    errors_->setUniformRowHeights(true);

    auto* errorsBox = new QWidget(this);
    auto* errorsLayout = new QVBoxLayout(errorsBox);
    errorsLayout->setContentsMargins(0, 0, 0, 0);
    errorsLayout->addWidget(errorsTitle_);
    errorsLayout->addWidget(errors_);
    auto* right = new QSplitter(Qt::Vertical, this);
    right->addWidget(chart_);
    right->addWidget(errorsBox);
    right->setStretchFactor(0, 3);
    right->setStretchFactor(1, 2);
    auto* split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(table_);
    split->addWidget(right);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 1);
    split->setSizes({520, 560});

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(errorLabel_);
    layout->addLayout(mapRow);
    layout->addWidget(split, 1);
    layout->addWidget(buttons);

    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(sourceCombo_, qOverload<int>(&QComboBox::currentIndexChanged), this, [this] { updateSourceWidgets(); });
    connect(gtBrowse_, &QPushButton::clicked, this, [this] {
        const QString p = browse(tr("Ground-Truth Annotations"), gtEdit_->text());
        if (!p.isEmpty()) gtEdit_->setText(p);
    });
    connect(predBrowse_, &QPushButton::clicked, this, [this] {
        const QString p = browse(tr("Annotations Evaluated as Predictions"), predEdit_->text());
        if (!p.isEmpty()) predEdit_->setText(p);
    });
    connect(evaluateButton_, &QPushButton::clicked, this, &EvaluationDialog::evaluate);
    connect(&watcher_, &QFutureWatcher<Outcome>::finished, this, &EvaluationDialog::onFinished);
    connect(table_->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] { updateCurves(); });
    connect(table_->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this] { updateErrors(); });
    connect(errors_, &QTreeWidget::itemActivated, this, [this](QTreeWidgetItem* item) {
        const QString name = item ? item->data(0, Qt::UserRole).toString() : QString();
        if (!name.isEmpty()) Q_EMIT openImageRequested(name);
    });
    updateSourceWidgets();
}

const annotation::Image* EvaluationDialog::imageNamed(const annotation::Document& document, const QString& fileName) {
    if (const annotation::Image* img = document.image_by_file(fileName.toStdString())) return img;
    for (const auto& i : document.images())
        if (QFileInfo(QString::fromStdString(i.file_name)).fileName() == fileName) return &i;
    return nullptr;
}

EvaluationDialog::~EvaluationDialog() {
    // A running evaluation owns copies of its inputs; let it finish without us.
    watcher_.disconnect(this);
}

void EvaluationDialog::keyPressEvent(QKeyEvent* e) {
    const bool enter = e->key() == Qt::Key_Return || e->key() == Qt::Key_Enter;
    QWidget* f = focusWidget();
    if (enter && f && (f == errors_ || f == table_ || errors_->isAncestorOf(f) || table_->isAncestorOf(f))) {
        e->accept();
        return;
    }
    QDialog::keyPressEvent(e);
}

void EvaluationDialog::setSource(Source source) { sourceCombo_->setCurrentIndex(int(source)); }
EvaluationDialog::Source EvaluationDialog::source() const { return Source(sourceCombo_->currentIndex()); }
void EvaluationDialog::setGroundTruthFile(const QString& path) { gtEdit_->setText(path); }
void EvaluationDialog::setPredictionsFile(const QString& path) { predEdit_->setText(path); }
void EvaluationDialog::setSplit(const QString& name) {
    const int i = splitCombo_->findData(name);
    if (i >= 0) splitCombo_->setCurrentIndex(i);
}
void EvaluationDialog::setSetting(const QString& name) {
    const int i = settingCombo_->findData(name);
    if (i >= 0) settingCombo_->setCurrentIndex(i);
}
bool EvaluationDialog::isRunning() const { return watcher_.isRunning(); }
QString EvaluationDialog::errorText() const { return errorLabel_->isHidden() ? QString() : errorLabel_->text(); }

void EvaluationDialog::updateSourceWidgets() {
    const Source s = source();
    gtEdit_->setEnabled(s != Source::ReviewedProject);
    gtBrowse_->setEnabled(s != Source::ReviewedProject);
    predEdit_->setEnabled(s == Source::TwoFiles);
    predBrowse_->setEnabled(s == Source::TwoFiles);
}

QString EvaluationDialog::browse(const QString& title, const QString& current) {
    return QFileDialog::getOpenFileName(this, title, current.isEmpty() ? QString() : QFileInfo(current).absolutePath(),
                                        tr("HICO-DET annotations (*.json);;All files (*)"));
}

void EvaluationDialog::evaluate() {
    if (isRunning()) return;
    Request r;
    r.source = source();
    r.gtPath = gtEdit_->text().trimmed();
    r.predPath = predEdit_->text().trimmed();
    r.split = splitCombo_->currentData().toString();
    r.setting = settingCombo_->currentData().toString();
    if (r.source != Source::TwoFiles && project_) r.project = project_();
    errorLabel_->hide();
    evaluateButton_->setEnabled(false);
    busy_->show();
    watcher_.setFuture(QtConcurrent::run([r = std::move(r)] { return run(r); }));
}

EvaluationDialog::Outcome EvaluationDialog::run(const Request& r) {
    Outcome out;
    try {
        if (r.source != Source::ReviewedProject && r.gtPath.isEmpty()) throw_usage("choose a ground-truth file first");
        if (r.source == Source::TwoFiles && r.predPath.isEmpty()) throw_usage("choose the file to evaluate as predictions");
        eval::EvalOptions options;
        options.setting = eval::parse_setting(r.setting.toStdString());
        options.keep_curves = true;
        options.keep_errors = true;
        // Images of the project or the prediction file that the ground truth does not have are left
        // out (counted), as the reference evaluators do.
        options.lenient_predictions = true;
        const eval::ClassSplit split = eval::load_split(r.split.toStdString());
        std::vector<eval::GtImage> gt;
        std::vector<eval::PredImage> pred;
        if (r.source == Source::ReviewedProject) {
            gt = eval::reviewed_ground_truth(r.project);
            if (gt.empty())
                throw_usage("no image of this project is marked reviewed: review images (Edit ▸ Mark Image "
                            "Reviewed) to use them as ground truth");
            pred = eval::model_predictions(r.project, true);
        } else {
            const std::string gtPath = r.gtPath.toStdString();
            const auto gtProject = annotation::import_file(gtPath, annotation::Format::Hico);
            gt = eval::ground_truth_from_document(gtProject.document, gtPath);
            if (r.source == Source::TwoFiles) {
                const std::string predPath = r.predPath.toStdString();
                const auto predProject = annotation::import_file(predPath, annotation::Format::Hico);
                pred = eval::predictions_from_document(predProject.document, predPath, 1.0);
            } else {
                pred = eval::model_predictions(r.project, false);
            }
        }
        out.result = eval::evaluate(gt, pred, split, options);
    } catch (const std::exception& e) {
        out.error = QString::fromUtf8(e.what());
    } catch (...) {
        out.error = tr("unknown error");
    }
    return out;
}

void EvaluationDialog::onFinished() {
    Outcome out = watcher_.result();
    evaluateButton_->setEnabled(true);
    busy_->hide();
    if (!out.result) {
        result_.reset();
        model_->setResult({});
        for (QLabel* l : {mapFull_, mapSubset_, mapComplement_}) l->setText(QStringLiteral("–"));
        counts_->clear();
        updateCurves();
        updateErrors();
        errorLabel_->setText(tr("Evaluation failed: %1").arg(out.error));
        errorLabel_->show();
        Q_EMIT finished(false);
        return;
    }
    result_ = std::move(out.result);
    showResult();
    Q_EMIT finished(true);
}

void EvaluationDialog::showResult() {
    const eval::EvalResult& r = *result_;
    mapFull_->setText(tr("Full %1").arg(percent(r.map_full)));
    mapSubset_->setText(QStringLiteral("%1 %2").arg(subsetTitle(r.subset), r.map_subset ? percent(*r.map_subset) : QStringLiteral("–")));
    mapComplement_->setText(
            QStringLiteral("%1 %2").arg(subsetTitle(r.complement), r.map_complement ? percent(*r.map_complement) : QStringLiteral("–")));
    QString counts = tr("%1 classes (%2 %3, %4 %5) · %6 images · %7 ground-truth pairs · %8 predictions evaluated · "
                        "mean max recall %9 %")
                             .arg(r.evaluated_classes)
                             .arg(r.subset_classes)
                             .arg(subsetTitle(r.subset).toLower())
                             .arg(r.complement_classes)
                             .arg(subsetTitle(r.complement).toLower())
                             .arg(r.images)
                             .arg(r.gt_pairs)
                             .arg(r.predictions)
                             .arg(percent(r.mean_max_recall));
    if (r.ignored_images) counts += tr(" · %1 prediction images not in the ground truth (left out)").arg(r.ignored_images);
    counts_->setText(counts);
    model_->setResult(r);
    updateCurves();
    updateErrors();
}

void EvaluationDialog::updateCurves() {
    QChart* chart = chart_->chart();
    chart->removeAllSeries();
    const QList<QAbstractAxis*> axes = chart->axes();
    int drawn = 0;
    for (const QModelIndex& proxyIndex : table_->selectionModel()->selectedRows()) {
        if (drawn == kMaxCurves) break;
        const eval::ClassResult* c = model_->classAt(proxy_->mapToSource(proxyIndex).row());
        if (!c) continue;
        auto* series = new QLineSeries;
        series->setObjectName(QStringLiteral("curve-%1").arg(c->hoi));
        series->setName(tr("%1 (AP %2)").arg(EvaluationClassModel::className(c->hoi), percent(c->ap)));
        for (const eval::CurvePoint& p : c->curve) series->append(p.recall, p.precision);
        series->setPointsVisible(c->curve.size() <= 50); // a few detections: show each one
        chart->addSeries(series);
        for (QAbstractAxis* a : axes) series->attachAxis(a);
        ++drawn;
    }
    chart->legend()->setVisible(drawn > 0);
}

void EvaluationDialog::updateErrors() {
    errors_->clear();
    const QModelIndex current = table_->selectionModel()->currentIndex();
    const eval::ClassResult* c = current.isValid() ? model_->classAt(proxy_->mapToSource(current).row()) : nullptr;
    if (!c) {
        errorsTitle_->setText(tr("False positives and misses: select a class"));
        return;
    }
    const bool cut = c->false_positives.size() > size_t(kMaxListed) || c->misses.size() > size_t(kMaxListed);
    errorsTitle_->setText(tr("%1: %2, %3 (double-click one to show its image)%4")
                                  .arg(EvaluationClassModel::className(c->hoi),
                                       counted(qint64(c->false_positives.size()), "false positive", "false positives"),
                                       counted(qint64(c->misses.size()), "miss", "misses"),
                                       cut ? tr("; the first %1 of each are listed (false positives by score, misses in file order)").arg(kMaxListed) : QString()));
    QList<QTreeWidgetItem*> items;
    auto add = [&](const QString& kind, const std::string& image, const QString& score, const eval::Box& h,
                   const eval::Box& o) {
        auto* item = new QTreeWidgetItem({kind, QString::fromStdString(image), score, boxText(h), boxText(o)});
        item->setData(0, Qt::UserRole, QString::fromStdString(image));
        items.push_back(item);
    };
    int n = 0;
    for (const eval::FalsePositive& fp : c->false_positives) {
        if (n++ == kMaxListed) break;
        add(fp.duplicate ? tr("Duplicate") : tr("False positive"), fp.image, QString::number(fp.score, 'f', 3), fp.human,
            fp.object);
    }
    n = 0;
    for (const eval::Miss& m : c->misses) {
        if (n++ == kMaxListed) break;
        add(tr("Miss"), m.image, QString(), m.human, m.object);
    }
    errors_->addTopLevelItems(items);
    for (int k = 0; k < errors_->columnCount(); ++k) errors_->resizeColumnToContents(k);
}

} // namespace hoi::ui
