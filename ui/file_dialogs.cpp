#include "file_dialogs.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>

#include "io/image.h"
#include "project_session.h"
#include "workspace.h"

namespace hoi::ui {

namespace {
QString tr(const char* text) { return QCoreApplication::translate("hoi::ui::FileDialogs", text); }
} // namespace

QString FileDialogs::openFilter() {
    QString patterns;
    for (const auto& e : io::image_extensions()) patterns += QStringLiteral("*.%1 ").arg(QString::fromStdString(e));
    return tr("Images, projects and annotations (%1*.hoiproj *.json *.csv);;All files (*)").arg(patterns);
}

QString FileDialogs::suggestedProjectPath(const QString& projectPath, const QString& imageDir) {
    if (!projectPath.isEmpty()) return projectPath;
    return imageDir.isEmpty() ? QDir::homePath() + "/annotations.hoiproj" : QDir(imageDir).filePath("annotations.hoiproj");
}

QString FileDialogs::withProjectSuffix(const QString& path) {
    return path.isEmpty() || path.endsWith(QLatin1String(".hoiproj")) ? path : path + QLatin1String(".hoiproj");
}

QStringList FileDialogs::openFiles() const {
    return QFileDialog::getOpenFileNames(parent_, tr("Open"), session_->lastFolder(), openFilter());
}

QString FileDialogs::openFolder() const {
    return QFileDialog::getExistingDirectory(parent_, tr("Open Image Folder"), session_->lastFolder());
}

QString FileDialogs::importFile() const {
    return QFileDialog::getOpenFileName(parent_, tr("Import Annotations"), session_->lastFolder(),
                                        tr("Annotations (*.json *.csv);;All files (*)"));
}

QString FileDialogs::imageFolderOf(const QString& annotationFile) const {
    const QFileInfo file(annotationFile);
    return QFileDialog::getExistingDirectory(parent_, tr("Image Folder of %1").arg(file.fileName()), file.absolutePath());
}

QString FileDialogs::saveProject() const {
    return withProjectSuffix(QFileDialog::getSaveFileName(parent_, tr("Save Project"),
                                                          suggestedProjectPath(ws_->projectPath(), ws_->imageDir()),
                                                          tr("HOI Studio project (*.hoiproj)")));
}

} // namespace hoi::ui
