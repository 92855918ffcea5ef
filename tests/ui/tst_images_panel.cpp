// ImagesPanel without a window: the counts line under the list (images, analysed, reviewed, pairs,
// accepted), the list following the window's image without echoing it back, a person's choice
// reported, and the Analyse All button; analyses arriving refresh the counts.
#include <QAction>
#include <QLabel>
#include <QListView>
#include <QSignalSpy>
#include <QToolButton>
#include <QtTest/QtTest>

#include "image_list_model.h"
#include "images_panel.h"
#include "workspace.h"

using namespace hoi::ui;
using hoi::annotation::State;

class TestImagesPanel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void countsText() {
        Workspace::Counts c;
        c.images = 1;
        c.interactions = 1;
        c.accepted = 1;
        QCOMPARE(ImagesPanel::countsText(c), QStringLiteral("1 image · 0 analysed · 0 reviewed\n1 pair · 1 accepted"));
        c = {3, 2, 1, 5, 0};
        QCOMPARE(ImagesPanel::countsText(c), QStringLiteral("3 images · 2 analysed · 1 reviewed\n5 pairs · 0 accepted"));
    }

    void panelShowsTheWorkspace() {
        Workspace ws;
        QAction analyseAll("Analyse All");
        ImagesPanel panel(&ws, &analyseAll);
        panel.updateCounts();
        QCOMPARE(panel.countsLabel()->text(), QStringLiteral("0 images · 0 analysed · 0 reviewed\n0 pairs · 0 accepted"));

        hoi::annotation::Project p;
        for (const char* name : {"a.jpg", "b.jpg"}) {
            hoi::annotation::Image img;
            img.file_name = name;
            img.width = 40;
            img.height = 30;
            img.reviewed = std::string(name) == "b.jpg";
            const Id image = p.document.add_image(img);
            hoi::annotation::Instance in;
            in.image = image;
            in.box = {0, 0, 10, 10};
            in.cls = hoi::annotation::ObjectClass::coco(0);
            const Id person = p.document.add_instance(in);
            in.box = {10, 0, 20, 10};
            in.cls = hoi::annotation::ObjectClass::coco(32);
            const Id ball = p.document.add_instance(in);
            hoi::annotation::Interaction r;
            r.image = image;
            r.subject = person;
            r.object = ball;
            r.verb = "kick";
            r.state = std::string(name) == "a.jpg" ? State::Accepted : State::Rejected;
            p.document.add_interaction(r);
        }
        ws.loadProject(std::move(p), QString(), QDir::tempPath());
        panel.updateCounts();
        QCOMPARE(panel.countsLabel()->text(), ImagesPanel::countsText(ws.counts()));
        // An image with boxes counts as analysed; the rejected pair is a pair, not an accepted one.
        QCOMPARE(panel.countsLabel()->text(), QStringLiteral("2 images · 2 analysed · 1 reviewed\n2 pairs · 1 accepted"));
        QCOMPARE(panel.findChild<QLabel*>("countsLabel"), panel.countsLabel());
        // Analyses arriving refresh the counts (debounced).
        ws.setImageError(panel.model()->idAt(0), QStringLiteral("unreadable"));
        const QString after = ImagesPanel::countsText(ws.counts()); // a failed image is not analysed
        QVERIFY(panel.countsLabel()->text() != after);
        Q_EMIT ws.analysisApplied(panel.model()->idAt(0));
        Q_EMIT ws.analysisApplied(panel.model()->idAt(1));
        QTRY_COMPARE(panel.countsLabel()->text(), after);

        QCOMPARE(panel.findChild<QListView*>("imageList"), panel.list());
        QCOMPARE(panel.list()->model(), panel.model());
        QCOMPARE(panel.model()->rowCount(), 2);
        const Id a = panel.model()->idAt(0), b = panel.model()->idAt(1);

        // The window shows an image: the list follows, nothing is reported back.
        QSignalSpy chosen(&panel, &ImagesPanel::imageChosen);
        panel.showImage(b);
        QCOMPARE(panel.list()->currentIndex().row(), 1);
        QCOMPARE(chosen.count(), 0);
        // A person picks another one: reported.
        panel.list()->setCurrentIndex(panel.model()->index(0));
        QCOMPARE(chosen.count(), 1);
        QCOMPARE(chosen.first().first().value<Id>(), a);

        bool found = false;
        for (auto* button : panel.findChildren<QToolButton*>()) found |= button->defaultAction() == &analyseAll;
        QVERIFY(found);
    }
};

QTEST_MAIN(TestImagesPanel)
#include "tst_images_panel.moc"
