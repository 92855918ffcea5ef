#include "annotation/vcoco_vocabulary.h"

#include <cctype>

namespace hoi::annotation::vcoco {

const std::vector<Action>& actions() {
    static const std::vector<Action> kList = {
            {"hold", {"obj"}},      {"stand", {}},           {"sit", {"instr"}},
            {"ride", {"instr"}},    {"walk", {}},            {"look", {"obj"}},
            {"hit", {"instr", "obj"}}, {"eat", {"obj", "instr"}}, {"jump", {"instr"}},
            {"lay", {"instr"}},     {"talk_on_phone", {"instr"}}, {"carry", {"obj"}},
            {"throw", {"obj"}},     {"catch", {"obj"}},      {"cut", {"instr", "obj"}},
            {"run", {}},            {"work_on_computer", {"instr"}}, {"ski", {"instr"}},
            {"surf", {"instr"}},    {"skateboard", {"instr"}}, {"smile", {}},
            {"drink", {"instr"}},   {"kick", {"obj"}},       {"point", {"instr"}},
            {"read", {"obj"}},      {"snowboard", {"instr"}}};
    return kList;
}

const std::vector<VerbClass>& verb_classes() {
    static const std::vector<VerbClass> kList = [] {
        std::vector<VerbClass> v;
        const auto& a = actions();
        for (int i = 0; i < int(a.size()); ++i) {
            if (a[size_t(i)].roles.empty()) v.push_back({a[size_t(i)].name, i, -1});
            for (int r = 0; r < int(a[size_t(i)].roles.size()); ++r)
                v.push_back({a[size_t(i)].name + "_" + a[size_t(i)].roles[size_t(r)], i, r});
        }
        return v;
    }();
    return kList;
}

int verb_class_of(int action, int role) {
    const auto& v = verb_classes();
    for (int k = 0; k < int(v.size()); ++k)
        if (v[size_t(k)].action == action && v[size_t(k)].role == role) return k;
    return -1;
}

int verb_class_id(std::string_view name) {
    std::string key;
    for (char c : name) key += c == ' ' || c == '-' ? '_' : char(std::tolower(static_cast<unsigned char>(c)));
    const auto& v = verb_classes();
    for (int k = 0; k < int(v.size()); ++k)
        if (v[size_t(k)].name == key) return k;
    return -1;
}

} // namespace hoi::annotation::vcoco
