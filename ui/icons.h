#pragma once
// The application's icons, drawn with QPainter at whatever size and device pixel ratio is asked
// (a QIconEngine), so they stay crisp on every screen and need no image plug-in.
#include <QIcon>
#include <QString>

namespace hoi::ui {

// Names: "open", "open-folder", "save", "export", "undo", "redo", "zoom-in", "zoom-out",
// "zoom-fit", "zoom-actual", "accept", "reject", "analyse", "analyse-all", "cancel",
// "tool-select", "tool-box", "tool-link", "heatmap", "reviewed", "delete", "help", "app",
// "state-none", "state-predicted", "state-reviewed", "warning".
// An unknown name gives a null icon.
QIcon icon(const QString& name);

// The application icon as a pixmap of the given size (for the window and the .desktop file).
QPixmap appPixmap(int size);

} // namespace hoi::ui
