# netward: the two commands a newcomer types are `make demo` and `make test`.
# Both install what they need (scripts/setup-deps), build, and run.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNW_WERROR=ON

# ccache across clones: paths under this directory hash as relative ones.
export CCACHE_BASEDIR := $(CURDIR)
export CCACHE_NOHASHDIR := 1

.PHONY: all deps build demo test test-unit test-sanitize fuzz bench clean

all: build

deps:
	@bash scripts/setup-deps

build: deps
	@cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS) >/dev/null
	@ninja -C $(BUILD) -j $(JOBS)

# Replays the bundled demo capture (real clients and servers, see demo/README.md) and shows
# the records it produced.
demo: build
	@bash scripts/demo $(BUILD)

# Every test: unit and end-to-end (ctest), then the ASan/UBSan build replaying the corpus and
# each libFuzzer target for a bounded time.
test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 600
	@bash scripts/run-sanitized-tests

bench: build
	@BUILD=$(BUILD) bash bench/run.sh

clean:
	rm -rf $(BUILD) build-asan build-fuzz
