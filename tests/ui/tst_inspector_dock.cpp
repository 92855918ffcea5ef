// InspectorDock without a window: on the offscreen platform (no OpenGL context) the dock holds a
// line saying why there is no inspector, keeps its object name for the window's saved state, and
// takes values without one.
#include <QLabel>
#include <QtTest/QtTest>

#include "inspector_dock.h"

using namespace hoi::ui;

class TestInspectorDock : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void withoutOpenGLALineSaysWhy() {
        QCOMPARE(QGuiApplication::platformName(), QStringLiteral("offscreen"));
        InspectorDock dock;
        QCOMPARE(dock.objectName(), QStringLiteral("inspectorDock"));
        QCOMPARE(dock.windowTitle(), QStringLiteral("Inspector"));
        QVERIFY(!dock.hasInspector());
        auto* label = qobject_cast<QLabel*>(dock.content());
        QVERIFY(label);
        QCOMPARE(dock.widget(), dock.content());
#ifdef HOI_WITH_INSPECTOR
        QCOMPARE(label->text(), QStringLiteral("The inspector needs OpenGL 3, which this display does not offer."));
#else
        QCOMPARE(label->text(), QStringLiteral("The inspector was not built (HOI_WITH_INSPECTOR=OFF)."));
#endif
        dock.setData(InspectorData{}); // nothing to show it in: ignored
    }
};

QTEST_MAIN(TestInspectorDock)
#include "tst_inspector_dock.moc"
