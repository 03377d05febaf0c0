#!/bin/sh
# test_mutate.sh MUTATE_SH: mutate.sh makes exact replacements, and fails (so the build
# fails) when a row's text is not found exactly once or a row is malformed.
set -u
m=$1
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
mkdir -p "$t/src/d"
printf 'x = 1;\nx = 1;\ny = (2);\nz = a | b;\n' > "$t/src/d/a.c"
printf 'keep\n' > "$t/src/d/b.h"
fail=0
check() { # description, expected status (0 or 1), command...
  what=$1 want=$2
  shift 2
  if "$@" > "$t/log" 2>&1; then got=0; else got=1; fi
  if [ "$got" -ne "$want" ]; then echo "FAIL: $what (status $got, wanted $want):"; cat "$t/log"; fail=1; else echo "ok: $what"; fi
}
tab=$t/table.txt
{
  echo '# comment'
  echo ''
  echo 'once | property | d/a.c | y = (2); | y = (3);'
  echo 'twice | property | d/a.c | x = 1; | x = 2;'
  echo 'absent | property | d/a.c | w = 0; | w = 1;'
  echo 'regex | property | d/a.c | y = .2.; | y = 4;'
} > "$tab"
check "a well-formed table lists" 0 sh "$m" --list "$tab"
check "text found once: applied" 0 sh "$m" --apply "$tab" once "$t/src" "$t/out"
check "the change is made" 0 grep -qx 'y = (3);' "$t/out/d/a.c"
check "and nothing else changes" 0 sh -c "[ \$(diff '$t/src/d/a.c' '$t/out/d/a.c' | grep -c '^[<>]') -eq 2 ]"
check "the folder comes along" 0 cmp -s "$t/src/d/b.h" "$t/out/d/b.h"
check "text found twice: fails" 1 sh "$m" --apply "$tab" twice "$t/src" "$t/out2"
check "text not found: fails" 1 sh "$m" --apply "$tab" absent "$t/src" "$t/out3"
check "the match is exact, not a pattern" 1 sh "$m" --apply "$tab" regex "$t/src" "$t/out4"
check "an unknown mutant fails" 1 sh "$m" --apply "$tab" nosuch "$t/src" "$t/out5"
echo 'short | property | d/a.c | x = 1;' >> "$tab"
check "a row without 5 fields fails the table" 1 sh "$m" --list "$tab"
printf 'dup | property | d/a.c | y = (2); | y = 5;\ndup | property | d/a.c | y = (2); | y = 6;\n' > "$tab"
check "a name used twice fails the table" 1 sh "$m" --list "$tab"
exit $fail
