/* nmod/ff.h: what the core says about its own periodic state, so a simulator can skip
 * whole periods of a steady therapy (ports/sim/sim_ff.c). The core never calls these; they
 * change nothing in how it stimulates. No heap, no float.
 *
 * In steady therapy (cycling, ramps, housekeeping) the core's state one period later is
 * the same except for a few fields: times, which move by the period, and counters (wakes,
 * pattern loads, dropped events, the fuel gauge's charge counts), which move by a constant
 * step. n periods later they have moved n times as far, exactly (integers), as long as no
 * threshold the core judges on those counters is crossed: nm_core_ff_room says how many
 * periods that is. */
#ifndef NMOD_FF_H
#define NMOD_FF_H

#include <stdint.h>

#include "nmod/core.h"

/* One period's steps of the counters (see ff.c for the list). */
typedef struct {
  uint64_t period_us;
  uint64_t wakeups, used_nc, thru_nc;
  uint32_t loads;
  uint16_t dropped;
} nm_ff_t;

/* The period of the therapy running now (us): the housekeeping tick and every running
 * program's cycle, or 0 when the core is in no state to be extrapolated (not in therapy,
 * stopping, held, a closed loop running, or a period over a day). */
uint64_t nm_core_ff_period_us(const nm_core_t *c);
/* 0 when b is a one period (d->period_us, set by the caller) later: every field equal
 * except the times (b = a + period) and the counters (b = a + step, never smaller), whose
 * steps are written into *d. -1 otherwise. */
int nm_core_ff_match(const nm_core_t *a, const nm_core_t *b, nm_ff_t *d);
/* 1 when two matches found the same period and steps. */
int nm_core_ff_same(const nm_ff_t *x, const nm_ff_t *y);
/* How many more periods of steps d the state c can be moved on exactly: every counter
 * short of saturating and the fuel gauge short of every threshold it judges
 * (nm_gauge_ff_room). 0: none. */
uint64_t nm_core_ff_room(const nm_core_t *c, const nm_ff_t *d);
/* Move c on n periods (n <= nm_core_ff_room). */
void nm_core_ff_apply(nm_core_t *c, const nm_ff_t *d, uint64_t n);

#endif
