#!/usr/bin/env bash
# The clinic side in one minute: an SNM patient from referral through a trial with a bowel
# diary (CSV import) to a decision, a follow-up plan, a calendar and an HTML report.
# Uses ${NMOD:-build/nmod} and a temporary database; nothing else is touched.
set -euo pipefail
NMOD=${NMOD:-build/nmod}
out=$(mktemp -d "${TMPDIR:-/tmp}/nmod-clinic-demo.XXXXXX")
db="$out/clinic.db"
# Fix "today" so the demo reads the same every day.
export NMOD_TODAY=2025-04-15
c() { echo "\$ nmod clinic $*"; "$NMOD" clinic --db "$db" "$@"; }

echo "== a new SNM patient, referred after medication and irrigation failed"
c patient add SNM-001 --therapy snm --name "A. de Vries" --birth 1961-05-12
c path step SNM-001 referral --date 2025-01-06

echo "== baseline: functional scores and 3 weeks of bowel diary"
c path step SNM-001 scores --date 2025-01-13
c score add SNM-001 wexner --date 2025-01-13 solid=3 liquid=4 gas=4 pad=4 lifestyle=3
c score add SNM-001 vaizey --date 2025-01-13 solid=3 liquid=4 gas=4 lifestyle=3 pad=yes constipating=no defer=yes
# The diary: 21 baseline days (2025-01-14 .. 2025-02-03), the trial operation on 2025-02-04,
# then 24 trial days with fewer episodes; two days were not filled in.
{
  echo "date,incontinence,urgency,pads"
  for d in $(seq 0 20); do
    day=$(date -d "2025-01-14 +$d day" +%F)
    echo "$day,$(( (d % 3) + 2 )),$(( d % 2 + 1 )),3"
  done
  for d in $(seq 1 24); do
    [ "$d" = 9 ] || [ "$d" = 17 ] && continue
    day=$(date -d "2025-02-04 +$d day" +%F)
    echo "$day,$(( d % 4 == 0 ? 1 : 0 )),$(( d % 3 == 0 ? 1 : 0 )),1"
  done
} >"$out/diary.csv"
echo "== stage 1 (trial) on 2025-02-04; the diary comes in as one CSV file"
c path step SNM-001 stage1 --date 2025-02-04
c diary import SNM-001 "$out/diary.csv"
c score add SNM-001 wexner --date 2025-02-28 solid=1 liquid=1 gas=2 pad=1 lifestyle=1

echo "== the decision after the trial"
c evaluate SNM-001
verdict=$("$NMOD" clinic --db "$db" evaluate SNM-001 --json | sed -n 's/.*"verdict":"\([a-z-]*\)".*/\1/p')
if [ "$verdict" = success ]; then
  c path step SNM-001 stage2-implant --date 2025-03-04
else
  c path step SNM-001 stage2-removal --date 2025-03-04
fi
c path show SNM-001

echo "== the printed follow-up plan (and a calendar file)"
c plan SNM-001 --years 2 --ics "$out/plan.ics"
echo "== rules for the patient now"
c leaflet SNM-001
echo "== the report"
c report SNM-001 --out "$out/SNM-001.html"
echo "files: $out/SNM-001.html  $out/plan.ics  $out/diary.csv"
