#!/usr/bin/env python3
"""Flash, RAM and worst-case stack of the implant image, against the budgets.

  flash  = code and constants (.text, .ARM.exidx) + the initial values of .data
  RAM    = .data + .bss + the stack reserved in mem_implant.ld (CM_STACK_SIZE)
  stack  = the worst case from tools/stack.py, which must fit the reserved stack

The output-stage model's state (.asic: on a device, the stimulator ASIC's memory) and the
emulated external flash (.extflash) are shown but are not the MCU's memory. Exit status 1
when a budget is crossed (the linker refuses most overflows already; this also catches a
stack that outgrows its reserve).
"""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
RAM_BASE = 0x20000000


def sections(prefix, elf):
    out = subprocess.run([prefix + "size", "-A", elf], capture_output=True, text=True, check=True).stdout
    s = {}
    for line in out.splitlines()[2:]:
        f = line.split()
        if len(f) == 3 and f[1].isdigit():
            s[f[0]] = (int(f[1]), int(f[2]))
    return s


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--elf", required=True)
    ap.add_argument("--objs", nargs="+", required=True)
    ap.add_argument("--cpu", default="m3")
    ap.add_argument("--prefix", default="arm-none-eabi-")
    ap.add_argument("--flash-budget", type=int, default=65536)
    ap.add_argument("--ram-budget", type=int, default=16384)
    ap.add_argument("--firmware", required=True, help="firmware/ (its uncalled functions count as called)")
    ap.add_argument("--json", help="also write the figures here")
    a = ap.parse_args()

    s = sections(a.prefix, a.elf)
    get = lambda n: s.get(n, (0, 0))[0]
    flash = sum(size for name, (size, addr) in s.items() if size and addr < RAM_BASE and
                not name.startswith((".debug", ".comment", ".ARM.attributes"))) + get(".data")
    ram = get(".data") + get(".bss") + get(".stack")
    reserve = get(".stack")

    cmd = [sys.executable, os.path.join(HERE, "stack.py"), "--elf", a.elf, "--prefix", a.prefix,
           "--extra-roots-under", a.firmware, "--objs"] + a.objs
    if a.cpu == "m4":
        cmd.insert(2, "--fpu")
    st = subprocess.run(cmd, capture_output=True, text=True)
    if st.returncode != 0:
        sys.stderr.write(st.stdout + st.stderr)
        print("size: the worst-case stack has no bound")
        return 1
    lines = st.stdout.splitlines()
    stack = int(lines[0].split("=")[1])

    target = {"m3": "Cortex-M3, mps2-an385", "m4": "Cortex-M4F, mps2-an386"}.get(a.cpu, a.cpu)
    pct = lambda x, b: f"{100.0 * x / b:.0f}%"
    ok = flash <= a.flash_budget and ram <= a.ram_budget and stack <= reserve
    print(f"implant firmware ({target}): {a.elf}")
    print(f"  flash {flash:6d} of {a.flash_budget} bytes ({pct(flash, a.flash_budget)})  code and constants")
    print(f"  RAM   {ram:6d} of {a.ram_budget} bytes ({pct(ram, a.ram_budget)})  .data {get('.data')} + .bss "
          f"{get('.bss')} + stack reserve {reserve}")
    print(f"  stack {stack:6d} of the {reserve} reserved ({pct(stack, reserve)})  worst case: thread + interrupt "
          f"+ fault, with exception frames")
    for l in lines[1:]:
        print(f"        {l}")
    print(f"  not MCU memory: output-stage model (ASIC) {get('.asic')} bytes, external flash {get('.extflash')} bytes")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"target": target, "flash": flash, "flash_budget": a.flash_budget, "ram": ram,
                       "ram_budget": a.ram_budget, "data": get(".data"), "bss": get(".bss"), "stack_reserve": reserve,
                       "stack": stack, "stack_path": lines[1] if len(lines) > 1 else ""}, f, indent=1)
    if not ok:
        over = []
        if flash > a.flash_budget:
            over.append("flash")
        if ram > a.ram_budget:
            over.append("RAM")
        if stack > reserve:
            over.append("stack")
        print(f"FAIL: over budget: {', '.join(over)}")
        return 1
    print(f"ok   [{a.cpu}] size: within the budgets")
    return 0


if __name__ == "__main__":
    sys.exit(main())
