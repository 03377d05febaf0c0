#!/bin/sh
# run_fuzz.sh: build libFuzzer targets with clang and run each for a bounded time.
#
#   tests/fuzz/run_fuzz.sh [fuzz_name ...]     (default: every tests/fuzz/fuzz_*.c)
#
# Each tests/fuzz/fuzz_X.c is compiled with clang -fsanitize=fuzzer,address,undefined
# together with the sources it exercises (compiled by clang as well, so they are
# coverage-instrumented), then run for NMOD_FUZZ_SECONDS seconds (default 10), starting
# from the committed seeds in tests/fuzz/seeds/fuzz_X/ and the corpus earlier runs grew,
# after replaying the inputs that once broke it (tests/fuzz/found/fuzz_X/).
# Any crash, leak, sanitizer report, abort() of an invariant or timeout fails the run; the
# reproducer is kept as $OUT/crash-* (or timeout-*, leak-*) and the log as $OUT/fuzz_X.log.
# Replay one: $OUT/fuzz_X $OUT/crash-...  (a file or a folder of inputs).
#
# There is no "skipped": clang missing, a target whose sources are missing or do not
# build, and a target without seeds are failures like a crash (clang is a required
# package, scripts/bootstrap.sh installs it).
#
# Environment: NMOD_SRC (source root; default: two folders up from this script),
# NMOD_FUZZ_OUT (binaries, logs and the growing corpora; default $NMOD_SRC/build/fuzz),
# NMOD_FUZZ_SECONDS (run length of each target), NMOD_CLANG (default clang).
# Exit: 0 every target built and ran clean, 1 otherwise.
set -u

here=$(cd "$(dirname "$0")" && pwd)
SRC=${NMOD_SRC:-$(cd "$here/../.." && pwd)}
OUT=${NMOD_FUZZ_OUT:-$SRC/build/fuzz}
SECS=${NMOD_FUZZ_SECONDS:-10}
CLANG=${NMOD_CLANG:-clang}

case $SECS in '' | *[!0-9]*) echo "NMOD_FUZZ_SECONDS must be a whole number of seconds, not '$SECS'"; exit 1 ;; esac

if ! command -v "$CLANG" >/dev/null 2>&1; then
  echo "FAILED: $CLANG not found: it is a required package (run scripts/bootstrap.sh)"
  exit 1
fi
mkdir -p "$OUT" || exit 1

# Can this clang build libFuzzer targets at all? (Debian ships libFuzzer in
# libclang-rt-14-dev, which scripts/bootstrap.sh installs.)
probe_c="$OUT/probe_$$.c" # one per run: ctest runs targets in parallel
printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' >"$probe_c"
if ! "$CLANG" -fsanitize=fuzzer,address,undefined "$probe_c" -o "$OUT/probe_$$" >"$OUT/probe_$$.log" 2>&1; then
  echo "FAILED: $CLANG cannot build libFuzzer targets (-fsanitize=fuzzer; run scripts/bootstrap.sh):"
  tail -n 5 "$OUT/probe_$$.log"
  rm -f "$probe_c" "$OUT/probe_$$"
  exit 1
fi
rm -f "$probe_c" "$OUT/probe_$$" "$OUT/probe_$$.log"

# The C sources (globs relative to SRC) each target needs. A glob that matches nothing is
# a failure, except one marked with a leading '?' (a folder that may not exist yet).
sources_for() {
  case $1 in
    fuzz_frame) echo "firmware/core/*.c firmware/crypto/*.c firmware/proto/*.c" ;;
    fuzz_json) echo "host/util/*.c host/json/json.c" ;;
    fuzz_readout) echo "host/util/*.c host/json/json.c host/readout/readout.c" ;;
    fuzz_therapy) echo "host/util/*.c host/json/json.c host/lib/therapy_file.c firmware/core/*.c" ;;
    # The whole device on simulated hardware: every firmware source and the sim port.
    fuzz_dev) echo "firmware/*/*.c ports/sim/*.c ?ports/limiter/*.c ports/loop/*.c" ;;
    fuzz_posture) echo "host/util/*.c host/lib/posture.c host/lib/cord_file.c host/json/json.c ports/sim/sim_cord.c" ;;
    fuzz_csv) echo "host/util/*.c host/clinic/clinic_csv.c" ;;
    fuzz_keyfile) echo "host/util/*.c host/lib/keyfile.c host/json/json.c firmware/crypto/util.c" ;;
    fuzz_simstate) echo "host/util/*.c host/lib/simstate.c host/json/json.c firmware/core/lead.c firmware/core/profile.c" ;;
    fuzz_history) echo "host/util/*.c host/cli/cmd_plot_history.c host/cli/cli_args.c host/lib/history.c host/lib/devinfo.c host/lib/devlink.c host/lib/html.c host/readout/readout.c host/json/json.c firmware/core/*.c" ;;
    fuzz_replies) echo "host/util/*.c host/lib/devinfo.c host/lib/history.c host/lib/devlink.c host/readout/readout.c host/json/json.c firmware/core/*.c" ;;
    *) echo "" ;;
  esac
}
includes_for() {
  case $1 in
    fuzz_json) echo "-I$SRC/host/util -I$SRC/host/json -I$SRC/firmware/include" ;;
    fuzz_dev) echo "-I$SRC/firmware/include -I$SRC/ports/sim -I$SRC/ports/limiter -I$SRC/ports/loop" ;;
    fuzz_posture) echo "-I$SRC/host/util -I$SRC/host/json -I$SRC/host/lib -I$SRC/ports/sim -I$SRC/ports/loop -I$SRC/firmware/include" ;;
    fuzz_csv) echo "-I$SRC/host/util -I$SRC/host/clinic -I$SRC/host/common -I$SRC/host/json -I$SRC/host/readout -I$SRC/firmware/include" ;;
    fuzz_readout) echo "-I$SRC/host/util -I$SRC/host/json -I$SRC/host/readout -I$SRC/firmware/include" ;;
    fuzz_frame) echo "-I$SRC/firmware/include -I$SRC/firmware/proto" ;;
    fuzz_history) echo "-I$SRC/host/util -I$SRC/host/cli -I$SRC/host/common -I$SRC/host/json -I$SRC/host/lib -I$SRC/host/readout -I$SRC/firmware/include" ;;
    *) echo "-I$SRC/host/util -I$SRC/host/common -I$SRC/host/json -I$SRC/host/lib -I$SRC/host/readout -I$SRC/firmware/include" ;;
  esac
}
# Longest input libFuzzer makes (the JSON documents need room).
max_len_for() {
  case $1 in
    fuzz_history | fuzz_readout | fuzz_simstate | fuzz_keyfile | fuzz_json | fuzz_therapy | fuzz_posture) echo 8192 ;;
    fuzz_csv) echo 4096 ;;
    *) echo 2048 ;;
  esac
}

if [ $# -eq 0 ]; then
  set --
  for f in "$SRC"/tests/fuzz/fuzz_*.c; do
    [ -e "$f" ] && set -- "$@" "$(basename "$f" .c)"
  done
fi
if [ $# -eq 0 ]; then
  echo "FAILED: no fuzz targets in $SRC/tests/fuzz"
  exit 1
fi

failed=0
for name in "$@"; do
  main="$SRC/tests/fuzz/$name.c"
  if [ ! -f "$main" ]; then
    echo "$name: FAILED: no such target ($main)"
    failed=1
    continue
  fi
  pats=$(sources_for "$name")
  if [ -z "$pats" ]; then
    echo "$name: FAILED: run_fuzz.sh does not list its sources (add it to sources_for)"
    failed=1
    continue
  fi
  files=""
  missing=""
  for pat in $pats; do
    optional=0
    case $pat in \?*) optional=1; pat=${pat#?} ;; esac
    found=0
    for f in "$SRC"/$pat; do
      if [ -f "$f" ]; then files="$files $f"; found=1; fi
    done
    [ $found -eq 1 ] || [ $optional -eq 1 ] || missing="$missing $pat"
  done
  if [ -n "$missing" ]; then
    echo "$name: FAILED: sources not found:$missing"
    failed=1
    continue
  fi
  # The cord model reads its table of fields, which the build generates from a .tsv
  # (cmake/nm_table.cmake, as the CMake build does).
  case " $files " in
    *" $SRC/ports/sim/sim_cord.c "*)
      if ! cmake -DIN="$SRC/ports/sim/sim_cord_fields.tsv" -DOUT="$OUT/$name.sim_cord_fields.c" -DTYPE=sim_cord_field_t \
        -DNAME=sim_cord_fields -DHEADER=sim_cord.h -DCOLS=s,i,s,i,i,i -P "$SRC/cmake/nm_table.cmake" >"$OUT/$name.table.log" 2>&1; then
        echo "$name: FAILED: the cord model's table does not generate (log: $OUT/$name.table.log)"
        failed=1
        continue
      fi
      files="$files $OUT/$name.sim_cord_fields.c" # one per target: ctest runs them in parallel
      ;;
  esac
  seeds="$SRC/tests/fuzz/seeds/$name"
  if [ ! -d "$seeds" ] || [ -z "$(ls -A "$seeds")" ]; then
    echo "$name: FAILED: no seed inputs in $seeds"
    failed=1
    continue
  fi
  # Inputs that once broke the target (tests/fuzz/found/NAME/, see found/README.md) are
  # replayed first on every run: they stay failures until what they found is fixed, then
  # guard the fix.
  found_dir=""
  [ -d "$SRC/tests/fuzz/found/$name" ] && found_dir="$SRC/tests/fuzz/found/$name"
  bin="$OUT/$name"
  incs=$(includes_for "$name")
  # Rebuild only when the binary is older than a source, a header it may include, or
  # this script (the flags live here).
  stale=1
  if [ -x "$bin" ]; then
    stale=0
    hdr_dirs=$(echo "$incs" | sed 's/-I//g')
    # shellcheck disable=SC2086 # word splitting of the lists is wanted
    for f in "$main" "$0" $files $(find $hdr_dirs "$SRC/firmware" "$SRC/host" "$SRC/ports" "$here" -name '*.h' 2>/dev/null); do
      if [ "$f" -nt "$bin" ]; then stale=1; break; fi
    done
  fi
  if [ $stale -eq 1 ]; then
    rm -f "$bin"
    # shellcheck disable=SC2086 # word splitting of the file and include lists is wanted
    if ! "$CLANG" -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
        -fno-omit-frame-pointer $incs "$main" $files -lm -o "$bin" \
        >"$OUT/$name.build.log" 2>&1; then
      echo "$name: FAILED: does not build (log: $OUT/$name.build.log):"
      tail -n 8 "$OUT/$name.build.log"
      failed=1
      continue
    fi
  fi
  # Replay the inputs that once broke it, one by one, so a failure names the finding.
  if [ -n "$found_dir" ]; then
    still=0
    for f in "$found_dir"/*; do
      [ -f "$f" ] || continue
      flog="$OUT/$name.found.$(basename "$f").log"
      if ! ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
          UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
          "$bin" -timeout=10 -rss_limit_mb=2048 -error_exitcode=1 -timeout_exitcode=1 "$f" >"$flog" 2>&1; then
        echo "$name: FAILED: tests/fuzz/found/$name/$(basename "$f") still breaks it (tests/fuzz/found/README.md; log: $flog):"
        grep -m 1 -E 'INVARIANT|runtime error|ERROR: [A-Za-z]*Sanitizer|ERROR: libFuzzer' "$flog" | sed 's/^/  /'
        still=1
      fi
    done
    if [ $still -eq 1 ]; then
      failed=1
      continue
    fi
  fi
  corpus="$OUT/corpus_$name"
  mkdir -p "$corpus"
  log="$OUT/$name.log"
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
  UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
    "$bin" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 -max_len="$(max_len_for "$name")" \
    -error_exitcode=1 -timeout_exitcode=1 \
    -print_final_stats=1 -artifact_prefix="$OUT/" "$corpus" "$seeds" >"$log" 2>&1
  rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n 1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
  if [ $rc -ne 0 ]; then
    echo "$name: FAILED (exit $rc) after ${runs:-?} runs; log: $log"
    grep -E 'ERROR|SUMMARY|runtime error|Test unit written|INVARIANT' "$log" | head -n 20
    failed=1
  else
    echo "$name: ok, ${runs:-?} runs in ${secs:-$SECS} s, ${cov:-cov: ?}, corpus $(ls "$corpus" | wc -l) inputs"
  fi
done

exit $failed
