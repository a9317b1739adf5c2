# Thin wrapper over CMake. The two commands a new machine needs:
#   make run    install missing packages, build, start jwtd on its defaults
#   make test   install missing packages, build, run every test
#   make bench  jose_bench, then jwtd under gRPC load next to an echo floor
#               (bench/load/run_load_bench.py, which rewrites its table in
#               docs/performance.md; LOAD_BENCH_FLAGS=--long for 60 s runs)
#   make soak   jwtd under SOAK_SECONDS (default 600) of mixed Issue/Validate/
#               Introspect/Revoke load: every answer, RSS and FDs checked
#               (bench/load/run_soak.py; SOAK_FLAGS=--docs writes the result
#               into docs/performance.md)
#   make fuzz   build the libFuzzer targets (clang, ASan+UBSan) in build-fuzz/
#               and run each for FUZZ_SECONDS (docs/fuzzing.md)
#   make test-asan / test-tsan
#               the whole ctest suite under ASan+UBSan / ThreadSanitizer in
#               build-asan/ / build-tsan/ (docs/sanitizers.md)
# Everything else is plain CMake/CTest (see CMakePresets.json).

BUILD_DIR := build
JOBS      ?= 2
JWTD_FLAGS ?=
LOAD_BENCH_FLAGS ?=
SOAK_SECONDS ?= 600
SOAK_FLAGS   ?=

FUZZ_DIR     := build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := token_parser_fuzzer json_parser_fuzzer jwk_import_fuzzer \
                config_loader_fuzzer validate_service_fuzzer
FUZZ_FLAGS   ?=

.PHONY: all deps configure build test run bench soak fuzz format clean \
  test-asan test-tsan

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
	$(BUILD_DIR)/bin/jwtd --grpc-listen=127.0.0.1:50051 \
	  --privileged-listen=unix:$(CURDIR)/var/jwtd/admin.sock \
	  --http-listen=127.0.0.1:8080 --data-dir=var/jwtd $(JWTD_FLAGS)

bench: build
	$(BUILD_DIR)/bin/jose_bench --benchmark_min_time=0.5
	/usr/bin/python3 bench/load/run_load_bench.py --build-dir $(BUILD_DIR) \
	  $(LOAD_BENCH_FLAGS)

soak: build
	/usr/bin/python3 bench/load/run_soak.py --build-dir $(BUILD_DIR) \
	  --seconds $(SOAK_SECONDS) $(SOAK_FLAGS)

# Each target runs on a copy of its seed corpus in $(FUZZ_DIR)/corpus/<target>
# (kept between runs, so it grows); crashes go to $(FUZZ_DIR)/artifacts/,
# logs to $(FUZZ_DIR)/logs/. Fails if any target found something.
fuzz: deps
	@test -f $(FUZZ_DIR)/CMakeCache.txt || CC=clang CXX=clang++ cmake -S . \
	  -B $(FUZZ_DIR) -DJWTD_BUILD_FUZZERS=ON -DJWTD_BUILD_TESTS=OFF \
	  -DJWTD_BUILD_BENCHMARKS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(FUZZ_DIR) -j$(JOBS) --target $(FUZZ_TARGETS)
	@failed=; for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(FUZZ_DIR)/corpus/$$t $(FUZZ_DIR)/artifacts/$$t $(FUZZ_DIR)/logs; \
	  cp tests/fuzz/corpus/$$t/* $(FUZZ_DIR)/corpus/$$t/; \
	  dict=; test -f tests/fuzz/$$t.dict && dict=-dict=tests/fuzz/$$t.dict; \
	  echo "fuzz: $$t for $(FUZZ_SECONDS)s (log: $(FUZZ_DIR)/logs/$$t.log)"; \
	  if $(FUZZ_DIR)/bin/$$t -max_total_time=$(FUZZ_SECONDS) -max_len=16384 \
	      -timeout=10 -print_final_stats=1 $$dict $(FUZZ_FLAGS) \
	      -artifact_prefix=$(FUZZ_DIR)/artifacts/$$t/ \
	      $(FUZZ_DIR)/corpus/$$t > $(FUZZ_DIR)/logs/$$t.log 2>&1; then \
	    result=ok; else result=FAILED; failed="$$failed $$t"; fi; \
	  execs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $(FUZZ_DIR)/logs/$$t.log); \
	  rate=$$(sed -n 's/^stat::average_exec_per_sec: *//p' $(FUZZ_DIR)/logs/$$t.log); \
	  echo "fuzz: $$t: $$result, $${execs:-?} executions ($${rate:-?}/s), corpus $$(ls $(FUZZ_DIR)/corpus/$$t | wc -l) files"; \
	done; \
	if [ -n "$$failed" ]; then \
	  echo "fuzz: findings in:$$failed (see $(FUZZ_DIR)/artifacts/ and the logs)"; exit 1; fi

# Sanitizer builds (presets asan and tsan). Their test presets set
# ASAN_/UBSAN_/LSAN_OPTIONS or TSAN_OPTIONS in ctest's environment, so every
# process a test starts (jwtd, jwtctl, the Python and Node clients' jwtd)
# inherits them and a sanitizer report fails the test that saw it.
# CTEST_FLAGS passes extra ctest arguments (e.g. -L e2e, -R name).
CTEST_FLAGS ?=

test-asan test-tsan: test-%: deps
	@test -f build-$*/CMakeCache.txt || cmake --preset $*
	cmake --build build-$* -j$(JOBS)
	ctest --preset $* -j$(JOBS) $(CTEST_FLAGS)

format:
	find server client tests bench -name '*.h' -o -name '*.cc' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR) build-asan build-tsan
