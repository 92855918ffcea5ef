#pragma once
// OpenAI CLIP's byte-level BPE tokenizer (simple_tokenizer.py), id for id.
// Qt-free and torch-free: the GUI's prompt bar uses it directly.
//
// Pipeline (as OpenAI's SimpleTokenizer.encode):
//   text -> basic clean-up (the parts of ftfy.fix_text that matter for prompts, then html unescape, twice)
//        -> whitespace collapse + strip -> Unicode lower-casing (Python str.lower())
//        -> split by  's|'t|'re|'ve|'m|'ll|'d|\p{L}+|\p{N}|[^\s\p{L}\p{N}]+
//        -> each piece's UTF-8 bytes mapped through the byte-to-unicode table
//        -> BPE with the merges file (lines 1..48894 after the header), last symbol + "</w>"
//        -> vocabulary ids.
#include <memory>
#include <string>
#include <vector>

namespace hoi::clip {

class Tokenizer {
public:
    static constexpr int kSot = 49406, kEot = 49407, kVocabSize = 49408, kContext = 77;
    // Number of merges OpenAI uses: lines 1..48894 of the merges file (line 0 is a version header).
    static constexpr int kMerges = 49152 - 256 - 2;

    // Loads the BPE merges (bpe_simple_vocab_16e6.txt, plain or gzipped: ".gz" or gzip magic).
    // Throws hoi::Error(Model) naming the file and line when it is missing, truncated or malformed.
    explicit Tokenizer(const std::string& merges_path);
    ~Tokenizer();
    Tokenizer(const Tokenizer&) = delete;
    Tokenizer& operator=(const Tokenizer&) = delete;

    // The shipped vocabulary (resources/bpe_simple_vocab_16e6.txt.gz), loaded once, thread-safe.
    static const Tokenizer& instance();

    // BPE ids of the text, without <|startoftext|> / <|endoftext|>. Thread-safe.
    std::vector<int> encode(const std::string& text) const;
    // Text of the ids, as OpenAI's decode: token bytes joined, UTF-8 decoded (invalid sequences ->
    // U+FFFD), "</w>" -> " "; sot/eot are spelled out and id 0 is "!" (strip padding yourself).
    // Throws hoi::Error(Input) for ids outside [0, kVocabSize).
    std::string decode(const std::vector<int>& ids) const;
    // sot + ids + eot, zero-padded to context_length. Too long: OpenAI's truncate=True rule (keep the
    // first context_length tokens, the last one becomes eot); *truncated tells whether it was cut.
    // Throws hoi::Error(Usage) when context_length < 2.
    std::vector<int> tokenize(const std::string& text, int context_length = kContext,
                              bool* truncated = nullptr) const;
    // The vocabulary string of each id (byte-level unicode, e.g. "hello</w>", "<|startoftext|>").
    std::vector<std::string> token_strings(const std::vector<int>& ids) const;

    // Vocabulary access: id of a token string (-1 when unknown) and the string of an id.
    int token_id(const std::string& token) const;
    const std::string& token(int id) const;

    // The text normalisation applied before splitting (clean-up, whitespace collapse, lower-case).
    static std::string normalize(const std::string& text);
    // The byte-to-unicode table of GPT-2/CLIP: the UTF-8 string standing for byte b.
    static const std::string& byte_to_unicode(unsigned char b);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace hoi::clip
