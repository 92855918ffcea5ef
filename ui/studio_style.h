#pragma once
// The application's look: Fusion with a dark, low-glare palette suited to looking at images.
class QApplication;

namespace hoi::ui {
void applyStudioStyle(QApplication& app);
} // namespace hoi::ui
