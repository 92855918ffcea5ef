#pragma once
// The Qt-to-Dear-ImGui bridge: feeds Qt input events (mouse, wheel, keys, text, focus) of one
// widget into its own ImGuiContext's ImGuiIO and prepares each frame (display size, DPI scale,
// delta time). Rendering is left to the OpenGL3 backend inside the widget's paintGL.
#include <QElapsedTimer>
#include <QPointer>
#include <QWidget>

struct ImGuiContext;

namespace hoi::ui {

class ImGuiBridge {
public:
    explicit ImGuiBridge(QWidget* widget);
    ~ImGuiBridge();
    ImGuiBridge(const ImGuiBridge&) = delete;
    ImGuiBridge& operator=(const ImGuiBridge&) = delete;

    ImGuiContext* context() const { return ctx_; }
    void makeCurrent() const; // ImGui::SetCurrentContext

    // Translates an event of the widget; returns true when it was an input event ImGui consumed
    // (the widget should then repaint).
    bool handleEvent(QEvent* event);
    // Sets display size, framebuffer scale and delta time; call before ImGui::NewFrame().
    void newFrame();
    // Whether ImGui wants the widget to keep the keyboard / mouse (after the last frame).
    bool wantsKeyboard() const;
    // Updates the widget's cursor from ImGui's (after ImGui::Render()).
    void updateCursor();

private:
    QPointer<QWidget> widget_;
    ImGuiContext* ctx_;
    QElapsedTimer clock_;
    qint64 lastNs_ = 0;
};

} // namespace hoi::ui
