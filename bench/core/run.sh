#!/usr/bin/env bash
# Benchmark of the firmware core on simulated hardware (see bench_core.c).
set -euo pipefail
src=${NMOD_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${NMOD_BUILD:-$src/build}
exec "$build/bench/core/bench_core" "$src"/examples/snm-default.json "$src"/examples/scs-tonic.json \
  "$src"/examples/scs-burst.json "$src"/examples/scs-hf10k.json
