/* test_cl_trace.c: the trace writer (ports/sim sim_trace_csv) on phases whose currents
 * change unit by unit, as a closed loop's do: every row exactly as printf formats it,
 * whether its text after the time is formatted anew or reused (more distinct phases than
 * the writer keeps, interleaved, repeated and new; the seed is printed, NMOD_SEED replays
 * it). */
#include "testutil.h"

#include <inttypes.h>

#include "sim.h"

static sim_csv_t csv;

static void test_rows_as_printf(void **state) {
  (void)state;
  uint64_t s = tu_seed("property_trace_rows");
  FILE *got = tmpfile(), *want = tmpfile();
  assert_non_null(got);
  assert_non_null(want);
  const uint8_t n_contacts = 8;
  sim_csv_init(&csv, got, n_contacts);
  /* A small pool of phases (the reuse path) and fresh ones (the formatting path). */
  sim_phase_t pool[2 * SIM_CSV_TAILS + 1];
  for (size_t i = 0; i < sizeof pool / sizeof pool[0]; i++) {
    memset(&pool[i], 0, sizeof pool[i]);
    pool[i].prog = (uint8_t)tu_range(&s, 0, 3);
    pool[i].recharge = (uint8_t)tu_range(&s, 0, 1);
    pool[i].width_us = tu_range(&s, 1, 2000);
    for (int n = 0; n < NM_NODES; n++) pool[i].node_ua[n] = (int32_t)tu_range(&s, 0, 50000) - 25000;
  }
  uint64_t t_ns = 0;
  for (int k = 0; k < 200000; k++) {
    sim_phase_t ph;
    uint32_t r = tu_range(&s, 0, 9);
    ph = pool[tu_range(&s, 0, (uint32_t)(sizeof pool / sizeof pool[0]) - 1u)];
    /* One field of a kept phase changed at a time: each must reach the row. */
    if (r == 6) ph.node_ua[tu_range(&s, 0, NM_NODES - 1)] = (int32_t)tu_range(&s, 0, 20000) - 10000; /* the loop moved */
    if (r == 7) ph.width_us = tu_range(&s, 1, 3);
    if (r == 8) ph.recharge = (uint8_t)!ph.recharge;
    if (r == 9) {
      ph.prog = (uint8_t)tu_range(&s, 4, 7);
      ph.node_ua[NM_NODE_CASE] = INT32_MIN + (int32_t)tu_range(&s, 0, 3); /* the extremes */
    }
    t_ns += tu_range(&s, 0, 3000000);
    if (k == 100000) t_ns += 0xFFFFFFFFFFull; /* long times too */
    ph.start_ns = t_ns;
    sim_trace_csv(&csv, &ph);
    fprintf(want, "%" PRIu64 ".%03u,%u,%s,%u", ph.start_ns / 1000u, (unsigned)(ph.start_ns % 1000u), ph.prog,
            ph.recharge ? "recharge" : "stim", ph.width_us);
    for (uint8_t n = 0; n < n_contacts; n++) fprintf(want, ",%" PRId32, ph.node_ua[n]);
    fprintf(want, ",%" PRId32 "\n", ph.node_ua[NM_NODE_CASE]);
  }
  assert_int_equal(sim_csv_flush(&csv), 0);
  long n_got = ftell(got), n_want = ftell(want);
  assert_true(n_want > 0);
  assert_int_equal(n_got, n_want);
  rewind(got);
  rewind(want);
  long line = 1;
  for (long i = 0; i < n_want; i++) {
    int a = fgetc(got), b = fgetc(want);
    if (a != b) fail_msg("seed replay: row %ld differs from printf's", line);
    if (b == '\n') line++;
  }
  fclose(got);
  fclose(want);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_rows_as_printf)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
