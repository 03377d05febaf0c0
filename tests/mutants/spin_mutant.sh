#!/bin/sh
# spin_mutant.sh RUN_SH MODEL: a mutant of a SPIN model is caught when formal/spin/run.sh
# finds a violation in it: run.sh fails, every search ran (no error, none incomplete) and
# its ROW line counts an alarm. A model that no longer checks (a syntax error, a search
# that cannot finish) is not caught: it proves nothing.
set -u
run=$1 model=$2
out=$("$run" "$model" 2>&1)
rc=$?
printf '%s\n' "$out"
if [ $rc -eq 0 ]; then
  echo "spin_mutant.sh: NOT caught: run.sh finds no violation in $model"
  exit 1
fi
if printf '%s\n' "$out" | grep -qE "search (error|incomplete)"; then
  echo "spin_mutant.sh: the mutant does not check (an error or an incomplete search), so it proves nothing"
  exit 1
fi
alarms=$(printf '%s\n' "$out" | awk -F '\t' '$1 == "ROW" { print $5 }')
if [ -z "$alarms" ] || [ "$alarms" -lt 1 ]; then
  echo "spin_mutant.sh: run.sh failed without a violation"
  exit 1
fi
echo "spin_mutant.sh: caught ($alarms violated)"
