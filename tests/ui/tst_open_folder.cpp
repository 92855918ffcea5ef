// Opening a folder in the GUI takes the same images `hoi run` takes from it: one list of image
// extensions (io::image_extensions), any case, sub-folders included, GIF and other files left out.
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include "hoi/batch.h"
#include "io/atomic_file.h"
#include "io/image.h"
#include "main_window.h"
#include "test_util.h"
#include "workspace.h"

#include <filesystem>

using namespace hoi::ui;

class TestOpenFolder : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void folderImagesAreHoiRunsImages() {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const std::string d = dir.path().toStdString();
        std::filesystem::create_directories(d + "/sub");
        // A 2 x 2 binary PPM under every PNM name, upper and lower case; a GIF and a text file.
        const std::string ppm = std::string("P6\n2 2\n255\n") + std::string(12, '\x80');
        for (const char* name : {"a.pnm", "b.PPM", "sub/c.pgm", "d.pbm"})
            hoi::io::write_file_atomic(d + "/" + name, ppm);
        hoi::io::write_file_atomic(d + "/e.gif", "GIF89a");
        hoi::io::write_file_atomic(d + "/notes.txt", "x");
        const auto listed = hoi::model::list_images({d});
        QCOMPARE(listed.size(), size_t(4));
        for (const auto& p : listed) QVERIFY(hoi::io::has_image_extension(p));
        QVERIFY(!hoi::io::has_image_extension("e.gif"));

        MainWindow::Options o;
        o.loadModels = false;
        o.useSettings = false;
        o.askOnClose = false;
        o.interactive = false;
        MainWindow w(o);
        w.openPaths({dir.path()});
        QCOMPARE(w.workspace()->document().images().size(), listed.size());
    }
};

QTEST_MAIN(TestOpenFolder)
#include "tst_open_folder.moc"
