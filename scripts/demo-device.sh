#!/usr/bin/env bash
# The device part of `make demo`: a simulated SNM trial stimulator on a loopback port,
# programmed with the clinician programmer, a paired remote changing the strength, MRI mode,
# and the history read out. Uses a temporary state folder and stops the simulator at the end.
set -euo pipefail
NMOD=${NMOD:-build/nmod}
dir=$(mktemp -d /tmp/nmod-demo-XXXXXX)
sim_pid=
cleanup() { [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT
show() { printf '$ %s\n' "$*"; "$@"; }

# 1. Start the stimulator; a new one writes the clinician key into its state folder.
"$NMOD" sim --kind ets --therapy snm --lead snm-tined-4 --state "$dir/ets" --listen 127.0.0.1:0 \
  --time-scale 60 --quiet > "$dir/sim.out" 2> "$dir/sim.log" &
sim_pid=$!
for _ in $(seq 1 100); do [ -s "$dir/sim.out" ] && break; sleep 0.05; done
cat "$dir/sim.out"
dev="127.0.0.1:$(cat "$dir/ets/port")"
clin="$dir/ets/clinician.key"

# 2. The clinician programs it and turns therapy on.
show "$NMOD" programmer --device "$dev" --key "$clin" program examples/snm-default.json
show "$NMOD" programmer --device "$dev" --key "$clin" therapy on
# 3. Pairs the patient's remote; the patient changes the strength.
show "$NMOD" programmer --device "$dev" --key "$clin" pair-remote --out "$dir/remote.key"
show "$NMOD" remote --device "$dev" --key "$dir/remote.key" amp up
show "$NMOD" remote --device "$dev" --key "$dir/remote.key" amp set 2.5
printf '$ %s\n' "$NMOD remote ... amp set 3.5   (outside the clinician's range: refused, exit 3)"
"$NMOD" remote --device "$dev" --key "$dir/remote.key" amp set 3.5 || true
show "$NMOD" remote --device "$dev" --key "$dir/remote.key" mri on
show "$NMOD" remote --device "$dev" --key "$dir/remote.key" mri off
# 4. A wrong key gets nothing (exit 4).
printf '$ %s\n' "$NMOD remote ... status   (with the revoked remote key: exit 4)"
"$NMOD" programmer --device "$dev" --key "$clin" revoke-remote "$dir/remote.key" >/dev/null
"$NMOD" remote --device "$dev" --key "$dir/remote.key" status || true
# 5. The read-out a clinic does at every visit.
show "$NMOD" programmer --device "$dev" --key "$clin" interrogate
show "$NMOD" programmer --device "$dev" --key "$clin" history
