#!/usr/bin/env bash
# make demo: the system doing its main job, in a few short steps.
#   1. the safety supervisor judges the example therapies (and refuses an unsafe one);
#   2. the firmware core runs them on simulated hardware in virtual time;
#   3. a picture of the waveforms;
#   4. (when built) a simulated implant on a loopback port, programmed by the clinician
#      programmer and adjusted by the patient remote over the secure link;
#   5. (when built) the clinic path of an SNM patient from referral to a follow-up plan;
#   6. (when built) nmod console on a demo database: headless screenshots of its pages.
set -euo pipefail
cd "$(dirname "$0")/.."
NMOD=${NMOD:-build/nmod}
out=${NMOD_DEMO_OUT:-build/demo}
mkdir -p "$out"
step() { printf '\n== %s\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }

step "1. Safety check of the SNM default therapy (14 Hz, 210 us, 1.0 mA, patient range 0-3 mA)"
show "$NMOD" check examples/snm-default.json

step "   ...and of a therapy the supervisor must refuse (the patient could reach 14 mA: Shannon k >= 1.85)"
sed 's/"patient_range_ma": \[0, 3.0\]/"patient_range_ma": [0, 14.0]/' examples/snm-default.json > "$out/unsafe.json"
set +e
"$NMOD" check "$out/unsafe.json"; rc=$?
set -e
echo "(exit code $rc: refused)"
[ "$rc" -eq 3 ] || { echo "demo: expected the unsafe therapy to be refused" >&2; exit 1; }

step "2. A day of therapy on simulated hardware, for each example"
for f in snm-default scs-tonic scs-burst scs-hf10k; do
  printf '%-12s ' "$f:"
  "$NMOD" simulate "examples/$f.json" --duration 24h --json
done

step "3. The waveform on each contact (SVG)"
show "$NMOD" plot examples/scs-burst.json --out "$out/scs-burst.svg"
show "$NMOD" plot examples/scs-tonic.json --out "$out/scs-tonic.svg"

if [ -x scripts/demo-device.sh ] && "$NMOD" help 2>/dev/null | grep -q '^  sim '; then
  step "4. A simulated SNM trial stimulator, the clinician programmer and the patient remote"
  NMOD="$NMOD" scripts/demo-device.sh
fi

if [ -x scripts/demo-clinic.sh ] && "$NMOD" help 2>/dev/null | grep -q '^  clinic '; then
  step "5. The clinic: an SNM patient from referral through a trial diary to a decision and a plan"
  NMOD="$NMOD" scripts/demo-clinic.sh
fi

if [ -x scripts/demo-console.sh ] && "$NMOD" help 2>/dev/null | grep -q '^  console '; then
  step "6. The console: the clinic in a browser, on a demo database (headless screenshots)"
  NMOD="$NMOD" NMOD_DEMO_OUT="$out" scripts/demo-console.sh
fi

printf '\ndemo done: outputs in %s\n' "$out"
