/* simrun.c: see simrun.h. */
#define _POSIX_C_SOURCE 200809L
#include "simrun.h"

#include <string.h>
#include <time.h>

static double wall_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* What the cell's own physics says, after the run. */
static void physics(const sim_cell_t *c, sr_result_t *r) {
  r->cell_eri_ns = c->eri_ns ? c->eri_ns - c->start_ns : 0;
  r->cell_eos_ns = c->eos_ns ? c->eos_ns - c->start_ns : 0;
  r->first_low_ns = c->first_low_ns ? c->first_low_ns - c->start_ns : 0;
  r->have_charge_min = c->recharges >= 2 && c->last_low_ns > c->first_low_ns;
  if (r->have_charge_min) {
    r->charge_min_per_day =
        (double)(c->charge_ns_at_low - c->charge_ns_at_first_low) / (double)(c->last_low_ns - c->first_low_ns) * 1440.0;
  }
  r->have_one_hour = c->first_low_ns && c->first_run_pc > 0;
  if (r->have_one_hour) {
    double run_na = c->first_run_pc / ((double)(c->first_low_ns - c->start_ns) / 1e9) / 1000.0;
    r->one_hour_charge_days = c->first_hour_pc / run_na / 3.6e6 / 24.0; /* pC / nA = ms */
  }
}

void sr_run(simdev_t *d, int cell, uint64_t dur_us, sr_result_t *r) {
  memset(r, 0, sizeof *r);
  r->dur_us = dur_us;
  r->cell = cell;
  double gauge_sum = 0;
  uint64_t gauge_n = 0;
  double w0 = wall_now();
  if (cell < 0) {
    sim_run(&d->hw, &d->core, dur_us);
  } else {
    /* In hours, to see when the device's gauge crosses ERI and EOS (1 h resolution) and how
     * far it is from the cell's true charge. */
    for (uint64_t at = 0; at < dur_us;) {
      at = at + 3600000000ull < dur_us ? at + 3600000000ull : dur_us;
      sim_run(&d->hw, &d->core, at);
      if (!r->eri_at_us && d->core.batt.state >= NM_BATT_ERI) r->eri_at_us = at;
      if (!r->eos_at_us && d->core.batt.state == NM_BATT_EOS && cell == NM_CELL_PRIMARY) r->eos_at_us = at;
      if (d->hw.cell.charging) continue; /* a gauge is judged at rest */
      double e = d->core.batt.soc_pm - sim_batt_true_soc_pm(&d->hw);
      e = e < 0 ? -e : e;
      if (e > r->gauge_max_pm) r->gauge_max_pm = e;
      gauge_sum += e;
      gauge_n++;
    }
  }
  r->wall_s = wall_now() - w0;
  r->gauge_mean_pm = gauge_n ? gauge_sum / (double)gauge_n : 0.0;
  if (cell >= 0) physics(&d->hw.cell, r);
}
