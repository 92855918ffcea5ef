#include "io/names.h"

#include "io/json_text.h"

namespace hoi::io {

size_t invalid_utf8_at(std::string_view s) {
    size_t i = 0;
    while (i < s.size()) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) { ++i; continue; }
        size_t n = 0;
        unsigned cp = 0, min = 0;
        if ((c & 0xE0) == 0xC0) { n = 1; cp = c & 0x1F; min = 0x80; }
        else if ((c & 0xF0) == 0xE0) { n = 2; cp = c & 0x0F; min = 0x800; }
        else if ((c & 0xF8) == 0xF0) { n = 3; cp = c & 0x07; min = 0x10000; }
        else return i;
        for (size_t k = 1; k <= n; ++k) {
            if (i + k >= s.size()) return i;
            unsigned char d = static_cast<unsigned char>(s[i + k]);
            if ((d & 0xC0) != 0x80) return i;
            cp = (cp << 6) | (d & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
        i += n + 1;
    }
    return std::string_view::npos;
}

std::string escape_name(const std::string& name) {
    if (invalid_utf8_at(name) == std::string_view::npos) return name;
    static const char hex[] = "0123456789ABCDEF";
    std::string out;
    std::string_view rest(name);
    while (!rest.empty()) {
        const size_t bad = invalid_utf8_at(rest);
        const std::string_view good = rest.substr(0, bad);
        for (char c : good) {
            if (c == '%') out += "%25";
            else out += c;
        }
        if (bad == std::string_view::npos) break;
        const auto b = static_cast<unsigned char>(rest[bad]);
        out += '%';
        out += hex[b >> 4];
        out += hex[b & 15];
        rest.remove_prefix(bad + 1);
    }
    return out;
}

nlohmann::json json_safe(const nlohmann::json& j) {
    return map_json(
            j, [](const nlohmann::json& v) { return v.is_string() ? nlohmann::json(escape_name(v.get_ref<const std::string&>())) : v; },
            escape_name);
}

} // namespace hoi::io
