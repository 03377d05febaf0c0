#!/bin/sh
# eva_mutant.sh RUN_SH SRC OV PART: a mutant of C that an EVA part covers is caught when
# formal/frama/run.sh, run on the source tree SRC with the mutant's folder OV laid over it,
# fails part PART with an alarm (an ALARM line, or a property EVA finds invalid). Frama-C
# refusing the mutant (a parse or type error) proves nothing, so it is not caught.
set -u
run=$1 src=$2 ov=$3 part=$4
t=$(mktemp -d "${TMPDIR:-/tmp}/nmod-evamut.XXXXXX")
trap 'rm -rf "$t"' EXIT
verdict() { echo "eva_mutant.sh: $*"; }
mkdir -p "$t/tree/ports" "$t/tree/formal" "$t/tree/tests"
if ! { cp -R "$src/firmware" "$t/tree/" && cp -R "$src/ports/limiter" "$t/tree/ports/" &&
  cp -R "$src/formal/frama" "$t/tree/formal/" && cp -R "$src/tests/battery" "$t/tree/tests/" &&
  cp -R "$ov/." "$t/tree/"; }; then
  verdict "cannot lay out the mutated tree"
  exit 1
fi
"$run" --src "$t/tree" --out "$t/out" "$part" >"$t/log" 2>&1
rc=$?
cat "$t/log"
alarms=$(grep -c "^ALARM" "$t/log")
if grep -q "frama-c exited\|EVA did not run" "$t/log"; then
  verdict "Frama-C refused the mutant, so it proves nothing (log above)"
elif [ "$rc" -eq 0 ]; then
  verdict "NOT caught: $part raises no alarm on the mutant"
elif [ "$alarms" -lt 1 ] && ! grep -q "an invalid property" "$t/log"; then
  verdict "run.sh failed without an alarm"
else
  verdict "caught ($alarms alarms)"
  exit 0
fi
exit 1
