#pragma once
// What the window keeps between runs in QSettings: its geometry and dock layout, the score filter,
// the heatmap's opacity, visibility and source, the prompt chips and history, the class of new
// boxes; and the review preferences the Preferences dialog sets (the score below which analysed
// pairs are not kept, whether A / R move on to the next pair).
#include <QStringList>

class QAction;
class QComboBox;
class QMainWindow;
class QSlider;

namespace hoi::ui {

class PromptBar;

class ViewSettings {
public:
    struct Views {
        QMainWindow* window = nullptr;
        QSlider* scoreFilter = nullptr;
        QSlider* heatmapOpacity = nullptr;
        QAction* heatmapVisible = nullptr;
        QComboBox* heatmapSource = nullptr;
        PromptBar* prompts = nullptr;
        QComboBox* boxClass = nullptr;
    };
    explicit ViewSettings(const Views& views) : v_(views) {}

    void read() const;
    // keepScore: the analyses' keep score (a review preference), written back with the views.
    void write(double keepScore) const;

    struct Review {
        double keepScore;
        bool advance;
    };
    // The review preferences (keepScore: the default when none is set).
    static Review review(double keepScore);

private:
    Views v_;
};

} // namespace hoi::ui
