/* simrun.h: a simulated device run for a span of virtual time, and what it delivered and what
 * its battery did, as one result (nmod simulate renders it as text or JSON). */
#ifndef NMOD_SIMRUN_H
#define NMOD_SIMRUN_H

#include <stdint.h>

#include "simdev.h"

typedef struct {
  uint64_t dur_us;
  double wall_s; /* the wall time the run took */
  int cell;      /* nm_cell, or -1: a bench supply (no battery figures below) */
  /* The device's own view, checked hourly: when its gauge said ERI and EOS (0: not in the
   * run), and how far its gauge was from the cell's true charge at rest (per mille). */
  uint64_t eri_at_us, eos_at_us;
  double gauge_max_pm, gauge_mean_pm;
  /* The cell's physics (the simulated hardware): ns from the start, 0 when not reached. */
  uint64_t cell_eri_ns, cell_eos_ns, first_low_ns;
  int have_charge_min; /* two recharges: the minutes of charging a day are known */
  double charge_min_per_day;
  int have_one_hour;   /* the days one hour of charging lasts, known after the first LOW */
  double one_hour_charge_days;
} sr_result_t;

/* Run d (started by simdev_start or simdev_start_profile; cell its nm_cell or -1) for dur_us
 * of virtual time. Fills *r; prints nothing. */
void sr_run(simdev_t *d, int cell, uint64_t dur_us, sr_result_t *r);

#endif
