#!/usr/bin/env bash
# formal/frama/run.sh: the Frama-C part of `make prove` (docs/ASSURANCE.md). Runs every row
# of formal/frama/parts.txt (or the parts named) and prints, per part, one line
#   ROW<TAB>module<TAB>goals<TAB>proved<TAB>alarms<TAB>seconds
# and one with the proved goals per prover
#   PROVERS<TAB>module<TAB>qed=N z3=N cvc4=N script=N
# Exits 1 when a part fails: a goal not proved, an alarm left, a required goal missing, an
# ACSL axiom or admit anywhere in the proven sources, or Frama-C refusing its input.
#
#   run.sh [--src DIR] [--out DIR] [--cache DIR] [--timeout S] [--retry S] [--fct F,G] [--parts FILE] [PART...]
#
# --src: the source tree to prove (default: this one; the mutant tests pass a mutated
# copy). --out: logs (default SRC/build/prove). --cache: the WP cache, results of goals
# proved before, keyed by the goal's text (default OUT/wp-cache). --timeout: per-goal prover
# timeout, seconds (default 20). --retry: a WP part with goals not proved is run once more
# with this per-goal timeout (default 3 x --timeout; 0: no second run): the cache keeps the
# goals already proved, so only the hard ones are tried again, and a machine under load
# (whose provers get a fraction of a core) does not fail a proof that holds. --fct: prove
# these functions only (a mutant's check; the part's "must" goals are then not required).
# --parts: the table of rows (default formal/frama/parts.txt; formal/frama/eva-open.txt
# holds the EVA entries that still raise unexplained alarms, run by hand and not by
# `make prove`).
# A goal not proved is named on a line "NOT PROVED<TAB>part<TAB>goal" (stderr).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
out=""
cache=""
fct=""
table=""
timeout=20
retry=""
parts=()
while [ $# -gt 0 ]; do
  case "$1" in
    --src) src=$(cd "$2" && pwd); shift 2 ;;
    --out) out=$2; shift 2 ;;
    --cache) cache=$2; shift 2 ;;
    --timeout) timeout=$2; shift 2 ;;
    --retry) retry=$2; shift 2 ;;
    --fct) fct=$2; shift 2 ;;
    --parts) table=$(cd "$(dirname "$2")" && pwd)/$(basename "$2"); shift 2 ;;
    -*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    *) parts+=("$1"); shift ;;
  esac
done
[ -n "$out" ] || out=$src/build/prove
[ -n "$retry" ] || retry=$((timeout * 3))
mkdir -p "$out"
out=$(cd "$out" && pwd)
[ -n "$cache" ] || cache=$out/wp-cache
mkdir -p "$cache"
[ -n "$table" ] || table=$src/formal/frama/parts.txt
explained=$src/formal/frama/eva-explained.txt
[ -f "$table" ] || { echo "run.sh: no $table" >&2; exit 2; }

# Provers through Why3: Z3 and CVC4 as Debian 12 packages them (no Alt-Ergo there).
# Z3 runs in Why3's incremental mode ("counterexamples" alternative): Why3 1.5.1's plain Z3
# 4.8.12 driver fails on most of these goals ("Unknown error"), the incremental one does not.
export WHY3CONFIG=$out/why3.conf
if [ ! -s "$WHY3CONFIG" ]; then
  why3 -C "$WHY3CONFIG" config detect >"$out/why3-detect.log" 2>&1 || {
    echo "run.sh: why3 config detect failed (see $out/why3-detect.log)" >&2
    exit 2
  }
fi
jobs=$(nproc 2>/dev/null || echo 2)

# Frama-C 25 has no ARM machdep; gcc_x86_32 is the closest (docs/ASSURANCE.md lists where it
# differs from arm-none-eabi).
common=(-machdep gcc_x86_32 -c11
  "-cpp-extra-args=-I$src/firmware/include -I$src/ports/limiter -I$src/ports/loop -I$src/ports/sim -I$src/ports/cortexm -I$src/formal/frama -DNM_FIRMWARE=1")

# The rows, as name|kind|files|options|must.
rows() {
  awk 'BEGIN { FS = " [|] " }
    /^[ \t]*(#|$)/ { next }
    NF != 5 { printf "parts.txt:%d: a row has 5 fields\n", FNR > "/dev/stderr"; exit 2 }
    { print $1 "|" $2 "|" $3 "|" $4 "|" $5 }' "$table"
}

fail=0
ran=0
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

run_wp() { # name files options must
  local name=$1 files=$2 opts=$3 must=$4 log=$out/$name.log t0
  t0=$(date +%s.%N)
  local -a f=() o=()
  for x in $files; do f+=("$src/$x"); done
  [ "$opts" = "-" ] || read -r -a o <<<"$opts"
  if [ -n "$fct" ]; then o+=(-wp-fct "$fct"); must=-; fi
  local st secs goals proved tmo=$timeout
  while :; do
    st=0
    frama-c "${common[@]}" "${f[@]}" -wp -wp-rte -wp-prover z3-ce,cvc4 -wp-timeout "$tmo" \
      -wp-par 2 -wp-cache update -wp-cache-dir "$cache" "${o[@]}" >"$log" 2>&1 || st=$?
    read -r proved goals < <(sed -n 's/^\[wp\] Proved goals: *\([0-9]*\) *\/ *\([0-9]*\).*/\1 \2/p' "$log" | tail -n 1) || true
    goals=${goals:-0}
    proved=${proved:-0}
    # Once more, longer, for the goals not proved (the proved ones come from the cache).
    if [ "$st" -eq 0 ] && [ "$proved" -ne "$goals" ] && [ "$retry" -gt "$tmo" ]; then
      echo "RETRY $name: $((goals - proved)) goals not proved in ${tmo} s, again with ${retry} s" >&2
      tmo=$retry
      continue
    fi
    break
  done
  secs=$(elapsed "$t0")
  local ok=1 why=""
  if [ "$st" -ne 0 ]; then ok=0; why="frama-c exited with $st"; fi
  if [ "$goals" -eq 0 ]; then ok=0; why="${why:+$why; }no goals"; fi
  if [ "$proved" -ne "$goals" ]; then
    ok=0
    local missed
    missed=$(sed -n 's/^\[wp\] \[[A-Za-z]*\] Goal \([A-Za-z0-9_]*\)$/\1/p' "$log" | sort -u)
    why="${why:+$why; }$((goals - proved)) goals not proved"
    for g in $missed; do printf 'NOT PROVED\t%s\t%s\n' "$name" "$g" >&2; done
  fi
  if [ "$must" != "-" ]; then
    for g in $must; do
      grep -q "Goal $g : Valid" "$log" || { ok=0; why="${why:+$why; }required goal $g not proved"; }
    done
  fi
  printf 'ROW\t%s\t%s\t%s\t%s\t%s\n' "$name" "$goals" "$proved" "-" "$secs"
  local q z c s
  q=$(sed -n 's/^  Qed: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
  z=$(sed -n 's/^  Z3 [^:]*: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
  c=$(sed -n 's/^  CVC4 [^:]*: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
  s=$(sed -n 's/^  Script: *\([0-9]*\).*/\1/p' "$log" | tail -n 1)
  printf 'PROVERS\t%s\tqed=%s z3=%s cvc4=%s script=%s\n' "$name" "${q:-0}" "${z:-0}" "${c:-0}" "${s:-0}"
  if [ $ok -eq 0 ]; then
    echo "FAIL $name: $why (log: $log)" >&2
    return 1
  fi
}

run_eva() { # name files options: EVA from the driver's main
  local name=$1 files=$2 opts=$3 log=$out/$name.log t0
  t0=$(date +%s.%N)
  local -a f=() o=()
  for x in $files; do f+=("$src/$x"); done
  [ "$opts" = "-" ] || read -r -a o <<<"$opts"
  local st=0
  frama-c "${common[@]}" "${f[@]}" -eva -eva-no-show-progress "${o[@]}" >"$log" 2>&1 || st=$?
  local secs
  secs=$(elapsed "$t0")
  # The run-time error alarms, one a line: FILE | TEXT, the alarm's text with its continuation
  # lines joined (EVA prints it on the line after its location, and a long one over several
  # lines): every [eva:alarm] but the status of an ACSL property (the firmware's own
  # contracts are WP's: the wp rows prove them at every call). A C library call's
  # precondition EVA could not check (mem*, str*: memcpy's valid_dest, memset's valid_s)
  # counts too, as FILE | function F: precondition 'P' got status unknown.
  # The run-time error alarms read one by one must be as many as EVA's own count ("N alarms
  # generated by the analysis"): a reader that missed one fails the row.
  local raw
  rm -f "$out/$name.alarms.raw"
  raw=$(awk -v list="$out/$name.alarms.raw" '
    function put(loc, text,   lib) {
      lib = text ~ /^function (mem|str)[a-z]*: precondition .*got status (unknown|invalid)\.$/
      if (!lib && text ~ /got status (unknown|invalid)\.$/) return
      if (!lib) n++
      sub(/:[0-9]+:$/, "", loc); sub(/.*\//, "", loc); print loc " | " text > list
    }
    function flush() { if (pending != "") put(pending, acc); pending = ""; acc = "" }
    pending != "" && /^[ \t]/ { t = $0; sub(/^[ \t]+/, "", t); acc = acc == "" ? t : acc " " t; next }
    { flush() }
    /^\[eva:alarm\] / { pending = $2; acc = $0; sub(/^\[eva:alarm\] [^ ]+ Warning: */, "", acc) }
    END { flush(); print n + 0 }' "$log")
  touch "$out/$name.alarms.raw"
  sort -u "$out/$name.alarms.raw" >"$out/$name.alarms"
  rm -f "$out/$name.alarms.raw"
  local eva_n
  eva_n=$(sed -n 's/^ *\([0-9][0-9]*\) alarms\{0,1\} generated by the analysis.*/\1/p' "$log" | tail -n 1)
  local total unexplained=0 ok=1 why=""
  total=$(wc -l <"$out/$name.alarms")
  if [ "$st" -ne 0 ]; then ok=0; why="frama-c exited with $st"; fi
  grep -q "Analyzing a complete application" "$log" || { ok=0; why="${why:+$why; }EVA did not run"; }
  if [ -z "$eva_n" ] || [ "$eva_n" -ne "$raw" ]; then
    ok=0; why="${why:+$why; }EVA counts ${eva_n:-no} alarms, the reader read $raw"
  fi
  if grep -qE "status invalid|NON TERMINATING|non-terminating" "$log"; then ok=0; why="${why:+$why; }an invalid property or a call that never returns"; fi
  while IFS= read -r a; do
    if ! awk -v part="$name" -v a="$a" 'BEGIN { FS = " [|] " } /^[ \t]*(#|$)/ { next }
           $1 == part && ($2 " | " $3) == a { found = 1 } END { exit !found }' "$explained"; then
      unexplained=$((unexplained + 1))
      printf 'ALARM\t%s\t%s (not in formal/frama/eva-explained.txt)\n' "$name" "$a" >&2
    fi
  done <"$out/$name.alarms"
  [ "$unexplained" -eq 0 ] || { ok=0; why="${why:+$why; }$unexplained unexplained alarms"; }
  printf 'ROW\t%s\t%s\t%s\t%s\t%s\n' "$name" "-" "-" "$unexplained" "$secs"
  printf 'PROVERS\t%s\teva: %s alarms, %s explained by proved WP goals\n' "$name" "$total" "$((total - unexplained))"
  if [ $ok -eq 0 ]; then
    echo "FAIL $name: $why (log: $log)" >&2
    return 1
  fi
}

# An explained alarm is backed by WP: every goal of its entry (the goal and its _partN
# splits) was proved in this run's log of the WP part it names.
check_explained() { # the eva parts run
  local bad=0 part file alarm wpart goal
  while IFS='|' read -r part file alarm wpart goal; do
    local ran=0
    for n in "$@"; do [ "$n" = "$part" ] && ran=1; done
    [ $ran -eq 1 ] || continue
    local log=$out/$wpart.log
    if [ ! -f "$log" ]; then
      echo "FAIL $part: explaining \"$file | $alarm\" needs part $wpart in the same run" >&2
      bad=1
      continue
    fi
    local n_all n_ok
    n_all=$(grep -cE "Goal ${goal}(_part[0-9]+)?( |$)" "$log" || true)
    n_ok=$(grep -cE "Goal ${goal}(_part[0-9]+)? : Valid" "$log" || true)
    if [ "$n_all" -eq 0 ] || [ "$n_all" -ne "$n_ok" ]; then
      echo "FAIL $part: \"$file | $alarm\" is explained by $wpart goal $goal, which is not proved" >&2
      bad=1
    fi
  done < <(awk 'BEGIN { FS = " [|] " } /^[ \t]*(#|$)/ { next }
    NF != 5 { printf "eva-explained.txt:%d: a row has 5 fields\n", FNR > "/dev/stderr"; exit 2 }
    { print $1 "|" $2 "|" $3 "|" $4 "|" $5 }' "$explained")
  return $bad
}

# No proof may rest on an assumption nobody proved: no ACSL axiom, no admit, in anything
# the parts read (docs/ASSURANCE.md: "Assumed" lists what is assumed instead, outside ACSL).
axioms=$(grep -rnE '(^|[^a-z_])(axiom|admit)([^a-z_]|$)' "$src/firmware" "$src/ports/limiter" \
  "$src/formal/frama" --include='*.c' --include='*.h' 2>/dev/null || true)
if [ -n "$axioms" ]; then
  echo "FAIL: ACSL axiom or admit in the proven sources:" >&2
  echo "$axioms" >&2
  fail=1
fi

# Parts run side by side, as many at a time as there are cores (Frama-C's simplifier is
# single-threaded); each prints into its own file, shown in the table's order.
pids=()
names=()
kinds=()
while IFS='|' read -r name kind files opts must; do
  if [ ${#parts[@]} -gt 0 ]; then
    want=0
    for p in "${parts[@]}"; do [ "$p" = "$name" ] && want=1; done
    [ $want -eq 1 ] || continue
  fi
  ran=$((ran + 1))
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  case "$kind" in
    wp) run_wp "$name" "$files" "$opts" "$must" >"$out/$name.row" 2>"$out/$name.err" & ;;
    eva) run_eva "$name" "$files" "$opts" >"$out/$name.row" 2>"$out/$name.err" & ;;
    *) echo "run.sh: $name: unknown kind $kind" >&2; fail=1; continue ;;
  esac
  pids+=($!)
  names+=("$name")
  kinds+=("$kind")
done < <(rows)
for i in "${!pids[@]}"; do
  wait "${pids[$i]}" || fail=1
  cat "$out/${names[$i]}.row"
  cat "$out/${names[$i]}.err" >&2
done
eva_ran=()
for i in "${!names[@]}"; do [ "${kinds[$i]}" = eva ] && eva_ran+=("${names[$i]}"); done
if [ ${#eva_ran[@]} -gt 0 ]; then check_explained "${eva_ran[@]}" || fail=1; fi

if [ ${#parts[@]} -gt 0 ] && [ "$ran" -ne ${#parts[@]} ]; then
  echo "run.sh: unknown part among: ${parts[*]}" >&2
  exit 2
fi
exit $fail
