#define _POSIX_C_SOURCE 200809L
/* clsim.c: see clsim.h. */
#include "clsim.h"

#include <math.h>
#include <string.h>
#include <time.h>

static double wall_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int cls_loop_slot(const tf_therapy_t *t) {
  for (uint8_t i = 0; i < t->n_prog; i++) {
    if ((t->running_mask & (1u << i)) && t->prog[i].loop.closed) return i;
  }
  return -1;
}

uint32_t cls_open_amp_ua(const tf_therapy_t *t, int slot, const sim_cord_params_t *cord, double csf_mm) {
  if (slot < 0 || slot >= t->n_prog) return 0;
  const nm_prog_t *p = &t->prog[slot];
  double target = p->loop.target_uv;
  if (p->width_us == 0 || target >= cord->max_uv) return 0;
  /* E = max tanh(S (Q - ET) / max) = target  <=>  Q = ET + max atanh(target / max) / S. */
  double et = sim_cord_et_nc(cord, csf_mm);
  double s = cord->slope_uv_nc * exp(-(csf_mm - cord->ref_mm) / cord->slope_mm);
  double q = et + cord->max_uv * atanh(target / cord->max_uv) / s;
  double ua = q * 1000.0 / (double)p->width_us;
  double steps = floor(ua / NM_AMP_STEP_UA + 0.5);
  if (!(steps >= 1.0) || steps * NM_AMP_STEP_UA > NM_AMP_MAX_UA) return 0;
  return (uint32_t)steps * NM_AMP_STEP_UA;
}

int cls_run(const cls_run_t *r, int open_loop, cls_figures_t *out, dev_refusal_t *why) {
  static simdev_t d;
  static tf_therapy_t t;
  static sim_cord_t cord;
  memset(out, 0, sizeof *out);
  memset(why, 0, sizeof *why);
  why->slot = 0xFF;
  int slot = cls_loop_slot(r->t);
  if (slot < 0) return NM_ENOENT;
  t = *r->t;
  nm_prog_t *p = &t.prog[slot];
  uint16_t target = p->loop.target_uv, lo = p->loop.lo_uv, hi = p->loop.hi_uv;
  if (open_loop) {
    uint32_t a = cls_open_amp_ua(&t, slot, &r->cord, r->trace->pts[0].csf_mm);
    if (a == 0) return NM_EINVAL;
    memset(&p->loop, 0, sizeof p->loop);
    p->amp_ua = a;
    if (p->pt_max_ua < a) p->pt_max_ua = a;
    out->fixed_amp_ua = a;
  }
  sim_cord_init(&cord, &r->cord, r->trace->pts, r->trace->n, (uint8_t)slot, target, lo, hi, r->seed);
  cord.unit_fn = r->unit_fn;
  cord.unit_user = r->unit_user;
  int st = simdev_start_ex(&d, &t, r->pf, &cord, why);
  if (st != NM_OK) return st;
  if (r->trace_fn) sim_trace(&d.hw, r->trace_fn, r->trace_user, r->trace_from_us * 1000u, r->trace_to_us * 1000u);
  double w0 = wall_now();
  sim_run(&d.hw, &d.core, r->dur_us);
  out->wall_s = wall_now() - w0;
  const sim_cord_stats_t *s = &cord.st;
  out->units = s->units;
  if (s->units) {
    out->mean_dev_uv = s->sum_abs_dev_uv / (double)s->units;
    out->rms_dev_uv = sqrt(s->sum_sq_dev_uv / (double)s->units);
    out->in_window_pct = 100.0 * (double)s->in_window / (double)s->units;
    out->mean_amp_ua = (double)s->sum_amp_ua / (double)s->units;
    out->min_amp_ua = s->min_amp_ua;
    out->max_amp_ua = s->max_amp_ua;
    out->loop_pct = 100.0 * (double)s->loop_units / (double)s->units;
  }
  out->above_discomfort = s->above_discomfort;
  out->below_threshold = s->below_threshold;
  out->over_limit = s->over_limit;
  out->over_ceiling = s->over_ceiling;
  out->pulses = d.hw.out.pulses;
  out->wakeups = d.core.wakeups;
  out->wakeups_per_s = r->dur_us ? (double)d.core.wakeups * 1e6 / (double)r->dur_us : 0.0;
  out->battery_used_uah = sim_batt_used_uah(&d.hw);
  if (!open_loop) {
    out->loop_state = ((unsigned)d.core.set.loop_on >> slot) & 1u ? (uint8_t)NM_LOOP_RUN : (uint8_t)NM_LOOP_FALLBACK;
    out->loop_fault = d.core.loop_fault[slot];
  }
  return NM_OK;
}
