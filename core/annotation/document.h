#pragma once
// The annotation document: images, instances (boxes with a class) and interactions
// (subject instance, object instance or none, verb), each with a stable id and a review state.
//
// Ids are positive 64-bit integers, unique per kind (image / instance / interaction) and never
// reused within a document: every add_* hands out a fresh id from a per-kind counter that only
// grows. restore_* (used by undo) puts an object back under the id it had before it was removed;
// that is the same object coming back, not a reuse.
//
// Every mutation notifies the observers (plain std::function callbacks) after the change, so views
// can refresh; every mutation returns what is needed to invert it exactly (the old value or the
// removed objects with their positions), so a QUndoCommand can undo/redo without copying the
// document. Mutations validate their arguments and throw hoi::Error(Input) on a bad id, box or
// reference; the document is unchanged then.
//
// Qt-free and torch-free.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace hoi::annotation {

using Id = std::int64_t; // > 0; 0 means "none"

// Review state of an instance or an interaction.
enum class State {
    Predicted, // produced by a model, not looked at yet
    Accepted,  // confirmed by a person (also: ground truth imported from a dataset)
    Rejected,  // dismissed by a person (kept so it is not proposed again)
    Edited,    // changed by a person (box, class or verb)
};
// "predicted", "accepted", "rejected", "edited".
std::string_view to_string(State state);
// Parses the names above; std::nullopt for anything else.
std::optional<State> state_from_string(std::string_view name);

// An axis-aligned box in image pixels, x1 <= x2 and y1 <= y2.
struct Box {
    double x1 = 0, y1 = 0, x2 = 0, y2 = 0;
    double width() const { return x2 - x1; }
    double height() const { return y2 - y1; }
    double area() const;
    // All four numbers finite, x1 <= x2, y1 <= y2.
    bool valid() const;
    bool operator==(const Box& o) const { return x1 == o.x1 && y1 == o.y1 && x2 == o.x2 && y2 == o.y2; }
    bool operator!=(const Box& o) const { return !(*this == o); }
};
// "[x1, y1, x2, y2]" for messages.
std::string to_string(const Box& box);
// Intersection over union of two boxes (continuous coordinates); 0 when either has no area.
double iou(const Box& a, const Box& b);

struct Image {
    Id id = 0;
    std::string file_name; // relative to the image folder, '/'-separated; never absolute or "../"
    int width = 0;         // pixels; 0 = unknown
    int height = 0;
    bool reviewed = false; // a person marked the image as done
    bool operator==(const Image& o) const;
    bool operator!=(const Image& o) const { return !(*this == o); }
};

// The class of an instance: a COCO-80 id (0 = person) and/or a free-text label.
// For a COCO class the label is its COCO name ("sports ball"); for a class outside COCO the
// id is -1 and the label carries the name ("guitar pick").
struct ObjectClass {
    int coco80 = -1;
    std::string label;
    bool is_person() const { return coco80 == 0; }
    // coco80 when >= 0, else the COCO-80 id whose name matches the label, else -1.
    int resolved_coco80() const;
    // A COCO class from its id (label = the COCO name). Throws Error(Input) when out of range.
    static ObjectClass coco(int coco80);
    // A class from a name: the COCO class when the name is one (any case, '_' or ' '), else free text.
    static ObjectClass named(std::string_view name);
    bool operator==(const ObjectClass& o) const { return coco80 == o.coco80 && label == o.label; }
    bool operator!=(const ObjectClass& o) const { return !(*this == o); }
};

struct Instance {
    Id id = 0;
    Id image = 0;                // the image it belongs to
    Box box;
    ObjectClass cls;
    std::optional<double> score; // detector confidence; absent for boxes drawn by a person
    State state = State::Accepted;
    bool operator==(const Instance& o) const;
    bool operator!=(const Instance& o) const { return !(*this == o); }
};

struct Interaction {
    Id id = 0;
    Id image = 0;   // the image of both instances (kept equal to theirs)
    Id subject = 0; // instance id (the human)
    Id object = 0;  // instance id; 0 = a relation without an object (V-COCO's "stand", or a role
                    // whose object is not visible): consumers must not look it up as an instance
    std::string verb;            // free text; HICO verbs use HICO's spelling ("sit_on")
    int hico_verb = -1;          // 0-based HICO verb id (0..116) when the verb is one of HICO's, else -1
    std::optional<double> score; // model score; absent for interactions added by a person
    State state = State::Accepted;
    std::string prompt;          // the prompt text the prediction came from ("" when none)
    bool operator==(const Interaction& o) const;
    bool operator!=(const Interaction& o) const { return !(*this == o); }
};

// What a change notification is about.
struct Change {
    enum class Kind {
        ImageAdded, ImageRemoved, ImageChanged,
        InstanceAdded, InstanceRemoved, InstanceChanged,
        InteractionAdded, InteractionRemoved, InteractionChanged,
        Reset, // the whole document was replaced (load, clear, assignment)
    };
    Kind kind = Kind::Reset;
    Id id = 0;    // the image / instance / interaction concerned (0 for Reset)
    Id image = 0; // the image it belongs to (0 for Reset)
};
using Observer = std::function<void(const Change&)>;

// What remove_instance took out, enough to put everything back exactly (restore_instance).
struct RemovedInstance {
    Instance instance;
    size_t position = 0;                                       // index in instances()
    std::vector<std::pair<size_t, Interaction>> interactions; // (index in interactions(), value), ascending
};
struct RemovedInteraction {
    Interaction interaction;
    size_t position = 0;
};
struct RemovedImage {
    Image image;
    size_t position = 0;
    std::vector<std::pair<size_t, Instance>> instances;
    std::vector<std::pair<size_t, Interaction>> interactions;
};

// Next id of each kind (persisted by the project file so ids stay unique across sessions).
struct IdCounters {
    Id image = 1, instance = 1, interaction = 1;
    bool operator==(const IdCounters& o) const {
        return image == o.image && instance == o.instance && interaction == o.interaction;
    }
};

class Document {
public:
    Document() = default;
    // Copies and moves carry the content and the id counters, never the observers.
    Document(const Document& other);
    Document& operator=(const Document& other);
    Document(Document&& other) noexcept;
    Document& operator=(Document&& other) noexcept;

    // ---- reading --------------------------------------------------------------------------
    const std::vector<Image>& images() const { return images_; }
    const std::vector<Instance>& instances() const { return instances_; }
    const std::vector<Interaction>& interactions() const { return interactions_; }
    const Image* image(Id id) const;             // nullptr when absent
    const Instance* instance(Id id) const;
    const Interaction* interaction(Id id) const;
    const Image* image_by_file(std::string_view file_name) const;
    std::vector<const Instance*> instances_of(Id image) const;         // document order
    std::vector<const Interaction*> interactions_of(Id image) const;   // document order
    std::vector<const Interaction*> interactions_with(Id instance) const; // as subject or object
    bool empty() const { return images_.empty(); }
    const IdCounters& counters() const { return next_; }

    // ---- mutations (each notifies the observers) -----------------------------------------
    // Adds an image; image.id must be 0 (a fresh id is assigned) and the file name must be a safe
    // relative path not used by another image. Returns the id.
    Id add_image(Image image);
    RemovedImage remove_image(Id id); // with its instances and interactions
    void restore_image(const RemovedImage& removed);
    bool set_image_reviewed(Id id, bool reviewed);  // returns the old value
    std::pair<int, int> set_image_size(Id id, int width, int height); // returns the old size

    // Adds an instance to an existing image (instance.id must be 0; box must be valid).
    Id add_instance(Instance instance);
    // Removes an instance and every interaction that refers to it.
    RemovedInstance remove_instance(Id id);
    // Puts a removed instance and its interactions back at their old positions with their old ids.
    void restore_instance(const RemovedInstance& removed);
    Box set_box(Id instance, const Box& box);                  // returns the old box
    ObjectClass set_class(Id instance, const ObjectClass& cls); // returns the old class
    State set_instance_state(Id instance, State state);        // returns the old state
    std::optional<double> set_instance_score(Id instance, std::optional<double> score);

    // Adds an interaction between two distinct instances of the same image, or of a subject alone
    // (object 0) (interaction.id must be 0; interaction.image may be 0 and is filled in). Returns the id.
    Id add_interaction(Interaction interaction);
    RemovedInteraction remove_interaction(Id id);
    void restore_interaction(const RemovedInteraction& removed);
    struct Verb {
        std::string verb;
        int hico_verb = -1;
        bool operator==(const Verb& o) const { return verb == o.verb && hico_verb == o.hico_verb; }
    };
    Verb set_verb(Id interaction, const Verb& verb); // returns the old verb
    State set_interaction_state(Id interaction, State state); // returns the old state
    std::optional<double> set_interaction_score(Id interaction, std::optional<double> score);

    // Removes everything (counters keep growing, so ids stay unique). Notifies Reset.
    void clear();

    // Used by importers and the project loader: sets the counters, which must be greater than
    // every id in use. Throws Error(Input) otherwise.
    void set_counters(const IdCounters& counters);

    // Builds a document from complete lists that carry their ids (the project loader). Checks that
    // every id is positive and unique, every reference resolves, boxes, scores and file names are
    // valid; throws Error(Input) naming the first problem. Counters default to max id + 1.
    static Document from_parts(std::vector<Image> images, std::vector<Instance> instances,
                               std::vector<Interaction> interactions,
                               std::optional<IdCounters> counters = std::nullopt);

    // ---- observers -------------------------------------------------------------------------
    int add_observer(Observer observer); // returns a handle for remove_observer
    void remove_observer(int handle);

    // Deep equality of the content (images, instances, interactions, in order, with ids).
    // Observers and id counters are not compared.
    bool operator==(const Document& other) const;
    bool operator!=(const Document& other) const { return !(*this == other); }

private:
    void notify(Change::Kind kind, Id id, Id image);
    void reindex();
    size_t image_index(Id id) const;       // throws Error(Input) when absent
    size_t instance_index(Id id) const;
    size_t interaction_index(Id id) const;
    void check_interaction(const Interaction& i, const char* what) const;

    std::vector<Image> images_;
    std::vector<Instance> instances_;
    std::vector<Interaction> interactions_;
    std::unordered_map<Id, size_t> image_pos_, instance_pos_, interaction_pos_;
    IdCounters next_;
    std::vector<std::pair<int, Observer>> observers_;
    int next_observer_ = 1;
};

// True when a file name is a safe relative path inside the image folder: not empty, not
// absolute, no "..", "." or empty components, no backslash, no NUL or control characters.
bool is_safe_relative_path(std::string_view file_name);

} // namespace hoi::annotation
