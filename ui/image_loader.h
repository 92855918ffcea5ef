#pragma once
// Reads the image the window shows off the GUI thread (QtConcurrent). Only the latest request is
// delivered: choosing another image (or none) while one loads drops the older one.
#include <QImage>
#include <QObject>
#include <QString>

#include "annotation/document.h"

namespace hoi::ui {

class ImageLoader : public QObject {
    Q_OBJECT
public:
    using QObject::QObject;
    // Starts reading path for image; loaded() follows unless another load or cancel() comes first.
    void load(annotation::Id image, const QString& path);
    // A load in progress is not delivered.
    void cancel();
    bool loading() const { return loading_; }

Q_SIGNALS:
    // The image read (null with the reason in error when it could not be).
    void loaded(annotation::Id image, const QImage& pixels, const QString& error);

private:
    int serial_ = 0;
    bool loading_ = false;
};

} // namespace hoi::ui
