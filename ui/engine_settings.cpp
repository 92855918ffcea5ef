#include "engine_settings.h"

#include <QSettings>
#include <QStringList>
#include <exception>

#include "clip/model_path.h"

namespace hoi::ui {

model::EngineOptions EngineSettings::resolve(const QString& head) const {
    model::EngineOptions eo = src_.given;
    if (!src_.asGiven) {
        QSettings s;
        const std::string guiClip = src_.useSettings ? s.value("models/clip").toString().toStdString() : std::string();
        try {
            eo.clip_path = clip::resolve_clip_path(src_.clipPath.toStdString(), guiClip);
        } catch (const std::exception&) {
            eo.clip_path.clear();
        }
        if (src_.useSettings) {
            eo.detector = s.value("models/detector", QString::fromStdString(eo.detector)).toString().toStdString();
            eo.human_threshold = s.value("thresholds/human", eo.human_threshold).toFloat();
            eo.object_threshold = s.value("thresholds/object", eo.object_threshold).toFloat();
            const QStringList templ = s.value("prompts/templates").toStringList();
            for (const QString& t : templ) eo.templates.push_back(t.toStdString());
        }
        // As in `hoi run`: per-layer attentions are computed when the inspector asks for a pair
        // (Engine::inspect), not kept for every image of a batch.
        eo.keep_layer_attention = false;
    }
    eo.weights_path = head.toStdString();
    return eo;
}

} // namespace hoi::ui
