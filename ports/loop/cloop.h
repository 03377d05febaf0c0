/* cloop.h: the closed loop, as the output stage runs it per pulse (docs/CLOSED-LOOP.md).
 * One module for both ports (ports/sim, ports/cortexm), as the limiter is.
 *
 * The core hands the stage a channel with loop.on and node currents at the loop's ceiling
 * (nmod/pattern.h). Before each unit (a tonic pulse with its recharge, or a whole burst
 * with its recharge) the stage asks cloop_amp() for the amplitude, scales the channel's
 * currents to it with cloop_scale() (never above the ceiling, sums kept at zero), delivers
 * the unit, and gives cloop_sample() the ECAP its sensing front end measured after it. The
 * amplitude therefore changes only between units: never inside a burst, never between a
 * phase and its recharge.
 *
 * The controller estimates, from each measurement, the amplitude that would have put the
 * ECAP on target (a relative correction: the growth curve's slope falls with distance
 * while the threshold rises, so the needed change in percent hardly depends on posture),
 * follows that estimate with an alpha-beta filter (level and trend, so a posture ramp is
 * followed without lag, noise is smoothed, a cough is met at once), and sets the next unit
 * there: up by at most the step limit per unit (a fall is never limited: it lowers
 * stimulation), between the floor and the ceiling. It watches the measurement and falls back to a fixed amplitude, never
 * above the last good one, on a lost sensing contact (lead-off flag, or a flat signal), a
 * saturated front end, a burst of noise, or an ECAP that no longer responds to current.
 * A fallback lasts until the core starts the loop again.
 *
 * Integer arithmetic only; every product is bounded (see each); any input is safe.
 */
#ifndef NMOD_CLOOP_H
#define NMOD_CLOOP_H

#include <stdint.h>

#include "nmod/pattern.h"
#include "nmod/port.h"

/* The stage's amplitude resolution (uA): nmod/limits.h's NM_LOOP_RES_UA, the stage's own
 * copy (checked equal at compile time in cloop.c). */
#define CLOOP_RES_UA 10u

/* What the sensing front end says about one measurement. */
enum {
  CLOOP_S_LEADOFF = 1u << 0, /* its lead-off detector: a sensing contact is open */
  CLOOP_S_CLIP = 1u << 1     /* the amplifier or converter is at its rail */
};

typedef struct {
  int32_t uv;    /* the ECAP amplitude measured after the unit, uV (artefact removed as it can) */
  uint8_t flags; /* CLOOP_S_* */
} cloop_sample_t;

/* The channel's current-carrying nodes, for scaling (computed once per pattern). */
typedef struct {
  uint8_t n;
  uint8_t node[NM_NODES];
  int32_t ua[NM_NODES];  /* at the ceiling */
  uint32_t ceil_ua;      /* the ceiling: the channel's cathodic total */
} cloop_chan_t;

/* Detection (docs/CLOSED-LOOP.md "Sensor faults"). */
#define CLOOP_RUN_FLAG 3u       /* consecutive flagged samples: lead-off or clipping */
#define CLOOP_RUN_FLAT 24u      /* consecutive samples with no change at all: no contact */
#define CLOOP_RUN_LOW 25u       /* consecutive samples without a response while raising ... */
#define CLOOP_RISE_MIN_UA 500u  /* ... by half again, and at least this much */

typedef struct {
  uint8_t prog;            /* program slot of the channel */
  uint8_t state;           /* NM_LOOP_RUN or NM_LOOP_FALLBACK */
  uint8_t fault;           /* NM_LOOP_F_* */
  uint8_t event;           /* 1: fell back since the stage last told the core */
  nm_loop_bounds_t b;
  uint32_t ceil_ua;
  int64_t lvl_q8;          /* the filter's level: the amplitude the target needs, uA x 256 */
  int64_t trend_q8;        /* its trend per unit, uA x 256 */
  int64_t acc_q8;          /* the trend's change per unit (while moving) */
  int64_t res_var;         /* the residuals' recent variance, (uA x 256)^2 */
  uint8_t primed;          /* the filter has had its first sample */
  uint8_t capped;          /* the ceiling held the last amplitude down */
  uint16_t move_hold;      /* units the quick gains still hold (the cord moved) */
  uint32_t amp_ua;         /* the amplitude of the next unit (a multiple of CLOOP_RES_UA) */
  uint32_t last_ua;        /* the amplitude of the last unit delivered */
  uint32_t last_good_ua;   /* of the last unit measured valid and inside the window, 0: none */
  uint32_t fallback_ua;
  int32_t last_uv, prev_uv;
  uint8_t n_seen;          /* samples seen, up to 2 (for the second difference) */
  uint32_t noise_q4;       /* smoothed |second difference| of the samples, uV x 16 */
  uint16_t run_leadoff, run_clip, run_flat, run_low;
  uint32_t low_from_ua;    /* amplitude when the response was first missing */
  uint32_t low_ceil_ua;    /* the ceiling then (a rise of it is a soft start, not the loop) */
  uint16_t run_pinned;     /* of those units, in a row at the ceiling wanting more */
  uint64_t units, in_window, sum_amp_ua;
} cloop_t;

/* The nodes of a channel and its ceiling. */
void cloop_chan_of(const nm_chan_t *ch, cloop_chan_t *cc);
/* Node currents of one unit at amplitude amp_ua (clamped to the ceiling): out[i] for
 * cc->node[i]. Every |out[i]| <= |cc->ua[i]| with the same sign, and the currents sum to
 * zero. Returns the unit's cathodic total (<= amp_ua). */
uint32_t cloop_scale(const cloop_chan_t *cc, uint32_t amp_ua, int32_t out[NM_NODES]);

/* Start a loop for program `prog` on a channel with loop.on (ceiling ceil_ua). */
void cloop_start(cloop_t *l, uint8_t prog, const nm_loop_bounds_t *b, uint32_t ceil_ua);
/* New bounds or a new ceiling for a running loop (a new pattern for the same program):
 * its state goes on; the amplitude is held inside the new floor and ceiling. */
void cloop_rebound(cloop_t *l, const nm_loop_bounds_t *b, uint32_t ceil_ua);
/* The amplitude of the next unit. */
static inline uint32_t cloop_amp(const cloop_t *l) { return l->amp_ua; }
/* The unit was delivered at cloop_amp() and measured: judge the sample, move the
 * amplitude of the next unit (or fall back). */
void cloop_sample(cloop_t *l, const cloop_sample_t *s);
/* What the core reads (nmod/port.h). */
void cloop_status(const cloop_t *l, nm_loop_status_t *st);

/* The loops of one output stage, one per looped program: a loop outlives a pattern (a new
 * pattern of the same program goes on with its state). */
typedef struct {
  cloop_t l[NM_MAX_RUNNING];
  uint8_t n;
} cloop_set_t;

/* The loop of ch's program (ch->loop.on, ceiling ceil_ua): kept and given the new bounds
 * when the set has one, else started; keep[i] is set for it. Returns its index, -1 when
 * the set is full (never: one per channel). */
int8_t cloop_set_for(cloop_set_t *set, const nm_chan_t *ch, uint32_t ceil_ua, uint8_t keep[NM_MAX_RUNNING]);
/* Ends the loops not kept and moves the others down: map[i] is the new index of loop i
 * (-1: ended). */
void cloop_set_keep(cloop_set_t *set, const uint8_t keep[NM_MAX_RUNNING], int8_t map[NM_MAX_RUNNING]);
/* The loop of program `prog`, NULL when none. */
cloop_t *cloop_set_find(cloop_set_t *set, uint8_t prog);

/* What one sample says the target needs: the amplitude amp_ua, measured e_uv below the
 * target (negative: above), asks for amp x (1 + e / (P x target)), bounded to 0.3..1.5 times
 * amp_ua; uA x 256 (exposed for the tests). */
uint64_t cloop_need_q8(uint32_t amp_ua, int32_t e_uv, uint16_t target_uv);

#endif
