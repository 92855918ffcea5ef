#include "annotation/problems.h"

#include "io/error.h"
#include "io/json_text.h"

#include <cmath>

namespace hoi::annotation::detail {
namespace {

constexpr int kMaxJsonDepth = 256;

std::string type_name(const json& v) {
    switch (v.type()) {
    case json::value_t::null: return "null";
    case json::value_t::object: return "an object";
    case json::value_t::array: return "an array";
    case json::value_t::string: return "a string";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return "an integer";
    case json::value_t::number_float: return "a number";
    default: return "an unsupported value";
    }
}

std::string shown(const json& v) {
    std::string s = v.dump();
    if (s.size() > 40) s = s.substr(0, 37) + "...";
    return s;
}

} // namespace

void Problems::add(std::string where, std::string message) {
    ++total_;
    if (list_.size() < kMaxKept) list_.push_back(Problem{file_, std::move(where), std::move(message)});
}

void Problems::throw_if_any() const {
    if (total_ == 0) return;
    std::string msg = file_ + ": " + std::to_string(total_) + (total_ == 1 ? " problem" : " problems") +
                      ", nothing was loaded:";
    const size_t shown_max = 20;
    for (size_t i = 0; i < list_.size() && i < shown_max; ++i)
        msg += "\n  " + (list_[i].where.empty() ? "" : list_[i].where + ": ") + list_[i].message;
    if (total_ > shown_max) msg += "\n  ... and " + std::to_string(total_ - shown_max) + " more";
    throw_input(msg);
}

std::string line_column(std::string_view text, size_t offset) {
    offset = std::min(offset, text.size());
    size_t line = 1, col = 1;
    for (size_t i = 0; i < offset; ++i) {
        if (text[i] == '\n') {
            ++line;
            col = 1;
        } else {
            ++col;
        }
    }
    return "line " + std::to_string(line) + ", column " + std::to_string(col);
}

bool parse_json(std::string_view text, Problems& problems, json& out) {
    try {
        out = io::parse_json_checked(text, problems.file(), nullptr, kMaxJsonDepth);
        return true;
    } catch (const json::parse_error& e) {
        // e.byte is 1-based: the position of the character that could not be read.
        size_t offset = e.byte > 0 ? e.byte - 1 : 0;
        std::string what = e.what();
        if (auto p = what.find("column"); p != std::string::npos)
            if (auto c = what.find(": ", p); c != std::string::npos) what = what.substr(c + 2);
        problems.add(line_column(text, offset), "invalid JSON: " + what);
    } catch (const io::JsonTooDeep&) {
        problems.add("", "invalid JSON: nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
    } catch (const json::out_of_range& e) {
        std::string what = e.what();
        if (auto c = what.find("] "); c != std::string::npos) what = what.substr(c + 2);
        problems.add("", "invalid JSON: " + what + " (numbers must be finite)");
    } catch (const json::exception& e) {
        problems.add("", std::string("invalid JSON: ") + e.what());
    }
    out = json();
    return false;
}

const json* member(const json& object, const char* key, const std::string& path, Problems& problems,
                   bool required) {
    if (!object.is_object()) return nullptr;
    auto it = object.find(key);
    if (it == object.end()) {
        if (required)
            problems.add(path.empty() ? "(top level)" : path, std::string("missing key \"") + key + "\"");
        return nullptr;
    }
    return &*it;
}

bool expect_object(const json& v, const std::string& path, Problems& problems) {
    if (v.is_object()) return true;
    problems.add(path.empty() ? "(top level)" : path, "expected an object, got " + type_name(v));
    return false;
}

bool expect_array(const json& v, const std::string& path, Problems& problems) {
    if (v.is_array()) return true;
    problems.add(path.empty() ? "(top level)" : path, "expected an array, got " + type_name(v));
    return false;
}

bool read_int(const json& v, const std::string& path, Problems& problems, long long min, long long max,
              long long& out) {
    long long x = 0;
    if (v.is_number_integer() && !v.is_number_unsigned()) {
        x = v.get<long long>();
    } else if (v.is_number_unsigned()) {
        auto u = v.get<unsigned long long>();
        if (u > static_cast<unsigned long long>(max)) {
            problems.add(path, "value " + shown(v) + " is out of range " + std::to_string(min) + ".." +
                                   std::to_string(max));
            return false;
        }
        x = static_cast<long long>(u);
    } else if (v.is_number_float() && std::isfinite(v.get<double>()) && v.get<double>() == std::floor(v.get<double>()) &&
               std::fabs(v.get<double>()) < 9.0e15) {
        x = static_cast<long long>(v.get<double>()); // 3.0 is accepted as 3
    } else {
        problems.add(path, "expected an integer, got " + type_name(v) + " " + shown(v));
        return false;
    }
    if (x < min || x > max) {
        problems.add(path, "value " + std::to_string(x) + " is out of range " + std::to_string(min) + ".." +
                               std::to_string(max));
        return false;
    }
    out = x;
    return true;
}

bool read_number(const json& v, const std::string& path, Problems& problems, double& out) {
    if (!v.is_number()) {
        problems.add(path, "expected a number, got " + type_name(v) + " " + shown(v));
        return false;
    }
    double d = v.get<double>();
    if (!std::isfinite(d)) {
        problems.add(path, "expected a finite number, got " + shown(v));
        return false;
    }
    out = d;
    return true;
}

bool read_string(const json& v, const std::string& path, Problems& problems, std::string& out) {
    if (!v.is_string()) {
        problems.add(path, "expected a string, got " + type_name(v));
        return false;
    }
    out = v.get<std::string>();
    return true;
}

bool read_bool(const json& v, const std::string& path, Problems& problems, bool& out) {
    if (!v.is_boolean()) {
        problems.add(path, "expected true or false, got " + type_name(v));
        return false;
    }
    out = v.get<bool>();
    return true;
}

bool read_box_xyxy(const json& v, const std::string& path, Problems& problems, Box& out) {
    if (!v.is_array() || v.size() != 4) {
        problems.add(path, "expected a box [x1, y1, x2, y2] of 4 numbers, got " + type_name(v) +
                               (v.is_array() ? " of " + std::to_string(v.size()) + " values" : ""));
        return false;
    }
    double c[4];
    bool ok = true;
    for (size_t i = 0; i < 4; ++i) ok &= read_number(v[i], at(path, i), problems, c[i]);
    if (!ok) return false;
    Box b{c[0], c[1], c[2], c[3]};
    if (b.x2 < b.x1 || b.y2 < b.y1) {
        problems.add(path, "box " + to_string(b) + " has " + (b.x2 < b.x1 ? "x2 < x1" : "y2 < y1") +
                               " (expected [x1, y1, x2, y2] with x1 <= x2 and y1 <= y2)");
        return false;
    }
    out = b;
    return true;
}

bool read_file_name(const json& v, const std::string& path, Problems& problems, std::string& out) {
    std::string s;
    if (!read_string(v, path, problems, s)) return false;
    if (!is_safe_relative_path(s)) {
        problems.add(path, "file name \"" + s +
                               "\" is not a relative path inside the image folder (absolute paths, '..', "
                               "empty parts and backslashes are refused)");
        return false;
    }
    out = std::move(s);
    return true;
}

bool read_optional_score(const json& object, const std::string& path, Problems& problems,
                         std::optional<double>& out) {
    out.reset();
    const json* s = member(object, "score", path, problems, false);
    if (!s || s->is_null()) return true;
    double d = 0;
    if (!read_number(*s, at(path, "score"), problems, d)) return false;
    out = d;
    return true;
}

std::string format_number(double value) { return json(value).dump(); }

} // namespace hoi::annotation::detail
