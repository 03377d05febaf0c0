#!/usr/bin/env bash
# make bench: build the release tree with every benchmark, run each bench/*/run.sh, and
# write their Markdown sections into docs/PERFORMANCE.md with the machine and the date.
set -euo pipefail
cd "$(dirname "$0")/.."
src=$(pwd)
build=$src/build
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DNMOD_TESTS=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" >/dev/null
export NMOD="$build/nmod" NMOD_BUILD="$build" NMOD_SRC="$src"

out=$(mktemp)
{
  echo "# Performance"
  echo
  echo "Written by \`make bench\` (scripts/bench.sh); every figure below comes from a benchmark run, never from a"
  echo "timed test. Wall times are this machine's and vary between runs; instruction counts and byte counts do not."
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "- machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//') ($(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo))"
  echo "- system: $(. /etc/os-release && echo "$PRETTY_NAME"), kernel $(uname -r), $(cc --version | head -n1)"
  echo "- commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo
} > "$out"

# The core first, then the others in a fixed order, then any new ones.
order="core closedloop crypto store link cortexm failsafe clinic console"
dirs=""
for d in $order; do [ -x "bench/$d/run.sh" ] && dirs="$dirs bench/$d"; done
for d in bench/*/; do
  d=${d%/}; n=${d#bench/}
  case " $order " in *" $n "*) ;; *) [ -x "$d/run.sh" ] && dirs="$dirs $d" ;; esac
done
status=0
for d in $dirs; do
  echo "bench: ${d#bench/}" >&2
  if "$d/run.sh" >> "$out"; then
    echo >> "$out"
  else
    echo "bench: ${d#bench/} failed" >&2
    printf '\n(%s: benchmark failed on this run)\n\n' "${d#bench/}" >> "$out"
    status=1
  fi
done
mv "$out" docs/PERFORMANCE.md
echo "wrote docs/PERFORMANCE.md" >&2
exit $status
