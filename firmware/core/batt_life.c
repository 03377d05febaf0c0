/* batt_life.c: longevity of a draw on the profile's cell (see nmod/battery.h). The charge
 * between two states of charge is spent along the cell's voltage curve, one segment at a
 * time at the segment's mean voltage (the draw is power: at a lower voltage it takes more
 * current). Integer arithmetic; every loop is bounded. */
#include "nmod/battery.h"

#include <string.h>

#define MH_PER_YEAR 8766000u /* milli-hours in 365.25 days */
#define CYCLES_MAX 1000000u  /* recharges stepped through at most (each lasts >= ERI's interval) */

static uint64_t sat_add(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }

/* a x num / den without overflow for num < 2^32: exact while a < 2^32. */
static uint64_t scale(uint64_t a, uint64_t num, uint64_t den) {
  if (den == 0) return 0;
  return a < (1ull << 32) ? a * num / den : a / den * num;
}

/* nAh x 1000 / nA = mh; nAh < 2^52 (see the callers), so the product < 2^62. */
static uint64_t mh_of(uint64_t nah, uint64_t na) { return nah * 1000u / (na ? na : 1u); }

uint64_t nm_batt_mh_between(const nm_profile_t *pf, const nm_draw_t *d, uint32_t capacity_uah, uint32_t from_pm,
                            uint32_t to_pm) {
  uint32_t hi_pm = from_pm < 1000u ? from_pm : 1000u;
  uint64_t mh = 0;
  /* Bounded: NM_OCV_POINTS - 1 segments of NM_OCV_STEP_PM each. */
  for (uint32_t k = 0; k + 1u < NM_OCV_POINTS; k++) {
    uint32_t lo = k * NM_OCV_STEP_PM, hi = lo + NM_OCV_STEP_PM;
    if (lo < to_pm) lo = to_pm;
    if (hi > hi_pm) hi = hi_pm;
    if (hi <= lo) continue;
    uint32_t mv = (nm_ocv_mv(pf->chem, lo) + nm_ocv_mv(pf->chem, hi)) / 2u;
    /* uAh x per mille = nAh: < 2^32 x 2^10. */
    mh = sat_add(mh, mh_of((uint64_t)capacity_uah * (hi - lo), nm_energy_battery_na(pf, d, mv)));
  }
  return mh;
}

/* Charging from from_pm to full along the curve while the device keeps drawing d (a
 * constant-power charger: more current into a lower voltage): the time it takes (mh;
 * UINT64_MAX when the charger cannot outrun the draw) and the charge it stores during the
 * first limit_mh (nAh): net of the draw, since the device runs on the charger too. Net,
 * because it is what a patient gets back, and it can only fall as the draw rises (the gross
 * charge would rise: a higher draw keeps the cell longer at the low voltages where a
 * constant-power charger pushes more current). A segment wholly inside the first limit_mh
 * stores its charge step exactly; only the one the limit cuts is counted at its rate. */
static uint64_t charge_along(const nm_profile_t *pf, const nm_draw_t *d, uint32_t cap_uah, uint32_t from_pm,
                             uint64_t limit_mh, uint64_t *in_nah) {
  uint64_t t_mh = 0;
  *in_nah = 0;
  /* Bounded: NM_OCV_POINTS - 1 segments. */
  for (uint32_t k = 0; k + 1u < NM_OCV_POINTS; k++) {
    uint32_t lo = k * NM_OCV_STEP_PM, hi = lo + NM_OCV_STEP_PM;
    if (lo < from_pm) lo = from_pm;
    if (hi <= lo) continue;
    uint32_t mv = (nm_ocv_mv(pf->chem, lo) + nm_ocv_mv(pf->chem, hi)) / 2u;
    uint64_t ch = nm_energy_charge_na(pf, mv), use = nm_energy_battery_na(pf, d, mv);
    if (ch <= use) return UINT64_MAX;
    uint64_t dt = mh_of((uint64_t)cap_uah * (hi - lo), ch - use); /* nAh < 2^42 */
    if (t_mh < limit_mh) {
      uint64_t net = ch - use;
      if (dt <= limit_mh - t_mh) *in_nah = sat_add(*in_nah, (uint64_t)cap_uah * (hi - lo)); /* uAh x pm = nAh */
      else {
        uint64_t part = limit_mh - t_mh; /* < dt */
        *in_nah = sat_add(*in_nah, net / 1000u * part + net % 1000u * part / 1000u); /* nA x mh / 1000 */
      }
    }
    t_mh = sat_add(t_mh, dt);
  }
  return t_mh;
}

static void rechargeable(const nm_profile_t *pf, const nm_draw_t *d, nm_longevity_t *out) {
  uint32_t cap0 = nm_batt_usable_uah(pf), low = pf->low_pm < 1000u ? pf->low_pm : 1000u;
  out->interval_mh = nm_batt_mh_between(pf, d, cap0, 1000u, low);
  uint64_t run_nah = (uint64_t)cap0 * (1000u - low); /* uAh x per mille = nAh, < 2^42 */
  /* From LOW to full, and what its first hour puts in: that hour lasts as long as the
   * mean current of a discharge (run / interval) takes to use it. */
  uint64_t hour_nah;
  out->charge_h_mh = charge_along(pf, d, cap0, low, 1000u, &hour_nah);
  uint64_t use_na = out->interval_mh ? run_nah * 1000u / out->interval_mh : UINT64_MAX; /* < 2^52 */
  out->one_hour_mh = mh_of(hour_nah, use_na);
  /* Charging minutes per day: the share of a cycle (discharge, then the charge back) on
   * the charger; minutes x 1000 = share x 1,440,000. */
  uint64_t cycle = sat_add(out->interval_mh, out->charge_h_mh);
  uint64_t mmin = out->charge_h_mh == UINT64_MAX ? UINT64_MAX : scale(out->charge_h_mh, 1440000u, cycle);
  out->charge_mmin = mmin > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)mmin;
  /* Service: full to LOW, recharge, again; the capacity fades with the charge that flows
   * through it, so each interval is the first scaled by the capacity left. */
  uint64_t life_mh = (uint64_t)pf->life_years * MH_PER_YEAR, t_mh = 0;
  uint64_t cap_nah = (uint64_t)cap0 * 1000u, new_nah = cap_nah; /* < 2^42 */
  uint32_t n;
  for (n = 0; n < CYCLES_MAX; n++) {
    uint64_t interval = scale(out->interval_mh, cap_nah / 1000u, cap0); /* <= interval_mh */
    if (interval < (uint64_t)pf->eri_interval_h * 1000u) break;              /* ERI */
    if (cap_nah * 1000u < new_nah * pf->eos_capacity_pm) break;             /* EOS: worn */
    if (t_mh + interval >= life_mh) {
      t_mh = life_mh;
      break;
    }
    t_mh += interval;
    /* Fade: fade_ppm of the charge drawn in this cycle (cap x (1000 - low) / 1000). */
    uint64_t lost = cap_nah / 1000u * (1000u - low) / 1000u * pf->fade_ppm / 1000u; /* < 2^42 x 2^16 */
    cap_nah = cap_nah > lost ? cap_nah - lost : 0;
  }
  out->recharges = n;
  out->service_mh = t_mh;
}

void nm_batt_longevity(const nm_profile_t *pf, const nm_draw_t *d, nm_longevity_t *out) {
  memset(out, 0, sizeof *out);
  if (pf->cell == NM_CELL_RECHARGEABLE) {
    rechargeable(pf, d, out);
    return;
  }
  uint32_t cap = nm_batt_usable_uah(pf);
  out->eri_mh = nm_batt_mh_between(pf, d, cap, 1000u, pf->eri_left_pm);
  out->eos_mh = nm_batt_mh_between(pf, d, cap, 1000u, pf->eos_left_pm);
}
