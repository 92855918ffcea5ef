// Precompiled header for the test executables (Qt Test + LibTorch + JSON).
#pragma once
#include <QtTest/QtTest>
#include <QProcess>
#include <QTemporaryDir>
#include <torch/torch.h>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>
