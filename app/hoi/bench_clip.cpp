// hoi bench — CLIP section: image-encoder and text-encoder latency against their compute floors.
#include "bench.h"

#include "clip/clip_model.h"
#include "clip/text_prefix_cache.h"
#include "clip/packed_linear.h"
#include "clip/synthetic.h"
#include "clip/tokenizer.h"

#include <torch/torch.h>

#include <iostream>

namespace hoi::bench {

// A block whose Q query rows attend to T keys (Q = T: the whole block).
double block_flops(double Q, double T, double W) {
    return 2 * Q * W * 3 * W      // q, k, v
           + 2 * 2 * Q * T * W    // q k^T and attention x v
           + 2 * Q * W * W        // out_proj
           + 2 * 2 * Q * W * 4 * W; // c_fc and c_proj
}
double block_flops(double T, double W) { return block_flops(T, T, W); }

double clip_image_flops(const clip::ClipConfig& c) {
    if (c.vit) {
        const double N = static_cast<double>(c.grid) * c.grid, T = N + 1, W = c.vision_width;
        const double p2 = static_cast<double>(c.vision_patch_size) * c.vision_patch_size;
        return 2 * N * 3 * p2 * W + c.vision_layers * block_flops(T, W) + 2 * W * c.embed_dim;
    }
    // ModifiedResNet (OpenAI's model.py): a 3-convolution stem at half resolution and a 2x2
    // average pool, then bottlenecks (1x1, 3x3, pool, 1x1 to 4x planes; the first block of each
    // stage has a pooled 1x1 downsample), then attnpool over the grid and its mean token.
    auto conv = [](double side, double cin, double cout, double k) { return 2 * side * side * cin * cout * k * k; };
    const double W = c.vision_width;
    double side = c.image_resolution / 2.0, in = W;
    double f = conv(side, 3, W / 2, 3) + conv(side, W / 2, W / 2, 3) + conv(side, W / 2, W, 3);
    side /= 2;
    for (size_t stage = 0; stage < c.vision_layers_rn.size(); ++stage) {
        const double planes = W * (1 << stage);
        for (int b = 0; b < c.vision_layers_rn[stage]; ++b) {
            const double out_side = (b == 0 && stage > 0) ? side / 2 : side;
            f += conv(side, in, planes, 1) + conv(side, planes, planes, 3) + conv(out_side, planes, 4 * planes, 1);
            if (b == 0) f += conv(out_side, in, 4 * planes, 1);
            in = 4 * planes;
            side = out_side;
        }
    }
    const double T = side * side + 1, C = in;
    return f + 2 * T * C * 3 * C + 2 * 2 * T * C + 2 * C * c.embed_dim; // q, k, v over all tokens; attention; c_proj
}

nlohmann::json kernel_paths_since(const std::array<uint64_t, 3>& before) {
    const auto now = clip::packed_linear_calls();
    nlohmann::json calls = nlohmann::json::object();
    std::string widest;
    for (clip::KernelPath p : {clip::KernelPath::Avx512, clip::KernelPath::Avx2, clip::KernelPath::Portable}) {
        const uint64_t n = now[static_cast<int>(p)] - before[static_cast<int>(p)];
        if (n == 0) continue;
        calls[clip::kernel_path_name(p)] = n;
        if (widest.empty()) widest = clip::kernel_path_name(p);
    }
    return {{"kernel", widest.empty() ? "none" : widest}, {"kernel_calls", calls}};
}

namespace {

double text_flops(const clip::ClipConfig& c, double B, double L) {
    return B * (c.transformer_layers * block_flops(L, c.transformer_width) + 2.0 * c.transformer_width * c.embed_dim);
}

// One prompt of L tokens whose first P rows come from a recent prompt (clip/text_prefix_cache.h):
// every block but the last computes rows P..L-1; the last one their keys and values, then the
// <|endoftext|> row alone.
double text_flops_reusing(const clip::ClipConfig& c, double L, double P) {
    const double W = c.transformer_width, n = L - P;
    return (c.transformer_layers - 1) * block_flops(n, L, W) + 2 * n * W * 3 * W + block_flops(1, L, W) -
           2 * W * 3 * W + 2.0 * W * c.embed_dim;
}

// ms against the compute floor (flops / matrix-product rate) and, when weight_bytes is given,
// against the memory floor (weight bytes / read rate): a pass must read its weights at least once.
nlohmann::json measure(const Context& ctx, const std::function<void()>& fn, double flops, double weight_bytes = 0) {
    const auto calls = clip::packed_linear_calls();
    const double ms = time_ms(fn, ctx.repeats, ctx.quick ? 1 : 3);
    nlohmann::json j = {{"ms", ms}, {"gflop", flops / 1e9}};
    j.update(kernel_paths_since(calls));
    if (ctx.gemm_gflops > 0 && flops > 0) {
        const double floor_ms = flops / (ctx.gemm_gflops * 1e6);
        j["floor_ms"] = floor_ms;
        j["ratio_to_floor"] = ms / floor_ms;
    }
    if (ctx.read_gbps > 0 && weight_bytes > 0) {
        const double memory_floor_ms = weight_bytes / (ctx.read_gbps * 1e6);
        j["weight_mb"] = weight_bytes / 1e6;
        j["memory_floor_ms"] = memory_floor_ms;
        j["ratio_to_memory_floor"] = ms / memory_floor_ms;
    }
    return j;
}

nlohmann::json bench_clip(Context& ctx) {
    nlohmann::json out;
    auto model = bench_clip_model(ctx, out, "clip");
    const auto& c = model->config();
    nlohmann::json paths = nlohmann::json::array();
    for (auto p : clip::available_kernel_paths()) paths.push_back(clip::kernel_path_name(p));
    out["kernel"] = {{"active", clip::kernel_path_name(clip::active_kernel_path())}, {"available", paths}};

    const int S = model->input_size();
    auto image = torch::randn({3, S, S});
    out["image_encoder"] = measure(ctx, [&] { model->encode_image(image); }, clip_image_flops(c),
                                   static_cast<double>(model->image_matrix_bytes()));
    out["image_encoder"]["input"] = std::to_string(S) + " px, batch 1";

    const auto& tok = clip::Tokenizer::instance();
    static const char* verbs[] = {"riding", "holding", "feeding", "walking", "eating", "throwing", "kicking", "cutting"};
    static const char* objects[] = {"horse", "bicycle", "dog", "umbrella", "pizza", "frisbee", "sports ball", "cake"};
    std::vector<std::vector<int>> prompts;
    double tokens_sum = 0;
    int longest = 0;
    for (int i = 0; i < 64; ++i) {
        auto ids = tok.tokenize(std::string("a photo of a person ") + verbs[i % 8] + " a " + objects[(i / 8) % 8],
                                c.context_length);
        const int len = static_cast<int>(std::max_element(ids.begin(), ids.end()) - ids.begin()) + 1;
        tokens_sum += len;
        longest = std::max(longest, len);
        prompts.push_back(ids);
    }
    std::vector<std::vector<int>> one(prompts.begin(), prompts.begin() + 1);
    const int len1 = static_cast<int>(std::max_element(one[0].begin(), one[0].end()) - one[0].begin()) + 1;
    nlohmann::json text;
    text["prompt_tokens_mean"] = tokens_sum / 64;
    const double text_bytes = static_cast<double>(model->text_matrix_bytes());
    // One new prompt, as a person typing prompts has it: the template's opening ("<|startoftext|> a
    // photo of a person") is in the tower's recent states, the verb is new (a different word at
    // every call, more of them than the states hold). 1_prompt_cold: nothing reused.
    auto& states = model->text_states();
    const int64_t opening = 6, words = 400;
    int call = 0;
    auto next_prompt = [&] {
        auto ids = one[0];
        ids[opening] = 1000 + (call++ % words); // the verb's position: another single-token word
        return std::vector<std::vector<int>>{ids};
    };
    states.clear();
    model->encode_text(next_prompt(), true);
    const auto reused_before = states.rows_reused();
    const int calls_before = call;
    text["1_prompt_cut"] = measure(ctx, [&] { model->encode_text(next_prompt(), true); },
                                   text_flops_reusing(c, len1, opening), text_bytes);
    text["1_prompt_cut"]["rows_reused_per_prompt"] =
        static_cast<double>(states.rows_reused() - reused_before) / std::max(1, call - calls_before);
    text["1_prompt_cold"] = measure(
        ctx,
        [&] {
            states.clear();
            model->encode_text(next_prompt(), true);
        },
        text_flops(c, 1, len1), text_bytes);
    text["1_prompt_full"] = measure(
        ctx,
        [&] {
            states.clear();
            model->encode_text(one, false);
        },
        text_flops(c, 1, c.context_length), text_bytes);
    text["64_prompts_cut"] = measure(ctx, [&] { model->encode_text(prompts, true); }, text_flops(c, 64, longest), text_bytes);
    text["64_prompts_full"] =
        measure(ctx, [&] { model->encode_text(prompts, false); }, text_flops(c, 64, c.context_length), text_bytes);
    text["cut_speedup_1"] = text["1_prompt_full"]["ms"].get<double>() / text["1_prompt_cut"]["ms"].get<double>();
    text["cut_speedup_64"] = text["64_prompts_full"]["ms"].get<double>() / text["64_prompts_cut"]["ms"].get<double>();
    out["text_encoder"] = text;
    return out;
}

} // namespace

HOI_REGISTER_BENCH("clip", "CLIP image / text encoders (--clip-arch, default ViT-B/32) vs compute and memory floors; batch cut", 20, bench_clip);

} // namespace hoi::bench
