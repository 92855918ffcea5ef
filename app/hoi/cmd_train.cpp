// hoi train — trains the learnable head on labelled relations (CLIP and the detector frozen).
#include "cli.h"

#include "clip/model_path.h"
#include "hoi/engine.h"
#include "io/error.h"
#include "learn/feature_cache.h"
#include "learn/labelled_set.h"
#include "learn/trainer.h"

#include <csignal>
#include <cstdio>
#include <iostream>

namespace hoi::cli {

namespace {

CancelFlag g_train_cancel;
extern "C" void on_train_sigint(int) { g_train_cancel.cancel(); }

} // namespace

static int cmd_train(std::vector<std::string> argv) {
    Args args("train", std::move(argv));
    args.description(
            "Trains the learnable head (interactor and decoder residuals, per-class sigmoid scoring) on\n"
            "labelled relations, with CLIP and the detector frozen, on the annotation file's own boxes.\n"
            "TRAIN is any annotation file HOI Studio reads (hico, instances, coco, csv) or a project:\n"
            "accepted and edited relations are positives, rejected ones negatives, predicted ones are\n"
            "left out; every other (person, box) pair of a labelled image is a negative.\n"
            "Per-image CLIP features are cached on disk ($HOI_FEATURE_CACHE, else the text cache's\n"
            "folder/features), keyed by image content and model checksum.\n"
            "Loss: sigmoid focal loss; Adam. Default budget: 30 epochs but at least 1000 steps, or with\n"
            "--val until the validation loss has not improved for 3 epochs. A checkpoint (OUT.ckpt) is\n"
            "written after every epoch: Ctrl-C, then the same command with --resume continues; the same\n"
            "seed and thread count give a byte-identical head. Use the head with hoi run --head OUT.")
        .option("--gt", "TRAIN", "labelled relations (annotation file or project)")
        .option("--images", "DIR", "the image folder of TRAIN (default: its project folder or its own folder)")
        .option("--out", "HEAD", "the trained head (safetensors)")
        .option("--clip", "MODEL", "CLIP model (default: $HOI_CLIP, then models/ViT-B-32.pt)")
        .option("--prompt", "TEXT", "a class of the head (default: the classes of TRAIN's positives)", true)
        .flag("--hico", "the 600 HICO-DET classes")
        .option("--split", "NAME", "zero-shot split: rf-uc, nf-uc, uo or uv; its unseen classes are never trained")
        .option("--val", "VAL", "validation relations (early stopping)")
        .option("--val-images", "DIR", "the image folder of VAL")
        .option("--epochs", "N", "epochs (default: 30 and at least 1000 steps, or early stopping with --val)")
        .option("--seed", "S", "random seed (default 1)")
        .option("--lr", "LR", "Adam learning rate (default 0.001)")
        .option("--batch", "N", "images per step (default 4)")
        .option("--cache-dir", "DIR", "feature cache folder")
        .flag("--no-interactor", "do not train the interactor")
        .flag("--no-decoder", "do not train the decoder")
        .flag("--no-context", "do not train the prompt context")
        .flag("--with-detections", "also train on the detector's boxes matched to the labelled ones (IoU >= 0.5)")
        .flag("--resume", "continue from OUT.ckpt");
    if (!args.parse()) return kOk;
    if (!args.has("--gt")) throw_usage("missing --gt TRAIN (see hoi train --help)");
    if (!args.has("--out")) throw_usage("missing --out HEAD.safetensors (see hoi train --help)");
    if (args.has("--hico") && args.has("--prompt")) throw_usage("give --prompt or --hico, not both");

    learn::TrainOptions opt;
    opt.out = args.get("--out");
    opt.split = args.get("--split", "default");
    opt.epochs = args.get_int("--epochs", 0);
    const int seed = args.get_int("--seed", 1);
    if (seed < 0) throw_usage("--seed must be >= 0");
    opt.seed = static_cast<std::uint64_t>(seed);
    opt.resume = args.has("--resume");
    opt.learning_rate = static_cast<float>(args.get_double("--lr", opt.learning_rate));
    if (!(opt.learning_rate > 0)) throw_usage("--lr must be > 0");
    opt.batch_images = args.get_int("--batch", opt.batch_images);
    opt.cache_dir = args.get("--cache-dir");
    opt.train_interactor = !args.has("--no-interactor");
    opt.train_decoder = !args.has("--no-decoder");
    opt.train_context = !args.has("--no-context");
    opt.with_detections = args.has("--with-detections");
    const auto& parser = model::PromptParser::instance();
    if (args.has("--hico")) opt.classes = parser.hico_prompts();
    for (const auto& t : args.all("--prompt")) opt.classes.push_back(parser.parse(t));

    model::EngineOptions eo;
    eo.clip_path = clip::resolve_clip_path(args.get("--clip"));
    eo.keep_layer_attention = false;
    eo.cache_limit_bytes = 64ull << 20;
    if (eo.clip_path.empty()) throw_usage("hoi train needs a CLIP model (--clip, $HOI_CLIP or models/ViT-B-32.pt)");

    const auto train = learn::read_labelled_set(args.get("--gt"), args.get("--images"));
    std::cerr << "hoi train: " << args.get("--gt") << ": " << train.summary() << std::endl;
    for (const auto& m : train.missing_images) std::cerr << "hoi train: " << m << ": missing (skipped)" << std::endl;
    learn::LabelledSet val;
    if (args.has("--val")) {
        val = learn::read_labelled_set(args.get("--val"), args.get("--val-images"));
        std::cerr << "hoi train: --val " << args.get("--val") << ": " << val.summary() << std::endl;
    }
    model::Engine engine(eo);

    g_train_cancel.reset();
    auto old = std::signal(SIGINT, on_train_sigint);
    struct Restore {
        decltype(old) h;
        ~Restore() { std::signal(SIGINT, h); }
    } restore{old};

    int last_epoch = -1;
    learn::TrainReport rep;
    try {
        rep = learn::train_head(engine, train, args.has("--val") ? &val : nullptr, opt, &g_train_cancel,
                                [&](const learn::TrainProgress& p) {
                                    if (p.stage != "train") {
                                        std::cerr << "\rhoi train: " << p.stage << " " << p.step << "/" << p.steps
                                                  << (p.step == p.steps ? "\n" : "") << std::flush;
                                        return;
                                    }
                                    char line[160];
                                    std::snprintf(line, sizeof line, "hoi train: epoch %d/%d step %d/%d loss %.5f ETA %s",
                                                  p.epoch, p.epochs, p.step, p.steps, p.loss,
                                                  format_duration(p.eta_seconds).c_str());
                                    std::cerr << line << std::endl;
                                    last_epoch = p.epoch;
                                });
    } catch (const Error& e) {
        if (e.kind() == ErrorKind::Cancelled) {
            std::cerr << "hoi train: interrupted" << (last_epoch > 1 ? "; " + opt.out + ".ckpt holds epoch " +
                                                                               std::to_string(last_epoch - 1)
                                                                     : std::string())
                      << "; run the same command with --resume to continue" << std::endl;
            return kCancelled;
        }
        throw;
    }
    for (const auto& f : rep.failed_images) std::cerr << "hoi train: " << f << " (skipped)" << std::endl;
    nlohmann::json out = rep.to_json();
    out["out"] = opt.out;
    out["feature_cache"] = opt.cache_dir.empty() ? learn::FeatureCache::default_dir() : opt.cache_dir;
    out["seed"] = opt.seed;
    out["split"] = opt.split;
    print_json(out);
    return kOk;
}

HOI_REGISTER_COMMAND("train", "train the learnable head on labelled relations (CLIP frozen)", cmd_train);

} // namespace hoi::cli
