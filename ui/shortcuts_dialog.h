#pragma once
// Help ▸ Keyboard Shortcuts: every action with a shortcut, grouped by menu, generated from the
// actions themselves so the list never goes stale.
#include <QDialog>
#include <QList>

class QMenu;

namespace hoi::ui {

class ShortcutsDialog : public QDialog {
    Q_OBJECT
public:
    ShortcutsDialog(const QList<QMenu*>& menus, QWidget* parent = nullptr);
    // Rows shown: "Menu|Action|Shortcut".
    QStringList rows() const { return rows_; }

private:
    QStringList rows_;
};

} // namespace hoi::ui
