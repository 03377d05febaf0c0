/* battery.c: battery states and longevity (see nmod/battery.h for every figure and its
 * source). Integer arithmetic: charges in uAh or nA-hours, times in hours. */
#include "nmod/battery.h"

#include <string.h>

void nm_batt_defaults(nm_batt_cfg_t *cfg, uint8_t cell) {
  memset(cfg, 0, sizeof *cfg);
  cfg->cell = cell;
  nm_energy_defaults(&cfg->energy);
  if (cell == NM_CELL_RECHARGEABLE) {
    cfg->rated_uah = 60000;
    cfg->nominal_mv = 3700;
    cfg->low_pm = 250;
    cfg->depleted_pm = 20;
    cfg->resume_pm = 100;
    cfg->eri_interval_h = 24;
    cfg->eos_capacity_pm = 600;
    cfg->fade_ppm_per_cycle = 300;
    cfg->charge_ua = 50000;
    cfg->life_years = 20;
  } else {
    cfg->rated_uah = 900000;
    cfg->nominal_mv = 3200;
    cfg->eri_left_pm = 100;
    cfg->eos_left_pm = 10;
  }
  cfg->energy.batt_mv = cfg->nominal_mv;
}

/* Hours a charge of q_uah lasts at avg_na: q_uah * 1000 / avg_na. */
static uint64_t hours(uint64_t q_uah, uint64_t avg_na) { return avg_na ? q_uah * 1000u / avg_na : UINT64_MAX; }

uint8_t nm_batt_eval(const nm_batt_cfg_t *cfg, const nm_batt_reading_t *r, uint8_t prev, uint64_t avg_na,
                     nm_batt_t *out) {
  memset(out, 0, sizeof *out);
  out->cell = cfg->cell;
  out->voltage_mv = r->voltage_mv;
  out->charging = r->charging;
  out->cycles_x100 = r->cycles_x100;
  out->capacity_uah = r->capacity_uah;
  if (r->capacity_uah == 0) {
    out->soc_pm = 1000;
    out->state = NM_BATT_OK;
    return out->state;
  }
  uint32_t used = r->charge_uah < r->capacity_uah ? r->charge_uah : r->capacity_uah;
  out->remaining_uah = r->capacity_uah - used;
  out->soc_pm = (uint16_t)((uint64_t)out->remaining_uah * 1000u / r->capacity_uah);
  uint32_t soc = out->soc_pm;
  if (cfg->cell == NM_CELL_PRIMARY) {
    /* Left, against per mille of the rated capacity (exact: no rounding moves ERI). */
    uint64_t left = (uint64_t)out->remaining_uah * 1000u;
    out->state = left <= (uint64_t)cfg->rated_uah * cfg->eos_left_pm   ? NM_BATT_EOS
                 : left <= (uint64_t)cfg->rated_uah * cfg->eri_left_pm ? NM_BATT_ERI
                                                                       : NM_BATT_OK;
    /* Service never comes back to a primary cell. */
    if (prev == NM_BATT_EOS) out->state = NM_BATT_EOS;
    return out->state;
  }
  uint64_t cap_pm = (uint64_t)r->capacity_uah * 1000u / cfg->rated_uah;
  if (cap_pm < cfg->eos_capacity_pm) {
    out->state = NM_BATT_EOS;
  } else if (soc <= cfg->depleted_pm || (prev == NM_BATT_EOS && soc <= cfg->resume_pm)) {
    out->state = NM_BATT_EOS; /* depleted: off until recharged over resume_pm */
  } else if (hours((uint64_t)r->capacity_uah * (1000u - cfg->low_pm) / 1000u, avg_na) < cfg->eri_interval_h) {
    out->state = NM_BATT_ERI;
  } else if (soc <= cfg->low_pm) {
    out->state = NM_BATT_LOW;
  } else {
    out->state = NM_BATT_OK;
  }
  return out->state;
}

uint64_t nm_batt_hours_to_eri(const nm_batt_cfg_t *cfg, uint32_t remaining_uah, uint32_t capacity_uah,
                              uint64_t avg_na) {
  (void)capacity_uah;
  uint64_t eri_uah = (uint64_t)cfg->rated_uah * cfg->eri_left_pm / 1000u;
  return remaining_uah > eri_uah ? hours(remaining_uah - eri_uah, avg_na) : 0;
}

void nm_batt_longevity(const nm_batt_cfg_t *cfg, uint64_t avg_na, nm_longevity_t *out) {
  memset(out, 0, sizeof *out);
  if (cfg->cell == NM_CELL_PRIMARY) {
    out->hours_to_eri = hours((uint64_t)cfg->rated_uah * (1000u - cfg->eri_left_pm) / 1000u, avg_na);
    out->hours_to_eos = hours((uint64_t)cfg->rated_uah * (1000u - cfg->eos_left_pm) / 1000u, avg_na);
    return;
  }
  /* Rechargeable: charge to full, run to LOW, recharge; the capacity fades with the charge
   * that flows through it. Step one recharge at a time (bounded by the service life). */
  uint64_t usable_pm = 1000u - cfg->low_pm;
  uint64_t cap_nah = (uint64_t)cfg->rated_uah * 1000u; /* nA-hours */
  uint64_t life_h = (uint64_t)cfg->life_years * 8766u;
  uint64_t t_mh = 0; /* milli-hours */
  out->recharge_interval_mh = avg_na ? cap_nah * usable_pm / avg_na : UINT64_MAX; /* nAh x 1e-3 / nA x 1000 */
  out->recharge_interval_h = out->recharge_interval_mh / 1000u;
  for (uint32_t n = 0; n < 1000000u; n++) {
    uint64_t run_nah = cap_nah * usable_pm / 1000u;
    uint64_t interval_mh = avg_na ? run_nah * 1000u / avg_na : UINT64_MAX;
    if (interval_mh < (uint64_t)cfg->eri_interval_h * 1000u) break;          /* ERI */
    if (cap_nah * 1000u < (uint64_t)cfg->rated_uah * 1000u * cfg->eos_capacity_pm) break; /* EOS */
    if (t_mh + interval_mh >= life_h * 1000u) {
      t_mh = life_h * 1000u;
      break;
    }
    t_mh += interval_mh;
    out->recharges++;
    /* Fade: the capacity loses fade_ppm of every charge that flows through the cell
     * (ppm per equivalent full cycle of the rated capacity), as the simulated cell does. */
    uint64_t lost = run_nah / 1000u * cfg->fade_ppm_per_cycle / 1000u;
    cap_nah = cap_nah > lost ? cap_nah - lost : 0;
  }
  out->service_hours = t_mh / 1000u;
}
