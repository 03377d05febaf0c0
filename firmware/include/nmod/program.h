/* nmod/program.h: a stimulation program as the core stores it.
 *
 * Values given by a user are uint32 so that any out-of-range value reaches the safety
 * supervisor intact and is refused with its reason, instead of wrapping on the way in.
 */
#ifndef NMOD_PROGRAM_H
#define NMOD_PROGRAM_H

#include <stdint.h>
#include "nmod/limits.h"

typedef enum { NM_WAVE_TONIC = 0, NM_WAVE_BURST = 1, NM_WAVE_HF = 2, NM_WAVE_COUNT } nm_wave;

/* Closed loop (docs/CLOSED-LOOP.md, THERAPY-FORMAT.md "closed_loop"): the output stage
 * sets the amplitude pulse by pulse to hold the evoked response at a target, never above
 * max_ua, by at most step_ua from one pulse (or burst) to the next. closed = 0: none. */
typedef struct {
  uint8_t closed;      /* 1: the program has a closed loop */
  uint16_t target_uv;  /* ECAP target the clinician set */
  uint16_t lo_uv;      /* therapeutic window (perception to discomfort), ECAP uV */
  uint16_t hi_uv;
  uint16_t pt_lo_uv;   /* the range the patient may move the target within */
  uint16_t pt_hi_uv;
  uint32_t max_ua;     /* the loop's ceiling: the supervisor judges the program here */
  uint32_t step_ua;    /* largest change per pulse (per burst) */
} nm_loop_cfg_t;

typedef struct {
  char name[NM_NAME_LEN]; /* NUL-terminated, printable ASCII, not empty */
  uint32_t wave;          /* nm_wave */
  uint32_t rate_hz;       /* tonic/HF: pulse rate; burst: burst rate */
  uint32_t burst_pulses;  /* burst: pulses per burst; 0 otherwise */
  uint32_t intra_hz;      /* burst: rate of pulses inside a burst; 0 otherwise */
  uint32_t width_us;      /* width of the stimulating phase of each pulse */
  uint32_t gap_us;        /* interphase gap before the active recharge */
  uint32_t amp_ua;        /* programmed amplitude, multiple of NM_AMP_STEP_UA */
  uint32_t pt_min_ua;     /* the patient's range (remote) */
  uint32_t pt_max_ua;
  uint32_t cyc_on_s;      /* cycling: 0/0 = continuous */
  uint32_t cyc_off_s;
  uint32_t ramp_ms;       /* soft start/stop, multiple of NM_RAMP_TICK_MS */
  /* Current fraction of each node in the stimulating phase, percent: cathodes negative and
   * summing to -100, anodes positive and summing to +100; 0 = not used. */
  int8_t frac_pct[NM_NODES];
  nm_loop_cfg_t loop;
} nm_prog_t;

/* The program's timing and reach in ACSL, as the functions below compute them without
 * their saturation (docs/ASSURANCE.md). */
/*@
  logic integer nm_abs(integer x) = x < 0 ? -x : x;
  logic integer nm_reach0(nm_prog_t *p) = p->amp_ua > p->pt_max_ua ? p->amp_ua : p->pt_max_ua;
  logic integer nm_reach(nm_prog_t *p) =
    p->loop.closed != 0 && p->loop.max_ua > nm_reach0(p) ? p->loop.max_ua : nm_reach0(p);
  logic integer nm_recharge_us(nm_prog_t *p) =
    p->wave == NM_WAVE_BURST ? p->burst_pulses * p->width_us : p->width_us;
  // From the first stimulating phase to the end of the recharge, ns.
  logic integer nm_span_ns(nm_prog_t *p) =
    (p->width_us + p->gap_us + nm_recharge_us(p)) * 1000 +
    (p->wave == NM_WAVE_BURST && p->burst_pulses > 1 && p->intra_hz > 0 ?
       (p->burst_pulses - 1) * 1000000000 / p->intra_hz : 0);
*/

/* Length of a pulse as the output stage delivers it, from the first stimulating phase to
 * the end of the recharge: tonic/HF 2*width+gap; burst: the whole burst and its recharge. */
/*@ requires \valid_read(p);
    assigns \nothing; */
uint32_t nm_prog_pulse_span_us(const nm_prog_t *p);
/* Width of the recharge phase: width for tonic/HF, burst_pulses*width for burst (one
 * recharge of equal charge after the last pulse of the burst). */
/*@ requires \valid_read(p);
    assigns \nothing;
    ensures \result == (nm_recharge_us(p) > 4294967295 ? 4294967295 : nm_recharge_us(p)); */
uint32_t nm_prog_recharge_us(const nm_prog_t *p);
/* Base period: 1e9/rate_hz ns, rounded down (0 when rate_hz is 0). */
/*@ requires \valid_read(p);
    assigns \nothing;
    ensures \result == (p->rate_hz > 0 ? 1000000000 / p->rate_hz : 0); */
uint32_t nm_prog_period_ns(const nm_prog_t *p);
/* nm_prog_pulse_span_us in ns as the output stage times it: burst pulse m starts
 * floor(m * 1e9 / intra_hz) ns after the first. */
/*@ requires \valid_read(p);
    assigns \nothing;
    ensures nm_recharge_us(p) <= 4294967295 ==> \result == nm_span_ns(p);
    ensures nm_recharge_us(p) > 4294967295 ==> \result >= 4294967295000; */
uint64_t nm_prog_span_ns(const nm_prog_t *p);
/* Cathodic (stimulating) phases per second. */
/*@ requires \valid_read(p);
    assigns \nothing; */
uint32_t nm_prog_pulses_per_s(const nm_prog_t *p);
/* Highest amplitude the program can reach: max(amp, patient maximum, the loop's ceiling). */
/*@ requires \valid_read(p);
    assigns \nothing;
    ensures \result == nm_reach(p); */
uint32_t nm_prog_reach_ua(const nm_prog_t *p);
/* Current of node `node` at amplitude `amp_ua` in the stimulating phase, uA (signed). Exact
 * when amp_ua is a multiple of NM_AMP_STEP_UA. */
/*@ requires \valid_read(p);
    assigns \nothing;
    ensures node >= NM_NODES ==> \result == 0;
    ensures node < NM_NODES && nm_abs(amp_ua * p->frac_pct[node] / 100) <= 2147483647 ==>
      \result == amp_ua * p->frac_pct[node] / 100; */
int32_t nm_prog_node_ua(const nm_prog_t *p, uint8_t node, uint32_t amp_ua);

#endif
