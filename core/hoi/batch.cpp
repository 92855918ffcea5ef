#include "hoi/batch.h"

#include "annotation/hico_format.h"
#include "annotation/vcoco_format.h"
#include "hoi/analysis_merge.h"
#include "io/atomic_file.h"
#include "io/error.h"
#include "io/file_lock.h"
#include "io/image.h"
#include "io/json_text.h"
#include "io/names.h"
#include "clip/sha256.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>

namespace fs = std::filesystem;

namespace hoi::model {

namespace {
std::string lower_extension(const fs::path& p) {
    std::string ext = p.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    return ext;
}

bool is_gif_name(const fs::path& p) { return lower_extension(p) == ".gif"; }
} // namespace

std::vector<std::string> list_images(const std::vector<std::string>& inputs, std::vector<std::string>* gifs) {
    std::set<std::string> out;
    for (const auto& in : inputs) {
        std::error_code ec;
        fs::file_status st = fs::status(in, ec);
        if (ec || !fs::exists(st)) throw_input(in + ": no such file or directory");
        if (fs::is_directory(st)) {
            std::vector<std::string> found;
            for (auto it = fs::recursive_directory_iterator(in, fs::directory_options::skip_permission_denied, ec);
                 !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
                if (it->is_regular_file(ec) && io::has_image_extension(it->path().string()))
                    out.insert(it->path().lexically_normal().string());
                else if (gifs && it->is_regular_file(ec) && is_gif_name(it->path()))
                    gifs->push_back(it->path().lexically_normal().string());
            }
            if (ec) throw_input(in + ": cannot read the directory (" + ec.message() + ")");
        } else {
            out.insert(fs::path(in).lexically_normal().string());
        }
    }
    return {out.begin(), out.end()};
}

std::pair<int, int> parse_shard(const std::string& spec) {
    auto slash = spec.find('/');
    auto bad = [&]() -> std::pair<int, int> {
        throw_usage("--shard expects K/N with 1 <= K <= N (e.g. 2/4), got '" + spec + "'");
    };
    if (slash == std::string::npos) return bad();
    try {
        size_t a = 0, b = 0;
        int k = std::stoi(spec.substr(0, slash), &a);
        int n = std::stoi(spec.substr(slash + 1), &b);
        if (a != slash || b != spec.size() - slash - 1 || n < 1 || k < 1 || k > n) return bad();
        return {k, n};
    } catch (const std::logic_error&) {
        return bad();
    }
}

std::vector<std::string> shard_slice(const std::vector<std::string>& paths, int k, int n) {
    std::vector<std::string> out;
    for (size_t i = static_cast<size_t>(k - 1); i < paths.size(); i += static_cast<size_t>(n)) out.push_back(paths[i]);
    return out;
}

nlohmann::json prediction_entry(const ImageAnalysis& a, const BatchOptions& opt) {
    // The analysis enters a one-image document through the one merge, and leaves it through the one
    // HICO-DET writer (annotation/hico_format.h): what the GUI would hold and export.
    annotation::Document doc;
    const annotation::Id image = doc.add_image({0, "image", 0, 0, false});
    MergePolicy policy;
    policy.min_score = opt.min_score;
    policy.all_detections = false; // the boxes of the pairs only
    policy.no_interaction = !opt.vcoco; // HICO-DET classes too (V-COCO has none)
    merge_analysis(a, doc, image, policy);
    annotation::ExportReport report;
    nlohmann::json e = opt.vcoco ? annotation::vcoco::vcoco_image_entry(doc, image, report)
                                 : annotation::hico_image_entry(doc, image, report);
    // The run's own keys: the image's name (as HICO-DET tools match it) and path (the resume key).
    e["file_name"] = fs::path(a.image_path).filename().string();
    e["image_path"] = a.image_path;
    return e;
}

std::string meta_path(const std::string& out) { return out + ".meta.json"; }

std::string pair_feature_mode_name(PairFeatureMode mode) { return mode == PairFeatureMode::Crop ? "crop" : "masked"; }

PairFeatureMode parse_pair_feature_mode(const std::string& name) {
    if (name == "masked") return PairFeatureMode::Masked;
    if (name == "crop") return PairFeatureMode::Crop;
    throw_usage("--pair-features expects masked or crop, got '" + name + "'");
}

nlohmann::json run_metadata(const Engine& engine, const EngineOptions& opt, const std::vector<Prompt>& prompts,
                            const BatchOptions& bopt, const std::string& shard_spec,
                            const std::vector<std::string>& all_images) {
    nlohmann::json meta;
    meta["format"] = "hoi-studio predictions 1";
    meta["version"] = HOI_VERSION;
    nlohmann::json jp = nlohmann::json::array();
    for (const auto& p : prompts)
        jp.push_back({{"text", p.text}, {"verb", p.verb}, {"object", p.object}, {"object_class", p.object_class},
                      {"verb_id", p.verb_id}, {"hoi_id", p.hoi_id}, {"clip_text", p.clip_text}});
    meta["prompts"] = jp;
    meta["models"] = {{"clip", engine.has_clip() ? fs::path(opt.clip_path).filename().string() : ""},
                      {"clip_sha256", engine.clip_checksum()},
                      {"detector", engine.detector_name()},
                      {"detector_checksum", engine.detector_checksum()},
                      {"pose", engine.has_pose()},
                      {"weights", opt.weights_path.empty() ? "" : fs::path(opt.weights_path).filename().string()}};
    meta["options"] = {{"alpha", opt.alpha}, {"lambda", opt.lambda}, {"human_threshold", opt.human_threshold},
                       {"object_threshold", opt.object_threshold}, {"max_humans", opt.max_humans},
                       {"max_objects", opt.max_objects},
                       {"templates", opt.templates.empty() ? default_templates() : opt.templates},
                       {"pair_features", pair_feature_mode_name(opt.pair_features)}, {"min_score", bopt.min_score},
                       {"score", "s_h^lambda * s_o^lambda * (alpha * s_pair + (1 - alpha) * s_global)"}};
    if (bopt.vcoco) meta["options"]["layout"] = "vcoco"; // (HICO-DET's, the default, is not written)
    if (auto head = engine.head_metadata(); !head.empty()) {
        // A trained head (hoi train): its scoring, the CLIP model, classes, split, epochs, data.
        nlohmann::json h(head);
        h["sha256"] = clip::sha256_file(opt.weights_path);
        meta["models"]["head"] = h;
    }
    meta["shard"] = shard_spec.empty() ? nlohmann::json(nullptr) : nlohmann::json(shard_spec);
    // The whole image list (before any shard is cut from it): shards of one run share it, and
    // hoi merge checks that they do.
    std::string listed;
    for (const auto& p : all_images) listed += io::escape_name(p) + "\n";
    meta["image_list"] = {{"count", all_images.size()}, {"sha256", clip::sha256_hex(listed)}};
    // Through the writer's number form, so a meta read back from disk compares equal.
    return io::shortest_numbers(io::json_safe(meta));
}

std::string input_hash(const std::string& path) { return clip::sha256_file(path); }

void check_output_path(const std::string& out, const std::string& option) {
    std::error_code ec;
    if ((!out.empty() && out.back() == '/') || fs::is_directory(out, ec))
        throw_usage(option + " " + out + " is a directory; give the file to write, e.g. " +
                    (fs::path(out) / "predictions.json").lexically_normal().string());
}

PredictionFile::PredictionFile(std::string out, bool read_existing) : out_(std::move(out)) {
    std::error_code ec;
    if (!read_existing || !fs::exists(out_, ec)) return;
    const std::string text = io::read_file(out_);
    const bool blank = text.find_first_not_of(" \t\r\n") == std::string::npos;
    nlohmann::json j = nlohmann::json::array();
    if (!blank) {
        try {
            j = io::parse_json_checked(text, out_);
        } catch (const nlohmann::json::exception& e) {
            throw_input(out_ + ": not valid JSON, cannot resume (" + e.what() + "); remove it or choose another --out");
        }
    }
    if (!j.is_array()) throw_input(out_ + ": expected a JSON list of per-image predictions");
    for (auto& e : j) {
        if (!e.is_object() || !e.contains("image_path") || !e["image_path"].is_string())
            throw_input(out_ + ": an entry has no \"image_path\"; not a file written by hoi run");
        entries_.emplace_back(e["image_path"].get<std::string>(), e);
    }
    std::sort(entries_.begin(), entries_.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    if (fs::exists(meta_path(out_), ec)) {
        try {
            meta_ = io::parse_json_checked(io::read_file(meta_path(out_)), meta_path(out_));
        } catch (const nlohmann::json::exception& e) {
            throw_input(meta_path(out_) + ": not valid JSON (" + e.what() + ")");
        }
        if (!meta_.is_object()) throw_input(meta_path(out_) + ": expected a JSON object (the run's metadata)");
        if (meta_.contains("failed") && meta_["failed"].is_array())
            for (const auto& f : meta_["failed"])
                if (f.contains("image_path") && f.contains("error"))
                    failed_.emplace_back(f["image_path"].get<std::string>(), f["error"].get<std::string>());
        if (meta_.contains("inputs") && meta_["inputs"].is_object())
            for (auto it = meta_["inputs"].begin(); it != meta_["inputs"].end(); ++it)
                if (it.value().is_string()) hashes_[it.key()] = it.value().get<std::string>();
        meta_.erase("failed");
        meta_.erase("inputs");
        meta_.erase("images");
    }
    dirty_ = false;
}

bool PredictionFile::has(const std::string& image_path) const {
    const std::string path = io::escape_name(image_path);
    auto it = std::lower_bound(entries_.begin(), entries_.end(), path,
                               [](const auto& e, const std::string& p) { return e.first < p; });
    return it != entries_.end() && it->first == path;
}

std::string PredictionFile::hash_of(const std::string& image_path) const {
    auto it = hashes_.find(io::escape_name(image_path));
    return it == hashes_.end() ? std::string() : it->second;
}

void PredictionFile::put(const std::string& image_path, nlohmann::json entry, const std::string& hash) {
    const std::string path = io::escape_name(image_path);
    entry = io::shortest_numbers(io::json_safe(entry));
    auto it = std::lower_bound(entries_.begin(), entries_.end(), path,
                               [](const auto& e, const std::string& p) { return e.first < p; });
    if (it != entries_.end() && it->first == path) it->second = std::move(entry);
    else entries_.insert(it, {path, std::move(entry)});
    if (hash.empty()) hashes_.erase(path);
    else hashes_[path] = hash;
    failed_.erase(std::remove_if(failed_.begin(), failed_.end(), [&](const auto& f) { return f.first == path; }),
                  failed_.end());
    dirty_ = true;
}

void PredictionFile::add_failure(const std::string& image_path, const std::string& reason) {
    const std::string path = io::escape_name(image_path), error = io::escape_name(reason);
    failed_.erase(std::remove_if(failed_.begin(), failed_.end(), [&](const auto& f) { return f.first == path; }),
                  failed_.end());
    failed_.emplace_back(path, error);
    std::sort(failed_.begin(), failed_.end());
    dirty_ = true;
}

void PredictionFile::set_meta(const nlohmann::json& meta) {
    const std::string start_over = "; to start over remove " + out_ + " and " + meta_path(out_) +
                                   ", or choose another --out";
    if (meta_.is_null() && !entries_.empty())
        throw_input(out_ + " has " + std::to_string(entries_.size()) + " entries but no " + meta_path(out_) +
                    ": nothing shows which prompts, models and options wrote them, and resuming could mix two "
                    "runs" + start_over);
    if (!meta_.is_null() && !meta_.empty()) {
        for (const char* key : {"format", "prompts", "models", "options"}) {
            if (meta_.value(key, nlohmann::json()) != meta.value(key, nlohmann::json()))
                throw_input(out_ + " was written with different " + std::string(key) +
                            " than this run's; resuming would mix two runs" + start_over);
        }
    }
    if (meta_ != meta) dirty_ = true;
    meta_ = meta;
}

PredictionFile::ResumePlan PredictionFile::plan_resume(const std::vector<std::string>& images) {
    ResumePlan plan;
    std::set<std::string> wanted;
    for (const auto& p : images) wanted.insert(io::escape_name(p));
    for (auto it = entries_.begin(); it != entries_.end();) {
        if (wanted.count(it->first)) {
            ++it;
            continue;
        }
        plan.removed.push_back(it->first);
        hashes_.erase(it->first);
        it = entries_.erase(it);
    }
    for (auto it = failed_.begin(); it != failed_.end();) {
        if (wanted.count(it->first)) {
            ++it;
            continue;
        }
        if (!std::count(plan.removed.begin(), plan.removed.end(), it->first)) plan.removed.push_back(it->first);
        it = failed_.erase(it);
    }
    std::sort(plan.removed.begin(), plan.removed.end());
    if (!plan.removed.empty()) dirty_ = true;
    for (const auto& p : images) {
        if (!has(p)) {
            plan.todo.push_back(p);
            continue;
        }
        std::string now;
        try {
            now = input_hash(p);
        } catch (const Error&) {
            // Unreadable now: analysing it again records why.
        }
        const std::string before = hash_of(p);
        if (!now.empty() && now == before) {
            ++plan.kept;
        } else {
            plan.changed.push_back(p);
            plan.todo.push_back(p);
        }
    }
    return plan;
}

bool PredictionFile::save_if_due() {
    if (!dirty_) return false;
    const double since = std::chrono::duration<double>(std::chrono::steady_clock::now() - last_save_end_).count();
    if (since < 10 * last_save_s_) return false;
    save();
    return true;
}

void PredictionFile::save() {
    const auto start = std::chrono::steady_clock::now();
    nlohmann::json list = nlohmann::json::array();
    for (const auto& [p, e] : entries_) list.push_back(e);
    nlohmann::json meta = meta_;
    nlohmann::json failed = nlohmann::json::array();
    for (const auto& [p, err] : failed_) failed.push_back({{"image_path", p}, {"error", err}});
    meta["failed"] = failed;
    meta["images"] = entries_.size();
    nlohmann::json inputs = nlohmann::json::object();
    for (const auto& [p, e] : entries_) {
        auto h = hashes_.find(p);
        if (h != hashes_.end()) inputs[p] = h->second;
    }
    meta["inputs"] = inputs;
    // The sidecar first (a reader that sees the list finds metadata at least as new), then the
    // list; when the list cannot be written (a full disk) the sidecar goes back to what it was
    // (removed if it was new), so neither is left without the other.
    const std::string mp = meta_path(out_);
    std::error_code ec;
    const bool had_meta = fs::exists(mp, ec);
    const std::string previous = had_meta ? io::read_file(mp) : std::string();
    io::write_file_atomic(mp, io::dump_json(meta, 2) + "\n");
    try {
        io::write_file_atomic(out_, io::dump_json(list) + "\n");
    } catch (...) {
        try {
            if (had_meta) io::write_file_atomic(mp, previous);
            else fs::remove(mp, ec);
        } catch (const Error&) {
        }
        throw;
    }
    dirty_ = false;
    last_save_end_ = std::chrono::steady_clock::now();
    last_save_s_ = std::chrono::duration<double>(last_save_end_ - start).count();
}

void merge_predictions(const std::vector<std::string>& inputs, const std::string& out, bool allow_partial,
                       std::vector<std::string>* missing_shards) {
    if (inputs.empty()) throw_usage("hoi merge needs at least one input file");
    check_output_path(out);
    std::error_code ec;
    if (fs::exists(out, ec)) {
        for (const auto& in : inputs)
            if (fs::equivalent(in, out, ec)) throw_usage("--out " + out + " is also an input");
    }
    io::FileLock lock(out); // not while a run or another merge writes it
    std::vector<std::pair<std::string, nlohmann::json>> all;
    std::map<std::string, std::string> hashes; // image -> content hash, from every input
    std::vector<std::pair<std::string, std::string>> failed;
    nlohmann::json meta;
    std::map<int, std::string> shards; // K -> its input
    int shard_count = 0;               // N
    std::string whole;                 // an input written without --shard
    std::vector<std::string> incomplete; // inputs whose run stopped before its last image
    for (const auto& in : inputs) {
        if (!fs::exists(in, ec)) throw_input(in + ": no such file");
        PredictionFile f(in);
        nlohmann::json m = f.meta();
        if (m.is_null()) throw_input(meta_path(in) + ": missing; hoi merge needs the sidecar hoi run writes");
        const nlohmann::json spec = m.value("shard", nlohmann::json());
        if (spec.is_string()) {
            std::pair<int, int> kn;
            try {
                kn = parse_shard(spec.get<std::string>());
            } catch (const Error&) {
                throw_input(meta_path(in) + ": malformed shard " + spec.dump());
            }
            if (shard_count && kn.second != shard_count)
                throw_input(in + " is shard " + spec.get<std::string>() + " but " + shards.begin()->second +
                            " is one of " + std::to_string(shard_count) + "; these are not shards of one run");
            shard_count = kn.second;
            if (!shards.emplace(kn.first, in).second)
                throw_input(in + " and " + shards[kn.first] + " are both shard " + spec.get<std::string>());
        } else {
            whole = in;
        }
        m["shard"] = nullptr;
        m.erase("images");
        if (meta.is_null()) meta = m;
        for (const char* key : {"format", "version", "prompts", "models", "options", "image_list"})
            if (meta.value(key, nlohmann::json()) != m.value(key, nlohmann::json()))
                throw_input(in + ": its " + std::string(key) + " differ from " + inputs.front() +
                            "'s; these are not shards of one run");
        for (const auto& [p, e] : f.entries()) {
            all.emplace_back(p, e);
            if (!f.hash_of(p).empty()) hashes[p] = f.hash_of(p);
        }
        // Failures recorded in the sidecar (read back through the raw file).
        nlohmann::json raw = io::parse_json_checked(io::read_file(meta_path(in)), meta_path(in), [](const std::string&) {});
        size_t done = f.entries().size();
        if (raw.contains("failed") && raw["failed"].is_array())
            for (const auto& x : raw["failed"]) {
                failed.emplace_back(x.value("image_path", ""), x.value("error", ""));
                ++done;
            }
        // An interrupted run (a task killed midway) holds fewer images than its share of the list.
        // (A sidecar without a list count, written by hand or by an older run, is not checked.)
        const nlohmann::json list = m.value("image_list", nlohmann::json());
        const size_t count = list.is_object() && list.contains("count") && list["count"].is_number_unsigned()
                                     ? list["count"].get<size_t>()
                                     : 0;
        size_t expected = count;
        if (spec.is_string()) {
            const auto [k, n] = parse_shard(spec.get<std::string>());
            expected = count > size_t(k - 1) ? (count - size_t(k - 1) + size_t(n) - 1) / size_t(n) : 0;
        }
        if (done < expected)
            incomplete.push_back(in + " (" + std::to_string(done) + " of " + std::to_string(expected) + " images)");
    }
    if (!whole.empty() && inputs.size() > 1)
        throw_input(whole + " was written by a run without --shard, not by one shard of a set; hoi merge joins the "
                            "shards of one run");
    std::vector<std::string> missing, given;
    for (int k = 1; k <= shard_count; ++k)
        (shards.count(k) ? given : missing).push_back(std::to_string(k) + "/" + std::to_string(shard_count));
    if (!missing.empty()) {
        auto join = [](const std::vector<std::string>& v) {
            std::string r;
            for (const auto& x : v) r += (r.empty() ? "" : ", ") + x;
            return r;
        };
        if (!allow_partial)
            throw_input("shard" + std::string(missing.size() > 1 ? "s " : " ") + join(missing) + " missing (given: " +
                        join(given) + "): the merged file would lack their images; give every shard, or "
                        "--allow-partial to merge these anyway");
        meta["missing_shards"] = missing;
        if (missing_shards) *missing_shards = missing;
    }
    if (!incomplete.empty()) {
        std::string list;
        for (const auto& x : incomplete) list += (list.empty() ? "" : ", ") + x;
        if (!allow_partial)
            throw_input("not finished: " + list + "; run the same hoi run again to finish it (it resumes), or "
                        "--allow-partial to merge anyway");
        meta["incomplete_inputs"] = incomplete;
    }
    std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (size_t i = 1; i < all.size(); ++i)
        if (all[i].first == all[i - 1].first && all[i].second != all[i - 1].second)
            throw_input("image " + all[i].first + " appears in two inputs with different predictions");
    all.erase(std::unique(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.first == b.first; }),
              all.end());
    PredictionFile merged(out, false);
    merged.set_meta(meta);
    for (auto& [p, e] : all) merged.put(p, e, hashes.count(p) ? hashes[p] : std::string());
    std::sort(failed.begin(), failed.end());
    failed.erase(std::unique(failed.begin(), failed.end()), failed.end());
    for (const auto& [p, err] : failed)
        if (!merged.has(p)) merged.add_failure(p, err);
    merged.save();
}

} // namespace hoi::model
