#!/usr/bin/env bash
# Storage benchmark: prints the Markdown section "## Storage".
# Builds nothing: it runs bench_store from $NMOD_BUILD/bench/store (default: the folder
# of $NMOD when set, else <repo>/build, i.e. /work/main/build).
set -euo pipefail
src=${NMOD_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
if [ -n "${NMOD_BUILD:-}" ]; then
  build=$NMOD_BUILD
elif [ -n "${NMOD:-}" ]; then
  build=$(dirname "$NMOD")
else
  build=$src/build
fi
bin=$build/bench/store/bench_store
if [ ! -x "$bin" ]; then
  echo "bench/store: $bin not found; build it with: cmake --build $build --target bench_store" >&2
  exit 1
fi

echo "## Storage"
echo
echo "The key-value store and the event log (docs/STORAGE.md) on simulated NOR flash."
echo "Flash operations are exact counts at the port, the same on the implant; \"bytes"
echo "programmed\" includes record and page headers and the copies made by compaction."
echo "Mount times are host wall clock (one core) and only compare builds: on the implant a"
echo "mount costs the reads listed, at the flash's read speed."
echo "Binary: \`${bin#"$src"/}\`; host $(uname -m), $(nproc 2>/dev/null || echo '?') cores."
echo
"$bin"
echo
