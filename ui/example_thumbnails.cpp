#include "example_thumbnails.h"

#include <QFutureWatcher>
#include <QPainter>
#include <QtConcurrent/QtConcurrentRun>
#include <algorithm>
#include <cmath>

#include "canvas_items.h"
#include "io/image.h"

namespace hoi::ui {

ExampleThumbnails::ExampleThumbnails(QObject* parent) : QObject(parent) {}

// Loads still running finish on the pool; their watchers (children) go with us, so nothing is
// delivered to a deleted object.
ExampleThumbnails::~ExampleThumbnails() = default;

QRect ExampleThumbnails::cropRect(const QRectF& subject, const QRectF& object, const QSize& imageSize) {
    const QRectF u = subject.normalized().united(object.normalized());
    const int x1 = std::max(0, int(std::floor(u.left()))), y1 = std::max(0, int(std::floor(u.top())));
    const int x2 = std::min(imageSize.width(), int(std::ceil(u.right())));
    const int y2 = std::min(imageSize.height(), int(std::ceil(u.bottom())));
    if (x2 <= x1 || y2 <= y1) return {};
    return QRect(QPoint(x1, y1), QPoint(x2 - 1, y2 - 1));
}

QImage ExampleThumbnails::render(const QImage& image, const QRectF& subject, const QRectF& object, int height) {
    const QRect crop = cropRect(subject, object, image.size());
    if (crop.isEmpty() || height <= 0) return {};
    const double f = double(height) / crop.height();
    const int width = std::max(1, int(std::lround(crop.width() * f)));
    QImage out = image.copy(crop)
                     .scaled(width, height, Qt::IgnoreAspectRatio, Qt::SmoothTransformation)
                     .convertToFormat(QImage::Format_RGBA8888);
    QPainter p(&out);
    p.setRenderHint(QPainter::Antialiasing);
    const double pen = 2.0;
    auto outline = [&](const QRectF& box, const QColor& c) {
        QRectF r((box.normalized().topLeft() - QPointF(crop.topLeft())) * f, box.normalized().size() * f);
        // Inside the picture, so a box that is the whole crop still shows its four sides.
        r = r.intersected(QRectF(0, 0, width, height)).adjusted(pen / 2, pen / 2, -pen / 2, -pen / 2);
        p.setPen(QPen(c, pen));
        p.setBrush(Qt::NoBrush);
        p.drawRect(r);
    };
    outline(object, objectColor());
    outline(subject, humanColor()); // the person on top, as on the canvas
    p.end();
    return out;
}

QImage ExampleThumbnails::thumbnail(qint64 relation, const QString& path, const QRectF& subject, const QRectF& object) {
    auto it = entries_.find(relation);
    if (it != entries_.end() && it->path == path && it->subject == subject && it->object == object) return it->image;
    // New, or made from other boxes / another file: made again (the old picture is not shown).
    Entry e;
    e.path = path;
    e.subject = subject;
    e.object = object;
    e.loading = true;
    e.serial = nextSerial_++;
    const quint64 serial = e.serial;
    entries_.insert(relation, e);
    auto* watcher = new QFutureWatcher<QImage>(this);
    connect(watcher, &QFutureWatcher<QImage>::finished, this, [this, watcher, relation, serial] {
        const QImage img = watcher->result();
        watcher->deleteLater();
        auto it = entries_.find(relation);
        if (it == entries_.end() || it->serial != serial) return; // invalidated or asked again meanwhile
        it->image = img;
        it->loading = false;
        Q_EMIT thumbnailReady(relation);
    });
    watcher->setFuture(QtConcurrent::run([path, subject, object]() -> QImage {
        try {
            const io::Image img = io::load_image(path.toStdString());
            const cv::Mat& rgb = img.rgb;
            if (rgb.empty()) return {};
            // Only the crop is copied out of the decoded image.
            const QImage whole(rgb.data, rgb.cols, rgb.rows, int(rgb.step), QImage::Format_RGB888);
            return render(whole, subject, object, kHeight);
        } catch (const std::exception&) {
            return {}; // unreadable: no picture (the label still names the example)
        }
    }));
    return {};
}

bool ExampleThumbnails::loading(qint64 relation) const {
    const auto it = entries_.constFind(relation);
    return it != entries_.constEnd() && it->loading;
}

void ExampleThumbnails::invalidate(qint64 relation) { entries_.remove(relation); }

void ExampleThumbnails::clear() { entries_.clear(); }

} // namespace hoi::ui
