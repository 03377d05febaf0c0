#!/usr/bin/env bash
# Console benchmark: a release `nmod console` on loopback with a fresh SQLite file; the latency
# of GET /api/v1/health (2,000 requests, one connection each, one after another) and of signing
# in (20 sign-ins: Argon2id with libsodium's moderate limits), measured by bench.mjs (node) from
# the client's side. Env: NMOD (release nmod). Prints a Markdown section "## Console".
# Then the patient list and the patient page on a clinic of 10,000 patients (seed.sh, made with
# the CLI's imports; CONSOLE_BENCH_PATIENTS) and the time to a usable list in headless Chromium
# (patients.mjs).
set -euo pipefail
NMOD=${NMOD:-build/nmod}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nmod-console-bench.XXXXXX")
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
db=$tmp/clinic.db
pw=bench-password-1
printf '%s\n' "$pw" | "$NMOD" console user add bench --role clinician --password-stdin --db "$db" >/dev/null
"$NMOD" console --db "$db" --listen 127.0.0.1:0 --login-max-account 1000 --login-max-address 1000 >"$tmp/out" 2>"$tmp/err" &
pid=$!
for _ in $(seq 1 100); do grep -q "listening on" "$tmp/out" && break; sleep 0.1; done
url=$(sed -n 's/.*listening on //p' "$tmp/out")
[ -n "$url" ] || { cat "$tmp/err" >&2; exit 1; }
node "$here/bench.mjs" "$url" bench "$pw" >"$tmp/result"
kill -TERM "$pid"
wait "$pid"
pid=
read -r h_n h_p50 h_p95 h_p99 l_n l_p50 l_p95 l_max <"$tmp/result"

# The clinic: 10,000 patients, "today" fixed so that the states are the same on every run.
export NMOD_TODAY=2026-03-20
patients=${CONSOLE_BENCH_PATIENTS:-10000}
pdb=$tmp/patients.db
"$here/seed.sh" "$pdb" "$patients"
printf '%s\n' "$pw" | "$NMOD" console user add bench --role clinician --password-stdin --db "$pdb" >/dev/null
"$NMOD" console --db "$pdb" --listen 127.0.0.1:0 >"$tmp/out2" 2>"$tmp/err2" &
pid=$!
for _ in $(seq 1 100); do grep -q "listening on" "$tmp/out2" && break; sleep 0.1; done
url=$(sed -n 's/.*listening on //p' "$tmp/out2")
[ -n "$url" ] || { cat "$tmp/err2" >&2; exit 1; }
node "$here/patients.mjs" "$url" bench "$pw" "$patients" >"$tmp/result2"
kill -TERM "$pid"
wait "$pid"
pid=
db_mb=$(awk -v b="$(stat -c %s "$pdb")" 'BEGIN { printf "%.0f", b / 1048576 }')
diary_rows=$(sqlite3 "$pdb" "SELECT count(*) FROM diary" 2>/dev/null || echo "?")
row() { awk -v l="$1" -v what="$2" '$1 == l { printf "| %s | %s | %s | %s | %s |\n", what, $2, $3, $4, $5 }' "$tmp/result2"; }

echo "## Console"
echo
echo "A release \`nmod console\` on loopback (4 threads, a fresh SQLite file); requests one after another"
echo "from a Node client on the same machine, a new connection each; times from sending the request to the"
echo "whole answer (bench/console/run.sh)."
echo
echo "| request | count | p50 (ms) | p95 (ms) | p99 / max (ms) |"
echo "|---|---:|---:|---:|---:|"
echo "| GET /api/v1/health | $h_n | $h_p50 | $h_p95 | $h_p99 |"
echo "| POST /api/v1/session (sign in: Argon2id, 3 passes over 256 MiB) | $l_n | $l_p50 | $l_p95 | $l_max |"
echo
echo "Signing in costs the password hash by design (libsodium's moderate limits, docs/CONSOLE.md); one hash runs"
echo "at a time, so sign-ins queue rather than take more memory."
echo
echo "### The patient list and page on $patients patients"
echo
echo "A clinic of $patients patients (half SCS, half SNM; referred, in their baseline, in their trial, implanted),"
echo "$diary_rows diary rows, file $db_mb MB, made with the CLI's imports (bench/console/seed.sh); signed in as a"
echo "clinician; the same client as above (bench/console/patients.mjs). Goal: p95 under 50 ms (issue 14)."
echo
echo "| request | count | p50 (ms) | p95 (ms) | max (ms) |"
echo "|---|---:|---:|---:|---:|"
row list "GET /api/v1/patients (a page of 25, offsets spread over the list)"
row list-attention "GET /api/v1/patients?attention=1 (needs attention)"
row list-search "GET /api/v1/patients?q=... (search by name)"
row list-filter "GET /api/v1/patients?therapy=...&phase=trial"
row page "GET /api/v1/patients/{code} (the whole patient page in one read transaction: path, evaluation, diary, scores, plan, checks, visits, lead responses)"
echo
echo 'Time to a usable patient list in headless Chromium (goal: under 1 s): from navigating to `#/patients`'
echo "(signed in) to the 25 rows of the first page shown, 10 loads:"
echo
echo "| measurement | count | p50 (ms) | p95 (ms) | max (ms) |"
echo "|---|---:|---:|---:|---:|"
row browser-list "page load to a usable list"
