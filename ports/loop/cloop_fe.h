/* cloop_fe.h: a small model of a sensing front end on a moving cord, in integers (no heap,
 * no float): what the Cortex-M port's output stage (ports/cortexm/cm_out.c) measures after
 * each unit, as a stimulator ASIC reports it; also the sample stream of its bench and of
 * the loop's tests. The simulator has the physical cord model (ports/sim/sim_cord.c); this
 * one is what fits next to the firmware on the target:
 *
 *   the ECAP threshold moves between thr_ua and thr_ua + swing_ua and back, as a triangle
 *   over period_units units (the cord moving: posture, breathing);
 *   above it the ECAP grows by uv_per_ma uV per mA, below it there is none;
 *   noise: uniform -4..+3 uV (an LCG: the same stream on every run).
 *
 * A fault can be injected as a front end shows it (cfe_fault), one per docs/CLOSED-LOOP.md
 * "Sensor faults": an open sensing contact (the lead-off flag, the input reading 0), a
 * saturated amplifier (the clip flag, a reading at the rail), a burst of noise (+-CFE_NOISE_UV
 * added), an ECAP that no longer responds (noise only). */
#ifndef NMOD_CLOOP_FE_H
#define NMOD_CLOOP_FE_H

#include <stdint.h>

#include "cloop.h"

enum {
  CFE_OK = 0,      /* no fault */
  CFE_LEADOFF = 1, /* a sensing contact is open */
  CFE_CLIP = 2,    /* the front end is at its rail */
  CFE_NOISE = 3,   /* a burst of noise */
  CFE_DEAD = 4,    /* the ECAP no longer responds to current */
  CFE_COUNT
};

#define CFE_RAIL_UV 10000 /* the reading at the rail */
#define CFE_NOISE_UV 300  /* a noise burst's amplitude */

typedef struct {
  uint32_t thr_ua;       /* the threshold at its lowest */
  uint32_t swing_ua;     /* how far it rises */
  uint32_t period_units; /* one movement down and back, units (even, >= 2) */
  uint32_t uv_per_ma;    /* growth above threshold */
  uint32_t rng;
  uint32_t unit;         /* units measured */
  uint8_t fault;         /* CFE_* */
} cfe_t;

/* The default cord: threshold 2.0-3.0 mA over 1000 units (20 s at 50 Hz), 50 uV per mA
 * above it, so a 50 uV target needs 3.0-4.0 mA; no fault. */
void cfe_init(cfe_t *f);
/* Inject a fault from the next measurement on (CFE_OK clears it); others are ignored. */
void cfe_fault(cfe_t *f, uint8_t fault);
/* The ECAP threshold at the next unit, uA. */
uint32_t cfe_threshold_ua(const cfe_t *f);
/* The unit just delivered at amp_ua (its cathodic total): what the front end measured. */
void cfe_measure(cfe_t *f, uint32_t amp_ua, cloop_sample_t *s);

#endif
