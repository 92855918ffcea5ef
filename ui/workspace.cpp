#include "workspace.h"

#include <QDir>
#include <QFileInfo>
#include <algorithm>
#include <set>

#include "annotation/hico_vocabulary.h"
#include "io/error.h"

namespace hoi::ui {

using annotation::Change;
using annotation::State;

QString verbDisplay(const std::string& verb) {
    return QString::fromStdString(verb).replace(QLatin1Char('_'), QLatin1Char(' '));
}

QString classDisplay(const annotation::ObjectClass& cls) {
    return QString::fromStdString(cls.label).replace(QLatin1Char('_'), QLatin1Char(' '));
}

Workspace::Workspace(QObject* parent) : QObject(parent) {
    doc_.add_observer([this](const Change& c) {
        if (!loading_ && !applying_ && !modelOutput_) {
            setModified(true);
            if (c.kind == Change::Kind::InteractionAdded || c.kind == Change::Kind::InteractionChanged) rebind(c.id);
        }
        Q_EMIT changed(c);
    });
    connect(&undo_, &QUndoStack::cleanChanged, this, [this](bool clean) {
        if (clean && !loading_) setModified(false);
    });
}

Workspace::~Workspace() = default;

void Workspace::setModified(bool modified) {
    if (modified == modified_) return;
    modified_ = modified;
    Q_EMIT modifiedChanged(modified);
}

QString Workspace::imagePath(Id image) const {
    const annotation::Image* img = doc_.image(image);
    if (!img) return {};
    return QDir(imageDir_).filePath(QString::fromStdString(img->file_name));
}

QList<Id> Workspace::addImages(const QStringList& files, QStringList* problems) {
    QStringList abs;
    for (const QString& f : files) abs << QFileInfo(f).absoluteFilePath();
    if (abs.isEmpty()) return {};
    if (imageDir_.isEmpty() || doc_.images().empty()) {
        // Common parent folder of all files.
        QString common = QFileInfo(abs.first()).absolutePath();
        for (const QString& f : abs) {
            const QString dir = QFileInfo(f).absolutePath();
            while (!(dir == common || dir.startsWith(common.endsWith('/') ? common : common + '/'))) {
                const QString up = QFileInfo(common).absolutePath();
                if (up == common) break;
                common = up;
            }
        }
        imageDir_ = QDir::cleanPath(common);
    }
    QDir root(imageDir_);
    QList<Id> added;
    for (const QString& f : abs) {
        const QString rel = root.relativeFilePath(f);
        const std::string name = rel.toStdString();
        if (!annotation::is_safe_relative_path(name)) {
            if (problems) *problems << tr("%1 is outside the image folder %2 of this project").arg(f, imageDir_);
            continue;
        }
        if (doc_.image_by_file(name)) continue;
        annotation::Image img;
        img.file_name = name;
        try {
            added << doc_.add_image(img);
        } catch (const hoi::Error& e) {
            if (problems) *problems << QString::fromUtf8(e.what());
        }
    }
    return added;
}

void Workspace::loadProject(annotation::Project project, const QString& projectPath, const QString& baseDir) {
    loading_ = true;
    undo_.clear();
    records_.clear();
    doc_ = std::move(project.document);
    settings_ = project.settings;
    projectPath_ = projectPath;
    QString base = baseDir;
    if (base.isEmpty() && !projectPath.isEmpty()) base = QFileInfo(projectPath).absolutePath();
    const QString dir = QString::fromStdString(settings_.image_dir);
    imageDir_ = QDir::cleanPath(QDir(base).absoluteFilePath(dir.isEmpty() ? QStringLiteral(".") : dir));
    loading_ = false;
    modified_ = true; // force the signal
    setModified(false);
    Q_EMIT changed(Change{});
}

annotation::Project Workspace::toProject(const QString& forPath) const {
    annotation::Project p;
    p.document = doc_;
    p.settings = settings_;
    const QString target = forPath.isEmpty() ? projectPath_ : forPath;
    if (!target.isEmpty() && !imageDir_.isEmpty()) {
        const QString rel = QFileInfo(target).absoluteDir().relativeFilePath(imageDir_);
        p.settings.image_dir = (rel.startsWith(QLatin1String("..")) ? imageDir_ : (rel.isEmpty() ? "." : rel)).toStdString();
    } else {
        p.settings.image_dir = imageDir_.toStdString();
    }
    return p;
}

void Workspace::clear() {
    loading_ = true;
    undo_.clear();
    records_.clear();
    doc_.clear();
    projectPath_.clear();
    imageDir_.clear();
    settings_ = {};
    loading_ = false;
    setModified(false);
    Q_EMIT cleared();
}

const ImageRecord* Workspace::record(Id image) const {
    auto it = records_.find(image);
    return it == records_.end() ? nullptr : &it->second;
}

void Workspace::setImageError(Id image, const QString& error) {
    records_[image].error = error;
    Q_EMIT analysisApplied(image);
}

ImageStatus Workspace::status(Id image) const {
    const annotation::Image* img = doc_.image(image);
    if (!img) return ImageStatus::NotAnalysed;
    if (img->reviewed) return ImageStatus::Reviewed;
    auto it = records_.find(image);
    if (it != records_.end()) {
        if (it->second.analysis) return ImageStatus::Predicted;
        if (!it->second.error.isEmpty()) return ImageStatus::Failed;
    }
    // Imported predictions or annotations count as predicted.
    return doc_.instances_of(image).empty() ? ImageStatus::NotAnalysed : ImageStatus::Predicted;
}

int Workspace::pairIndex(Id image, Id subject, Id object) const {
    const ImageRecord* r = record(image);
    if (!r || !r->analysis) return -1;
    const auto& pairs = r->analysis->pairs;
    for (size_t i = 0; i < pairs.size(); ++i) {
        const auto& p = pairs[i];
        if (p.human < 0 || p.object < 0 || size_t(p.human) >= r->detectionInstance.size() ||
            size_t(p.object) >= r->detectionInstance.size())
            continue;
        if (r->detectionInstance[p.human] == subject && r->detectionInstance[p.object] == object) return int(i);
    }
    return -1;
}

model::ScoreSource Workspace::scoreSource(Id relation) const {
    const annotation::Interaction* in = doc_.interaction(relation);
    const ImageRecord* r = in ? record(in->image) : nullptr;
    if (!r || !r->analysis) return {};
    auto it = r->relationSource.find(relation);
    return it == r->relationSource.end() ? model::ScoreSource{} : it->second;
}

std::optional<Workspace::ModelScore> Workspace::modelScore(Id image, Id subject, Id object,
                                                          const std::string& verb) const {
    const int pair = pairIndex(image, subject, object);
    if (pair < 0) return std::nullopt;
    const model::ImageAnalysis& a = *record(image)->analysis;
    if (!a.scored) return std::nullopt;
    for (size_t t = 0; t < a.prompts.size(); ++t) {
        const auto& sc = a.score(pair, int(t));
        if (!a.prompts[t].no_interaction && sc.applies && model::relation_verb(a.prompts[t]) == verb)
            return ModelScore{{pair, int(t)}, double(sc.final)};
    }
    return std::nullopt;
}

void Workspace::setModelScore(Id relation, double score) {
    if (!doc_.interaction(relation)) return;
    modelOutput_ = true;
    doc_.set_interaction_score(relation, score);
    modelOutput_ = false;
}

void Workspace::rebind(Id relation) {
    const annotation::Interaction* in = doc_.interaction(relation);
    if (!in) return;
    auto it = records_.find(in->image);
    if (it == records_.end() || !it->second.analysis) return;
    const model::ImageAnalysis& a = *it->second.analysis;
    if (auto cur = it->second.relationSource.find(relation); cur != it->second.relationSource.end()) {
        const int t = cur->second.prompt;
        if (t >= 0 && size_t(t) < a.prompts.size() && model::relation_verb(a.prompts[size_t(t)]) == in->verb) return;
    }
    if (const auto m = modelScore(in->image, in->subject, in->object, in->verb))
        it->second.relationSource[relation] = m->source;
    else
        it->second.relationSource.erase(relation);
}

void Workspace::applyAnalysis(Id image, AnalysisPtr analysis, const model::MergePolicy& policy) {
    if (!analysis || !doc_.image(image)) return;
    ImageRecord& rec = records_[image];
    rec.error.clear();
    struct Applying {
        bool& flag;
        explicit Applying(bool& f) : flag(f) { flag = true; }
        ~Applying() { flag = false; }
    } applying(applying_);
    // The same detections as the analysis merged before (a re-query): keep its detection map.
    const bool requery = rec.analysis && rec.analysis->cache_key == analysis->cache_key &&
                         rec.detectionInstance.size() == analysis->detections.size();
    model::MergeResult merged =
        model::merge_analysis(*analysis, doc_, image, policy, requery ? &rec.detectionInstance : nullptr);
    rec.analysis = std::move(analysis);
    rec.detectionInstance = std::move(merged.detection_instance);
    rec.relationSource = std::move(merged.relation_source);
    applying_ = false;
    Q_EMIT analysisApplied(image);
}

Workspace::Counts Workspace::counts() const {
    Counts c;
    c.images = int(doc_.images().size());
    std::unordered_map<Id, int> boxes; // one pass, not instances_of() per image
    for (const auto& in : doc_.instances()) ++boxes[in.image];
    for (const auto& img : doc_.images()) {
        if (img.reviewed) ++c.reviewed;
        auto it = records_.find(img.id);
        const bool analysed = it != records_.end() ? it->second.analysis != nullptr : false;
        const bool failed = it != records_.end() && !analysed && !it->second.error.isEmpty();
        if (img.reviewed || analysed || (!failed && boxes.count(img.id))) ++c.analysed;
    }
    for (const auto& in : doc_.interactions()) {
        ++c.interactions;
        if (in.state == State::Accepted || in.state == State::Edited) ++c.accepted;
    }
    return c;
}

} // namespace hoi::ui
