#include "annotation/recovery_store.h"

#include "annotation/formats.h"
#include "io/error.h"

#include <filesystem>

namespace fs = std::filesystem;

namespace hoi::annotation {

RecoveryStore::RecoveryStore(std::string project_path)
    : project_path_(std::move(project_path)), recovery_path_(recovery_path_for(project_path_)) {}

std::string RecoveryStore::recovery_path_for(const std::string& project_path) {
    fs::path p(project_path);
    if (p.filename().empty()) throw_input("'" + project_path + "' is not a file path");
    return (p.parent_path() / ("." + p.filename().string() + ".recovery.json")).string();
}

void RecoveryStore::write(const Project& project) const { save_project(project, recovery_path_); }

bool RecoveryStore::has_recovery() const {
    std::error_code ec;
    return fs::is_regular_file(recovery_path_, ec);
}

bool RecoveryStore::has_newer_recovery() const {
    std::error_code ec;
    if (!fs::is_regular_file(recovery_path_, ec)) return false;
    auto rt = fs::last_write_time(recovery_path_, ec);
    if (ec) return false;
    if (!fs::exists(project_path_, ec)) return true;
    auto pt = fs::last_write_time(project_path_, ec);
    if (ec) return true;
    return rt >= pt; // same timestamp: offer it (losing work is worse than an extra question)
}

Project RecoveryStore::load_recovery() const { return load_project(recovery_path_); }

void RecoveryStore::discard() const {
    std::error_code ec;
    fs::remove(recovery_path_, ec);
    if (ec && ec != std::errc::no_such_file_or_directory)
        throw_input("cannot remove the recovery file '" + recovery_path_ + "': " + ec.message());
}

void RecoveryStore::save(const Project& project) const {
    save_project(project, project_path_);
    discard();
}

} // namespace hoi::annotation
