#include "clip/model_manifest.h"

#include "io/atomic_file.h"
#include "io/error.h"
#include "io/resources.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

namespace fs = std::filesystem;

namespace hoi::clip {

std::string manifests_dir() {
    std::vector<fs::path> tried;
    if (const char* v = std::getenv("HOI_MANIFESTS"); v && *v) tried.emplace_back(v);
    const fs::path res = io::resource_dir();
    tried.push_back(res / ".." / "models" / "manifests");
    tried.push_back(res / "models" / "manifests");
    std::error_code ec;
    for (const auto& p : tried)
        if (fs::is_directory(p, ec)) return fs::weakly_canonical(p, ec).string();
    std::string where;
    for (const auto& p : tried) where += (where.empty() ? "" : ", ") + p.string();
    throw_model("no model manifests folder found (looked in " + where + "; set HOI_MANIFESTS)");
}

static Manifest parse_manifest(const std::string& path) {
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(io::read_file(path, 1 << 20));
    } catch (const nlohmann::json::exception& e) {
        throw_model("manifest " + path + " is not valid JSON: " + e.what());
    }
    auto str = [&](const nlohmann::json& o, const char* key, bool required) -> std::string {
        if (o.contains(key) && o[key].is_string()) return o[key].get<std::string>();
        if (required) throw_model("manifest " + path + ": '" + key + "' is missing or not a string");
        return "";
    };
    Manifest m;
    m.path = path;
    m.name = str(j, "name", true);
    m.kind = str(j, "kind", false);
    m.format = str(j, "format", false);
    m.description = str(j, "description", false);
    m.license = str(j, "license", false);
    m.architecture = str(j, "architecture", false);
    if (!j.contains("source") || !j["source"].is_object()) throw_model("manifest " + path + ": 'source' is missing");
    const auto& s = j["source"];
    m.source_type = str(s, "type", true);
    if (m.source_type == "url") m.url = str(s, "url", true);
    else if (m.source_type == "npm") {
        m.package = str(s, "package", true);
        m.version = str(s, "version", true);
    } else throw_model("manifest " + path + ": unknown source type '" + m.source_type + "'");
    if (!j.contains("files") || !j["files"].is_array() || j["files"].empty())
        throw_model("manifest " + path + ": 'files' must be a non-empty array");
    for (const auto& f : j["files"]) {
        ManifestFile mf;
        mf.name = str(f, "name", true);
        mf.sha256 = str(f, "sha256", true);
        mf.member = str(f, "member", false);
        if (mf.name.find('/') != std::string::npos || mf.name == ".." || mf.name == ".")
            throw_model("manifest " + path + ": file name '" + mf.name + "' must be a plain name");
        m.files.push_back(mf);
    }
    return m;
}

std::vector<Manifest> load_manifests() {
    std::vector<Manifest> out;
    const auto dir = manifests_dir();
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec))
        if (e.path().extension() == ".json") out.push_back(parse_manifest(e.path().string()));
    std::sort(out.begin(), out.end(), [](const Manifest& a, const Manifest& b) { return a.name < b.name; });
    return out;
}

Manifest find_manifest(const std::string& name) {
    auto all = load_manifests();
    std::string names;
    for (const auto& m : all) {
        if (m.name == name) return m;
        names += (names.empty() ? "" : ", ") + m.name;
    }
    throw_usage("unknown model '" + name + "' (known: " + names + ")");
}

} // namespace hoi::clip
