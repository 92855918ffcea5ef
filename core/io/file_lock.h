#pragma once
// An advisory lock (flock) on TARGET.lock beside a file, held while the object lives: two processes
// that would write one file (two `hoi run` with the same --out) cannot both go on and lose each
// other's results. The lock file stays (removing it would race with the next locker); the lock goes
// with the process, however it ends.
#include <string>

namespace hoi::io {

class FileLock {
public:
    // Throws hoi::Error(Input) naming the file (and the holder's process id) when another process
    // holds the lock, or with the OS reason when the lock file cannot be created.
    // required false: when the lock file cannot be created at all (a read-only folder), held() is
    // false and reason() says why instead of throwing; a caller that then finds nothing to write
    // may go on (nobody writes without the lock). Another process holding it still throws.
    explicit FileLock(const std::string& target, bool required = true);
    bool held() const { return fd_ >= 0; }
    const std::string& reason() const { return reason_; }
    ~FileLock();
    FileLock(const FileLock&) = delete;
    FileLock& operator=(const FileLock&) = delete;

    const std::string& path() const { return path_; }

private:
    std::string path_;
    std::string reason_;
    int fd_ = -1;
};

} // namespace hoi::io
