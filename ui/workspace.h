#pragma once
// The open workspace: the annotation document with its undo stack, the image folder, the project
// file path and settings, and the last analysis of each image (for heatmaps, the inspector and
// prompt re-queries). Qt signals mirror the document's observer notifications.
#include <QHash>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QUndoStack>
#include <map>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "annotation/document.h"
#include "annotation/project.h"
#include "hoi/analysis_merge.h"
#include "hoi/engine.h"

namespace hoi::ui {

using Id = annotation::Id;
using AnalysisPtr = std::shared_ptr<const model::ImageAnalysis>;

enum class ImageStatus { NotAnalysed, Predicted, Reviewed, Failed };

// The last analysis of an image and how its detections map to document instances.
struct ImageRecord {
    AnalysisPtr analysis;
    std::vector<Id> detectionInstance; // per detection: instance id (0 when not in the document)
    std::unordered_map<Id, model::ScoreSource> relationSource; // relation -> (pair, prompt) it was scored as
    QString error;                     // the last failure ("" when none)
};

class Workspace : public QObject {
    Q_OBJECT
public:
    explicit Workspace(QObject* parent = nullptr);
    ~Workspace() override;

    annotation::Document& document() { return doc_; }
    const annotation::Document& document() const { return doc_; }
    QUndoStack* undoStack() { return &undo_; }

    // ---- files ---------------------------------------------------------------------------------
    QString projectPath() const { return projectPath_; }
    void setProjectPath(const QString& path) { projectPath_ = path; }
    // Absolute image folder ("" while the workspace is empty).
    QString imageDir() const { return imageDir_; }
    QString imagePath(Id image) const; // absolute path of an image's file
    annotation::ProjectSettings& settings() { return settings_; }
    const annotation::ProjectSettings& settings() const { return settings_; }

    // Adds image files (absolute paths). The first images set the image folder (their common
    // parent); later files must be inside it. Files already present are skipped. Returns the ids
    // added; problems (outside the folder) are appended to *problems.
    QList<Id> addImages(const QStringList& files, QStringList* problems = nullptr);
    // Replaces everything with a project (document + settings); imageDir resolves relative to the
    // project file's folder (or `baseDir` when given).
    void loadProject(annotation::Project project, const QString& projectPath, const QString& baseDir = {});
    // The project to save: document + settings (image_dir relative to the project file when inside its folder).
    annotation::Project toProject(const QString& forPath = {}) const;
    void clear();

    // ---- analyses ------------------------------------------------------------------------------
    const ImageRecord* record(Id image) const;
    // Merges an analysis into the document with model::merge_analysis (its policy is the one rule:
    // a person's boxes and relations are never removed or duplicated). A re-query of an image
    // analysed in this session reuses its detection map. Model output is not a person's edit: it
    // does not mark the workspace modified, and it is not on the undo stack.
    void applyAnalysis(Id image, AnalysisPtr analysis, const model::MergePolicy& policy);
    void setImageError(Id image, const QString& error);
    // The model's score of a pair a person made (InferenceWorker::pairScored): model output, so the
    // document is not marked modified.
    void setModelScore(Id relation, double score);
    // True while applyAnalysis() changes the document (views refresh once, on analysisApplied).
    bool applying() const { return applying_; }
    ImageStatus status(Id image) const;
    // The pair index in the image's analysis for a (subject, object) instance pair; -1 when none.
    int pairIndex(Id image, Id subject, Id object) const;
    // The (pair, prompt) of the image's analysis that scored a relation ({-1, -1} when none). Kept
    // true through a person's edits: a relation whose verb changes is bound to the prompt of its
    // new verb, or to none.
    model::ScoreSource scoreSource(Id relation) const;
    // What the image's analysis says of (subject, object, verb): the first applying prompt with that
    // verb and its score; nullopt when the pair or the verb is not in the analysis.
    struct ModelScore {
        model::ScoreSource source;
        double score = 0;
    };
    std::optional<ModelScore> modelScore(Id image, Id subject, Id object, const std::string& verb) const;

    // ---- modified state ------------------------------------------------------------------------
    bool isModified() const { return modified_; }
    void setModified(bool modified);
    // Counts for the status bar and file list.
    struct Counts { int images = 0, analysed = 0, reviewed = 0, interactions = 0, accepted = 0; };
    Counts counts() const;

Q_SIGNALS:
    void changed(const hoi::annotation::Change& change);
    void analysisApplied(hoi::annotation::Id image);
    void modifiedChanged(bool modified);
    void cleared();

private:
    annotation::Document doc_;
    QUndoStack undo_;
    QString projectPath_, imageDir_;
    annotation::ProjectSettings settings_;
    std::map<Id, ImageRecord> records_;
    bool modified_ = false;
    bool loading_ = false;
    bool applying_ = false;
    bool modelOutput_ = false; // setModelScore: a change views show, but not a person's edit
    void rebind(Id relation); // after a person's edit of a relation: its score source
};

// Display helpers.
QString verbDisplay(const std::string& verb); // "sit_on" -> "sit on"
QString classDisplay(const annotation::ObjectClass& cls);

} // namespace hoi::ui
