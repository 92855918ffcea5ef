#include "cli.h"

#include "io/error.h"
#include "io/json_text.h"

#include <cstdio>
#include <iostream>
#include <sstream>

namespace hoi::cli {

Args::Args(std::string command, std::vector<std::string> argv)
    : command_(std::move(command)), argv_(std::move(argv)) {}

Args& Args::option(const std::string& name, const std::string& metavar, const std::string& help,
                   bool repeatable) {
    specs_.push_back({name, Spec{metavar, help, false, repeatable}});
    return *this;
}

Args& Args::flag(const std::string& name, const std::string& help) {
    specs_.push_back({name, Spec{"", help, true, false}});
    return *this;
}

Args& Args::positional(const std::string& name, const std::string& help, int min, int max) {
    positional_name_ = name;
    positional_help_ = help;
    pos_min_ = min;
    pos_max_ = max;
    return *this;
}

Args& Args::description(const std::string& text) {
    description_ = text;
    return *this;
}

const Args::Spec* Args::find(const std::string& name) const {
    for (const auto& [n, s] : specs_)
        if (n == name) return &s;
    return nullptr;
}

std::string Args::usage() const {
    std::ostringstream out;
    out << "usage: hoi " << command_;
    for (const auto& [n, s] : specs_) out << " [" << n << (s.is_flag ? "" : " " + s.metavar) << "]";
    if (!positional_name_.empty()) out << " " << positional_name_ << (pos_max_ != 1 ? "..." : "");
    out << "\n";
    if (!description_.empty()) out << "\n" << description_ << "\n";
    out << "\noptions:\n";
    for (const auto& [n, s] : specs_) {
        std::string lhs = n + (s.is_flag ? "" : " " + s.metavar);
        out << "  " << lhs << std::string(lhs.size() < 26 ? 26 - lhs.size() : 1, ' ') << s.help
            << (s.repeatable ? " (repeatable)" : "") << "\n";
    }
    out << "  --help                    show this help\n";
    if (!positional_name_.empty()) out << "\n  " << positional_name_ << ": " << positional_help_ << "\n";
    return out.str();
}

bool Args::parse() {
    bool only_positional = false;
    for (size_t i = 0; i < argv_.size(); ++i) {
        const std::string& a = argv_[i];
        if (only_positional || a.size() < 2 || a[0] != '-' || a == "-") {
            positionals_.push_back(a);
            continue;
        }
        if (a == "--") { only_positional = true; continue; }
        if (a == "--help" || a == "-h") {
            std::cout << usage();
            return false;
        }
        std::string name = a, value;
        bool inline_value = false;
        if (auto eq = a.find('='); eq != std::string::npos && a.rfind("--", 0) == 0) {
            name = a.substr(0, eq);
            value = a.substr(eq + 1);
            inline_value = true;
        }
        const Spec* s = find(name);
        if (!s) throw_usage("unknown option '" + name + "' (see hoi " + command_ + " --help)");
        if (s->is_flag) {
            if (inline_value) throw_usage("option '" + name + "' takes no value");
            values_[name].push_back("1");
            continue;
        }
        if (!inline_value) {
            if (i + 1 >= argv_.size())
                throw_usage("option '" + name + "' needs a value (" + s->metavar + ")");
            value = argv_[++i];
        }
        if (!s->repeatable && values_.count(name))
            throw_usage("option '" + name + "' given more than once");
        values_[name].push_back(value);
    }
    int n = static_cast<int>(positionals_.size());
    if (positional_name_.empty() && n > 0)
        throw_usage("unexpected argument '" + positionals_[0] + "'");
    if (n < pos_min_)
        throw_usage("expected " + (pos_min_ == 1 ? std::string("a ") : "at least " + std::to_string(pos_min_) + " ") +
                    positional_name_ + " argument (see hoi " + command_ + " --help)");
    if (pos_max_ >= 0 && n > pos_max_)
        throw_usage("too many arguments (at most " + std::to_string(pos_max_) + " " + positional_name_ + ")");
    return true;
}

bool Args::has(const std::string& name) const { return values_.count(name) > 0; }

std::string Args::get(const std::string& name, const std::string& fallback) const {
    auto it = values_.find(name);
    return it == values_.end() ? fallback : it->second.back();
}

std::vector<std::string> Args::all(const std::string& name) const {
    auto it = values_.find(name);
    return it == values_.end() ? std::vector<std::string>{} : it->second;
}

double Args::get_double(const std::string& name, double fallback) const {
    if (!has(name)) return fallback;
    const std::string v = get(name);
    try {
        size_t pos = 0;
        double d = std::stod(v, &pos);
        if (pos == v.size()) return d;
    } catch (...) {}
    throw_usage("option '" + name + "' expects a number, got '" + v + "'");
}

int Args::get_int(const std::string& name, int fallback) const {
    if (!has(name)) return fallback;
    const std::string v = get(name);
    try {
        size_t pos = 0;
        long d = std::stol(v, &pos);
        if (pos == v.size() && d >= INT32_MIN && d <= INT32_MAX) return static_cast<int>(d);
    } catch (...) {}
    throw_usage("option '" + name + "' expects an integer, got '" + v + "'");
}

static std::map<std::string, Command>& registry() {
    static std::map<std::string, Command> r;
    return r;
}

bool register_command(Command command) {
    std::string name = command.name;
    registry().emplace(name, std::move(command));
    return true;
}

const std::map<std::string, Command>& commands() { return registry(); }

std::string format_duration(double seconds) {
    if (!(seconds >= 0) || seconds > 1e7) return "?";
    long s = static_cast<long>(seconds + 0.5);
    char buf[32];
    if (s >= 3600) std::snprintf(buf, sizeof buf, "%ldh%02ldm", s / 3600, (s / 60) % 60);
    else if (s >= 60) std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
    else std::snprintf(buf, sizeof buf, "%lds", s);
    return buf;
}

void print_json(const nlohmann::json& j) { std::cout << io::dump_json(j, 2) << std::endl; }

} // namespace hoi::cli
