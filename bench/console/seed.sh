#!/usr/bin/env bash
# A clinic database of N patients (default 10,000) for the console bench, made with the CLI's
# own imports from the CSV files of seed.mjs. Usage: seed.sh DB [N]. Env: NMOD, NMOD_TODAY.
set -euo pipefail
NMOD=${NMOD:-build/nmod}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nmod-console-seed.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
node "$here/seed.mjs" "$tmp" "${2:-10000}"
for f in patient:patients path:path diary:diary path:path2; do
  "$NMOD" clinic --db "$1" "${f%%:*}" import "$tmp/${f#*:}.csv" >/dev/null
done
