#!/usr/bin/env python3
"""Worst-case stack of a Cortex-M image, from GCC's call graph.

Every object is compiled with -fstack-usage -fcallgraph-info=su, so next to each x.o GCC
writes x.ci: the functions it defined with their frame sizes, and the calls they make
(direct calls by name, indirect calls to a placeholder). This script:

  1. reads the .ci files of the objects linked into the image;
  2. takes the functions of the image that no .ci describes (the C library's memcpy, libgcc's
     64-bit division...) from the image's disassembly: the frame is every push, vpush,
     pre-decrementing store to sp and sub sp of the function added up (an upper bound), the
     calls are its bl/b.w to other functions;
  3. resolves indirect calls to every function whose address is taken in the objects
     (a relocation that is not a call: the nm_port_t callbacks, the protocol's key lookup),
     the vector table excepted; a handler table named with --dispatch (the op table,
     nmod/ops.h) is the exception: the functions whose address only that table takes are
     the targets of the indirect calls of its dispatchers alone (nm_cmd_exec, nm_dev_exec,
     nm_op_decode), and no other indirect call reaches them;
  4. walks the graph from the entry points: the reset handler (which runs main) and each
     interrupt handler (cm_isr_*). A cycle (recursion) has no bound and fails the check;
     so does a frame of dynamic size.

With --extra-roots-under DIR, every global function defined in a source under DIR that is
linked into the image but that nothing calls is treated as if main called it (a safety net
for an entry point reached some way the graph does not show).

Worst case = thread (reset handler, main and its deepest call) + the deepest device
interrupt + the exception frames: every device interrupt has the same priority, so they
never nest; a fault handler may still preempt one of them and is added as a third level.
An exception frame is 8 words plus one of alignment, 26 + 1 with the FPU's lazy context.
"""
import argparse
import glob
import os
import re
import subprocess
import sys

CALL_RELOCS = {"R_ARM_THM_CALL", "R_ARM_THM_JUMP24", "R_ARM_THM_JUMP19", "R_ARM_THM_JUMP11",
               "R_ARM_THM_JUMP8", "R_ARM_CALL", "R_ARM_JUMP24", "R_ARM_PC24", "R_ARM_NONE", "R_ARM_V4BX"}
# The firmware's op table (firmware/core/ops.c) and the functions that call through it.
OP_TABLE = ".rel.rodata.ops=nm_op_decode,nm_cmd_exec,nm_dev_exec"
FAULT_HANDLERS = {"cm_isr_hardfault", "cm_isr_memfault", "cm_isr_busfault", "cm_isr_usagefault", "cm_isr_nmi",
                  "cm_isr_default"}


class Graph:
    def __init__(self):
        self.frame = {}      # function key -> bytes
        self.dynamic = {}    # function key -> qualifier when not static
        self.calls = {}      # function key -> set of callee keys
        self.source = {}     # function key -> source file
        self.name_keys = {}  # bare name -> keys (statics may share a name)

    def add(self, key, name, frame, qual, src):
        self.frame[key] = frame
        if qual != "static":
            self.dynamic[key] = qual
        self.calls.setdefault(key, set())
        self.source[key] = src
        self.name_keys.setdefault(name, set()).add(key)


NODE_RE = re.compile(r'node: \{ title: "([^"]+)" label: "([^"]*)"')
EDGE_RE = re.compile(r'edge: \{ sourcename: "([^"]+)" targetname: "([^"]+)"')


def bare(title):
    return title.rsplit(":", 1)[-1] if ":" in title else title


def read_ci(paths, g):
    edges = []
    for path in paths:
        with open(path) as f:
            text = f.read()
        for title, label in NODE_RE.findall(text):
            parts = label.split("\\n")
            if len(parts) >= 3:
                m = re.match(r"(\d+) bytes \(([a-z,]+)\)", parts[2])
                if m:
                    src = parts[1].split(":")[0]
                    g.add(title, bare(title), int(m.group(1)), m.group(2), src)
        edges += EDGE_RE.findall(text)
    return edges


def elf_functions(tool_prefix, elf):
    out = subprocess.run([tool_prefix + "nm", "--defined-only", elf], capture_output=True, text=True,
                         check=True).stdout
    return {line.split()[2] for line in out.splitlines() if len(line.split()) == 3 and line.split()[1] in "Tt"}


def disassembly_frames(tool_prefix, elf, names):
    """Frame size (upper bound) and callees of each function in `names`, from objdump."""
    out = subprocess.run([tool_prefix + "objdump", "-d", "--no-show-raw-insn", elf], capture_output=True,
                         text=True, check=True).stdout
    frames, calls, cur = {}, {}, None
    for line in out.splitlines():
        m = re.match(r"^[0-9a-f]+ <([^>]+)>:$", line)
        if m:
            cur = m.group(1) if m.group(1) in names else None
            if cur:
                frames[cur], calls[cur] = 0, set()
            continue
        if not cur:
            continue
        ins = line.split("\t")
        if len(ins) < 2:
            continue
        op = ins[1].strip() if len(ins) > 1 else ""
        args = ins[2] if len(ins) > 2 else ""
        regs = lambda s: len(re.findall(r"\b(?:r\d+|lr|ip|fp|sl|sb)\b", s))
        if op.startswith("push"):
            frames[cur] += 4 * regs(args)
        elif op.startswith("stmdb") and args.startswith("sp!"):
            frames[cur] += 4 * regs(args.split(",", 1)[1])
        elif op.startswith("vpush"):
            d = re.findall(r"d(\d+)(?:-d(\d+))?", args)
            s_ = re.findall(r"s(\d+)(?:-s(\d+))?", args)
            frames[cur] += sum(8 * (int(b or a) - int(a) + 1) for a, b in d)
            frames[cur] += sum(4 * (int(b or a) - int(a) + 1) for a, b in s_)
        elif re.search(r"\[sp, #-(\d+)\]!", args):
            frames[cur] += int(re.search(r"\[sp, #-(\d+)\]!", args).group(1))
        elif op.startswith("sub") and re.match(r"sp, (sp, )?#", args):
            frames[cur] += int(re.search(r"#(\d+)", args).group(1))
        elif op.startswith("sub") and args.startswith("sp,"):
            frames[cur] = None  # sub sp, rN: a dynamic frame
            break
        elif op in ("bl", "b.w", "b", "blx") or op.startswith("b."):
            m2 = re.search(r"<([^>+]+)>", args)
            if m2 and m2.group(1) != cur:
                calls[cur].add(m2.group(1))
    return frames, calls


def address_taken(tool_prefix, objs):
    """Functions whose address is taken in objs: targets of relocations that are not calls,
    outside debug information, unwind tables and the vector table. Returns {function: set
    of the relocation sections that take it}."""
    taken = {}
    for obj in objs:
        out = subprocess.run([tool_prefix + "readelf", "-rW", obj], capture_output=True, text=True,
                             check=True).stdout
        section = ""
        for line in out.splitlines():
            m = re.match(r"Relocation section '([^']+)'", line)
            if m:
                section = m.group(1)
                continue
            if section.startswith((".rel.debug", ".rela.debug", ".rel.ARM.exidx", ".rel.vectors")) or \
                    "cm_vectors" in section:
                continue
            f = line.split()
            if len(f) >= 5 and f[2].startswith("R_ARM") and f[2] not in CALL_RELOCS:
                sym = f[4]
                if sym.startswith(".text."):
                    if section.endswith(sym):
                        continue  # a function's own section: a jump table, not its address
                    sym = sym[len(".text."):]
                if sym.startswith((".", "$")):
                    continue
                taken.setdefault(sym, set()).add(section)
    return taken


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--elf", required=True)
    ap.add_argument("--objs", nargs="+", required=True, help="the objects linked into the image")
    ap.add_argument("--prefix", default="arm-none-eabi-")
    ap.add_argument("--fpu", action="store_true", help="exception frames carry the FPU context")
    ap.add_argument("--extra-roots-under", default=None)
    ap.add_argument("--limit", type=int, default=None, help="fail when the worst case is above this")
    ap.add_argument("--dispatch", action="append", default=[OP_TABLE], metavar="SECTION=CALLER,...",
                    help="a handler table: functions whose address only relocation section SECTION "
                         "takes are called indirectly by the CALLERs only")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()

    g = Graph()
    cis = [os.path.splitext(o)[0] + ".ci" for o in a.objs]
    missing = [c for c in cis if not os.path.exists(c)]
    if missing:
        print(f"stack: no call graph for {missing[0]} (compile with -fcallgraph-info=su)", file=sys.stderr)
        return 2
    edges = read_ci(cis, g)
    linked = elf_functions(a.prefix, a.elf)

    def resolve(title):
        if title in g.frame:
            return title
        keys = g.name_keys.get(bare(title))
        return sorted(keys)[0] if keys else bare(title)

    for src, dst in edges:
        g.calls.setdefault(resolve(src), set()).add(resolve(dst))

    # Functions of the image no .ci describes: from the disassembly, with their own callees.
    unknown = set()
    for callees in list(g.calls.values()):
        unknown |= {c for c in callees if c not in g.frame and c != "__indirect_call"}
    seen = set()
    while unknown - seen:
        todo = unknown - seen
        seen |= todo
        frames, calls = disassembly_frames(a.prefix, a.elf, todo & linked)
        for name in todo:
            if name not in frames:
                continue
            if frames[name] is None:
                g.add(name, name, 0, "dynamic", "(library)")
            else:
                g.add(name, name, frames[name], "static", "(library)")
            g.calls[name] = set(calls[name])
            unknown |= {c for c in calls[name] if c not in g.frame}

    taken_in = {}
    for t, sections in address_taken(a.prefix, a.objs).items():
        taken_in.setdefault(resolve(t), set()).update(sections)
    taken_in = {t: s for t, s in taken_in.items()
                if t in g.frame and bare(t) in linked and not bare(t).startswith("cm_isr_")}
    # Handler tables: their functions are reached only from their dispatchers.
    tables = {}
    for d in a.dispatch:
        section, _, callers = d.partition("=")
        tables[section] = {c for c in callers.split(",") if c}
    table_of = {t: next(iter(s)) for t, s in taken_in.items() if len(s) == 1 and next(iter(s)) in tables}
    general = sorted(t for t in taken_in if t not in table_of)
    taken = set(taken_in)

    def indirect_targets(caller):
        own = [t for t, sec in table_of.items() if bare(caller) in tables[sec]]
        return general + sorted(own)

    memo = {}

    def worst(fn, path):
        """(bytes, call chain) of the deepest path from fn."""
        if fn in path:
            raise RecursionError(" -> ".join(bare(p) for p in path + [fn]))
        if fn in memo:
            return memo[fn]
        if fn not in g.frame:
            if bare(fn) in linked:
                raise LookupError(f"no stack size for {bare(fn)} (called by {bare(path[-1]) if path else '?'})")
            memo[fn] = (0, [])  # not in the image (an inline builtin, or gc'd)
            return memo[fn]
        if fn in g.dynamic and "bounded" not in g.dynamic[fn]:
            raise ValueError(f"{bare(fn)} has a frame of unbounded dynamic size")
        best, chain = 0, []
        for callee in g.calls.get(fn, ()):
            targets = indirect_targets(fn) if callee == "__indirect_call" else [callee]
            for t in targets:
                b, c = worst(t, path + [fn])
                if b > best:
                    best, chain = b, c
        memo[fn] = (g.frame[fn] + best, [fn] + chain)
        return memo[fn]

    def show(chain):
        return " > ".join(f"{bare(f)}({g.frame.get(f, 0)})" for f in chain)

    frame_words = (26 + 1) if a.fpu else (8 + 1)
    exc = 4 * frame_words
    try:
        reset = resolve("cm_isr_reset")
        thread, tchain = worst(reset, [])
        extra = []
        if a.extra_roots_under:
            under = os.path.abspath(a.extra_roots_under)
            called = set()
            for fn in g.calls:
                called |= g.calls[fn]
            for key in g.frame:
                if ":" in key or key in called or key not in linked:
                    continue
                if os.path.abspath(g.source[key]).startswith(under + os.sep):
                    extra.append(key)
            main_fn = resolve("main")
            base = g.frame[reset] + g.frame.get(main_fn, 0)
            for r in extra:
                b, c = worst(r, [])
                if base + b > thread:
                    thread, tchain = base + b, [reset, main_fn] + c
        isrs = sorted(k for k in g.frame if bare(k).startswith("cm_isr_") and bare(k) != "cm_isr_reset"
                      and bare(k) in linked)
        dev_isr, dchain, fault, fchain = 0, [], 0, []
        for k in isrs:
            b, c = worst(k, [])
            if bare(k) in FAULT_HANDLERS:
                if b > fault:
                    fault, fchain = b, c
            elif b > dev_isr:
                dev_isr, dchain = b, c
    except (RecursionError, LookupError, ValueError) as e:
        print(f"stack: no bound: {e}", file=sys.stderr)
        return 1

    total = thread + dev_isr + exc + fault + exc
    print(f"worst_case={total}")
    print(f"thread={thread}: {show(tchain)}")
    print(f"interrupt={dev_isr}+{exc}: {show(dchain)}")
    print(f"fault={fault}+{exc}: {show(fchain)}")
    if a.verbose:
        print(f"indirect call targets: {', '.join(sorted(bare(t) for t in taken))}")
        print(f"entry points called as if from main: {len(extra) if a.extra_roots_under else 0}")
    if a.limit is not None and total > a.limit:
        print(f"stack: worst case {total} bytes is over the {a.limit} reserved", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
