#!/bin/sh
# wp_mutant.sh RUN_SH SRC OV PART FCTS CACHE: a mutant of proven C is caught when
# formal/frama/run.sh, run on the source tree SRC with the mutant's folder OV laid over it,
# fails to prove a goal of FCTS (a comma list) in part PART. Frama-C refusing the mutant (a
# parse or type error) proves nothing, so it is not caught. CACHE: the WP cache to share
# (goals the mutant leaves unchanged are not proved again). No second, longer run of the
# goals not proved (run.sh --retry 0): a mutant is meant to leave one unproved.
# FCTS "-": PART is an EVA part, and the mutant is caught when the part fails with an alarm
# (an ALARM line, or a property EVA finds invalid); CACHE is not used then.
set -u
run=$1 src=$2 ov=$3 part=$4 fcts=$5 cache=$6
t=$(mktemp -d "${TMPDIR:-/tmp}/nmod-wpmut.XXXXXX")
trap 'rm -rf "$t"' EXIT
verdict() { echo "wp_mutant.sh: $*"; }
mkdir -p "$t/tree/ports" "$t/tree/formal"
if ! { cp -R "$src/firmware" "$t/tree/" && cp -R "$src/ports/limiter" "$src/ports/loop" "$src/ports/cortexm" "$src/ports/sim" "$t/tree/ports/" &&
  cp -R "$src/formal/frama" "$t/tree/formal/" && mkdir -p "$t/tree/tests" &&
  cp -R "$src/tests/battery" "$t/tree/tests/" && cp -R "$ov/." "$t/tree/"; }; then
  verdict "cannot lay out the mutated tree"
  exit 1
fi
if [ "$fcts" = "-" ]; then
  "$run" --src "$t/tree" --out "$t/out" "$part" >"$t/log" 2>&1
  proved=$?
  cat "$t/log"
  missed=$(grep -c "^ALARM" "$t/log")
  grep -q "an invalid property" "$t/log" && missed=$((missed + 1))
  what="alarms"
else
  "$run" --src "$t/tree" --out "$t/out" --cache "$cache" --retry 0 --fct "$fcts" "$part" >"$t/log" 2>&1
  proved=$?
  cat "$t/log"
  missed=$(grep -c "^NOT PROVED" "$t/log")
  what="goals not proved"
fi
if grep -q "frama-c exited\|EVA did not run" "$t/log"; then
  verdict "Frama-C refused the mutant, so it proves nothing (log above)"
elif [ "$proved" -eq 0 ]; then
  verdict "NOT caught: $part still passes"
elif [ "$missed" -lt 1 ]; then
  verdict "run.sh failed without naming an alarm or a goal it could not prove"
else
  verdict "caught ($missed $what)"
  exit 0
fi
exit 1
