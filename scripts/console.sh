#!/usr/bin/env bash
# make console: nmod console on a fresh demo database, for a person to use; Ctrl-C stops it.
# Env: NMOD, CONSOLE_LISTEN (default 127.0.0.1:8080).
set -euo pipefail
cd "$(dirname "$0")/.."
NMOD=${NMOD:-build/nmod}
listen=${CONSOLE_LISTEN:-127.0.0.1:8080}
dir=build/console-demo
NMOD="$NMOD" scripts/console-demo-db.sh "$dir"
echo
echo "nmod console on a demo database ($dir/clinic.db): open http://$listen"
while read -r name pw role; do printf '  sign in as %-6s password %s   (%s)\n' "$name" "$pw" "$role"; done <"$dir/credentials"
echo "Ctrl-C stops it."
echo
exec "$NMOD" console --db "$dir/clinic.db" --listen "$listen"
