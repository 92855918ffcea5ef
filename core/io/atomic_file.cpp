#include "io/atomic_file.h"
#include "io/error.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace hoi::io {
namespace {

std::string os_error(const std::string& what, const std::string& path) {
    return what + " '" + path + "': " + std::strerror(errno);
}

void write_all(int fd, std::string_view data, const std::string& path) {
    const char* p = data.data();
    size_t left = data.size();
    while (left > 0) {
        ssize_t n = ::write(fd, p, left);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw_input(os_error("cannot write", path));
        }
        p += n;
        left -= static_cast<size_t>(n);
    }
}

// Temporary files of `name` that a writer killed mid-write (SIGKILL, power loss) left behind: the
// first write of each target in a process removes those older than ten minutes (a live writer
// takes milliseconds; the age keeps a concurrent one safe).
void sweep_stale_temporaries(const fs::path& dir, const std::string& name) {
    static std::mutex mutex;
    static std::set<std::string> swept;
    {
        std::lock_guard<std::mutex> lock(mutex);
        if (!swept.insert((dir / name).string()).second) return;
    }
    const std::string prefix = "." + name + ".tmp-";
    std::error_code ec;
    const auto now = fs::file_time_type::clock::now();
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        const std::string entry = it->path().filename().string();
        if (entry.size() != prefix.size() + 6 || entry.compare(0, prefix.size(), prefix) != 0) continue;
        std::error_code ignore;
        const auto mtime = fs::last_write_time(it->path(), ignore);
        if (!ignore && now - mtime > std::chrono::minutes(10)) fs::remove(it->path(), ignore);
    }
}

// The file a write of `path` replaces: a symbolic link is followed (a link to a file stays a link,
// its target gets the new content), relative links from the link's own folder.
fs::path resolve_links(const std::string& path) {
    fs::path target(path);
    std::error_code ec;
    for (int hops = 0; hops < 40 && fs::is_symlink(fs::symlink_status(target, ec)); ++hops) {
        const fs::path next = fs::read_symlink(target, ec);
        if (ec) break;
        target = next.is_absolute() ? next : target.parent_path() / next;
    }
    return target;
}

} // namespace

void write_file_atomic(const std::string& link_path, std::string_view data) {
    const fs::path target = resolve_links(link_path);
    const std::string path = target.string();
    fs::path dir = target.parent_path();
    if (dir.empty()) dir = ".";
    sweep_stale_temporaries(dir, target.filename().string());
    std::string tmpl = (dir / ("." + target.filename().string() + ".tmp-XXXXXX")).string();
    int fd = ::mkstemp(tmpl.data());
    if (fd < 0) throw_input(os_error("cannot create a temporary file next to", path));
    try {
        // Keep the permissions an existing file had; new files get the usual 0644 (umask applies).
        struct stat st {};
        mode_t mode = 0644;
        if (::stat(path.c_str(), &st) == 0) mode = st.st_mode & 07777;
        else {
            mode_t um = ::umask(0);
            ::umask(um);
            mode = 0666 & ~um;
        }
        ::fchmod(fd, mode);
        write_all(fd, data, tmpl);
        if (::fsync(fd) != 0) throw_input(os_error("cannot flush", tmpl));
        if (::close(fd) != 0) { fd = -1; throw_input(os_error("cannot close", tmpl)); }
        fd = -1;
        if (::rename(tmpl.c_str(), path.c_str()) != 0) throw_input(os_error("cannot replace", path));
    } catch (...) {
        if (fd >= 0) ::close(fd);
        ::unlink(tmpl.c_str());
        throw;
    }
    // Make the rename itself durable.
    int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
}

std::string read_file(const std::string& path, size_t max_bytes) {
    std::error_code ec;
    fs::file_status st = fs::status(path, ec);
    if (ec || !fs::exists(st)) throw_input("file not found: '" + path + "'");
    if (fs::is_directory(st)) throw_input("'" + path + "' is a directory, not a file");
    auto size = fs::file_size(path, ec);
    if (ec) throw_input("cannot read '" + path + "': " + ec.message());
    if (max_bytes && size > max_bytes)
        throw_input("'" + path + "' is " + std::to_string(size) + " bytes, over the limit of " +
                    std::to_string(max_bytes) + " bytes");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw_input(os_error("cannot open", path));
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad()) throw_input(os_error("cannot read", path));
    return ss.str();
}

} // namespace hoi::io
