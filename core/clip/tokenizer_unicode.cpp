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
//
// Unicode data comes from ICU (the copy Qt already loads), so no tables are checked in for it:
//   str.lower()                      -> u_strToLower with the root locale: the same full mappings
//                                       (U+0130 -> "i\u0307") and the same Final_Sigma rule;
//   unicodedata.normalize("NFC")     -> icu::Normalizer2::getNFCInstance();
//   ftfy's fix_character_width       -> NFKC of U+FF01..U+FFEF (as ftfy builds it), U+3000 -> ' ';
//   ftfy's upper-case entity names   -> derived from the HTML5 list once (u_strToUpper, root).
// CPython 3.11 (what the reference tokenizer ran on) is Unicode 14; ICU 72 is Unicode 15. Checked
// code point by code point against tables generated from CPython 3.11.7: lower-casing, final sigma
// (Cased / Case_Ignorable on either side), combining classes, decompositions and compositions, the
// width map, numeric references and every HTML5 entity name (lower and upper case) agree for all
// code points assigned in Unicode 14. The only differences are code points new in Unicode 15:
//   - combining classes of U+10EFD..U+10EFF, U+11F41, U+11F42, U+1E08F, U+1E4EC..U+1E4EF (0 in
//     Python 3.11), so NFC may reorder or compose across them ("a" U+10EFD U+0301 -> U+00E1 U+10EFD);
//   - Cased / Case_Ignorable of new letters and marks (e.g. U+0ECE, U+11F00.., U+13439..U+13455,
//     U+1DF25.., U+1E030..U+1E06D, U+1E4EB), which can change whether a capital sigma next to them
//     is final. No new case mappings or canonical compositions came with Unicode 15.
// The HTML data ICU does not have (html.entities.html5, html._invalid_charrefs) is generated from
// CPython into tokenizer_entities.cpp by tokenizer_entities.py.
#include "clip/tokenizer_unicode.h"

#include <unicode/normalizer2.h>
#include <unicode/unistr.h>
#include <unicode/ustring.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <stdexcept>
#include <vector>

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

// ---------------------------------------------------------------- ICU

namespace {
icu::UnicodeString to_icu(const std::u32string& s) {
    return icu::UnicodeString::fromUTF32(reinterpret_cast<const UChar32*>(s.data()), static_cast<int32_t>(s.size()));
}

std::u32string from_icu(const icu::UnicodeString& u) {
    std::u32string out(static_cast<size_t>(u.countChar32()), U'\0');
    UErrorCode err = U_ZERO_ERROR;
    u.toUTF32(reinterpret_cast<UChar32*>(out.data()), static_cast<int32_t>(out.size()), err);
    return out;
}

const icu::Normalizer2& normalizer(bool compat) {
    UErrorCode err = U_ZERO_ERROR;
    const icu::Normalizer2* n = compat ? icu::Normalizer2::getNFKCInstance(err) : icu::Normalizer2::getNFCInstance(err);
    if (U_FAILURE(err) || !n) throw std::runtime_error(std::string("ICU normalizer data: ") + u_errorName(err));
    return *n;
}
} // namespace

// ---------------------------------------------------------------- properties

bool is_space(char32_t c) {
    return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
           c == 0x205F || c == 0x3000;
}

// Python's str.isspace() (used by str.strip()): White_Space plus U+001C..U+001F.
static bool is_py_space(char32_t c) { return is_space(c) || (c >= 0x1C && c <= 0x1F); }

// ---------------------------------------------------------------- lower-casing

std::u32string to_lower(const std::u32string& s) {
    if (std::all_of(s.begin(), s.end(), [](char32_t c) { return c < 0x80; })) {
        std::u32string out = s;
        for (char32_t& c : out)
            if (c >= 'A' && c <= 'Z') c += 32;
        return out;
    }
    // The root locale (""), not the process's: a Turkish or Lithuanian default would change "I".
    const icu::UnicodeString u = to_icu(s);
    std::vector<UChar> buf(static_cast<size_t>(u.length()) + 16);
    UErrorCode err = U_ZERO_ERROR;
    int32_t n = u_strToLower(buf.data(), static_cast<int32_t>(buf.size()), u.getBuffer(), u.length(), "", &err);
    if (err == U_BUFFER_OVERFLOW_ERROR) {
        buf.resize(static_cast<size_t>(n));
        err = U_ZERO_ERROR;
        n = u_strToLower(buf.data(), n, u.getBuffer(), u.length(), "", &err);
    }
    if (U_FAILURE(err)) throw std::runtime_error(std::string("ICU lower-casing: ") + u_errorName(err));
    return from_icu(icu::UnicodeString(buf.data(), n));
}

// ---------------------------------------------------------------- NFC

std::u32string nfc(const std::u32string& s) {
    // Fast path: below U+00C0 nothing decomposes or composes.
    if (std::all_of(s.begin(), s.end(), [](char32_t c) { return c < 0xC0; })) return s;
    UErrorCode err = U_ZERO_ERROR;
    const icu::UnicodeString out = normalizer(false).normalize(to_icu(s), err);
    if (U_FAILURE(err)) throw std::runtime_error(std::string("ICU NFC: ") + u_errorName(err));
    return from_icu(out);
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
    // html._invalid_codepoints: C0 controls but \t \n \f \r, DEL and C1, the noncharacters.
    if ((num >= 0x01 && num <= 0x08) || num == 0x0B || (num >= 0x0E && num <= 0x1F) || (num >= 0x7F && num <= 0x9F) ||
        (num >= 0xFDD0 && num <= 0xFDEF) || (num & 0xFFFE) == 0xFFFE)
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

// ftfy's extra entities: the upper-cased names of the lower-case ';'-terminated HTML5 entities that
// html.unescape leaves alone ("&EACUTE;" -> "\u00c9"), valued as str.upper() of the character.
using UpperEntities = std::vector<std::pair<std::string, std::string>>;

static UpperEntities make_upper_entities() {
    UpperEntities out;
    for (size_t i = 0; i < kHtml5Count; ++i) {
        std::string name = kHtml5[i].name;
        if (name.empty() || name.back() != ';' ||
            std::any_of(name.begin(), name.end(), [](char c) { return c >= 'A' && c <= 'Z'; }))
            continue;
        for (char& c : name)
            if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
        const std::u32string ref = U"&" + decode_utf8(name);
        if (html_unescape(ref) != ref) continue;
        const icu::UnicodeString v = to_icu(decode_utf8(kHtml5[i].utf8));
        UChar buf[32];
        UErrorCode err = U_ZERO_ERROR;
        const int32_t n = u_strToUpper(buf, 32, v.getBuffer(), v.length(), "", &err);
        if (U_FAILURE(err)) throw std::runtime_error(std::string("ICU upper-casing: ") + u_errorName(err));
        out.emplace_back(std::move(name), encode_utf8(from_icu(icu::UnicodeString(buf, n))));
    }
    std::sort(out.begin(), out.end());
    return out;
}

static const char* find_upper_entity(const std::string& name) {
    static const UpperEntities table = make_upper_entities();
    const auto it = std::lower_bound(table.begin(), table.end(), name,
                                     [](const auto& e, const std::string& v) { return e.first < v; });
    return it != table.end() && it->first == name ? it->second.c_str() : nullptr;
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
        } else if (const char* u = numeric ? nullptr : find_upper_entity(name8)) {
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

// fix_character_width's map as ftfy builds it: NFKC of each of U+FF01..U+FFEF ("" = unchanged).
static const std::array<std::u32string, 0xFFEF - 0xFF01 + 1>& width_map() {
    static const auto table = [] {
        std::array<std::u32string, 0xFFEF - 0xFF01 + 1> t;
        const icu::Normalizer2& nfkc = normalizer(true);
        for (char32_t c = 0xFF01; c <= 0xFFEF; ++c) {
            UErrorCode err = U_ZERO_ERROR;
            const std::u32string alt = from_icu(nfkc.normalize(icu::UnicodeString(static_cast<UChar32>(c)), err));
            if (U_SUCCESS(err) && alt != std::u32string(1, c)) t[c - 0xFF01] = alt;
        }
        return t;
    }();
    return table;
}

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
        if (c == 0x3000) { t += U' '; continue; }
        if (c >= 0xFF01 && c <= 0xFFEF) {
            const std::u32string& w = width_map()[c - 0xFF01];
            if (!w.empty()) { t += w; continue; }
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
