/* energy.c: the firmware's estimate of what its output draws (see nmod/energy.h). Every
 * product is bounded by clamping its inputs first (bounds in the comments), and sums
 * saturate, so no input makes the arithmetic wrap. */
#include "nmod/energy.h"

#include "nmod/plan.h"

#define UA_MAX (1u << 17)      /* 131 mA: over any legal amplitude (NM_AMP_MAX_UA) */
#define WIDTH_MAX (1u << 20)   /* 1.05 s: over any phase a frame can hold */
#define SUPPLY_MAX 65535u      /* mV */
#define OHM_MAX (1u << 24)     /* 16.7 Mohm */

static uint64_t sat_add(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }
static uint64_t sat_mul(uint64_t a, uint64_t b) { return (b != 0 && a > UINT64_MAX / b) ? UINT64_MAX : a * b; }
static uint32_t min32(uint32_t a, uint32_t b) { return a < b ? a : b; }

uint32_t nm_energy_supply_mv(const nm_profile_t *pf, uint32_t ua, uint32_t ohm, uint32_t compliance_mv) {
  /* <= 2^17 uA x 2^24 ohm = 2^41 uV: in uint64. */
  uint64_t mv = (uint64_t)min32(ua, UA_MAX) * min32(ohm, OHM_MAX) / 1000u + pf->headroom_mv;
  if (mv < pf->floor_mv) mv = pf->floor_mv;
  if (mv > compliance_mv) mv = compliance_mv;
  return mv > SUPPLY_MAX ? SUPPLY_MAX : (uint32_t)mv;
}

uint32_t nm_energy_eff_pm(const nm_profile_t *pf, uint32_t supply_mv) {
  /* The curve in locals: an index into them reads only the curve, whichever profile. */
  uint16_t v[NM_EFF_POINTS], e[NM_EFF_POINTS];
  /*@ loop unroll NM_EFF_POINTS; */
  for (uint32_t k = 0; k < NM_EFF_POINTS; k++) {
    v[k] = pf->eff_mv[k];
    e[k] = pf->eff_pm[k];
  }
  uint32_t eff = e[NM_EFF_POINTS - 1u];
  if (supply_mv <= v[0]) {
    eff = e[0];
  } else {
    /* Bounded: NM_EFF_POINTS - 1 segments. The points ascend; a flat or falling step
     * (v[i+1] <= v[i]) is skipped. */
    for (uint32_t i = 0; i + 1u < NM_EFF_POINTS; i++) {
      int64_t dv = (int64_t)v[i + 1u] - (int64_t)v[i];
      if (supply_mv > v[i + 1u] || dv <= 0) continue;
      int64_t de = (int64_t)e[i + 1u] - (int64_t)e[i];
      /* |de| < 2^16, 0 < supply_mv - v[i] <= dv < 2^16: the result lies between e[i] and
       * e[i+1], so in 0..65535. */
      eff = (uint32_t)((int64_t)e[i] + de * (int64_t)(supply_mv - v[i]) / dv);
      break;
    }
  }
  return eff ? eff : 1u;
}

uint64_t nm_energy_phase_fj(const nm_profile_t *pf, uint32_t ua, uint32_t width_us, uint32_t ohm,
                            uint32_t compliance_mv) {
  uint32_t i = min32(ua, UA_MAX), w = min32(width_us, WIDTH_MAX);
  uint32_t v = nm_energy_supply_mv(pf, i, ohm, compliance_mv);
  /* 2^17 x 2^20 x 2^16 = 2^53 pC x mV; x 1000 < 2^63. */
  return (uint64_t)i * w * v * 1000u / nm_energy_eff_pm(pf, v);
}

/* Cathodic total of a channel: what the supply sources in its stimulating phase. */
static uint32_t cathodic_ua(const nm_chan_t *c) {
  uint64_t sum = 0;
  for (int n = 0; n < NM_NODES; n++) {
    if (c->node_ua[n] < 0) sum += (uint64_t)(-(int64_t)c->node_ua[n]);
  }
  return sum > UA_MAX ? UA_MAX : (uint32_t)sum;
}

static int passive(const nm_profile_t *pf, uint8_t wave) { return wave < 8u && ((pf->passive >> wave) & 1u); }

void nm_energy_pattern(const nm_profile_t *pf, const nm_pattern_t *p, uint32_t ohm, uint32_t compliance_mv,
                       nm_draw_t *out) {
  uint64_t fj = 0, pc = 0;
  uint8_t n = p->n_slot < NM_PATTERN_MAX_SLOTS ? p->n_slot : (uint8_t)NM_PATTERN_MAX_SLOTS;
  for (uint8_t i = 0; i < n; i++) {
    const nm_slot_t *s = &p->slot[i];
    if (s->chan >= NM_MAX_RUNNING) continue;
    const nm_chan_t *c = &p->chan[s->chan];
    uint32_t ua = cathodic_ua(c);
    fj = sat_add(fj, nm_energy_phase_fj(pf, ua, c->width_us, ohm, compliance_mv));
    if (s->recharge && !passive(pf, c->wave)) {
      fj = sat_add(fj, nm_energy_phase_fj(pf, ua, c->recharge_us, ohm, compliance_mv));
    }
    pc = sat_add(pc, pf->pulse_pc);
  }
  /* Per frame, times frames per second: fJ/s = fW, pC/s = pA. */
  out->supply_fw = sat_mul(fj, p->frame_hz);
  out->fixed_pa = sat_mul(pc, p->frame_hz);
}

void nm_energy_programs(const nm_profile_t *pf, const nm_prog_t *const progs[], const uint32_t amp_ua[], uint8_t n,
                        uint32_t ohm, uint32_t compliance_mv, nm_draw_t *out) {
  out->supply_fw = 0;
  out->fixed_pa = 0;
  for (uint8_t j = 0; j < n && j < NM_MAX_RUNNING; j++) {
    const nm_prog_t *p = progs[j];
    nm_placement_t pl;
    nm_pattern_t pat;
    uint8_t slot = 0;
    if (nm_plan_place(&p, &slot, 1, &pl) != NM_PLAN_OK) continue;
    uint32_t amp = amp_ua[j];
    nm_plan_pattern(&pl, &p, &amp, &pat);
    nm_draw_t d;
    nm_energy_pattern(pf, &pat, ohm, compliance_mv, &d);
    if (p->cyc_on_s) {
      /* Duty (on - ramp) / (on + off); on, off < 2^32 s: the cycle < 2^43 ms. */
      uint64_t on_ms = (uint64_t)p->cyc_on_s * 1000u, cyc_ms = on_ms + (uint64_t)p->cyc_off_s * 1000u;
      uint64_t live_ms = on_ms > p->ramp_ms ? on_ms - p->ramp_ms : 0;
      /* Scale in 2^20 parts so the product stays in range: draw x 2^20 saturates. */
      uint64_t duty = (live_ms << 20) / cyc_ms;
      d.supply_fw = sat_mul(d.supply_fw, duty) >> 20;
      d.fixed_pa = sat_mul(d.fixed_pa, duty) >> 20;
    }
    out->supply_fw = sat_add(out->supply_fw, d.supply_fw);
    out->fixed_pa = sat_add(out->fixed_pa, d.fixed_pa);
  }
}

uint64_t nm_energy_fixed_na(const nm_profile_t *pf) {
  /* uAh per day -> nA: x 1000 / 24. */
  return (uint64_t)pf->quiescent_na + (uint64_t)pf->daily_uah * 1000u / 24u;
}

uint64_t nm_energy_battery_na(const nm_profile_t *pf, const nm_draw_t *d, uint32_t cell_mv) {
  uint64_t mv = cell_mv ? cell_mv : 1u;
  /* fW / mV = pA; pA / 1000 = nA. */
  return sat_add(sat_add(d->supply_fw / mv / 1000u, d->fixed_pa / 1000u), nm_energy_fixed_na(pf));
}

uint64_t nm_energy_charge_na(const nm_profile_t *pf, uint32_t cell_mv) {
  if (pf->cell != NM_CELL_RECHARGEABLE) return 0;
  uint64_t mv = cell_mv ? cell_mv : 1u;
  /* uW x (per mille / 1000) / mV = mA: uW x per mille x 1000 / mV = nA; < 2^32 x 2^16 x 2^10. */
  return (uint64_t)pf->charger_uw * pf->charger_eff_pm * 1000u / mv;
}
