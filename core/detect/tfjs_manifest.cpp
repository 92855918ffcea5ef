#include "detect/tfjs_manifest.h"

#include "io/error.h"

namespace hoi::detect {

std::string tfjs_shape_text(const std::vector<int64_t>& s) {
    std::string r = "[";
    for (size_t i = 0; i < s.size(); ++i) r += (i ? "," : "") + std::to_string(s[i]);
    return r + "]";
}

int64_t tfjs_dtype_bytes(const std::string& dtype) {
    if (dtype == "float32" || dtype == "int32") return 4;
    if (dtype == "float16" || dtype == "uint16" || dtype == "int16") return 2;
    if (dtype == "uint8" || dtype == "bool" || dtype == "int8") return 1;
    return 0;
}

std::vector<TfjsWeightGroup> parse_tfjs_weights_manifest(const nlohmann::json& model, const std::string& where,
                                                         const std::function<size_t(const std::string&)>& shard_bytes) {
    using json = nlohmann::json;
    if (!model.is_object() || !model.contains("weightsManifest") || !model["weightsManifest"].is_array())
        throw_model(where + ": no weightsManifest array");
    std::vector<TfjsWeightGroup> groups;
    int group_no = 0;
    for (const auto& group : model["weightsManifest"]) {
        const std::string gwhere = where + ": weightsManifest[" + std::to_string(group_no++) + "]";
        if (!group.is_object() || !group.contains("paths") || !group["paths"].is_array() || !group.contains("weights") ||
            !group["weights"].is_array())
            throw_model(gwhere + ": expected \"paths\" and \"weights\" arrays");
        TfjsWeightGroup g;
        std::string shard_names;
        for (const auto& p : group["paths"]) {
            if (!p.is_string() || p.get<std::string>().empty()) throw_model(gwhere + ": a path that is not a file name");
            g.paths.push_back(p.get<std::string>());
            g.bytes += shard_bytes(g.paths.back());
            shard_names += (shard_names.empty() ? "" : "+") + g.paths.back();
        }
        size_t offset = 0;
        for (const auto& w : group["weights"]) {
            if (!w.is_object()) throw_model(gwhere + ": a weight that is not an object");
            TfjsWeightSpec s;
            const json name = w.value("name", json("")), dtype = w.value("dtype", json(""));
            if (!name.is_string() || !dtype.is_string()) throw_model(gwhere + ": a weight's name and dtype must be strings");
            s.name = name.get<std::string>();
            s.dtype = dtype.get<std::string>();
            const std::string wwhere = gwhere + " weight '" + s.name + "'";
            if (s.name.empty()) throw_model(gwhere + ": a weight without a name");
            if (!w.contains("shape") || !w["shape"].is_array()) throw_model(wwhere + ": no shape");
            s.count = 1;
            for (const auto& d : w["shape"]) {
                if (!d.is_number_integer() || d.get<int64_t>() < 0) throw_model(wwhere + ": bad shape entry");
                s.shape.push_back(d.get<int64_t>());
                if (s.shape.back() > 0 && s.count > static_cast<int64_t>(g.bytes) / s.shape.back())
                    throw_model(wwhere + ": shape " + w["shape"].dump() + " needs more bytes than " + shard_names +
                                " has (" + std::to_string(g.bytes) + ")");
                s.count *= s.shape.back();
            }
            s.stored = s.dtype;
            if (w.contains("quantization")) {
                const auto& q = w["quantization"];
                const json qd = q.is_object() ? q.value("dtype", json("")) : json("");
                s.stored = qd.is_string() ? qd.get<std::string>() : "";
                if (s.stored != "float16" && s.stored != "uint8" && s.stored != "uint16")
                    throw_model(wwhere + ": unsupported quantization dtype '" + s.stored +
                                "' (expected float16, uint8 or uint16)");
                if (s.stored != "float16") {
                    if (!q.contains("min") || !q.contains("scale") || !q["min"].is_number() || !q["scale"].is_number())
                        throw_model(wwhere + ": " + s.stored + " quantization without numeric min/scale");
                    s.qmin = q["min"].get<double>();
                    s.qscale = q["scale"].get<double>();
                }
                s.quantized = true;
                if (s.dtype != "float32" && s.dtype != "int32")
                    throw_model(wwhere + ": quantized weights must be float32 or int32, not " + s.dtype);
            } else if (s.dtype != "float32" && s.dtype != "int32" && s.dtype != "bool") {
                throw_model(wwhere + ": unsupported dtype '" + s.dtype + "' (expected float32, int32 or bool)");
            }
            s.nbytes = static_cast<size_t>(s.count * tfjs_dtype_bytes(s.stored));
            if (s.nbytes > g.bytes || offset > g.bytes - s.nbytes)
                throw_model(wwhere + " (shape " + tfjs_shape_text(s.shape) + ", " + s.stored + ") needs bytes " +
                            std::to_string(offset) + ".." + std::to_string(offset + s.nbytes) + " but " + shard_names +
                            " has only " + std::to_string(g.bytes) + " bytes (truncated or mismatched weight file)");
            s.offset = offset;
            offset += s.nbytes;
            g.weights.push_back(std::move(s));
        }
        if (offset != g.bytes)
            throw_model(gwhere + ": the manifest describes " + std::to_string(offset) + " bytes but " + shard_names +
                        " has " + std::to_string(g.bytes) + " (mismatched weight file)");
        groups.push_back(std::move(g));
    }
    return groups;
}

} // namespace hoi::detect
