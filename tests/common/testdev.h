/* testdev.h: a device for host tests: the firmware core on simulated hardware. */
#ifndef NMOD_TESTDEV_H
#define NMOD_TESTDEV_H

#include "testutil.h"
#include "sim.h"

/* A device: simulated hardware and a core, activated (off mode). */
typedef struct {
  sim_hw_t hw;
  nm_core_t core;
  uint8_t nvm[64 * 1024];
} tu_dev_t;

static inline void tu_dev_init(tu_dev_t *d, uint8_t therapy, const nm_lead_t *lead, uint32_t ohm) {
  memset(d, 0, sizeof *d);
  sim_init(&d->hw, lead, ohm, 12000, d->nvm, 4096, 16);
  assert_int_equal(nm_core_init(&d->core, sim_port(&d->hw), therapy, lead), NM_OK);
  assert_int_equal(nm_core_mode(&d->core, NM_ROLE_CLINICIAN, NM_MODE_OFF), NM_OK);
}

static inline void tu_run_s(tu_dev_t *d, uint64_t seconds) {
  sim_run(&d->hw, &d->core, d->hw.now_ns / 1000u + seconds * 1000000u);
}

#endif
