#pragma once
// JSON text in and out. Out: numbers as the shortest decimal that reads back to the value meant
// (a float's own shortest digits, 0.7 not 0.699999988079071; a double to 15 significant digits,
// 1 not 1.0000000000000002), strings made UTF-8 (io::json_safe). In: a key that appears twice in one
// object is reported (nlohmann keeps the last value silently).
#include <functional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

namespace hoi::io {

// A copy of j with every value that is not an array or object replaced by leaf(value) and every
// key by key(name) (nullptr: unchanged): the one walk the output transformations share.
nlohmann::json map_json(const nlohmann::json& j, const std::function<nlohmann::json(const nlohmann::json&)>& leaf,
                        const std::function<std::string(const std::string&)>& key = nullptr);

// A copy of j with every floating-point number replaced by the double of its shortest decimal
// (see above); integers, strings and structure unchanged.
nlohmann::json shortest_numbers(const nlohmann::json& j);

// shortest_numbers(json_safe(j)).dump(indent): how every file and every stdout document is written.
std::string dump_json(const nlohmann::json& j, int indent = -1);

// Watches a parse (as nlohmann's parser callback) for keys repeated in one object; each is
// described as "SOURCE: key \"K\" appears twice in PATH (the last value is used)".
class DuplicateKeys {
public:
    explicit DuplicateKeys(std::string source) : source_(std::move(source)) {}
    bool operator()(int depth, nlohmann::json::parse_event_t event, nlohmann::json& parsed);
    const std::vector<std::string>& found() const { return found_; }

private:
    struct Level {
        bool object = false;
        std::unordered_set<std::string> keys; // keys seen (objects) so far
        std::string name;              // how the parent names this level
        size_t index = 0;              // arrays: the next element's index
    };
    std::string path() const;
    std::string source_;
    std::vector<Level> stack_;
    std::string pending_key_;
    std::vector<std::string> found_;
};

// The warning sink of parse_json_checked: default (nullptr) writes "warning: MESSAGE" to stderr.
using WarningSink = std::function<void(const std::string&)>;

// Thrown by parse_json_checked for nesting deeper than its max_depth.
struct JsonTooDeep {
    int depth;
};

// nlohmann::json::parse(text) (its exceptions unchanged), telling `warn` about every duplicate key;
// max_depth > 0: throws JsonTooDeep past that nesting.
nlohmann::json parse_json_checked(std::string_view text, const std::string& source, const WarningSink& warn = nullptr,
                                  int max_depth = 0);

} // namespace hoi::io
