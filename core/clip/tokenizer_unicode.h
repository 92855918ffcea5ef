#pragma once
// Unicode helpers of the CLIP tokenizer's text clean-up (internal). Lower-casing, NFC and the
// full-width map come from ICU (see tokenizer_unicode.cpp for how they match Python's); the HTML
// entity data ICU lacks is generated from CPython by tokenizer_entities.py.
#include <cstddef>
#include <cstdint>
#include <string>

namespace hoi::clip::unicode {

struct StringEntry { uint32_t cp; const char* utf8; };
struct EntityEntry { const char* name; const char* utf8; };

extern const EntityEntry kHtml5[];   // sorted by name (byte order)
extern const size_t kHtml5Count;
extern const StringEntry kInvalidCharrefs[];
extern const size_t kInvalidCharrefsCount;

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
