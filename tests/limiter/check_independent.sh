#!/bin/sh
# check_independent.sh OBJECTS SOURCE...: the output stage's limiter shares no function and
# no limit constant with the firmware's supervisor (docs/SAFETY.md, layer 3).
#   OBJECTS  the limiter's object files (';'-separated, as CMake lists them): none may refer
#            to any nm_ symbol, i.e. call any firmware function (nm_safety_*, nm_lead_*, ...)
#   SOURCE   its sources: they may include only the C library's <stdint.h>, <stddef.h> and
#            <string.h>, its own headers, and the firmware's structure headers nmod/pattern.h
#            and nmod/port.h; the only NM_ names they may use are structure sizes and the
#            port's trip codes, the only nm_ names the pattern's types. So no NM_DENSITY_,
#            NM_SHANNON_, NM_CASE_AREA_ or NM_LEAD_ constant, and no supervisor header.
# Prints one line per violation and exits 1, or prints "independence: ok" and exits 0.
set -u
objs=$1
shift
fail=0
bad() {
  echo "independence: FAIL $*"
  fail=1
}

old_ifs=$IFS
IFS=';'
set -f
for o in $objs; do
  IFS=$old_ifs
  [ -f "$o" ] || { bad "$o: no such object"; continue; }
  if [ -z "$(nm --defined-only "$o" 2>/dev/null)" ]; then
    bad "$o: nm lists no symbol defined in it (cannot check it)"
    continue
  fi
  for sym in $(nm -u "$o" | awk '{print $NF}' | grep -E '^_?nm_' | sort -u); do
    bad "$(basename "$o"): undefined reference to $sym (a firmware function)"
  done
done
IFS=$old_ifs
set +f

allowed_inc='<stdint.h> <stddef.h> <string.h> "olim.h" "nmod/pattern.h" "nmod/port.h"'
allowed_NM='NM_NODES NM_NODE_CASE NM_MAX_CONTACTS NM_MAX_RUNNING NM_PATTERN_MAX_SLOTS NMOD_OLIM_H
NM_OUT_TRIP_ NM_OUT_TRIP_NONE NM_OUT_TRIP_CHARGE NM_OUT_TRIP_BALANCE NM_OUT_TRIP_SHAPE'
allowed_nm='nm_pattern_t nm_chan_t nm_slot_t'
in_list() { # word list
  for w in $2; do [ "$w" = "$1" ] && return 0; done
  return 1
}
for src in "$@"; do
  [ -f "$src" ] || { bad "$src: no such source"; continue; }
  name=$(basename "$src")
  for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*\([<"][^>"]*[>"]\).*/\1/p' "$src"); do
    in_list "$inc" "$allowed_inc" || bad "$name: includes $inc"
  done
  for id in $(grep -oE '\bNM_[A-Za-z0-9_]*' "$src" | sort -u); do
    in_list "$id" "$allowed_NM" || bad "$name: uses $id"
  done
  for id in $(grep -oE '\bnm_[A-Za-z0-9_]*' "$src" | sort -u); do
    in_list "$id" "$allowed_nm" || bad "$name: uses $id"
  done
done

[ $fail -eq 0 ] && echo "independence: ok ($# sources, objects: $objs)"
exit $fail
