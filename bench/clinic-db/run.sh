#!/usr/bin/env bash
# Clinic database checks (docs/CLINIC.md "A damaged database"): what the checks on every open
# cost, against the full check of check-db, on a file of CLINIC_BENCH_PATIENTS patients
# (default 10,000) with a year of daily diary each. Env: NMOD (release nmod binary).
# Prints a Markdown section "## Clinic database checks".
set -euo pipefail
NMOD=${NMOD:-build/nmod}
PATIENTS=${CLINIC_BENCH_PATIENTS:-10000}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nmod-clinicdb-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export NMOD_TODAY=2025-06-30
db="$tmp/bench.db"
clinic() { "$NMOD" clinic --db "$db" "$@"; }
# Best of three runs, in ms.
best() {
  local b=999999999 t0 t1 i
  for i in 1 2 3; do
    t0=$(date +%s%N)
    "$@" >/dev/null 2>&1 || true
    t1=$(date +%s%N)
    (( (t1 - t0) / 1000000 < b )) && b=$(( (t1 - t0) / 1000000 ))
  done
  echo "$b"
}
ms() { awk -v m="$1" 'BEGIN { printf "%.3f", m / 1000 }'; }

awk -v n="$PATIENTS" 'BEGIN {
  print "id,therapy,name,birth_date" > "'"$tmp"'/patients.csv"
  print "patient,date,incontinence" > "'"$tmp"'/diary.csv"
  print "patient,step,date" > "'"$tmp"'/path.csv"
  for (i = 0; i < n; i++) {
    printf "D%05d,snm,Patient %d,1950-01-01\n", i, i > "'"$tmp"'/patients.csv"
    printf "D%05d,referral,2023-12-01\n", i > "'"$tmp"'/path.csv"
    for (m = 1; m <= 12; m++) for (d = 1; d <= 28; d++)
      printf "D%05d,2024-%02d-%02d,%d\n", i, m, d, (i + d) % 5 > "'"$tmp"'/diary.csv"
  }
}'
clinic patient import "$tmp/patients.csv" >/dev/null
clinic path import "$tmp/path.csv" >/dev/null # a diary starts after the referral
clinic diary import "$tmp/diary.csv" >/dev/null
rows=$(( $(wc -l <"$tmp/diary.csv") - 1 ))
n=0
add() { n=$((n + 1)); clinic medication add D00001 "medicine $n" >/dev/null; }
t_read=$(best clinic patient show D00001)
t_write=$(best add)
t_quick=$(best clinic check-db)
t_full=$(best clinic check-db --full)
db_mb=$(awk -v b="$(stat -c %s "$db")" 'BEGIN { printf "%.0f", b / 1048576 }')

echo "## Clinic database checks"
echo
echo "$PATIENTS patients with $rows diary rows, database file $db_mb MB; best of three runs of the"
echo "whole command (process start, open, checks, the command, close)."
echo
echo "| command | checks on open | time (s) |"
echo "|---|---|---:|"
echo "| patient show (reads) | header, clean close, schema | $(ms "$t_read") |"
echo "| medication add (writes) | the same, plus quick_check of the small tables and end probes of the large ones | $(ms "$t_write") |"
echo "| check-db | PRAGMA quick_check of the whole file, foreign keys, schema, read-outs | $(ms "$t_quick") |"
echo "| check-db --full | PRAGMA integrity_check instead of quick_check | $(ms "$t_full") |"
