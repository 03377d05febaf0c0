/* test_plan.c: output planning: frames, placement without overlap, pattern structure. */
#include "testutil.h"
#include "nmod/plan.h"

static nm_plan_result place(nm_prog_t *p, uint8_t n, nm_placement_t *pl) {
  const nm_prog_t *ptr[NM_MAX_RUNNING + 1];
  uint8_t slot[NM_MAX_RUNNING + 1];
  for (uint8_t i = 0; i < n; i++) {
    ptr[i] = &p[i];
    slot[i] = i;
  }
  return nm_plan_place(ptr, slot, n, pl);
}

static uint8_t build(nm_prog_t *p, const nm_placement_t *pl, nm_pattern_t *pat) {
  const nm_prog_t *ptr[NM_MAX_RUNNING];
  uint32_t amps[NM_MAX_RUNNING];
  for (uint8_t i = 0; i < pl->n; i++) {
    ptr[i] = &p[i];
    amps[i] = p[i].amp_ua;
  }
  return nm_plan_pattern(pl, ptr, amps, pat);
}

static void test_single(void **state) {
  (void)state;
  nm_prog_t p = tu_tonic(14, 210, 1000);
  nm_placement_t pl;
  nm_pattern_t pat;
  assert_int_equal(place(&p, 1, &pl), NM_PLAN_OK);
  assert_int_equal(pl.frame_hz, 14);
  assert_int_equal(pl.phase_ns[0], 0);
  assert_int_equal(build(&p, &pl, &pat), 1);
  assert_int_equal(nm_pattern_validate(&pat), NM_OK);
  assert_int_equal(pat.chan[0].node_ua[0], -1000);
  assert_int_equal(pat.chan[0].node_ua[1], 1000);
  assert_int_equal(pat.chan[0].recharge_us, 210);
  p = tu_hf(30, 2000);
  assert_int_equal(place(&p, 1, &pl), NM_PLAN_OK);
  assert_int_equal(pl.frame_hz, 10000);
  assert_int_equal(build(&p, &pl, &pat), 1);
  assert_int_equal(nm_pattern_validate(&pat), NM_OK);
}

static void test_burst_pattern(void **state) {
  (void)state;
  nm_prog_t p = tu_burst(40, 5, 500, 1000, 600);
  nm_placement_t pl;
  nm_pattern_t pat;
  assert_int_equal(place(&p, 1, &pl), NM_PLAN_OK);
  assert_int_equal(build(&p, &pl, &pat), 5);
  assert_int_equal(nm_pattern_validate(&pat), NM_OK);
  for (uint8_t i = 0; i < 5; i++) {
    assert_int_equal(pat.slot[i].offset_ns, i * 2000000u);
    assert_int_equal(pat.slot[i].recharge, i == 4);
  }
  assert_int_equal(pat.chan[0].recharge_us, 5000);
  /* The last pulse ends with its recharge at 8 ms + 1 ms + 20 us + 5 ms. */
  assert_int_equal(nm_pattern_slot_end_ns(&pat, 4), 14020000u);
}

static void test_two_rates_interleave(void **state) {
  (void)state;
  nm_prog_t p[2] = {tu_tonic(14, 210, 1000), tu_tonic(40, 300, 2000)};
  nm_placement_t pl;
  nm_pattern_t pat;
  assert_int_equal(place(p, 2, &pl), NM_PLAN_OK);
  assert_int_equal(pl.frame_hz, 2);
  assert_int_equal(build(p, &pl, &pat), 7 + 20);
  assert_int_equal(nm_pattern_validate(&pat), NM_OK);
}

static void test_same_rate_areas(void **state) {
  (void)state;
  /* Four 50 Hz areas of 1000 us pulses: each needs 2.02 ms of every 20 ms. */
  nm_prog_t p[4];
  for (int i = 0; i < 4; i++) p[i] = tu_tonic(50, 1000, 1000);
  nm_placement_t pl;
  nm_pattern_t pat;
  assert_int_equal(place(p, 4, &pl), NM_PLAN_OK);
  assert_int_equal(build(p, &pl, &pat), 4);
  assert_int_equal(nm_pattern_validate(&pat), NM_OK);
  for (int i = 1; i < 4; i++) assert_true(pat.slot[i].offset_ns >= pat.slot[i - 1].offset_ns + 2020000u);
  /* Five would not be allowed at all. */
  nm_prog_t five[5];
  for (int i = 0; i < 5; i++) five[i] = tu_tonic(50, 1000, 1000);
  assert_int_equal(place(five, 5, &pl), NM_PLAN_TOO_MANY);
}

static void test_refusals(void **state) {
  (void)state;
  nm_placement_t pl;
  /* 40 Hz and 10 kHz share a 40 Hz frame of 251 pulses: more than the pattern holds. */
  nm_prog_t a[2] = {tu_tonic(40, 100, 1000), tu_hf(30, 1000)};
  assert_int_equal(place(a, 2, &pl), NM_PLAN_SLOTS);
  /* Two 500 Hz programs whose pulses each fill 1.2 of 2 ms cannot interleave. */
  nm_prog_t b[2] = {tu_tonic(500, 590, 1000), tu_tonic(500, 590, 1000)};
  assert_int_equal(place(b, 2, &pl), NM_PLAN_OVERLAP);
  /* ...but two of 0.98 ms each fill it exactly. */
  nm_prog_t c[2] = {tu_tonic(500, 490, 1000), tu_tonic(500, 490, 1000)};
  assert_int_equal(place(c, 2, &pl), NM_PLAN_OK);
  /* Exactly NM_PATTERN_MAX_SLOTS pulses in the common frame, and one more. 126 Hz with
   * 2 Hz share a 2 Hz frame: 63 + 1 = 64 pulses; 128 Hz with 2 Hz: 64 + 1 = 65. */
  nm_prog_t e[2] = {tu_tonic(126, 10, 1000), tu_tonic(2, 10, 1000)};
  assert_int_equal(place(e, 2, &pl), NM_PLAN_OK);
  nm_pattern_t pat;
  assert_int_equal(build(e, &pl, &pat), NM_PATTERN_MAX_SLOTS);
  assert_int_equal(nm_pattern_validate(&pat), NM_OK);
  e[0].rate_hz = 128;
  assert_int_equal(place(e, 2, &pl), NM_PLAN_SLOTS);
  /* A program that does not fit its own period is refused here too. */
  nm_prog_t d = tu_tonic(1000, 500, 1000);
  assert_int_equal(place(&d, 1, &pl), NM_PLAN_FIT);
}

/* Programs without timing are refused, never divided by (a rate of 0 with no pulse length
 * once passed the fit check); a placement changed so that two pulses would overlap, or one
 * would leave its frame, gives an empty pattern instead (plan.h: its pulses are apart for
 * any placement, proved by make prove's wp-plan). */
static void test_untimed_and_tampered(void **state) {
  (void)state;
  nm_placement_t pl;
  nm_prog_t r[2] = {tu_tonic(40, 100, 1000), tu_tonic(40, 100, 1000)};
  r[1].rate_hz = 0;
  r[1].width_us = 0;
  r[1].gap_us = 0;
  assert_int_equal(place(r, 2, &pl), NM_PLAN_FIT);
  nm_prog_t b = tu_burst(40, 5, 500, 100, 1000);
  b.intra_hz = 0;
  assert_int_equal(place(&b, 1, &pl), NM_PLAN_FIT);
  nm_prog_t t[2] = {tu_tonic(40, 300, 1000), tu_tonic(40, 300, 1000)};
  nm_pattern_t pat;
  assert_int_equal(place(t, 2, &pl), NM_PLAN_OK);
  assert_int_equal(build(t, &pl, &pat), 2);
  pl.phase_ns[1] = pl.phase_ns[0] + 620000u - 1u; /* 1 ns into the first pulse's recharge */
  assert_int_equal(build(t, &pl, &pat), 0);
  assert_int_equal(pat.n_chan, 0);
  pl.phase_ns[1] = pl.phase_ns[0] + 620000u; /* right after it: allowed */
  assert_int_equal(build(t, &pl, &pat), 2);
  assert_int_equal(nm_pattern_validate(&pat), NM_OK);
  pl.phase_ns[1] = 25000000u - 620000u + 1u; /* 1 ns past the 25 ms frame */
  assert_int_equal(build(t, &pl, &pat), 0);
  pl.frame_hz = 0;
  assert_int_equal(build(t, &pl, &pat), 0);
}

/* A slot's channel at the end of the channel table: the last channel is timed, one past it
 * ends past any frame (nm_pattern_slot_end_ns reads no channel there) and is refused. */
static void test_slot_channel_at_the_table_end(void **state) {
  (void)state;
  nm_prog_t t = tu_tonic(40, 100, 1000);
  nm_placement_t pl;
  nm_pattern_t pat;
  assert_int_equal(place(&t, 1, &pl), NM_PLAN_OK);
  assert_int_equal(build(&t, &pl, &pat), 1);
  uint32_t end0 = nm_pattern_slot_end_ns(&pat, 0);
  assert_true(end0 < UINT32_MAX);
  pat.chan[NM_MAX_RUNNING - 1u] = pat.chan[0];
  pat.slot[0].chan = NM_MAX_RUNNING - 1u;
  assert_int_equal(nm_pattern_slot_end_ns(&pat, 0), end0);
  pat.slot[0].chan = NM_MAX_RUNNING;
  assert_int_equal(nm_pattern_slot_end_ns(&pat, 0), UINT32_MAX);
  pat.slot[0].chan = 0xFF;
  assert_int_equal(nm_pattern_slot_end_ns(&pat, 0), UINT32_MAX);
  pat.n_chan = NM_MAX_RUNNING;
  pat.slot[0].chan = NM_MAX_RUNNING;
  assert_int_equal(nm_pattern_validate(&pat), NM_EINVAL);
}

static void test_amplitude_does_not_move_pulses(void **state) {
  (void)state;
  nm_prog_t p[3] = {tu_tonic(30, 200, 1000), tu_tonic(50, 300, 2000), tu_burst(10, 3, 500, 200, 500)};
  nm_placement_t pl;
  nm_pattern_t a, b;
  assert_int_equal(place(p, 3, &pl), NM_PLAN_OK);
  build(p, &pl, &a);
  p[1].amp_ua = 0; /* program 1 ramped to zero: its slots go, the others stay put */
  build(p, &pl, &b);
  assert_int_equal(nm_pattern_validate(&b), NM_OK);
  uint8_t j = 0;
  for (uint8_t i = 0; i < a.n_slot; i++) {
    if (a.chan[a.slot[i].chan].prog == 1) continue;
    assert_int_equal(a.slot[i].offset_ns, b.slot[j].offset_ns);
    j++;
  }
  assert_int_equal(j, b.n_slot);
}

static void test_random_sets_valid(void **state) {
  (void)state;
  uint64_t s = tu_seed("plan_random_sets");
  int placed = 0;
  for (int it = 0; it < 20000; it++) {
    uint8_t n = (uint8_t)tu_range(&s, 1, 4);
    nm_prog_t p[4];
    for (uint8_t i = 0; i < n; i++) {
      uint32_t kind = tu_range(&s, 0, 2);
      if (kind == 0) p[i] = tu_tonic(tu_range(&s, 2, 1200), tu_range(&s, 10, 400), 100 * tu_range(&s, 1, 50));
      else if (kind == 1) p[i] = tu_burst(tu_range(&s, 10, 100), tu_range(&s, 2, 10), tu_range(&s, 250, 1000), tu_range(&s, 10, 500), 100 * tu_range(&s, 1, 50));
      else p[i] = tu_hf(tu_range(&s, 20, 40), 100 * tu_range(&s, 1, 50));
    }
    nm_placement_t pl;
    if (place(p, n, &pl) != NM_PLAN_OK) continue;
    placed++;
    nm_pattern_t pat;
    build(p, &pl, &pat);
    assert_int_equal(nm_pattern_validate(&pat), NM_OK);
  }
  printf("  %d of 20000 random sets placed, every pattern valid\n", placed);
  assert_true(placed > 1000);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_single),        cmocka_unit_test(test_burst_pattern),
      cmocka_unit_test(test_two_rates_interleave), cmocka_unit_test(test_same_rate_areas),
      cmocka_unit_test(test_refusals),      cmocka_unit_test(test_amplitude_does_not_move_pulses),
      cmocka_unit_test(test_random_sets_valid), cmocka_unit_test(test_untimed_and_tampered),
      cmocka_unit_test(test_slot_channel_at_the_table_end),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
