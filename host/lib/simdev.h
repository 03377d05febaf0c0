/* simdev.h: a simulated stimulator in this process: the firmware core on simulated
 * hardware, programmed through the same command path the radio uses. */
#ifndef NMOD_SIMDEV_H
#define NMOD_SIMDEV_H

#include "devlink.h"
#include "sim.h"
#include "therapy_file.h"

typedef struct {
  sim_hw_t hw;
  nm_core_t core;
  dev_local_t local;
  dev_link_t link; /* clinician role */
  sim_ff_t ff;     /* the hardware's fast-forward (sim.h), attached by every start */
} simdev_t;

/* Every start attaches the fast-forward (d->ff), which changes no result; detach it with
 * sim_ff_attach(&d->hw, NULL) to step every wake (nmod simulate --no-fast-forward). */
/* Build a device for therapy t (its lead, load and kind) on a bench supply (no cell: the
 * drain is counted, never runs out), program it with one atomic request, activate it and
 * turn therapy on. Returns NM_OK or the device's refusal; on
 * NM_EREFUSED, *why says why (see dev_program_all). */
int simdev_start(simdev_t *d, const tf_therapy_t *t, dev_refusal_t *why);
/* The same on hardware of profile pf (nmod/profile.h) with a full new cell; a
 * rechargeable one is recharged by the simulated patient whenever the remote would ask
 * (at LOW), until the charger says full. */
int simdev_start_profile(simdev_t *d, const tf_therapy_t *t, const nm_profile_t *pf, dev_refusal_t *why);
/* Either, with a body for the stage to sense (cord, caller-owned, may be NULL); pf NULL:
 * the bench supply. */
int simdev_start_ex(simdev_t *d, const tf_therapy_t *t, const nm_profile_t *pf, sim_cord_t *cord, dev_refusal_t *why);

#endif
