/* nmod/energy.h: the firmware's estimate of what its output draws, from the device profile
 * (nmod/profile.h). The simulated hardware drains its cell by its own physics
 * (ports/sim/sim_cell.c), never with these functions, so the two can be compared.
 *
 * A phase of current I for width W into the load R needs the supply at
 * V = clamp(I x R + headroom, floor, compliance); the converter takes I x W x V / eff(V) of
 * energy from the cell for it, plus the profile's fixed charge per stimulating phase. A
 * recharge phase costs the same as a stimulating one when it is active, nothing when the
 * profile recharges that waveform passively. The cell supplies that energy at its own
 * voltage, so the battery current is power / cell voltage + the fixed charge per second +
 * the quiescent current + the daily overhead spread over the day.
 *
 * Units: pC x mV = fJ; fJ per second = fW; fW / mV = pA. Inputs are clamped to bounds no
 * legal setting reaches (stated below), so no product overflows for any input.
 */
#ifndef NMOD_ENERGY_H
#define NMOD_ENERGY_H

#include <stdint.h>

#include "nmod/pattern.h"
#include "nmod/profile.h"
#include "nmod/program.h"

/* What the output draws while it delivers a pattern: the power its pulses take at the
 * stimulation supply's input (fW), and the charge per second that does not depend on the
 * cell's voltage (pA: the fixed charge per pulse). Fixed costs are not in it. */
typedef struct {
  uint64_t supply_fw;
  uint64_t fixed_pa;
} nm_draw_t;

/* Supply voltage (mV) of a phase of |ua| into ohm with the profile's headroom and floor,
 * capped at compliance_mv. */
uint32_t nm_energy_supply_mv(const nm_profile_t *pf, uint32_t ua, uint32_t ohm, uint32_t compliance_mv);
/* The converter's efficiency (per mille, >= 1) at a supply voltage. */
uint32_t nm_energy_eff_pm(const nm_profile_t *pf, uint32_t supply_mv);
/* Energy (fJ) the converter takes from the cell for one phase of |ua| for width_us into
 * ohm. Clamped: ua <= 2^17, width_us <= 2^20, the supply <= 2^16 mV. */
uint64_t nm_energy_phase_fj(const nm_profile_t *pf, uint32_t ua, uint32_t width_us, uint32_t ohm,
                            uint32_t compliance_mv);
/* The draw of delivering pattern p continuously into ohm. */
void nm_energy_pattern(const nm_profile_t *pf, const nm_pattern_t *p, uint32_t ohm, uint32_t compliance_mv,
                       nm_draw_t *out);
/* The average draw of running programs progs[0..n) at amplitudes amp_ua[]: each program's
 * pulses as the planner lays them out, scaled by its cycling duty (on - ramp) / (on + off)
 * (a linear ramp up and down averages to half the amplitude). A program that does not
 * place draws nothing. The programs must have passed the safety supervisor (the planner's
 * contract); every other function here takes any input (tests/battery/eva.sh). */
void nm_energy_programs(const nm_profile_t *pf, const nm_prog_t *const progs[], const uint32_t amp_ua[], uint8_t n,
                        uint32_t ohm, uint32_t compliance_mv, nm_draw_t *out);
/* The fixed costs as a current (nA): quiescent plus the daily overhead spread over 24 h. */
uint64_t nm_energy_fixed_na(const nm_profile_t *pf);
/* Battery current (nA) of draw d from a cell at cell_mv (>= 1 used), fixed costs included. */
uint64_t nm_energy_battery_na(const nm_profile_t *pf, const nm_draw_t *d, uint32_t cell_mv);
/* The charger's current into the cell (nA) at cell_mv: 0 for a primary cell. */
uint64_t nm_energy_charge_na(const nm_profile_t *pf, uint32_t cell_mv);

#endif
