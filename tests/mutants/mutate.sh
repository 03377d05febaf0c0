#!/bin/sh
# mutate.sh: build inputs for mutants, copies of the sources with one exact textual change
# each, taken from a table (tests/mutants/mutants.txt).
#
#   mutate.sh --list TABLE                 check the table; print each row as name|check|file
#   mutate.sh --apply TABLE NAME SRC OUT   copy the folder of NAME's file from the source
#                                          tree SRC to OUT (same relative path), the file
#                                          with the change made
#
# A row is  name | check | file | from | to  , fields separated by " | " (so no field may
# contain " | "); blank lines and lines starting with '#' are ignored. `from` must occur in
# `file` exactly once: otherwise --apply fails, and with it the build, so a mutant can never
# silently stop mutating anything when the code changes under it.
set -eu

die() {
  echo "mutate.sh: $*" >&2
  exit 1
}

# The table's rows as name|check|file, after checking every row.
list() {
  awk '
    BEGIN { FS = " [|] "; bad = 0 }
    /^[ \t]*(#|$)/ { next }
    {
      where = FILENAME ":" FNR
      if (NF != 5) { printf "%s: a row has 5 fields (name | check | file | from | to), this one %d\n", where, NF > "/dev/stderr"; bad = 1; next }
      if ($1 !~ /^[a-z0-9][a-z0-9-]*$/) { printf "%s: name \"%s\" is not lower-case letters, digits and dashes\n", where, $1 > "/dev/stderr"; bad = 1 }
      if ($1 in seen) { printf "%s: mutant \"%s\" appears twice\n", where, $1 > "/dev/stderr"; bad = 1 }
      seen[$1] = 1
      if ($2 != "property" && $2 != "spin" && $2 !~ /^wp:[a-z0-9-]+:[A-Za-z0-9_,]+$/ && $2 !~ /^eva:[a-z0-9-]+$/ && $2 !~ /^tests\/[A-Za-z0-9_\/.-]+\.c$/) { printf "%s: check \"%s\" is neither \"property\", \"spin\", \"wp:PART:FUNCTIONS\", \"eva:PART\" nor a test source tests/....c\n", where, $2 > "/dev/stderr"; bad = 1 }
      if ($2 == "spin" && $3 !~ /\.pml$/) { printf "%s: a \"spin\" mutant changes a model (a .pml file), not %s\n", where, $3 > "/dev/stderr"; bad = 1 }
      if ($3 !~ /^[A-Za-z0-9_][A-Za-z0-9_\/.-]*$/ || $3 ~ /\.\./) { printf "%s: file \"%s\" is not a path inside the source tree\n", where, $3 > "/dev/stderr"; bad = 1 }
      if ($4 == "" || $4 == $5) { printf "%s: \"from\" is empty or the same as \"to\"\n", where > "/dev/stderr"; bad = 1 }
      print $1 "|" $2 "|" $3
    }
    END { exit bad }
  ' "$1"
}

apply() {
  table=$1 name=$2 src=$3 out=$4
  row=$(list "$table" | grep "^$name|") || die "$table: no mutant \"$name\""
  file=${row##*|}
  [ -f "$src/$file" ] || die "$table: mutant \"$name\": no file $file in $src"
  dir=$(dirname "$file")
  mkdir -p "$out/$dir"
  # The whole folder, so that the file's neighbours include the mutated one ("x.h").
  find "$src/$dir" -maxdepth 1 -type f -exec cp {} "$out/$dir/" \;
  awk -v name="$name" -v path="$src/$file" -v dest="$out/$file.tmp" '
    BEGIN { FS = " [|] " }
    /^[ \t]*(#|$)/ { next }
    $1 == name { from = $4; to = $5; found = 1 }
    END {
      if (!found) exit 1
      text = ""
      while ((getline line < path) > 0) text = text line "\n"
      n = 0; rest = text; at = 0
      while ((i = index(rest, from)) > 0) { n++; if (n == 1) at = length(text) - length(rest) + i; rest = substr(rest, i + length(from)) }
      if (n != 1) {
        printf "mutate.sh: mutant \"%s\": the text to replace occurs %d times in %s (must be exactly once): %s\n", name, n, path, from > "/dev/stderr"
        exit 1
      }
      printf "%s", substr(text, 1, at - 1) to substr(text, at + length(from)) > dest
    }
  ' "$table" || { rm -f "$out/$file.tmp"; exit 1; }
  mv "$out/$file.tmp" "$out/$file"
}

case "${1:-}" in
  --list) [ $# -eq 2 ] || die "usage: mutate.sh --list TABLE"; list "$2" ;;
  --apply) [ $# -eq 5 ] || die "usage: mutate.sh --apply TABLE NAME SRC OUT"; apply "$2" "$3" "$4" "$5" ;;
  *) die "usage: mutate.sh --list TABLE | --apply TABLE NAME SRC OUT" ;;
esac
