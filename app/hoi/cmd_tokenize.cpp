// hoi tokenize — CLIP token ids of texts, as OpenAI's clip.tokenize(texts, truncate=True).
#include "cli.h"

#include "clip/tokenizer.h"
#include "io/error.h"

#include <iostream>

namespace hoi::cli {

static int cmd_tokenize(std::vector<std::string> argv) {
    Args args("tokenize", std::move(argv));
    args.description(
            "Prints the CLIP token ids of each TEXT: <|startoftext|>, the BPE ids, <|endoftext|>,\n"
            "zero-padded to the context length. Longer texts are cut (the last kept token becomes\n"
            "<|endoftext|>), flagged in \"truncated\" and reported on stderr.\n"
            "Output: {\"tokens\": [[ids...], ...], \"truncated\": [bool, ...]}")
        .option("--context", "N", "context length (default 77, as CLIP's text encoder)")
        .positional("TEXT", "text to tokenize (one or more)", 1, -1);
    if (!args.parse()) return kOk;
    const int context = args.get_int("--context", clip::Tokenizer::kContext);
    if (context < 2) throw_usage("--context must be at least 2 (start and end tokens), got " + std::to_string(context));

    const clip::Tokenizer& tokenizer = clip::Tokenizer::instance();
    nlohmann::json tokens = nlohmann::json::array(), truncated = nlohmann::json::array();
    const auto& texts = args.positionals();
    for (size_t i = 0; i < texts.size(); ++i) {
        bool cut = false;
        tokens.push_back(tokenizer.tokenize(texts[i], context, &cut));
        truncated.push_back(cut);
        if (cut) {
            std::cerr << "hoi tokenize: warning: text " << i + 1 << " is longer than " << context
                      << " tokens and was truncated" << std::endl;
        }
    }
    print_json({{"tokens", tokens}, {"truncated", truncated}});
    return kOk;
}

HOI_REGISTER_COMMAND("tokenize", "CLIP token ids of texts (JSON)", cmd_tokenize);

} // namespace hoi::cli
