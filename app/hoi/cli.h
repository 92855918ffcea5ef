#pragma once
// The `hoi` command-line tool: subcommands register themselves (one cmd_*.cpp each).
// Contract: JSON on stdout, messages on stderr; exit 0 success, 2 bad usage, 3 bad input.
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace hoi::cli {

enum Exit { kOk = 0, kFailure = 1, kUsage = 2, kInput = 3, kCancelled = 130 };

// A small declarative argument parser. Options are declared before parse(); unknown options,
// missing values and missing required options are usage errors (hoi::Error(Usage)).
class Args {
public:
    Args(std::string command, std::vector<std::string> argv);

    // --name VALUE (or --name=VALUE); repeatable options collect every value.
    Args& option(const std::string& name, const std::string& metavar, const std::string& help,
                 bool repeatable = false);
    Args& flag(const std::string& name, const std::string& help);
    // Positional arguments: the name shown in usage; min/max counts (max -1 = unbounded).
    Args& positional(const std::string& name, const std::string& help, int min = 0, int max = -1);
    Args& description(const std::string& text);

    // Returns false when --help was given (usage already printed to stdout).
    bool parse();

    bool has(const std::string& name) const;
    std::string get(const std::string& name, const std::string& fallback = "") const;
    std::vector<std::string> all(const std::string& name) const;
    const std::vector<std::string>& positionals() const { return positionals_; }
    double get_double(const std::string& name, double fallback) const;
    int get_int(const std::string& name, int fallback) const;

    std::string usage() const;

private:
    struct Spec { std::string metavar, help; bool is_flag, repeatable; };
    std::string command_, description_, positional_name_, positional_help_;
    int pos_min_ = 0, pos_max_ = -1;
    std::vector<std::string> argv_;
    std::vector<std::pair<std::string, Spec>> specs_;
    std::map<std::string, std::vector<std::string>> values_;
    std::vector<std::string> positionals_;
    const Spec* find(const std::string& name) const;
};

struct Command {
    std::string name;
    std::string summary;
    std::function<int(std::vector<std::string>)> run; // args after the command name
};

// Registers a subcommand; call from a static initialiser (see HOI_REGISTER_COMMAND).
bool register_command(Command command);
const std::map<std::string, Command>& commands();

// A duration for progress lines: "42s", "3m05s", "1h02m"; "?" when unknown (negative, NaN, huge).
std::string format_duration(double seconds);

// Prints JSON to stdout (2-space indent, newline); names that are not UTF-8 escaped (io/names.h).
void print_json(const nlohmann::json& j);

} // namespace hoi::cli

#define HOI_CLI_CONCAT2(a, b) a##b
#define HOI_CLI_CONCAT(a, b) HOI_CLI_CONCAT2(a, b)
#define HOI_REGISTER_COMMAND(name, summary, fn)                                             \
    static const bool HOI_CLI_CONCAT(hoi_cmd_registered_, __LINE__) =                      \
        ::hoi::cli::register_command(::hoi::cli::Command{name, summary, fn})
