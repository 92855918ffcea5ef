#include "image_loader.h"

#include <QFutureWatcher>
#include <QtConcurrent/QtConcurrentRun>
#include <utility>

#include "io/image.h"

namespace hoi::ui {

namespace {

QImage toQImage(const cv::Mat& rgb) {
    if (rgb.empty()) return {};
    return QImage(rgb.data, rgb.cols, rgb.rows, int(rgb.step), QImage::Format_RGB888).copy();
}

} // namespace

void ImageLoader::load(annotation::Id image, const QString& path) {
    const int serial = ++serial_;
    loading_ = true;
    using Result = std::pair<QImage, QString>;
    auto* watcher = new QFutureWatcher<Result>(this);
    connect(watcher, &QFutureWatcher<Result>::finished, this, [this, watcher, serial, image] {
        const auto [pixels, error] = watcher->result();
        watcher->deleteLater();
        if (serial != serial_) return; // a newer image was chosen meanwhile
        loading_ = false;
        Q_EMIT loaded(image, pixels, error);
    });
    watcher->setFuture(QtConcurrent::run([path]() -> Result {
        try {
            return {toQImage(io::load_image(path.toStdString()).rgb), QString()};
        } catch (const std::exception& e) {
            return {QImage(), QString::fromUtf8(e.what())};
        }
    }));
}

void ImageLoader::cancel() {
    ++serial_;
    loading_ = false;
}

} // namespace hoi::ui
