#include "io/json_text.h"

#include "io/names.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>

namespace hoi::io {

namespace {
double shortest(double v) {
    if (!std::isfinite(v) || v == std::floor(v)) return v;
    char buf[64];
    const float f = static_cast<float>(v);
    if (static_cast<double>(f) == v) {
        // A float widened to double: its own shortest digits.
        auto r = std::to_chars(buf, buf + sizeof buf - 1, f);
        *r.ptr = '\0';
    } else {
        std::snprintf(buf, sizeof buf, "%.15g", v);
    }
    return std::strtod(buf, nullptr);
}
} // namespace

nlohmann::json map_json(const nlohmann::json& j, const std::function<nlohmann::json(const nlohmann::json&)>& leaf,
                        const std::function<std::string(const std::string&)>& key) {
    if (j.is_array()) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& v : j) out.push_back(map_json(v, leaf, key));
        return out;
    }
    if (j.is_object()) {
        nlohmann::json out = nlohmann::json::object();
        for (auto it = j.begin(); it != j.end(); ++it) out[key ? key(it.key()) : it.key()] = map_json(it.value(), leaf, key);
        return out;
    }
    return leaf(j);
}

nlohmann::json shortest_numbers(const nlohmann::json& j) {
    return map_json(j, [](const nlohmann::json& v) { return v.is_number_float() ? nlohmann::json(shortest(v.get<double>())) : v; });
}

std::string dump_json(const nlohmann::json& j, int indent) { return shortest_numbers(json_safe(j)).dump(indent); }

std::string DuplicateKeys::path() const {
    std::string p;
    for (const auto& l : stack_) p += l.name;
    return p.empty() ? "the top-level object" : p;
}

bool DuplicateKeys::operator()(int, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using E = nlohmann::json::parse_event_t;
    auto child_name = [&]() -> std::string {
        if (stack_.empty()) return "";
        Level& top = stack_.back();
        if (top.object) return "." + pending_key_;
        return "[" + std::to_string(top.index++) + "]";
    };
    switch (event) {
    case E::object_start:
    case E::array_start: {
        Level l;
        l.object = event == E::object_start;
        l.name = child_name();
        stack_.push_back(std::move(l));
        break;
    }
    case E::object_end:
    case E::array_end:
        if (!stack_.empty()) stack_.pop_back();
        break;
    case E::key: {
        pending_key_ = parsed.is_string() ? parsed.get<std::string>() : std::string();
        if (stack_.empty()) break;
        if (!stack_.back().keys.insert(pending_key_).second)
            found_.push_back(source_ + ": key \"" + escape_name(pending_key_) + "\" appears twice in " + path() +
                             " (the last value is used)");
        break;
    }
    case E::value:
        if (!stack_.empty() && !stack_.back().object) ++stack_.back().index;
        break;
    }
    return true;
}

nlohmann::json parse_json_checked(std::string_view text, const std::string& source, const WarningSink& warn,
                                  int max_depth) {
    DuplicateKeys dup(source);
    nlohmann::json j = nlohmann::json::parse(
            text.begin(), text.end(), [&](int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
                if (max_depth > 0 && depth > max_depth) throw JsonTooDeep{depth};
                return dup(depth, event, parsed);
            });
    for (const auto& m : dup.found()) {
        if (warn) warn(m);
        else std::cerr << "warning: " << m << std::endl;
    }
    return j;
}

} // namespace hoi::io
