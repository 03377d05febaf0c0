/* limtest.h: helpers for the limiter's tests on the host and on the target (tests/limiter,
 * tests/core/test_sim.c, ports/cortexm/test): hand-built patterns, and the supervisor's
 * highest accepted amplitude. Header-only; include after testutil.h. */
#ifndef NMOD_LIMTEST_H
#define NMOD_LIMTEST_H

#include "nmod/safety.h"

/* One channel, one biphasic pulse per frame at 14 Hz: `cath` carries -ua, the anodes the
 * rest, split evenly over `n_an` nodes from `an0` (the last takes the remainder). */
static inline nm_pattern_t lt_pulse(uint8_t cath, uint8_t an0, uint8_t n_an, int32_t ua, uint32_t width_us) {
  nm_pattern_t p;
  memset(&p, 0, sizeof p);
  p.frame_hz = 14;
  p.n_chan = 1;
  p.n_slot = 1;
  p.chan[0].width_us = width_us;
  p.chan[0].gap_us = 20;
  p.chan[0].recharge_us = width_us;
  p.chan[0].node_ua[cath] = -ua;
  int32_t left = ua;
  for (uint8_t i = 0; i < n_an; i++) {
    int32_t part = i + 1 == n_an ? left : ua / n_an;
    p.chan[0].node_ua[an0 + i] += part;
    left -= part;
  }
  p.slot[0].recharge = 1;
  return p;
}

/* The highest amplitude (a 0.1 mA step) the supervisor accepts for a 14 Hz tonic E0- E1+
 * program of width_us on `lead`; NM_AMP_MAX_UA when the charge limits do not bind. */
static inline uint32_t lt_best_amp_ua(const nm_lead_t *lead, uint32_t width_us) {
  uint32_t best = 0;
  for (uint32_t a = NM_AMP_STEP_UA; a <= NM_AMP_MAX_UA; a += NM_AMP_STEP_UA) {
    nm_prog_t p = tu_tonic(14, width_us, a);
    nm_safety_report_t rep;
    nm_load_t load = tu_load(100, 40000);
    if (nm_safety_check(&p, lead, &load, &rep) == NM_VERDICT_REFUSE) break;
    best = a;
  }
  return best;
}

#endif
