#pragma once
// Internal: RFC 4180 CSV reading and writing (comma separated, '"' quoting with doubled quotes,
// CRLF or LF line ends, quoted fields may hold commas, quotes and line breaks).
#include "annotation/problems.h"

#include <string>
#include <string_view>
#include <vector>

namespace hoi::annotation::detail {

struct CsvRow {
    size_t line = 0; // 1-based line where the row starts
    std::vector<std::string> fields;
};

// Parses the whole text; adds a problem (with its line) for an unterminated quote or text after a
// closing quote and returns false. Blank lines are skipped.
bool parse_csv(std::string_view text, Problems& problems, std::vector<CsvRow>& rows);

// A field quoted when it needs to be (comma, quote, CR, LF, leading/trailing space).
std::string csv_field(std::string_view value);

} // namespace hoi::annotation::detail
