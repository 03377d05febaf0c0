# nmod: the two commands a newcomer needs are `make demo` and `make test`.
# Both install what is missing (scripts/bootstrap.sh, idempotent apt-get) and build.
#
#   make demo    build build/nmod and show the system doing its main job
#   make test    build the release (gcc -O2 -Werror, as make demo does), then with ASan+UBSan, and run
#                every test (host and emulated Cortex-M)
#   make console nmod console on a demo database, for a person to use (prints the address and
#                the demo accounts)
#   make deb     the Debian package (build/nmod_VERSION_amd64.deb)
#   make bench   run the benchmarks and write docs/PERFORMANCE.md
#   make size    flash, RAM and stack of the implant firmware against its budgets
#   make prove   the formal proofs (Frama-C WP, SPIN) and their table (docs/ASSURANCE.md)
#   make         build build/nmod only (with the console's front end, build/web)

JOBS ?= $(shell nproc 2>/dev/null || echo 2)
BUILD := build
ASAN := build/asan
ARM := build/cortexm
CMAKE_FLAGS ?=

.PHONY: all nmod demo console deb test test-host test-target bench size bootstrap bootstrap-host bootstrap-test clean

all: nmod

bootstrap-host:
	@scripts/bootstrap.sh host

bootstrap:
	@scripts/bootstrap.sh all

bootstrap-test:
	@scripts/bootstrap.sh test

$(BUILD)/Makefile: | bootstrap-host
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DNMOD_TESTS=OFF $(CMAKE_FLAGS) >/dev/null

nmod: bootstrap-host $(BUILD)/Makefile
	@cmake --build $(BUILD) -j $(JOBS) --target nmod >/dev/null
	@echo "built $(BUILD)/nmod"

# The demo ends with the console's screenshots: headless Chromium (the test part).
demo: bootstrap-test nmod
	@scripts/demo.sh

console: nmod
	@scripts/console.sh

deb: nmod
	@cmake --build $(BUILD) -j $(JOBS) --target nmod_man >/dev/null
	@cd $(BUILD) && cpack -G DEB >/dev/null
	@echo "built $$(ls $(BUILD)/nmod_*_amd64.deb)"

$(ASAN)/Makefile: | bootstrap-host
	cmake -S . -B $(ASAN) -DCMAKE_BUILD_TYPE=Debug -DNMOD_SANITIZE=ON -DNMOD_TESTS=ON $(CMAKE_FLAGS) >/dev/null

test: bootstrap nmod test-host test-target
	@echo "all tests passed"

test-host: bootstrap-host $(ASAN)/Makefile
	cmake --build $(ASAN) -j $(JOBS)
	cd $(ASAN) && ctest -j $(JOBS) --output-on-failure --timeout 600

test-target:
	@if [ -f ports/cortexm/Makefile ]; then $(MAKE) -C ports/cortexm test OUT=$(CURDIR)/$(ARM); fi

bench: bootstrap nmod
	@scripts/bench.sh

size: bootstrap
	@$(MAKE) -C ports/cortexm size OUT=$(CURDIR)/$(ARM)

prove: bootstrap-host
	@scripts/prove.sh

clean:
	rm -rf $(BUILD)
