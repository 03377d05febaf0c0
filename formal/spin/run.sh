#!/usr/bin/env bash
# formal/spin/run.sh: check every SPIN model of the firmware (firmware/**/*.pml) with a
# complete search, and print one line per model:
#
#   ROW <TAB> module <TAB> goals <TAB> proved <TAB> alarms <TAB> seconds
#
# goals: the model's properties (its named assertions, PROP(P_name, ...), and its ltl
# formulas). proved: those checked by a search that was complete and found nothing (the
# safety search checks every assertion; a formula's search checks the formula and the
# assertions again). alarms: the properties found violated, and modelling errors (a step
# that blocks: an invalid end state); a search stops at its first violation.
# Exit status 0 only when every search was complete and found nothing.
#
# Each model gets one safety search (assertions, invalid end states) and one search per
# ltl formula (-a: acceptance cycles). Both are exhaustive: no bit-state hashing, no depth
# truncation (a search that reaches the depth limit, runs out of memory or out of time is
# incomplete, and fails). The two searches of a model run at once.
#
# Usage: formal/spin/run.sh [--findings] [MODEL.pml...]
#   MODEL.pml...  check these models only (default: every firmware/**/*.pml)
#   --findings    for each finding a model names (STRICT_Fn, docs/assurance/spin.md),
#                 check the property without its exception and print the shortest
#                 counterexample; fails when one no longer reproduces (the exception can go)
# Environment: SPIN_MEM_MB (memory per search, default 1024), SPIN_DEPTH (depth limit,
# default 200000), SPIN_TIMEOUT_S (per search, default 300), SPIN_CFLAGS (for the
# verifier, default -O0: these models compile slower at -O2 than they search at -O0),
# SPIN_KEEP=1 keeps the work folder (the verifiers, pan's reports, trails).
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
mem=${SPIN_MEM_MB:-1024}
depth=${SPIN_DEPTH:-200000}
tmo=${SPIN_TIMEOUT_S:-300}
cflags_opt=${SPIN_CFLAGS:--O0}

die() { echo "formal/spin/run.sh: $*" >&2; exit 2; }
command -v spin >/dev/null || die "spin is not installed (scripts/bootstrap.sh host installs it)"
command -v cc >/dev/null || die "no C compiler (cc)"
command -v timeout >/dev/null || die "no timeout (coreutils)"

findings=0
models=()
for a in "$@"; do
  case "$a" in
    --findings) findings=1 ;;
    -*) die "unknown option $a (use --findings, or model files)" ;;
    *) [ -f "$a" ] || die "no model file $a"; models+=("$(cd "$(dirname "$a")" && pwd)/$(basename "$a")") ;;
  esac
done
if [ ${#models[@]} -eq 0 ]; then
  while IFS= read -r f; do models+=("$f"); done < <(find "$root/firmware" -name '*.pml' | sort)
fi
[ ${#models[@]} -gt 0 ] || die "no models (*.pml) under firmware/"

work=$(mktemp -d "${TMPDIR:-/tmp}/nmod-spin.XXXXXX")
if [ "${SPIN_KEEP:-0}" = 1 ]; then echo "work folder: $work"; else trap 'rm -rf "$work"' EXIT; fi

# .../firmware/core/modes.pml -> spin/core/modes (a copy elsewhere: spin/modes)
module_of() {
  local p=${1%.pml}
  case "$p" in
    */firmware/*) echo "spin/${p##*/firmware/}" ;;
    *) echo "spin/$(basename "$p")" ;;
  esac
}
tag_of() { local t; t=$(module_of "$1"); t=${t#spin/}; echo "${t//\//-}"; }

props_of() { grep -o 'PROP(P_[A-Za-z0-9_]*' "$1" | sed 's/PROP(//' | sort -u || true; }
ltls_of() { sed -n 's/^ltl \([A-Za-z0-9_]*\).*/\1/p' "$1" | sort -u; }
count() { printf '%s\n' "$@" | grep -c . || true; }

# search DIR MODEL KIND [SPIN FLAGS...]: generate the verifier, compile it, run it.
#   KIND: safety (assertions, invalid end states), ltl:NAME (the formula, acceptance
#   cycles), bfs (breadth first: the shortest counterexample)
# Writes DIR/out (pan's report) and DIR/status: complete, incomplete: why, error: why.
search() {
  local dir=$1 model=$2 kind=$3
  shift 3
  mkdir -p "$dir"
  cp "$model" "$dir/model.pml"
  (
    cd "$dir"
    if ! spin "$@" -a model.pml > spin.log 2>&1; then
      echo "error: spin -a failed: $(grep -m1 -i error spin.log || head -n1 spin.log)" > status
      exit 0
    fi
    local cflags=($cflags_opt -w -DCOLLAPSE -DMEMLIM="$mem")
    local pflags=(-m"$depth" -c1)
    case "$kind" in
      safety) cflags+=(-DSAFETY -DNOCLAIM) ;;
      bfs) cflags+=(-DSAFETY -DNOCLAIM -DBFS) ;;
      ltl:*) pflags+=(-a -N "${kind#ltl:}") ;;
    esac
    if ! cc "${cflags[@]}" -o pan pan.c > cc.log 2>&1; then
      echo "error: the verifier does not compile: $(head -n1 cc.log)" > status
      exit 0
    fi
    local rc=0
    timeout "$tmo" ./pan "${pflags[@]}" > out 2>&1 || rc=$?
    if [ $rc -eq 124 ]; then
      echo "incomplete: over $tmo s (SPIN_TIMEOUT_S)" > status
    elif grep -q "max search depth too small" out; then
      echo "incomplete: max search depth too small (SPIN_DEPTH=$depth)" > status
    elif grep -qiE "out of memory|reached -DMEMLIM|memory limit" out; then
      echo "incomplete: out of memory (SPIN_MEM_MB=$mem)" > status
    elif ! grep -q "errors: " out; then
      echo "error: the search did not finish (exit $rc): $(tail -n1 out)" > status
    elif grep -q "errors: 0" out && grep -q "Search not completed" out; then
      echo "incomplete: search not completed" > status
    else
      echo complete > status
    fi
  )
}

clean() { [ "$(cat "$1/status" 2>/dev/null)" = complete ] && grep -q "errors: 0" "$1/out"; }

# The property a search found violated: its P_ name, invalid-end-state, or (any other
# error) the formula's name.
violated() { # violated DIR [LTL NAME]
  local out=$1/out
  [ -f "$out" ] || return 0
  sed -n 's/^pan:[0-9]*: assertion violated (\(P_[A-Za-z0-9_]*\)||.*/\1/p' "$out"
  if grep -q "^pan:[0-9]*: invalid end state" "$out"; then echo invalid-end-state; fi
  if grep -E "^pan:[0-9]+: " "$out" | grep -vE "assertion violated \(P_|invalid end state|wrote |elapsed|rate " |
    grep -q .; then
    echo "${2:-model-error}"
  fi
}

stats() {
  local out=$1/out sv st dp tm
  sv=$(sed -n 's/^State-vector \([0-9]*\) byte.*/\1/p' "$out" | head -n1)
  st=$(sed -n 's/^ *\([0-9.e+]*\) states, stored.*/\1/p' "$out" | head -n1)
  dp=$(sed -n 's/.*depth reached \([0-9]*\).*/\1/p' "$out" | head -n1)
  tm=$(sed -n 's/^pan: elapsed time \([0-9.e+]*\) seconds.*/\1/p' "$out" | head -n1)
  echo "state vector ${sv:-?} bytes, ${st:-?} states stored, depth ${dp:-?} (limit $depth), ${tm:-?} s"
}

run_model() { # run_model MODEL: its report on stdout, its ROW in $work/TAG.row
  local model=$1 mod tag dir t0
  mod=$(module_of "$model")
  tag=$(tag_of "$model")
  dir=$work/$tag
  t0=$(date +%s.%N)
  local props ltls l r
  props=$(props_of "$model")
  ltls=$(ltls_of "$model")
  search "$dir/safety" "$model" safety &
  for l in $ltls; do search "$dir/ltl-$l" "$model" "ltl:$l" & done
  wait
  local bad="" ok=1 any_clean=0 ltl_clean=0
  for r in safety $(for l in $ltls; do echo "ltl-$l"; done); do
    local s name=""
    s=$(cat "$dir/$r/status" 2>/dev/null || echo "error: no result")
    [ "$s" = complete ] || ok=0
    echo "$mod: $r search $s: $(stats "$dir/$r")"
    [ "${r#ltl-}" != "$r" ] && name=${r#ltl-}
    bad="$bad $(violated "$dir/$r" "$name" | tr '\n' ' ')"
    if clean "$dir/$r"; then
      any_clean=1
      [ -n "$name" ] && ltl_clean=$((ltl_clean + 1))
    fi
  done
  bad=$(printf '%s\n' $bad | sort -u | grep . || true)
  for r in $bad; do
    echo "$mod: VIOLATED $r (the trail: SPIN_KEEP=1 formal/spin/run.sh $model, then spin -t model.pml in its folder)"
  done
  local goals proved alarms secs
  goals=$(( $(count $props) + $(count $ltls) ))
  proved=$(( any_clean * $(count $props) + ltl_clean ))
  alarms=$(count $bad)
  secs=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  printf 'ROW\t%s\t%d\t%d\t%d\t%s\n' "$mod" "$goals" "$proved" "$alarms" "$secs" > "$work/$tag.row"
  if [ $ok -eq 0 ] || [ "$alarms" -gt 0 ] || [ "$proved" -ne "$goals" ]; then echo fail > "$work/$tag.fail"; fi
}

# A trail's printf lines with the model's names for its numbers (op=16 -> op=PROG_WRITE).
names() { # names MODEL < spin -t output
  awk -v model="$1" '
    BEGIN {
      while ((getline line < model) > 0) {
        if (split(line, w, /[ \t]+/) >= 3 && w[1] == "#define" && w[3] ~ /^[0-9]+$/) {
          n = w[2]; v = w[3]
          if (n ~ /^OP_/) op[v] = substr(n, 4)
          else if (n ~ /^MODE_/ && n != "MODE_COUNT") mode[v] = tolower(substr(n, 6))
          else if (n ~ /^ROLE_/) role[v] = tolower(substr(n, 6))
          else if (n ~ /^OPC_/) cls[v] = tolower(substr(n, 5))
          else if (n ~ /^S_/) st[v] = substr(n, 3)
          else if (n ~ /^FAULT_/) flt[v] = tolower(substr(n, 7))
        }
      }
    }
    /failed assertion/ { sub(/^spin: text of /, ""); print "    => " $0; next }
    { sub(/^      /, "") } # spin -t indents what a process prints
    /^ *(RESET|boot|request|wake|status|safe state|the settings|the events|lead check)/ {
      out = ""
      for (i = 1; i <= NF; i++) {
        f = $i; split(f, kv, "=")
        k = kv[1]; v = kv[2]; tail = ""
        if (v ~ /[:;,]$/) { tail = substr(v, length(v)); v = substr(v, 1, length(v) - 1) }
        if (k == "op" && v in op) f = k "=" op[v] tail
        else if ((k == "mode" || k == "before") && v in mode) f = k "=" mode[v] tail
        else if (k == "role" && v in role) f = k "=" role[v] tail
        else if (k == "class" && v in cls) f = k "=" cls[v] tail
        else if (k == "status" && v in st) f = k "=" st[v] tail
        else if (k == "fault" && v in flt) f = k "=" flt[v] tail
        out = out (i > 1 ? " " : "") f
      }
      match($0, /^ */)
      printf "    %s%s\n", substr($0, 1, RLENGTH), out
    }'
}

run_findings() { # run_findings MODEL: each STRICT_Fn must still give a counterexample
  local model=$1 mod tag f rc=0
  mod=$(module_of "$model")
  tag=$(tag_of "$model")
  for f in $(grep -o 'defined(STRICT_F[0-9]*)' "$model" | sed 's/defined(STRICT_\(F[0-9]*\))/\1/' | sort -u -V); do
    local dir=$work/$tag/find-$f
    search "$dir" "$model" bfs "-DSTRICT_$f"
    if grep -qE "errors: [1-9]" "$dir/out" 2>/dev/null; then
      echo "$mod: finding $f reproduces, $(violated "$dir" | tr '\n' ' ')($(stats "$dir")); the shortest trail:"
      (cd "$dir" && spin "-DSTRICT_$f" -t model.pml 2>/dev/null) | names "$model"
    else
      echo "$mod: finding $f does NOT reproduce ($(cat "$dir/status" 2>/dev/null)): drop its exception (EXC_$f) from $model"
      rc=1
    fi
  done
  return $rc
}

rc=0
if [ $findings -eq 1 ]; then
  for m in "${models[@]}"; do run_findings "$m" || rc=1; done
  exit $rc
fi
for m in "${models[@]}"; do
  run_model "$m"
  cat "$work/$(tag_of "$m").row"
  if [ -f "$work/$(tag_of "$m").fail" ]; then rc=1; fi
done
exit $rc
