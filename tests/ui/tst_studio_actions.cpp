// StudioActions on a bare window: every action exists with its shortcut (added to the window, so
// keys work), the object names tests and the window look up, undo / redo following the undo
// stack, the exclusive tools, the menu bar it fills (the View menu ending with the docks) and the
// toolbar made from them (MainToolBar) and driving a canvas.
#include <QAction>
#include <QActionGroup>
#include <QComboBox>
#include <QSlider>
#include <QDockWidget>
#include <QMainWindow>
#include <QMenu>
#include <QMenuBar>
#include <QTemporaryDir>
#include <QUndoStack>
#include <QtTest/QtTest>

#include "image_canvas.h"
#include "main_tool_bar.h"
#include "studio_actions.h"

using namespace hoi::ui;

namespace {
struct NoOp : QUndoCommand {
    void undo() override {}
    void redo() override {}
};
QStringList titles(const QList<QMenu*>& menus) {
    QStringList t;
    for (QMenu* m : menus) t << m->title();
    return t;
}
} // namespace

class TestStudioActions : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void actionsAndShortcuts() {
        QMainWindow window;
        QUndoStack stack;
        auto* a = new StudioActions(&stack, &window);
        QCOMPARE(a->parent(), &window);
        QCOMPARE(a->accept->shortcut(), QKeySequence(Qt::Key_A));
        QCOMPARE(a->reject->shortcut(), QKeySequence(Qt::Key_R));
        QCOMPARE(a->nextPair->shortcut(), QKeySequence(Qt::Key_J));
        QCOMPARE(a->editVerb->shortcuts(), (QList<QKeySequence>{QKeySequence(Qt::Key_E), QKeySequence(Qt::Key_F2)}));
        QCOMPARE(a->reviewed->shortcut(), QKeySequence(Qt::Key_M));
        QCOMPARE(a->analyseAll->shortcut(), QKeySequence(QStringLiteral("Ctrl+Shift+R")));
        QCOMPARE(a->accept->toolTip(), QStringLiteral("Accept Pair (A)"));
        QCOMPARE(a->remove->statusTip(), QStringLiteral("Delete the selected pair or box"));
        // Every action with a shortcut is the window's too (its shortcuts work anywhere inside it).
        const QList<QAction*> windowActions = window.actions();
        for (QAction* act : a->findChildren<QAction*>())
            if (!act->shortcuts().isEmpty()) QVERIFY2(windowActions.contains(act), qPrintable(act->text()));
        // Found by name (tests, the window).
        QCOMPARE(window.findChild<QAction*>("evaluateAction"), a->evaluate);
        QCOMPARE(window.findChild<QAction*>("trainAction"), a->train);
        QCOMPARE(window.findChild<QAction*>("useHeadAction"), a->useHead);
        QVERIFY(a->useHead->isCheckable());
        QVERIFY(a->heatmap->isChecked());

        // Undo and redo follow the stack.
        QVERIFY(!a->undo->isEnabled());
        stack.push(new NoOp);
        QVERIFY(a->undo->isEnabled());
        stack.undo();
        QVERIFY(a->redo->isEnabled());

        // One tool at a time.
        QVERIFY(a->selectTool->isChecked());
        a->boxTool->trigger();
        QVERIFY(a->boxTool->isChecked());
        QVERIFY(!a->selectTool->isChecked());
        QVERIFY(a->toolGroup->isExclusive());
    }

    void toolBar() {
        QMainWindow window;
        QUndoStack stack;
        auto* a = new StudioActions(&stack, &window);
        auto* tb = new MainToolBar(a, &window);
        window.addToolBar(tb);
        QCOMPARE(tb->objectName(), QStringLiteral("mainToolBar"));
        QVERIFY(!tb->isMovable());
        const QList<QAction*> shown = tb->actions();
        for (QAction* act : {a->open, a->save, a->exportAnnotations, a->undo, a->redo, a->analyse, a->analyseAll,
                             a->selectTool, a->boxTool, a->linkTool, a->zoomFit, a->zoomActual, a->zoomIn, a->zoomOut,
                             a->heatmap})
            QVERIFY2(shown.contains(act), qPrintable(act->text()));
        QCOMPARE(window.findChild<QComboBox*>("classCombo"), tb->classBox());
        QCOMPARE(tb->classBox()->count(), 80); // COCO's classes; any other name can be typed
        QVERIFY(tb->classBox()->isEditable());
        QCOMPARE(window.findChild<QComboBox*>("heatmapSource"), tb->heatmapSource());
        QCOMPARE(tb->heatmapSource()->count(), 2);
        QCOMPARE(window.findChild<QSlider*>("heatmapOpacity"), tb->heatmapOpacity());
        QCOMPARE(tb->heatmapOpacity()->value(), 65);

        // Driving a canvas: a tool chosen is the canvas's, and the canvas's tool is the one shown.
        ImageCanvas canvas;
        tb->drive(&canvas);
        a->boxTool->trigger();
        QCOMPARE(canvas.tool(), ImageCanvas::Tool::DrawBox);
        a->linkTool->trigger();
        QCOMPARE(canvas.tool(), ImageCanvas::Tool::Link);
        canvas.setTool(ImageCanvas::Tool::Select);
        QVERIFY(a->selectTool->isChecked() && !a->linkTool->isChecked());
    }

    void menuBar() {
        QMainWindow window;
        QUndoStack stack;
        auto* a = new StudioActions(&stack, &window);
        auto* left = new QDockWidget("Images", &window);
        auto* right = new QDockWidget("Pairs", &window);
        const auto menus = a->fillMenuBar(window.menuBar(), {left, right});
        QCOMPARE(titles(menus.all), (QStringList{"&File", "&Edit", "&Tools", "&View", "&Analysis", "&Help"}));
        QCOMPARE(window.menuBar()->actions().size(), 6);
        QVERIFY(menus.recent);
        QCOMPARE(menus.recent->objectName(), QStringLiteral("recentMenu"));
        QVERIFY(menus.all[0]->actions().contains(menus.recent->menuAction()));
        const QList<QAction*> view = menus.all[3]->actions();
        QCOMPARE(view.mid(view.size() - 2), (QList<QAction*>{left->toggleViewAction(), right->toggleViewAction()}));
        const QList<QAction*> analysis = menus.all[4]->actions();
        QVERIFY(analysis.contains(a->train));
        QVERIFY(analysis.contains(a->useHead));
        QVERIFY(analysis.contains(a->evaluate));
        QVERIFY(menus.all[1]->actions().contains(a->preferences));
        QVERIFY(menus.all[5]->actions().contains(a->shortcuts));
    }

    void recentMenuListsThePaths() {
        QTemporaryDir dir;
        const QString there = dir.filePath("a.hoiproj");
        QFile(there).open(QIODevice::WriteOnly);
        const QString gone = dir.filePath("gone.json");
        QMenu menu;
        QString opened;
        StudioActions::fillRecentMenu(&menu, {there, gone, dir.path()}, [&](const QString& p) { opened = p; });
        const QList<QAction*> items = menu.actions();
        QCOMPARE(items.size(), 3);
        QCOMPARE(items[0]->text(), QStringLiteral("a.hoiproj"));
        QCOMPARE(items[0]->toolTip(), there);
        QVERIFY(items[0]->isEnabled());
        QVERIFY(!items[1]->isEnabled()); // the file is gone
        QCOMPARE(items[2]->text(), QFileInfo(dir.path()).fileName());
        items[0]->trigger();
        QCOMPARE(opened, there);
        StudioActions::fillRecentMenu(&menu, {}, [](const QString&) {});
        QCOMPARE(menu.actions().size(), 1);
        QCOMPARE(menu.actions()[0]->text(), QStringLiteral("No recent files"));
        QVERIFY(!menu.actions()[0]->isEnabled());
    }

    void availabilityEnablesTheActions() {
        QMainWindow window;
        QUndoStack stack;
        StudioActions a(&stack, &window);
        a.update({});
        for (QAction* act : {a.save, a.saveAs, a.exportAnnotations, a.accept, a.reject, a.editVerb, a.remove, a.nextPair,
                             a.previousPair, a.reviewed, a.analyse, a.analyseAll, a.cancel})
            QVERIFY2(!act->isEnabled(), qPrintable(act->text()));
        QCOMPARE(a.reviewed->iconText(), QStringLiteral("Mark Image Reviewed"));

        StudioActions::Availability can;
        can.document = can.image = can.reviewed = can.box = can.selectedRows = true;
        a.update(can);
        QVERIFY(a.save->isEnabled() && a.exportAnnotations->isEnabled());
        QVERIFY(!a.accept->isEnabled());
        QVERIFY(a.editVerb->isEnabled()); // the selected rows
        QVERIFY(a.remove->isEnabled());   // the selected box
        QVERIFY(!a.nextPair->isEnabled());
        QVERIFY(a.reviewed->isEnabled() && a.reviewed->isChecked());
        QCOMPARE(a.reviewed->iconText(), QStringLiteral("Reviewed"));
        QVERIFY(!a.analyse->isEnabled()); // no engine yet

        can = {};
        can.document = can.image = can.pair = can.rows = can.engineReady = can.busy = true;
        a.update(can);
        QVERIFY(a.accept->isEnabled() && a.reject->isEnabled() && a.editVerb->isEnabled() && a.remove->isEnabled());
        QVERIFY(a.nextPair->isEnabled() && a.previousPair->isEnabled());
        QVERIFY(!a.reviewed->isChecked());
        QVERIFY(a.analyse->isEnabled() && a.analyseAll->isEnabled() && a.cancel->isEnabled());
    }
};

QTEST_MAIN(TestStudioActions)
#include "tst_studio_actions.moc"
