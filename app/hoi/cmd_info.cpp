// hoi info — what the application sees in image files (size, channels, depth, EXIF orientation),
// or why an image cannot be used.
#include "cli.h"

#include "io/error.h"
#include "io/image.h"

#include <iostream>

namespace hoi::cli {

static int cmd_info(std::vector<std::string> argv) {
    Args args("info", std::move(argv));
    args.description(
            "Loads each image as the application does and prints, per image: path, format,\n"
            "width, height (as stored), channels and bit depth of the file, EXIF orientation (1-8)\n"
            "and the size after orientation; or the reason the image cannot be used.\n"
            "Exit 3 when any image cannot be used (the others are still reported).")
        .option("--max-pixels", "N", "largest accepted width x height (default 100000000; 0 = no limit)")
        .positional("IMG", "image files", 1, -1);
    if (!args.parse()) return kOk;

    io::ImageLimits limits;
    if (args.has("--max-pixels")) {
        const std::string v = args.get("--max-pixels");
        size_t pos = 0;
        unsigned long long n = 0;
        try {
            n = std::stoull(v, &pos);
        } catch (...) {
            pos = std::string::npos;
        }
        if (pos != v.size() || v.empty() || v[0] == '-')
            throw_usage("option '--max-pixels' expects a non-negative integer, got '" + v + "'");
        limits.max_pixels = n;
    }

    nlohmann::json images = nlohmann::json::array();
    int failed = 0;
    for (const auto& path : args.positionals()) {
        nlohmann::json j;
        j["path"] = path;
        try {
            const io::Image img = io::load_image(path, limits);
            j["ok"] = true;
            j["format"] = img.format;
            j["width"] = img.width;
            j["height"] = img.height;
            j["channels"] = img.channels;
            j["bit_depth"] = img.bit_depth;
            j["orientation"] = img.orientation;
            j["oriented_width"] = img.oriented_width;
            j["oriented_height"] = img.oriented_height;
        } catch (const Error& e) {
            if (e.kind() != ErrorKind::Input) throw;
            ++failed;
            j["ok"] = false;
            j["error"] = e.what();
            std::cerr << "hoi info: " << e.what() << std::endl;
        }
        images.push_back(std::move(j));
    }
    print_json({{"images", images}});
    return failed ? kInput : kOk;
}

HOI_REGISTER_COMMAND("info", "image size, channels, depth and EXIF orientation (or why unusable)", cmd_info);

} // namespace hoi::cli
