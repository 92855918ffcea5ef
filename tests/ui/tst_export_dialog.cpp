// ExportDialog's remembered settings without a window: a first export suggests base + the format's
// extension; the format, scope and folder of the last export come back (the folder only while it
// exists); the line that says what was exported and what could not be expressed; the suggested
// file; File ▸ Export's flow (cancelled: nothing written; accepted: the file and the choices kept).
#include <QSettings>
#include <QTemporaryDir>
#include <QtTest/QtTest>

#include "gui_test_helpers.h"
#include "export_dialog.h"
#include "test_util.h"

using namespace hoi::ui;
using hoi::annotation::ExportScope;
using hoi::annotation::Format;

class TestExportDialog : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void init() { hoi::test::use_test_settings(QStringLiteral("tst_export_dialog")); }
    void cleanupTestCase() { QSettings().clear(); }

    void lastExportComesBack() {
        const hoi::annotation::Project project = hoi::test::one_image_project();
        QTemporaryDir out;
        {
            ExportDialog dlg(project, "/p/annotations.json");
            dlg.restoreSettings("/p/annotations"); // nothing remembered yet
            QCOMPARE(dlg.path(), "/p/annotations" + ExportDialog::extension(dlg.format()));
            dlg.setFormat(Format::Csv);
            dlg.setScope(ExportScope::Accepted);
            dlg.setPath(out.filePath("mine.csv"));
            dlg.rememberSettings();
        }
        {
            ExportDialog dlg(project, "/q/other.json");
            dlg.restoreSettings("/q/other");
            QCOMPARE(dlg.format(), Format::Csv);
            QCOMPARE(dlg.options().scope, ExportScope::Accepted);
            // The base's name in the last folder.
            QCOMPARE(dlg.path(), QDir(out.path()).filePath("other.csv"));
        }
        const QString gone = out.path();
        out.remove();
        ExportDialog dlg(project, "/q/other.json");
        dlg.restoreSettings("/q/other");
        QVERIFY(!QFileInfo(gone).exists());
        QCOMPARE(dlg.path(), QStringLiteral("/q/other.csv")); // the folder is gone: beside the base
    }

    void doneTextSaysWhatWasLost() {
        const hoi::annotation::Project project = hoi::test::one_image_project();
        ExportDialog dlg(project, "/p/a.json");
        dlg.setPath("/p/a.json");
        hoi::annotation::ExportReport r;
        r.interactions = 3;
        QCOMPARE(dlg.doneText(r), QStringLiteral("Exported 3 interactions to a.json."));
        r.interactions = 1;
        r.interactions_skipped = 2;
        r.interactions_rejected = 1; // a person's rejection is not a loss
        r.instances_skipped = 2;
        QCOMPARE(dlg.doneText(r),
                 QStringLiteral("Exported 1 interaction to a.json. 1 relation and 2 boxes could not be expressed."));
    }

    void suggestedFile() {
        QCOMPARE(ExportDialog::suggestedBase("/p/mine.hoiproj", "/images"), QStringLiteral("/p/mine"));
        QCOMPARE(ExportDialog::suggestedBase("", "/images"), QStringLiteral("/images/annotations"));
    }

    void runWritesTheChosenFileAndRemembersIt() {
        const hoi::annotation::Project project = hoi::test::one_image_project();
        QTemporaryDir dir;
        hoi::test::answer_modal<ExportDialog>([](ExportDialog* dlg) { dlg->reject(); });
        QCOMPARE(ExportDialog::run(project, QString(), dir.path(), true), QString()); // cancelled
        QVERIFY(!QFileInfo::exists(dir.filePath("annotations.json")));

        QString suggested;
        hoi::test::answer_modal<ExportDialog>([&](ExportDialog* dlg) {
            suggested = dlg->path();
            dlg->setFormat(Format::Csv);
            dlg->setPath(dir.filePath("out.csv"));
            dlg->accept();
        });
        const QString done = ExportDialog::run(project, QString(), dir.path(), true);
        QCOMPARE(suggested, dir.filePath("annotations.json"));
        QCOMPARE(done, QStringLiteral("Exported 0 interactions to out.csv."));
        QVERIFY(QFileInfo::exists(dir.filePath("out.csv")));
        QCOMPARE(QSettings().value("export/format").toInt(), int(Format::Csv)); // remembered
    }
};

QTEST_MAIN(TestExportDialog)
#include "tst_export_dialog.moc"
