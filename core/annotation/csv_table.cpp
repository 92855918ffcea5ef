#include "annotation/csv_table.h"

#include "io/names.h"

namespace hoi::annotation::detail {

bool parse_csv(std::string_view text, Problems& problems, std::vector<CsvRow>& rows) {
    if (size_t bad = io::invalid_utf8_at(text); bad != std::string_view::npos) {
        problems.add(line_column(text, bad), "the file is not valid UTF-8 (save it as UTF-8)");
        return false;
    }
    size_t i = 0, line = 1;
    if (text.substr(0, 3) == "\xEF\xBB\xBF") i = 3; // UTF-8 byte order mark
    const size_t n = text.size();
    while (i < n) {
        CsvRow row;
        row.line = line;
        std::string field;
        bool row_done = false;
        while (!row_done) {
            field.clear();
            if (i < n && text[i] == '"') {
                const size_t quote_line = line;
                ++i;
                bool closed = false;
                while (i < n) {
                    char c = text[i];
                    if (c == '"') {
                        if (i + 1 < n && text[i + 1] == '"') {
                            field += '"';
                            i += 2;
                            continue;
                        }
                        ++i;
                        closed = true;
                        break;
                    }
                    if (c == '\n') ++line;
                    field += c;
                    ++i;
                }
                if (!closed) {
                    problems.add("line " + std::to_string(quote_line),
                                 "unterminated quoted field (expected a closing '\"')");
                    return false;
                }
                if (i < n && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
                    problems.add("line " + std::to_string(line),
                                 "unexpected character after a closing quote (expected ',' or the end of the line)");
                    return false;
                }
            } else {
                while (i < n && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
                    if (text[i] == '"') {
                        problems.add("line " + std::to_string(line),
                                     "a '\"' inside an unquoted field (quote the whole field and double the quote)");
                        return false;
                    }
                    field += text[i++];
                }
            }
            row.fields.push_back(field);
            if (i >= n) {
                row_done = true;
            } else if (text[i] == ',') {
                ++i;
            } else { // line end
                if (text[i] == '\r') ++i;
                if (i < n && text[i] == '\n') ++i;
                ++line;
                row_done = true;
            }
        }
        bool blank = row.fields.size() == 1 && row.fields[0].empty();
        if (!blank) rows.push_back(std::move(row));
    }
    return true;
}

std::string csv_field(std::string_view v) {
    bool quote = v.find_first_of(",\"\r\n") != std::string_view::npos ||
                 (!v.empty() && (v.front() == ' ' || v.back() == ' '));
    if (!quote) return std::string(v);
    std::string s = "\"";
    for (char c : v) {
        if (c == '"') s += '"';
        s += c;
    }
    return s + "\"";
}

} // namespace hoi::annotation::detail
