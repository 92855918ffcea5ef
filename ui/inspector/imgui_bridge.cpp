#include "imgui_bridge.h"

#include <QCursor>
#include <QFocusEvent>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QWheelEvent>

#include <imgui.h>

#include <cfloat>
#include <vector>

namespace hoi::ui {

namespace {

// ImGuiKey_* (1.86: indices into io.KeyMap) for the Qt keys ImGui needs.
int imguiKey(int qtKey) {
    switch (qtKey) {
    case Qt::Key_Tab: return ImGuiKey_Tab;
    case Qt::Key_Left: return ImGuiKey_LeftArrow;
    case Qt::Key_Right: return ImGuiKey_RightArrow;
    case Qt::Key_Up: return ImGuiKey_UpArrow;
    case Qt::Key_Down: return ImGuiKey_DownArrow;
    case Qt::Key_PageUp: return ImGuiKey_PageUp;
    case Qt::Key_PageDown: return ImGuiKey_PageDown;
    case Qt::Key_Home: return ImGuiKey_Home;
    case Qt::Key_End: return ImGuiKey_End;
    case Qt::Key_Insert: return ImGuiKey_Insert;
    case Qt::Key_Delete: return ImGuiKey_Delete;
    case Qt::Key_Backspace: return ImGuiKey_Backspace;
    case Qt::Key_Space: return ImGuiKey_Space;
    case Qt::Key_Return: return ImGuiKey_Enter;
    case Qt::Key_Enter: return ImGuiKey_KeyPadEnter;
    case Qt::Key_Escape: return ImGuiKey_Escape;
    case Qt::Key_A: return ImGuiKey_A;
    case Qt::Key_C: return ImGuiKey_C;
    case Qt::Key_V: return ImGuiKey_V;
    case Qt::Key_X: return ImGuiKey_X;
    case Qt::Key_Y: return ImGuiKey_Y;
    case Qt::Key_Z: return ImGuiKey_Z;
    default: return -1;
    }
}

int imguiButton(Qt::MouseButton b) {
    switch (b) {
    case Qt::LeftButton: return 0;
    case Qt::RightButton: return 1;
    case Qt::MiddleButton: return 2;
    case Qt::BackButton: return 3;
    case Qt::ForwardButton: return 4;
    default: return -1;
    }
}

} // namespace

ImGuiBridge::ImGuiBridge(QWidget* widget) : widget_(widget) {
    ImGuiContext* previous = ImGui::GetCurrentContext();
    ctx_ = ImGui::CreateContext();
    ImGui::SetCurrentContext(ctx_);
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr; // the layout is the widget's; nothing to persist
    io.LogFilename = nullptr;
    io.BackendPlatformName = "hoi-studio-qt";
    io.BackendFlags |= ImGuiBackendFlags_HasMouseCursors;
    io.ConfigFlags |= ImGuiConfigFlags_NavEnableKeyboard;
    for (int k = 0; k < ImGuiKey_COUNT; ++k) io.KeyMap[k] = k;
    clock_.start();
    if (previous) ImGui::SetCurrentContext(previous);
}

ImGuiBridge::~ImGuiBridge() { ImGui::DestroyContext(ctx_); }

void ImGuiBridge::makeCurrent() const { ImGui::SetCurrentContext(ctx_); }

void ImGuiBridge::push(Input input) {
    // Moves and wheel steps in a row are one event (the queue stays short while no frame runs).
    if (!queue_.empty() && queue_.back().kind == input.kind) {
        if (input.kind == Input::MousePos) {
            queue_.back() = input;
            return;
        }
        if (input.kind == Input::Wheel) {
            queue_.back().x += input.x;
            queue_.back().y += input.y;
            return;
        }
    }
    queue_.push_back(std::move(input));
}

bool ImGuiBridge::handleEvent(QEvent* event) {
    auto withModifiers = [](Input in, Qt::KeyboardModifiers m) {
        in.modifiers = true;
        in.ctrl = m & Qt::ControlModifier;
        in.shift = m & Qt::ShiftModifier;
        in.alt = m & Qt::AltModifier;
        in.super = m & Qt::MetaModifier;
        return in;
    };
    switch (event->type()) {
    case QEvent::MouseMove: {
        auto* e = static_cast<QMouseEvent*>(event);
        Input in(Input::MousePos);
        in.x = float(e->position().x());
        in.y = float(e->position().y());
        push(in);
        return true;
    }
    case QEvent::MouseButtonPress:
    case QEvent::MouseButtonDblClick:
    case QEvent::MouseButtonRelease: {
        auto* e = static_cast<QMouseEvent*>(event);
        Input pos(Input::MousePos);
        pos.x = float(e->position().x());
        pos.y = float(e->position().y());
        push(pos);
        Input in(Input::MouseButton);
        in.index = imguiButton(e->button());
        in.down = event->type() != QEvent::MouseButtonRelease;
        push(withModifiers(in, e->modifiers()));
        return true;
    }
    case QEvent::Wheel: {
        auto* e = static_cast<QWheelEvent*>(event);
        Input in(Input::Wheel);
        in.x = float(e->angleDelta().x()) / 120.0f;
        in.y = float(e->angleDelta().y()) / 120.0f;
        push(in);
        return true;
    }
    case QEvent::Leave: {
        Input in(Input::MousePos);
        in.x = in.y = -FLT_MAX;
        push(in);
        return true;
    }
    case QEvent::KeyPress:
    case QEvent::KeyRelease: {
        auto* e = static_cast<QKeyEvent*>(event);
        const bool down = event->type() == QEvent::KeyPress;
        // Auto-repeat: the key stays down (ImGui repeats it itself); only the text comes again.
        if (!e->isAutoRepeat()) {
            Input in(Input::Key);
            in.index = imguiKey(e->key()); // -1: only the modifiers (Ctrl alone, ...)
            in.down = down;
            push(withModifiers(in, e->modifiers()));
        }
        if (down && !e->text().isEmpty() && e->text().at(0).isPrint()) {
            Input in(Input::Text);
            in.text = e->text();
            push(in);
        }
        return true;
    }
    case QEvent::FocusIn:
    case QEvent::FocusOut: {
        Input in(Input::Focus);
        in.down = event->type() == QEvent::FocusIn;
        push(in);
        return true;
    }
    default:
        return false;
    }
}

void ImGuiBridge::applyQueued() {
    ImGuiIO& io = ImGui::GetIO();
    unsigned buttonsChanged = 0;
    std::vector<bool> keysChanged(IM_ARRAYSIZE(io.KeysDown), false);
    bool keyChanged = false, moved = false, wheeled = false, typed = false;
    auto setModifiers = [&io](const Input& in) {
        if (!in.modifiers) return;
        io.KeyCtrl = in.ctrl;
        io.KeyShift = in.shift;
        io.KeyAlt = in.alt;
        io.KeySuper = in.super;
    };
    while (!queue_.empty()) {
        const Input& in = queue_.front();
        switch (in.kind) {
        case Input::MousePos:
            if (buttonsChanged || wheeled || keyChanged || typed) return;
            io.MousePos = ImVec2(in.x, in.y);
            moved = true;
            break;
        case Input::MouseButton:
            if (in.index >= 0 && io.MouseDown[in.index] != in.down) {
                if ((buttonsChanged & (1u << in.index)) || wheeled) return;
                io.MouseDown[in.index] = in.down;
                buttonsChanged |= 1u << in.index;
            }
            setModifiers(in);
            break;
        case Input::Wheel:
            if (moved || buttonsChanged) return;
            io.MouseWheelH += in.x;
            io.MouseWheel += in.y;
            wheeled = true;
            break;
        case Input::Key:
            if (in.index >= 0 && io.KeysDown[in.index] != in.down) {
                if (keysChanged[size_t(in.index)] || typed || buttonsChanged) return;
                io.KeysDown[in.index] = in.down;
                keysChanged[size_t(in.index)] = true;
                keyChanged = true;
            }
            setModifiers(in);
            break;
        case Input::Text:
            if (buttonsChanged || moved || wheeled) return;
            io.AddInputCharactersUTF8(in.text.toUtf8().constData());
            typed = true;
            break;
        case Input::Focus:
            // Losing focus releases everything: not in the frame of a press, which it would hide.
            if (!in.down && (buttonsChanged || keyChanged)) return;
            io.AddFocusEvent(in.down);
            if (!in.down) {
                for (bool& k : io.KeysDown) k = false;
                for (bool& b : io.MouseDown) b = false;
                io.KeyCtrl = io.KeyShift = io.KeyAlt = io.KeySuper = false;
            }
            break;
        }
        queue_.pop_front();
    }
}

void ImGuiBridge::newFrame() {
    makeCurrent();
    applyQueued();
    ImGuiIO& io = ImGui::GetIO();
    const QSize s = widget_ ? widget_->size() : QSize(1, 1);
    const double dpr = widget_ ? widget_->devicePixelRatioF() : 1.0;
    io.DisplaySize = ImVec2(float(s.width()), float(s.height()));
    io.DisplayFramebufferScale = ImVec2(float(dpr), float(dpr));
    const qint64 now = clock_.nsecsElapsed();
    // At least a microsecond: ImGui asserts DeltaTime > 0.
    io.DeltaTime = std::max(1e-6f, float(double(now - lastNs_) * 1e-9));
    if (lastNs_ == 0) io.DeltaTime = 1.0f / 60.0f;
    lastNs_ = now;
}

bool ImGuiBridge::wantsKeyboard() const {
    makeCurrent();
    return ImGui::GetIO().WantCaptureKeyboard;
}

void ImGuiBridge::updateCursor() {
    if (!widget_) return;
    makeCurrent();
    switch (ImGui::GetMouseCursor()) {
    case ImGuiMouseCursor_TextInput: widget_->setCursor(Qt::IBeamCursor); break;
    case ImGuiMouseCursor_ResizeNS: widget_->setCursor(Qt::SizeVerCursor); break;
    case ImGuiMouseCursor_ResizeEW: widget_->setCursor(Qt::SizeHorCursor); break;
    case ImGuiMouseCursor_ResizeNESW: widget_->setCursor(Qt::SizeBDiagCursor); break;
    case ImGuiMouseCursor_ResizeNWSE: widget_->setCursor(Qt::SizeFDiagCursor); break;
    case ImGuiMouseCursor_Hand: widget_->setCursor(Qt::PointingHandCursor); break;
    case ImGuiMouseCursor_NotAllowed: widget_->setCursor(Qt::ForbiddenCursor); break;
    default: widget_->unsetCursor(); break;
    }
}

} // namespace hoi::ui
