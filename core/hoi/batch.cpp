#include "hoi/batch.h"

#include "annotation/hico_format.h"
#include "hoi/analysis_merge.h"
#include "io/atomic_file.h"
#include "io/error.h"
#include "io/file_lock.h"
#include "io/image.h"
#include "io/names.h"

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
    policy.no_interaction = true;  // HICO-DET classes too
    merge_analysis(a, doc, image, policy);
    annotation::ExportReport report;
    nlohmann::json e = annotation::hico_image_entry(doc, image, report);
    // The run's own keys: the image's name (as HICO-DET tools match it) and path (the resume key).
    e["file_name"] = fs::path(a.image_path).filename().string();
    e["image_path"] = a.image_path;
    return e;
}

std::string meta_path(const std::string& out) { return out + ".meta.json"; }

PredictionFile::PredictionFile(std::string out, bool read_existing) : out_(std::move(out)) {
    std::error_code ec;
    if (!read_existing || !fs::exists(out_, ec)) return;
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(io::read_file(out_));
    } catch (const nlohmann::json::exception& e) {
        throw_input(out_ + ": not valid JSON, cannot resume (" + e.what() + "); remove it or choose another --out");
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
            meta_ = nlohmann::json::parse(io::read_file(meta_path(out_)));
        } catch (const nlohmann::json::exception& e) {
            throw_input(meta_path(out_) + ": not valid JSON (" + e.what() + ")");
        }
        if (meta_.contains("failed") && meta_["failed"].is_array())
            for (const auto& f : meta_["failed"])
                if (f.contains("image_path") && f.contains("error"))
                    failed_.emplace_back(f["image_path"].get<std::string>(), f["error"].get<std::string>());
        meta_.erase("failed");
    }
}

bool PredictionFile::has(const std::string& image_path) const {
    const std::string path = io::escape_name(image_path);
    auto it = std::lower_bound(entries_.begin(), entries_.end(), path,
                               [](const auto& e, const std::string& p) { return e.first < p; });
    return it != entries_.end() && it->first == path;
}

void PredictionFile::put(const std::string& image_path, nlohmann::json entry) {
    const std::string path = io::escape_name(image_path);
    entry = io::json_safe(entry);
    auto it = std::lower_bound(entries_.begin(), entries_.end(), path,
                               [](const auto& e, const std::string& p) { return e.first < p; });
    if (it != entries_.end() && it->first == path) it->second = std::move(entry);
    else entries_.insert(it, {path, std::move(entry)});
    failed_.erase(std::remove_if(failed_.begin(), failed_.end(), [&](const auto& f) { return f.first == path; }),
                  failed_.end());
}

void PredictionFile::add_failure(const std::string& image_path, const std::string& reason) {
    const std::string path = io::escape_name(image_path), error = io::escape_name(reason);
    failed_.erase(std::remove_if(failed_.begin(), failed_.end(), [&](const auto& f) { return f.first == path; }),
                  failed_.end());
    failed_.emplace_back(path, error);
    std::sort(failed_.begin(), failed_.end());
}

void PredictionFile::set_meta(const nlohmann::json& meta) {
    if (!meta_.is_null() && !meta_.empty()) {
        for (const char* key : {"prompts", "models", "options"}) {
            if (meta_.value(key, nlohmann::json()) != meta.value(key, nlohmann::json()))
                throw_usage(out_ + " was written with different " + std::string(key) +
                            "; resuming would mix two runs (use another --out, or remove the file)");
        }
    }
    meta_ = meta;
}

void PredictionFile::save() const {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& [p, e] : entries_) list.push_back(e);
    nlohmann::json meta = meta_;
    nlohmann::json failed = nlohmann::json::array();
    for (const auto& [p, err] : failed_) failed.push_back({{"image_path", p}, {"error", err}});
    meta["failed"] = failed;
    meta["images"] = entries_.size();
    // The sidecar first: a reader that sees the list always finds metadata at least as new.
    io::write_file_atomic(meta_path(out_), io::json_safe(meta).dump(2) + "\n");
    io::write_file_atomic(out_, list.dump() + "\n");
}

void merge_predictions(const std::vector<std::string>& inputs, const std::string& out, bool allow_partial,
                       std::vector<std::string>* missing_shards) {
    if (inputs.empty()) throw_usage("hoi merge needs at least one input file");
    std::error_code ec;
    if (fs::exists(out, ec)) {
        for (const auto& in : inputs)
            if (fs::equivalent(in, out, ec)) throw_usage("--out " + out + " is also an input");
    }
    io::FileLock lock(out); // not while a run or another merge writes it
    std::vector<std::pair<std::string, nlohmann::json>> all;
    std::vector<std::pair<std::string, std::string>> failed;
    nlohmann::json meta;
    std::map<int, std::string> shards; // K -> its input
    int shard_count = 0;               // N
    std::string whole;                 // an input written without --shard
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
        for (const auto& [p, e] : f.entries()) all.emplace_back(p, e);
        // Failures recorded in the sidecar (read back through the raw file).
        nlohmann::json raw = nlohmann::json::parse(io::read_file(meta_path(in)));
        if (raw.contains("failed") && raw["failed"].is_array())
            for (const auto& x : raw["failed"]) failed.emplace_back(x.value("image_path", ""), x.value("error", ""));
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
    std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (size_t i = 1; i < all.size(); ++i)
        if (all[i].first == all[i - 1].first && all[i].second != all[i - 1].second)
            throw_input("image " + all[i].first + " appears in two inputs with different predictions");
    all.erase(std::unique(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.first == b.first; }),
              all.end());
    PredictionFile merged(out, false);
    merged.set_meta(meta);
    for (auto& [p, e] : all) merged.put(p, e);
    std::sort(failed.begin(), failed.end());
    failed.erase(std::unique(failed.begin(), failed.end()), failed.end());
    for (const auto& [p, err] : failed)
        if (!merged.has(p)) merged.add_failure(p, err);
    merged.save();
}

} // namespace hoi::model
