#!/usr/bin/env bash
# scripts/prove.sh: `make prove`. Runs every formal/*/run.sh (the Frama-C WP proofs, the SPIN
# models: docs/ASSURANCE.md) one after the other, collects the ROW lines they print
#   ROW <TAB> module <TAB> goals <TAB> proved <TAB> alarms <TAB> seconds
# (and the Frama-C part's PROVERS lines) into one table, and exits 0 only when every part
# passed: every goal proved, no alarm, every search complete.
#
# Environment: PROVE_CAP_S, the time cap of the whole run in seconds (default 1800: the run
# takes about 4 minutes of CPU, but up to 15 minutes of wall time on a 2-core machine
# shared with other jobs, docs/ASSURANCE.md "Numbers"); WP_TIMEOUT_S, the prover timeout
# per goal (default 20). A part cut off by the cap fails.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cap=${PROVE_CAP_S:-1800}
goal_s=${WP_TIMEOUT_S:-20}
work=$(mktemp -d "${TMPDIR:-/tmp}/nmod-prove.XXXXXX")
trap 'rm -rf "$work"' EXIT

t0=$(date +%s)
fail=0
for run in "$root"/formal/*/run.sh; do
  part=$(basename "$(dirname "$run")")
  left=$((cap - ($(date +%s) - t0)))
  if [ "$left" -le 0 ]; then
    echo "prove: time cap of ${cap}s reached before formal/$part" >&2
    fail=1
    break
  fi
  args=()
  [ "$part" = frama ] && args=(--timeout "$goal_s")
  echo "prove: formal/$part/run.sh (${left}s left)" >&2
  timeout "$left" "$run" "${args[@]}" >"$work/$part.out" 2>"$work/$part.err"
  rc=$?
  grep -v -E '^(ROW|PROVERS)'$'\t' "$work/$part.out" >&2
  cat "$work/$part.err" >&2
  if [ $rc -eq 124 ]; then
    echo "prove: formal/$part cut off by the time cap (${cap}s)" >&2
  fi
  if [ $rc -ne 0 ]; then
    echo "prove: formal/$part FAILED (exit $rc)" >&2
    fail=1
  fi
  grep -E '^(ROW|PROVERS)'$'\t' "$work/$part.out" >>"$work/rows"
  if ! grep -q '^ROW'$'\t' "$work/$part.out"; then
    echo "prove: formal/$part printed no ROW line" >&2
    fail=1
  fi
done

echo
awk -F '\t' '
  $1 == "PROVERS" { prov[$2] = $3; next }
  $1 == "ROW" { n++; mod[n] = $2; g[n] = $3; p[n] = $4; a[n] = $5; s[n] = $6
                if ($3 ~ /^[0-9]+$/) tg += $3; if ($4 ~ /^[0-9]+$/) tp += $4; if ($5 ~ /^[0-9]+$/) ta += $5 }
  END {
    printf "%-22s %7s %7s %7s %9s  %s\n", "module", "goals", "proved", "alarms", "time (s)", "proved by"
    for (i = 1; i <= n; i++)
      printf "%-22s %7s %7s %7s %9s  %s\n", mod[i], g[i], p[i], a[i], s[i], (mod[i] in prov ? prov[mod[i]] : "spin")
    printf "%-22s %7d %7d %7d\n", "total", tg, tp, ta
  }' "$work/rows"
echo "wall time: $(($(date +%s) - t0)) s (cap ${cap} s)"
if [ $fail -ne 0 ]; then
  echo "prove: FAILED" >&2
  exit 1
fi
echo "prove: all proved"
