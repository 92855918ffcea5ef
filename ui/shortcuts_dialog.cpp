#include "shortcuts_dialog.h"

#include <QDialogButtonBox>
#include <QHeaderView>
#include <QMenu>
#include <QTreeWidget>
#include <QVBoxLayout>

namespace hoi::ui {

ShortcutsDialog::ShortcutsDialog(const QList<QMenu*>& menus, QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("Keyboard Shortcuts"));
    resize(520, 560);
    auto* lay = new QVBoxLayout(this);
    auto* tree = new QTreeWidget(this);
    tree->setColumnCount(2);
    tree->setHeaderLabels({tr("Action"), tr("Shortcut")});
    tree->setRootIsDecorated(false);
    tree->setAlternatingRowColors(true);
    tree->header()->setSectionResizeMode(0, QHeaderView::Stretch);
    for (QMenu* menu : menus) {
        QList<QAction*> actions;
        std::function<void(QMenu*)> collect = [&](QMenu* m) {
            for (QAction* a : m->actions()) {
                if (a->menu()) collect(a->menu());
                else if (!a->isSeparator() && !a->shortcuts().isEmpty()) actions << a;
            }
        };
        collect(menu);
        if (actions.isEmpty()) continue;
        auto* group = new QTreeWidgetItem(tree, {menu->title().remove(QLatin1Char('&'))});
        QFont f = group->font(0);
        f.setBold(true);
        group->setFont(0, f);
        group->setFirstColumnSpanned(true);
        for (QAction* a : actions) {
            QStringList keys;
            // A standard key with no binding on this platform is empty: list only real, distinct keys.
            for (const QKeySequence& k : a->shortcuts()) {
                const QString text = k.toString(QKeySequence::NativeText);
                if (!text.isEmpty() && !keys.contains(text)) keys << text;
            }
            const QString name = a->text().remove(QLatin1Char('&')).remove(QStringLiteral("…"));
            new QTreeWidgetItem(tree, {QStringLiteral("    ") + name, keys.join(QStringLiteral(", "))});
            rows_ << QStringLiteral("%1|%2|%3").arg(group->text(0), name, keys.join(QStringLiteral(", ")));
        }
    }
    // Canvas gestures that are not actions.
    auto* group = new QTreeWidgetItem(tree, {tr("Canvas")});
    QFont f = group->font(0);
    f.setBold(true);
    group->setFont(0, f);
    const QList<QPair<QString, QString>> gestures = {
        {tr("Zoom around the cursor"), tr("Mouse wheel")},
        {tr("Pan"), tr("Middle drag, Space + drag, or drag on empty space")},
        {tr("Select a pair"), tr("Click its line or label")},
        {tr("Move / resize the selected box"), tr("Drag it / its handles")},
        {tr("Add a pair"), tr("Ctrl + drag from a human to an object")},
        {tr("Cancel a drag, leave a tool, clear the selection"), tr("Esc")},
    };
    for (const auto& g : gestures) {
        new QTreeWidgetItem(tree, {QStringLiteral("    ") + g.first, g.second});
        rows_ << QStringLiteral("Canvas|%1|%2").arg(g.first, g.second);
    }
    lay->addWidget(tree);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    lay->addWidget(buttons);
}

} // namespace hoi::ui
