#pragma once
// The inspector: Dear ImGui drawn in a QOpenGLWidget (the dock's content). For the selected pair it
// shows the score breakdown (global, pairwise, detector priors, final, the few-shot adapter's term
// and the reviewed examples behind it, as thumbnails), the prompt's tokens, the
// attention of every CLIP layer and head as small heatmaps, the pair query's per-head attention,
// and the per-stage timings of the image's last analysis.
//
// No render loop: the widget repaints on input events, on new data and on resize; after an input
// event it draws the frames the bridge's queued input needs (a press and its release delivered
// together take one frame each) and then two more so ImGui's hover/active state settles.
#include <QOpenGLFunctions>
#include <QOpenGLWidget>
#include <memory>
#include <vector>

#include "inspector_data.h"

class QOpenGLTexture;

namespace hoi::ui {

class ImGuiBridge;

class InspectorWidget : public QOpenGLWidget, protected QOpenGLFunctions {
    Q_OBJECT
public:
    explicit InspectorWidget(QWidget* parent = nullptr);
    ~InspectorWidget() override;

    void setData(const InspectorData& data);
    const InspectorData& data() const { return data_; }
    int framesRendered() const { return frames_; }
    bool glReady() const { return glReady_; }

Q_SIGNALS:
    // A layer/head tile was clicked: show that map on the canvas (layer -1: the pair query's head).
    void attentionTileClicked(int layer, int head);
    // A reviewed example's thumbnail was clicked: open that relation (emitted after the frame).
    void exampleClicked(qint64 relation);
    void frameRendered();

protected:
    void initializeGL() override;
    void paintGL() override;
    void resizeGL(int w, int h) override;
    bool event(QEvent* e) override;

private:
    void drawUi();
    void uploadAtlases();
    void drawExamples();
    void releaseGl();

    std::unique_ptr<ImGuiBridge> bridge_;
    InspectorData data_;
    bool dirtyTextures_ = true;
    std::unique_ptr<QOpenGLTexture> clsAtlas_, pairAtlas_;
    std::vector<std::unique_ptr<QOpenGLTexture>> exampleTextures_; // one per data_.examples (null: no thumbnail)
    bool glReady_ = false;
    int settleFrames_ = 0;
    int frames_ = 0;
};

} // namespace hoi::ui
