#pragma once
// Documents shared by the annotation tests.
#include "annotation/document.h"
#include "annotation/hico_vocabulary.h"
#include "annotation/project.h"

#include <set>
#include <string>
#include <tuple>

namespace hoi::test {

using namespace hoi::annotation;

inline Instance make_instance(Id image, Box box, ObjectClass cls, std::optional<double> score = std::nullopt,
                              std::optional<State> state = std::nullopt) {
    Instance x;
    x.image = image;
    x.box = box;
    x.cls = std::move(cls);
    x.score = score;
    x.state = state ? *state : (score ? State::Predicted : State::Accepted);
    return x;
}

inline Interaction make_interaction(Id s, Id o, const std::string& verb, std::optional<double> score = std::nullopt,
                                    std::optional<State> state = std::nullopt, const std::string& prompt = "") {
    Interaction x;
    x.subject = s;
    x.object = o;
    x.verb = verb;
    x.hico_verb = HicoVocabulary::instance().verb_id(verb);
    x.score = score;
    x.state = state ? *state : (score ? State::Predicted : State::Accepted);
    x.prompt = prompt;
    return x;
}

// A document with everything the model can hold: HICO and non-HICO verbs, a free-text class, every
// state, scores and no scores, prompts, an image without annotations, a reviewed image.
inline Project rich_project() {
    Project p;
    Document& d = p.document;
    Id a = d.add_image({0, "a.jpg", 640, 480, false});
    Id b = d.add_image({0, "sub/b.png", 320, 240, true});
    d.add_image({0, "c.jpg", 100, 100, true});
    Id p1 = d.add_instance(make_instance(a, {10.5, 20.25, 200, 400}, ObjectClass::coco(0), 0.875));
    Id horse = d.add_instance(make_instance(a, {150, 100, 600, 470}, ObjectClass::coco(17), 0.5));
    Id bike = d.add_instance(make_instance(a, {300, 200, 500, 450.75}, ObjectClass::coco(1)));
    Id p2 = d.add_instance(make_instance(b, {1, 2, 3, 4}, ObjectClass::coco(0), std::nullopt, State::Edited));
    Id pick = d.add_instance(make_instance(b, {5, 6, 7, 8}, ObjectClass::named("guitar pick")));
    d.add_instance(make_instance(b, {0, 0, 10, 10}, ObjectClass::coco(56), 0.25, State::Rejected));
    d.add_interaction(make_interaction(p1, horse, "ride", 0.75, std::nullopt, "ride horse"));
    d.add_interaction(make_interaction(p1, horse, "feed"));
    d.add_interaction(make_interaction(p1, bike, "juggle", 0.125, State::Accepted, "person juggling a bicycle"));
    d.add_interaction(make_interaction(p1, horse, "walk", 0.0625, State::Rejected, "walk horse"));
    d.add_interaction(make_interaction(p2, pick, "hold", std::nullopt, State::Edited, "hold, \"the\" pick\nnow"));
    p.settings.image_dir = "images";
    p.settings.prompts = {"ride horse", "walk horse"};
    p.settings.thresholds = {{"pair", 0.2}, {"detector", 0.35}};
    p.settings.models = {{"clip", "ViT-B-32.pt"}, {"detector", "nanodet"}};
    p.settings.templates = {"a photo of a person {verb} {object}"};
    return p;
}

// One interaction flattened to what every relation-carrying format keeps.
using Relation = std::tuple<std::string, double, double, double, double, double, double, double, double, int,
                            std::string, std::string>;
inline std::multiset<Relation> relations(const Document& d, bool only_hico = false) {
    std::multiset<Relation> out;
    for (const Interaction& x : d.interactions()) {
        const Instance* s = d.instance(x.subject);
        const Instance* o = d.instance(x.object);
        int verb = x.hico_verb >= 0 ? x.hico_verb : HicoVocabulary::instance().verb_id(x.verb);
        if (only_hico && verb < 0) continue;
        out.insert({d.image(x.image)->file_name, s->box.x1, s->box.y1, s->box.x2, s->box.y2, o->box.x1, o->box.y1,
                    o->box.x2, o->box.y2, o->cls.resolved_coco80(), o->cls.resolved_coco80() >= 0 ? "" : o->cls.label,
                    verb >= 0 ? HicoVocabulary::instance().verb_name(verb) : x.verb});
    }
    return out;
}

} // namespace hoi::test
