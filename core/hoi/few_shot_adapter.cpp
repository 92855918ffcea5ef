#include "hoi/few_shot_adapter.h"

#include "clip/dot8.h"
#include "io/error.h"

#include <algorithm>
#include <cmath>

namespace hoi::model {

namespace {

void check_options(const AdapterOptions& o) {
    auto ok = [](float v) { return std::isfinite(v) && v >= 0; };
    if (!ok(o.weight)) throw_usage("adapter weight must be a finite number >= 0");
    if (!ok(o.sharpness)) throw_usage("adapter sharpness must be a finite number >= 0");
    if (!ok(o.min_affinity) || o.min_affinity > 1) throw_usage("adapter min_affinity must be in [0, 1]");
}

} // namespace

FewShotAdapter::FewShotAdapter(AdapterOptions options) : options_(options) { check_options(options_); }

void FewShotAdapter::set_options(const AdapterOptions& options) {
    check_options(options);
    options_ = options;
    ++revision_;
}

std::uint64_t FewShotAdapter::add(AdapterExample e) {
    if (e.class_key.empty()) throw_usage("an adapter example needs a class");
    if (e.feature.empty()) throw_usage("an adapter example needs a pair feature");
    if (dim_ && e.feature.size() != dim_)
        throw_usage("adapter example feature has " + std::to_string(e.feature.size()) + " values, expected " +
                    std::to_string(dim_) + " (the examples were made with another model)");
    double n2 = 0;
    for (float v : e.feature) {
        if (!std::isfinite(v)) throw_usage("adapter example feature is not finite");
        n2 += static_cast<double>(v) * v;
    }
    if (n2 <= 0) throw_usage("adapter example feature is all zeros");
    const float inv = static_cast<float>(1.0 / std::sqrt(n2));
    for (auto& v : e.feature) v *= inv;
    if (e.id != 0 && class_of_.count(e.id)) throw_usage("adapter example id " + std::to_string(e.id) + " is in use");
    if (e.id == 0) {
        while (class_of_.count(next_id_)) ++next_id_;
        e.id = next_id_++;
    } else {
        next_id_ = std::max(next_id_, e.id + 1);
    }
    dim_ = e.feature.size();
    const std::uint64_t id = e.id;
    class_of_[id] = e.class_key;
    by_class_[e.class_key].push_back(std::move(e));
    ++revision_;
    return id;
}

bool FewShotAdapter::remove(std::uint64_t id) {
    auto it = class_of_.find(id);
    if (it == class_of_.end()) return false;
    auto cls = by_class_.find(it->second);
    auto& v = cls->second;
    v.erase(std::find_if(v.begin(), v.end(), [&](const AdapterExample& e) { return e.id == id; }));
    if (v.empty()) by_class_.erase(cls);
    class_of_.erase(it);
    if (class_of_.empty()) dim_ = 0;
    ++revision_;
    return true;
}

void FewShotAdapter::clear() {
    by_class_.clear();
    class_of_.clear();
    dim_ = 0;
    ++revision_;
}

bool FewShotAdapter::has_class(const std::string& class_key) const { return by_class_.count(class_key) > 0; }

const AdapterExample* FewShotAdapter::find(std::uint64_t id) const {
    auto it = class_of_.find(id);
    if (it == class_of_.end()) return nullptr;
    for (const auto& e : by_class_.at(it->second))
        if (e.id == id) return &e;
    return nullptr;
}

std::vector<const AdapterExample*> FewShotAdapter::examples() const {
    std::vector<const AdapterExample*> out;
    for (const auto& [k, v] : by_class_)
        for (const auto& e : v) out.push_back(&e);
    return out;
}

float FewShotAdapter::affinity(const float* feature, const AdapterExample& e, float* similarity) const {
    const float cos = clip::dot(feature, e.feature.data(), static_cast<int64_t>(dim_));
    if (similarity) *similarity = cos;
    const float a = std::exp(-options_.sharpness * (1.0f - cos));
    return a < options_.min_affinity ? 0.0f : a;
}

float FewShotAdapter::term(const float* feature, const std::string& class_key) const {
    auto it = by_class_.find(class_key);
    if (it == by_class_.end() || options_.weight == 0) return 0.0f;
    float sum = 0;
    for (const auto& e : it->second) {
        const float a = affinity(feature, e, nullptr);
        sum += e.positive ? a : -a;
    }
    return options_.weight * sum;
}

std::vector<AdapterContribution> FewShotAdapter::contributions(const float* feature, const std::string& class_key,
                                                               std::size_t top_k) const {
    std::vector<AdapterContribution> out;
    auto it = by_class_.find(class_key);
    if (it == by_class_.end()) return out;
    for (const auto& e : it->second) {
        AdapterContribution c;
        c.id = e.id;
        c.affinity = affinity(feature, e, &c.similarity);
        c.term = options_.weight * (e.positive ? c.affinity : -c.affinity);
        out.push_back(c);
    }
    std::sort(out.begin(), out.end(), [](const AdapterContribution& a, const AdapterContribution& b) {
        const float x = std::fabs(a.term), y = std::fabs(b.term);
        return x != y ? x > y : a.id < b.id;
    });
    if (out.size() > top_k) out.resize(top_k);
    return out;
}

} // namespace hoi::model
