#!/usr/bin/env python3
"""Turn the bench image's output (BENCH lines) and the implant's sizes into the Markdown
section of docs/PERFORMANCE.md.

Ticks are the board timer's (25 MHz, 40 ns); under QEMU's -icount shift=S every instruction
advances the virtual clock by 2^S ns, so ticks * 40 / 2^S is the number of instructions,
independent of the host. The core's figure is the clock spent in its wakes, less the
output-stage model's work done inside them (model_call_ticks: on a device, the stimulator
ASIC does it) and less the measurement's own cost (overhead_ticks per wake).
"""
import argparse
import json
import sys

# Datasheet run current used for the conversion to microamperes (ST, STM32L476xx datasheet,
# "Ultra-low-power with FlexPowerControl": run mode 100 uA/MHz with the LDO regulator,
# 39 uA/MHz with the SMPS at 3.3 V).
UA_PER_MHZ = 100.0
UA_PER_MHZ_SMPS = 39.0
TICK_NS = 40

NAMES = {
    "snm-default.json": "SNM 14 Hz, 210 us, 1.0 mA (snm-default)",
    "scs-tonic.json": "SCS tonic 50 Hz, 300 us, 4.0 mA, 2 s ramp (scs-tonic)",
    "scs-burst.json": "SCS burst 5 x 500 Hz at 40 Hz, 1000 us, 0.6 mA, cycling 30/90 s, 1 s ramp (scs-burst)",
    "scs-hf10k.json": "SCS high-frequency 10 kHz, 30 us, 2.0 mA (scs-hf10k)",
    "scs-closed-loop.json": "SCS closed loop 50 Hz, 300 us, target 50 uV, ceiling 9.0 mA, on the front-end model (scs-closed-loop)",
}


def parse_loop(path):
    with open(path) as f:
        for line in f:
            if line.startswith("BENCHLOOP "):
                return {k: int(v) for k, v in (kv.split("=", 1) for kv in line.split()[1:])}
    return None


def parse(path):
    rows = []
    with open(path) as f:
        for line in f:
            if not line.startswith("BENCH ") or line.strip() == "BENCH done":
                continue
            parts = line.split()
            row = {"file": parts[1]}
            for kv in parts[2:]:
                k, v = kv.split("=", 1)
                row[k] = int(v)
            if "error" in row:
                sys.exit(f"bench: {row['file']} failed with error {row['error']}")
            rows.append(row)
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--log", required=True)
    ap.add_argument("--size", required=True)
    ap.add_argument("--shift", type=int, required=True)
    ap.add_argument("--title", default="Cortex-M3 (QEMU mps2-an385)")
    a = ap.parse_args()
    rows = parse(a.log)
    with open(a.size) as f:
        size = json.load(f)
    insn = lambda ticks: ticks * TICK_NS / (1 << a.shift)

    out = []
    w = out.append
    w(f"## {a.title}\n")
    w("The firmware core cross-built with `arm-none-eabi-gcc -Os` and run on QEMU's `mps2-an385` board "
      "(`make -C ports/cortexm bench`; how it works: docs/CORTEXM.md). Instructions are counted "
      f"deterministically: QEMU runs with `-icount shift={a.shift},sleep=off`, so every instruction advances "
      f"the virtual clock by {1 << a.shift} ns, and the board's 25 MHz timer, read around every core call, "
      "gives the instructions executed whatever the host's speed. Each example program (written in C in "
      "`ports/cortexm/progs.c`, the same values as `examples/*.json`; the target has no JSON reader) runs on a "
      "fresh device, programmed and started through the command layer; the figures cover "
      f"{rows[0]['window_ms'] / 1000.0 if rows else 0:.0f} s of therapy after a 10 s warm-up (whole cycles of the "
      "burst program and whole housekeeping periods).\n")
    w("*Core* is `nm_core_wake` and all it calls (housekeeping, ramps, cycling, pattern builds, the port's "
      "clock and timer) with the board's interrupts masked; the output-stage model is left out (its frame "
      "interrupt, and its accounting inside the core's `out_load`/`out_status` calls): on a device the "
      "stimulator ASIC does that work.\n")
    w("| example | pulses/s | core wakes/s | pattern loads/s | **core instructions per therapy second** "
      "| per wake | output-stage model (not the core): frame interrupts/s, instructions/s |")
    w("|---|---:|---:|---:|---:|---:|---:|")
    core = {}
    for r in rows:
        s = r["window_ms"] / 1000.0
        ticks = r["wake_ticks"] - r["model_call_ticks"] - r["wakes"] * r["overhead_ticks"]
        per_s = insn(ticks) / s
        core[r["file"]] = per_s
        w(f"| {NAMES.get(r['file'], r['file'])} | {r['pulses'] / s:.0f} | {r['wakes'] / s:.2f} | "
          f"{r['loads'] / s:.2f} | **{per_s:.0f}** | {insn(ticks) / max(r['wakes'], 1):.0f} | "
          f"{r['frame_irqs'] / s:.0f}, {insn(r['isr_ticks']) / s:.0f} |")
    w("")
    hf, snm = core.get("scs-hf10k.json"), core.get("snm-default.json")
    if hf and snm:
        w(f"10 kHz therapy costs the core {hf:.0f} instructions per therapy second and 14 Hz therapy {snm:.0f} "
          f"(ratio {hf / snm:.2f}): the output stage repeats the pattern by itself, so the core's work follows "
          f"the events of the therapy (the housekeeping wake every {rows[0]['hk_ms'] / 1000.0:g} s, ramp steps, "
          "cycling edges), not the pulse rate.\n")
    worst = max(core.values()) if core else 0
    w(f"In current, at one cycle per instruction (flash wait states add to it) and the STM32L476 datasheet's "
      f"run current of {UA_PER_MHZ:.0f} uA/MHz (LDO regulator), N instructions per second cost "
      f"N x {UA_PER_MHZ:.0f} uA / 10^6: at most {worst * UA_PER_MHZ / 1e6:.2f} uA for these programs "
      f"({worst * UA_PER_MHZ_SMPS / 1e6:.2f} uA at the SMPS's {UA_PER_MHZ_SMPS:.0f} uA/MHz), against hundreds "
      "of uA of stimulation and the microamperes the device draws asleep: the core's code is not what drains "
      "the battery.\n")
    lp = parse_loop(a.log)
    if lp:
        per_unit = insn(lp["ticks"] - 2 * lp["units"] * lp["clock_ticks"]) / lp["units"]
        w("The closed loop the output stage runs per pulse (`ports/loop/cloop.c`, docs/CLOSED-LOOP.md) on this "
          "CPU: the channel and bounds the closed-loop example's core loaded (50 uV target, 0.4 mA step, a tripole "
          f"at a 9.0 mA ceiling), fed {lp['units']} ECAPs from the sensing front end model (`ports/loop/cloop_fe.c`, "
          "a moving cord; its own work counted apart); per unit the loop picks the amplitude, scales the channel's "
          "currents and judges the sample (the clock reads taken out). On a device this is the stimulator ASIC's "
          "work, as the frame interrupt above; the core's figures do not include it.\n")
        w("| | instructions |")
        w("|---|---:|")
        w(f"| per unit (pulse with its recharge, or burst) | **{per_unit:.0f}** |")
        w(f"| per therapy second at 50 Hz | {per_unit * 50:.0f} |")
        w(f"| loop state at the end (1: running) | {lp['state']} |")
        w("")
        byfile = {r["file"]: r for r in rows}
        cl, tonic = byfile.get("scs-closed-loop.json"), byfile.get("scs-tonic.json")
        if cl and tonic:
            per = lambda r: insn(r["isr_ticks"]) / max(r["pulses"], 1)
            w(f"Run in the output stage's model with its core (the table above): the closed-loop example's frame "
              f"interrupt takes {per(cl):.0f} instructions per pulse against {per(tonic):.0f} for scs-tonic (the "
              "same 50 Hz tripole open loop): the difference is the loop with the front end model and the unit's "
              f"scaling. The core itself wakes {cl['wakes'] / (cl['window_ms'] / 1000.0):.2f} times per therapy "
              f"second with the loop on (issue 15: at most 60).\n")
    w("Implant firmware (the device layer with the core, the protocol, the store and the crypto; "
      "`make -C ports/cortexm size`; budgets enforced by the linker script and tools/size.py):\n")
    w("| | used | budget |")
    w("|---|---:|---:|")
    w(f"| flash (code and constants) | {size['flash']} B | {size['flash_budget']} B |")
    w(f"| RAM (.data {size['data']} + .bss {size['bss']} + stack {size['stack_reserve']}) | {size['ram']} B | "
      f"{size['ram_budget']} B |")
    w(f"| worst-case stack (GCC call graph, interrupts and exception frames included) | {size['stack']} B | "
      f"{size['stack_reserve']} B reserved |")
    w("")
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
