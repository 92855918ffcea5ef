#include "io/resources.h"
#include "io/error.h"

#include <cstdlib>
#include <filesystem>
#include <unistd.h>

namespace fs = std::filesystem;

namespace hoi::io {
namespace {

fs::path exe_dir() {
    std::error_code ec;
    fs::path p = fs::read_symlink("/proc/self/exe", ec);
    return ec ? fs::path() : p.parent_path();
}

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v ? std::string(v) : std::string();
}

} // namespace

std::string resource_dir() {
    if (auto v = env("HOI_RESOURCES"); !v.empty()) return v;
    fs::path installed = exe_dir() / ".." / "share" / "hoi-studio";
    std::error_code ec;
    if (fs::exists(installed / "hico" / "hico_600.tsv", ec)) return fs::weakly_canonical(installed).string();
    if (fs::exists(fs::path(HOI_SOURCE_RESOURCES) / "hico", ec)) return HOI_SOURCE_RESOURCES;
    return HOI_INSTALL_RESOURCES;
}

std::string resource_path(const std::string& relative) {
    fs::path p = fs::path(resource_dir()) / relative;
    std::error_code ec;
    if (!fs::exists(p, ec))
        throw_model("resource '" + relative + "' not found in " + resource_dir() +
                    " (set HOI_RESOURCES to the folder that holds it)");
    return p.string();
}

std::string models_dir() {
    if (auto v = env("HOI_MODELS"); !v.empty()) return v;
    fs::path src = fs::path(HOI_SOURCE_RESOURCES).parent_path() / "models" / "cache";
    std::error_code ec;
    if (fs::is_directory(src, ec)) return src.string();
    std::string data = env("XDG_DATA_HOME");
    if (data.empty()) data = env("HOME") + "/.local/share";
    return data + "/hoi-studio/models";
}

} // namespace hoi::io
