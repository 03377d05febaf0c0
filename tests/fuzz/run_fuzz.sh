#!/bin/sh
# run_fuzz.sh: build libFuzzer targets with clang and run each for a bounded time.
#
#   tests/fuzz/run_fuzz.sh [fuzz_name ...]     (default: every tests/fuzz/fuzz_*.c)
#
# Each tests/fuzz/fuzz_X.c is compiled with clang -fsanitize=fuzzer,address,undefined
# together with the library sources it exercises (compiled by clang as well, so they are
# coverage-instrumented), then run for NMOD_FUZZ_SECONDS seconds (default 15). Any crash,
# leak, sanitizer report or timeout fails the run; the reproducer is kept as
# $OUT/crash-* and the log as $OUT/fuzz_X.log.
#
# Environment: NMOD_SRC (source root; default: two folders up from this script),
# NMOD_FUZZ_OUT (binaries, logs and the growing corpora; default $NMOD_SRC/build/fuzz),
# NMOD_FUZZ_SECONDS, NMOD_CLANG (default clang).
# Exit: 0 all ran clean, 1 a target failed, 77 nothing ran (clang or libFuzzer missing,
# or no target's sources build yet): ctest reports 77 as skipped.
set -u

here=$(cd "$(dirname "$0")" && pwd)
SRC=${NMOD_SRC:-$(cd "$here/../.." && pwd)}
OUT=${NMOD_FUZZ_OUT:-$SRC/build/fuzz}
SECS=${NMOD_FUZZ_SECONDS:-15}
CLANG=${NMOD_CLANG:-clang}
SKIP=77

case $SECS in '' | *[!0-9]*) echo "NMOD_FUZZ_SECONDS must be a whole number of seconds, not '$SECS'"; exit 1 ;; esac

if ! command -v "$CLANG" >/dev/null 2>&1; then
  echo "skipped: $CLANG not found (install clang to run the fuzzers)"
  exit $SKIP
fi
mkdir -p "$OUT" || exit 1

# Can this clang build libFuzzer targets at all?
probe_c="$OUT/probe_fuzzer.c"
printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' >"$probe_c"
if ! "$CLANG" -fsanitize=fuzzer,address,undefined "$probe_c" -o "$OUT/probe_fuzzer" >"$OUT/probe.log" 2>&1; then
  echo "skipped: $CLANG cannot build libFuzzer targets (-fsanitize=fuzzer):"
  tail -n 5 "$OUT/probe.log"
  exit $SKIP
fi

# The C sources (relative to SRC) and include folders each target needs.
sources_for() {
  case $1 in
    fuzz_frame) echo "firmware/core/*.c firmware/crypto/*.c firmware/proto/*.c" ;;
    fuzz_json) echo "host/json/json.c" ;;
    fuzz_readout) echo "host/json/json.c host/readout/readout.c" ;;
    fuzz_therapy) echo "host/json/json.c host/lib/therapy_file.c firmware/core/*.c" ;;
    *) echo "firmware/core/*.c firmware/crypto/*.c firmware/proto/*.c" ;;
  esac
}
includes_for() {
  case $1 in
    fuzz_json) echo "-I$SRC/host/json" ;;
    fuzz_readout) echo "-I$SRC/host/json -I$SRC/host/readout" ;;
    fuzz_therapy) echo "-I$SRC/host/json -I$SRC/host/lib -I$SRC/firmware/include" ;;
    *) echo "-I$SRC/firmware/include -I$SRC/firmware/proto" ;;
  esac
}

if [ $# -eq 0 ]; then
  set --
  for f in "$SRC"/tests/fuzz/fuzz_*.c; do
    [ -e "$f" ] && set -- "$@" "$(basename "$f" .c)"
  done
fi

ran=0
failed=0
for name in "$@"; do
  main="$SRC/tests/fuzz/$name.c"
  if [ ! -f "$main" ]; then
    echo "$name: no such target ($main)"
    failed=1
    continue
  fi
  files=""
  missing=""
  for pat in $(sources_for "$name"); do
    found=0
    for f in "$SRC"/$pat; do
      if [ -f "$f" ]; then files="$files $f"; found=1; fi
    done
    [ $found -eq 1 ] || missing="$missing $pat"
  done
  if [ -n "$missing" ]; then
    echo "$name: skipped: sources not there yet:$missing"
    continue
  fi
  bin="$OUT/$name"
  # shellcheck disable=SC2086 # word splitting of the file and include lists is wanted
  if ! "$CLANG" -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
      -fno-omit-frame-pointer $(includes_for "$name") "$main" $files -lm -o "$bin" \
      >"$OUT/$name.build.log" 2>&1; then
    echo "$name: skipped: does not build yet (log: $OUT/$name.build.log):"
    tail -n 5 "$OUT/$name.build.log"
    continue
  fi
  corpus="$OUT/corpus_$name"
  mkdir -p "$corpus"
  # Read-only seeds (real inputs) when the target has them: tests/fuzz/seeds_<target>/.
  seeds=""
  [ -d "$SRC/tests/fuzz/seeds_$name" ] && seeds="$SRC/tests/fuzz/seeds_$name"
  log="$OUT/$name.log"
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
  UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
    "$bin" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 -max_len=2048 \
    -error_exitcode=1 -timeout_exitcode=1 \
    -print_final_stats=1 -artifact_prefix="$OUT/" "$corpus" $seeds >"$log" 2>&1
  rc=$?
  ran=1
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n 1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
  if [ $rc -ne 0 ]; then
    echo "$name: FAILED (exit $rc) after ${runs:-?} runs; log: $log"
    grep -E 'ERROR|SUMMARY|runtime error|Test unit written' "$log" | head -n 20
    failed=1
  else
    echo "$name: ok, ${runs:-?} runs in ${secs:-$SECS} s, ${cov:-cov: ?}, corpus $(ls "$corpus" | wc -l) inputs"
  fi
done

[ $failed -eq 0 ] || exit 1
[ $ran -eq 1 ] || exit $SKIP
exit 0
