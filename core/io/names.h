#pragma once
// File names in JSON. A Linux file name is bytes; JSON text is UTF-8. A name that is valid UTF-8
// is written as it is. A name that is not is written percent-escaped: every byte that is not part
// of a valid UTF-8 sequence, and every '%', becomes %XX (two upper-case hex digits), so
// percent-decoding it (Python: urllib.parse.unquote_to_bytes) gives the original bytes back.
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace hoi::io {

// Offset of the first byte that breaks UTF-8 (overlong forms, surrogates and values over
// U+10FFFF included), or npos.
size_t invalid_utf8_at(std::string_view s);

// The name as written to JSON (see above): unchanged when it is valid UTF-8.
std::string escape_name(const std::string& name);

// A copy of j whose strings (values and keys) are all valid UTF-8, escaped as escape_name does:
// what nlohmann::json can dump without throwing.
nlohmann::json json_safe(const nlohmann::json& j);

} // namespace hoi::io
