// Export of an edited document: the dialog tells BEFORE writing how many relations the chosen
// format leaves out; the written HICO-DET file, imported again, holds exactly the pairs the
// window showed as kept (rejected ones left out), with their boxes, classes and verbs — a free
// verb ("high-five") too, in free_hoi_annotation.
#include <QComboBox>
#include <QLabel>
#include <QTemporaryDir>
#include <QUndoStack>
#include <QtTest/QtTest>
#include <set>

#include "annotation/formats.h"
#include "annotation/hico_vocabulary.h"
#include "edit_commands.h"
#include "export_dialog.h"
#include "io/atomic_file.h"
#include "main_window.h"
#include "test_util.h"
#include "workspace.h"

using namespace hoi::ui;
using hoi::annotation::State;

class TestExportRoundtrip : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void editedDocumentSurvivesExportAndImport() {
        const std::string img = hoi::test::samples_dir() + "/messi5.jpg";
        HOI_REQUIRE_FILE(img);
        MainWindow::Options o;
        o.loadModels = false;
        o.useSettings = false;
        o.askOnClose = false;
        MainWindow w(o);
        QVERIFY(w.openPaths({QString::fromStdString(img)}));
        Workspace* ws = w.workspace();
        auto& doc = ws->document();
        const Id image = doc.images().front().id;
        doc.set_image_size(image, 640, 480); // as the analysis would set it
        auto inst = [&](int cls, double x1, double y1, double x2, double y2, State s) {
            hoi::annotation::Instance in;
            in.image = image;
            in.box = {x1, y1, x2, y2};
            in.cls = hoi::annotation::ObjectClass::coco(cls);
            in.score = 0.8;
            in.state = s;
            return doc.add_instance(in);
        };
        const Id h = inst(0, 100, 50, 300, 470, State::Predicted);
        const Id ball = inst(32, 320, 380, 380, 440, State::Predicted);
        const Id h2 = inst(0, 400, 60, 600, 470, State::Predicted);
        auto rel = [&](Id s, Id ob, const char* verb, double score) {
            hoi::annotation::Interaction in;
            in.subject = s;
            in.object = ob;
            in.verb = verb;
            in.hico_verb = hoi::annotation::HicoVocabulary::instance().verb_id(verb);
            in.score = score;
            in.state = State::Predicted;
            return doc.add_interaction(in);
        };
        const Id kick = rel(h, ball, "kick", 0.7);
        const Id hold = rel(h, ball, "hold", 0.3);
        const Id look = rel(h2, ball, "look", 0.5);
        // The person's edits, through undo commands as the window makes them.
        QUndoStack* undo = ws->undoStack();
        undo->push(new SetInteractionStateCommand(doc, kick, State::Accepted));
        undo->push(new SetInteractionStateCommand(doc, hold, State::Rejected));
        undo->push(new SetBoxCommand(doc, ball, {318, 375, 384, 446}));
        undo->push(new SetVerbCommand(doc, look, "catch"));                // a HICO verb (catch sports ball)
        hoi::annotation::Interaction manual;
        manual.subject = h2;
        manual.object = h;
        manual.verb = "high-five";                                           // not a HICO verb
        manual.state = State::Accepted;
        undo->push(new AddInteractionCommand(doc, manual));

        // What the window shows as kept: every non-rejected interaction.
        struct Rel {
            std::string verb;
            std::vector<double> hbox, obox;
            bool operator<(const Rel& o) const { return std::tie(verb, hbox, obox) < std::tie(o.verb, o.hbox, o.obox); }
            bool operator==(const Rel& o) const { return verb == o.verb && hbox == o.hbox && obox == o.obox; }
        };
        auto boxOf = [](const hoi::annotation::Box& b) { return std::vector<double>{b.x1, b.y1, b.x2, b.y2}; };
        std::set<Rel> shown;
        for (const auto& in : doc.interactions())
            if (in.state != State::Rejected)
                shown.insert({in.verb, boxOf(doc.instance(in.subject)->box), boxOf(doc.instance(in.object)->box)});
        QCOMPARE(shown.size(), size_t(3));

        QTemporaryDir dir;
        const hoi::annotation::Project project = ws->toProject();
        ExportDialog dlg(project, dir.filePath("out.json"));
        dlg.setFormat(hoi::annotation::Format::Hico);
        // Before writing: the rejected pair is reported; the free verb is written.
        QVERIFY(!dlg.preview().lossless());
        for (const auto& [reason, n] : dlg.preview().reasons) qInfo("%zu x %s", n, reason.c_str());
        QCOMPARE(dlg.preview().interactions, size_t(3));
        QCOMPARE(dlg.preview().interactions_skipped, size_t(1));
        // The rejected pair is said apart (a person's choice, not a limit of the format); nothing is
        // lost to the format: the free verb is written.
        QCOMPARE(dlg.preview().interactions_lost(), size_t(0));
        QCOMPARE(dlg.preview().interactions_rejected, size_t(1));
        const QString text = dlg.previewText();
        QVERIFY2(!text.contains("cannot be expressed"), qPrintable(text));
        QCOMPARE(text.count("<li>"), 0);
        QVERIFY2(text.contains("Rejected, so not exported: 1 relation"), qPrintable(text));
        QVERIFY(!QFile::exists(dlg.path())); // nothing written yet
        // The project format keeps everything.
        dlg.setFormat(hoi::annotation::Format::Project);
        QVERIFY(dlg.preview().lossless());
        // CSV keeps free-text verbs.
        dlg.setFormat(hoi::annotation::Format::Csv);
        dlg.setPath(dir.filePath("out.csv"));
        const auto csvReport = dlg.write();
        QCOMPARE(csvReport.interactions + csvReport.interactions_skipped, size_t(4));

        // V-COCO: kick and catch are V-COCO actions (kick_obj, catch_obj); the free verb is not, so
        // it is lost and said so; what is written opens again (detected as V-COCO).
        dlg.setFormat(hoi::annotation::Format::Vcoco);
        QCOMPARE(dlg.preview().interactions, size_t(2));
        QCOMPARE(dlg.preview().interactions_lost(), size_t(1));
        dlg.setPath(dir.filePath("out_vcoco.json"));
        QCOMPARE(dlg.write().interactions, size_t(2));
        const std::string vcocoText = hoi::io::read_file(dir.filePath("out_vcoco.json").toStdString());
        QCOMPARE(int(hoi::annotation::detect_format(vcocoText)), int(hoi::annotation::Format::Vcoco));
        std::set<std::string> vcocoVerbs;
        for (const auto& in : hoi::annotation::import_text(vcocoText, hoi::annotation::Format::Vcoco).document.interactions())
            vcocoVerbs.insert(in.verb);
        QVERIFY(vcocoVerbs == (std::set<std::string>{"catch_obj", "kick_obj"}));

        dlg.setFormat(hoi::annotation::Format::Hico);
        dlg.setPath(dir.filePath("out.json"));
        const auto report = dlg.write();
        QCOMPARE(report.interactions, size_t(3));
        QVERIFY(QFile::exists(dir.filePath("out.json")));

        // Re-import: what was shown, exactly.
        const auto back = hoi::annotation::import_file(dir.filePath("out.json").toStdString(), hoi::annotation::Format::Hico);
        std::set<Rel> imported;
        for (const auto& in : back.document.interactions())
            imported.insert({in.verb, boxOf(back.document.instance(in.subject)->box), boxOf(back.document.instance(in.object)->box)});
        QCOMPARE(imported.size(), shown.size());
        QVERIFY(imported == shown);
        for (const auto& in : back.document.instances())
            if (in.box == hoi::annotation::Box{318, 375, 384, 446}) QCOMPARE(in.cls.coco80, 32); // the moved ball

        // The CSV round trip keeps the free-text verb too.
        const auto csvBack = hoi::annotation::import_file(dir.filePath("out.csv").toStdString(), hoi::annotation::Format::Csv);
        bool highFive = false;
        for (const auto& in : csvBack.document.interactions()) highFive |= in.verb == "high-five";
        QVERIFY(highFive);
    }
};

QTEST_MAIN(TestExportRoundtrip)
#include "tst_export_roundtrip.moc"
