#!/usr/bin/env bash
# Console benchmark: a release `nmod console` on loopback with a fresh SQLite file; the latency
# of GET /api/v1/health (2,000 requests, one connection each, one after another) and of signing
# in (20 sign-ins: Argon2id with libsodium's moderate limits), measured by bench.mjs (node) from
# the client's side. Env: NMOD (release nmod). Prints a Markdown section "## Console".
# The second part of issue 14 adds the patient list and page on 10,000 patients here.
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
echo "at a time, so sign-ins queue rather than take more memory. The patient list and page p95 on 10,000"
echo "patients come with the clinic's endpoints (issue 14, second part)."
