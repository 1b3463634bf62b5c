# The two commands of the README: `make run` and `make test`. Each does all of its set-up.
BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
# The normal suite mostly waits on the kernel and its own timeouts (45 s of user CPU in 2,356
# tests): twice as many tests as CPUs at once (docs/ci.md). The ASan suite is CPU-bound: JOBS.
TEST_JOBS  ?= $(shell echo $$(( $(JOBS) * 2 )))
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo

.PHONY: all deps build build-asan build-fuzz install package static run test test-fast test-asan test-fuzz fuzz format format-check bench plots docs docs-behaviour clean

all: build

deps:
	@./scripts/deps.sh

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

# Debug (assertions on) at -O1, the level ASan's documentation advises: the CPU-bound tests (the
# 65,535-port scans, the exhaustive decimal check) run faster than at -O0; -g1 keeps the line
# tables that reports print and makes the objects a third of the size (docs/ci.md).
ASAN_CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS_DEBUG="-O1 -g1" \
                    -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1"

$(ASAN_BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(ASAN_BUILD) $(ASAN_CMAKE_FLAGS) -DNBC_SANITIZE=ON -DNBC_BENCH=OFF

# libFuzzer needs clang; clang 14 cannot compile libstdc++ 12's <expected>, clang 19 can.
$(FUZZ_BUILD)/CMakeCache.txt: | deps
	CC=clang-19 CXX=clang++-19 cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DNBC_FUZZ=ON -DNBC_TESTS=OFF -DNBC_BENCH=OFF -DNBC_INSTALL=OFF

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

build-asan: deps $(ASAN_BUILD)/CMakeCache.txt
	cmake --build $(ASAN_BUILD) -j $(JOBS)

# The binary, libraries, headers, CMake and pkg-config files, man page and completions; honours
# DESTDIR, and PREFIX (default: the configured prefix, /usr/local).
install: build
	cmake --install $(BUILD) $(if $(PREFIX),--prefix $(PREFIX))

# The Debian package build/nbconnect_VERSION-1_ARCH.deb (CPack; Depends from dpkg-shlibdeps).
package: build
	cd $(BUILD) && cpack -G DEB

# build/nbconnect-static: the program linked statically, for a FROM scratch image (Containerfile).
static: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS) --target nbconnect_static

# The main job: check a local port, then show what a closed one looks like.
run: build
	./scripts/run.sh $(BUILD)/nbconnect

build-fuzz: deps $(FUZZ_BUILD)/CMakeCache.txt
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_all

# The whole suite, once in the normal build (which replays every fuzz corpus) and once under
# ASan+UBSan, then every libFuzzer target for 10 s.
test: test-fast test-asan test-fuzz

test-fast: build
	cd $(BUILD) && ctest --output-on-failure -j $(TEST_JOBS)

test-asan: build-asan
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
	  ctest --output-on-failure -j $(JOBS)

# Each libFuzzer target for 10 s from its committed corpus; new inputs stay in the build directory.
test-fuzz:
	@if command -v clang++-19 >/dev/null; then \
	  $(MAKE) --no-print-directory build-fuzz && ./scripts/fuzz.sh $(FUZZ_BUILD) 10; \
	else \
	  echo "test-fuzz: skipped: clang++-19 is not installed (scripts/deps.sh installs it as root)"; \
	fi

# Each target for FUZZ_SECONDS (default 60); inputs that add coverage join fuzz/corpus/<target>/.
fuzz: build-fuzz
	./scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) --merge

# The pictures of docs/benchmarks.md (as root: each script makes its own network namespace):
# scan rate over time (nbconnect, nmap, the raw limit) and ping latency histograms, written to
# docs/img/. About a minute (five rounds of each scan, 3 x 2,000 pings) and machine-dependent,
# so not part of `make test`.
plots: build
	bench/plot_scan_rate.sh $(BUILD)
	bench/plot_ping_latency.sh $(BUILD)

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp' '*.c' '*.h')

format-check:
	clang-format --dry-run --Werror $$(git ls-files '*.cpp' '*.hpp' '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)

# docs/behaviour-linux.md is the output of `nbconnect lab` on this machine: the behaviour matrix.
# It needs the privilege for a network namespace (root, or `unshare -Ur make docs`); a partial
# matrix measured without it is left in the .partial file instead of replacing the full one.
docs: docs-behaviour

docs-behaviour: build
	@mkdir -p docs
	$(BUILD)/nbconnect lab > docs/behaviour-linux.md.partial
	@if grep -q '^## Skipped' docs/behaviour-linux.md.partial; then \
	  echo "make docs: some scenarios were skipped; kept docs/behaviour-linux.md, see docs/behaviour-linux.md.partial" >&2; \
	  exit 1; \
	fi
	mv docs/behaviour-linux.md.partial docs/behaviour-linux.md
