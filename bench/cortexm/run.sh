#!/usr/bin/env bash
# bench/cortexm/run.sh: the firmware core's cost on the emulated Cortex-M3 (QEMU
# mps2-an385): instructions per therapy second for each example program, counted with
# QEMU's -icount, and the implant image's flash, RAM and stack. Prints a Markdown section.
# Env: NMOD_SRC = the repository root (default: two levels up from here).
set -euo pipefail
src=${NMOD_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
out="$src/build/cortexm"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! make -C "$src/ports/cortexm" --no-print-directory bench OUT="$out" > "$log" 2>&1; then
  cat "$log" >&2
  echo "bench/cortexm: make bench failed" >&2
  exit 1
fi
# The report is what follows the build's own lines ("  LD ...").
sed -n '/^## /,$p' "$log"
