#include "image_list_model.h"
#include "plural.h"

#include <QApplication>
#include <QFileInfo>
#include <QImageReader>
#include <QPainter>
#include <QtConcurrent/QtConcurrentRun>

#include "icons.h"
#include "workspace.h"

namespace hoi::ui {

ImageListModel::ImageListModel(Workspace* workspace, QObject* parent) : QAbstractListModel(parent), ws_(workspace) {
    connect(ws_, &Workspace::changed, this, &ImageListModel::onChange);
    connect(ws_, &Workspace::cleared, this, [this] {
        beginResetModel();
        thumbs_.clear();
        endResetModel();
    });
    connect(ws_, &Workspace::analysisApplied, this, &ImageListModel::refresh);
}

int ImageListModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(ws_->document().images().size());
}

annotation::Id ImageListModel::idAt(int row) const {
    const auto& imgs = ws_->document().images();
    return row >= 0 && size_t(row) < imgs.size() ? imgs[size_t(row)].id : 0;
}

QModelIndex ImageListModel::indexOf(annotation::Id image) const {
    const auto& imgs = ws_->document().images();
    for (size_t i = 0; i < imgs.size(); ++i)
        if (imgs[i].id == image) return index(int(i));
    return {};
}

void ImageListModel::refresh(annotation::Id image) {
    const QModelIndex i = indexOf(image);
    if (i.isValid()) Q_EMIT dataChanged(i, i);
}

void ImageListModel::onChange(const annotation::Change& c) {
    using K = annotation::Change::Kind;
    switch (c.kind) {
    case K::Reset:
    case K::ImageAdded:
    case K::ImageRemoved:
        beginResetModel();
        if (c.kind == K::Reset) thumbs_.clear();
        endResetModel();
        break;
    default:
        refresh(c.image ? c.image : c.id);
        break;
    }
}

void ImageListModel::requestThumbnail(annotation::Id image) const {
    if (pending_.contains(image)) return;
    pending_.insert(image);
    const QString path = ws_->imagePath(image);
    auto* watcher = new QFutureWatcher<QImage>(const_cast<ImageListModel*>(this));
    connect(watcher, &QFutureWatcher<QImage>::finished, this, [this, watcher, image] {
        QImage img = watcher->result();
        watcher->deleteLater();
        pending_.remove(image);
        if (img.isNull()) {
            img = QImage(kThumb, kThumb, QImage::Format_ARGB32_Premultiplied);
            img.fill(QColor(90, 40, 40));
        }
        thumbs_.insert(image, img);
        const_cast<ImageListModel*>(this)->refresh(image);
    });
    watcher->setFuture(QtConcurrent::run([path] {
        QImageReader reader(path);
        reader.setAutoTransform(true);
        const QSize s = reader.size();
        if (s.isValid()) reader.setScaledSize(s.scaled(kThumb * 2, kThumb * 2, Qt::KeepAspectRatio));
        QImage img = reader.read();
        if (img.isNull()) return img;
        return img.scaled(kThumb * 2, kThumb * 2, Qt::KeepAspectRatio, Qt::SmoothTransformation);
    }));
}

QVariant ImageListModel::data(const QModelIndex& index, int role) const {
    const annotation::Id id = idAt(index.row());
    const auto* img = ws_->document().image(id);
    if (!img) return {};
    switch (role) {
    case Qt::DisplayRole: return QFileInfo(QString::fromStdString(img->file_name)).fileName();
    case Qt::ToolTipRole: {
        QString tip = QString::fromStdString(img->file_name);
        if (const auto* r = ws_->record(id); r && !r->error.isEmpty()) tip += QStringLiteral("\n") + r->error;
        return tip;
    }
    case IdRole: return QVariant::fromValue<qint64>(id);
    case PathRole: return ws_->imagePath(id);
    case StatusRole: return int(ws_->status(id));
    case ErrorRole: {
        const auto* r = ws_->record(id);
        return r ? r->error : QString();
    }
    case CountsRole: {
        int pairs = 0, accepted = 0, boxes = int(ws_->document().instances_of(id).size());
        for (const auto* in : ws_->document().interactions_of(id)) {
            ++pairs;
            if (in->state == annotation::State::Accepted || in->state == annotation::State::Edited) ++accepted;
        }
        return QVariantList{boxes, pairs, accepted};
    }
    case ThumbnailRole: {
        auto it = thumbs_.find(id);
        if (it != thumbs_.end()) return *it;
        requestThumbnail(id);
        return QVariant();
    }
    default: return {};
    }
}

// ---- delegate ----------------------------------------------------------------------------------

QSize ImageListDelegate::sizeHint(const QStyleOptionViewItem& option, const QModelIndex&) const {
    return QSize(option.rect.width() > 0 ? option.rect.width() : 220, ImageListModel::kThumb + 10);
}

void ImageListDelegate::paint(QPainter* p, const QStyleOptionViewItem& option, const QModelIndex& index) const {
    QStyleOptionViewItem opt = option;
    initStyleOption(&opt, index);
    opt.text.clear();
    opt.icon = QIcon();
    QApplication::style()->drawControl(QStyle::CE_ItemViewItem, &opt, p, opt.widget);
    p->save();
    p->setRenderHint(QPainter::Antialiasing);
    const QRect r = option.rect.adjusted(5, 5, -5, -5);
    const int t = ImageListModel::kThumb;
    const QRect thumbRect(r.left(), r.top(), t, t);
    const QImage thumb = index.data(ImageListModel::ThumbnailRole).value<QImage>();
    p->fillRect(thumbRect, QColor(30, 32, 36));
    if (!thumb.isNull()) {
        const QSize s = thumb.size().scaled(t, t, Qt::KeepAspectRatio);
        const QRect target(thumbRect.center() - QPoint(s.width() / 2, s.height() / 2), s);
        p->drawImage(target, thumb);
    }
    const bool selected = option.state & QStyle::State_Selected;
    const QColor text = option.palette.color(selected ? QPalette::HighlightedText : QPalette::Text);
    const int x = thumbRect.right() + 8;
    QFont f = option.font;
    f.setWeight(QFont::DemiBold);
    p->setFont(f);
    p->setPen(text);
    const QFontMetrics fm(f);
    const QString name = fm.elidedText(index.data().toString(), Qt::ElideMiddle, r.right() - x - 18);
    p->drawText(QPoint(x, r.top() + fm.ascent() + 2), name);
    // State.
    const auto status = ImageStatus(index.data(ImageListModel::StatusRole).toInt());
    QString iconName, statusText;
    switch (status) {
    case ImageStatus::NotAnalysed: iconName = "state-none"; statusText = ImageListModel::tr("not analysed"); break;
    case ImageStatus::Predicted: iconName = "state-predicted"; statusText = ImageListModel::tr("predicted"); break;
    case ImageStatus::Reviewed: iconName = "state-reviewed"; statusText = ImageListModel::tr("reviewed"); break;
    case ImageStatus::Failed: iconName = "warning"; statusText = ImageListModel::tr("failed"); break;
    }
    icon(iconName).paint(p, QRect(r.right() - 16, r.top(), 16, 16));
    const QVariantList counts = index.data(ImageListModel::CountsRole).toList();
    QFont small = option.font;
    small.setPointSizeF(option.font.pointSizeF() * 0.9);
    p->setFont(small);
    QColor dim = text;
    dim.setAlpha(170);
    // Failed: red on the normal background, the selection's own text colour on the selection (red
    // on blue could not be read), with the warning icon either way.
    p->setPen(status == ImageStatus::Failed && !selected ? QColor(235, 90, 80) : dim);
    const QFontMetrics sfm(small);
    // The state on one line, the counts on the next: one line held both and was cut off.
    const int line2 = r.top() + fm.height() + sfm.ascent() + 4;
    p->drawText(QPoint(x, line2), sfm.elidedText(statusText, Qt::ElideRight, r.right() - x));
    if (counts.size() == 3 && status != ImageStatus::NotAnalysed && status != ImageStatus::Failed) {
        p->setPen(dim);
        const QString line = ImageListModel::tr("%1 · %2 · %3 ✓")
                                 .arg(counted(counts[0].toInt(), "box", "boxes"))
                                 .arg(counted(counts[1].toInt(), "pair", "pairs"))
                                 .arg(counts[2].toInt());
        p->drawText(QPoint(x, line2 + sfm.height() + 1), sfm.elidedText(line, Qt::ElideRight, r.right() - x));
    }
    p->restore();
}

} // namespace hoi::ui
