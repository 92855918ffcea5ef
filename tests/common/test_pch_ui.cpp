// Anchor translation unit for the GUI tests' precompiled header.
#include "test_pch_ui.h"
