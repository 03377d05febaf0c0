#!/usr/bin/env python3
"""host_prints.py: no host library function prints or exits (docs/DESIGN.md, "Libraries and
renderers").

Scans C files (default: host/**/*.c, and the inline functions of host/**/*.h, under the source
root) and finds each function that writes to the terminal (printf, vprintf, puts, putchar,
perror, err/warn, or fputs/fprintf/vfprintf/fputc/putc/fwrite with stdout, stderr or
clinic_stdout() as the stream) or ends the process (exit, _exit, _Exit, abort, quick_exit).
A function that calls such a function (by name, in the scanned files) prints too, so a library
call cannot hide a print behind a helper.

A function that prints is allowed only if it is
  - an entry: main, or a command entry (cmd_*, clinic_cmd_*, console_main, ...: ENTRY and
    ENTRY_NAMES below), which only parses, calls the library and renders its result or error;
  - a renderer: its name ends in one of RENDERER_SUFFIXES; it writes a result it is given to a
    caller-given FILE * (or stdout) and computes nothing;
  - listed in ALLOW (its callers print too) or UNCOUNTED (its callers do not), with a reason.
Anything else is reported as FILE:LINE FUNCTION (and what it calls that prints); exit 1. In
host/clinic a function writes its output through clinic_stdout() and its errors through
clinic_report, never stdout or stderr itself (CAPTURED).

Usage: host_prints.py [--root DIR] [FILE.c ...]   (no FILE: host/**/*.[ch], with the pending list)
       host_prints.py --self-test                 (the check finds the prints of
                                                   host_prints_fixture.c)
Calls through function pointers are not followed: a command table's entries are entries.
"""
import os
import re
import sys

# Renderers: a result to a FILE * (text, JSON, HTML, SVG, CSV, help texts).
RENDERER_SUFFIXES = ("_text", "_json", "_render", "_html", "_print", "_svg", "_csv", "_help")

# Entries: main, and the functions a command table or main dispatches to.
ENTRY = re.compile(r"^(main|cmd_\w+|clinic_cmd_\w+|clinic_main|console_main|console_usercli_main|devcli_main)$")

# Justified exceptions, each with its reason. A caller of one of these prints too, so it must be
# an entry or a renderer itself.
ALLOW = {
    "clinic_report": "the clinic's one error renderer: an error value to a line on stderr (or into clinic_capture's error)",
    "clinic_fail": "clinic_report of an error made at a command's entry (a usage line)",
    "clinic_args_parse": "the clinic's command-line parser, for entries: a usage error through clinic_report",
    "clinic_args_done": "the same, for what is left on the command line",
    "clinic_date_arg": "a date option of a command line, for entries: a usage error through clinic_report",
    "console_args_done": "nmod console's command-line check, for its entries: a usage line on stderr",
    "console_db_path": "nmod console's --db option, for its entries: a usage line on stderr",
    "cli_error": "the CLI's one error renderer: a command's failure to a line on stderr",
    "cli_args": "the CLI's command-line parser, for entries: --help on stdout, a usage line on stderr",
}

# Neither these nor their callers count as printing, each for its reason.
UNCOUNTED = {
    # The server's log: `nmod console` writes one line per event to stderr (the journal keeps it);
    # a channel of its own, not a result.
    "console_log": "the console's log line (stderr, kept by systemd's journal)",
    "vlog": "console_log's formatter",
    # Out of memory in a builder that returns no error: abort, silently (clinic_util.h says why).
    "clinic_buf_add": "aborts, without a word, when out of memory (clinic_util.h)",
    "clinic_buf_printf": "the same",
    # The console runs a command as a call: c.json = 1, its output into the caller's FILE * and its
    # error into the caller's clinic_err (clinic_capture), so nothing reaches the terminal. That
    # holds because the commands write through clinic_stdout() and report through clinic_report,
    # which the check below holds them to (CAPTURED, with its exceptions).
    "clinic_call": "runs a command with its output and error captured as values (clinic_capture)",
}

# In these folders a function writes its output through clinic_stdout(), never stdout itself,
# and its errors through clinic_report, never stderr itself, so that clinic_call captures both;
# the exceptions are never reached through clinic_call (or are the capture itself).
CAPTURED = ("host/clinic/",)
CAPTURED_EXCEPT = {
    "cmd_clinic": "`nmod clinic` itself: its usage, help texts and the open's notes, before any command runs",
    "clinic_stdout": "the stream itself: stdout, or the one clinic_capture gave",
    "clinic_report": "the error's line on stderr, or into clinic_capture's error",
    "cmd_diary_import": "the bad rows of a diary import before its error: the console runs no import",
    "clinic_cmd_export": "its 'written to' note on stderr in text mode, which clinic_call (JSON) never runs",
}

# Entries by name besides the pattern above.
ENTRY_NAMES = {
    "console_serve": "the server's run loop, the body of `nmod console` (it says where it listens)",
}

# Not converted yet (host_prints_pending.txt): reported only if they stop printing.
PENDING_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "host_prints_pending.txt")

DIRECT_ANY = {"printf", "vprintf", "puts", "putchar", "perror", "exit", "_exit", "_Exit", "abort", "quick_exit",
              "err", "errx", "warn", "warnx", "verr", "verrx"}
DIRECT_STREAM = {"fputs", "fprintf", "vfprintf", "fputc", "putc", "fwrite", "fputws", "fwprintf"}
STDOUT_ANY = {"printf", "vprintf", "puts", "putchar"}
TERMINAL = re.compile(r"\b(stdout|stderr|clinic_stdout\s*\(\s*\))")
KEYWORDS = {"if", "for", "while", "switch", "return", "sizeof", "do", "else", "case", "_Generic", "defined",
            "__attribute__", "_Alignof", "alignof", "offsetof", "va_arg"}


def strip(src):
    """src with comments, string and character literals blanked (newlines kept for line numbers)
    and preprocessor lines removed."""
    out = []
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if c == "/" and src.startswith("/*", i):
            j = src.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("".join(ch if ch == "\n" else " " for ch in src[i:j]))
            i = j
        elif c == "/" and src.startswith("//", i):
            j = src.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and src[j] != c:
                j += 2 if src[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(c + " " * max(0, j - i - 2) + c)
            i = j
        else:
            out.append(c)
            i += 1
    text = "".join(out)
    # Preprocessor lines (with their continuations) are not code here.
    lines = text.split("\n")
    k = 0
    while k < len(lines):
        if lines[k].lstrip().startswith("#"):
            while lines[k].endswith("\\") and k + 1 < len(lines):
                lines[k] = ""
                k += 1
            lines[k] = ""
        k += 1
    return "\n".join(lines)


FUNC_HEAD = re.compile(r"([A-Za-z_]\w*)\s*\(([^;{}]*)\)\s*(__attribute__\s*\(\(.*?\)\)\s*)*$", re.S)


def matching(text, pos, opener, closer):
    """The index of the closer that matches the opener at pos (len(text) when there is none)."""
    d = 0
    for j in range(pos, len(text)):
        if text[j] == opener:
            d += 1
        elif text[j] == closer:
            d -= 1
            if d == 0:
                return j
    return len(text)


def functions(path):
    """[(name, line, body, static)] of the function definitions in path."""
    with open(path, encoding="utf-8", errors="replace") as f:
        text = strip(f.read())
    found = []
    depth = 0
    start = 0  # where the current top-level declaration began
    i = 0
    while i < len(text):
        c = text[i]
        if depth == 0 and c in ";}":
            start = i + 1
        elif c == "{":
            if depth == 0:
                head = text[start:i]
                m = FUNC_HEAD.search(head.strip())
                is_func = (m is not None and "=" not in head and m.group(1) not in KEYWORDS
                           and not re.search(r"\b(struct|union|enum)\s*\w*\s*$", head.strip()))
                j = matching(text, i, "{", "}")
                if is_func:
                    name = m.group(1)
                    line = text.count("\n", 0, start + head.find(name, len(head) - len(head.lstrip()))) + 1
                    found.append((name, line, text[i:j + 1], bool(re.search(r"\bstatic\b", head)),
                                  text.count("\n", 0, i) + 1))
                i = j + 1
                start = i
                continue
            depth += 1
        elif c == "}":
            depth -= 1
        i += 1
    return found


CALL = re.compile(r"\b([A-Za-z_]\w*)\s*\(")


def call_args(body, pos):
    """The text of the argument list of the call whose '(' is at pos."""
    return body[pos + 1:matching(body, pos, "(", ")")]


def scan(files):
    """{(file, name): info} for every function, info = dict(line, direct [why], calls set, static)."""
    funcs = {}
    for path in files:
        for name, line, body, static, body_line in functions(path):
            direct, calls, to_stdout = [], set(), []
            for m in CALL.finditer(body):
                callee = m.group(1)
                where = body_line + body.count("\n", 0, m.start())
                if callee in DIRECT_ANY:
                    direct.append("%s at line %d" % (callee, where))
                    if callee in STDOUT_ANY:
                        to_stdout.append("%s at line %d" % (callee, where))
                elif callee in DIRECT_STREAM:
                    args = call_args(body, m.end() - 1)
                    if TERMINAL.search(args):
                        direct.append("%s to the terminal at line %d" % (callee, where))
                    if re.search(r"\bstdout\b", args):
                        to_stdout.append("%s to stdout at line %d" % (callee, where))
                    if re.search(r"\bstderr\b", args):
                        to_stdout.append("%s to stderr at line %d" % (callee, where))
                elif callee == "clinic_stdout" and name != "clinic_stdout":
                    direct.append("clinic_stdout at line %d" % where)
                elif callee not in KEYWORDS and callee != name:
                    calls.add(callee)
            # Passing stdout or stderr itself to another function (a renderer) is writing to it too.
            for m in re.finditer(r"\b(stdout|stderr)\b", body):
                where = body_line + body.count("\n", 0, m.start())
                if not any(x.endswith("line %d" % where) for x in to_stdout):
                    to_stdout.append("%s at line %d" % (m.group(1), where))
            funcs[(path, name)] = {"line": line, "direct": direct, "calls": calls, "static": static, "stdout": to_stdout}
    return funcs


def allowed(name):
    return (bool(ENTRY.match(name)) or name in ENTRY_NAMES or name.endswith(RENDERER_SUFFIXES) or name in ALLOW
            or name in UNCOUNTED)


def load_pending(path):
    """{(file, function)} of the pending list (lines `FILE FUNCTION`, # comments)."""
    out = set()
    if path and os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.split("#", 1)[0].split()
                if len(line) == 2:
                    out.add((line[0], line[1]))
    return out


def check(files, root, pending=frozenset()):
    funcs = scan(files)
    # Resolve a callee: a static function of the same file first, else the external one.
    external = {}
    for (path, name), info in funcs.items():
        if not info["static"]:
            external.setdefault(name, (path, name))

    def resolve(path, callee):
        if (path, callee) in funcs:
            return (path, callee)
        return external.get(callee)

    # prints[key] = why (the first direct print, or the callee that prints), by fixed point.
    prints = {k: v["direct"][0] for k, v in funcs.items() if v["direct"] and k[1] not in UNCOUNTED}
    changed = True
    while changed:
        changed = False
        for key, info in funcs.items():
            if key in prints:
                continue
            for callee in sorted(info["calls"]):
                target = resolve(key[0], callee)
                if target and target in prints and callee not in UNCOUNTED:
                    prints[key] = "calls %s, which prints or exits" % callee
                    changed = True
                    break
    bad, seen = [], set()
    for (path, name), why in prints.items():
        rel = os.path.relpath(path, root) if root else path
        seen.add((rel, name))
        if allowed(name) and (rel, name) in pending:
            bad.append("%s %s: listed in host_prints_pending.txt but an entry, a renderer or an exception now: "
                       "remove the line" % (rel, name))
        if allowed(name) or (rel, name) in pending:
            continue
        bad.append("%s:%d %s (%s)" % (rel, funcs[(path, name)]["line"], name, why))
    # Output that clinic_call could not capture.
    for (path, name), info in funcs.items():
        rel = os.path.relpath(path, root) if root else path
        if rel.startswith(CAPTURED) and name not in CAPTURED_EXCEPT and info["stdout"]:
            bad.append("%s:%d %s (%s: write through clinic_stdout() and clinic_report, which clinic_call captures)"
                       % (rel, info["line"], name, info["stdout"][0]))
    for rel, name in sorted(pending - seen):
        bad.append("%s %s: listed in host_prints_pending.txt but no longer prints or exits: remove the line"
                   % (rel, name))
    return sorted(bad)


def self_test():
    """The check on host_prints_fixture.c must report exactly the functions marked EXPECT."""
    fixture = os.path.join(os.path.dirname(os.path.abspath(__file__)), "host_prints_fixture.c")
    with open(fixture, encoding="utf-8") as f:
        want = sorted(re.findall(r"EXPECT=(\w+)", f.read()))
    got = sorted(re.match(r"\S+:\d+ (\w+)", line).group(1) for line in check([fixture], None))
    for line in check([fixture], None):
        print(line)
    if got != want:
        print("host_prints self-test: expected %s, got %s" % (want, got), file=sys.stderr)
        return 1
    # A pending entry that no longer prints is reported too.
    stale = check([fixture], None, {(fixture, "lib_sum_pure")})
    if not any("no longer prints" in line for line in stale):
        print("host_prints self-test: a stale pending entry was not reported", file=sys.stderr)
        return 1
    # In host/clinic even a renderer or an entry writes through clinic_stdout() and clinic_report:
    # there the fixture's printf (result_text) and its writes to stderr are reported, all but
    # clinic_report's own.
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        os.makedirs(os.path.join(tmp, "host", "clinic"))
        copy = os.path.join(tmp, "host", "clinic", "fixture.c")
        with open(fixture, encoding="utf-8") as f, open(copy, "w", encoding="utf-8") as g:
            g.write(f.read())
        captured = [line for line in check([copy], tmp) if "clinic_stdout()" in line]
        names = sorted(re.match(r"\S+:\d+ (\w+)", line).group(1) for line in captured)
        want_captured = ["cmd_fixture", "console_log", "lib_load", "result_text"]
        if names != want_captured:
            print("host_prints self-test: the clinic_stdout rule found %s, expected %s" % (names, want_captured),
                  file=sys.stderr)
            return 1
    print("host_prints self-test: %d of %d functions of the fixture reported, as expected" % (len(got), len(want)))
    return 0


def main(argv):
    root = None
    files = []
    args = argv[1:]
    while args:
        a = args.pop(0)
        if a == "--root":
            root = args.pop(0)
        elif a == "--self-test":
            return self_test()
        else:
            files.append(a)
    pending = set()
    if not files:
        root = root or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
        root = os.path.normpath(root)
        for d, _, names in os.walk(os.path.join(root, "host")):
            files += [os.path.join(d, x) for x in sorted(names) if x.endswith((".c", ".h"))]
        files.sort()
        pending = load_pending(PENDING_FILE)
    bad = check(files, root, pending)
    for line in bad:
        print(line)
    if bad:
        print("host_prints: %d host function(s) print or exit but are neither a renderer nor an entry "
              "(docs/DESIGN.md, \"Libraries and renderers\")" % len(bad), file=sys.stderr)
        return 1
    print("host_prints: %d files, no library function prints or exits (%d not yet converted, listed in "
          "host_prints_pending.txt)" % (len(files), len(pending)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
