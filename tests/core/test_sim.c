/* test_sim.c: the simulated hardware: analytic pulse counting against brute force,
 * pattern swaps and stops on frame boundaries, the limiter, NOR flash semantics, a stuck
 * flash. */
#include "testdev.h"
#include "nmod/plan.h"
#include "limtest.h"
#include "nmod/store.h"

typedef struct {
  uint64_t stim, recharge;
  int64_t net[NM_NODES];
  uint64_t last_start;
  int ordered;
} tally_t;

static void tally(void *user, const sim_phase_t *ph) {
  tally_t *t = user;
  if (ph->recharge) t->recharge++; else t->stim++;
  for (int n = 0; n < NM_NODES; n++) t->net[n] += (int64_t)ph->node_ua[n] * ph->width_us;
  if (ph->start_ns < t->last_start) t->ordered = 0;
  t->last_start = ph->start_ns;
}

static void load_prog(sim_hw_t *hw, const nm_prog_t *p, nm_pattern_t *pat) {
  const nm_prog_t *ptr = p;
  uint8_t slot = 0;
  nm_placement_t pl;
  assert_int_equal(nm_plan_place(&ptr, &slot, 1, &pl), NM_PLAN_OK);
  uint32_t amp = p->amp_ua;
  nm_plan_pattern(&pl, &ptr, &amp, pat);
  assert_int_equal(hw->port.out_load(hw->port.ctx, pat), NM_OK);
}

static void test_counts_match_brute_force(void **state) {
  (void)state;
  uint64_t s = tu_seed("sim_counts_match_brute_force");
  nm_lead_t lead = tu_custom_lead(8, NM_LEAD_AREA_MAX_UM2);
  static sim_hw_t hw;
  for (int it = 0; it < 300; it++) {
    sim_init(&hw, &lead, 500, 12000, NULL, 0, 0);
    nm_prog_t p = tu_range(&s, 0, 1)
                      ? tu_tonic(tu_range(&s, 2, 1200), tu_range(&s, 10, 300), 100 * tu_range(&s, 1, 30))
                      : tu_burst(tu_range(&s, 10, 100), tu_range(&s, 2, 6), tu_range(&s, 250, 1000), tu_range(&s, 10, 400), 100);
    nm_pattern_t pat;
    if (nm_prog_span_ns(&p) > nm_prog_period_ns(&p)) continue;
    uint64_t start = tu_range(&s, 0, 5000000);
    sim_advance(&hw, start);
    uint64_t from = start + tu_range(&s, 0, 300000000), to = from + tu_range(&s, 1, 400000000);
    tally_t t;
    memset(&t, 0, sizeof t);
    t.ordered = 1;
    sim_trace(&hw, tally, &t, from, to);
    load_prog(&hw, &p, &pat);
    sim_advance(&hw, from);
    uint64_t before = hw.out.pulses;
    /* Advance in random steps: counting must not depend on how time is sliced. */
    while (hw.now_ns < to) {
      uint64_t step = tu_range(&s, 1, 50000000);
      sim_advance(&hw, hw.now_ns + step < to ? hw.now_ns + step : to);
    }
    assert_int_equal(hw.out.pulses - before, t.stim);
    assert_true(t.ordered);
  }
}

static void test_exact_day_counts(void **state) {
  (void)state;
  nm_lead_t lead = tu_lead(NM_LEAD_SCS_PERC_8);
  static sim_hw_t hw;
  sim_init(&hw, &lead, 500, 12000, NULL, 0, 0);
  nm_prog_t p = tu_hf(30, 2000);
  nm_pattern_t pat;
  load_prog(&hw, &p, &pat);
  sim_advance(&hw, 86400ull * 1000000000ull);
  assert_int_equal(hw.out.pulses, 864000000ull);
  assert_int_equal(hw.out.node_net_pc[0], 0);
  /* 14 Hz: 1e9/14 ns is not whole, the long-run rate is still exact. */
  sim_init(&hw, &lead, 500, 12000, NULL, 0, 0);
  p = tu_tonic(14, 210, 1000);
  load_prog(&hw, &p, &pat);
  sim_advance(&hw, 86400ull * 1000000000ull);
  assert_int_equal(hw.out.pulses, 14ull * 86400ull);
}

static void test_swap_and_stop_on_frame_boundary(void **state) {
  (void)state;
  nm_lead_t lead = tu_lead(NM_LEAD_SCS_PERC_8);
  static sim_hw_t hw;
  sim_init(&hw, &lead, 500, 12000, NULL, 0, 0);
  nm_prog_t a = tu_tonic(10, 100, 1000); /* frame 100 ms, pulse at 0 */
  nm_pattern_t pat;
  load_prog(&hw, &a, &pat);
  sim_advance(&hw, 150000000); /* 150 ms: pulses at 0 and 100 ms */
  assert_int_equal(hw.out.pulses, 2);
  nm_prog_t b = tu_tonic(10, 100, 2000);
  load_prog(&hw, &b, &pat); /* takes effect at 200 ms */
  sim_advance(&hw, 199999999);
  assert_int_equal(hw.out.node_max_pc[0], 100000); /* still 1 mA */
  sim_advance(&hw, 200000001);
  assert_int_equal(hw.out.pulses, 3);
  assert_int_equal(hw.out.node_max_pc[0], 200000); /* 2 mA from the boundary */
  hw.port.out_stop(hw.port.ctx); /* at 200 ms + 1 ns: next boundary is 300 ms */
  sim_advance(&hw, 1000000000);
  assert_int_equal(hw.out.pulses, 3);
  assert_false(hw.out.has_cur);
  /* A burst is never cut: stop in the middle of one lets it finish with its recharge. */
  sim_init(&hw, &lead, 500, 12000, NULL, 0, 0);
  nm_prog_t c = tu_burst(10, 5, 500, 100, 1000);
  load_prog(&hw, &c, &pat);
  sim_advance(&hw, 3000000); /* 3 ms: two pulses of the first burst started */
  hw.port.out_stop(hw.port.ctx);
  sim_advance(&hw, 2000000000);
  assert_int_equal(hw.out.pulses, 5);
  assert_int_equal(hw.out.node_net_pc[0], 0);
}

static void test_limiter(void **state) {
  (void)state;
  nm_lead_t lead = tu_lead(NM_LEAD_SNM_TINED_4);
  static sim_hw_t hw;
  sim_init(&hw, &lead, 500, 12000, NULL, 0, 0);
  nm_prog_t p = tu_tonic(14, 210, 1000);
  nm_pattern_t pat;
  const nm_prog_t *ptr = &p;
  uint8_t slot = 0;
  nm_placement_t pl;
  assert_int_equal(nm_plan_place(&ptr, &slot, 1, &pl), NM_PLAN_OK);
  uint32_t amp = p.amp_ua;
  nm_plan_pattern(&pl, &ptr, &amp, &pat);
  /* The stage's own ceiling on this lead is Shannon's (2.91 uC), below 30 uC/cm2 (3.59 uC):
   * the supervisor's highest accepted charge. */
  assert_int_equal(hw.out.lim.ceil_pc[0], nm_safety_max_charge_pc(lead.area_um2));
  assert_int_equal(hw.out.lim.bound[0], OLIM_BOUND_SHANNON);
  nm_pattern_t bad = pat;
  bad.chan[0].node_ua[0] = -16200; /* 16.2 mA x 210 us = 3.40 uC: k = 1.98, under 30 uC/cm2 */
  bad.chan[0].node_ua[1] = 16200;
  assert_int_not_equal(hw.port.out_load(hw.port.ctx, &bad), NM_OK);
  nm_out_status_t st;
  hw.port.out_status(hw.port.ctx, &st);
  assert_int_equal(st.tripped, NM_OUT_TRIP_CHARGE);
  assert_int_equal(st.trip_node, 0);
  assert_int_equal(st.trip_charge_pc, 16200u * 210u);
  assert_int_equal(hw.out.trip.bound, OLIM_BOUND_SHANNON);
  assert_false(st.running);
  /* Stays off until reset, even for a good pattern. */
  assert_int_not_equal(hw.port.out_load(hw.port.ctx, &pat), NM_OK);
  hw.port.out_reset(hw.port.ctx);
  assert_int_equal(hw.port.out_load(hw.port.ctx, &pat), NM_OK);
  /* Unbalanced currents and shapes past the frame trip too. */
  bad = pat;
  bad.chan[0].node_ua[1] = 900;
  hw.port.out_reset(hw.port.ctx);
  assert_int_not_equal(hw.port.out_load(hw.port.ctx, &bad), NM_OK);
  hw.port.out_status(hw.port.ctx, &st);
  assert_int_equal(st.tripped, NM_OUT_TRIP_BALANCE);
  bad = pat;
  bad.slot[0].offset_ns = 1000000000u / 14u - 1000u; /* runs past the frame */
  hw.port.out_reset(hw.port.ctx);
  assert_int_not_equal(hw.port.out_load(hw.port.ctx, &bad), NM_OK);
  hw.port.out_status(hw.port.ctx, &st);
  assert_int_equal(st.tripped, NM_OUT_TRIP_SHAPE);
}

/* Through the port, on every catalog lead and at several widths: the planner's pattern at
 * the supervisor's highest accepted amplitude loads, one 0.1 mA step more trips the stage
 * with the node and the charge recorded and nothing delivered. */
static void test_limiter_boundary_per_lead(void **state) {
  (void)state;
  static sim_hw_t hw;
  const uint32_t widths[] = {60, 210, 450, 1000};
  int checked = 0;
  for (uint8_t m = 1; m < NM_LEAD_COUNT; m++) {
    nm_lead_t lead = tu_lead(m);
    for (int w = 0; w < 4; w++) {
      uint32_t best = lt_best_amp_ua(&lead, widths[w]);
      if (best == NM_AMP_MAX_UA) continue;
      sim_init(&hw, &lead, 500, 12000, NULL, 0, 0);
      nm_prog_t p = tu_tonic(14, widths[w], best);
      nm_pattern_t pat;
      load_prog(&hw, &p, &pat);
      sim_advance(&hw, 1000000000ull);
      assert_int_equal(hw.out.st.tripped, 0);
      assert_int_equal(hw.out.node_max_pc[0], best * widths[w]);
      sim_init(&hw, &lead, 500, 12000, NULL, 0, 0);
      pat.chan[0].node_ua[0] = -(int32_t)(best + 100);
      pat.chan[0].node_ua[1] = (int32_t)(best + 100);
      assert_int_equal(hw.port.out_load(hw.port.ctx, &pat), NM_EREFUSED);
      sim_advance(&hw, 1000000000ull);
      nm_out_status_t st;
      hw.port.out_status(hw.port.ctx, &st);
      assert_int_equal(st.tripped, NM_OUT_TRIP_CHARGE);
      assert_int_equal(st.trip_node, 0);
      assert_int_equal(st.trip_charge_pc, (best + 100) * widths[w]);
      assert_int_equal(hw.out.trip.bound, m == NM_LEAD_SCS_PADDLE_16 ? OLIM_BOUND_DENSITY : OLIM_BOUND_SHANNON);
      assert_int_equal(hw.out.pulses, 0);
      checked++;
    }
  }
  assert_true(checked >= 6);
}

static void test_nvm(void **state) {
  (void)state;
  nm_lead_t lead = tu_lead(NM_LEAD_SNM_TINED_4);
  static sim_hw_t hw;
  static uint8_t mem[4 * 256];
  sim_init(&hw, &lead, 500, 12000, mem, 256, 4);
  const nm_port_t *p = sim_port(&hw);
  uint8_t b[4] = {0xF0, 0x0F, 0xAA, 0x55}, r[4];
  assert_int_equal(p->nvm_prog(p->ctx, 10, b, 4), NM_OK);
  uint8_t c[4] = {0x3C, 0x3C, 0xFF, 0x00};
  assert_int_equal(p->nvm_prog(p->ctx, 10, c, 4), NM_OK); /* only clears bits */
  assert_int_equal(p->nvm_read(p->ctx, 10, r, 4), NM_OK);
  uint8_t want[4] = {0x30, 0x0C, 0xAA, 0x00};
  assert_memory_equal(r, want, 4);
  assert_int_equal(p->nvm_erase(p->ctx, 0), NM_OK);
  assert_int_equal(p->nvm_read(p->ctx, 10, r, 4), NM_OK);
  uint8_t ff[4] = {0xFF, 0xFF, 0xFF, 0xFF};
  assert_memory_equal(r, ff, 4);
  assert_int_equal(p->nvm_read(p->ctx, 1022, r, 4), NM_EINVAL); /* past the end */
  assert_int_equal(p->nvm_erase(p->ctx, 4), NM_EINVAL);
  /* Power cut: the second operation is torn, the rest fail until power returns. */
  sim_nvm_cut_after(&hw, 1);
  assert_int_equal(p->nvm_prog(p->ctx, 0, b, 4), NM_OK);
  assert_int_equal(p->nvm_prog(p->ctx, 100, b, 4), NM_EIO);
  assert_int_equal(p->nvm_erase(p->ctx, 1), NM_EIO);
  assert_int_equal(p->nvm_read(p->ctx, 0, r, 4), NM_EIO);
  sim_nvm_power_restore(&hw);
  assert_int_equal(p->nvm_read(p->ctx, 0, r, 4), NM_OK);
  assert_memory_equal(r, b, 4);
}

/* A stuck flash refuses every program and erase whole and keeps reading; healing it
 * brings writes back; it is independent of the power cut. */
static void test_nvm_stuck(void **state) {
  (void)state;
  nm_lead_t lead = tu_lead(NM_LEAD_SNM_TINED_4);
  static sim_hw_t hw;
  static uint8_t mem[4 * 256], before[sizeof mem];
  sim_init(&hw, &lead, 500, 12000, mem, 256, 4);
  const nm_port_t *p = sim_port(&hw);
  uint8_t b[4] = {0x12, 0x34, 0x56, 0x78}, z[4] = {0}, r[4];
  assert_int_equal(p->nvm_prog(p->ctx, 20, b, 4), NM_OK);
  memcpy(before, mem, sizeof mem);
  uint64_t progs = hw.nvm.progs, erases = hw.nvm.erases;
  sim_nvm_set_fault(&hw, 1);
  sim_nvm_cut_after(&hw, 0); /* a cut armed for the next operation that reaches the flash */
  assert_int_equal(p->nvm_prog(p->ctx, 20, z, 4), NM_EIO);
  assert_int_equal(p->nvm_prog(p->ctx, 300, z, 4), NM_EIO);
  for (uint32_t pg = 0; pg < 4; pg++) assert_int_equal(p->nvm_erase(p->ctx, pg), NM_EIO);
  assert_memory_equal(mem, before, sizeof mem); /* not one bit changed */
  assert_int_equal(hw.nvm.progs, progs);
  assert_int_equal(hw.nvm.erases, erases);
  assert_int_equal(hw.nvm.stuck_refused, 6);
  assert_int_equal(hw.nvm.cut, 0); /* the refused operations never reached the cut */
  assert_int_equal(p->nvm_read(p->ctx, 20, r, 4), NM_OK);
  assert_memory_equal(r, b, 4);
  assert_int_equal(p->nvm_prog(p->ctx, 1022, z, 4), NM_EINVAL); /* a bad address stays a bad address */
  /* Power restored: still stuck (another fault). */
  sim_nvm_power_restore(&hw);
  assert_int_equal(p->nvm_erase(p->ctx, 0), NM_EIO);
  sim_nvm_set_fault(&hw, 0);
  assert_int_equal(p->nvm_erase(p->ctx, 0), NM_OK);
  assert_int_equal(p->nvm_read(p->ctx, 20, r, 4), NM_OK);
  uint8_t ff[4] = {0xFF, 0xFF, 0xFF, 0xFF};
  assert_memory_equal(r, ff, 4);
  assert_int_equal(p->nvm_prog(p->ctx, 20, b, 4), NM_OK);
}

/* The store above a stuck flash: a put fails and the old value stays readable, also
 * after a remount; once healed, puts work again. */
static void test_kv_on_stuck_flash(void **state) {
  (void)state;
  nm_lead_t lead = tu_lead(NM_LEAD_SNM_TINED_4);
  static sim_hw_t hw;
  static uint8_t mem[4 * 1024];
  sim_init(&hw, &lead, 500, 12000, mem, 1024, 4);
  static nm_kv_t kv;
  assert_int_equal(nm_kv_mount(&kv, sim_port(&hw), 0, 4), NM_OK);
  uint8_t v1[8] = "first..", v2[8] = "second.", got[8];
  size_t n;
  assert_int_equal(nm_kv_put(&kv, 7, v1, sizeof v1), NM_OK);
  sim_nvm_set_fault(&hw, 1);
  for (int i = 0; i < 20; i++) assert_int_not_equal(nm_kv_put(&kv, 7, v2, sizeof v2), NM_OK);
  assert_int_equal(nm_kv_get(&kv, 7, got, sizeof got, &n), NM_OK);
  assert_memory_equal(got, v1, sizeof v1);
  sim_nvm_set_fault(&hw, 0);
  assert_int_equal(nm_kv_mount(&kv, sim_port(&hw), 0, 4), NM_OK);
  assert_int_equal(nm_kv_get(&kv, 7, got, sizeof got, &n), NM_OK);
  assert_memory_equal(got, v1, sizeof v1);
  assert_int_equal(nm_kv_put(&kv, 7, v2, sizeof v2), NM_OK);
  assert_int_equal(nm_kv_get(&kv, 7, got, sizeof got, &n), NM_OK);
  assert_memory_equal(got, v2, sizeof v2);
}

static void test_impedance_faults(void **state) {
  (void)state;
  nm_lead_t lead = tu_lead(NM_LEAD_SNM_TINED_4);
  static sim_hw_t hw;
  sim_init(&hw, &lead, 800, 12000, NULL, 0, 0);
  const nm_port_t *p = sim_port(&hw);
  uint32_t z;
  assert_int_equal(p->imp_measure(p->ctx, 0, 3, &z), NM_OK);
  assert_int_equal(z, 800);
  sim_set_fault(&hw, 3, SIM_FAULT_OPEN);
  assert_int_equal(p->imp_measure(p->ctx, 0, 3, &z), NM_OK);
  assert_true(z > 10000);
  sim_set_fault(&hw, 3, SIM_FAULT_SHORT);
  assert_int_equal(p->imp_measure(p->ctx, 0, 3, &z), NM_OK);
  assert_true(z < 100);
  assert_int_equal(p->imp_measure(p->ctx, 0, 4, &z), NM_ENOENT);
  assert_int_equal(p->imp_measure(p->ctx, 0, 0, &z), NM_EINVAL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_counts_match_brute_force), cmocka_unit_test(test_exact_day_counts),
      cmocka_unit_test(test_swap_and_stop_on_frame_boundary), cmocka_unit_test(test_limiter),
      cmocka_unit_test(test_limiter_boundary_per_lead),
      cmocka_unit_test(test_nvm), cmocka_unit_test(test_nvm_stuck), cmocka_unit_test(test_kv_on_stuck_flash),
      cmocka_unit_test(test_impedance_faults),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
