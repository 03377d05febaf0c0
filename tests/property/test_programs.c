/* test_programs.c: the safety property over thousands of random programs.
 *
 * Programs are drawn around and beyond every limit and sent through the command layer
 * (the radio's path). An accepted therapy must never produce a pulse over the limits, as
 * judged here independently in floating point; the charge a contact has taken since therapy
 * began must stay within one pulse's charge at every phase boundary (one burst's, for burst:
 * its single recharge balances the burst), so over any window it stays within one pulse's
 * charge of each polarity that uses the contact (one pulse's when a contact is used in one
 * polarity, as in every single-program therapy); the output stage's limiter must never
 * trip. A refused therapy must
 * change nothing: not the settings, not the output. Every pattern the core hands the output
 * stage is judged too: none may break the limits.
 *
 * A second run draws therapies at the charge limits (within a few steps either side of the
 * highest safe amplitude, on every lead), where a limiter stricter than the supervisor would
 * trip. With --mutant NAME (a build against a deliberately broken supervisor, from
 * tests/mutants/mutants.txt) the same run counts what the broken supervisor let through to
 * the output stage (must be > 0: the mutant is really broken) and the over-limit pulses
 * delivered (must be 0: the stage's own limiter stopped every one).
 * Seed printed; NMOD_SEED replays. */
#include <math.h>

#include "randprog.h"
#include "testdev.h"
#include "nmod/cmd.h"
#include "nmod/records.h"

#define ITERATIONS 3000

static tu_dev_t dev;

typedef struct {
  const nm_lead_t *lead;
  double pos_pc[NM_NODES];  /* largest unit (pulse or burst) with the node anodic in its stimulating phase */
  double neg_pc[NM_NODES];  /* ...and cathodic */
  int from_start;           /* the trace starts with therapy: nothing is open at its start */
  int64_t net[NM_NODES];    /* running signed charge per node, pC */
  uint64_t phases;
  int bad;                  /* a violation was seen */
  char why[160];
} watch_t;

/* The oracle's own contact areas, from the leads' dimensions (pi x diameter x length, or
 * width x length; see firmware/core/lead.c), not from the firmware's catalog. */
static double area_cm2(const nm_lead_t *lead, uint8_t n) {
  const double pi = 3.14159265358979324;
  if (n == NM_NODE_CASE) return 10.0;
  if (n >= lead->n_contacts) return 0.0;
  switch (lead->model) {
    case NM_LEAD_SNM_TINED_4: return pi * 0.127 * 0.3;
    case NM_LEAD_SCS_PERC_8: return pi * 0.130 * 0.3;
    case NM_LEAD_SCS_PADDLE_16: return 0.4 * 0.1;
    default: return lead->area_um2 / 1e8;
  }
}

/* The largest charge per phase (pC) the limits allow on node n: 30 uC/cm2 and k < 1.85. */
static double max_charge_pc(const nm_lead_t *lead, uint8_t n) {
  double a = area_cm2(lead, n);
  return 1e6 * fmin(30.0 * a, sqrt(pow(10.0, 1.85) * a));
}

/* Independent judgement of one phase's charge at node n. */
static int phase_ok(const nm_lead_t *lead, uint8_t n, double q_pc) {
  if (q_pc == 0) return 1;
  double q_uc = q_pc / 1e6, d = q_uc / area_cm2(lead, n);
  double k = log10(q_uc) + log10(d);
  return d <= 30.0 + 1e-9 && k < 1.85 + 1e-9;
}

static void on_phase(void *user, const sim_phase_t *ph) {
  watch_t *w = user;
  w->phases++;
  for (uint8_t n = 0; n < NM_NODES; n++) {
    int32_t ua = ph->node_ua[n];
    if (!ua) continue;
    if (!ph->recharge && !phase_ok(w->lead, n, fabs((double)ua) * ph->width_us) && !w->bad) {
      w->bad = 1;
      snprintf(w->why, sizeof w->why, "node %u: %d uA x %u us over the limits", n, ua, ph->width_us);
    }
    w->net[n] += (int64_t)ua * ph->width_us;
    /* Since therapy began the open charge is that of one unit; a window starting later may
     * also end a unit that began before it, of the other polarity. */
    double bound = w->from_start ? fmax(w->pos_pc[n], w->neg_pc[n]) : w->pos_pc[n] + w->neg_pc[n];
    if (fabs((double)w->net[n]) > bound + 0.5 && !w->bad) {
      w->bad = 1;
      snprintf(w->why, sizeof w->why, "node %u: net %lld pC over the bound (%.0f pC)", n, (long long)w->net[n], bound);
    }
  }
}

/* Every pattern the core hands the output stage, judged before the stage sees it. */
typedef struct {
  const nm_lead_t *lead;
  int (*load)(void *ctx, const nm_pattern_t *p); /* the stage's own out_load */
  uint64_t loads;
  uint64_t over;        /* patterns over the limits handed to the stage */
  uint64_t over_taken;  /* ...that the stage accepted (it must refuse every one) */
} stage_watch_t;

static stage_watch_t stage;

static int pattern_ok(const nm_lead_t *lead, const nm_pattern_t *p) {
  for (uint8_t c = 0; c < p->n_chan && c < NM_MAX_RUNNING; c++) {
    for (uint8_t n = 0; n < NM_NODES; n++) {
      if (!phase_ok(lead, n, fabs((double)p->chan[c].node_ua[n]) * p->chan[c].width_us)) return 0;
    }
  }
  return 1;
}

static int watched_load(void *ctx, const nm_pattern_t *p) {
  int over = !pattern_ok(stage.lead, p);
  int st = stage.load(ctx, p);
  stage.loads++;
  if (over) {
    stage.over++;
    if (st == NM_OK) stage.over_taken++;
  }
  return st;
}

/* A fresh device on `lead` whose output stage is watched. */
static void dev_init_watched(uint8_t therapy, const nm_lead_t *lead, uint32_t ohm) {
  tu_dev_init(&dev, therapy, lead, ohm);
  memset(&stage, 0, sizeof stage);
  stage.lead = lead;
  stage.load = dev.hw.port.out_load;
  dev.hw.port.out_load = watched_load; /* the core keeps the port by pointer */
}

static int wild; /* 1: values may fall outside their ranges */

static size_t program_all_req(uint8_t *buf, const nm_lead_t *lead, const nm_load_t *load, const nm_prog_t *p,
                              uint8_t n, uint8_t running) {
  nm_wr_t w;
  nm_wr_init(&w, buf, NM_CMD_MAX);
  nm_wire_put_program_all(&w, lead, load, running, n, p);
  assert_int_equal(w.err, NM_OK);
  return w.len;
}

static void test_random_programs(void **state) {
  (void)state;
  uint64_t s = tu_seed("property_random_programs");
  int accepted = 0, refused = 0;
  unsigned reasons[32] = {0};
  uint64_t phases = 0;
  static watch_t w;
  for (int it = 0; it < ITERATIONS; it++) {
    uint8_t therapy = (uint8_t)tu_range(&s, 0, 1);
    nm_lead_t lead;
    uint32_t r = tu_range(&s, 0, 4);
    if (r < 3) lead = *nm_lead_catalog((uint8_t)(r + 1));
    else lead = tu_custom_lead((uint8_t)tu_range(&s, 1, 16), tu_range(&s, NM_LEAD_AREA_MIN_UM2, 20000000));
    nm_load_t load = tu_load(tu_range(&s, 100, 3000), 12000);
    dev_init_watched(therapy, &lead, load.impedance_ohm);
    wild = tu_range(&s, 0, 2) == 0;
    uint8_t n = therapy == NM_THERAPY_SNM ? 1 : (uint8_t)(tu_range(&s, 0, 2) ? 1 : tu_range(&s, 2, 4));
    nm_prog_t progs[4];
    for (uint8_t i = 0; i < n; i++) progs[i] = rp_prog(&s, &lead, i, wild);
    uint8_t running = (uint8_t)((1u << n) - 1u);
    if (wild && tu_range(&s, 0, 10) == 0) running = 0;

    uint8_t req[NM_CMD_MAX], resp[NM_CMD_MAX];
    size_t rl, len = program_all_req(req, &lead, &load, progs, n, running);
    nm_settings_t before = dev.core.set;
    int st = nm_cmd_exec(&dev.core, NM_ROLE_CLINICIAN, req, len, resp, sizeof resp, &rl);
    if (st != NM_OK) {
      refused++;
      if (st == NM_EREFUSED && rl > 2) {
        nm_rd_t rr;
        nm_safety_report_t rep;
        nm_rd_init(&rr, resp + 2, rl - 2);
        nm_wire_get_report(&rr, &rep);
        for (int b = 0; b < 32; b++) reasons[b] += (rep.reasons >> b) & 1u;
      }
      assert_memory_equal(&before, &dev.core.set, sizeof before);
      assert_false(dev.hw.out.has_cur);
      tu_run_s(&dev, 2);
      assert_int_equal(dev.hw.out.pulses, 0);
      continue;
    }
    accepted++;
    /* Independent judgement at the highest amplitude each program can reach. */
    memset(&w, 0, sizeof w);
    w.lead = &dev.core.set.lead;
    for (uint8_t i = 0; i < n; i++) {
      const nm_prog_t *p = &progs[i];
      uint32_t reach = p->amp_ua > p->pt_max_ua ? p->amp_ua : p->pt_max_ua;
      for (uint8_t nd = 0; nd < NM_NODES; nd++) {
        double q = fabs((double)p->frac_pct[nd]) / 100.0 * reach * p->width_us;
        if (!phase_ok(&lead, nd, q)) fail_msg("accepted program %u breaks the limits at node %u (seed replay)", i, nd);
        double unit = q * (p->wave == NM_WAVE_BURST ? p->burst_pulses : 1);
        double *m = p->frac_pct[nd] > 0 ? &w.pos_pc[nd] : &w.neg_pc[nd];
        if (unit > *m) *m = unit;
      }
    }
    /* Run it: therapy on, random patient steps, a traced window, then off. */
    uint64_t dur_s = tu_range(&s, 1, 240);
    w.from_start = tu_range(&s, 0, 2) == 0;
    uint64_t from = dev.hw.now_ns + (w.from_start ? 0u : (uint64_t)tu_range(&s, 0, (uint32_t)dur_s) * 1000000000u);
    sim_trace(&dev.hw, on_phase, &w, from, from + tu_range(&s, 1, 150) * 1000000ull);
    uint8_t on[2] = {NM_OP_THERAPY, 1};
    assert_int_equal(nm_cmd_exec(&dev.core, NM_ROLE_PATIENT, on, 2, resp, sizeof resp, &rl), NM_OK);
    for (uint64_t t = 0; t < dur_s; t += 10) {
      tu_run_s(&dev, 10);
      uint8_t step[3] = {NM_OP_AMP_STEP, 0xFF, (uint8_t)(tu_range(&s, 0, 1) ? 1 : 0xFF)};
      (void)nm_cmd_exec(&dev.core, NM_ROLE_PATIENT, step, 3, resp, sizeof resp, &rl);
    }
    uint8_t off[2] = {NM_OP_THERAPY, 0};
    assert_int_equal(nm_cmd_exec(&dev.core, NM_ROLE_PATIENT, off, 2, resp, sizeof resp, &rl), NM_OK);
    tu_run_s(&dev, 12); /* longest soft stop is 10 s, then a frame */
    if (w.bad) fail_msg("seed replay: %s", w.why);
    assert_int_equal(dev.hw.out.st.tripped, 0);
    assert_int_equal(dev.core.fault, NM_FAULT_NONE);
    assert_int_equal(stage.over, 0);
    assert_false(dev.hw.out.has_cur);
    for (uint8_t nd = 0; nd < NM_NODES; nd++) {
      assert_int_equal(dev.hw.out.node_net_pc[nd], 0); /* every unit completed and balanced */
      assert_true(dev.hw.out.node_max_pc[nd] == 0 || phase_ok(&lead, nd, dev.hw.out.node_max_pc[nd]));
    }
    phases += w.phases;
  }
  printf("  %d accepted, %d refused, %llu traced phases checked\n  refusals by reason bit:", accepted, refused,
         (unsigned long long)phases);
  for (int b = 0; b < 32; b++) {
    if (reasons[b]) printf(" %d:%u", b, reasons[b]);
  }
  printf("\n");
  assert_true(accepted > ITERATIONS / 10);
  assert_true(refused > ITERATIONS / 10);
}

/* ---- at the charge limits, and against mutants --------------------------------------- */

#define NEAR_ITERATIONS 1500

static const char *mutant; /* --mutant NAME: this build's supervisor is broken on purpose */

/* A valid program on `lead` whose highest reachable amplitude lies near the highest one the
 * limits allow at its busiest node: a third of them exactly at that step or one above it,
 * the rest at 0.85x to 1.5x of it. Cycling off, short ramps, and sometimes a patient range
 * above the amplitude. */
static nm_prog_t near_limit_prog(uint64_t *s, const nm_lead_t *lead, int idx) {
  wild = 0;
  nm_prog_t p = rp_prog(s, lead, idx, 0);
  if (p.wave == NM_WAVE_HF && tu_range(s, 0, 3)) p.wave = NM_WAVE_TONIC; /* HF rarely reaches the limits */
  if (p.wave == NM_WAVE_TONIC) {
    p.rate_hz = 10u * tu_range(s, 1, 12);
    p.burst_pulses = 0;
    p.intra_hz = 0;
    if (p.width_us < 10) p.width_us = 10;
  }
  p.cyc_on_s = p.cyc_off_s = 0;
  p.ramp_ms = 100u * tu_range(s, 0, 5);
  double lim_ua = 1e12;
  for (uint8_t n = 0; n < NM_NODES; n++) {
    if (p.frac_pct[n] == 0) continue;
    double ua = max_charge_pc(lead, n) / (fabs((double)p.frac_pct[n]) / 100.0 * p.width_us);
    if (ua < lim_ua) lim_ua = ua;
  }
  uint32_t how = tu_range(s, 0, 5);
  double want = how < 2 ? (floor(lim_ua / NM_AMP_STEP_UA) + how) * NM_AMP_STEP_UA
                        : lim_ua * (0.85 + 0.65 * (double)tu_range(s, 0, 1000) / 1000.0);
  uint32_t reach = want >= NM_AMP_MAX_UA ? NM_AMP_MAX_UA : NM_AMP_STEP_UA * (uint32_t)(want / NM_AMP_STEP_UA + 0.5);
  p.pt_max_ua = reach;
  p.amp_ua = tu_range(s, 0, 2) ? reach : 100u * tu_range(s, reach / 200u, reach / 100u);
  p.pt_min_ua = 100u * tu_range(s, 0, p.amp_ua / 100u);
  return p;
}

/* 1 when program p breaks the limits at the highest amplitude it can reach. */
static int prog_over(const nm_lead_t *lead, const nm_prog_t *p) {
  uint32_t reach = p->amp_ua > p->pt_max_ua ? p->amp_ua : p->pt_max_ua;
  for (uint8_t n = 0; n < NM_NODES; n++) {
    if (!phase_ok(lead, n, fabs((double)p->frac_pct[n]) / 100.0 * reach * p->width_us)) return 1;
  }
  return 0;
}

/* 1 when one more 0.1 mA step would break the limits: the program sits at the boundary. */
static int prog_at_boundary(const nm_lead_t *lead, const nm_prog_t *p) {
  nm_prog_t up = *p;
  up.pt_max_ua = (p->amp_ua > p->pt_max_ua ? p->amp_ua : p->pt_max_ua) + NM_AMP_STEP_UA;
  return !prog_over(lead, p) && prog_over(lead, &up);
}

static void on_any_phase(void *user, const sim_phase_t *ph) {
  uint64_t *over = user;
  if (ph->recharge) return;
  for (uint8_t n = 0; n < NM_NODES; n++) {
    if (!phase_ok(stage.lead, n, fabs((double)ph->node_ua[n]) * ph->width_us)) {
      (*over)++;
      return;
    }
  }
}

static void test_near_limit_programs(void **state) {
  (void)state;
  uint64_t s = tu_seed(mutant ? "property_mutant" : "property_near_limit"), seed = s;
  unsigned accepted = 0, over_accepted = 0, at_boundary = 0, let_through = 0, trips = 0;
  uint64_t over_patterns = 0, over_taken = 0, over_pulses = 0, phases = 0;
  int first_wrong = -1;
  char why[200] = "";
  for (int it = 0; it < NEAR_ITERATIONS; it++) {
    uint8_t therapy = (uint8_t)tu_range(&s, 0, 1);
    nm_lead_t lead;
    uint32_t r = tu_range(&s, 0, 5);
    if (r < 3) lead = *nm_lead_catalog((uint8_t)(r + 1));
    else lead = tu_custom_lead((uint8_t)tu_range(&s, 2, 16), tu_range(&s, NM_LEAD_AREA_MIN_UM2, NM_LEAD_AREA_MAX_UM2));
    nm_load_t load = tu_load(tu_range(&s, 100, 3000), 12000);
    dev_init_watched(therapy, &lead, load.impedance_ohm);
    uint8_t n = therapy == NM_THERAPY_SNM ? 1 : (uint8_t)tu_range(&s, 1, 2);
    nm_prog_t progs[2];
    for (uint8_t i = 0; i < n; i++) progs[i] = near_limit_prog(&s, &lead, i);
    uint8_t req[NM_CMD_MAX], resp[NM_CMD_MAX];
    size_t rl, len = program_all_req(req, &lead, &load, progs, n, (uint8_t)((1u << n) - 1u));
    if (nm_cmd_exec(&dev.core, NM_ROLE_CLINICIAN, req, len, resp, sizeof resp, &rl) != NM_OK) continue;
    accepted++;
    int over = 0;
    for (uint8_t i = 0; i < n; i++) {
      over |= prog_over(&lead, &progs[i]);
      at_boundary += (unsigned)prog_at_boundary(&lead, &progs[i]);
    }
    if (over && !mutant) fail_msg("seed replay: accepted program over the limits (iteration %d)", it);
    over_accepted += (unsigned)over;
    /* Therapy on; once ramped up, the patient steps every program up to its maximum. */
    uint64_t over_here = 0;
    sim_trace(&dev.hw, on_any_phase, &over_here, dev.hw.now_ns, UINT64_MAX);
    uint8_t on[2] = {NM_OP_THERAPY, 1};
    (void)nm_cmd_exec(&dev.core, NM_ROLE_PATIENT, on, 2, resp, sizeof resp, &rl);
    tu_run_s(&dev, 1);
    for (uint8_t i = 0; i < n; i++) {
      for (uint32_t a = progs[i].amp_ua; a < progs[i].pt_max_ua; a += NM_AMP_STEP_UA) {
        uint8_t step[3] = {NM_OP_AMP_STEP, i, 1};
        (void)nm_cmd_exec(&dev.core, NM_ROLE_PATIENT, step, 3, resp, sizeof resp, &rl);
      }
    }
    tu_run_s(&dev, 2);
    uint8_t off[2] = {NM_OP_THERAPY, 0};
    (void)nm_cmd_exec(&dev.core, NM_ROLE_PATIENT, off, 2, resp, sizeof resp, &rl);
    tu_run_s(&dev, 2);
    for (uint8_t nd = 0; nd < NM_NODES; nd++) {
      if (dev.hw.out.node_max_pc[nd] && !phase_ok(&lead, nd, dev.hw.out.node_max_pc[nd])) over_here++;
    }
    phases += dev.hw.out.pulses;
    over_pulses += over_here;
    over_patterns += stage.over;
    let_through += stage.over > 0;
    trips += dev.hw.out.st.tripped != 0;
    /* The stage refuses every pattern over the limits, and no other: never stricter. */
    int wrong = stage.over_taken != 0 || (stage.over == 0 && dev.hw.out.st.tripped) ||
                dev.core.fault != (stage.over ? NM_FAULT_LIMITER : NM_FAULT_NONE) ||
                (stage.over && dev.hw.out.st.tripped != NM_OUT_TRIP_CHARGE);
    over_taken += stage.over_taken;
    if (wrong && first_wrong < 0) {
      first_wrong = it;
      snprintf(why, sizeof why, "iteration %d: %llu over-limit patterns taken, trip %u at node %u (%u pC), fault %u", it,
               (unsigned long long)stage.over_taken, dev.hw.out.st.tripped, dev.hw.out.st.trip_node,
               dev.hw.out.st.trip_charge_pc, dev.core.fault);
    }
  }
  printf("  %s (seed=%llu): %u accepted of %d near the limits (%u at the boundary: one 0.1 mA step "
         "below the limit), %llu stimulating phases\n",
         mutant ? mutant : "correct supervisor", (unsigned long long)seed, accepted, NEAR_ITERATIONS, at_boundary,
         (unsigned long long)phases);
  printf("  over-limit programs accepted: %u; let through to the output stage: %u (%llu patterns, %llu of them "
         "taken by it); limiter trips: %u; over-limit pulses delivered: %llu\n",
         over_accepted, let_through, (unsigned long long)over_patterns, (unsigned long long)over_taken, trips,
         (unsigned long long)over_pulses);
  if (first_wrong >= 0) fail_msg("seed replay: the output stage let an over-limit pattern through or tripped on a good one: %s", why);
  assert_int_equal(over_pulses, 0);
  if (mutant) {
    assert_true(let_through > 0); /* the mutant really is broken */
    assert_true(trips >= let_through);
  } else {
    assert_int_equal(over_accepted, 0);
    assert_int_equal(trips, 0);
    assert_true(at_boundary > NEAR_ITERATIONS / 50);
  }
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--mutant") == 0 && i + 1 < argc) mutant = argv[++i];
  }
  const struct CMUnitTest normal[] = {cmocka_unit_test(test_random_programs), cmocka_unit_test(test_near_limit_programs)};
  const struct CMUnitTest against_mutant[] = {cmocka_unit_test(test_near_limit_programs)};
  if (mutant) return cmocka_run_group_tests(against_mutant, NULL, NULL);
  return cmocka_run_group_tests(normal, NULL, NULL);
}
