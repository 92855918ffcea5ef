// hoi run — zero-shot HOI detection over images and folders, written as HICO-DET predictions.
#include "cli.h"

#include "clip/clip_model.h"
#include "core.h"
#include "hoi/analysis_merge.h"
#include "hoi/batch.h"
#include "hoi/engine.h"
#include "io/error.h"
#include "io/file_lock.h"
#include "io/json_text.h"
#include "io/names.h"
#include "learn/adapter_examples.h"

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>

namespace hoi::cli {

namespace {

CancelFlag g_cancel;
extern "C" void on_sigint(int) { g_cancel.cancel(); }

std::string safe_stem(const std::string& path) {
    std::string s = std::filesystem::path(path).stem().string();
    for (auto& c : s)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) c = '_';
    return s;
}

} // namespace

static int cmd_run(std::vector<std::string> argv) {
    Args args("run", std::move(argv));
    args.description(
            "Detects people and objects, pairs them and scores every pair against the prompts with CLIP.\n"
            "Writes HICO-DET predictions (QPIC layout, a JSON list sorted by image path; with --vcoco\n"
            "V-COCO's, the 29 classes' relations with their scores) to --out and\n"
            "metadata (prompts, model checksums, options, failed images) to OUT.meta.json. The file is\n"
            "rewritten atomically after every image: an interrupted run (Ctrl-C) leaves a valid file and\n"
            "running the same command again resumes (images already in OUT are skipped).\n"
            "Fusion: s = s_h^lambda * s_o^lambda * (alpha * s_pair + (1 - alpha) * s_global).")
        .option("--clip", "MODEL", "CLIP model (default: $HOI_CLIP, then models/ViT-B-32.pt)")
        .option("--detector", "NAME", "detector: nanodet (default), centernet, or a model path")
        .option("--prompt", "TEXT", "an interaction, e.g. \"ride horse\" or \"hold_cup\"", true)
        .flag("--hico", "add the 600 HICO-DET classes as prompts")
        .flag("--vcoco", "add the 29 V-COCO action classes as prompts and write OUT in the V-COCO layout "
                         "(QPIC's test_vcoco.json with scores, what hoi eval --vcoco --pred reads)")
        .option("--out", "FILE", "prediction file (JSON)")
        .option("--shard", "K/N", "process only the K-th of N deterministic slices of the sorted images")
        .option("--alpha", "A", "weight of the pair feature against the whole image (default 0.7)")
        .option("--lambda", "L", "exponent of the detector scores (default 1)")
        .option("--human-threshold", "T", "minimum person score (default 0.4)")
        .option("--object-threshold", "T", "minimum object score (default 0.3)")
        .option("--max-humans", "N", "top-k people per image (default 8)")
        .option("--max-objects", "N", "top-k objects per image (default 12)")
        .option("--template", "T", "CLIP sentence template with {}; several = an averaged ensemble (default \"a photo of a {}.\")", true)
        .option("--pair-features", "MODE", "masked (default: one CLIP pass per image) or crop")
        .option("--weights", "FILE", "learnable head weights (safetensors)")
        .option("--head", "FILE", "a head trained by hoi train (the same as --weights)")
        .option("--adapt-from", "REVIEWED", "few-shot adapter: the reviewed relations of an annotation file or project")
        .option("--adapt-images", "DIR", "the image folder of --adapt-from (default: its project folder or its own folder)")
        .option("--adapter-weight", "W", "logit added per matching reviewed example (default 3)")
        .option("--adapter-sharpness", "B", "affinity exp(-B (1 - cos)) of a pair to an example (default 5.5)")
        .option("--min-score", "S", "omit interactions scoring below S (default 0)")
        .option("--attention-dir", "DIR", "write each pair's attention map as a PNG overlay")
        .flag("--relevance", "with --attention-dir: gradient relevance maps of the best prompt (slower)")
        .flag("--no-pose", "do not use the pose estimator")
        .positional("IMAGE|DIR", "image files or folders (scanned recursively)", 1);
    if (!args.parse()) return kOk;
    if (!args.has("--out")) throw_usage("--out FILE is required (see hoi run --help)");
    if (!args.has("--prompt") && !args.has("--hico") && !args.has("--vcoco"))
        throw_usage("give at least one --prompt, or --hico, or --vcoco");
    if (args.has("--hico") && args.has("--vcoco"))
        throw_usage("--hico and --vcoco write different layouts; give one of them");

    model::EngineOptions opt;
    opt.clip_path = clip::resolve_clip_path(args.get("--clip"));
    opt.detector = args.get("--detector", "nanodet");
    opt.use_pose = !args.has("--no-pose");
    opt.alpha = static_cast<float>(args.get_double("--alpha", opt.alpha));
    opt.lambda = static_cast<float>(args.get_double("--lambda", opt.lambda));
    opt.human_threshold = static_cast<float>(args.get_double("--human-threshold", opt.human_threshold));
    opt.object_threshold = static_cast<float>(args.get_double("--object-threshold", opt.object_threshold));
    opt.max_humans = args.get_int("--max-humans", opt.max_humans);
    opt.max_objects = args.get_int("--max-objects", opt.max_objects);
    opt.templates = args.all("--template");
    opt.weights_path = args.get("--head", args.get("--weights"));
    opt.adapter.weight = static_cast<float>(args.get_double("--adapter-weight", opt.adapter.weight));
    opt.adapter.sharpness = static_cast<float>(args.get_double("--adapter-sharpness", opt.adapter.sharpness));
    opt.keep_layer_attention = false;
    opt.cache_limit_bytes = 64ull << 20; // batch: images are seen once
    opt.pair_features = model::parse_pair_feature_mode(args.get("--pair-features", "masked"));
    model::BatchOptions bopt;
    bopt.min_score = static_cast<float>(args.get_double("--min-score", 0.0));
    bopt.vcoco = args.has("--vcoco");
    const std::string attention_dir = args.get("--attention-dir");
    if (args.has("--relevance") && attention_dir.empty()) throw_usage("--relevance needs --attention-dir");

    // Prompts: the HICO or V-COCO preset first, then the free prompts (duplicates of a preset's dropped).
    std::vector<model::Prompt> prompts;
    const auto& parser = model::PromptParser::instance();
    if (args.has("--hico")) prompts = parser.hico_prompts();
    if (args.has("--vcoco")) prompts = model::PromptParser::vcoco_prompts();
    for (const auto& t : args.all("--prompt")) {
        model::Prompt p = parser.parse(t);
        bool dup = false;
        for (const auto& q : prompts) dup |= q.key() == p.key() && q.no_interaction == p.no_interaction;
        if (!dup) prompts.push_back(std::move(p));
    }

    std::vector<std::string> gifs;
    std::vector<std::string> images = model::list_images(args.positionals(), &gifs);
    for (const auto& g : gifs)
        std::cerr << "hoi run: " << g << ": skipped, GIF images are not supported (convert it to PNG)" << std::endl;
    const std::vector<std::string> all_images = images;
    std::string shard_spec;
    if (args.has("--shard")) {
        auto [k, n] = model::parse_shard(args.get("--shard"));
        images = model::shard_slice(images, k, n);
        shard_spec = std::to_string(k) + "/" + std::to_string(n);
    }

    // One writer per output: a second run with the same --out refuses (exit 3) instead of both
    // rewriting the file and one losing its results. A folder we cannot write to is only an error
    // when there is something to write (a complete run over a read-only output has nothing).
    const std::string out = args.get("--out");
    model::check_output_path(out);
    io::FileLock lock(out, false);
    const auto t_start = std::chrono::steady_clock::now();
    model::Engine engine(opt);
    if (!engine.has_clip())
        std::cerr << "hoi run: no CLIP model (--clip, $HOI_CLIP or models/ViT-B-32.pt): writing detections only, "
                     "open-vocabulary scoring needs the CLIP model" << std::endl;

    nlohmann::json meta = model::run_metadata(engine, opt, prompts, bopt, shard_spec, all_images);
    if (args.has("--adapt-from")) {
        // The few-shot adapter: every decided relation of REVIEWED becomes an example before the run.
        const auto set = learn::read_labelled_set(args.get("--adapt-from"), args.get("--adapt-images"));
        std::cerr << "hoi run: --adapt-from " << args.get("--adapt-from") << ": " << set.summary() << std::endl;
        meta["options"]["adapter"] = learn::add_examples(engine, set, nullptr, [](const std::string& line) {
            std::cerr << "hoi run: --adapt-from: " << line << std::endl;
        });
    }
    model::PredictionFile file(out);
    file.set_meta(io::shortest_numbers(io::json_safe(meta))); // as run_metadata: compares equal when read back
    // Resume: entries of images no longer given are dropped, changed images done again.
    const auto plan = file.plan_resume(images);
    for (const auto& p : plan.removed)
        std::cerr << "hoi run: " << p << ": no longer among the inputs, its entry removed from " << out << std::endl;
    for (const auto& p : plan.changed)
        std::cerr << "hoi run: " << p << ": changed since it was analysed, analysing it again" << std::endl;
    const std::vector<std::string>& todo = plan.todo;
    const size_t skipped = plan.kept;
    if (skipped) std::cerr << "hoi run: resuming, " << skipped << " image(s) already in " << out << std::endl;
    const bool writes = !todo.empty() || file.dirty();
    if (writes && !lock.held()) throw_input(lock.reason() + "; cannot write " + out);
    if (file.dirty()) file.save(); // valid (possibly empty) output from the start

    g_cancel.reset();
    auto old_handler = std::signal(SIGINT, on_sigint);
    struct Restore {
        decltype(old_handler) h;
        ~Restore() { std::signal(SIGINT, h); }
    } restore{old_handler};

    if (!todo.empty()) {
        // The first run with a model encodes its prompts (kept on disk for the next runs).
        size_t total = 0;
        engine.prepare_prompts(prompts, &g_cancel, [&](size_t done, size_t n) {
            total = n;
            if (done == 1 || done % 20 == 0 || done == n)
                std::cerr << "\rhoi run: encoding prompts " << done << "/" << n << std::flush;
        });
        if (total) std::cerr << " (cached for the next runs)" << std::endl;
    }
    if (!attention_dir.empty()) std::filesystem::create_directories(attention_dir);

    size_t done = 0, failed = 0, pairs = 0, interactions = 0;
    bool cancelled = false;
    const auto t_loop = std::chrono::steady_clock::now();
    for (const auto& path : todo) {
        try {
            const std::string hash = model::input_hash(path);
            model::ImageAnalysis a = engine.analyse(path, prompts, {}, &g_cancel);
            nlohmann::json entry = model::prediction_entry(a, bopt);
            pairs += a.pairs.size();
            for (const char* list : {"hoi_annotation", "free_hoi_annotation"})
                if (auto it = entry.find(list); it != entry.end()) interactions += it->size();
            for (const auto& w : a.warnings) std::cerr << "hoi run: " << path << ": " << w << std::endl;
            if (!attention_dir.empty() && a.scored) {
                for (size_t p = 0; p < a.pairs.size(); ++p) {
                    const std::vector<int> ranked = model::ranked_prompts(a, static_cast<int>(p), true);
                    const int best = ranked.empty() ? -1 : ranked.front();
                    model::AttentionMap m = args.has("--relevance") && best >= 0
                                                    ? engine.relevance_map(a, static_cast<int>(p), best, &g_cancel)
                                                    : a.pair_attention[p];
                    const std::string png = (std::filesystem::path(attention_dir) /
                                             (safe_stem(path) + "_pair" + std::to_string(p) + ".png")).string();
                    model::write_attention_png(path, m, png);
                }
            }
            file.put(path, std::move(entry), hash);
        } catch (const Error& e) {
            if (e.kind() == ErrorKind::Cancelled) {
                cancelled = true;
                break;
            }
            if (e.kind() == ErrorKind::Model || e.kind() == ErrorKind::Usage) {
                if (file.dirty()) file.save(); // the images done so far are kept
                throw;
            }
            ++failed;
            std::cerr << "hoi run: " << e.what() << " (skipped)" << std::endl;
            file.add_failure(path, e.what());
        } catch (const std::exception& e) {
            // Anything else one image provokes (out of memory, a library's check) fails that image
            // alone: recorded with its reason, the batch goes on.
            ++failed;
            const std::string reason = path + ": " + library_message(e);
            std::cerr << "hoi run: " << reason << " (skipped)" << std::endl;
            file.add_failure(path, reason);
        }
        file.save_if_due(); // after every image while writing is cheap (PredictionFile::save_if_due)
        ++done;
        const double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_loop).count();
        const double eta = el / static_cast<double>(done) * static_cast<double>(todo.size() - done);
        std::cerr << "[" << done + skipped << "/" << images.size() << "] " << path << "  ETA " << format_duration(eta)
                  << std::endl;
        if (g_cancel.cancelled()) {
            cancelled = true;
            break;
        }
    }
    if (file.dirty()) file.save();
    const auto t_end = std::chrono::steady_clock::now();
    const double secs = std::chrono::duration<double>(t_end - t_start).count();
    // Time per analysed image, without loading the models and encoding the prompts (the number the
    // GUI batch is compared with: `hoi-studio --bench`).
    const double loop_secs = std::chrono::duration<double>(t_end - t_loop).count();
    nlohmann::json summary = {{"out", out},
                              {"meta", model::meta_path(out)},
                              {"images", images.size()},
                              {"processed", done - failed},
                              {"skipped", skipped},
                              {"changed", plan.changed.size()},
                              {"removed", plan.removed.size()},
                              {"failed", failed},
                              {"pairs", pairs},
                              {"interactions", interactions},
                              {"prompts", prompts.size()},
                              {"scored", engine.has_clip()},
                              {"cancelled", cancelled},
                              {"seconds", secs},
                              {"ms_per_image", done ? 1000.0 * loop_secs / static_cast<double>(done) : 0.0}};
    print_json(summary);
    if (cancelled) {
        std::cerr << "hoi run: interrupted; " << out << " is valid, run the same command to resume"
                  << std::endl;
        return kCancelled;
    }
    return failed ? kInput : kOk;
}

HOI_REGISTER_COMMAND("run", "zero-shot HOI detection over images/folders -> HICO-DET (or V-COCO) predictions", cmd_run);

} // namespace hoi::cli
