/* sim_batt.c: the simulated cell and its fuel gauge (coulomb counting).
 *
 * Drain is what the output stage delivered (nm_energy_slot_pc per pulse) plus the
 * quiescent current over time: sim_batt_used_pc. A charger adds cfg.charge_ua while
 * connected, until the cell is full. A rechargeable cell loses fade_ppm_per_cycle of its
 * rated capacity per rated capacity of charge drawn through it, the same model as the
 * longevity estimate (nmod/battery.h). */
#include <string.h>

#include "sim.h"

#define PC_PER_UAH 3600000000ull

static uint64_t capacity_pc(const sim_cell_t *c) {
  if (c->cfg.cell != NM_CELL_RECHARGEABLE) return c->rated_pc;
  uint64_t lost = c->throughput_pc / 1000000u * c->cfg.fade_ppm_per_cycle;
  return lost < c->rated_pc ? c->rated_pc - lost : 0;
}

/* Charge missing from full now (may exceed the capacity: then it is exhausted). */
static uint64_t used_pc(const sim_hw_t *hw) {
  const sim_cell_t *c = &hw->cell;
  uint64_t drawn = c->last_total_pc - c->mark_pc + c->preused_pc;
  return drawn > c->charged_pc ? drawn - c->charged_pc : 0;
}

void sim_batt_set(sim_hw_t *hw, uint8_t cell, uint32_t pct) {
  sim_cell_t *c = &hw->cell;
  memset(c, 0, sizeof *c);
  nm_batt_defaults(&c->cfg, cell);
  hw->energy = c->cfg.energy;
  c->rated_pc = (uint64_t)c->cfg.rated_uah * PC_PER_UAH;
  if (pct > 100) pct = 100;
  c->preused_pc = c->rated_pc / 100u * (100u - pct);
  c->last_total_pc = sim_batt_used_pc(hw);
  c->mark_pc = c->last_total_pc;
  c->last_ns = hw->now_ns;
}

void sim_batt_autocharge(sim_hw_t *hw, uint32_t low_pm) { hw->cell.auto_low_pm = low_pm; }

void sim_batt_charger(sim_hw_t *hw, int on) {
  sim_batt_account(hw);
  hw->cell.charging = (uint8_t)(on && hw->cell.cfg.cell == NM_CELL_RECHARGEABLE);
}

void sim_batt_account(sim_hw_t *hw) {
  sim_cell_t *c = &hw->cell;
  if (c->rated_pc == 0) return; /* no cell set: nothing to count */
  uint64_t total = sim_batt_used_pc(hw);
  c->throughput_pc += total - c->last_total_pc;
  c->last_total_pc = total;
  if (c->charging) {
    /* uA x ns = 1e-3 pC */
    c->charged_pc += (uint64_t)c->cfg.charge_ua * (hw->now_ns - c->last_ns) / 1000u;
  }
  c->last_ns = hw->now_ns;
  if (c->charging && c->charged_pc >= c->last_total_pc - c->mark_pc + c->preused_pc) {
    /* Full: the gauge starts over from here, the charger stops. */
    c->mark_pc = c->last_total_pc;
    c->preused_pc = 0;
    c->charged_pc = 0;
    c->charging = 0;
    return;
  }
  uint64_t used = used_pc(hw), cap = capacity_pc(c);
  if (!c->charging && c->auto_low_pm && c->cfg.cell == NM_CELL_RECHARGEABLE && cap &&
      (cap - (used < cap ? used : cap)) * 1000u / cap <= c->auto_low_pm) {
    c->charging = 1;
    c->recharges++;
  }
}

uint32_t sim_batt_soc_pm(sim_hw_t *hw) {
  sim_batt_account(hw);
  uint64_t cap = capacity_pc(&hw->cell), used = used_pc(hw);
  if (cap == 0 || used >= cap) return 0;
  return (uint32_t)((cap - used) * 1000u / cap);
}

void sim_batt_reading(sim_hw_t *hw, nm_batt_reading_t *r) {
  sim_batt_account(hw);
  const sim_cell_t *c = &hw->cell;
  memset(r, 0, sizeof *r);
  if (c->rated_pc == 0) {
    r->voltage_mv = hw->energy.batt_mv;
    return;
  }
  uint64_t cap = capacity_pc(c), used = used_pc(hw);
  r->capacity_uah = (uint32_t)(cap / PC_PER_UAH);
  r->charge_uah = (uint32_t)((used < cap ? used : cap) / PC_PER_UAH);
  r->charging = c->charging;
  r->cycles_x100 = (uint32_t)(c->throughput_pc / (c->rated_pc / 100u));
  uint32_t soc = cap ? (uint32_t)((cap - (used < cap ? used : cap)) * 1000u / cap) : 0;
  /* A plain discharge curve, for display: flat, then falling over the last 30 %. */
  uint32_t top = c->cfg.cell == NM_CELL_RECHARGEABLE ? 4100u : c->cfg.nominal_mv;
  uint32_t bottom = c->cfg.cell == NM_CELL_RECHARGEABLE ? 3000u : 2600u;
  r->voltage_mv = soc >= 300 ? top - (c->cfg.cell == NM_CELL_RECHARGEABLE ? (1000u - soc) * 400u / 700u : 0u)
                             : bottom + (top - (c->cfg.cell == NM_CELL_RECHARGEABLE ? 400u : 0u) - bottom) * soc / 300u;
}
