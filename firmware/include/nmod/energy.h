/* nmod/energy.h: the energy model. The simulator drains its battery with these functions
 * and the longevity estimate integrates the same ones, so the two agree by construction
 * up to rounding. Every default and its source: docs/BATTERY.md. */
#ifndef NMOD_ENERGY_H
#define NMOD_ENERGY_H

#include <stdint.h>
#include "nmod/pattern.h"
#include "nmod/program.h"

typedef struct {
  uint32_t batt_mv;       /* nominal cell voltage */
  uint32_t efficiency_pm; /* supply-to-output efficiency of the output stage, per mille */
  uint32_t headroom_mv;   /* voltage the current sources need above I x R */
  uint32_t min_supply_mv; /* the stimulation supply never runs below this */
  uint32_t quiescent_na;  /* the whole device asleep, telemetry listening */
} nm_energy_cfg_t;

/* The defaults (docs/BATTERY.md). */
void nm_energy_defaults(nm_energy_cfg_t *cfg);
/* Battery charge (pC) drawn by one phase of |ua| for width_us into impedance_ohm, with the
 * supply adapted to I x R + headroom and capped at compliance_mv. */
uint64_t nm_energy_phase_pc(const nm_energy_cfg_t *cfg, int32_t ua, uint32_t width_us,
                            uint32_t impedance_ohm, uint32_t compliance_mv);
/* Battery charge (pC) drawn by slot i of pattern p (its stimulating phase, and its gap's
 * nothing, and its recharge when it has one). The current is the channel's cathodic total. */
uint64_t nm_energy_slot_pc(const nm_energy_cfg_t *cfg, const nm_pattern_t *p, uint8_t i,
                           uint32_t impedance_ohm, uint32_t compliance_mv);
/* Average battery current (nA) of delivering pattern p continuously, quiescent included. */
uint64_t nm_energy_pattern_na(const nm_energy_cfg_t *cfg, const nm_pattern_t *p,
                              uint32_t impedance_ohm, uint32_t compliance_mv);

/* Average battery current (nA) of running programs progs[0..n) at amplitudes amp_ua[],
 * quiescent included: each program's pulses cost what they cost in the joint pattern (the
 * energy of a slot depends on its own channel only), scaled by its cycling duty
 * (on - ramp) / (on + off): a linear ramp up and down averages to half the amplitude. */
uint64_t nm_energy_programs_na(const nm_energy_cfg_t *cfg, const nm_prog_t *const progs[], const uint32_t amp_ua[],
                               uint8_t n, uint32_t impedance_ohm, uint32_t compliance_mv);

#endif
