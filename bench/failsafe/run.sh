#!/usr/bin/env bash
# bench/failsafe/run.sh: what the fail-safe device layer (issue 9) moves on the link
# (bench_failsafe.c), and the implant firmware's size before it and now (`make size`).
# Prints a Markdown section. Env: NMOD_SRC, NMOD_BUILD (defaults: the repository, build/).
set -euo pipefail
src=${NMOD_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${NMOD_BUILD:-$src/build}
"$build/bench/failsafe/bench_failsafe" "$src"

log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! make -C "$src/ports/cortexm" --no-print-directory size OUT="$src/build/cortexm" > "$log" 2>&1; then
  cat "$log" >&2
  echo "bench/failsafe: make size failed" >&2
  exit 1
fi
# "  flash  41392 of 65536 bytes ...", "  RAM    15868 of 16384 bytes ... .bss 10748 + stack reserve 5120",
# "  stack   2504 of the 5120 reserved ..."
flash=$(awk '$1 == "flash" {print $2; exit}' "$log")
ram=$(awk '$1 == "RAM" {print $2; exit}' "$log")
bss=$(sed -n 's/.*\.bss \([0-9]*\) .*/\1/p' "$log" | head -n1)
reserve=$(sed -n 's/.*stack reserve \([0-9]*\).*/\1/p' "$log" | head -n1)
stack=$(awk '$1 == "stack" {print $2; exit}' "$log")
# The device's state (nm_dev_t, the symbol `dev`), in .bss.
devhex=$(arm-none-eabi-nm -S "$src/build/cortexm/m3/implant.elf" | awk '$4 == "dev" {print $2}')
devsize=$((16#${devhex:-0}))
for v in "$flash" "$ram" "$bss" "$reserve" "$stack" "$devhex"; do
  [ -n "$v" ] || { cat "$log" >&2; echo "bench/failsafe: cannot read the make size output" >&2; exit 1; }
done
cat <<MD
### Code size

The implant firmware (\`make size\`: Cortex-M3, \`arm-none-eabi-gcc -Os\`; budgets 65,536 B flash and
16,384 B RAM, stack reserve included). Before: commit a452f27, the firmware as issue 9's work
began (its docs/PERFORMANCE.md and docs/CORTEXM.md); after: this commit, with the output stage's
own limiter, the store's damage rules and the redesigned device layer.

| | before (a452f27) | after | change |
|---|---:|---:|---:|
| flash (code and constants) | 33980 B | $flash B | $((flash - 33980)) B |
| RAM (.bss + stack reserve) | 14740 B (9620 + 5120) | $ram B ($bss + $reserve) | $((ram - 14740)) B |
| worst-case stack (thread + interrupt + fault) | 4416 B | $stack B | $((stack - 4416)) B |

The worst case on the stack fell by $((4416 - stack)) B: a request's decoded arguments (up to 8 programs
for PROGRAM_ALL), the encoding buffer and the settings read at boot now live in the device's state
(\`nm_dev_t\`, .bss) instead of on the stack: .bss grew by $((bss - 9620)) B, of which $((devsize - 4488)) B is the
device's state (4488 -> $devsize B, \`arm-none-eabi-nm -S\`). With the stack reserve at $reserve B (5120
before), RAM as budgeted changed by $((ram - 14740)) B; the worst case leaves $((reserve - stack)) B of the reserve unused.
Reproduce: \`make bench\` (or \`bench/failsafe/run.sh\` after a release build).
MD
