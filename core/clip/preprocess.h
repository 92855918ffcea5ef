#pragma once
// CLIP image preprocessing, matching OpenAI's torchvision/PIL pipeline:
// Resize(size, BICUBIC) on the shorter side -> CenterCrop(size) -> ToTensor -> Normalize(CLIP mean/std).
#include <ATen/core/Tensor.h>
#include <opencv2/core/mat.hpp>

#include <array>
#include <cstdint>

namespace hoi::clip {

inline constexpr std::array<float, 3> kClipMean = {0.48145466f, 0.4578275f, 0.40821073f};
inline constexpr std::array<float, 3> kClipStd = {0.26862954f, 0.26130258f, 0.27577711f};

// PIL-compatible resize of an 8-bit RGB (CV_8UC3) image: bicubic (a = -0.5), antialiased when
// downsampling (the filter support widens with the scale), separable (horizontal pass, then
// vertical), in PIL's 8-bit fixed point with rounding/clipping to uint8 between the passes.
// Throws hoi::Error(Input) for an empty/non-CV_8UC3 image or a non-positive size.
cv::Mat resize_bicubic_pil(const cv::Mat& rgb8, int width, int height);

// The same resize of the image placed at (left, top) on a canvas_w x canvas_h canvas filled with
// `fill` (RGB), without building the canvas: the same bytes as resizing the padded image, in memory
// and time that follow the output and the image, not the canvas (a 60000 x 100 panorama padded to a
// square would take 10.8 GB). Throws hoi::Error(Input) also when the image does not fit the canvas.
cv::Mat resize_bicubic_pil_padded(const cv::Mat& rgb8, int canvas_w, int canvas_h, int left, int top,
                                  const std::array<uint8_t, 3>& fill, int width, int height);

// The size the shorter side is resized to (torchvision Resize(int)): {width, height}.
std::array<int, 2> resize_shorter_side(int width, int height, int size);

// CLIP preprocessing of an 8-bit RGB image: shorter side -> size (PIL bicubic), center crop
// size x size (torchvision's CenterCrop rounding), scaled to [0,1], normalised with CLIP mean/std.
// Returns a contiguous float32 tensor [3, size, size]. Throws hoi::Error(Input) on a bad image.
at::Tensor preprocess(const cv::Mat& rgb8, int size);

// CLIP's mean colour in 8 bits (RGB): what images are padded with.
std::array<uint8_t, 3> mean_rgb8();

// preprocess() of the image centred on a square of its longer side filled with mean_rgb8() (how
// HOI Studio feeds whole images and crops to CLIP, nothing cut off), without building the square.
at::Tensor preprocess_padded_square(const cv::Mat& rgb8, int size);

} // namespace hoi::clip
