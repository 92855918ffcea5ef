#pragma once
// The Qt-to-Dear-ImGui bridge: feeds Qt input events (mouse, wheel, keys, text, focus) of one
// widget into its own ImGuiContext's ImGuiIO and prepares each frame (display size, DPI scale,
// delta time). Rendering is left to the OpenGL3 backend inside the widget's paintGL.
//
// Input is queued, not written to ImGuiIO as it comes: ImGui 1.86 samples the mouse buttons and
// keys once per frame, so a press and its release delivered between two frames (a fast click,
// `xdotool click`, QTest::mouseClick, a tapped key) would never be seen. newFrame() applies the
// queued events in order and stops before one that would change a button or key already changed
// in this frame, or that would move the mouse or wheel after a button changed (ImGui 1.87's
// "trickle" rule for its own input queue, which 1.86 lacks); the rest waits for the next frame —
// while hasPendingInput(), the widget must draw another frame.
#include <QElapsedTimer>
#include <QPointer>
#include <QString>
#include <QWidget>
#include <deque>

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
    // Applies this frame's share of the queued input; sets display size, framebuffer scale and
    // delta time. Call before ImGui::NewFrame().
    void newFrame();
    // Whether queued input is left for later frames (draw another one).
    bool hasPendingInput() const { return !queue_.empty(); }
    // Whether ImGui wants the widget to keep the keyboard / mouse (after the last frame).
    bool wantsKeyboard() const;
    // Updates the widget's cursor from ImGui's (after ImGui::Render()).
    void updateCursor();

private:
    struct Input {
        enum Kind { MousePos, MouseButton, Wheel, Key, Text, Focus } kind;
        explicit Input(Kind k) : kind(k) {}
        float x = 0, y = 0;     // MousePos: position; Wheel: horizontal, vertical steps
        int index = -1;         // MouseButton: ImGui button; Key: ImGuiKey_* (io.KeysDown index)
        bool down = false;      // MouseButton / Key: pressed; Focus: focused
        bool modifiers = false; // whether ctrl .. super below apply (buttons, keys)
        bool ctrl = false, shift = false, alt = false, super = false;
        QString text;           // Text
    };
    void push(Input input);
    void applyQueued();

    QPointer<QWidget> widget_;
    std::deque<Input> queue_;
    ImGuiContext* ctx_;
    QElapsedTimer clock_;
    qint64 lastNs_ = 0;
};

} // namespace hoi::ui
