/* clsim.h: a closed-loop therapy on the simulated hardware over a posture trace, and the
 * figures of issue 15 (docs/CLOSED-LOOP.md "Measurement"): the deviation of the true ECAP
 * from the target, the share of pulses inside the window, pulses above the discomfort and
 * below the ECAP threshold, pulses over a limit. The same for the program open loop, at
 * the fixed amplitude that puts the trace's first posture on target. */
#ifndef NMOD_CLSIM_H
#define NMOD_CLSIM_H

#include <stdint.h>

#include "posture.h"
#include "simdev.h"

typedef struct {
  uint64_t units;
  double mean_dev_uv, rms_dev_uv;
  double in_window_pct;
  uint64_t above_discomfort, below_threshold, over_limit, over_ceiling;
  double mean_amp_ua;
  uint32_t min_amp_ua, max_amp_ua;
  double loop_pct;         /* share of units with the loop running */
  uint32_t fixed_amp_ua;   /* open loop: the amplitude used */
  uint64_t pulses, wakeups;
  double wakeups_per_s;
  uint64_t battery_used_uah;
  uint8_t loop_state, loop_fault; /* at the end (NM_LOOP_*, NM_LOOP_F_*) */
  double wall_s;
} cls_figures_t;

typedef struct {
  const tf_therapy_t *t;
  const pt_trace_t *trace;
  sim_cord_params_t cord;
  uint64_t dur_us;
  uint64_t seed;          /* the measurement noise */
  sim_unit_fn unit_fn;    /* every measured unit (may be NULL) */
  void *unit_user;
  sim_phase_fn trace_fn;  /* traced phases over [trace_from_us, trace_to_us) (may be NULL) */
  void *trace_user;
  uint64_t trace_from_us, trace_to_us;
  const nm_profile_t *pf; /* the hardware profile with a full cell, or NULL: bench supply */
} cls_run_t;

/* The slot of the first running program with a closed loop, or -1. */
int cls_loop_slot(const tf_therapy_t *t);
/* The fixed amplitude (0.1 mA steps, nearest) that puts program `slot` on its target at
 * the first posture; 0 when the target cannot be reached. */
uint32_t cls_open_amp_ua(const tf_therapy_t *t, int slot, const sim_cord_params_t *cord, double csf_mm);
/* Run r closed loop (open_loop = 0) or open loop at cls_open_amp_ua (open_loop = 1).
 * Returns NM_OK, or the device's refusal (*why says why), or NM_ENOENT when the
 * therapy has no closed-loop program, NM_ERANGE-like NM_EINVAL when the open-loop
 * amplitude cannot reach the target. */
int cls_run(const cls_run_t *r, int open_loop, cls_figures_t *out, dev_refusal_t *why);

#endif
