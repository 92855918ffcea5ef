#pragma once
// Small pictures of reviewed pairs (the inspector's "which examples contributed"): the union of a
// relation's subject and object boxes cropped from its image file, scaled to a fixed height, the two
// boxes outlined in the canvas's person / object colours.
//
// thumbnail() answers from the cache, per relation; the first call (or a call with other boxes or
// another file than the cached picture was made from) loads and crops the image on the thread pool
// and returns a null image meanwhile; thumbnailReady(relation) says when it is there. The GUI
// thread never decodes an image here. render() is the pure crop, for tests.
#include <QHash>
#include <QImage>
#include <QObject>
#include <QRectF>
#include <QString>

namespace hoi::ui {

class ExampleThumbnails : public QObject {
    Q_OBJECT
public:
    static constexpr int kHeight = 72; // pixels

    explicit ExampleThumbnails(QObject* parent = nullptr);
    ~ExampleThumbnails() override;

    // The picture of a relation's pair (boxes in image pixels, x1 y1 x2 y2 as QRectF corners);
    // null while it is made (the first call starts it) or when the file cannot be read.
    QImage thumbnail(qint64 relation, const QString& path, const QRectF& subject, const QRectF& object);
    // Whether a picture is on its way for the relation.
    bool loading(qint64 relation) const;
    // Drops a relation's picture (made again on the next thumbnail() call).
    void invalidate(qint64 relation);
    void clear();
    int cached() const { return int(entries_.size()); }

    // The part of an image a thumbnail shows: the union of the two boxes, clipped to the image,
    // in whole pixels (empty when the union misses the image).
    static QRect cropRect(const QRectF& subject, const QRectF& object, const QSize& imageSize);
    // The thumbnail of an image already loaded: the crop scaled to `height` pixels (keeping its
    // aspect), the subject outlined in the person colour and the object in the object colour.
    static QImage render(const QImage& image, const QRectF& subject, const QRectF& object, int height = kHeight);

Q_SIGNALS:
    void thumbnailReady(qint64 relation);

private:
    struct Entry {
        QString path;
        QRectF subject, object;
        QImage image;
        bool loading = false;
        quint64 serial = 0; // of the load on its way
    };
    QHash<qint64, Entry> entries_;
    quint64 nextSerial_ = 1;
};

} // namespace hoi::ui
