#include "images_panel.h"

#include <QItemSelectionModel>
#include <QLabel>
#include <QListView>
#include <QToolButton>
#include <QVBoxLayout>

#include "image_list_model.h"
#include "plural.h"

namespace hoi::ui {

ImagesPanel::ImagesPanel(Workspace* workspace, QAction* analyseAll, QWidget* parent) : QWidget(parent), ws_(workspace) {
    auto* il = new QVBoxLayout(this);
    il->setContentsMargins(4, 4, 4, 4);
    model_ = new ImageListModel(workspace, this);
    list_ = new QListView(this);
    list_->setObjectName(QStringLiteral("imageList"));
    list_->setModel(model_);
    list_->setItemDelegate(new ImageListDelegate(list_));
    list_->setUniformItemSizes(true);
    list_->setSelectionMode(QAbstractItemView::SingleSelection);
    il->addWidget(list_, 1);
    countsLabel_ = new QLabel(this);
    countsLabel_->setObjectName(QStringLiteral("countsLabel"));
    il->addWidget(countsLabel_);
    if (analyseAll) {
        auto* analyseAllButton = new QToolButton(this);
        analyseAllButton->setDefaultAction(analyseAll);
        analyseAllButton->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
        analyseAllButton->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
        il->addWidget(analyseAllButton);
    }
    countsTimer_.setSingleShot(true);
    countsTimer_.setInterval(150);
    connect(&countsTimer_, &QTimer::timeout, this, &ImagesPanel::updateCounts);
    connect(ws_, &Workspace::analysisApplied, this, [this] {
        if (!countsTimer_.isActive()) countsTimer_.start();
    });
    connect(list_->selectionModel(), &QItemSelectionModel::currentChanged, this, [this](const QModelIndex& i) {
        if (i.isValid() && !showing_) Q_EMIT imageChosen(model_->idAt(i.row()));
    });
}

void ImagesPanel::showImage(annotation::Id image) {
    const QModelIndex i = model_->indexOf(image);
    showing_ = true;
    if (i.isValid() && list_->currentIndex() != i) list_->setCurrentIndex(i);
    showing_ = false;
}

void ImagesPanel::updateCounts() { countsLabel_->setText(countsText(ws_->counts())); }

QString ImagesPanel::countsText(const Workspace::Counts& c) {
    return tr("%1 · %2 analysed · %3 reviewed\n%4 · %5 accepted")
        .arg(counted(c.images, "image", "images"))
        .arg(c.analysed)
        .arg(c.reviewed)
        .arg(counted(c.interactions, "pair", "pairs"))
        .arg(c.accepted);
}

} // namespace hoi::ui
