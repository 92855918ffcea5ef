#pragma once
// Internal: collecting the problems of one input file, and checked reading of JSON values.
// Every reader adds a precise problem ({file, where, message}) and returns false instead of throwing,
// so an importer can report every problem of a file at once.
#include "annotation/document.h"
#include "annotation/formats.h"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace hoi::annotation::detail {

using nlohmann::json;

class Problems {
public:
    static constexpr size_t kMaxKept = 1000; // later problems are only counted

    explicit Problems(std::string file) : file_(std::move(file)) {}
    void add(std::string where, std::string message);
    bool empty() const { return total_ == 0; }
    size_t total() const { return total_; }
    const std::vector<Problem>& list() const { return list_; }
    const std::string& file() const { return file_; }
    // Throws hoi::Error(Input) naming the file, the count and the first problems.
    void throw_if_any() const;

private:
    std::string file_;
    std::vector<Problem> list_;
    size_t total_ = 0;
};

// "[3]", ".key" joined onto a path.
inline std::string at(const std::string& path, size_t index) { return path + "[" + std::to_string(index) + "]"; }
inline std::string at(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
}

// Parses JSON (nesting limited to 256 levels); on a syntax error adds "line L, column C" and
// returns false.
bool parse_json(std::string_view text, Problems& problems, json& out);
// "line L, column C" of a byte offset.
std::string line_column(std::string_view text, size_t offset);

// A required (or optional: nullptr without a problem when absent) member of an object.
const json* member(const json& object, const char* key, const std::string& path, Problems& problems,
                   bool required = true);
bool expect_object(const json& v, const std::string& path, Problems& problems);
bool expect_array(const json& v, const std::string& path, Problems& problems);
bool read_int(const json& v, const std::string& path, Problems& problems, long long min, long long max,
              long long& out);
bool read_number(const json& v, const std::string& path, Problems& problems, double& out); // finite
bool read_string(const json& v, const std::string& path, Problems& problems, std::string& out);
bool read_bool(const json& v, const std::string& path, Problems& problems, bool& out);
// [x1, y1, x2, y2], finite, x1 <= x2, y1 <= y2.
bool read_box_xyxy(const json& v, const std::string& path, Problems& problems, Box& out);
// A file name that must stay inside the image folder.
bool read_file_name(const json& v, const std::string& path, Problems& problems, std::string& out);
// An optional finite "score" member.
bool read_optional_score(const json& object, const std::string& path, Problems& problems,
                         std::optional<double>& out);

// Number formatting that reads back to the same double (shortest round-trip form).
std::string format_number(double value);

} // namespace hoi::annotation::detail
