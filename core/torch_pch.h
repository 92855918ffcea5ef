// Precompiled header shared by every core module that uses LibTorch.
// Only .cpp files that need tensors include torch headers; public headers forward-declare.
#pragma once
#include <torch/torch.h>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>
#include <memory>
