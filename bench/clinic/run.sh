#!/usr/bin/env bash
# Clinic benchmark: 1,000, 10,000 and 100,000 patients (half SCS, half SNM) with a year of
# daily diary each (365,000 to 36.5 million diary rows in one CSV), imported all or nothing
# into a fresh SQLite file, then every trial evaluated. Env: NMOD (release nmod binary),
# CLINIC_BENCH_SIZES (default "1000 10000 100000"). Prints a Markdown section "## Clinic".
set -euo pipefail
NMOD=${NMOD:-build/nmod}
SIZES=${CLINIC_BENCH_SIZES:-1000 10000 100000}
DAYS=365
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nmod-clinic-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export NMOD_TODAY=2025-06-30

# Wall seconds and CPU seconds (user + system) of `nmod clinic --db $db ARGS`, as "wall cpu"
# (also when the command fails: /usr/bin/time then writes a line before the figures).
timed() {
  /usr/bin/time -f "%e %U %S" -o "$tmp/time" "$NMOD" clinic --db "$db" "$@" >"$tmp/last.out" || true
  tail -n 1 "$tmp/time" | awk '{ printf "%.2f %.2f", $1, $2 + $3 }'
}
wall() { echo "${1% *}"; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { if (s > 0) printf "%.0f", n / s; else print "-" }'; }

# Input files: patients, their path up to the trial, and the diary (2024-07-01 .. 2025-06-29;
# referral 2024-05-01, trial on 2025-03-01: a 28-day baseline window and 14 (SCS, trial-end
# recorded) or 30 (SNM, trial still open: 28 days plus 3 days' tolerance) trial days).
generate() {
  local n=$1 dir=$2
  awk -v n="$n" -v dir="$dir" 'BEGIN {
    print "id,therapy,name,birth_date" > (dir "/patients.csv")
    print "patient,step,date" > (dir "/steps.csv")
    for (i = 0; i < n; i++) {
      id = sprintf("B%06d", i); th = (i % 2) ? "snm" : "scs"
      printf "%s,%s,Patient %d,19%02d-0%d-1%d\n", id, th, i, 40 + i % 50, 1 + i % 9, i % 10 > (dir "/patients.csv")
      if (th == "scs") {
        split("referral 2024-05-01,team-review 2024-05-08,questionnaires 2024-05-10,psychologist 2024-05-20,intake 2024-06-01,decision 2024-06-10,screening 2025-02-17,trial 2025-03-01,trial-end 2025-03-15", s, ",")
        for (k = 1; k <= 9; k++) { split(s[k], p, " "); print id "," p[1] "," p[2] > (dir "/steps.csv") }
      } else {
        print id ",referral,2024-05-01" > (dir "/steps.csv")
        print id ",scores,2024-06-01" > (dir "/steps.csv")
        print id ",trial,2025-03-01" > (dir "/steps.csv")
      }
    }
  }'
  awk -v n="$n" -v days="$DAYS" 'BEGIN {
    split("31 31 30 31 30 31 31 28 31 30 31 30", dim, " ")   # July 2024 .. June 2025
    split("2024 2024 2024 2024 2024 2024 2025 2025 2025 2025 2025 2025", yr, " ")
    split("07 08 09 10 11 12 01 02 03 04 05 06", mo, " ")
    k = 0
    for (m = 1; m <= 12; m++) for (d = 1; d <= dim[m]; d++) { k++; date[k] = sprintf("%s-%s-%02d", yr[m], mo[m], d) }
    print "patient,date,nrs,incontinence,urgency,pads"
    srand(42)
    for (i = 0; i < n; i++) {
      id = sprintf("B%06d", i)
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
  }' >"$dir/diary.csv"
}

rows_out=""
verdicts=""
refused=""
for n in $SIZES; do
  dir="$tmp/$n"
  mkdir -p "$dir"
  g0=$(date +%s%N)
  generate "$n" "$dir"
  g1=$(date +%s%N)
  db="$dir/bench.db"
  rows=$(( $(wc -l <"$dir/diary.csv") - 1 ))
  steps=$(( $(wc -l <"$dir/steps.csv") - 1 ))
  "$NMOD" clinic --db "$db" init >/dev/null
  t_pat=$(timed patient import "$dir/patients.csv")
  t_path=$(timed path import "$dir/steps.csv")
  if [ "$n" = 10000 ]; then
    # The same file with one bad value on its very last row, first: every row is stored,
    # then the whole transaction is rolled back and nothing of the file remains.
    sed '$ s/,[0-9]*,[0-9]*,[0-9]*$/,1000,0,0/' "$dir/diary.csv" >"$dir/bad.csv"
    t_bad=$(timed diary import "$dir/bad.csv" 2>/dev/null)
    refused="| diary import refused (bad last row, rolled back) | $n | $rows | $(wall "$t_bad") | $(rate "$rows" "$(wall "$t_bad")") |"
    rm -f "$dir/bad.csv"
  fi
  t_imp=$(timed diary import "$dir/diary.csv")
  rm -f "$dir/diary.csv"
  t_eval=$(timed evaluate --all --json)
  summary=$(tail -c 200 "$tmp/last.out" | grep -o '"count":[0-9]*,"success":[0-9]*,"failure":[0-9]*,"insufficient_data":[0-9]*' || true)
  json_mb=$(awk -v b="$(stat -c %s "$tmp/last.out")" 'BEGIN { printf "%.0f", b / 1048576 }')
  t_txt=$(timed evaluate --all)
  t_one=$(timed evaluate B000001 --json)
  # A window setting changes: every patient's cached sums are recomputed from the diary.
  t_cfg=$(timed config baseline_max_days 21)
  db_mb=$(awk -v b="$(stat -c %s "$db")" 'BEGIN { printf "%.0f", b / 1048576 }')
  rows_out="$rows_out| $n | $rows | $(wall "$t_pat") | $(wall "$t_path") ($(rate "$steps" "$(wall "$t_path")")/s, ${t_path#* } CPU) | $(wall "$t_imp") ($(rate "$rows" "$(wall "$t_imp")")/s, ${t_imp#* } CPU) | ${t_eval% *} (${t_eval#* } CPU) | ${t_txt% *} (${t_txt#* } CPU) | $(wall "$t_one") | $(wall "$t_cfg") | $db_mb | $json_mb |
"
  verdicts="$verdicts$n: ${summary:-n/a}. "
  rm -rf "$dir"
done

echo "## Clinic"
echo
echo "Patients half SCS, half SNM, with $DAYS days of diary each (2024-07-01 to 2025-06-29), imported all or"
echo "nothing in one SQLite transaction (WAL, synchronous=FULL). Path: referral, the diary step, the trial on"
echo "2025-03-01 (SCS with its trial-end 14 days later). Times in seconds, wall clock on this machine (other"
echo "jobs may share its 2 cores); CPU = user + system seconds of the process. \`evaluate --all\` reads the"
echo "cached per-patient sums (docs/CLINIC.md, \"Speed\"), not the diary; \`config\` changes a window setting,"
echo "which recomputes every patient's sums from the diary in one transaction."
echo
echo "| patients | diary rows | patient import | path import | diary import | evaluate --all --json | evaluate --all (text) | evaluate one | config (rebuild) | DB MB | JSON MB |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
printf '%s' "$rows_out"
echo
if [ -n "$refused" ]; then
  echo "| step | patients | rows | time (s) | rows/s |"
  echo "|---|---:|---:|---:|---:|"
  echo "$refused"
  echo
fi
echo "Verdicts: $verdicts"
echo
echo "Reproduce: \`make bench\` (or \`NMOD=build/nmod bench/clinic/run.sh\`; \`CLINIC_BENCH_SIZES=\"1000 10000\"\` for a shorter run)."
