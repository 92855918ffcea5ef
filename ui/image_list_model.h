#pragma once
// The images of the workspace as a list with thumbnails and each image's state (not analysed,
// predicted, reviewed, failed) and counts. Thumbnails load on a thread pool (QtConcurrent) and
// appear when ready; the GUI thread never decodes a full image for them.
#include <QAbstractListModel>
#include <QFutureWatcher>
#include <QHash>
#include <QImage>
#include <QSet>
#include <QStyledItemDelegate>

#include "annotation/document.h"

namespace hoi::ui {

class Workspace;

class ImageListModel : public QAbstractListModel {
    Q_OBJECT
public:
    enum Role { IdRole = Qt::UserRole + 1, StatusRole, CountsRole, ThumbnailRole, PathRole, ErrorRole };
    static constexpr int kThumb = 56;

    explicit ImageListModel(Workspace* workspace, QObject* parent = nullptr);
    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QModelIndex indexOf(annotation::Id image) const;
    annotation::Id idAt(int row) const;
    // Refreshes one image's row (status or counts changed).
    void refresh(annotation::Id image);

private:
    void onChange(const annotation::Change& c);
    void requestThumbnail(annotation::Id image) const;

    Workspace* ws_;
    mutable QHash<annotation::Id, QImage> thumbs_;
    mutable QSet<annotation::Id> pending_;
};

// Paints a row: thumbnail, file name, a state dot and "n pairs · m accepted".
class ImageListDelegate : public QStyledItemDelegate {
    Q_OBJECT
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter* p, const QStyleOptionViewItem& option, const QModelIndex& index) const override;
    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override;
};

} // namespace hoi::ui
