// hoi merge — joins `hoi run --shard K/N` outputs into what one run would write.
#include "cli.h"

#include "hoi/batch.h"
#include "io/error.h"

namespace hoi::cli {

static int cmd_merge(std::vector<std::string> argv) {
    Args args("merge", std::move(argv));
    args.description(
            "Joins prediction files of `hoi run --shard K/N` (and their .meta.json sidecars) into one file,\n"
            "byte-identical to what a single run over all images writes. The inputs must come from the\n"
            "same prompts, models and options.")
        .option("--out", "FILE", "merged prediction file")
        .positional("FILE", "shard outputs", 1);
    if (!args.parse()) return kOk;
    if (!args.has("--out")) throw_usage("--out FILE is required (see hoi merge --help)");
    model::merge_predictions(args.positionals(), args.get("--out"));
    model::PredictionFile merged(args.get("--out"));
    print_json({{"out", args.get("--out")}, {"inputs", args.positionals().size()}, {"images", merged.size()}});
    return kOk;
}

HOI_REGISTER_COMMAND("merge", "join `hoi run --shard` outputs into one prediction file", cmd_merge);

} // namespace hoi::cli
