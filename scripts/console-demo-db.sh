#!/usr/bin/env bash
# A demo database for nmod console: two SNM and one SCS patient with some of their path (made
# with the CLI, so the audit trail has its first rows), and three accounts (clinician, nurse, admin) with fresh random
# passwords. Usage: scripts/console-demo-db.sh DIR  (DIR/clinic.db; prints the credentials as
# NAME PASSWORD ROLE lines into DIR/credentials, mode 0600). Env: NMOD.
set -euo pipefail
NMOD=${NMOD:-build/nmod}
dir=$1
rm -rf "$dir"
mkdir -p -m 0700 "$dir"
db=$dir/clinic.db
export NMOD_TODAY=2025-03-10
clinic() { "$NMOD" clinic --db "$db" "$@" >/dev/null; }
clinic patient add SNM-001 --therapy snm --name "A. de Vries" --birth 1961-05-12
clinic path step SNM-001 referral --date 2025-01-06 --earlier-treatment irrigation
clinic path step SNM-001 scores --date 2025-01-13
clinic score add SNM-001 wexner --date 2025-01-13 solid=3 liquid=4 gas=4 pad=4 lifestyle=3
clinic patient add SNM-002 --therapy snm --name "B. Jansen" --birth 1958-11-02
clinic path step SNM-002 referral --date 2025-02-03 --earlier-treatment medication
clinic patient add SCS-001 --therapy scs --name "C. Bakker" --birth 1970-03-21
clinic path step SCS-001 referral --date 2025-01-20
umask 077
: >"$dir/credentials"
for acct in demo:clinician nina:nurse admin:admin; do
  name=${acct%%:*} role=${acct#*:}
  pw=$(head -c 12 /dev/urandom | base64 | tr -d '/+=' | head -c 16)
  printf '%s\n' "$pw" | "$NMOD" console user add "$name" --role "$role" --password-stdin --db "$db" >/dev/null
  echo "$name $pw $role" >>"$dir/credentials"
done
