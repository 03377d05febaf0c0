/* test_cl_property.c: the closed loop end to end on the simulated stimulator (the firmware
 * core, the output stage with its loop and limiter, the cord model), over random cord
 * parameters and random posture traces (the seed is printed; NMOD_SEED replays it).
 *
 * For every unit (a pulse with its recharge): no node over the limiter's ceiling, the
 * amplitude never above the loop's ceiling (max_ma, which the supervisor judged); at the
 * end every node's net charge within one unit of zero. On traces that change no faster
 * than 20 mm/s: no unit above the discomfort threshold while the loop runs, wherever the
 * window lies under discomfort (the ECAP at the discomfort threshold above the window's
 * top), counting the loop's one unit of sensing latency: a unit's amplitude is chosen from
 * the previous unit's measurement, so the window must lie under this unit's discomfort
 * also as seen from where the cord was then (docs/CLOSED-LOOP.md, "Sensing latency").
 * On faster traces (coughs up to 100 mm/s): at most a loop reaction's worth of units in a
 * row above it. */
#include "testutil.h"

#include <math.h>

#include "clsim.h"
#include "simdev.h"

#define DUR_S 40u
#define ITERATIONS 60
#define REACTION_UNITS 5u /* 100 ms at 50 Hz: what one loop reaction may let through */

typedef struct {
  const sim_cord_params_t *par;
  uint32_t ceil_ua;
  uint16_t hi_uv;
  int fast;
  double prev_csf_mm; /* where the cord was at the previous unit (< 0: none yet) */
  uint64_t units, judged, latency_only, above, run_above, max_run_above;
  uint64_t bad;
  char why[160];
} watch_t;

/* Whether holding the window's top from where the cord was (at at_mm) stays under the
 * discomfort charge at this unit, with 5 % to spare. */
static int window_under_discomfort(const watch_t *w, double at_mm, double dt_nc) {
  return sim_cord_ecap_uv(w->par, at_mm, dt_nc) > (double)w->hi_uv * 1.05;
}

static void on_unit(void *user, const sim_unit_t *u) {
  watch_t *w = user;
  double prev_mm = w->prev_csf_mm < 0 ? u->csf_mm : w->prev_csf_mm;
  w->prev_csf_mm = u->csf_mm;
  w->units++;
  if (u->over_limit && !w->bad++) snprintf(w->why, sizeof w->why, "unit at %llu ns over the limiter", (unsigned long long)u->t_ns);
  if ((u->amp_ua > w->ceil_ua || u->amp_ua > u->ceil_ua) && !w->bad++) {
    snprintf(w->why, sizeof w->why, "unit at %llu ns: %u uA over the ceiling %u", (unsigned long long)u->t_ns, u->amp_ua,
             w->ceil_ua);
  }
  if (u->loop_state != NM_LOOP_RUN) {
    w->run_above = 0;
    return;
  }
  /* The window lies under discomfort here, also as the loop saw the cord one unit ago:
   * holding the target must not hurt. */
  int here = window_under_discomfort(w, u->csf_mm, u->dt_nc);
  if (!here || !window_under_discomfort(w, prev_mm, u->dt_nc)) {
    if (here) w->latency_only++;
    w->run_above = 0;
    return;
  }
  w->judged++;
  if (u->q_nc > u->dt_nc) {
    w->above++;
    w->run_above++;
    if (w->run_above > w->max_run_above) w->max_run_above = w->run_above;
  } else {
    w->run_above = 0;
  }
}

static double urand(uint64_t *s, double lo, double hi) {
  return lo + (hi - lo) * (double)(tu_rand(s) >> 11) / 9007199254740992.0;
}

/* A random cord around the documented default (docs/CLOSED-LOOP.md), inside the ranges
 * nmod-cord/1 accepts. */
static void random_cord(uint64_t *s, sim_cord_params_t *p) {
  sim_cord_defaults(p);
  p->et_nc = urand(s, 400.0, 900.0);
  p->et_mm = urand(s, 2.0, 5.0);
  p->slope_uv_nc = urand(s, 0.15, 0.4);
  p->slope_mm = urand(s, 1.8, 4.0);
  p->perception = urand(s, 1.05, 1.3);
  p->discomfort = urand(s, 1.5, 2.2);
  p->noise_uv = urand(s, 1.0, 3.0);
  p->artefact_uv_ma = urand(s, 0.0, 0.5);
  const char *what;
  assert_int_equal(sim_cord_params_check(p, &what), 0);
}

/* A random trace over DUR_S s between 2 and 7 mm: holds, ramps (posture changes, walking)
 * and, when fast, coughs; never faster than max_mm_s. */
static size_t random_trace(uint64_t *s, sim_posture_pt_t *pts, size_t cap, double max_mm_s, int fast) {
  size_t n = 0;
  double t = 0.0, d = urand(s, 2.5, 6.0);
  pts[n++] = (sim_posture_pt_t){0, d};
  while (t < DUR_S + 1.0 && n + 4 < cap) {
    uint32_t kind = tu_range(s, 0, 9);
    double nd = d, dt;
    if (fast && kind == 0) {
      /* A cough: 1.0-1.5 mm closer within 50-100 ms, back within about 300 ms. */
      double depth = urand(s, 1.0, 1.5), down = urand(s, 0.05, 0.1);
      if (d - depth < 0.5) depth = d - 0.5;
      t += down;
      pts[n++] = (sim_posture_pt_t){(uint64_t)(t * 1e9), d - depth};
      t += urand(s, 0.25, 0.35);
      pts[n++] = (sim_posture_pt_t){(uint64_t)(t * 1e9), d};
      continue;
    }
    if (kind < 4) {
      dt = urand(s, 0.2, 3.0); /* hold */
    } else {
      nd = urand(s, 2.0, 7.0);
      double rate = urand(s, 0.5, max_mm_s);
      dt = fabs(nd - d) / rate;
      if (dt < 0.01) dt = 0.01;
    }
    t += dt;
    d = nd;
    pts[n++] = (sim_posture_pt_t){(uint64_t)(t * 1e9), d};
  }
  return n;
}

static void run_one(const tf_therapy_t *base, uint64_t *s, int fast, watch_t *w) {
  static simdev_t dev;
  static sim_cord_t cord;
  static sim_posture_pt_t pts[4096];
  sim_cord_params_t par;
  random_cord(s, &par);
  size_t n = random_trace(s, pts, sizeof pts / sizeof pts[0], fast ? 60.0 : 19.0, fast);
  pt_trace_t tr = {pts, n};
  if (!fast) assert_true(pt_max_rate_mm_s(&tr) <= 20.0 + 1e-9);
  tf_therapy_t t = *base;
  int slot = cls_loop_slot(&t);
  assert_true(slot >= 0);
  const nm_loop_cfg_t *l = &t.prog[slot].loop;
  memset(w, 0, sizeof *w);
  w->prev_csf_mm = -1.0;
  w->par = &par;
  w->ceil_ua = l->max_ua;
  w->hi_uv = l->hi_uv;
  w->fast = fast;
  sim_cord_init(&cord, &par, pts, n, (uint8_t)slot, l->target_uv, l->lo_uv, l->hi_uv, tu_rand(s));
  cord.unit_fn = on_unit;
  cord.unit_user = w;
  dev_refusal_t why;
  assert_int_equal(simdev_start_ex(&dev, &t, NULL, &cord, &why), NM_OK);
  sim_run(&dev.hw, &dev.core, (uint64_t)DUR_S * 1000000u);
  if (w->bad) fail_msg("seed replay: %s", w->why);
  assert_true(w->units >= DUR_S * 49u);
  assert_int_equal(cord.st.over_limit, 0);
  assert_int_equal(cord.st.over_ceiling, 0);
  /* Net charge: each node within one unit of zero (a unit may be cut by the run's end). */
  const nm_prog_t *p = &t.prog[slot];
  int64_t unit_pc = (int64_t)l->max_ua * (int64_t)p->width_us;
  for (int nd = 0; nd < NM_NODES; nd++) {
    int64_t net = dev.hw.out.node_net_pc[nd];
    if (net > unit_pc || net < -unit_pc) fail_msg("seed replay: node %d net charge %lld pC", nd, (long long)net);
  }
}

static void test_property_random_cords_and_traces(void **state) {
  (void)state;
  char err[256];
  static tf_therapy_t t;
  const char *src = getenv("NMOD_SRC");
  char path[1024];
  snprintf(path, sizeof path, "%s/examples/scs-closed-loop.json", src ? src : NMOD_SRC_DIR);
  assert_int_equal(tf_load(path, &t, err, sizeof err), 0);
  uint64_t s = tu_seed("property_closed_loop_cords_traces");
  uint64_t judged_slow = 0, above_slow = 0, judged_fast = 0, above_fast = 0, worst_fast = 0, latency_slow = 0;
  for (int it = 0; it < ITERATIONS; it++) {
    int fast = it % 2;
    watch_t w;
    run_one(&t, &s, fast, &w);
    if (fast) {
      judged_fast += w.judged;
      above_fast += w.above;
      if (w.max_run_above > worst_fast) worst_fast = w.max_run_above;
      if (w.max_run_above > REACTION_UNITS) {
        fail_msg("seed replay: iteration %d (fast): %llu units in a row above discomfort", it,
                 (unsigned long long)w.max_run_above);
      }
    } else {
      judged_slow += w.judged;
      latency_slow += w.latency_only;
      above_slow += w.above;
      if (w.above) fail_msg("seed replay: iteration %d (slow): %llu units above discomfort", it, (unsigned long long)w.above);
    }
  }
  printf("  slow traces: %llu units judged (%llu more not, the window under discomfort only without the latency), "
         "%llu above discomfort; fast traces: %llu judged, %llu above, at most %llu in a row\n",
         (unsigned long long)judged_slow, (unsigned long long)latency_slow, (unsigned long long)above_slow,
         (unsigned long long)judged_fast,
         (unsigned long long)above_fast, (unsigned long long)worst_fast);
  /* The judgement applied to a good share of the units (else the checks above said little):
   * a quarter of the slow traces' units at least (about half on most seeds). */
  assert_true(judged_slow > (ITERATIONS / 2u) * DUR_S * 50u / 4u);
}

/* The largest cathodic current of any phase, for the trace below. */
static void on_phase_max(void *user, const sim_phase_t *ph) {
  uint32_t *max = user;
  for (int n = 0; n < NM_NODES; n++) {
    uint32_t a = (uint32_t)(ph->node_ua[n] < 0 ? -ph->node_ua[n] : 0);
    if (a > *max) *max = a;
  }
}

/* An output stage that runs no loop (port.out_loop NULL, as the Cortex-M port's) would
 * deliver the ceiling the core hands a looped channel: there the core runs the program
 * open loop at its amplitude, and refuses to turn a loop on. */
static void test_stage_without_loop(void **state) {
  (void)state;
  char err[256];
  static tf_therapy_t t;
  static simdev_t dev;
  static sim_cord_t cord;
  const char *src = getenv("NMOD_SRC");
  char path[1024];
  snprintf(path, sizeof path, "%s/examples/scs-closed-loop.json", src ? src : NMOD_SRC_DIR);
  assert_int_equal(tf_load(path, &t, err, sizeof err), 0);
  int slot = cls_loop_slot(&t);
  assert_true(slot >= 0);
  sim_posture_pt_t pt = {0, 3.0};
  sim_cord_params_t par;
  sim_cord_defaults(&par);
  const nm_loop_cfg_t *l = &t.prog[slot].loop;
  sim_cord_init(&cord, &par, &pt, 1, (uint8_t)slot, l->target_uv, l->lo_uv, l->hi_uv, 1);
  dev_refusal_t why;
  assert_int_equal(simdev_start_ex(&dev, &t, NULL, &cord, &why), NM_OK);
  sim_run(&dev.hw, &dev.core, 5000000u);
  assert_true(cord.st.loop_units > 0); /* with the loop: it ran */
  /* The same device on a stage without a loop. */
  dev.hw.port.out_loop = NULL;
  assert_int_equal(nm_core_therapy(&dev.core, NM_ROLE_CLINICIAN, 0), NM_OK);
  sim_run(&dev.hw, &dev.core, 10000000u);
  assert_int_equal(nm_core_therapy(&dev.core, NM_ROLE_CLINICIAN, 1), NM_OK);
  assert_int_equal(nm_core_loop(&dev.core, NM_ROLE_PATIENT, (uint8_t)slot, 1), NM_ENOENT);
  uint32_t max_ua = 0;
  sim_trace(&dev.hw, on_phase_max, &max_ua, dev.hw.now_ns, UINT64_MAX);
  uint64_t loop_units = cord.st.loop_units;
  sim_run(&dev.hw, &dev.core, 20000000u);
  assert_true(max_ua > 0);
  assert_true(max_ua <= t.prog[slot].amp_ua); /* the amplitude, never the ceiling */
  assert_true(max_ua < l->max_ua);
  assert_int_equal(cord.st.loop_units, loop_units);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_property_random_cords_and_traces),
      cmocka_unit_test(test_stage_without_loop),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
