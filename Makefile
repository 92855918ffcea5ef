# HOI Studio — the two commands a person needs:
#   make run    set-up (Debian packages), fetch models and samples, build, open the GUI on the samples
#   make test   the same set-up and build, then every test through CTest
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all setup fetch configure build run test bench package clean

all: build

setup:
	@installer/setup-deps

fetch: setup
	@models/fetch
	@resources/fetch-samples
	@if [ -x tests/tfjs/generate ]; then tests/tfjs/generate; fi

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja $(CMAKE_FLAGS)

configure: setup $(BUILD_DIR)/build.ninja

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

run: fetch build
	@if [ -z "$$DISPLAY" ] && [ -z "$$WAYLAND_DISPLAY" ]; then \
	  echo "make run: no display (DISPLAY/WAYLAND_DISPLAY unset); the GUI needs one."; \
	  echo "  headless: xvfb-run -a $(BUILD_DIR)/bin/hoi-studio --screenshot shot.png resources/samples"; \
	  exit 1; \
	fi
	$(BUILD_DIR)/bin/hoi-studio resources/samples

test: fetch build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

bench: fetch build
	$(BUILD_DIR)/bin/hoi bench

package: build
	cd $(BUILD_DIR) && cpack -G DEB

clean:
	rm -rf $(BUILD_DIR)
