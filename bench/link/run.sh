#!/usr/bin/env bash
# Benchmark of the secure link (see bench_link.c).
set -euo pipefail
src=${NMOD_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${NMOD_BUILD:-$src/build}
exec "$build/bench/link/bench_link" "${NMOD:-$build/nmod}" "$src"
