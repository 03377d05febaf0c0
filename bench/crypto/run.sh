#!/usr/bin/env bash
# Crypto throughput benchmark: prints the Markdown section "## Crypto throughput".
# Builds nothing: it runs bench_crypto from the release build, found in $NMOD_BUILD
# (default: the folder of $NMOD when set, else <repo>/build, i.e. /work/main/build).
set -euo pipefail
src=${NMOD_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
if [ -n "${NMOD_BUILD:-}" ]; then
  build=$NMOD_BUILD
elif [ -n "${NMOD:-}" ]; then
  build=$(dirname "$NMOD")
else
  build=$src/build
fi
bin=$build/bench/crypto/bench_crypto
if [ ! -x "$bin" ]; then
  echo "bench/crypto: $bin not found; build it with: cmake --build $build --target bench_crypto" >&2
  exit 1
fi

echo "## Crypto throughput"
echo
echo "Wall clock (CLOCK_MONOTONIC), one core, at least 0.3 s per row; 1 MB = 10^6 bytes."
echo "AEAD rows include the one-time key block and the tag. Portable C, no SIMD."
echo "Binary: \`${bin#"$src"/}\`; host $(uname -m), $(nproc 2>/dev/null || echo '?') cores."
echo
"$bin"
echo
