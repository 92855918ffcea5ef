#pragma once
// Unicode helpers of the CLIP tokenizer's text clean-up (internal). The tables are generated from
// CPython by tokenizer_tables.py, so lower-casing, NFC and html.unescape behave as Python's do.
#include <cstddef>
#include <cstdint>
#include <string>

namespace hoi::clip::unicode {

struct LowerEntry { uint32_t cp, l0, l1; };     // l1 = 0 when the lower case is one code point
struct Range { uint32_t lo, hi; };
struct CombiningRange { uint32_t lo, hi; uint32_t ccc; };
struct DecompEntry { uint32_t cp, d0, d1; };    // canonical, one level; d1 = 0 for singletons
struct ComposeEntry { uint32_t a, b, c; };      // primary composites, sorted by (a, b)
struct StringEntry { uint32_t cp; const char* utf8; };
struct EntityEntry { const char* name; const char* utf8; };

extern const LowerEntry kLower[];
extern const size_t kLowerCount;
extern const Range kCased[];
extern const size_t kCasedCount;
extern const Range kCaseIgnorable[];
extern const size_t kCaseIgnorableCount;
extern const CombiningRange kCombining[];
extern const size_t kCombiningCount;
extern const DecompEntry kDecomp[];
extern const size_t kDecompCount;
extern const ComposeEntry kCompose[];
extern const size_t kComposeCount;
extern const StringEntry kWidth[];
extern const size_t kWidthCount;
extern const EntityEntry kHtml5[];   // sorted by name (byte order)
extern const size_t kHtml5Count;
extern const StringEntry kInvalidCharrefs[];
extern const size_t kInvalidCharrefsCount;
extern const uint32_t kInvalidCodepoints[];
extern const size_t kInvalidCodepointsCount;
extern const EntityEntry kHtmlUpper[]; // ftfy: "EACUTE;" style names, sorted
extern const size_t kHtmlUpperCount;

// UTF-8 <-> code points. Invalid UTF-8 (bad lead/continuation bytes, overlongs, surrogates,
// > U+10FFFF) decodes to U+FFFD per maximal subpart, as Python's decode(errors="replace").
std::u32string decode_utf8(const std::string& s);
std::string encode_utf8(const std::u32string& s);
void append_utf8(std::string& out, char32_t cp);

// Python's str.lower() (full mapping, final sigma).
std::u32string to_lower(const std::u32string& s);
// unicodedata.normalize("NFC", s).
std::u32string nfc(const std::u32string& s);
// Python's html.unescape().
std::u32string html_unescape(const std::u32string& s);
// The text clean-up of OpenAI's tokenizer: ftfy.fix_text (the parts listed in tokenizer.cpp),
// html.unescape twice, strip, whitespace collapse, lower-case.
std::u32string clean_text(const std::u32string& s);
// Python `regex` \s: the Unicode White_Space property.
bool is_space(char32_t c);

} // namespace hoi::clip::unicode
