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
        if (!loading_) setModified(true);
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

int Workspace::promptIndex(Id image, const std::string& promptText) const {
    const ImageRecord* r = record(image);
    if (!r || !r->analysis) return -1;
    const auto& prompts = r->analysis->prompts;
    for (size_t i = 0; i < prompts.size(); ++i)
        if (prompts[i].text == promptText) return int(i);
    return -1;
}

void Workspace::applyAnalysis(Id image, AnalysisPtr analysis, double keepScore) {
    if (!analysis || !doc_.image(image)) return;
    ImageRecord& rec = records_[image];
    rec.error.clear();
    struct Applying {
        bool& flag;
        explicit Applying(bool& f) : flag(f) { flag = true; }
        ~Applying() { flag = false; }
    } applying(applying_);
    const bool first = !rec.analysis || rec.detectionInstance.size() != analysis->detections.size();
    const bool wasModified = modified_;
    // Image size from the analysis.
    const annotation::Image* img = doc_.image(image);
    if (analysis->width > 0 && (img->width != analysis->width || img->height != analysis->height))
        doc_.set_image_size(image, analysis->width, analysis->height);
    if (first) {
        // Replace earlier predicted instances (and their predicted interactions) of this image.
        std::vector<Id> stale;
        for (const auto* inst : doc_.instances_of(image))
            if (inst->state == State::Predicted && doc_.interactions_with(inst->id).empty()) stale.push_back(inst->id);
        for (Id id : stale) doc_.remove_instance(id);
        rec.detectionInstance.assign(analysis->detections.size(), 0);
        for (size_t i = 0; i < analysis->detections.size(); ++i) {
            const auto& d = analysis->detections[i];
            annotation::Instance inst;
            inst.image = image;
            inst.box = {d.x1, d.y1, d.x2, d.y2};
            if (!inst.box.valid() || inst.box.width() <= 0 || inst.box.height() <= 0) continue;
            inst.cls = annotation::ObjectClass::coco(d.class_id);
            inst.score = d.score;
            inst.state = State::Predicted;
            rec.detectionInstance[i] = doc_.add_instance(inst);
        }
    }
    rec.analysis = analysis;

    // Existing interactions of this image keyed by (subject, object, prompt).
    struct Key {
        Id s, o;
        std::string prompt;
        bool operator<(const Key& k) const { return std::tie(s, o, prompt) < std::tie(k.s, k.o, k.prompt); }
    };
    std::map<Key, Id> existing;
    std::set<std::tuple<Id, Id, std::string>> reviewedVerbs;
    for (const auto* it : doc_.interactions_of(image)) {
        existing[{it->subject, it->object, it->prompt}] = it->id;
        if (it->state != State::Predicted) reviewedVerbs.insert({it->subject, it->object, it->verb});
    }
    std::set<Id> produced;
    if (analysis->scored) {
        const auto& vocab = annotation::HicoVocabulary::instance();
        for (size_t p = 0; p < analysis->pairs.size(); ++p) {
            const auto& pair = analysis->pairs[p];
            if (pair.human < 0 || pair.object < 0) continue;
            const Id s = rec.detectionInstance.at(pair.human), o = rec.detectionInstance.at(pair.object);
            if (!s || !o || !doc_.instance(s) || !doc_.instance(o)) continue;
            for (size_t q = 0; q < analysis->prompts.size(); ++q) {
                const auto& prompt = analysis->prompts[q];
                if (prompt.no_interaction) continue;
                const auto& sc = analysis->score(int(p), int(q));
                if (!sc.applies) continue;
                auto found = existing.find({s, o, prompt.text});
                if (found != existing.end()) {
                    const annotation::Interaction* cur = doc_.interaction(found->second);
                    if (cur->state == State::Predicted && sc.final < keepScore) continue; // removed below
                    produced.insert(found->second);
                    if (!cur->score || *cur->score != double(sc.final)) doc_.set_interaction_score(found->second, double(sc.final));
                    continue;
                }
                if (sc.final < keepScore) continue;
                std::string verb = prompt.verb_id >= 0 ? vocab.verb_name(prompt.verb_id) : prompt.verb;
                if (reviewedVerbs.count({s, o, verb})) continue; // a person already decided on this one
                annotation::Interaction in;
                in.image = image;
                in.subject = s;
                in.object = o;
                in.verb = verb;
                in.hico_verb = prompt.verb_id;
                in.score = sc.final;
                in.state = State::Predicted;
                in.prompt = prompt.text;
                produced.insert(doc_.add_interaction(in));
            }
        }
    }
    std::vector<Id> drop;
    for (const auto* it : doc_.interactions_of(image))
        if (it->state == State::Predicted && !produced.count(it->id) && it->score) drop.push_back(it->id);
    for (Id id : drop) doc_.remove_interaction(id);
    // Model output alone does not make the document "modified by a person", but it does need saving
    // when it was the first analysis of the image.
    if (!first && !wasModified) setModified(false);
    applying_ = false;
    Q_EMIT analysisApplied(image);
}

Workspace::Counts Workspace::counts() const {
    Counts c;
    c.images = int(doc_.images().size());
    for (const auto& img : doc_.images()) {
        if (img.reviewed) ++c.reviewed;
        const ImageStatus s = status(img.id);
        if (s == ImageStatus::Predicted || s == ImageStatus::Reviewed) ++c.analysed;
    }
    for (const auto& in : doc_.interactions()) {
        ++c.interactions;
        if (in.state == State::Accepted || in.state == State::Edited) ++c.accepted;
    }
    return c;
}

} // namespace hoi::ui
