#!/bin/sh
# wp_mutant.sh RUN_SH SRC OV PART FCTS CACHE: a mutant of proven C is caught when
# formal/frama/run.sh, run on the source tree SRC with the mutant's folder OV laid over it,
# fails to prove a goal of FCTS (a comma list) in part PART. Frama-C refusing the mutant (a
# parse or type error) proves nothing, so it is not caught. CACHE: the WP cache to share
# (goals the mutant leaves unchanged are not proved again).
set -u
run=$1 src=$2 ov=$3 part=$4 fcts=$5 cache=$6
t=$(mktemp -d "${TMPDIR:-/tmp}/nmod-wpmut.XXXXXX")
trap 'rm -rf "$t"' EXIT
mkdir -p "$t/tree/ports" "$t/tree/formal"
cp -R "$src/firmware" "$t/tree/" && cp -R "$src/ports/limiter" "$t/tree/ports/" &&
  cp -R "$src/formal/frama" "$t/tree/formal/" && cp -R "$ov/." "$t/tree/" || {
  echo "wp_mutant.sh: cannot lay out the mutated tree"
  exit 1
}
out=$("$run" --src "$t/tree" --out "$t/out" --cache "$cache" --fct "$fcts" "$part" 2>&1)
rc=$?
printf '%s\n' "$out"
if [ $rc -eq 0 ]; then
  echo "wp_mutant.sh: NOT caught: every goal of $fcts still proved"
  exit 1
fi
if printf '%s\n' "$out" | grep -q "frama-c exited"; then
  echo "wp_mutant.sh: Frama-C refused the mutant, so it proves nothing (log above)"
  exit 1
fi
n=$(printf '%s\n' "$out" | grep -c "^NOT PROVED")
if [ "$n" -lt 1 ]; then
  echo "wp_mutant.sh: run.sh failed without naming a goal it could not prove"
  exit 1
fi
echo "wp_mutant.sh: caught ($n goals not proved)"
