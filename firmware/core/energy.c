/* energy.c: the energy model (see nmod/energy.h and docs/BATTERY.md). */
#include "nmod/energy.h"

#include "nmod/plan.h"

void nm_energy_defaults(nm_energy_cfg_t *cfg) {
  cfg->batt_mv = 3200;       /* Li/CFx-SVO primary around mid-life; Li-ion ~3.7 V */
  cfg->efficiency_pm = 700;  /* assumed: adaptive boost + current sources */
  cfg->headroom_mv = 1000;   /* assumed current-source headroom */
  cfg->min_supply_mv = 3000; /* supply floor of the output stage */
  cfg->quiescent_na = 6000;  /* assumed: sleep + telemetry sniffing */
}

uint64_t nm_energy_phase_pc(const nm_energy_cfg_t *cfg, int32_t ua, uint32_t width_us,
                            uint32_t impedance_ohm, uint32_t compliance_mv) {
  uint64_t mag = ua < 0 ? (uint64_t)(-(int64_t)ua) : (uint64_t)ua;
  uint64_t supply = mag * impedance_ohm / 1000u + cfg->headroom_mv;
  if (supply > compliance_mv) supply = compliance_mv;
  if (supply < cfg->min_supply_mv) supply = cfg->min_supply_mv;
  if (cfg->batt_mv == 0 || cfg->efficiency_pm == 0) return 0;
  /* |I| x w is the delivered charge; the battery supplies it at supply/batt, over eff. */
  return mag * width_us * supply * 1000u / ((uint64_t)cfg->batt_mv * cfg->efficiency_pm);
}

uint64_t nm_energy_slot_pc(const nm_energy_cfg_t *cfg, const nm_pattern_t *p, uint8_t i,
                           uint32_t impedance_ohm, uint32_t compliance_mv) {
  const nm_slot_t *s = &p->slot[i];
  const nm_chan_t *c = &p->chan[s->chan];
  int32_t cath = 0;
  for (int n = 0; n < NM_NODES; n++) {
    if (c->node_ua[n] < 0) cath += c->node_ua[n];
  }
  uint64_t pc = nm_energy_phase_pc(cfg, cath, c->width_us, impedance_ohm, compliance_mv);
  if (s->recharge) pc += nm_energy_phase_pc(cfg, cath, c->recharge_us, impedance_ohm, compliance_mv);
  return pc;
}

uint64_t nm_energy_pattern_na(const nm_energy_cfg_t *cfg, const nm_pattern_t *p,
                              uint32_t impedance_ohm, uint32_t compliance_mv) {
  uint64_t frame_pc = 0;
  for (uint8_t i = 0; i < p->n_slot; i++) {
    frame_pc += nm_energy_slot_pc(cfg, p, i, impedance_ohm, compliance_mv);
  }
  /* pC per frame x frames per second = pA; / 1000 = nA. */
  return frame_pc * p->frame_hz / 1000u + cfg->quiescent_na;
}

uint64_t nm_energy_programs_na(const nm_energy_cfg_t *cfg, const nm_prog_t *const progs[], const uint32_t amp_ua[],
                               uint8_t n, uint32_t impedance_ohm, uint32_t compliance_mv) {
  uint64_t pa = 0; /* stimulation current, pA */
  for (uint8_t j = 0; j < n; j++) {
    const nm_prog_t *p = progs[j];
    nm_placement_t pl;
    nm_pattern_t pat;
    uint8_t slot = 0;
    if (nm_plan_place(&p, &slot, 1, &pl) != NM_PLAN_OK) continue;
    uint32_t amp = amp_ua[j];
    nm_plan_pattern(&pl, &p, &amp, &pat);
    uint64_t frame_pc = 0;
    for (uint8_t i = 0; i < pat.n_slot; i++) frame_pc += nm_energy_slot_pc(cfg, &pat, i, impedance_ohm, compliance_mv);
    uint64_t prog_pa = frame_pc * pat.frame_hz;
    if (p->cyc_on_s) {
      uint64_t on_ms = (uint64_t)p->cyc_on_s * 1000u, cyc_ms = on_ms + (uint64_t)p->cyc_off_s * 1000u;
      uint64_t live_ms = on_ms > p->ramp_ms ? on_ms - p->ramp_ms : 0;
      prog_pa = prog_pa * live_ms / cyc_ms;
    }
    pa += prog_pa;
  }
  return pa / 1000u + cfg->quiescent_na;
}
