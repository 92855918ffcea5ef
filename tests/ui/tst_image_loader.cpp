// ImageLoader and Banner without a window: an image read off the GUI thread arrives with its
// pixels; an unreadable file arrives null with the reason; a newer request or cancel() drops an
// older one. The banner is hidden until it shows a message.
#include <QLabel>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include "banner.h"
#include "image_loader.h"
#include "test_util.h"

using namespace hoi::ui;

class TestImageLoader : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void loadsTheLatestImage() {
        const std::string messi = hoi::test::samples_dir() + "/messi5.jpg";
        const std::string person = hoi::test::samples_dir() + "/person.jpg";
        HOI_REQUIRE_FILE(messi);
        HOI_REQUIRE_FILE(person);
        ImageLoader loader;
        QSignalSpy loaded(&loader, &ImageLoader::loaded);
        QVERIFY(!loader.loading());
        loader.load(1, QString::fromStdString(messi));
        loader.load(2, QString::fromStdString(person)); // chosen meanwhile: only this one arrives
        QVERIFY(loader.loading());
        QVERIFY(loaded.wait(30000));
        QVERIFY(!loader.loading());
        QTest::qWait(200); // the first read has finished too by now; it is not delivered
        QCOMPARE(loaded.count(), 1);
        QCOMPARE(loaded[0][0].value<hoi::annotation::Id>(), hoi::annotation::Id(2));
        const QImage pixels = loaded[0][1].value<QImage>();
        QVERIFY(!pixels.isNull());
        QVERIFY(loaded[0][2].toString().isEmpty());

        // Cancelled: nothing arrives.
        loaded.clear();
        loader.load(3, QString::fromStdString(messi));
        loader.cancel();
        QVERIFY(!loader.loading());
        QVERIFY(!loaded.wait(1500));
    }

    void unreadableFileSaysWhy() {
        QTemporaryDir dir;
        QFile f(dir.filePath("broken.jpg"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("not a jpeg");
        f.close();
        ImageLoader loader;
        QSignalSpy loaded(&loader, &ImageLoader::loaded);
        loader.load(7, f.fileName());
        QVERIFY(loaded.wait(30000));
        QVERIFY(loaded[0][1].value<QImage>().isNull());
        QVERIFY(!loaded[0][2].toString().isEmpty());
    }

    void bannerShowsAMessage() {
        QWidget parent;
        auto* banner = new Banner(&parent);
        QVERIFY(banner->isHidden());
        banner->showMessage("The CLIP model is <b>missing</b>");
        QVERIFY(!banner->isHidden());
        QCOMPARE(banner->text(), QStringLiteral("The CLIP model is <b>missing</b>"));
        QCOMPARE(parent.findChild<QLabel*>("bannerText")->text(), banner->text());
        QCOMPARE(banner->objectName(), QStringLiteral("banner"));
    }
};

QTEST_MAIN(TestImageLoader)
#include "tst_image_loader.moc"
