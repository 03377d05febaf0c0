#!/usr/bin/env bash
# t_console_deb: the Debian package (CPack, as `make deb` builds it) from this build tree,
# unpacked into a scratch root with dpkg -x: its files, its unit and maintainer scripts, and
# nmod --version and the console's health endpoint and front end run from the scratch root.
# Usage: deb_test.sh BUILD_DIR
set -euo pipefail
build=$1
scratch=$(mktemp -d "${TMPDIR:-/tmp}/nmod-deb-test.XXXXXX")
pid=
cleanup() { [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$scratch"; }
trap cleanup EXIT
fail() { echo "t_console_deb: $*" >&2; exit 1; }

cpack -G DEB --config "$build/CPackConfig.cmake" -B "$scratch/pkg" >"$scratch/cpack.log" 2>&1 || { cat "$scratch/cpack.log" >&2; fail "cpack failed"; }
deb=$(ls "$scratch"/pkg/nmod_*_amd64.deb)
echo "package: $(basename "$deb")"

[ "$(dpkg-deb -f "$deb" Package)" = nmod ] || fail "the package is not named nmod"
deps=$(dpkg-deb -f "$deb" Depends)
for d in libmicrohttpd12 libsodium23 libsqlite3-0 adduser; do
  case "$deps" in *"$d"*) ;; *) fail "Depends lacks $d: $deps" ;; esac
done
list=$(dpkg-deb -c "$deb")
for f in ./usr/bin/nmod ./usr/share/man/man1/nmod.1.gz ./usr/lib/systemd/system/nmod-console.service \
         ./usr/lib/sysusers.d/nmod.conf ./usr/share/nmod/web/index.html ./usr/share/nmod/web/app.js \
         ./usr/share/doc/nmod/CONSOLE.md ./usr/share/doc/nmod/README.md ./usr/share/doc/nmod/examples/snm-default.json; do
  grep -q " $f\$" <<<"$list" || fail "the package has no $f"
done

dpkg -x "$deb" "$scratch/root"
root=$scratch/root
[ "$("$root/usr/bin/nmod" --version)" = "nmod 0.1.0" ] || fail "nmod --version from the scratch root"
manpage=$(MANWIDTH=100 man -l "$root/usr/share/man/man1/nmod.1.gz" 2>&1)
[[ "$manpage" == *"NMOD CONSOLE"* ]] || fail "the man page does not render"
[ -z "$(man --warnings -l "$root/usr/share/man/man1/nmod.1.gz" 2>&1 >/dev/null)" ] || fail "the man page has warnings"

# The unit: its own user, the database and keys under /var/lib/nmod (0700).
unit=$root/usr/lib/systemd/system/nmod-console.service
for line in "User=nmod" "StateDirectory=nmod" "StateDirectoryMode=0700" "UMask=0077" "NoNewPrivileges=yes" \
            "ExecStart=/usr/bin/nmod console --db /var/lib/nmod/clinic.db --listen \${NMOD_CONSOLE_LISTEN} \$NMOD_CONSOLE_OPTS"; do
  grep -qxF "$line" "$unit" || fail "the unit lacks: $line"
done
# systemd's own check of the unit, with its binary pointed at the scratch root's.
mkdir -p "$scratch/unit"
sed "s|/usr/bin/nmod|$root/usr/bin/nmod|" "$unit" >"$scratch/unit/nmod-console.service"
out=$(systemd-analyze verify --man=no "$scratch/unit/nmod-console.service" 2>&1 || echo "exit $?")
[ -z "$out" ] || fail "systemd-analyze verify: $out"

dpkg-deb -e "$deb" "$scratch/control"
for s in postinst prerm postrm; do sh -n "$scratch/control/$s" || fail "$s is not valid sh"; done
grep -q "chmod 0700 /var/lib/nmod" "$scratch/control/postinst" || fail "postinst does not make /var/lib/nmod 0700"
grep -q "adduser --system" "$scratch/control/postinst" || fail "postinst does not make the system user"

# The console from the scratch root: it finds its front end there, and answers.
"$root/usr/bin/nmod" console --db "$scratch/clinic.db" --listen 127.0.0.1:0 >"$scratch/out" 2>"$scratch/err" &
pid=$!
for _ in $(seq 1 300); do grep -q "listening on" "$scratch/out" && break; sleep 0.1; done
url=$(sed -n 's/.*listening on //p' "$scratch/out")
[ -n "$url" ] || { cat "$scratch/err" >&2; fail "the console did not start"; }
health=$(curl -sSf "$url/api/v1/health")
[[ "$health" == *'"status":"ok","version":"0.1.0","schema_version":7'* ]] || fail "health from the scratch root: $health"
page=$(curl -sSf "$url/")
[[ "$page" == *"<title>nmod console</title>"* ]] || fail "the front end from the scratch root"
grep -q "front end $root/usr/bin/../share/nmod/web" "$scratch/err" || fail "the front end did not come from the package: $(cat "$scratch/err")"
kill -TERM "$pid"
wait "$pid" || fail "the console did not stop cleanly"
pid=
[ "$(stat -c %a "$scratch/clinic.db")" = 600 ] || fail "the database is not 0600"
echo "t_console_deb: 1 passed, 0 failed"
