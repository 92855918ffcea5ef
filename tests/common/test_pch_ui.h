// Precompiled header for the GUI tests (Qt Test + Widgets; no LibTorch: the UI is torch-free).
#pragma once
#include <QtTest/QtTest>
#include <QtWidgets>
#include <QTemporaryDir>
#include <string>
#include <vector>
