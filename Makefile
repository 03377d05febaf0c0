# nmod: the two commands a newcomer needs are `make demo` and `make test`.
# Both install what is missing (scripts/bootstrap.sh, idempotent apt-get) and build.
#
#   make demo    build build/nmod and show the system doing its main job
#   make test    build with ASan+UBSan and run every test (host and emulated Cortex-M)
#   make bench   run the benchmarks and write docs/PERFORMANCE.md
#   make size    flash, RAM and stack of the implant firmware against its budgets
#   make         build build/nmod only

JOBS ?= $(shell nproc 2>/dev/null || echo 2)
BUILD := build
ASAN := build/asan
ARM := build/cortexm
CMAKE_FLAGS ?=

.PHONY: all nmod demo test test-host test-target bench size bootstrap bootstrap-host clean

all: nmod

bootstrap-host:
	@scripts/bootstrap.sh host

bootstrap:
	@scripts/bootstrap.sh all

$(BUILD)/Makefile: | bootstrap-host
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DNMOD_TESTS=OFF $(CMAKE_FLAGS) >/dev/null

nmod: bootstrap-host $(BUILD)/Makefile
	@cmake --build $(BUILD) -j $(JOBS) --target nmod >/dev/null
	@echo "built $(BUILD)/nmod"

demo: nmod
	@scripts/demo.sh

$(ASAN)/Makefile: | bootstrap-host
	cmake -S . -B $(ASAN) -DCMAKE_BUILD_TYPE=Debug -DNMOD_SANITIZE=ON -DNMOD_TESTS=ON $(CMAKE_FLAGS) >/dev/null

test: bootstrap test-host test-target
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

clean:
	rm -rf $(BUILD)
