// Text clean-up of the CLIP tokenizer: what OpenAI's simple_tokenizer.py does before splitting,
//   basic_clean:      ftfy.fix_text(text) -> html.unescape(html.unescape(text)) -> strip()
//   whitespace_clean: re.sub(r'\s+', ' ', text).strip()      (`regex` module: \s = White_Space)
//   then str.lower().
//
// ftfy.fix_text (ftfy 6 defaults) is reproduced step by step, line by line, repeated until nothing
// changes:
//   unescape_html (until the first line with a '<'; ';'-terminated references, incl. ftfy's
//   upper-cased names), fix_c1_controls, fix_latin_ligatures, fix_character_width, uncurl_quotes,
//   fix_line_breaks, remove_terminal_escapes, remove_control_chars, NFC normalisation.
// Not reproduced: ftfy's fix_encoding (mojibake detection such as "Ã©" -> "é"): a heuristic over
// legacy code pages that normal prompts do not trigger.
#include "clip/tokenizer_unicode.h"

#include <algorithm>
#include <cstring>

namespace hoi::clip::unicode {

// ---------------------------------------------------------------- UTF-8

void append_utf8(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

std::string encode_utf8(const std::u32string& s) {
    std::string out;
    out.reserve(s.size());
    for (char32_t c : s) append_utf8(out, c);
    return out;
}

std::u32string decode_utf8(const std::string& s) {
    std::u32string out;
    out.reserve(s.size());
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const size_t n = s.size();
    size_t i = 0;
    while (i < n) {
        const unsigned char b = p[i];
        if (b < 0x80) {
            out += static_cast<char32_t>(b);
            ++i;
            continue;
        }
        int len = 0;
        char32_t cp = 0;
        unsigned char lo = 0x80, hi = 0xBF; // allowed range of the second byte
        if (b >= 0xC2 && b <= 0xDF) { len = 2; cp = b & 0x1F; }
        else if (b >= 0xE0 && b <= 0xEF) {
            len = 3; cp = b & 0x0F;
            if (b == 0xE0) lo = 0xA0;       // no overlongs
            if (b == 0xED) hi = 0x9F;       // no surrogates
        } else if (b >= 0xF0 && b <= 0xF4) {
            len = 4; cp = b & 0x07;
            if (b == 0xF0) lo = 0x90;
            if (b == 0xF4) hi = 0x8F;       // <= U+10FFFF
        }
        if (len == 0) { // invalid lead byte
            out += U'\uFFFD';
            ++i;
            continue;
        }
        // Maximal subpart: consume valid continuation bytes; a bad one ends the sequence (U+FFFD).
        size_t j = i + 1;
        bool ok = true;
        for (int k = 1; k < len; ++k, ++j) {
            const unsigned char lo_k = k == 1 ? lo : 0x80, hi_k = k == 1 ? hi : 0xBF;
            if (j >= n || p[j] < lo_k || p[j] > hi_k) { ok = false; break; }
            cp = (cp << 6) | (p[j] & 0x3F);
        }
        out += ok ? cp : U'\uFFFD';
        i = j;
    }
    return out;
}

// ---------------------------------------------------------------- properties

static bool in_ranges(const Range* r, size_t n, char32_t c) {
    const Range* end = r + n;
    const Range* it = std::upper_bound(r, end, c, [](char32_t v, const Range& x) { return v < x.lo; });
    return it != r && c <= (it - 1)->hi;
}

bool is_space(char32_t c) {
    return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
           c == 0x205F || c == 0x3000;
}

// Python's str.isspace() (used by str.strip()): White_Space plus U+001C..U+001F.
static bool is_py_space(char32_t c) { return is_space(c) || (c >= 0x1C && c <= 0x1F); }

static uint32_t combining_class(char32_t c) {
    const CombiningRange* end = kCombining + kCombiningCount;
    const CombiningRange* it = std::upper_bound(kCombining, end, c,
                                                [](char32_t v, const CombiningRange& x) { return v < x.lo; });
    if (it != kCombining && c <= (it - 1)->hi) return (it - 1)->ccc;
    return 0;
}

// ---------------------------------------------------------------- lower-casing

std::u32string to_lower(const std::u32string& s) {
    std::u32string out;
    out.reserve(s.size());
    const LowerEntry* end = kLower + kLowerCount;
    for (size_t i = 0; i < s.size(); ++i) {
        const char32_t c = s[i];
        if (c < 0x80) {
            out += (c >= 'A' && c <= 'Z') ? c + 32 : c;
            continue;
        }
        if (c == 0x3A3) { // GREEK CAPITAL SIGMA: CPython's Final_Sigma rule
            size_t j = i;
            char32_t prev = 0;
            bool found = false;
            while (j > 0) {
                prev = s[--j];
                if (!in_ranges(kCaseIgnorable, kCaseIgnorableCount, prev)) { found = true; break; }
            }
            bool final_sigma = found && in_ranges(kCased, kCasedCount, prev);
            if (final_sigma) {
                size_t k = i + 1;
                while (k < s.size() && in_ranges(kCaseIgnorable, kCaseIgnorableCount, s[k])) ++k;
                final_sigma = k == s.size() || !in_ranges(kCased, kCasedCount, s[k]);
            }
            out += final_sigma ? U'\u03C2' : U'\u03C3';
            continue;
        }
        const LowerEntry* it = std::lower_bound(kLower, end, c,
                                                [](const LowerEntry& e, char32_t v) { return e.cp < v; });
        if (it != end && it->cp == c) {
            out += static_cast<char32_t>(it->l0);
            if (it->l1) out += static_cast<char32_t>(it->l1);
        } else {
            out += c;
        }
    }
    return out;
}

// ---------------------------------------------------------------- NFC

namespace {
constexpr char32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161, kTBase = 0x11A7;
constexpr int kLCount = 19, kVCount = 21, kTCount = 28, kNCount = kVCount * kTCount,
              kSCount = kLCount * kNCount;

void decompose(char32_t c, std::u32string& out) {
    if (c >= kSBase && c < kSBase + kSCount) {
        const int s = static_cast<int>(c - kSBase);
        out += kLBase + s / kNCount;
        out += kVBase + (s % kNCount) / kTCount;
        if (s % kTCount) out += kTBase + s % kTCount;
        return;
    }
    const DecompEntry* end = kDecomp + kDecompCount;
    const DecompEntry* it = std::lower_bound(kDecomp, end, c,
                                             [](const DecompEntry& e, char32_t v) { return e.cp < v; });
    if (it != end && it->cp == c) {
        decompose(it->d0, out);
        if (it->d1) decompose(it->d1, out);
    } else {
        out += c;
    }
}

char32_t compose_pair(char32_t a, char32_t b) {
    if (a >= kLBase && a < kLBase + kLCount && b >= kVBase && b < kVBase + kVCount)
        return kSBase + ((a - kLBase) * kVCount + (b - kVBase)) * kTCount;
    if (a >= kSBase && a < kSBase + kSCount && (a - kSBase) % kTCount == 0 && b > kTBase &&
        b < kTBase + kTCount)
        return a + (b - kTBase);
    const ComposeEntry* end = kCompose + kComposeCount;
    const ComposeEntry* it = std::lower_bound(kCompose, end, std::make_pair(a, b),
                                              [](const ComposeEntry& e, const std::pair<char32_t, char32_t>& v) {
                                                  return e.a != v.first ? e.a < v.first : e.b < v.second;
                                              });
    if (it != end && it->a == a && it->b == b) return it->c;
    return 0;
}
} // namespace

std::u32string nfc(const std::u32string& s) {
    // Fast path: below U+00C0 nothing decomposes or composes.
    if (std::all_of(s.begin(), s.end(), [](char32_t c) { return c < 0xC0; })) return s;
    std::u32string d;
    d.reserve(s.size() + 8);
    for (char32_t c : s) decompose(c, d);
    // Canonical ordering: stable sort of each run of non-starters by combining class.
    for (size_t i = 0; i < d.size();) {
        if (combining_class(d[i]) == 0) { ++i; continue; }
        size_t j = i;
        while (j < d.size() && combining_class(d[j]) != 0) ++j;
        std::stable_sort(d.begin() + static_cast<long>(i), d.begin() + static_cast<long>(j),
                         [](char32_t a, char32_t b) { return combining_class(a) < combining_class(b); });
        i = j;
    }
    // Canonical composition.
    std::u32string out;
    out.reserve(d.size());
    long starter = -1;       // index in out of the last starter
    uint32_t last_ccc = 0;   // class of the last character appended after the starter
    for (char32_t c : d) {
        const uint32_t ccc = combining_class(c);
        if (starter >= 0) {
            const bool blocked = static_cast<size_t>(starter) != out.size() - 1 && (last_ccc == 0 || last_ccc >= ccc);
            if (!blocked) {
                if (char32_t comp = compose_pair(out[static_cast<size_t>(starter)], c)) {
                    out[static_cast<size_t>(starter)] = comp;
                    continue;
                }
            }
        }
        if (ccc == 0) {
            starter = static_cast<long>(out.size());
            last_ccc = 0;
        } else {
            last_ccc = ccc;
        }
        out += c;
    }
    return out;
}

// ---------------------------------------------------------------- HTML references

static const char* find_entity(const EntityEntry* table, size_t n, const std::string& name) {
    const EntityEntry* end = table + n;
    const EntityEntry* it = std::lower_bound(table, end, name, [](const EntityEntry& e, const std::string& v) {
        return std::strcmp(e.name, v.c_str()) < 0;
    });
    if (it != end && name == it->name) return it->utf8;
    return nullptr;
}

static void append_utf8_string(std::u32string& out, const char* utf8) { out += decode_utf8(utf8); }

static bool is_digit(char32_t c) { return c >= '0' && c <= '9'; }
static bool is_hex(char32_t c) {
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// A numeric reference's replacement, as html._replace_charref.
static void numeric_charref(std::u32string& out, const std::u32string& digits, int base) {
    // Python's int() has no limit: anything above U+10FFFF is a replacement character.
    uint64_t num = 0;
    bool huge = false;
    for (char32_t c : digits) {
        const int v = is_digit(c) ? static_cast<int>(c - '0') : static_cast<int>((c | 0x20) - 'a' + 10);
        num = num * static_cast<uint64_t>(base) + static_cast<uint64_t>(v);
        if (num > 0x10FFFF) huge = true, num = 0x110000;
    }
    const StringEntry* iend = kInvalidCharrefs + kInvalidCharrefsCount;
    const StringEntry* it = std::lower_bound(kInvalidCharrefs, iend, num,
                                             [](const StringEntry& e, uint64_t v) { return e.cp < v; });
    if (!huge && it != iend && it->cp == num) {
        append_utf8_string(out, it->utf8);
        return;
    }
    if (huge || (num >= 0xD800 && num <= 0xDFFF)) {
        out += U'\uFFFD';
        return;
    }
    if (std::binary_search(kInvalidCodepoints, kInvalidCodepoints + kInvalidCodepointsCount,
                           static_cast<uint32_t>(num)))
        return;
    out += static_cast<char32_t>(num);
}

std::u32string html_unescape(const std::u32string& s) {
    if (s.find(U'&') == std::u32string::npos) return s;
    // Python: re.sub(r'&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)', _replace_charref, s)
    std::u32string out;
    out.reserve(s.size());
    size_t i = 0;
    const size_t n = s.size();
    while (i < n) {
        if (s[i] != U'&') { out += s[i++]; continue; }
        size_t j = i + 1;
        if (j < n && s[j] == U'#') {
            size_t k = j + 1;
            int base = 10;
            if (k < n && (s[k] == U'x' || s[k] == U'X') && k + 1 < n && is_hex(s[k + 1])) {
                base = 16;
                ++k;
            }
            size_t m = k;
            while (m < n && (base == 16 ? is_hex(s[m]) : is_digit(s[m]))) ++m;
            if (m > k) {
                numeric_charref(out, s.substr(k, m - k), base);
                if (m < n && s[m] == U';') ++m;
                i = m;
                continue;
            }
            out += s[i++]; // "&#" not followed by digits: no match here
            continue;
        }
        size_t m = j;
        auto name_char = [](char32_t c) {
            return c != U'\t' && c != U'\n' && c != U'\f' && c != U' ' && c != U'<' && c != U'&' &&
                   c != U'#' && c != U';';
        };
        while (m < n && m - j < 32 && name_char(s[m])) ++m;
        if (m == j) { out += s[i++]; continue; }
        if (m < n && s[m] == U';') ++m;
        const std::u32string name = s.substr(j, m - j);
        const std::string name8 = encode_utf8(name);
        if (const char* v = find_entity(kHtml5, kHtml5Count, name8)) {
            append_utf8_string(out, v);
        } else {
            bool done = false;
            for (size_t x = name.size() - 1; x > 1; --x) {
                if (const char* v2 = find_entity(kHtml5, kHtml5Count, encode_utf8(name.substr(0, x)))) {
                    append_utf8_string(out, v2);
                    out += name.substr(x);
                    done = true;
                    break;
                }
            }
            if (!done) {
                out += U'&';
                out += name;
            }
        }
        i = m;
    }
    return out;
}

// ftfy's unescape_html: re.sub(r"&#?[0-9A-Za-z]{1,24};", fixup) with its own entity table.
static std::u32string ftfy_unescape_html(const std::u32string& s) {
    if (s.find(U'&') == std::u32string::npos) return s;
    auto alnum = [](char32_t c) { return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
    std::u32string out;
    out.reserve(s.size());
    size_t i = 0;
    const size_t n = s.size();
    while (i < n) {
        if (s[i] != U'&') { out += s[i++]; continue; }
        size_t j = i + 1;
        const bool numeric = j < n && s[j] == U'#';
        if (numeric) ++j;
        size_t m = j;
        while (m < n && m - j < 24 && alnum(s[m])) ++m;
        if (m == j || m >= n || s[m] != U';') { out += s[i++]; continue; }
        const std::u32string match = s.substr(i, m + 1 - i);
        const std::string name8 = encode_utf8(s.substr(i + 1, m - i)); // without '&', with ';'
        if (const char* v = numeric ? nullptr : find_entity(kHtml5, kHtml5Count, name8)) {
            append_utf8_string(out, v);
        } else if (const char* u = numeric ? nullptr : find_entity(kHtmlUpper, kHtmlUpperCount, name8)) {
            append_utf8_string(out, u);
        } else if (numeric) {
            const std::u32string un = html_unescape(match);
            out += un.find(U';') != std::u32string::npos ? match : un;
        } else {
            out += match;
        }
        i = m + 1;
    }
    return out;
}

// ---------------------------------------------------------------- ftfy

static std::u32string ftfy_pass(const std::u32string& in, bool unescape) {
    std::u32string s = unescape ? ftfy_unescape_html(in) : in;
    std::u32string t;
    t.reserve(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
        char32_t c = s[i];
        // fix_c1_controls: U+0080..U+009F decoded as (sloppy) windows-1252.
        if (c >= 0x80 && c <= 0x9F) {
            const StringEntry* end = kInvalidCharrefs + kInvalidCharrefsCount;
            const StringEntry* it = std::lower_bound(kInvalidCharrefs, end, c,
                                                     [](const StringEntry& e, char32_t v) { return e.cp < v; });
            if (it != end && it->cp == c) c = decode_utf8(it->utf8)[0];
        }
        // fix_latin_ligatures
        switch (c) {
        case 0x0132: t += U"IJ"; continue;
        case 0x0133: t += U"ij"; continue;
        case 0x0149: t += U"\u02BCn"; continue;
        case 0x01C4: t += U"D\u017D"; continue;
        case 0x01C5: t += U"D\u017E"; continue;
        case 0x01C6: t += U"d\u017E"; continue;
        case 0x01C7: t += U"LJ"; continue;
        case 0x01C8: t += U"Lj"; continue;
        case 0x01C9: t += U"lj"; continue;
        case 0x01CA: t += U"NJ"; continue;
        case 0x01CB: t += U"Nj"; continue;
        case 0x01CC: t += U"nj"; continue;
        case 0x01F1: t += U"DZ"; continue;
        case 0x01F2: t += U"Dz"; continue;
        case 0x01F3: t += U"dz"; continue;
        case 0xFB00: t += U"ff"; continue;
        case 0xFB01: t += U"fi"; continue;
        case 0xFB02: t += U"fl"; continue;
        case 0xFB03: t += U"ffi"; continue;
        case 0xFB04: t += U"ffl"; continue;
        case 0xFB05: t += U"\u017Ft"; continue;
        case 0xFB06: t += U"st"; continue;
        default: break;
        }
        // fix_character_width: full-width ASCII, half-width katakana/hangul, ideographic space.
        if (c == 0x3000 || (c >= 0xFF01 && c <= 0xFFEF)) {
            const StringEntry* end = kWidth + kWidthCount;
            const StringEntry* it = std::lower_bound(kWidth, end, c,
                                                     [](const StringEntry& e, char32_t v) { return e.cp < v; });
            if (it != end && it->cp == c) { t += decode_utf8(it->utf8); continue; }
        }
        t += c;
    }
    // uncurl_quotes, fix_line_breaks, remove_terminal_escapes, remove_control_chars
    std::u32string u;
    u.reserve(t.size());
    for (size_t i = 0; i < t.size(); ++i) {
        const char32_t c = t[i];
        if (c == 0x02BC || (c >= 0x2018 && c <= 0x201B)) { u += U'\''; continue; }
        if (c >= 0x201C && c <= 0x201F) { u += U'"'; continue; }
        if (c == U'\r') {
            u += U'\n';
            if (i + 1 < t.size() && t[i + 1] == U'\n') ++i;
            continue;
        }
        if (c == 0x2028 || c == 0x2029 || c == 0x85) { u += U'\n'; continue; }
        if (c == 0x1B && i + 1 < t.size() && t[i + 1] == U'[') { // ESC [ (digits|;)* letter
            size_t k = i + 2;
            while (k < t.size() && (is_digit(t[k]) || t[k] == U';')) ++k;
            if (k < t.size() && ((t[k] >= 'a' && t[k] <= 'z') || (t[k] >= 'A' && t[k] <= 'Z'))) {
                i = k;
                continue;
            }
        }
        if (c <= 0x08 || c == 0x0B || (c >= 0x0E && c <= 0x1F) || c == 0x7F || (c >= 0x206A && c <= 0x206F) ||
            c == 0xFEFF || (c >= 0xFFF9 && c <= 0xFFFC))
            continue;
        u += c;
    }
    return nfc(u);
}

static std::u32string py_strip(const std::u32string& s, bool (*space)(char32_t)) {
    size_t a = 0, b = s.size();
    while (a < b && space(s[a])) ++a;
    while (b > a && space(s[b - 1])) --b;
    return s.substr(a, b - a);
}

std::u32string clean_text(const std::u32string& input) {
    // ftfy.fix_text: line by line (segments end after '\n'); HTML references are unescaped until
    // the first line that contains '<' (from there on the text is taken for HTML); each segment's
    // fixers repeat until nothing changes.
    std::u32string s;
    s.reserve(input.size());
    bool unescape = true;
    for (size_t pos = 0; pos < input.size();) {
        size_t brk = input.find(U'\n', pos);
        brk = brk == std::u32string::npos ? input.size() : brk + 1;
        std::u32string seg = input.substr(pos, brk - pos);
        pos = brk;
        if (seg.find(U'<') != std::u32string::npos) unescape = false;
        for (int round = 0; round < 16; ++round) {
            std::u32string next = ftfy_pass(seg, unescape);
            if (next == seg) break;
            seg = std::move(next);
        }
        s += seg;
    }
    s = html_unescape(html_unescape(s));
    s = py_strip(s, is_py_space);
    // whitespace_clean
    std::u32string w;
    w.reserve(s.size());
    for (size_t i = 0; i < s.size();) {
        if (is_space(s[i])) {
            while (i < s.size() && is_space(s[i])) ++i;
            w += U' ';
        } else {
            w += s[i++];
        }
    }
    w = py_strip(w, is_py_space);
    return to_lower(w);
}

} // namespace hoi::clip::unicode
