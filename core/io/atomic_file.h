#pragma once
// Atomic file writes: write to a temporary file in the same directory, fsync it, rename it over
// the target, fsync the directory. A reader never sees a half-written file.
#include <string>
#include <string_view>

namespace hoi::io {

// Writes `data` to `path` atomically. A symbolic link is written through (its target replaced,
// the link kept). Throws hoi::Error(Input) with the OS reason on failure;
// the target is untouched then and the temporary file is removed. The first write of a target in a
// process also removes temporaries of it older than ten minutes (left by a writer that was killed).
void write_file_atomic(const std::string& path, std::string_view data);

// Reads a whole file. Throws hoi::Error(Input) when it is missing, a directory, unreadable, or
// larger than max_bytes (0 = no limit).
std::string read_file(const std::string& path, size_t max_bytes = 0);

} // namespace hoi::io
