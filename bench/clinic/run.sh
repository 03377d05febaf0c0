#!/usr/bin/env bash
# Clinic benchmark: 10,000 patients (half SCS, half SNM) with a year of daily diary each
# (3.65 million diary rows in one CSV), imported all or nothing into a fresh SQLite file, then
# every trial evaluated. Env: NMOD (release nmod binary), NMOD_SRC (source root).
# Prints a Markdown section "## Clinic".
set -euo pipefail
NMOD=${NMOD:-build/nmod}
PATIENTS=${CLINIC_BENCH_PATIENTS:-10000}
DAYS=365
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nmod-clinic-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export NMOD_TODAY=2025-06-30
db="$tmp/bench.db"
clinic() { "$NMOD" clinic --db "$db" "$@"; }

# Seconds with millisecond resolution for one command.
timed() {
  local t0 t1
  t0=$(date +%s%N)
  "$@" >"$tmp/last.out"
  t1=$(date +%s%N)
  echo $(( (t1 - t0) / 1000000 ))
}
ms() { awk -v m="$1" 'BEGIN { printf "%.2f", m / 1000 }'; }
rate() { awk -v n="$1" -v m="$2" 'BEGIN { if (m > 0) printf "%.0f", n / (m / 1000); else print "-" }'; }

# Input files: patients, their path up to the trial, and the diary (2024-07-01 .. 2025-06-29;
# trial on 2025-03-01, so about 243 baseline days and 14 (SCS) or 120 (SNM) trial days).
g0=$(date +%s%N)
awk -v n="$PATIENTS" 'BEGIN {
  print "id,therapy,name,birth_date" > "'"$tmp"'/patients.csv"
  print "patient,step,date" > "'"$tmp"'/steps.csv"
  for (i = 0; i < n; i++) {
    id = sprintf("B%05d", i); th = (i % 2) ? "snm" : "scs"
    printf "%s,%s,Patient %d,19%02d-0%d-1%d\n", id, th, i, 40 + i % 50, 1 + i % 9, i % 10 > "'"$tmp"'/patients.csv"
    if (th == "scs") {
      split("referral 2024-05-01,team-review 2024-05-08,questionnaires 2024-05-10,psychologist 2024-05-20,intake 2024-06-01,decision 2024-06-10,screening 2025-02-17,trial 2025-03-01,trial-end 2025-03-15", s, ",")
      for (k = 1; k <= 9; k++) { split(s[k], p, " "); print id "," p[1] "," p[2] > "'"$tmp"'/steps.csv" }
    } else {
      print id ",referral,2024-05-01" > "'"$tmp"'/steps.csv"
      print id ",scores,2024-06-01" > "'"$tmp"'/steps.csv"
      print id ",trial,2025-03-01" > "'"$tmp"'/steps.csv"
    }
  }
}'
awk -v n="$PATIENTS" -v days="$DAYS" 'BEGIN {
  split("31 31 30 31 30 31 31 28 31 30 31 30", dim, " ")   # July 2024 .. June 2025
  split("2024 2024 2024 2024 2024 2024 2025 2025 2025 2025 2025 2025", yr, " ")
  split("07 08 09 10 11 12 01 02 03 04 05 06", mo, " ")
  k = 0
  for (m = 1; m <= 12; m++) for (d = 1; d <= dim[m]; d++) { k++; date[k] = sprintf("%s-%s-%02d", yr[m], mo[m], d) }
  print "patient,date,nrs,incontinence,urgency,pads"
  srand(42)
  for (i = 0; i < n; i++) {
    id = sprintf("B%05d", i)
    for (j = 1; j <= days; j++) {
      trial = date[j] > "2025-03-01"
      if (i % 2) {
        base = 1 + i % 4
        v = trial ? int(base * (0.2 + (i % 7) / 10) + rand()) : base + int(rand() * 2)
        printf "%s,%s,,%d,%d,%d\n", id, date[j], v, int(rand() * 3), 1 + int(rand() * 2)
      } else {
        v = trial ? 2 + (i % 6) + int(rand() * 2) : 6 + int(rand() * 3)
        if (v > 10) v = 10
        printf "%s,%s,%d,,,\n", id, date[j], v
      }
    }
  }
}' >"$tmp/diary.csv"
g1=$(date +%s%N)
rows=$(( $(wc -l <"$tmp/diary.csv") - 1 ))
csv_mb=$(awk -v b="$(stat -c %s "$tmp/diary.csv")" 'BEGIN { printf "%.0f", b / 1048576 }')

clinic init >/dev/null
t_pat=$(timed clinic patient import "$tmp/patients.csv")
t_path=$(timed clinic path import "$tmp/steps.csv")
# The same file with one bad value on its very last row, first: every row is stored, then the
# whole transaction is rolled back and nothing of the file remains.
sed '$ s/,[0-9]*,[0-9]*,[0-9]*$/,1000,0,0/' "$tmp/diary.csv" >"$tmp/bad.csv"
t_bad=$( { timed clinic diary import "$tmp/bad.csv" 2>/dev/null || true; } | tail -n 1)
t_imp=$(timed clinic diary import "$tmp/diary.csv")
t_eval=$(timed clinic evaluate --all --json)
summary=$(tail -c 200 "$tmp/last.out" | grep -o '"count":[0-9]*,"success":[0-9]*,"failure":[0-9]*,"insufficient_data":[0-9]*' || true)
t_evaltxt=$(timed clinic evaluate --all)
t_one=$(timed clinic evaluate B05001 --json)
db_mb=$(awk -v b="$(stat -c %s "$db")" 'BEGIN { printf "%.0f", b / 1048576 }')

echo "## Clinic"
echo
echo "$PATIENTS patients (half SCS, half SNM) with $DAYS days of diary each: $rows diary rows in one CSV"
echo "($csv_mb MB), imported all or nothing in one SQLite transaction (WAL, synchronous=FULL)."
echo "Input generated in $(ms $(( (g1 - g0) / 1000000 ))) s (not counted)."
echo
echo "| step | rows | time (s) | rows/s |"
echo "|---|---:|---:|---:|"
echo "| patient import | $PATIENTS | $(ms "$t_pat") | $(rate "$PATIENTS" "$t_pat") |"
echo "| path import (steps up to the trial) | $(( $(wc -l <"$tmp/steps.csv") - 1 )) | $(ms "$t_path") | $(rate $(( $(wc -l <"$tmp/steps.csv") - 1 )) "$t_path") |"
echo "| diary import | $rows | $(ms "$t_imp") | $(rate "$rows" "$t_imp") |"
echo "| diary import refused (bad last row, rolled back) | $rows | $(ms "$t_bad") | $(rate "$rows" "$t_bad") |"
echo "| evaluate --all --json | $PATIENTS patients | $(ms "$t_eval") | $(rate "$PATIENTS" "$t_eval") |"
echo "| evaluate --all (text) | $PATIENTS patients | $(ms "$t_evaltxt") | $(rate "$PATIENTS" "$t_evaltxt") |"
echo "| evaluate one patient | 1 | $(ms "$t_one") | - |"
echo
echo "Database file: $db_mb MB. Verdicts: ${summary:-n/a}."
