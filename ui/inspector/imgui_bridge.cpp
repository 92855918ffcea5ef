#include "imgui_bridge.h"

#include <QCursor>
#include <QFocusEvent>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QWheelEvent>

#include <imgui.h>

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

void setModifiers(ImGuiIO& io, Qt::KeyboardModifiers m) {
    io.KeyCtrl = m & Qt::ControlModifier;
    io.KeyShift = m & Qt::ShiftModifier;
    io.KeyAlt = m & Qt::AltModifier;
    io.KeySuper = m & Qt::MetaModifier;
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

bool ImGuiBridge::handleEvent(QEvent* event) {
    makeCurrent();
    ImGuiIO& io = ImGui::GetIO();
    switch (event->type()) {
    case QEvent::MouseMove: {
        auto* e = static_cast<QMouseEvent*>(event);
        io.MousePos = ImVec2(float(e->position().x()), float(e->position().y()));
        return true;
    }
    case QEvent::MouseButtonPress:
    case QEvent::MouseButtonDblClick:
    case QEvent::MouseButtonRelease: {
        auto* e = static_cast<QMouseEvent*>(event);
        io.MousePos = ImVec2(float(e->position().x()), float(e->position().y()));
        const int b = imguiButton(e->button());
        if (b >= 0) io.MouseDown[b] = event->type() != QEvent::MouseButtonRelease;
        setModifiers(io, e->modifiers());
        return true;
    }
    case QEvent::Wheel: {
        auto* e = static_cast<QWheelEvent*>(event);
        io.MouseWheel += float(e->angleDelta().y()) / 120.0f;
        io.MouseWheelH += float(e->angleDelta().x()) / 120.0f;
        return true;
    }
    case QEvent::Leave:
        io.MousePos = ImVec2(-FLT_MAX, -FLT_MAX);
        return true;
    case QEvent::KeyPress:
    case QEvent::KeyRelease: {
        auto* e = static_cast<QKeyEvent*>(event);
        const bool down = event->type() == QEvent::KeyPress;
        setModifiers(io, e->modifiers());
        const int k = imguiKey(e->key());
        if (k >= 0) io.KeysDown[k] = down;
        if (down && !e->text().isEmpty() && e->text().at(0).isPrint()) io.AddInputCharactersUTF8(e->text().toUtf8().constData());
        return true;
    }
    case QEvent::FocusIn:
    case QEvent::FocusOut:
        io.AddFocusEvent(event->type() == QEvent::FocusIn);
        if (event->type() == QEvent::FocusOut) {
            for (bool& k : io.KeysDown) k = false;
            for (bool& b : io.MouseDown) b = false;
            io.KeyCtrl = io.KeyShift = io.KeyAlt = io.KeySuper = false;
        }
        return true;
    default:
        return false;
    }
}

void ImGuiBridge::newFrame() {
    makeCurrent();
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
