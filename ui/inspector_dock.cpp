#include "inspector_dock.h"

#include <QGuiApplication>
#include <QLabel>
#include <QOffscreenSurface>
#include <QOpenGLContext>

#ifdef HOI_WITH_INSPECTOR
#include "inspector/inspector_widget.h"
#endif

namespace hoi::ui {

namespace {

// Whether an OpenGL context can be made on this display (not on the offscreen / minimal platforms
// or a server without GL); the inspector's QOpenGLWidget is only created when it can.
[[maybe_unused]] bool openGLAvailable() {
    static const bool available = [] {
        if (qEnvironmentVariableIsSet("HOI_NO_INSPECTOR")) return false;
        const QString platform = QGuiApplication::platformName();
        if (platform == QLatin1String("offscreen") || platform == QLatin1String("minimal")) return false;
        QOpenGLContext ctx;
        if (!ctx.create()) return false;
        QOffscreenSurface surface;
        surface.setFormat(ctx.format());
        surface.create();
        return surface.isValid() && ctx.makeCurrent(&surface);
    }();
    return available;
}

QLabel* reasonLabel(const QString& text, QWidget* parent) {
    auto* label = new QLabel(text, parent);
    label->setObjectName(QStringLiteral("inspectorMissing"));
    label->setAlignment(Qt::AlignCenter);
    label->setWordWrap(true);
    return label;
}

} // namespace

InspectorDock::InspectorDock(QWidget* parent) : QDockWidget(tr("Inspector"), parent) {
    setObjectName(QStringLiteral("inspectorDock"));
#ifdef HOI_WITH_INSPECTOR
    if (openGLAvailable()) {
        auto* insp = new InspectorWidget(this);
        content_ = insp;
        connect(insp, &InspectorWidget::attentionTileClicked, this, &InspectorDock::attentionTileClicked);
        connect(insp, &InspectorWidget::exampleClicked, this, [this](qint64 id) { Q_EMIT exampleClicked(id); });
    } else {
        content_ = reasonLabel(tr("The inspector needs OpenGL 3, which this display does not offer."), this);
    }
#else
    content_ = reasonLabel(tr("The inspector was not built (HOI_WITH_INSPECTOR=OFF)."), this);
#endif
    setWidget(content_);
}

bool InspectorDock::hasInspector() const { return !qobject_cast<QLabel*>(content_); }

void InspectorDock::setData([[maybe_unused]] const InspectorData& data) {
#ifdef HOI_WITH_INSPECTOR
    if (auto* insp = qobject_cast<InspectorWidget*>(content_)) insp->setData(data);
#endif
}

} // namespace hoi::ui
