#pragma once
// The weightsManifest of a TF.js graph model (model.json), parsed and checked without LibTorch:
// every weight's name, dtype, quantization, shape and byte range inside its group's shard files,
// which must hold exactly the bytes the manifest describes. The runner (tfjs_graph.cpp) decodes
// the bytes these specs point at; the fuzz target tests this parser on arbitrary JSON.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace hoi::detect {

struct TfjsWeightSpec {
    std::string name;
    std::string dtype;          // float32, int32 or bool: the tensor the graph sees
    std::string stored;         // dtype of the bytes: dtype, or the quantization's (float16, uint8, uint16)
    bool quantized = false;
    double qmin = 0, qscale = 1; // uint8 / uint16: value = qmin + qscale * q
    std::vector<int64_t> shape;
    int64_t count = 0;          // elements
    size_t offset = 0;          // into the group's concatenated shards
    size_t nbytes = 0;
};

struct TfjsWeightGroup {
    std::vector<std::string> paths; // shard files, relative to model.json's folder
    std::vector<TfjsWeightSpec> weights;
    size_t bytes = 0;               // what the shards hold together
};

// "[1,3,224,224]".
std::string tfjs_shape_text(const std::vector<int64_t>& shape);

// Bytes of one stored element of a TF.js dtype (0 for an unknown one).
int64_t tfjs_dtype_bytes(const std::string& dtype);

// Parses model["weightsManifest"]; `shard_bytes(path)` gives the size of a shard file (it may
// throw). Throws hoi::Error(Model) prefixed with `where` for anything malformed: a missing array, a
// weight without a name or shape, an unsupported dtype or quantization, a shape that needs more bytes
// than the shards hold, a byte count that differs from the shards'.
std::vector<TfjsWeightGroup> parse_tfjs_weights_manifest(const nlohmann::json& model, const std::string& where,
                                                         const std::function<size_t(const std::string&)>& shard_bytes);

} // namespace hoi::detect
