#!/usr/bin/env bash
# The end of make demo: nmod console on a demo database, headless screenshots of its pages
# (Debian's Chromium through playwright-core, tests/browser/shots.mjs), then stopped. Bounded:
# the screenshots get two minutes. Env: NMOD, NMOD_DEMO_OUT.
set -euo pipefail
cd "$(dirname "$0")/.."
NMOD=${NMOD:-build/nmod}
out=${NMOD_DEMO_OUT:-build/demo}
dir=$out/console
NMOD="$NMOD" scripts/console-demo-db.sh "$dir"
"$NMOD" console --db "$dir/clinic.db" --listen 127.0.0.1:0 >"$dir/console.out" 2>"$dir/console.log" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do grep -q "listening on" "$dir/console.out" && break; sleep 0.1; done
url=$(sed -n 's/.*listening on //p' "$dir/console.out")
[ -n "$url" ] || { cat "$dir/console.log" >&2; exit 1; }
echo "nmod console on $url (demo database $dir/clinic.db)"
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 timeout 120 node tests/browser/shots.mjs "$url" "$dir/credentials" "$out/screenshots"
kill -TERM "$pid"
wait "$pid"
trap - EXIT
echo "console stopped; screenshots in $out/screenshots/"
