#include "eval/python_literal.h"

#include "io/error.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace hoi::eval {

namespace {

class LiteralParser {
public:
    LiteralParser(std::string_view text, const std::string& source) : t_(text), source_(source) {}

    nlohmann::json document() {
        nlohmann::json v = value(0);
        skip_space();
        if (i_ != t_.size()) fail("unexpected text after the value");
        return v;
    }

private:
    std::string_view t_;
    const std::string& source_;
    size_t i_ = 0;
    static constexpr int kMaxDepth = 256;

    [[noreturn]] void fail(const std::string& what) const {
        throw_input(source_ + ": Python literal, character " + std::to_string(i_) + ": " + what);
    }
    void skip_space() {
        while (i_ < t_.size() && std::isspace(static_cast<unsigned char>(t_[i_]))) ++i_;
    }
    bool eat(char c) {
        skip_space();
        if (i_ < t_.size() && t_[i_] == c) {
            ++i_;
            return true;
        }
        return false;
    }
    void expect(char c) {
        if (!eat(c)) fail(std::string("expected '") + c + "'");
    }
    static bool name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.'; }

    // Items up to `close`, separated by commas (a trailing comma allowed).
    template <class F>
    void items(char close, F&& item) {
        if (eat(close)) return;
        for (;;) {
            item();
            if (eat(close)) return;
            expect(',');
            if (eat(close)) return;
        }
    }

    // `bare_names`: an unknown name is its own text (keyword values such as float32).
    nlohmann::json value(int depth, bool bare_names = false) {
        if (depth > kMaxDepth) fail("nested too deeply");
        skip_space();
        if (i_ >= t_.size()) fail("unexpected end of text");
        const char c = t_[i_];
        if (c == '{') {
            ++i_;
            nlohmann::json obj = nlohmann::json::object();
            items('}', [&] {
                nlohmann::json k = value(depth + 1);
                std::string key = k.is_string() ? k.get<std::string>() : k.dump();
                expect(':');
                obj[key] = value(depth + 1);
            });
            return obj;
        }
        if (c == '[' || c == '(') {
            ++i_;
            nlohmann::json arr = nlohmann::json::array();
            items(c == '[' ? ']' : ')', [&] { arr.push_back(value(depth + 1)); });
            return arr;
        }
        if (c == '\'' || c == '"') return string();
        if (c == '-' || c == '+' || c == '.' || std::isdigit(static_cast<unsigned char>(c))) return number();
        if (name_char(c)) {
            const size_t start = i_;
            while (i_ < t_.size() && name_char(t_[i_])) ++i_;
            const std::string_view name = t_.substr(start, i_ - start);
            skip_space();
            if (i_ < t_.size() && t_[i_] == '(') { // np.float32(0.5), array([...], dtype=float32)
                ++i_;
                nlohmann::json first;
                bool have = false;
                items(')', [&] {
                    skip_space();
                    const size_t at = i_;
                    while (i_ < t_.size() && name_char(t_[i_])) ++i_;
                    skip_space();
                    if (i_ > at && i_ < t_.size() && t_[i_] == '=' && (i_ + 1 >= t_.size() || t_[i_ + 1] != '=')) {
                        ++i_; // keyword argument (dtype=float32): read and drop
                        value(depth + 1, true);
                        return;
                    }
                    i_ = at;
                    nlohmann::json v = value(depth + 1);
                    if (!have) first = std::move(v);
                    have = true;
                });
                if (!have) fail(std::string(name) + "() has no value");
                return first;
            }
            if (name == "True") return true;
            if (name == "False") return false;
            if (name == "None") return nullptr;
            if (name == "nan" || name == "inf" || bare_names) return std::string(name);
            fail("unknown name '" + std::string(name) + "'");
        }
        fail(std::string("unexpected character '") + c + "'");
    }

    nlohmann::json number() {
        const size_t start = i_;
        if (t_[i_] == '-' || t_[i_] == '+') {
            ++i_;
            if (t_.substr(i_, 3) == "inf") {
                i_ += 3;
                return std::string(t_[start] == '-' ? "-inf" : "inf");
            }
            if (t_.substr(i_, 3) == "nan") {
                i_ += 3;
                return std::string("nan");
            }
        }
        bool is_float = false;
        while (i_ < t_.size()) {
            const char c = t_[i_];
            if (std::isdigit(static_cast<unsigned char>(c)) || c == '_') {
                ++i_;
            } else if (c == '.' || c == 'e' || c == 'E') {
                is_float = true;
                ++i_;
                if ((c == 'e' || c == 'E') && i_ < t_.size() && (t_[i_] == '-' || t_[i_] == '+')) ++i_;
            } else {
                break;
            }
        }
        std::string digits;
        for (char c : t_.substr(start, i_ - start))
            if (c != '_') digits += c;
        char* end = nullptr;
        if (!is_float) {
            errno = 0;
            const long long v = std::strtoll(digits.c_str(), &end, 10);
            if (end && *end == '\0' && errno == 0 && !digits.empty()) return v;
        }
        const double d = std::strtod(digits.c_str(), &end);
        if (digits.empty() || !end || *end != '\0') fail("malformed number '" + digits + "'");
        return d;
    }

    void append_utf8(std::string& out, unsigned long cp) {
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) fail("invalid code point in an escape");
        if (cp < 0x80) {
            out += char(cp);
        } else if (cp < 0x800) {
            out += char(0xC0 | (cp >> 6));
            out += char(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out += char(0xE0 | (cp >> 12));
            out += char(0x80 | ((cp >> 6) & 0x3F));
            out += char(0x80 | (cp & 0x3F));
        } else {
            out += char(0xF0 | (cp >> 18));
            out += char(0x80 | ((cp >> 12) & 0x3F));
            out += char(0x80 | ((cp >> 6) & 0x3F));
            out += char(0x80 | (cp & 0x3F));
        }
    }

    nlohmann::json string() {
        const char quote = t_[i_++];
        std::string out;
        for (;;) {
            if (i_ >= t_.size()) fail("unterminated string");
            const char c = t_[i_++];
            if (c == quote) break;
            if (c != '\\') {
                out += c;
                continue;
            }
            if (i_ >= t_.size()) fail("unterminated string");
            const char e = t_[i_++];
            switch (e) {
            case 'n': out += '\n'; break;
            case 't': out += '\t'; break;
            case 'r': out += '\r'; break;
            case '0': out += '\0'; break;
            case '\\': case '\'': case '"': out += e; break;
            case 'x': case 'u': case 'U': {
                const size_t len = e == 'x' ? 2 : e == 'u' ? 4 : 8;
                if (i_ + len > t_.size()) fail("truncated escape");
                const std::string hex(t_.substr(i_, len));
                char* end = nullptr;
                const unsigned long cp = std::strtoul(hex.c_str(), &end, 16);
                if (!end || *end != '\0') fail("malformed escape \\" + std::string(1, e) + hex);
                i_ += len;
                append_utf8(out, cp);
                break;
            }
            default: fail(std::string("unknown escape \\") + e);
            }
        }
        return out;
    }
};

} // namespace

nlohmann::json parse_python_literal(std::string_view text, const std::string& source) {
    return LiteralParser(text, source).document();
}

std::optional<double> number_or_marker(const nlohmann::json& v) {
    if (v.is_number()) return v.get<double>();
    if (v.is_string()) {
        const std::string& s = v.get_ref<const std::string&>();
        if (s == "nan") return std::numeric_limits<double>::quiet_NaN();
        if (s == "inf") return std::numeric_limits<double>::infinity();
        if (s == "-inf") return -std::numeric_limits<double>::infinity();
    }
    return std::nullopt;
}

} // namespace hoi::eval
