#include "annotation/document.h"

#include "annotation/coco_classes.h"
#include "io/error.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace hoi::annotation {

// ---- small value types --------------------------------------------------------------------

std::string_view to_string(State state) {
    switch (state) {
    case State::Predicted: return "predicted";
    case State::Accepted: return "accepted";
    case State::Rejected: return "rejected";
    case State::Edited: return "edited";
    }
    return "accepted";
}

std::optional<State> state_from_string(std::string_view name) {
    if (name == "predicted") return State::Predicted;
    if (name == "accepted") return State::Accepted;
    if (name == "rejected") return State::Rejected;
    if (name == "edited") return State::Edited;
    return std::nullopt;
}

double Box::area() const { return valid() ? width() * height() : 0.0; }

double iou(const Box& a, const Box& b) {
    const double iw = std::min(a.x2, b.x2) - std::max(a.x1, b.x1);
    const double ih = std::min(a.y2, b.y2) - std::max(a.y1, b.y1);
    if (!(iw > 0) || !(ih > 0)) return 0;
    const double inter = iw * ih;
    const double uni = a.area() + b.area() - inter;
    return uni > 0 ? inter / uni : 0;
}

bool Box::valid() const {
    return std::isfinite(x1) && std::isfinite(y1) && std::isfinite(x2) && std::isfinite(y2) && x1 <= x2 &&
           y1 <= y2;
}

std::string to_string(const Box& b) {
    std::ostringstream s;
    s.precision(17);
    s << "[" << b.x1 << ", " << b.y1 << ", " << b.x2 << ", " << b.y2 << "]";
    return s.str();
}

bool Image::operator==(const Image& o) const {
    return id == o.id && file_name == o.file_name && width == o.width && height == o.height &&
           reviewed == o.reviewed;
}

int ObjectClass::resolved_coco80() const { return coco80 >= 0 ? coco80 : coco80_from_name(label); }

ObjectClass ObjectClass::coco(int id) {
    if (id < 0 || id >= kCocoClasses)
        throw_input("COCO-80 class id " + std::to_string(id) + " is out of range 0..79");
    return ObjectClass{id, std::string(coco80_names()[static_cast<size_t>(id)])};
}

ObjectClass ObjectClass::named(std::string_view name) {
    int id = coco80_from_name(name);
    if (id >= 0) return coco(id);
    return ObjectClass{-1, std::string(name)};
}

bool Instance::operator==(const Instance& o) const {
    return id == o.id && image == o.image && box == o.box && cls == o.cls && score == o.score && state == o.state;
}

bool Interaction::operator==(const Interaction& o) const {
    return id == o.id && image == o.image && subject == o.subject && object == o.object && verb == o.verb &&
           hico_verb == o.hico_verb && score == o.score && state == o.state && prompt == o.prompt;
}

bool is_safe_relative_path(std::string_view p) {
    if (p.empty() || p.front() == '/' || p.back() == '/') return false;
    for (unsigned char c : p)
        if (c < 0x20 || c == 0x7f || c == '\\') return false;
    // Windows drive letters ("C:...") are absolute elsewhere; refuse them too.
    if (p.size() >= 2 && p[1] == ':') return false;
    size_t start = 0;
    while (start <= p.size()) {
        size_t end = p.find('/', start);
        if (end == std::string_view::npos) end = p.size();
        std::string_view part = p.substr(start, end - start);
        if (part.empty() || part == "." || part == "..") return false;
        start = end + 1;
    }
    return true;
}

// ---- Document -----------------------------------------------------------------------------

namespace {

void check_score(const std::optional<double>& score, const std::string& what) {
    if (score && !std::isfinite(*score)) throw_input(what + ": score must be a finite number");
}

void check_box(const Box& box, const std::string& what) {
    if (!box.valid())
        throw_input(what + ": box " + to_string(box) +
                    " is invalid (expected finite numbers with x1 <= x2 and y1 <= y2)");
}

template <class T>
void insert_at(std::vector<T>& v, size_t pos, const T& value) {
    v.insert(v.begin() + static_cast<std::ptrdiff_t>(std::min(pos, v.size())), value);
}

} // namespace

Document::Document(const Document& o)
    : images_(o.images_), instances_(o.instances_), interactions_(o.interactions_), image_pos_(o.image_pos_),
      instance_pos_(o.instance_pos_), interaction_pos_(o.interaction_pos_), next_(o.next_) {}

Document& Document::operator=(const Document& o) {
    if (this == &o) return *this;
    images_ = o.images_;
    instances_ = o.instances_;
    interactions_ = o.interactions_;
    image_pos_ = o.image_pos_;
    instance_pos_ = o.instance_pos_;
    interaction_pos_ = o.interaction_pos_;
    next_ = o.next_;
    notify(Change::Kind::Reset, 0, 0);
    return *this;
}

Document::Document(Document&& o) noexcept
    : images_(std::move(o.images_)), instances_(std::move(o.instances_)),
      interactions_(std::move(o.interactions_)), image_pos_(std::move(o.image_pos_)),
      instance_pos_(std::move(o.instance_pos_)), interaction_pos_(std::move(o.interaction_pos_)), next_(o.next_) {}

Document& Document::operator=(Document&& o) noexcept {
    if (this == &o) return *this;
    images_ = std::move(o.images_);
    instances_ = std::move(o.instances_);
    interactions_ = std::move(o.interactions_);
    image_pos_ = std::move(o.image_pos_);
    instance_pos_ = std::move(o.instance_pos_);
    interaction_pos_ = std::move(o.interaction_pos_);
    next_ = o.next_;
    try {
        notify(Change::Kind::Reset, 0, 0);
    } catch (...) {
        // An observer that throws on a move must not escape a noexcept function.
    }
    return *this;
}

const Image* Document::image(Id id) const {
    auto it = image_pos_.find(id);
    return it == image_pos_.end() ? nullptr : &images_[it->second];
}

const Instance* Document::instance(Id id) const {
    auto it = instance_pos_.find(id);
    return it == instance_pos_.end() ? nullptr : &instances_[it->second];
}

const Interaction* Document::interaction(Id id) const {
    auto it = interaction_pos_.find(id);
    return it == interaction_pos_.end() ? nullptr : &interactions_[it->second];
}

const Image* Document::image_by_file(std::string_view file_name) const {
    for (const auto& im : images_)
        if (im.file_name == file_name) return &im;
    return nullptr;
}

std::vector<const Instance*> Document::instances_of(Id image) const {
    std::vector<const Instance*> out;
    for (const auto& i : instances_)
        if (i.image == image) out.push_back(&i);
    return out;
}

std::vector<const Interaction*> Document::interactions_of(Id image) const {
    std::vector<const Interaction*> out;
    for (const auto& i : interactions_)
        if (i.image == image) out.push_back(&i);
    return out;
}

std::vector<const Interaction*> Document::interactions_with(Id instance) const {
    std::vector<const Interaction*> out;
    for (const auto& i : interactions_)
        if (i.subject == instance || i.object == instance) out.push_back(&i);
    return out;
}

size_t Document::image_index(Id id) const {
    auto it = image_pos_.find(id);
    if (it == image_pos_.end()) throw_input("no image with id " + std::to_string(id));
    return it->second;
}

size_t Document::instance_index(Id id) const {
    auto it = instance_pos_.find(id);
    if (it == instance_pos_.end()) throw_input("no instance with id " + std::to_string(id));
    return it->second;
}

size_t Document::interaction_index(Id id) const {
    auto it = interaction_pos_.find(id);
    if (it == interaction_pos_.end()) throw_input("no interaction with id " + std::to_string(id));
    return it->second;
}

void Document::reindex() {
    image_pos_.clear();
    instance_pos_.clear();
    interaction_pos_.clear();
    for (size_t i = 0; i < images_.size(); ++i) image_pos_[images_[i].id] = i;
    for (size_t i = 0; i < instances_.size(); ++i) instance_pos_[instances_[i].id] = i;
    for (size_t i = 0; i < interactions_.size(); ++i) interaction_pos_[interactions_[i].id] = i;
}

void Document::notify(Change::Kind kind, Id id, Id image) {
    if (observers_.empty()) return;
    Change c{kind, id, image};
    // Copy: an observer may remove itself (or others) while being called.
    auto observers = observers_;
    for (const auto& [handle, fn] : observers)
        if (fn) fn(c);
}

int Document::add_observer(Observer observer) {
    int h = next_observer_++;
    observers_.emplace_back(h, std::move(observer));
    return h;
}

void Document::remove_observer(int handle) {
    observers_.erase(std::remove_if(observers_.begin(), observers_.end(),
                                    [&](const auto& p) { return p.first == handle; }),
                     observers_.end());
}

// ---- images -------------------------------------------------------------------------------

Id Document::add_image(Image image) {
    if (image.id != 0) throw_input("add_image: a new image must have id 0 (got " + std::to_string(image.id) + ")");
    if (!is_safe_relative_path(image.file_name))
        throw_input("image file name '" + image.file_name +
                    "' is not a relative path inside the image folder (no absolute path, no '..')");
    if (image.width < 0 || image.height < 0)
        throw_input("image '" + image.file_name + "': width and height must not be negative");
    if (image_by_file(image.file_name)) throw_input("image '" + image.file_name + "' is already in the document");
    image.id = next_.image++;
    images_.push_back(image);
    image_pos_[image.id] = images_.size() - 1;
    notify(Change::Kind::ImageAdded, image.id, image.id);
    return image.id;
}

RemovedImage Document::remove_image(Id id) {
    size_t pos = image_index(id);
    RemovedImage r;
    r.image = images_[pos];
    r.position = pos;
    for (size_t i = 0; i < instances_.size(); ++i)
        if (instances_[i].image == id) r.instances.emplace_back(i, instances_[i]);
    for (size_t i = 0; i < interactions_.size(); ++i)
        if (interactions_[i].image == id) r.interactions.emplace_back(i, interactions_[i]);
    interactions_.erase(std::remove_if(interactions_.begin(), interactions_.end(),
                                       [&](const Interaction& x) { return x.image == id; }),
                        interactions_.end());
    instances_.erase(std::remove_if(instances_.begin(), instances_.end(),
                                    [&](const Instance& x) { return x.image == id; }),
                     instances_.end());
    images_.erase(images_.begin() + static_cast<std::ptrdiff_t>(pos));
    reindex();
    notify(Change::Kind::ImageRemoved, id, id);
    return r;
}

void Document::restore_image(const RemovedImage& r) {
    const Image& im = r.image;
    if (im.id <= 0 || im.id >= next_.image || image_pos_.count(im.id))
        throw_input("restore_image: image id " + std::to_string(im.id) + " was not removed from this document");
    if (image_by_file(im.file_name)) throw_input("restore_image: image '" + im.file_name + "' is already in the document");
    for (const auto& [p, x] : r.instances)
        if (x.id <= 0 || x.id >= next_.instance || instance_pos_.count(x.id))
            throw_input("restore_image: instance id " + std::to_string(x.id) + " is in use");
    for (const auto& [p, x] : r.interactions)
        if (x.id <= 0 || x.id >= next_.interaction || interaction_pos_.count(x.id))
            throw_input("restore_image: interaction id " + std::to_string(x.id) + " is in use");
    insert_at(images_, r.position, im);
    for (const auto& [p, x] : r.instances) insert_at(instances_, p, x);
    for (const auto& [p, x] : r.interactions) insert_at(interactions_, p, x);
    reindex();
    notify(Change::Kind::ImageAdded, im.id, im.id);
}

bool Document::set_image_reviewed(Id id, bool reviewed) {
    Image& im = images_[image_index(id)];
    bool old = im.reviewed;
    im.reviewed = reviewed;
    notify(Change::Kind::ImageChanged, id, id);
    return old;
}

std::pair<int, int> Document::set_image_size(Id id, int width, int height) {
    if (width < 0 || height < 0) throw_input("image size must not be negative");
    Image& im = images_[image_index(id)];
    std::pair<int, int> old{im.width, im.height};
    im.width = width;
    im.height = height;
    notify(Change::Kind::ImageChanged, id, id);
    return old;
}

// ---- instances ----------------------------------------------------------------------------

Id Document::add_instance(Instance inst) {
    if (inst.id != 0) throw_input("add_instance: a new instance must have id 0 (got " + std::to_string(inst.id) + ")");
    if (!image_pos_.count(inst.image)) throw_input("add_instance: no image with id " + std::to_string(inst.image));
    check_box(inst.box, "add_instance");
    check_score(inst.score, "add_instance");
    if (inst.cls.coco80 < -1 || inst.cls.coco80 >= kCocoClasses)
        throw_input("add_instance: COCO-80 class id " + std::to_string(inst.cls.coco80) + " is out of range 0..79");
    if (inst.cls.coco80 < 0 && inst.cls.label.empty())
        throw_input("add_instance: an instance needs a COCO class or a label");
    inst.id = next_.instance++;
    instances_.push_back(inst);
    instance_pos_[inst.id] = instances_.size() - 1;
    notify(Change::Kind::InstanceAdded, inst.id, inst.image);
    return inst.id;
}

RemovedInstance Document::remove_instance(Id id) {
    size_t pos = instance_index(id);
    RemovedInstance r;
    r.instance = instances_[pos];
    r.position = pos;
    for (size_t i = 0; i < interactions_.size(); ++i)
        if (interactions_[i].subject == id || interactions_[i].object == id)
            r.interactions.emplace_back(i, interactions_[i]);
    interactions_.erase(std::remove_if(interactions_.begin(), interactions_.end(),
                                       [&](const Interaction& x) { return x.subject == id || x.object == id; }),
                        interactions_.end());
    instances_.erase(instances_.begin() + static_cast<std::ptrdiff_t>(pos));
    reindex();
    for (const auto& [p, x] : r.interactions) notify(Change::Kind::InteractionRemoved, x.id, x.image);
    notify(Change::Kind::InstanceRemoved, id, r.instance.image);
    return r;
}

void Document::restore_instance(const RemovedInstance& r) {
    const Instance& x = r.instance;
    if (x.id <= 0 || x.id >= next_.instance || instance_pos_.count(x.id))
        throw_input("restore_instance: instance id " + std::to_string(x.id) + " was not removed from this document");
    if (!image_pos_.count(x.image)) throw_input("restore_instance: no image with id " + std::to_string(x.image));
    for (const auto& [p, i] : r.interactions) {
        if (i.id <= 0 || i.id >= next_.interaction || interaction_pos_.count(i.id))
            throw_input("restore_instance: interaction id " + std::to_string(i.id) + " is in use");
        Id other = i.subject == x.id ? i.object : i.subject;
        if (other != x.id && other != 0 && !instance_pos_.count(other))
            throw_input("restore_instance: interaction " + std::to_string(i.id) + " refers to instance " +
                        std::to_string(other) + ", which is not in the document");
    }
    insert_at(instances_, r.position, x);
    for (const auto& [p, i] : r.interactions) insert_at(interactions_, p, i);
    reindex();
    notify(Change::Kind::InstanceAdded, x.id, x.image);
    for (const auto& [p, i] : r.interactions) notify(Change::Kind::InteractionAdded, i.id, i.image);
}

Box Document::set_box(Id id, const Box& box) {
    check_box(box, "set_box");
    Instance& x = instances_[instance_index(id)];
    Box old = x.box;
    x.box = box;
    notify(Change::Kind::InstanceChanged, id, x.image);
    return old;
}

ObjectClass Document::set_class(Id id, const ObjectClass& cls) {
    if (cls.coco80 < -1 || cls.coco80 >= kCocoClasses)
        throw_input("set_class: COCO-80 class id " + std::to_string(cls.coco80) + " is out of range 0..79");
    if (cls.coco80 < 0 && cls.label.empty()) throw_input("set_class: a class needs a COCO id or a label");
    Instance& x = instances_[instance_index(id)];
    ObjectClass old = x.cls;
    x.cls = cls;
    notify(Change::Kind::InstanceChanged, id, x.image);
    return old;
}

State Document::set_instance_state(Id id, State state) {
    Instance& x = instances_[instance_index(id)];
    State old = x.state;
    x.state = state;
    notify(Change::Kind::InstanceChanged, id, x.image);
    return old;
}

std::optional<double> Document::set_instance_score(Id id, std::optional<double> score) {
    check_score(score, "set_instance_score");
    Instance& x = instances_[instance_index(id)];
    auto old = x.score;
    x.score = score;
    notify(Change::Kind::InstanceChanged, id, x.image);
    return old;
}

// ---- interactions -------------------------------------------------------------------------

void Document::check_interaction(const Interaction& i, const char* what) const {
    const Instance* s = instance(i.subject);
    const Instance* o = i.object ? instance(i.object) : nullptr; // object 0: a relation without an object
    if (!s) throw_input(std::string(what) + ": no subject instance with id " + std::to_string(i.subject));
    if (i.object && !o) throw_input(std::string(what) + ": no object instance with id " + std::to_string(i.object));
    if (i.subject == i.object) throw_input(std::string(what) + ": subject and object must be different instances");
    if (o && s->image != o->image)
        throw_input(std::string(what) + ": subject " + std::to_string(i.subject) + " and object " +
                    std::to_string(i.object) + " are in different images");
    if (i.image != 0 && i.image != s->image)
        throw_input(std::string(what) + ": interaction image " + std::to_string(i.image) +
                    " differs from its instances' image " + std::to_string(s->image));
    if (i.verb.empty()) throw_input(std::string(what) + ": the verb must not be empty");
    if (i.hico_verb < -1 || i.hico_verb > 116)
        throw_input(std::string(what) + ": HICO verb id " + std::to_string(i.hico_verb) + " is out of range 0..116");
    check_score(i.score, what);
}

Id Document::add_interaction(Interaction i) {
    if (i.id != 0) throw_input("add_interaction: a new interaction must have id 0 (got " + std::to_string(i.id) + ")");
    check_interaction(i, "add_interaction");
    i.image = instance(i.subject)->image;
    i.id = next_.interaction++;
    interactions_.push_back(i);
    interaction_pos_[i.id] = interactions_.size() - 1;
    notify(Change::Kind::InteractionAdded, i.id, i.image);
    return i.id;
}

RemovedInteraction Document::remove_interaction(Id id) {
    size_t pos = interaction_index(id);
    RemovedInteraction r{interactions_[pos], pos};
    interactions_.erase(interactions_.begin() + static_cast<std::ptrdiff_t>(pos));
    reindex();
    notify(Change::Kind::InteractionRemoved, id, r.interaction.image);
    return r;
}

void Document::restore_interaction(const RemovedInteraction& r) {
    const Interaction& i = r.interaction;
    if (i.id <= 0 || i.id >= next_.interaction || interaction_pos_.count(i.id))
        throw_input("restore_interaction: interaction id " + std::to_string(i.id) +
                    " was not removed from this document");
    check_interaction(i, "restore_interaction");
    insert_at(interactions_, r.position, i);
    reindex();
    notify(Change::Kind::InteractionAdded, i.id, i.image);
}

Document::Verb Document::set_verb(Id id, const Verb& verb) {
    if (verb.verb.empty()) throw_input("set_verb: the verb must not be empty");
    if (verb.hico_verb < -1 || verb.hico_verb > 116)
        throw_input("set_verb: HICO verb id " + std::to_string(verb.hico_verb) + " is out of range 0..116");
    Interaction& i = interactions_[interaction_index(id)];
    Verb old{i.verb, i.hico_verb};
    i.verb = verb.verb;
    i.hico_verb = verb.hico_verb;
    notify(Change::Kind::InteractionChanged, id, i.image);
    return old;
}

State Document::set_interaction_state(Id id, State state) {
    Interaction& i = interactions_[interaction_index(id)];
    State old = i.state;
    i.state = state;
    notify(Change::Kind::InteractionChanged, id, i.image);
    return old;
}

std::optional<double> Document::set_interaction_score(Id id, std::optional<double> score) {
    check_score(score, "set_interaction_score");
    Interaction& i = interactions_[interaction_index(id)];
    auto old = i.score;
    i.score = score;
    notify(Change::Kind::InteractionChanged, id, i.image);
    return old;
}

void Document::clear() {
    images_.clear();
    instances_.clear();
    interactions_.clear();
    reindex();
    notify(Change::Kind::Reset, 0, 0);
}

void Document::set_counters(const IdCounters& c) {
    Id max_image = 0, max_instance = 0, max_interaction = 0;
    for (const auto& x : images_) max_image = std::max(max_image, x.id);
    for (const auto& x : instances_) max_instance = std::max(max_instance, x.id);
    for (const auto& x : interactions_) max_interaction = std::max(max_interaction, x.id);
    if (c.image <= max_image || c.instance <= max_instance || c.interaction <= max_interaction)
        throw_input("next ids (" + std::to_string(c.image) + ", " + std::to_string(c.instance) + ", " +
                    std::to_string(c.interaction) + ") must be greater than the ids in use (" +
                    std::to_string(max_image) + ", " + std::to_string(max_instance) + ", " +
                    std::to_string(max_interaction) + ")");
    next_ = c;
}

bool Document::operator==(const Document& o) const {
    return images_ == o.images_ && instances_ == o.instances_ && interactions_ == o.interactions_;
}

} // namespace hoi::annotation

namespace hoi::annotation {

Document Document::from_parts(std::vector<Image> images, std::vector<Instance> instances,
                              std::vector<Interaction> interactions, std::optional<IdCounters> counters) {
    Document d;
    IdCounters next;
    for (const auto& im : images) {
        if (im.id <= 0) throw_input("image '" + im.file_name + "': id " + std::to_string(im.id) + " must be positive");
        if (!is_safe_relative_path(im.file_name))
            throw_input("image " + std::to_string(im.id) + ": file name '" + im.file_name +
                        "' is not a relative path inside the image folder");
        if (im.width < 0 || im.height < 0)
            throw_input("image " + std::to_string(im.id) + ": width and height must not be negative");
        if (!d.image_pos_.emplace(im.id, d.images_.size()).second)
            throw_input("duplicate image id " + std::to_string(im.id));
        if (d.image_by_file(im.file_name)) throw_input("duplicate image file name '" + im.file_name + "'");
        d.images_.push_back(im);
        next.image = std::max(next.image, im.id + 1);
    }
    for (const auto& x : instances) {
        const std::string what = "instance " + std::to_string(x.id);
        if (x.id <= 0) throw_input(what + ": id must be positive");
        if (!d.image_pos_.count(x.image)) throw_input(what + ": no image with id " + std::to_string(x.image));
        check_box(x.box, what);
        check_score(x.score, what);
        if (x.cls.coco80 < -1 || x.cls.coco80 >= kCocoClasses)
            throw_input(what + ": COCO-80 class id " + std::to_string(x.cls.coco80) + " is out of range 0..79");
        if (x.cls.coco80 < 0 && x.cls.label.empty()) throw_input(what + ": needs a COCO class or a label");
        if (!d.instance_pos_.emplace(x.id, d.instances_.size()).second)
            throw_input("duplicate instance id " + std::to_string(x.id));
        d.instances_.push_back(x);
        next.instance = std::max(next.instance, x.id + 1);
    }
    for (const auto& i : interactions) {
        const std::string what = "interaction " + std::to_string(i.id);
        if (i.id <= 0) throw_input(what + ": id must be positive");
        d.check_interaction(i, what.c_str());
        if (i.image == 0) throw_input(what + ": missing image id");
        if (!d.interaction_pos_.emplace(i.id, d.interactions_.size()).second)
            throw_input("duplicate interaction id " + std::to_string(i.id));
        d.interactions_.push_back(i);
        next.interaction = std::max(next.interaction, i.id + 1);
    }
    d.next_ = next;
    if (counters) d.set_counters(*counters);
    return d;
}

} // namespace hoi::annotation
