/* battery.c: the fuel gauge and the battery states (see nmod/battery.h). Integer
 * arithmetic: charges in nC (1 uAh = 3.6e6 nC) or uAh, currents in nA, times in us.
 * Every product is bounded by its comment or saturates; the loops are bounded. */
#include "nmod/battery.h"

#include <string.h>

#define NC_PER_UAH 3600000u
#define DAY_S 86400u
#define NA_MAX 0xFFFFFFFFu /* currents kept in uint32: 4.3 A, over anything an implant draws */

static uint64_t sat_add(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }
static uint64_t sat_mul(uint64_t a, uint64_t b) { return (b != 0 && a > UINT64_MAX / b) ? UINT64_MAX : a * b; }
static uint32_t clamp_na(uint64_t na) { return na > NA_MAX ? NA_MAX : (uint32_t)na; }

uint32_t nm_batt_usable_uah(const nm_profile_t *pf) {
  return (uint32_t)((uint64_t)pf->rated_uah * pf->usable_pm / 1000u); /* <= rated when usable_pm <= 1000 */
}

/* Usable capacity now (nC): a rechargeable cell loses fade_ppm of it per equivalent full
 * cycle, i.e. fade_ppm of every charge that flows through it. */
static uint64_t capacity_nc(const nm_profile_t *pf, uint64_t thru_nc) {
  uint64_t cap = (uint64_t)nm_batt_usable_uah(pf) * NC_PER_UAH; /* < 2^32 x 2^22 */
  if (pf->cell != NM_CELL_RECHARGEABLE) return cap;
  uint64_t lost = sat_mul(thru_nc / 1000000u, pf->fade_ppm);
  return lost < cap ? cap - lost : 0;
}

/* Charge (nC) of na flowing for dt_us: na x dt / 1e6, split so it saturates, never wraps. */
static uint64_t charge_nc(uint64_t na, uint64_t dt_us) {
  return sat_add(sat_mul(na, dt_us / 1000000u), na * (dt_us % 1000000u) / 1000000u); /* na < 2^32: < 2^52 */
}

static uint32_t cell_mv(const nm_gauge_t *g, const nm_profile_t *pf) {
  if (g->volt_mv) return g->volt_mv;
  return nm_ocv_mv(pf->chem, 1000u); /* a bench supply: the draw as from a full cell */
}

uint64_t nm_gauge_now_na(const nm_gauge_t *g, const nm_profile_t *pf) {
  return nm_energy_battery_na(pf, &g->draw, cell_mv(g, pf));
}

void nm_gauge_start(nm_gauge_t *g, const nm_profile_t *pf, const nm_batt_reading_t *r, uint64_t now_us) {
  nm_draw_t d = g->draw; /* what the output draws does not change with the gauge */
  memset(g, 0, sizeof *g);
  g->draw = d;
  g->started = 1;
  g->last_us = now_us;
  g->ema_us = now_us;
  g->volt_mv = r->voltage_mv;
  /* The voltage alone: the middle of what it allows. A bench supply counts from full. */
  uint32_t soc = r->voltage_mv ? nm_ocv_soc_pm(pf->chem, r->voltage_mv) : 1000u;
  g->used_nc = capacity_nc(pf, 0) / 1000u * (1000u - soc);
  g->avg_na = clamp_na(nm_gauge_now_na(g, pf));
}

void nm_gauge_account(nm_gauge_t *g, const nm_profile_t *pf, uint64_t now_us, const nm_draw_t *d) {
  if (g->started && now_us > g->last_us) {
    uint64_t dt = now_us - g->last_us;
    uint64_t drawn = charge_nc(clamp_na(nm_gauge_now_na(g, pf)), dt);
    uint64_t charged = charge_nc(g->charge_na, dt);
    uint64_t cap = capacity_nc(pf, g->thru_nc);
    uint64_t used = sat_add(g->used_nc, drawn);
    used = used > charged ? used - charged : 0;
    g->used_nc = used < cap ? used : cap;
    g->thru_nc = sat_add(g->thru_nc, drawn);
    g->ema_nc = sat_add(g->ema_nc, drawn);
  }
  if (now_us > g->last_us) g->last_us = now_us;
  if (d) g->draw = *d;
}

uint64_t nm_gauge_ff_room(const nm_gauge_t *g, const nm_profile_t *pf, uint64_t used_step, uint64_t thru_step) {
  if (!g->started || g->volt_mv != 0 || g->charge_na != 0) return 0; /* a cell: its readings are judged */
  if (pf->cell == NM_CELL_RECHARGEABLE && pf->fade_ppm != 0 && thru_step != 0) return 0; /* the capacity moves */
  uint64_t cap = capacity_nc(pf, g->thru_nc), n = UINT64_MAX;
  if (used_step) n = g->used_nc < cap ? (cap - g->used_nc) / used_step : 0; /* used + n x step <= cap */
  if (thru_step && (UINT64_MAX - g->thru_nc) / thru_step < n) n = (UINT64_MAX - g->thru_nc) / thru_step;
  if (g->ema_nc > UINT64_MAX / 2u) n = 0; /* near saturating within a period */
  return n;
}

/* The day's average current: the mean since the last update moves it by dt / 1 day. */
static void update_avg(nm_gauge_t *g, uint64_t now_us) {
  uint64_t dt_us = now_us > g->ema_us ? now_us - g->ema_us : 0;
  if (dt_us == 0) return;
  /* nC x 1e6 / us = nA. ema_nc < 2^44 (a day at 4 A). */
  uint64_t mean = g->ema_nc > (UINT64_MAX / 1000000u) ? NA_MAX : g->ema_nc * 1000000u / dt_us;
  uint64_t dt_s = dt_us / 1000000u;
  if (dt_s == 0) return; /* keep gathering: under a second says little */
  int64_t diff = (int64_t)clamp_na(mean) - (int64_t)g->avg_na; /* |diff| < 2^32 */
  int64_t step = dt_s >= DAY_S ? diff : diff * (int64_t)dt_s / (int64_t)DAY_S; /* < 2^32 x 2^17 */
  g->avg_na = (uint32_t)((int64_t)g->avg_na + step); /* between avg_na and mean: in range */
  g->ema_nc = 0;
  g->ema_us = now_us;
}

uint8_t nm_batt_judge(const nm_profile_t *pf, uint32_t capacity_uah, uint32_t used_uah, uint64_t avg_na,
                      uint8_t prev) {
  uint64_t cap = capacity_uah, left = cap - (used_uah < capacity_uah ? used_uah : capacity_uah);
  uint64_t left_x1000 = left * 1000u, new_uah = nm_batt_usable_uah(pf); /* < 2^42 */
  if (pf->cell != NM_CELL_RECHARGEABLE) {
    /* Against per mille of the new usable capacity, exactly: no rounding moves ERI. */
    if (prev == NM_BATT_EOS || left_x1000 <= new_uah * pf->eos_left_pm) return NM_BATT_EOS;
    return left_x1000 <= new_uah * pf->eri_left_pm ? (uint8_t)NM_BATT_ERI : (uint8_t)NM_BATT_OK;
  }
  if (cap * 1000u < new_uah * pf->eos_capacity_pm) return NM_BATT_EOS;          /* worn out */
  if (left_x1000 <= cap * pf->depleted_pm) return NM_BATT_EOS;                  /* depleted */
  if (prev == NM_BATT_EOS && left_x1000 <= cap * pf->resume_pm) return NM_BATT_EOS; /* not yet back */
  /* ERI: a full charge (down to LOW) lasts less than eri_interval_h at the day's current:
   * run_uah x 1000 / avg_na hours < interval, compared without dividing. */
  uint64_t run_uah = cap * (1000u - (pf->low_pm < 1000u ? pf->low_pm : 1000u)) / 1000u;
  if (run_uah * 1000u < avg_na * pf->eri_interval_h) return NM_BATT_ERI; /* < 2^42, < 2^48 */
  return left_x1000 <= cap * pf->low_pm ? (uint8_t)NM_BATT_LOW : (uint8_t)NM_BATT_OK;
}

uint8_t nm_gauge_read(nm_gauge_t *g, const nm_profile_t *pf, const nm_batt_reading_t *r, uint8_t prev,
                      uint64_t now_us, nm_batt_t *out) {
  if (!g->started) nm_gauge_start(g, pf, r, now_us);
  nm_gauge_account(g, pf, now_us, NULL);
  update_avg(g, now_us);
  g->volt_mv = r->voltage_mv;
  g->charge_na = r->charging && pf->cell == NM_CELL_RECHARGEABLE ? clamp_na((uint64_t)r->charge_ua * 1000u) : 0;
  memset(out, 0, sizeof *out);
  out->cell = pf->cell;
  out->voltage_mv = r->voltage_mv;
  out->charging = r->charging;
  uint64_t cap = capacity_nc(pf, g->thru_nc);
  out->capacity_uah = (uint32_t)(cap / NC_PER_UAH);
  if (r->voltage_mv == 0) {
    /* A bench supply: nothing to judge. */
    out->soc_pm = 1000;
    out->remaining_uah = out->capacity_uah;
    out->state = NM_BATT_OK;
    return out->state;
  }
  if (pf->cell == NM_CELL_RECHARGEABLE && r->full) {
    g->used_nc = 0; /* the charger says full: the count starts over */
  } else if (!r->charging && cap >= 1000u) {
    /* The voltage band: the states of charge within +-NM_GAUGE_TOL_MV of the curve. */
    uint64_t lo = nm_ocv_soc_pm(pf->chem, r->voltage_mv > NM_GAUGE_TOL_MV ? r->voltage_mv - NM_GAUGE_TOL_MV : 0);
    uint64_t hi = nm_ocv_soc_pm(pf->chem, r->voltage_mv + NM_GAUGE_TOL_MV); /* both <= 1000 */
    uint64_t soc = (cap - g->used_nc) / (cap / 1000u);
    if (soc > 1000u) soc = 1000u;
    if (soc < lo) g->used_nc = cap - cap / 1000u * lo;
    if (soc > hi) g->used_nc = cap - cap / 1000u * hi;
  }
  uint64_t used = g->used_nc < cap ? g->used_nc : cap;
  out->remaining_uah = (uint32_t)((cap - used) / NC_PER_UAH);
  /* cap < 2^32 uAh x 3.6e6 < 2^53.8 nC, so (cap - used) x 1000 < 2^63.8. */
  out->soc_pm = (uint16_t)(cap ? (cap - used) * 1000u / cap : 0u);
  uint64_t usable = (uint64_t)nm_batt_usable_uah(pf) * NC_PER_UAH;
  uint64_t cycles = g->thru_nc / (usable / 100u + 1u);
  out->cycles_x100 = cycles > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)cycles;
  out->state = nm_batt_judge(pf, out->capacity_uah, (uint32_t)(used / NC_PER_UAH), g->avg_na, prev);
  return out->state;
}
