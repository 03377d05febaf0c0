#!/usr/bin/env python3
"""Compare the STEP lines of a scenario run with the expectations.

Usage: check_scenario.py EXPECT LOG [LABEL]

EXPECT holds the STEP lines the scenario must print, in order ('#' lines and blank lines
are comments). LOG is the console output of scenario.elf; its '#' lines (times, costs) are
ignored. Exit status 0 when every STEP line matches exactly, else 1 with a diff.
"""
import difflib
import sys


def steps(lines):
    return [l.rstrip("\n") for l in lines if l.startswith("STEP ")]


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    label = sys.argv[3] if len(sys.argv) > 3 else ""
    with open(sys.argv[1]) as f:
        want = [l.rstrip("\n") for l in f if l.strip() and not l.startswith("#")]
    with open(sys.argv[2]) as f:
        got = steps(f)
    tag = f"[{label}] " if label else ""
    if got == want:
        print(f"ok   {tag}scenario: {len(got)} steps as expected")
        return 0
    print(f"FAIL {tag}scenario: the output differs from {sys.argv[1]} (- expected, + got):")
    sys.stdout.writelines(l + "\n" for l in difflib.unified_diff(want, got, "expected", "got", lineterm="", n=2))
    return 1


if __name__ == "__main__":
    sys.exit(main())
