// hoi merge — joins `hoi run --shard K/N` outputs into what one run would write.
#include "cli.h"

#include "hoi/batch.h"
#include "io/error.h"

#include <iostream>

namespace hoi::cli {

static int cmd_merge(std::vector<std::string> argv) {
    Args args("merge", std::move(argv));
    args.description(
            "Joins prediction files of `hoi run --shard K/N` (and their .meta.json sidecars) into one file,\n"
            "byte-identical to what a single run over all images writes. The inputs must come from the\n"
            "same prompts, models, options and image list, and form one complete set (every K of 1..N\n"
            "once), each finished (a shard whose run was interrupted holds fewer images than its share);\n"
            "a missing or unfinished shard is an error (exit 3) unless --allow-partial.")
        .option("--out", "FILE", "merged prediction file")
        .flag("--allow-partial", "merge even when shards are missing or unfinished (listed on stderr and in the metadata)")
        .positional("FILE", "shard outputs", 1);
    if (!args.parse()) return kOk;
    if (!args.has("--out")) throw_usage("--out FILE is required (see hoi merge --help)");
    std::vector<std::string> missing;
    model::merge_predictions(args.positionals(), args.get("--out"), args.has("--allow-partial"), &missing);
    for (const auto& m : missing)
        std::cerr << "hoi merge: shard " << m << " is missing: its images are not in " << args.get("--out") << std::endl;
    model::PredictionFile merged(args.get("--out"));
    print_json({{"out", args.get("--out")}, {"inputs", args.positionals().size()}, {"images", merged.size()},
                {"missing_shards", missing}});
    return kOk;
}

HOI_REGISTER_COMMAND("merge", "join `hoi run --shard` outputs into one prediction file", cmd_merge);

} // namespace hoi::cli
