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
    explicit FileLock(const std::string& target);
    ~FileLock();
    FileLock(const FileLock&) = delete;
    FileLock& operator=(const FileLock&) = delete;

    const std::string& path() const { return path_; }

private:
    std::string path_;
    int fd_ = -1;
};

} // namespace hoi::io
