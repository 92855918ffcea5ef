// TF.js graph-model runner on LibTorch: loading, validation, scheduling.
// The op table is in tfjs_ops.cpp.
#include "detect/tfjs_graph.h"
#include "detect/tfjs_manifest.h"
#include "detect/tfjs_ops.h"

#include "io/error.h"
#include "io/json_text.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

namespace hoi::detect {

namespace fs = std::filesystem;
using json = nlohmann::json;
using torch::Tensor;

struct TfjsGraph::Node {
    std::string name, op;
    std::vector<std::pair<int, int>> inputs; // (node position, output index)
    int num_outputs = 1;
    tfjs::Kernel kernel;
    bool is_placeholder = false;
    bool is_constant = false;
};

namespace {

std::string read_binary(const fs::path& p, const std::string& what) {
    std::ifstream in(p, std::ios::binary);
    if (!in) throw_model(what + ": cannot open " + p.string());
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return data;
}

float half_to_float(uint16_t h) {
    const uint32_t sign = (h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1f;
    uint32_t mant = h & 0x3ff;
    uint32_t bits;
    if (exp == 0) {
        if (mant == 0) {
            bits = sign;
        } else { // subnormal: normalise
            exp = 127 - 15 + 1;
            while (!(mant & 0x400)) { mant <<= 1; --exp; }
            mant &= 0x3ff;
            bits = sign | (exp << 23) | (mant << 13);
        }
    } else if (exp == 31) {
        bits = sign | 0x7f800000u | (mant << 13);
    } else {
        bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
    }
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
}

std::string fnv1a_hex(const std::string& data) {
    uint64_t h = 1469598103934665603ull;
    for (unsigned char c : data) { h ^= c; h *= 1099511628211ull; }
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

torch::ScalarType dtype_of_signature(const std::string& dt) {
    if (dt == "DT_FLOAT") return torch::kFloat;
    if (dt == "DT_INT32") return torch::kInt;
    if (dt == "DT_INT64") return torch::kLong;
    if (dt == "DT_BOOL") return torch::kBool;
    return torch::kFloat;
}

// A tensorShape's dims (-1 = dynamic). Throws a Model error for a dim that is not an integer, or
// is larger than any tensor the runner will allocate.
std::vector<int64_t> shape_of_json(const json& tensor_shape, const std::string& where) {
    std::vector<int64_t> s;
    if (!tensor_shape.is_object() || !tensor_shape.contains("dim")) return s;
    for (const auto& d : tensor_shape["dim"]) {
        const json v = d.is_object() ? d.value("size", json("0")) : json();
        int64_t n = -2;
        try {
            size_t used = 0;
            if (v.is_string()) n = std::stoll(v.get<std::string>(), &used);
            if (v.is_string() && used != v.get<std::string>().size()) n = -2;
            if (v.is_number_integer()) n = v.get<int64_t>();
        } catch (const std::logic_error&) {}
        if (n < -1 || n > tfjs::kMaxElements)
            throw_model(where + ": tensor shape dimension " + v.dump() + " is not an integer between -1 and " +
                        std::to_string(tfjs::kMaxElements));
        s.push_back(n);
    }
    return s;
}

// Weight name -> tensor, decoded from the shard files at the places the (checked) manifest gives.
std::map<std::string, Tensor> load_weights(const json& model, const fs::path& dir, const std::string& where,
                                           std::string& checksum_source) {
    std::map<std::string, Tensor> out;
    const auto groups = parse_tfjs_weights_manifest(model, where, [&](const std::string& p) -> size_t {
        std::error_code ec;
        const auto n = fs::file_size(dir / p, ec);
        if (ec) throw_model(where + ": cannot open " + (dir / p).string());
        return static_cast<size_t>(n);
    });
    int group_no = 0;
    for (const auto& g : groups) {
        const std::string gwhere = where + ": weightsManifest[" + std::to_string(group_no++) + "]";
        std::string data;
        for (const auto& p : g.paths) data += read_binary(dir / p, gwhere);
        if (data.size() != g.bytes) throw_model(gwhere + ": a weight file changed while it was read");
        checksum_source += data;
        for (const auto& s : g.weights) {
            const std::string wwhere = gwhere + " weight '" + s.name + "'";
            const char* src = data.data() + s.offset;
            const int64_t count = s.count;
            Tensor t;
            if (s.dtype == "bool") {
                t = torch::empty(s.shape, torch::kBool);
                auto* dst = t.data_ptr<bool>();
                for (int64_t i = 0; i < count; ++i) dst[i] = src[i] != 0;
            } else if (!s.quantized) {
                t = torch::empty(s.shape, s.dtype == "int32" ? torch::kInt : torch::kFloat);
                std::memcpy(t.data_ptr(), src, s.nbytes);
            } else {
                auto f = torch::empty(s.shape, torch::kFloat);
                float* dst = f.data_ptr<float>();
                if (s.stored == "float16") {
                    for (int64_t i = 0; i < count; ++i) {
                        uint16_t h;
                        std::memcpy(&h, src + 2 * i, 2);
                        dst[i] = half_to_float(h);
                    }
                } else if (s.stored == "uint8") {
                    for (int64_t i = 0; i < count; ++i)
                        dst[i] = static_cast<float>(s.qmin + s.qscale * static_cast<unsigned char>(src[i]));
                } else {
                    for (int64_t i = 0; i < count; ++i) {
                        uint16_t q;
                        std::memcpy(&q, src + 2 * i, 2);
                        dst[i] = static_cast<float>(s.qmin + s.qscale * q);
                    }
                }
                t = s.dtype == "int32" ? f.round().to(torch::kInt) : f;
            }
            // NaN only: graphs use infinities on purpose (e.g. -inf as the padding value of a max pool).
            if (t.is_floating_point() && torch::isnan(t).any().item<bool>())
                throw_model(wwhere + " holds NaN values (a damaged weight file)");
            out[s.name] = t;
        }
    }
    return out;
}

// A node as the file gives it, before validation (inputs "node" or "node:k").
struct Raw {
    std::string name, op;
    std::vector<std::string> inputs;
    json attr;
};

// The node an input reference ("node" or "node:k") names.
std::string node_of(const std::string& ref) {
    const auto colon = ref.rfind(':');
    return colon == std::string::npos ? ref : ref.substr(0, colon);
}

// The node whose output 0 `ref` names (-1 for another output or an unknown node).
int output0(const std::map<std::string, int>& raw_index, const std::string& ref) {
    const auto colon = ref.rfind(':');
    if (colon != std::string::npos && ref.substr(colon + 1) != "0") return -1;
    auto it = raw_index.find(node_of(ref));
    return it == raw_index.end() ? -1 : it->second;
}

// Readers of each node; a signature output counts as one.
std::map<std::string, int> readers_of(const std::vector<Raw>& raw, const json& model) {
    std::map<std::string, int> readers;
    for (const auto& r : raw)
        for (const auto& in : r.inputs) ++readers[node_of(in)];
    if (model.contains("signature") && model["signature"].contains("outputs"))
        for (auto it = model["signature"]["outputs"].begin(); it != model["signature"]["outputs"].end(); ++it)
            ++readers[node_of(it.value().value("name", it.key()))];
    return readers;
}

// Folds a bias Add, and an activation behind it, into the convolution before them. NanoDet's
// converter writes Conv2D, Add(bias), Transpose (to NCHW), LeakyRelu 26 times: two more passes over
// each activation map, a tenth of its forward pass on 2 cores. A fused convolution
// (_FusedConv2D / FusedDepthwiseConv2dNative: oneDNN adds the bias, the activation runs in place)
// takes the place of the Add, or of the activation (which becomes the Transpose, applied to the
// fused convolution: an element-wise function commutes with it). The nodes folded keep their
// TensorFlow meaning and run only if asked for as outputs. Numbers: the bias is added to the
// convolution's sum before it is rounded to float, as in TensorFlow's own fused kernels.
void fold_bias_and_activation(std::vector<Raw>& raw, std::map<std::string, int>& raw_index,
                              const std::map<std::string, Tensor>& weights, const json& model) {
    const std::string kNhwc = "TkhXQw==", kBiasAdd = "Qmlhc0FkZA=="; // base64, as the file stores strings
    static const std::map<std::string, std::string> activations = {
            {"Relu", "UmVsdQ=="}, {"Relu6", "UmVsdTY="}, {"LeakyRelu", "TGVha3lSZWx1"},
            {"Elu", "RWx1"},      {"Sigmoid", "U2lnbW9pZA=="}, {"Tanh", "VGFuaA=="}};
    auto const_tensor = [&](const std::string& ref) -> const Tensor* {
        const int i = output0(raw_index, ref);
        if (i < 0 || raw[static_cast<size_t>(i)].op != "Const") return nullptr;
        auto w = weights.find(raw[static_cast<size_t>(i)].name);
        return w == weights.end() ? nullptr : &w->second;
    };
    auto nhwc = [&](const Raw& r) {
        return !r.attr.contains("data_format") || r.attr["data_format"].value("s", "") == kNhwc;
    };
    auto fused_ops = [](const Raw& r) {
        std::vector<std::string> ops;
        if (r.attr.contains("fused_ops") && r.attr["fused_ops"].contains("list") &&
            r.attr["fused_ops"]["list"].contains("s"))
            for (const auto& s : r.attr["fused_ops"]["list"]["s"]) ops.push_back(s.is_string() ? s.get<std::string>() : "");
        return ops;
    };

    auto readers = readers_of(raw, model);
    for (auto& add : raw) {
        if ((add.op != "Add" && add.op != "AddV2" && add.op != "BiasAdd") || add.inputs.size() != 2) continue;
        if (add.op == "BiasAdd" && !nhwc(add)) continue;
        for (size_t side = 0; side < (add.op == "BiasAdd" ? 1u : 2u); ++side) {
            const int c = output0(raw_index, add.inputs[side]);
            const Tensor* bias = const_tensor(add.inputs[1 - side]);
            if (c < 0 || !bias) continue;
            const Raw& conv = raw[static_cast<size_t>(c)];
            const bool depthwise = conv.op == "DepthwiseConv2dNative";
            if ((conv.op != "Conv2D" && !depthwise) || conv.inputs.size() != 2 || !nhwc(conv) || readers[conv.name] != 1)
                continue;
            const Tensor* filter = const_tensor(conv.inputs[1]);
            if (!filter || filter->dim() != 4) continue;
            const int64_t channels = depthwise ? filter->size(2) * filter->size(3) : filter->size(3);
            if (bias->dim() != 1 || bias->size(0) != channels || !bias->is_floating_point()) continue;
            const std::string bias_ref = add.inputs[1 - side];
            add.op = depthwise ? "FusedDepthwiseConv2dNative" : "_FusedConv2D";
            add.attr = conv.attr;
            add.attr["fused_ops"] = {{"list", {{"s", json::array({kBiasAdd})}}}};
            add.attr["num_args"] = {{"i", "1"}};
            add.inputs = {conv.inputs[0], conv.inputs[1], bias_ref};
            break;
        }
    }

    readers = readers_of(raw, model);
    const size_t n = raw.size(); // fused nodes are appended; they are not activations
    for (size_t a = 0; a < n; ++a) {
        auto act = activations.find(raw[a].op);
        if (act == activations.end() || raw[a].inputs.size() != 1) continue;
        int f = output0(raw_index, raw[a].inputs[0]);
        int transpose = -1;
        if (f >= 0 && raw[static_cast<size_t>(f)].op == "Transpose" && raw[static_cast<size_t>(f)].inputs.size() == 2 &&
            readers[raw[static_cast<size_t>(f)].name] == 1) {
            transpose = f;
            f = output0(raw_index, raw[static_cast<size_t>(f)].inputs[0]);
        }
        if (f < 0) continue;
        const Raw& conv = raw[static_cast<size_t>(f)];
        if ((conv.op != "_FusedConv2D" && conv.op != "FusedDepthwiseConv2dNative") || readers[conv.name] != 1 ||
            fused_ops(conv) != std::vector<std::string>{kBiasAdd})
            continue;
        Raw fused{conv.name, conv.op, conv.inputs, conv.attr};
        fused.attr["fused_ops"]["list"]["s"].push_back(act->second);
        if (raw[a].op == "LeakyRelu")
            fused.attr["leakyrelu_alpha"] = {{"f", raw[a].attr.contains("alpha") ? raw[a].attr["alpha"].value("f", 0.2) : 0.2}};
        if (transpose < 0) {
            fused.name = raw[a].name;
            raw[a] = std::move(fused);
            continue;
        }
        fused.name = raw[a].name + "/fused_convolution";
        if (raw_index.count(fused.name)) continue;
        const Raw t = raw[static_cast<size_t>(transpose)];
        raw[a].op = t.op;
        raw[a].attr = t.attr;
        raw[a].inputs = {fused.name, t.inputs[1]};
        raw_index[fused.name] = static_cast<int>(raw.size());
        raw.push_back(std::move(fused));
    }
}

// Folds TensorFlow's hard-swish, y = Mul(Mul(x, 1/6), Relu6(Add(x, 3))) (MobileNetV3: CenterNet's
// 20 chains), into one node: four passes over the activation map become one, with the same four
// operations per value (tfjs::hard_swish). The chain's last Mul keeps its name; the other three
// nodes run only if asked for as outputs.
void fold_hard_swish(std::vector<Raw>& raw, const std::map<std::string, int>& raw_index,
                     const std::map<std::string, Tensor>& weights, const json& model) {
    auto at = [&](const std::string& ref) -> Raw* {
        const int i = output0(raw_index, ref);
        return i < 0 ? nullptr : &raw[static_cast<size_t>(i)];
    };
    auto scalar_const = [&](const std::string& ref) {
        const Raw* r = at(ref);
        if (!r || r->op != "Const") return false;
        auto w = weights.find(r->name);
        return w != weights.end() && w->second.scalar_type() == torch::kFloat && w->second.numel() == 1;
    };
    auto readers = readers_of(raw, model);
    auto only_reader = [&](const Raw& r) { return readers[r.name] == 1; };
    // The operand of a two-input node that is not a scalar constant, and the constant, if so.
    auto split = [&](const Raw& r, std::string& value, std::string& constant) {
        if (r.inputs.size() != 2) return false;
        for (int side = 0; side < 2; ++side)
            if (scalar_const(r.inputs[static_cast<size_t>(1 - side)]) && !scalar_const(r.inputs[static_cast<size_t>(side)])) {
                value = r.inputs[static_cast<size_t>(side)];
                constant = r.inputs[static_cast<size_t>(1 - side)];
                return true;
            }
        return false;
    };
    for (auto& mul : raw) {
        if (mul.op != "Mul" || mul.inputs.size() != 2) continue;
        for (int side = 0; side < 2; ++side) {
            Raw* scaled = at(mul.inputs[static_cast<size_t>(side)]);
            Raw* relu6 = at(mul.inputs[static_cast<size_t>(1 - side)]);
            if (!scaled || !relu6 || scaled->op != "Mul" || relu6->op != "Relu6" || relu6->inputs.size() != 1 ||
                !only_reader(*scaled) || !only_reader(*relu6))
                continue;
            Raw* add = at(relu6->inputs[0]);
            if (!add || (add->op != "Add" && add->op != "AddV2") || !only_reader(*add)) continue;
            std::string x1, scale, x2, shift;
            if (!split(*scaled, x1, scale) || !split(*add, x2, shift) || x1 != x2) continue;
            mul.op = "_HoiHardSwish";
            mul.inputs = {x1, scale, shift};
            mul.attr = json::object();
            break;
        }
    }
}

} // namespace

TfjsGraph::~TfjsGraph() = default;

// Whatever the file holds, a problem in it is a Model error (a malformed value deep in the JSON
// included), never a library exception.
TfjsGraph::TfjsGraph(const std::string& model_json_path) try : path_(model_json_path) {
    const fs::path jp(model_json_path);
    const std::string where = jp.filename().string();
    if (!fs::exists(jp)) throw_model("model file not found: " + model_json_path);
    json model;
    try {
        model = io::parse_json_checked(read_binary(jp, where), model_json_path);
    } catch (const json::exception& e) {
        throw_model(model_json_path + ": not valid JSON (" + e.what() + ")");
    }
    if (!model.is_object() || !model.contains("modelTopology") || !model["modelTopology"].contains("node") ||
        !model["modelTopology"]["node"].is_array())
        throw_model(model_json_path + ": not a TF.js graph model (expected modelTopology.node[])");
    if (model.contains("format") && model["format"] != "graph-model")
        throw_model(model_json_path + ": format is " + model["format"].dump() + ", expected \"graph-model\"");

    std::string weight_bytes;
    std::map<std::string, Tensor> weights;
    try {
        weights = load_weights(model, jp.parent_path(), where, weight_bytes);
    } catch (const json::exception& e) {
        throw_model(where + ": malformed weightsManifest (" + e.what() + ")");
    }
    checksum_ = fnv1a_hex(weight_bytes);
    weight_bytes.clear();

    // Parse the nodes.
    std::vector<Raw> raw;
    std::map<std::string, int> raw_index;
    for (const auto& n : model["modelTopology"]["node"]) {
        Raw r;
        r.name = n.value("name", "");
        r.op = n.value("op", "");
        if (r.name.empty() || r.op.empty()) throw_model(where + ": a node without name or op");
        if (n.contains("input"))
            for (const auto& i : n["input"]) {
                const std::string s = i.get<std::string>();
                if (!s.empty() && s[0] == '^') continue; // control dependency
                r.inputs.push_back(s);
            }
        r.attr = n.value("attr", json::object());
        if (raw_index.count(r.name)) throw_model(where + ": duplicate node '" + r.name + "'");
        raw_index[r.name] = static_cast<int>(raw.size());
        raw.push_back(std::move(r));
    }
    if (model["modelTopology"].contains("library") && model["modelTopology"]["library"].contains("function") &&
        !model["modelTopology"]["library"]["function"].empty())
        throw_model(where + ": graph functions (control flow) are not supported");

    auto split_ref = [&](const std::string& ref, const std::string& user) {
        std::string node = ref;
        int index = 0;
        const auto colon = ref.rfind(':');
        if (colon != std::string::npos) {
            node = ref.substr(0, colon);
            try {
                index = std::stoi(ref.substr(colon + 1));
            } catch (...) {
                throw_model(where + ": node '" + user + "' has a malformed input '" + ref + "'");
            }
        }
        auto it = raw_index.find(node);
        if (it == raw_index.end())
            throw_model(where + ": node '" + user + "' reads '" + ref + "', which is not a node of the graph");
        return std::make_pair(it->second, index);
    };

    // Fold zero Pad / PadV2 nodes into the convolution that alone reads them (TF.js graphs pad
    // explicitly before VALID convolutions; NanoDet has 28 such pads): the convolution takes EXPLICIT padding, which
    // it applies inside oneDNN when symmetric, so the padded copy of the activation is never made.
    // The Pad node is then unused and never runs. Same numbers: zeros added either way.
    {
        std::vector<int> readers(raw.size(), 0);
        for (const auto& r : raw)
            for (const auto& in : r.inputs) {
                const auto colon = in.rfind(':');
                auto it = raw_index.find(colon == std::string::npos ? in : in.substr(0, colon));
                if (it != raw_index.end()) ++readers[static_cast<size_t>(it->second)];
            }
        auto const_tensor = [&](const std::string& ref) -> const Tensor* {
            auto it = raw_index.find(ref);
            if (it == raw_index.end() || raw[static_cast<size_t>(it->second)].op != "Const") return nullptr;
            auto w = weights.find(ref);
            return w == weights.end() ? nullptr : &w->second;
        };
        static const std::set<std::string> convs = {"Conv2D", "_FusedConv2D", "DepthwiseConv2dNative",
                                                    "FusedDepthwiseConv2dNative"};
        const std::string kValid = "VkFMSUQ=", kExplicit = "RVhQTElDSVQ=", kNhwc = "TkhXQw=="; // base64
        for (auto& conv : raw) {
            if (!convs.count(conv.op) || conv.inputs.empty()) continue;
            if (!conv.attr.contains("padding") || conv.attr["padding"].value("s", "") != kValid) continue;
            if (conv.attr.contains("data_format") && conv.attr["data_format"].value("s", "") != kNhwc) continue;
            if (conv.attr.contains("explicit_paddings") && conv.attr["explicit_paddings"].contains("list") &&
                conv.attr["explicit_paddings"]["list"].contains("i") && !conv.attr["explicit_paddings"]["list"]["i"].empty())
                continue;
            auto pit = raw_index.find(conv.inputs[0]); // output 0 of the pad, written without ":0"
            if (pit == raw_index.end()) continue;
            // The pad may come through a Transpose that only this convolution reads (the converter
            // pads in NCHW, then transposes to NHWC): the Transpose then reads the unpadded input
            // and the padding is permuted with it.
            Raw* transpose = nullptr;
            std::vector<int64_t> perm = {0, 1, 2, 3};
            if (raw[static_cast<size_t>(pit->second)].op == "Transpose" && readers[static_cast<size_t>(pit->second)] == 1) {
                Raw& t = raw[static_cast<size_t>(pit->second)];
                const Tensor* pt = t.inputs.size() == 2 ? const_tensor(t.inputs[1]) : nullptr;
                if (!pt || pt->numel() != 4) continue;
                const auto pl = pt->to(torch::kLong).contiguous();
                perm.assign(pl.data_ptr<int64_t>(), pl.data_ptr<int64_t>() + 4);
                transpose = &t;
                pit = raw_index.find(t.inputs[0]);
                if (pit == raw_index.end()) continue;
            }
            const Raw& pad = raw[static_cast<size_t>(pit->second)];
            if ((pad.op != "Pad" && pad.op != "PadV2") || readers[static_cast<size_t>(pit->second)] != 1) continue;
            if (pad.inputs.size() != (pad.op == "Pad" ? 2u : 3u)) continue;
            if (pad.op == "PadV2") {
                const Tensor* v = const_tensor(pad.inputs[2]);
                if (!v || v->numel() != 1 || v->to(torch::kDouble).item<double>() != 0.0) continue;
            }
            const Tensor* pads = const_tensor(pad.inputs[1]);
            if (!pads || pads->numel() != 8) continue;
            const auto pv = pads->to(torch::kLong).contiguous();
            const int64_t* p0 = pv.data_ptr<int64_t>();
            int64_t q[8];
            bool perm_ok = true;
            for (int d = 0; d < 4; ++d) {
                perm_ok &= perm[static_cast<size_t>(d)] >= 0 && perm[static_cast<size_t>(d)] < 4;
                if (!perm_ok) break;
                q[2 * d] = p0[2 * perm[static_cast<size_t>(d)]];
                q[2 * d + 1] = p0[2 * perm[static_cast<size_t>(d)] + 1];
            }
            if (!perm_ok) continue;
            if (q[0] != 0 || q[1] != 0 || q[6] != 0 || q[7] != 0) continue; // batch and channels unpadded
            bool negative = false;
            for (int i = 0; i < 8; ++i) negative |= q[i] < 0;
            if (negative) continue;
            json list = json::array();
            for (int i = 0; i < 8; ++i) list.push_back(std::to_string(q[i]));
            conv.attr["padding"] = {{"s", kExplicit}};
            conv.attr["explicit_paddings"] = {{"list", {{"i", list}}}};
            if (transpose) transpose->inputs[0] = pad.inputs[0];
            else conv.inputs[0] = pad.inputs[0];
        }
    }

    fold_bias_and_activation(raw, raw_index, weights, model);
    fold_hard_swish(raw, raw_index, weights, model);

    // Topological order (Kahn; stable in file order).
    const int n = static_cast<int>(raw.size());
    std::vector<std::vector<int>> users(static_cast<size_t>(n));
    std::vector<int> pending(static_cast<size_t>(n), 0);
    for (int i = 0; i < n; ++i)
        for (const auto& in : raw[static_cast<size_t>(i)].inputs) {
            const int src = split_ref(in, raw[static_cast<size_t>(i)].name).first;
            users[static_cast<size_t>(src)].push_back(i);
            ++pending[static_cast<size_t>(i)];
        }
    std::vector<int> order;
    std::set<int> ready;
    for (int i = 0; i < n; ++i)
        if (pending[static_cast<size_t>(i)] == 0) ready.insert(i);
    while (!ready.empty()) {
        const int i = *ready.begin();
        ready.erase(ready.begin());
        order.push_back(i);
        for (int u : users[static_cast<size_t>(i)])
            if (--pending[static_cast<size_t>(u)] == 0) ready.insert(u);
    }
    if (static_cast<int>(order.size()) != n) throw_model(where + ": the graph has a cycle");

    std::vector<int> position(static_cast<size_t>(n));
    for (int k = 0; k < n; ++k) position[static_cast<size_t>(order[static_cast<size_t>(k)])] = k;

    // Build the kernels, folding constant sub-graphs.
    constants_.resize(static_cast<size_t>(n));
    for (int k = 0; k < n; ++k) {
        const Raw& r = raw[static_cast<size_t>(order[static_cast<size_t>(k)])];
        auto node = std::make_unique<Node>();
        node->name = r.name;
        node->op = r.op;
        for (const auto& in : r.inputs) {
            auto [src, idx] = split_ref(in, r.name);
            const int p = position[static_cast<size_t>(src)];
            if (idx < 0 || idx >= nodes_[static_cast<size_t>(p)]->num_outputs)
                throw_model(where + ": node '" + r.name + "' reads output " + std::to_string(idx) + " of '" +
                            nodes_[static_cast<size_t>(p)]->name + "' (" + nodes_[static_cast<size_t>(p)]->op +
                            "), which has " + std::to_string(nodes_[static_cast<size_t>(p)]->num_outputs));
            node->inputs.push_back({p, idx});
        }
        index_[r.name] = k;
        const std::string nwhere = where + ": node '" + r.name + "' (" + r.op + ")";
        if (r.op == "Const") {
            auto it = weights.find(r.name);
            if (it == weights.end()) throw_model(nwhere + ": no weight of that name in the weightsManifest");
            if (r.attr.contains("value") && r.attr["value"].contains("tensor") &&
                r.attr["value"]["tensor"].contains("tensorShape")) {
                const auto declared = shape_of_json(r.attr["value"]["tensor"]["tensorShape"], nwhere);
                const auto actual = it->second.sizes().vec();
                if (declared != actual)
                    throw_model(nwhere + ": the weightsManifest gives shape " + tfjs_shape_text(actual) +
                                " but the graph declares " + tfjs_shape_text(declared));
            }
            node->is_constant = true;
            constants_[static_cast<size_t>(k)] = {it->second};
            weights.erase(it);
            nodes_.push_back(std::move(node));
            continue;
        }
        if (r.op == "Placeholder") {
            node->is_placeholder = true;
            TfjsTensorSpec spec;
            spec.name = r.name;
            spec.node = r.name;
            if (r.attr.contains("dtype")) spec.dtype = dtype_of_signature(r.attr["dtype"].value("type", "DT_FLOAT"));
            if (r.attr.contains("shape"))
                spec.shape = shape_of_json(r.attr["shape"].value("shape", json::object()), nwhere);
            inputs_.push_back(spec);
            nodes_.push_back(std::move(node));
            continue;
        }
        // Constant inputs for the factory (weights to prepare once).
        std::vector<const Tensor*> const_inputs;
        bool all_const = true;
        for (const auto& [p, idx] : node->inputs) {
            const auto& c = constants_[static_cast<size_t>(p)];
            if (c.empty()) {
                const_inputs.push_back(nullptr);
                all_const = false;
            } else {
                const_inputs.push_back(&c[static_cast<size_t>(idx)]);
            }
        }
        tfjs::NodeDef def{r.name, r.op, r.attr, const_inputs, nwhere};
        tfjs::Compiled compiled = tfjs::compile(def); // throws Model for unknown ops / attributes
        node->kernel = std::move(compiled.kernel);
        node->num_outputs = compiled.num_outputs;
        if (all_const && !compiled.stateful) {
            std::vector<Tensor> args;
            for (const auto* c : const_inputs) args.push_back(*c);
            try {
                torch::NoGradGuard g;
                constants_[static_cast<size_t>(k)] = node->kernel(args, nullptr);
            } catch (const Error&) {
                throw;
            } catch (const std::exception& e) {
                throw_model(nwhere + ": cannot evaluate constant node: " + library_message(e));
            }
            node->is_constant = true;
        }
        nodes_.push_back(std::move(node));
    }
    if (!weights.empty())
        throw_model(where + ": the weightsManifest has weight '" + weights.begin()->first +
                    "', which is not a Const node of the graph");

    // Signature: inputs / outputs with their declared names.
    if (model.contains("signature")) {
        const auto& sig = model["signature"];
        if (sig.contains("inputs")) {
            for (auto& spec : inputs_)
                for (auto it = sig["inputs"].begin(); it != sig["inputs"].end(); ++it) {
                    std::string nm = it.value().value("name", it.key());
                    if (nm.substr(0, nm.rfind(':')) == spec.node) {
                        spec.name = it.key();
                        spec.dtype = dtype_of_signature(it.value().value("dtype", "DT_FLOAT"));
                        if (it.value().contains("tensorShape"))
                            spec.shape = shape_of_json(it.value()["tensorShape"], where + ": signature '" + it.key() + "'");
                    }
                }
        }
        if (sig.contains("outputs"))
            for (auto it = sig["outputs"].begin(); it != sig["outputs"].end(); ++it) {
                TfjsTensorSpec spec;
                spec.name = it.key();
                std::string nm = it.value().value("name", it.key());
                const auto colon = nm.rfind(':');
                spec.node = colon == std::string::npos ? nm : nm.substr(0, colon);
                spec.output_index = colon == std::string::npos ? 0 : std::stoi(nm.substr(colon + 1));
                spec.dtype = dtype_of_signature(it.value().value("dtype", "DT_FLOAT"));
                if (it.value().contains("tensorShape"))
                    spec.shape = shape_of_json(it.value()["tensorShape"], where + ": signature '" + it.key() + "'");
                if (!index_.count(spec.node))
                    throw_model(where + ": signature output '" + spec.name + "' names no node");
                outputs_.push_back(spec);
            }
    }
    for (const auto& spec : inputs_) {
        int64_t count = 1;
        for (int64_t d : spec.shape)
            if (d > 0) count = d > tfjs::kMaxElements / count ? tfjs::kMaxElements + 1 : count * d;
        if (count > tfjs::kMaxElements)
            throw_model(where + ": input '" + spec.name + "' has shape " + tfjs_shape_text(spec.shape) + ", more than " +
                        std::to_string(tfjs::kMaxElements) + " elements");
    }
} catch (const Error&) {
    throw;
} catch (const std::exception& e) {
    throw_model(model_json_path + ": " + library_message(e));
}

std::map<std::string, int> TfjsGraph::op_counts() const {
    std::map<std::string, int> c;
    for (const auto& n : nodes_) ++c[n->op];
    return c;
}

std::vector<Tensor> TfjsGraph::run(const std::map<std::string, Tensor>& inputs,
                                   const std::vector<std::string>& outputs) const {
    return execute(inputs, outputs, nullptr);
}

TfjsGraph::Cost TfjsGraph::cost(const std::map<std::string, Tensor>& inputs, std::vector<std::string> outputs) const {
    if (outputs.empty())
        for (const auto& o : outputs_) outputs.push_back(o.node + ":" + std::to_string(o.output_index));
    Cost c;
    execute(inputs, outputs, &c);
    return c;
}

double TfjsGraph::Cost::floor_ms(double gflops, double gbps) const {
    double ms = 0;
    for (const auto& [f, b] : nodes)
        ms += std::max(gflops > 0 ? f / (gflops * 1e6) : 0.0, gbps > 0 ? b / (gbps * 1e6) : 0.0);
    return ms;
}

namespace {
// The bytes a node moves: each input read once and each output written once, except outputs that
// share an input's memory (Reshape, Identity, ...), which move nothing.
double bytes_moved(const std::vector<Tensor>& in, const std::vector<Tensor>& out) {
    auto bytes = [](const Tensor& t) { return t.defined() ? static_cast<double>(t.numel() * t.element_size()) : 0.0; };
    double b = 0;
    bool any_new = false;
    for (const auto& o : out) {
        bool view = false;
        for (const auto& i : in) view = view || (o.defined() && i.defined() && o.is_alias_of(i));
        if (!view) {
            b += bytes(o);
            any_new = true;
        }
    }
    if (any_new)
        for (const auto& i : in) b += bytes(i);
    return b;
}
} // namespace

std::vector<Tensor> TfjsGraph::execute(const std::map<std::string, Tensor>& inputs,
                                       const std::vector<std::string>& outputs, Cost* cost) const {
    torch::NoGradGuard no_grad;
    const fs::path jp(path_);
    const std::string where = jp.filename().string();
    const size_t n = nodes_.size();
    // Resolve the outputs.
    std::vector<std::pair<int, int>> wanted;
    for (const auto& ref : outputs) {
        std::string node = ref;
        int idx = 0;
        const auto colon = ref.rfind(':');
        if (colon != std::string::npos) {
            node = ref.substr(0, colon);
            idx = std::atoi(ref.c_str() + colon + 1);
        }
        auto it = index_.find(node);
        if (it == index_.end()) throw_input(where + ": no node '" + node + "' to read as an output");
        if (idx < 0 || idx >= nodes_[static_cast<size_t>(it->second)]->num_outputs)
            throw_input(where + ": node '" + node + "' has no output " + std::to_string(idx));
        wanted.push_back({it->second, idx});
    }
    // The nodes needed, and how often each is read.
    std::vector<char> needed(n, 0);
    std::vector<int> uses(n, 0);
    for (const auto& w : wanted) needed[static_cast<size_t>(w.first)] = 1;
    for (size_t k = n; k-- > 0;) {
        if (!needed[k] || nodes_[k]->is_constant) continue;
        for (const auto& in : nodes_[k]->inputs) {
            needed[static_cast<size_t>(in.first)] = 1;
            ++uses[static_cast<size_t>(in.first)];
        }
    }
    for (const auto& w : wanted) uses[static_cast<size_t>(w.first)] += 1 << 20; // keep outputs

    Values values(n);
    std::vector<Tensor> args;
    // HOI_TFJS_PROFILE=1: time per op type, printed to stderr after the run; =nodes: per node too
    // (name, op, first output's shape, ms, MFLOP, MB moved), one line each.
    static const char* profile_env = std::getenv("HOI_TFJS_PROFILE");
    static const bool profile = profile_env != nullptr, profile_nodes = profile && std::string(profile_env) == "nodes";
    std::map<std::string, double> profile_ms;
    std::string node_lines;
    for (size_t k = 0; k < n; ++k) {
        if (!needed[k]) continue;
        const Node& node = *nodes_[k];
        if (node.is_constant) continue;
        if (node.is_placeholder) {
            auto it = inputs.find(node.name);
            if (it == inputs.end()) {
                for (const auto& spec : inputs_)
                    if (spec.node == node.name) it = inputs.find(spec.name);
            }
            if (it == inputs.end()) throw_input(where + ": input '" + node.name + "' was not given");
            for (const auto& spec : inputs_) {
                if (spec.node != node.name) continue;
                if (it->second.scalar_type() != spec.dtype)
                    throw_input(where + ": input '" + node.name + "' must be " +
                                std::string(c10::toString(spec.dtype)) + ", got " +
                                std::string(c10::toString(it->second.scalar_type())));
                bool ok = static_cast<size_t>(it->second.dim()) == spec.shape.size() || spec.shape.empty();
                for (size_t d = 0; ok && d < spec.shape.size(); ++d)
                    ok = spec.shape[d] < 0 || spec.shape[d] == it->second.size(static_cast<int64_t>(d));
                if (!ok)
                    throw_input(where + ": input '" + node.name + "' must have shape " + tfjs_shape_text(spec.shape) +
                                ", got " + tfjs_shape_text(it->second.sizes().vec()));
            }
            values[k] = {it->second};
            continue;
        }
        args.clear();
        for (const auto& [p, idx] : node.inputs) {
            const auto& src = nodes_[static_cast<size_t>(p)]->is_constant ? constants_[static_cast<size_t>(p)]
                                                                            : values[static_cast<size_t>(p)];
            args.push_back(src[static_cast<size_t>(idx)]);
        }
        try {
            double node_flops = 0;
            if (profile) {
                const auto t0 = std::chrono::steady_clock::now();
                values[k] = node.kernel(args, cost || profile_nodes ? &node_flops : nullptr);
                const auto t1 = std::chrono::steady_clock::now();
                const double ms = std::chrono::duration<double, std::milli>(t1 - t0).count();
                profile_ms[node.op] += ms;
                if (profile_nodes) {
                    const auto& v = values[k];
                    node_lines += "  " + node.name + " " + node.op + " " +
                                  (v.empty() || !v[0].defined() ? std::string("-") : tfjs_shape_text(v[0].sizes().vec())) +
                                  " " + std::to_string(ms) + " ms " + std::to_string(node_flops / 1e6) + " MFLOP " +
                                  std::to_string(bytes_moved(args, v) / 1e6) + " MB\n";
                }
            } else {
                values[k] = node.kernel(args, cost ? &node_flops : nullptr);
            }
            if (cost) {
                const double b = bytes_moved(args, values[k]);
                cost->flops += node_flops;
                cost->bytes += b;
                cost->nodes.push_back({node_flops, b});
            }
        } catch (const Error&) {
            throw;
        } catch (const std::exception& e) {
            throw_input(where + ": node '" + node.name + "' (" + node.op + ") failed: " + library_message(e));
        }
        // Free inputs after their last use.
        for (const auto& [p, idx] : node.inputs) {
            (void)idx;
            if (nodes_[static_cast<size_t>(p)]->is_constant) continue;
            if (--uses[static_cast<size_t>(p)] == 0) values[static_cast<size_t>(p)].clear();
        }
    }
    if (profile) {
        std::string line = where + " profile (ms):";
        for (const auto& [op, ms] : profile_ms) line += " " + op + "=" + std::to_string(ms);
        std::fprintf(stderr, "%s%s\n", node_lines.c_str(), line.c_str());
    }
    std::vector<Tensor> out;
    for (const auto& [k, idx] : wanted) {
        const auto& src = nodes_[static_cast<size_t>(k)]->is_constant ? constants_[static_cast<size_t>(k)]
                                                                        : values[static_cast<size_t>(k)];
        out.push_back(src.at(static_cast<size_t>(idx)));
        // A signature output must have the shape it declares: decoders rely on it (a mismatch would
        // decode into wrong boxes silently).
        for (const auto& spec : outputs_) {
            if (index_.at(spec.node) != k || spec.output_index != idx || spec.shape.empty()) continue;
            bool ok = out.back().dim() == static_cast<int64_t>(spec.shape.size());
            for (size_t d = 0; ok && d < spec.shape.size(); ++d)
                ok = spec.shape[d] < 0 || spec.shape[d] == out.back().size(static_cast<int64_t>(d));
            if (!ok)
                throw_model(where + ": output '" + spec.name + "' has shape " + tfjs_shape_text(out.back().sizes().vec()) +
                            ", the signature declares " + tfjs_shape_text(spec.shape));
        }
    }
    return out;
}

} // namespace hoi::detect
