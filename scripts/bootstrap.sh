#!/usr/bin/env bash
# Install what nmod needs on Debian 12, and nothing when it is all there (idempotent).
# Usage: scripts/bootstrap.sh [host|target|test|all]   (default: all)
#   host   : compiler, CMake, cmocka, libsodium, SQLite, clang with libFuzzer, spin, Frama-C
#            with Why3, Z3 and CVC4, GNU
#            libmicrohttpd with GnuTLS (nmod console) and Node.js (it builds the console's front
#            end): enough for build/nmod and the host tests, fuzz targets, the SPIN models and the WP proofs included
#   target : the Cortex-M cross toolchain and QEMU (for the emulated-target tests)
#   test   : the third-party checkers of the clinic's exports: headless Chromium and poppler
#            (the printed report), python3-icalendar (calendars), Node.js with the npm packages
#            pinned in tests/validators/package-lock.json (ajv with the FHIR R4 schema,
#            html-validate); the console's browser tests (tests/browser: playwright-core, which
#            drives Debian's Chromium and downloads no browser, and axe-core); openssl (a test
#            makes its own TLS certificate) and curl (checks it); the sqlite3 tool (the diary
#            page's test reads the database as it is on disk); each installed with `npm ci`;
#            Frama-C (EVA over the battery code: tests/battery/eva.sh)
set -euo pipefail
what=${1:-all}
# clang and its runtimes (libFuzzer, ASan: libclang-rt-14-dev, only "recommended" by clang
# on Debian 12): the fuzz targets (tests/fuzz) are part of every test run.
# spin: the SPIN model checker (formal/spin/run.sh, the t_spin_models test); it compiles its
# verifiers with the C compiler of build-essential.
# frama-c-base, why3, z3, cvc4: the Frama-C WP proofs (formal/frama/run.sh, make prove, the
# t_frama_proofs test); WP reaches Z3 and CVC4 through Why3 (Debian 12 has no Alt-Ergo).
host_pkgs=(build-essential cmake pkg-config libcmocka-dev libsodium-dev libsqlite3-dev clang libclang-rt-14-dev spin
  frama-c-base why3 z3 cvc4 libmicrohttpd-dev libgnutls28-dev)
target_pkgs=(gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm python3)
# time: /usr/bin/time, the CPU seconds in bench/clinic/run.sh (make bench installs "all").
bench_pkgs=(time)
test_pkgs=(chromium poppler-utils python3-icalendar openssl curl frama-c-base sqlite3)
# Debian's Node.js and npm, unless a node with its npm is there already (NodeSource's bundles npm).
# Node builds the console's front end (web/build.mjs), so the host part needs it too.
command -v node >/dev/null 2>&1 || host_pkgs+=(nodejs)
command -v npm >/dev/null 2>&1 || test_pkgs+=(npm)

want=()
case "$what" in
  host) want=("${host_pkgs[@]}") ;;
  target) want=("${target_pkgs[@]}") ;;
  test) want=("${test_pkgs[@]}") ;;
  all) want=("${host_pkgs[@]}" "${target_pkgs[@]}" "${bench_pkgs[@]}" "${test_pkgs[@]}") ;;
  *) echo "bootstrap: unknown part '$what' (use host, target, test or all)" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing ${missing[*]}"
  if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
  elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
  else
    echo "bootstrap: missing packages (${missing[*]}) and no root or sudo to install them: install them, then rerun" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  # Refresh the package lists only when they are missing or older than a day.
  if [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mtime -1 2>/dev/null | head -n 1)" ]; then
    "${SUDO[@]}" apt-get update -qq
  fi
  "${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  echo "bootstrap: done"
fi

# The npm packages, exactly as pinned, when a lock file changed since the last install: the
# validators and the browser tests (no install scripts; Playwright downloads no browser).
if [ "$what" = test ] || [ "$what" = all ]; then
  root="$(cd "$(dirname "$0")/.." && pwd)"
  for sub in tests/validators tests/browser; do
    dir="$root/$sub"
    if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
      echo "bootstrap: npm ci in $sub"
      (cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null)
    fi
  done
fi
