#pragma once
// Autosave and crash recovery for a project file.
//
// The recovery file lives next to the project: "<dir>/.<project file name>.recovery.json", in the
// project file format. The GUI's debounce timer calls write() after edits; on open it asks
// has_newer_recovery() and offers load_recovery(); save() writes the project atomically and then
// removes the recovery file. Every write is atomic (temp file + fsync + rename), so neither file is
// ever seen half-written, even when the process is killed mid-write.
#include "annotation/project.h"

#include <string>

namespace hoi::annotation {

class RecoveryStore {
public:
    explicit RecoveryStore(std::string project_path);

    static std::string recovery_path_for(const std::string& project_path);
    const std::string& project_path() const { return project_path_; }
    const std::string& recovery_path() const { return recovery_path_; }

    // Writes the recovery file atomically.
    void write(const Project& project) const;
    bool has_recovery() const;
    // A recovery file exists and is not older than the project file (or the project file is missing).
    bool has_newer_recovery() const;
    // Loads the recovery file (throws hoi::Error(Input) when it is missing or invalid).
    Project load_recovery() const;
    // Removes the recovery file (no error when it is absent).
    void discard() const;
    // Saves the project atomically to project_path(), then removes the recovery file.
    void save(const Project& project) const;

private:
    std::string project_path_, recovery_path_;
};

} // namespace hoi::annotation
