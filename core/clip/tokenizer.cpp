// OpenAI CLIP's SimpleTokenizer (clip/simple_tokenizer.py), reimplemented id for id.
#include "clip/tokenizer.h"

#include "clip/tokenizer_unicode.h"
#include "io/error.h"
#include "io/resources.h"

#include <re2/re2.h>
#include <zlib.h>

#include <array>
#include <climits>
#include <fstream>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>

namespace hoi::clip {

namespace {

// GPT-2's bytes_to_unicode(): printable Latin-1 bytes stand for themselves, the other 68 bytes are
// mapped to U+0100.. in byte order, so every byte has a visible, non-whitespace character.
bool is_printable_byte(int b) { return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF); }

std::array<std::string, 256> make_byte_table() {
    std::array<std::string, 256> table;
    int n = 0;
    for (int b = 0; b < 256; ++b) {
        const char32_t cp = is_printable_byte(b) ? static_cast<char32_t>(b) : static_cast<char32_t>(256 + n++);
        unicode::append_utf8(table[static_cast<size_t>(b)], cp);
    }
    return table;
}

const std::array<std::string, 256>& byte_table() {
    static const std::array<std::string, 256> table = make_byte_table();
    return table;
}

// Reads the merges file, gunzipping when it is gzip (by magic bytes, so a renamed file also works).
std::string read_merges_file(const std::string& path) {
    std::ifstream probe(path, std::ios::binary);
    if (!probe) throw_model("cannot open the BPE merges file '" + path + "'");
    unsigned char magic[2] = {0, 0};
    probe.read(reinterpret_cast<char*>(magic), 2);
    const bool gz = probe.gcount() == 2 && magic[0] == 0x1F && magic[1] == 0x8B;
    probe.close();
    std::string data;
    if (!gz) {
        std::ifstream in(path, std::ios::binary);
        data.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        if (in.bad()) throw_model("cannot read the BPE merges file '" + path + "'");
        return data;
    }
    gzFile f = gzopen(path.c_str(), "rb");
    if (!f) throw_model("cannot open the BPE merges file '" + path + "'");
    char buf[1 << 16];
    for (;;) {
        const int n = gzread(f, buf, sizeof buf);
        if (n < 0) {
            int errnum = 0;
            const std::string msg = gzerror(f, &errnum);
            gzclose(f);
            throw_model("the BPE merges file '" + path + "' is not valid gzip data (" + msg + ")");
        }
        if (n == 0) break;
        data.append(buf, static_cast<size_t>(n));
    }
    // gzread returns 0 at a truncated end too; gzclose_r reports it as Z_BUF_ERROR.
    const int rc = gzclose_r(f);
    if (rc != Z_OK)
        throw_model("the BPE merges file '" + path + "' is truncated or corrupt (zlib error " + std::to_string(rc) + ")");
    return data;
}

// The split pattern of simple_tokenizer.py with Python `regex` semantics: \s is White_Space
// (RE2's \s is ASCII only), IGNORECASE for the literal alternatives (the text is lower-cased
// already, so only simple case folds such as U+017F LONG S ~ 's' still matter; RE2 folds the same way).
const char* kSplitPattern =
        R"((?i:<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d)|\p{L}+|\p{N}|)"
        R"([^\t\n\v\f\r \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}\p{L}\p{N}]+)";

constexpr size_t kMaxCacheEntries = 200000;

} // namespace

struct Tokenizer::Impl {
    std::vector<std::string> vocab;                   // id -> token string
    std::unordered_map<std::string, int> encoder;     // token string -> id (last wins, as dict(zip))
    std::unordered_map<std::string, int> ranks;       // "first second" -> merge rank
    std::unique_ptr<RE2> pattern;
    mutable std::shared_mutex cache_mutex;
    mutable std::unordered_map<std::string, std::vector<int>> cache; // byte-encoded piece -> ids

    std::vector<int> bpe(const std::string& piece) const;
};

Tokenizer::Tokenizer(const std::string& merges_path) : impl_(std::make_unique<Impl>()) {
    const std::string data = read_merges_file(merges_path);
    // merges = text.split('\n')[1 : 49152-256-2+1]
    std::vector<std::pair<std::string, std::string>> merges;
    merges.reserve(kMerges);
    size_t pos = data.find('\n');
    if (pos == std::string::npos) throw_model("the BPE merges file '" + merges_path + "' has no merge lines");
    ++pos;
    for (int line = 1; line <= kMerges; ++line) {
        if (pos >= data.size())
            throw_model("the BPE merges file '" + merges_path + "' ends at line " + std::to_string(line + 1) +
                        "; expected " + std::to_string(kMerges) + " merges after the header");
        size_t end = data.find('\n', pos);
        if (end == std::string::npos) end = data.size();
        const std::string text = data.substr(pos, end - pos);
        pos = end + 1;
        // merge.split(): exactly two whitespace-separated symbols
        const size_t sp = text.find(' ');
        if (sp == 0 || sp == std::string::npos || text.find(' ', sp + 1) != std::string::npos ||
            sp + 1 >= text.size() || text.find_first_of("\t\r") != std::string::npos)
            throw_model("the BPE merges file '" + merges_path + "' line " + std::to_string(line + 1) +
                        ": expected two symbols separated by one space, got '" + text.substr(0, 80) + "'");
        merges.emplace_back(text.substr(0, sp), text.substr(sp + 1));
    }

    auto& vocab = impl_->vocab;
    vocab.reserve(kVocabSize);
    // list(bytes_to_unicode().values()): the printable bytes in byte order, then the other 68.
    std::vector<std::string> alphabet;
    for (int pass = 0; pass < 2; ++pass)
        for (int b = 0; b < 256; ++b)
            if (is_printable_byte(b) == (pass == 0)) alphabet.push_back(byte_table()[static_cast<size_t>(b)]);
    for (const auto& s : alphabet) vocab.push_back(s);
    for (const auto& s : alphabet) vocab.push_back(s + "</w>");
    for (const auto& m : merges) vocab.push_back(m.first + m.second);
    vocab.push_back("<|startoftext|>");
    vocab.push_back("<|endoftext|>");
    if (static_cast<int>(vocab.size()) != kVocabSize)
        throw_model("internal: vocabulary of " + std::to_string(vocab.size()) + " tokens");
    impl_->encoder.reserve(vocab.size());
    for (int i = 0; i < kVocabSize; ++i) impl_->encoder[vocab[static_cast<size_t>(i)]] = i;
    impl_->ranks.reserve(merges.size());
    for (int i = 0; i < static_cast<int>(merges.size()); ++i)
        impl_->ranks[merges[static_cast<size_t>(i)].first + " " + merges[static_cast<size_t>(i)].second] = i;
    // Every merge result must be a known symbol (it is by construction) and the special ids fixed.
    if (impl_->encoder.at("<|startoftext|>") != kSot || impl_->encoder.at("<|endoftext|>") != kEot)
        throw_model("the BPE merges file '" + merges_path + "' defines the special tokens");

    RE2::Options opts;
    opts.set_encoding(RE2::Options::EncodingUTF8);
    opts.set_log_errors(false);
    impl_->pattern = std::make_unique<RE2>(kSplitPattern, opts);
    if (!impl_->pattern->ok()) throw Error(ErrorKind::Internal, "tokenizer split pattern: " + impl_->pattern->error());
}

Tokenizer::~Tokenizer() = default;

const Tokenizer& Tokenizer::instance() {
    static const Tokenizer tokenizer(io::resource_path("bpe_simple_vocab_16e6.txt.gz"));
    return tokenizer;
}

const std::string& Tokenizer::byte_to_unicode(unsigned char b) { return byte_table()[b]; }

std::string Tokenizer::normalize(const std::string& text) {
    return unicode::encode_utf8(unicode::clean_text(unicode::decode_utf8(text)));
}

// SimpleTokenizer.bpe: symbols are the piece's characters, the last one with "</w>"; repeatedly
// merge every non-overlapping occurrence (left to right) of the lowest-ranked adjacent pair.
std::vector<int> Tokenizer::Impl::bpe(const std::string& piece) const {
    {
        std::shared_lock lock(cache_mutex);
        auto it = cache.find(piece);
        if (it != cache.end()) return it->second;
    }
    std::vector<std::string> word;
    for (size_t i = 0; i < piece.size();) { // split into UTF-8 characters
        size_t len = 1;
        const auto b = static_cast<unsigned char>(piece[i]);
        if (b >= 0xF0) len = 4;
        else if (b >= 0xE0) len = 3;
        else if (b >= 0xC0) len = 2;
        word.push_back(piece.substr(i, len));
        i += len;
    }
    word.back() += "</w>";
    std::string key;
    while (word.size() > 1) {
        int best = INT_MAX;
        size_t best_i = 0;
        for (size_t i = 0; i + 1 < word.size(); ++i) {
            key.assign(word[i]).append(" ").append(word[i + 1]);
            auto it = ranks.find(key);
            if (it != ranks.end() && it->second < best) {
                best = it->second;
                best_i = i;
            }
        }
        if (best == INT_MAX) break;
        const std::string first = word[best_i], second = word[best_i + 1];
        std::vector<std::string> merged;
        merged.reserve(word.size());
        for (size_t i = 0; i < word.size();) {
            if (i + 1 < word.size() && word[i] == first && word[i + 1] == second) {
                merged.push_back(first + second);
                i += 2;
            } else {
                merged.push_back(word[i]);
                ++i;
            }
        }
        word = std::move(merged);
    }
    std::vector<int> ids;
    ids.reserve(word.size());
    for (const auto& sym : word) {
        auto it = encoder.find(sym);
        if (it == encoder.end()) throw Error(ErrorKind::Internal, "BPE produced an unknown symbol '" + sym + "'");
        ids.push_back(it->second);
    }
    std::unique_lock lock(cache_mutex);
    if (cache.size() >= kMaxCacheEntries) cache.clear();
    cache.emplace(piece, ids);
    return ids;
}

std::vector<int> Tokenizer::encode(const std::string& text) const {
    const std::string clean = normalize(text);
    std::vector<int> ids;
    re2::StringPiece input(clean);
    re2::StringPiece match;
    size_t pos = 0;
    const auto& bytes = byte_table();
    while (pos < clean.size() &&
           impl_->pattern->Match(input, pos, clean.size(), RE2::UNANCHORED, &match, 1)) {
        const size_t start = static_cast<size_t>(match.data() - clean.data());
        pos = start + match.size();
        if (match.empty()) { ++pos; continue; } // cannot happen: every alternative is non-empty
        std::string piece;
        piece.reserve(match.size() * 2);
        for (unsigned char b : match) piece += bytes[b];
        if (piece == "<|startoftext|>") { ids.push_back(kSot); continue; }
        if (piece == "<|endoftext|>") { ids.push_back(kEot); continue; }
        const std::vector<int> piece_ids = impl_->bpe(piece);
        ids.insert(ids.end(), piece_ids.begin(), piece_ids.end());
    }
    return ids;
}

std::string Tokenizer::decode(const std::vector<int>& ids) const {
    static const std::unordered_map<std::string, unsigned char> byte_decoder = [] {
        std::unordered_map<std::string, unsigned char> m;
        for (int b = 0; b < 256; ++b) m[byte_table()[static_cast<size_t>(b)]] = static_cast<unsigned char>(b);
        return m;
    }();
    std::string bytes;
    for (int id : ids) {
        const std::string& tok = token(id);
        for (size_t i = 0; i < tok.size();) {
            size_t len = 1;
            const auto b = static_cast<unsigned char>(tok[i]);
            if (b >= 0xF0) len = 4;
            else if (b >= 0xE0) len = 3;
            else if (b >= 0xC0) len = 2;
            bytes += static_cast<char>(byte_decoder.at(tok.substr(i, len)));
            i += len;
        }
    }
    std::string text = unicode::encode_utf8(unicode::decode_utf8(bytes)); // errors="replace"
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size();) {
        if (text.compare(i, 4, "</w>") == 0) {
            out += ' ';
            i += 4;
        } else {
            out += text[i++];
        }
    }
    return out;
}

std::vector<int> Tokenizer::tokenize(const std::string& text, int context_length, bool* truncated) const {
    if (context_length < 2)
        throw_usage("context length must be at least 2 (start and end tokens), got " + std::to_string(context_length));
    std::vector<int> tokens;
    tokens.push_back(kSot);
    const std::vector<int> ids = encode(text);
    tokens.insert(tokens.end(), ids.begin(), ids.end());
    tokens.push_back(kEot);
    const bool cut = static_cast<int>(tokens.size()) > context_length;
    if (cut) {
        tokens.resize(static_cast<size_t>(context_length));
        tokens.back() = kEot;
    }
    tokens.resize(static_cast<size_t>(context_length), 0);
    if (truncated) *truncated = cut;
    return tokens;
}

std::vector<std::string> Tokenizer::token_strings(const std::vector<int>& ids) const {
    std::vector<std::string> out;
    out.reserve(ids.size());
    for (int id : ids) out.push_back(token(id));
    return out;
}

int Tokenizer::token_id(const std::string& tok) const {
    auto it = impl_->encoder.find(tok);
    return it == impl_->encoder.end() ? -1 : it->second;
}

const std::string& Tokenizer::token(int id) const {
    if (id < 0 || id >= kVocabSize)
        throw_input("token id " + std::to_string(id) + " is outside the vocabulary [0, " + std::to_string(kVocabSize) + ")");
    return impl_->vocab[static_cast<size_t>(id)];
}

} // namespace hoi::clip
