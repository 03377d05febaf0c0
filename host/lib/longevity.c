/* longevity.c: see longevity.h. */
#include "longevity.h"

uint64_t lg_avg_na_progs(const nm_prog_t *progs, const uint32_t *amp_ua, uint8_t running_mask, uint8_t n,
                         const nm_load_t *load, const nm_batt_cfg_t *cfg) {
  const nm_prog_t *run[NM_MAX_PROGRAMS];
  uint32_t amps[NM_MAX_PROGRAMS];
  uint8_t k = 0;
  for (uint8_t i = 0; i < n && i < NM_MAX_PROGRAMS; i++) {
    if (!(running_mask & (1u << i))) continue;
    run[k] = &progs[i];
    amps[k++] = amp_ua[i];
  }
  return nm_energy_programs_na(&cfg->energy, run, amps, k, load->impedance_ohm, load->compliance_mv);
}

uint64_t lg_avg_na(const tf_therapy_t *t, const nm_batt_cfg_t *cfg) {
  uint32_t amps[NM_MAX_PROGRAMS];
  for (uint8_t i = 0; i < t->n_prog; i++) amps[i] = t->prog[i].amp_ua;
  return lg_avg_na_progs(t->prog, amps, t->running_mask, t->n_prog, &t->load, cfg);
}
