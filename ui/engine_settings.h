#pragma once
// The options the engine starts with. As given (tests), or the given ones with: the CLIP model
// found in its resolution order (--clip, $HOI_CLIP, the models/clip setting, the default file;
// none when that fails), and from the settings (Preferences) the detector, the human and object
// thresholds and the prompt templates; per-layer attentions are left to the inspector's requests.
// Either way the trained head to load is the one given.
#include <QString>

#include "hoi/engine.h"

namespace hoi::ui {

class EngineSettings {
public:
    struct Sources {
        model::EngineOptions given;
        bool asGiven = false;     // use `given` as it is (tests with their own engine)
        bool useSettings = true;  // read QSettings (models/*, thresholds/*, prompts/templates)
        QString clipPath;         // --clip: first in the resolution order
    };
    explicit EngineSettings(Sources sources) : src_(std::move(sources)) {}

    // The options to start the engine with; head: the trained head's file ("" = the untrained head).
    model::EngineOptions resolve(const QString& head) const;

private:
    Sources src_;
};

} // namespace hoi::ui
