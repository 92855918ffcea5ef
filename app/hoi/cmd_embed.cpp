// hoi embed — CLIP embeddings of images and texts (projected, not normalised, as OpenAI's
// encode_image / encode_text).
#include "cli.h"

#include "clip/clip_model.h"
#include "clip/preprocess.h"
#include "clip/tokenizer.h"
#include "io/error.h"
#include "io/image.h"

#include <torch/torch.h>

#include <iostream>

namespace hoi::cli {
namespace {

nlohmann::json to_json(const at::Tensor& v) {
    auto c = v.to(at::kFloat).contiguous();
    const float* p = c.data_ptr<float>();
    return std::vector<float>(p, p + c.numel());
}

int cmd_embed(std::vector<std::string> argv) {
    Args args("embed", std::move(argv));
    args.description("CLIP embeddings (projected, not normalised) of images and texts.\n"
                     "Model: --clip, else $HOI_CLIP, else ViT-B-32.pt in the models folder.")
        .option("--clip", "MODEL", "CLIP model file (.pt or .safetensors)")
        .option("--image", "IMG", "an image to embed", true)
        .option("--text", "TEXT", "a text to embed", true);
    if (!args.parse()) return kOk;
    const auto images = args.all("--image");
    const auto texts = args.all("--text");
    if (images.empty() && texts.empty()) throw_usage("give at least one --image or --text");
    const auto path = clip::resolve_clip_path(args.get("--clip"));
    if (path.empty())
        throw_model("no CLIP model: pass --clip MODEL, set HOI_CLIP, or run `hoi models fetch clip-vit-b32`");
    auto model = clip::ClipModel::load(path);

    nlohmann::json out = {{"model", path}, {"images", nlohmann::json::array()}, {"texts", nlohmann::json::array()}};
    for (const auto& img : images) {
        auto image = io::load_image(img);
        auto x = clip::preprocess(image.rgb, model->input_size());
        auto f = model->encode_image(x);
        out["images"].push_back({{"path", img}, {"embedding", to_json(f.embedding)}});
    }
    if (!texts.empty()) {
        const auto& tok = clip::Tokenizer::instance();
        std::vector<std::vector<int>> ids;
        for (const auto& t : texts) {
            bool truncated = false;
            ids.push_back(tok.tokenize(t, model->config().context_length, &truncated));
            if (truncated) std::cerr << "warning: text truncated to the model's context: " << t << std::endl;
        }
        auto e = model->encode_text(ids);
        for (size_t i = 0; i < texts.size(); ++i)
            out["texts"].push_back({{"text", texts[i]}, {"embedding", to_json(e[static_cast<int64_t>(i)])}});
    }
    print_json(out);
    return kOk;
}

} // namespace

HOI_REGISTER_COMMAND("embed", "CLIP embeddings of images and texts", cmd_embed);

} // namespace hoi::cli
