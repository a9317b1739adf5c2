# Thin wrapper over CMake. The two commands a new machine needs:
#   make run    install missing packages, build, start jwtd on its defaults
#   make test   install missing packages, build, run every test
# Everything else is plain CMake/CTest (see CMakePresets.json).

BUILD_DIR := build
JOBS      ?= 2
JWTD_FLAGS ?=

.PHONY: all deps configure build test run bench format clean

all: build

deps:
	@scripts/install-deps.sh

configure: deps
	@test -f $(BUILD_DIR)/CMakeCache.txt || cmake --preset default

build: configure
	cmake --build $(BUILD_DIR) -j$(JOBS)

test: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j$(JOBS)

run: build
	$(BUILD_DIR)/bin/jwtd --grpc-listen=127.0.0.1:50051 --data-dir=var/jwtd $(JWTD_FLAGS)

bench: build
	$(BUILD_DIR)/bin/jose_bench --benchmark_min_time=0.5

format:
	find server client tests bench -name '*.h' -o -name '*.cc' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR)
