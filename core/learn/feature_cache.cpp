#include "learn/feature_cache.h"

#include "annotation/coco_classes.h"
#include "clip/sha256.h"
#include "clip/text_cache.h"
#include "io/atomic_file.h"
#include "io/error.h"
#include "io/image.h"
#include "io/safetensors.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace fs = std::filesystem;

namespace hoi::learn {

namespace {

io::StTensorOut out_of(const std::string& name, const std::vector<float>& v, std::vector<int64_t> shape) {
    return {name, io::StDtype::F32, std::move(shape),
            std::string_view(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float))};
}

bool read_into(const io::SafetensorsFile& f, const std::string& name, size_t count, std::vector<float>& out) {
    const auto* t = f.find(name);
    if (!t || t->dtype != io::StDtype::F32 || static_cast<size_t>(t->numel()) != count) return false;
    out.resize(count);
    if (count) std::memcpy(out.data(), f.data(*t), count * sizeof(float));
    return true;
}

} // namespace

std::string FeatureCache::default_dir() {
    if (const char* e = std::getenv("HOI_FEATURE_CACHE"); e && *e) return e;
    return (fs::path(clip::TextEmbeddingCache::default_dir()) / "features").string();
}

FeatureCache::FeatureCache(model::Engine& engine, std::string dir)
    : engine_(engine), dir_(dir.empty() ? default_dir() : std::move(dir)) {
    if (!engine_.has_clip()) throw_usage("the feature cache needs a CLIP model");
}

std::vector<std::pair<int, int>> FeatureCache::all_pairs(const LabelledImage& image) {
    std::vector<std::pair<int, int>> out;
    for (int h = 0; h < static_cast<int>(image.boxes.size()); ++h)
        if (image.boxes[static_cast<size_t>(h)].class_id == 0)
            for (int o = 0; o < static_cast<int>(image.boxes.size()); ++o)
                if (o != h) out.emplace_back(h, o);
    return out;
}

CachedImage FeatureCache::get(const LabelledImage& image, const CancelFlag* cancel) {
    CachedImage c;
    c.pairs = all_pairs(image);
    const std::string bytes = io::read_file(image.path, io::ImageLimits{}.max_file_bytes);
    std::ostringstream k;
    k << clip::sha256_hex(bytes) << '|' << engine_.clip_checksum() << '|' << engine_.has_pose() << '|'
      << engine_.options().box_feature_weight << '|';
    char buf[64];
    for (const auto& b : image.boxes) {
        std::snprintf(buf, sizeof buf, "%.3f,%.3f,%.3f,%.3f,%d;", b.x1, b.y1, b.x2, b.y2, b.class_id);
        k << buf;
    }
    k << '|';
    for (const auto& [h, o] : c.pairs) k << h << ',' << o << ';';
    const std::string file = (fs::path(dir_) / (clip::sha256_hex(k.str()) + ".safetensors")).string();

    std::error_code ec;
    if (fs::exists(file, ec)) {
        try {
            auto f = io::SafetensorsFile::open(file);
            const auto& m = f->metadata();
            auto num = [&](const char* key) { return m.count(key) ? std::stoi(m.at(key)) : -1; };
            model::PairInputs& in = c.inputs;
            in.width = num("width");
            in.height = num("height");
            in.dim = num("dim");
            in.spatial_dims = num("spatial_dims");
            in.patches = num("patches");
            in.image_key = m.count("image_key") ? m.at("image_key") : "";
            const size_t P = c.pairs.size();
            if (in.dim > 0 && in.spatial_dims > 0 && in.patches > 0 &&
                read_into(*f, "base", P * static_cast<size_t>(in.dim), in.base) &&
                read_into(*f, "spatial", P * static_cast<size_t>(in.spatial_dims), in.spatial) &&
                read_into(*f, "patch_tokens", static_cast<size_t>(in.patches) * static_cast<size_t>(in.dim),
                          in.patch_tokens) &&
                read_into(*f, "global", static_cast<size_t>(in.dim), in.global)) {
                c.from_disk = true;
                return c;
            }
        } catch (const Error&) {
            // unreadable cache entry: recompute below
        } catch (const std::exception&) {
        }
    }
    c.inputs = engine_.pair_inputs(image.path, image.boxes, c.pairs, cancel);
    const model::PairInputs& in = c.inputs;
    const int64_t P = static_cast<int64_t>(c.pairs.size());
    std::vector<io::StTensorOut> t = {out_of("base", in.base, {P, in.dim}),
                                      out_of("spatial", in.spatial, {P, in.spatial_dims}),
                                      out_of("patch_tokens", in.patch_tokens, {in.patches, in.dim}),
                                      out_of("global", in.global, {in.dim})};
    fs::create_directories(dir_, ec);
    try {
        io::write_safetensors(file, t,
                              {{"format", "hoi-studio-features"}, {"image", image.path}, {"image_key", in.image_key},
                               {"width", std::to_string(in.width)}, {"height", std::to_string(in.height)},
                               {"dim", std::to_string(in.dim)}, {"spatial_dims", std::to_string(in.spatial_dims)},
                               {"patches", std::to_string(in.patches)}});
    } catch (const Error&) {
        // a read-only cache folder only costs the next run the CLIP pass
    }
    return c;
}

std::vector<detect::Detection> FeatureCache::detections(const LabelledImage& image, const CancelFlag* cancel) {
    const auto& o = engine_.options();
    const std::string bytes = io::read_file(image.path, io::ImageLimits{}.max_file_bytes);
    std::ostringstream k;
    k << "detections|" << clip::sha256_hex(bytes) << '|' << engine_.detector_checksum() << '|' << o.human_threshold
      << '|' << o.object_threshold;
    const std::string file = (fs::path(dir_) / (clip::sha256_hex(k.str()) + ".detections.json")).string();
    std::error_code ec;
    if (fs::exists(file, ec)) {
        try {
            std::vector<detect::Detection> out;
            for (const auto& j : nlohmann::json::parse(io::read_file(file, 64u << 20))) {
                detect::Detection d;
                d.x1 = j.at(0).get<float>();
                d.y1 = j.at(1).get<float>();
                d.x2 = j.at(2).get<float>();
                d.y2 = j.at(3).get<float>();
                d.class_id = j.at(4).get<int>();
                d.score = j.at(5).get<float>();
                if (d.class_id < 0 || d.class_id >= annotation::kCocoClasses || !(d.x2 >= d.x1) || !(d.y2 >= d.y1))
                    throw std::runtime_error("bad box");
                d.label = std::string(annotation::coco80_names()[static_cast<size_t>(d.class_id)]);
                out.push_back(std::move(d));
            }
            return out;
        } catch (const std::exception&) {
            // unreadable entry: detect again below
        }
    }
    std::vector<detect::Detection> out;
    nlohmann::json j = nlohmann::json::array();
    for (const auto& d : engine_.analyse(image.path, std::vector<model::Prompt>{}, {}, cancel).detections) {
        if (d.score < (d.class_id == 0 ? o.human_threshold : o.object_threshold)) continue;
        out.push_back(d);
        j.push_back({d.x1, d.y1, d.x2, d.y2, d.class_id, d.score});
    }
    fs::create_directories(dir_, ec);
    try {
        io::write_file_atomic(file, j.dump());
    } catch (const Error&) {
        // a read-only cache folder only costs the next run the detector
    }
    return out;
}

} // namespace hoi::learn
