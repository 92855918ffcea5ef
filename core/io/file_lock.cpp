#include "io/file_lock.h"

#include "io/error.h"

#include <cerrno>
#include <cstring>
#include <string>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace hoi::io {

FileLock::FileLock(const std::string& target, bool required) : path_(target + ".lock") {
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) {
        const int err = errno;
        reason_ = path_ + ": cannot create the lock file: " + std::strerror(err);
        if (required || !(err == EACCES || err == EROFS || err == EPERM)) throw_input(reason_);
        return;
    }
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
        const int err = errno;
        char buf[32] = {0};
        const ssize_t n = ::pread(fd_, buf, sizeof buf - 1, 0);
        ::close(fd_);
        fd_ = -1;
        if (err != EWOULDBLOCK) throw_input(path_ + ": cannot lock: " + std::strerror(err));
        std::string holder = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
        while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
        throw_input(target + " is being written by another process" +
                    (holder.empty() ? std::string() : " (pid " + holder + ")") + ", which holds " + path_ +
                    "; wait for it to finish, or choose another output file");
    }
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd_, 0) == 0) {
        [[maybe_unused]] const ssize_t w = ::pwrite(fd_, pid.data(), pid.size(), 0);
    }
}

FileLock::~FileLock() {
    if (fd_ >= 0) ::close(fd_); // releases the lock
}

} // namespace hoi::io
