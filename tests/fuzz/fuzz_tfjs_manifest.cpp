// libFuzzer target: a TF.js model.json (read as hoi reads it, duplicate keys reported) and its
// weightsManifest, parsed and checked without LibTorch. Shard files are not read: each is taken to
// hold 16 bytes per character of its name. Whatever the parser accepts must place every weight
// inside its group's bytes, back to back.
#include "fuzz_common.h"
#include "detect/tfjs_manifest.h"
#include "io/json_text.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace hoi::detect;
    nlohmann::json model;
    try {
        model = hoi::io::parse_json_checked(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz",
                                            [](const std::string&) {}, 256);
    } catch (const nlohmann::json::exception&) {
        return 0;
    } catch (const hoi::io::JsonTooDeep&) {
        return 0;
    }
    try {
        const auto groups = parse_tfjs_weights_manifest(model, "fuzz", [](const std::string& p) { return p.size() * 16; });
        for (const auto& g : groups) {
            size_t at = 0;
            for (const auto& w : g.weights) {
                hoi::fuzz::check(w.offset == at, "weights are not back to back");
                hoi::fuzz::check(w.nbytes == static_cast<size_t>(w.count * tfjs_dtype_bytes(w.stored)),
                                 "a weight's byte count does not match its shape");
                at += w.nbytes;
            }
            hoi::fuzz::check(at == g.bytes, "a group's weights do not cover its bytes");
        }
    } catch (const hoi::Error& e) {
        hoi::fuzz::check(e.kind() == hoi::ErrorKind::Model, "the manifest parser failed with an error kind other than Model");
    }
    return 0;
}
