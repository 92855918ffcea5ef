// StatusPanel on a bare QStatusBar: the progress widgets appear with a job's progress and go when
// it ends, a busy bar without a maximum, the zoom and engine texts, the agreement indicator.
#include <QAction>
#include <QLabel>
#include <QProgressBar>
#include <QStatusBar>
#include <QToolButton>
#include <QtTest/QtTest>

#include "agreement_indicator.h"
#include "status_panel.h"
#include "workspace.h"

using namespace hoi::ui;

class TestStatusPanel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void progressShowsAndHides() {
        Workspace ws;
        QStatusBar bar;
        QAction cancel("Cancel");
        auto* status = new StatusPanel(&bar, &ws, &cancel);
        QCOMPARE(status->parent(), &bar);
        QCOMPARE(status->cancelButton()->defaultAction(), &cancel);
        QVERIFY(!status->progressVisible());
        QVERIFY(status->progressBar()->isHidden());
        QVERIFY(status->progressLabel()->isHidden());
        QVERIFY(status->cancelButton()->isHidden());

        status->setProgress("Analysing 2 of 5", 2, 5);
        QVERIFY(status->progressVisible());
        QVERIFY(!status->progressLabel()->isHidden());
        QVERIFY(!status->cancelButton()->isHidden());
        QCOMPARE(status->progressLabel()->text(), QStringLiteral("Analysing 2 of 5"));
        QCOMPARE(status->progressBar()->maximum(), 5);
        QCOMPARE(status->progressBar()->value(), 2);
        QCOMPARE(bar.findChild<QProgressBar*>("progressBar"), status->progressBar());

        status->setProgress("Loading", 0, 0); // no maximum: a busy bar
        QCOMPARE(status->progressBar()->maximum(), 0);
        QCOMPARE(status->progressLabel()->text(), QStringLiteral("Loading"));

        status->hideProgress();
        QVERIFY(!status->progressVisible());
        QVERIFY(status->progressLabel()->isHidden());
        QVERIFY(status->cancelButton()->isHidden());
    }

    void texts() {
        Workspace ws;
        QStatusBar bar;
        QAction cancel("Cancel");
        auto* status = new StatusPanel(&bar, &ws, &cancel);
        status->setZoom(1.354);
        QCOMPARE(status->zoomLabel()->text(), QStringLiteral("135%"));
        status->setEngineText("nanodet + CLIP ViT-B/32");
        QCOMPARE(bar.findChild<QLabel*>("engineLabel")->text(), QStringLiteral("nanodet + CLIP ViT-B/32"));
        status->setHover("person 1");
        QCOMPARE(status->hoverLabel()->text(), QStringLiteral("person 1"));
        QVERIFY(status->agreement());
        QCOMPARE(bar.findChild<AgreementIndicator*>("agreementIndicator"), status->agreement());
    }
};

QTEST_MAIN(TestStatusPanel)
#include "tst_status_panel.moc"
