#define _POSIX_C_SOURCE 200809L
/* test_sim_ff.c: fast-forward or not, a run ends in the same state. The same simulated
 * device runs a therapy twice, once skipping the periods that repeat (sim_ff.c) and once
 * stepping every wake, and the whole core and the whole hardware (energy sums, fuel gauge,
 * counters, clocks, events) must be the same bytes: scs-burst for a year, random cycling
 * programs for random durations ending mid-cycle (a property test: the seed is printed),
 * a fuel gauge that reaches its capacity mid-run, and a fitted cell crossing LOW (where it
 * does not skip). Then `nmod simulate --json` with and without --no-fast-forward. */
#include "testutil.h"
#include "simdev.h"

#include <stdio.h>
#include <string.h>

#define S_US 1000000ull
#define DAY_US (86400ull * S_US)

static simdev_t d;
static nm_core_t core_ff;
static sim_hw_t hw_ff;
static tf_therapy_t th;
static uint64_t last_period_us; /* the period the fast-forward found in the last run */

/* Run t for dur_us with the fast-forward or without (pf: NULL, a bench supply; core_pf:
 * what the core alone is told it runs on). Returns the periods skipped. */
static uint64_t run(const nm_profile_t *pf, const nm_profile_t *core_pf, uint64_t dur_us, int ff, uint64_t chunk_us) {
  dev_refusal_t why;
  assert_int_equal(simdev_start_ex(&d, &th, pf, NULL, &why), NM_OK); /* pf NULL: the bench supply */
  if (core_pf) nm_core_set_profile(&d.core, core_pf);
  if (!ff) sim_ff_attach(&d.hw, NULL);
  for (uint64_t at = 0; at < dur_us;) {
    at = chunk_us && at + chunk_us < dur_us ? at + chunk_us : dur_us;
    sim_run(&d.hw, &d.core, at);
  }
  return ff ? d.ff.periods_skipped : 0;
}

/* Both ways; returns the periods the fast-forward skipped. */
static uint64_t both(const nm_profile_t *pf, const nm_profile_t *core_pf, uint64_t dur_us, uint64_t chunk_us, const char *what) {
  uint64_t skipped = run(pf, core_pf, dur_us, 1, chunk_us);
  last_period_us = nm_core_ff_period_us(&d.core);
  core_ff = d.core;
  hw_ff = d.hw;
  hw_ff.ff = NULL;
  (void)run(pf, core_pf, dur_us, 0, chunk_us);
  if (memcmp(&core_ff, &d.core, sizeof core_ff) != 0) {
    fail_msg("%s: the core differs (wakeups %llu/%llu, used_nc %llu/%llu)", what, (unsigned long long)core_ff.wakeups,
             (unsigned long long)d.core.wakeups, (unsigned long long)core_ff.gauge.used_nc,
             (unsigned long long)d.core.gauge.used_nc);
  }
  if (memcmp(&hw_ff, &d.hw, sizeof hw_ff) != 0) {
    fail_msg("%s: the hardware differs (pulses %llu/%llu, supply %.17g/%.17g fJ, drawn %.17g/%.17g pC)", what,
             (unsigned long long)hw_ff.out.pulses, (unsigned long long)d.hw.out.pulses, hw_ff.out.supply_fj,
             d.hw.out.supply_fj, hw_ff.cell.drawn_pc, d.hw.cell.drawn_pc);
  }
  return skipped;
}

static void load_example(const char *name) {
  char path[512], err[512];
  const char *src = getenv("NMOD_SRC");
  snprintf(path, sizeof path, "%s/examples/%s", src ? src : ".", name);
  assert_int_equal(tf_load(path, &th, err, sizeof err), 0);
}

static void test_burst_year(void **state) {
  (void)state;
  load_example("scs-burst.json");
  uint64_t skipped = both(NULL, NULL, 365ull * DAY_US, 0, "scs-burst 1y");
  printf("  scs-burst 1y: %llu of %llu periods skipped\n", (unsigned long long)skipped, 365ull * 720u);
  assert_true(skipped > 365ull * 700u); /* nearly the whole year, or it is not the speed-up */
  /* A run in hourly pieces (as nmod simulate runs a cell) ends the same too. */
  assert_true(both(NULL, NULL, 20ull * DAY_US + 37u * S_US, 3600u * S_US, "scs-burst 20d hourly") > 0);
}

/* A random cycling program: tonic or burst, with or without a ramp. */
static int random_therapy(uint64_t *s, char *buf, size_t cap) {
  int burst = (int)tu_range(s, 0, 1);
  uint32_t on = tu_range(s, 5, 90), off = tu_range(s, 5, 240), ramp = tu_range(s, 0, 2);
  if (ramp * 2u >= on) ramp = 0;
  uint32_t amp_da = tu_range(s, 3, burst ? 12 : 60); /* 0.1 mA */
  uint32_t rate = burst ? tu_range(s, 20, 40) : tu_range(s, 20, 120);
  uint32_t width = burst ? tu_range(s, 2, 10) * 100u : tu_range(s, 6, 50) * 10u;
  char wave[128];
  if (burst) snprintf(wave, sizeof wave, "\"burst\", \"burst\": {\"pulses\": %u, \"intra_rate_hz\": 500}", tu_range(s, 2, 5));
  else snprintf(wave, sizeof wave, "\"tonic\"");
  int n = snprintf(buf, cap,
                   "{\"format\": \"nmod-therapy/1\", \"therapy\": \"scs\", \"lead\": \"scs-perc-8\", \"impedance_ohm\": %u,"
                   " \"programs\": [{\"name\": \"p\", \"waveform\": %s, \"rate_hz\": %u, \"width_us\": %u,"
                   " \"amplitude_ma\": %u.%u, \"patient_range_ma\": [0, %u.%u], \"electrodes\": {\"E3\": -100, \"E4\": 100},"
                   " \"cycling\": {\"on_s\": %u, \"off_s\": %u}, \"ramp_s\": %u}]}",
                   tu_range(s, 4, 10) * 100u, wave, rate, width, amp_da / 10u, amp_da % 10u, amp_da / 10u, amp_da % 10u, on,
                   off, ramp);
  return n > 0 && (size_t)n < cap ? 0 : -1;
}

static void test_random_cycling(void **state) {
  (void)state;
  uint64_t s = tu_seed("sim_ff random cycling"), seed0 = s;
  int ran = 0, skipped_any = 0;
  for (int i = 0; i < 12; i++) {
    char text[1024], err[512], what[1200];
    assert_int_equal(random_therapy(&s, text, sizeof text), 0);
    if (tf_parse(text, strlen(text), &th, err, sizeof err) != 0) fail_msg("seed=%llu: %s: %s", (unsigned long long)seed0, text, err);
    dev_refusal_t why;
    if (simdev_start(&d, &th, &why) != NM_OK) continue; /* refused by the supervisor: nothing to run */
    /* From hours to a month, ending anywhere in a cycle (to the microsecond). */
    uint64_t dur = (uint64_t)tu_range(&s, 2, 30 * 24) * 3600u * S_US + tu_range(&s, 0, 600000000u);
    snprintf(what, sizeof what, "seed=%llu sample %d (%llu us) %s", (unsigned long long)seed0, i, (unsigned long long)dur, text);
    uint64_t sk = both(NULL, NULL, dur, 0, what);
    if (sk > 0) skipped_any++;
    printf("  sample %d: %.1f h, period %llu s, %llu periods skipped\n", i, (double)dur / 3.6e9,
           (unsigned long long)(last_period_us / S_US), (unsigned long long)sk);
    ran++;
  }
  printf("  %d random cycling programs, %d of them fast-forwarded, the same state each\n", ran, skipped_any);
  assert_true(ran >= 6);
  /* Which random programs repeat bit for bit within their run depends on the seed (a long
   * period, a gauge step mid-run): at least one must, or the comparison says little. */
  assert_true(skipped_any >= 1);
}

/* The core told it runs on a small cell while the hardware is a bench supply: its gauge's
 * count reaches the capacity (where it saturates) mid-run, which the fast-forward must
 * stop short of and step through. */
static void test_gauge_saturates(void **state) {
  (void)state;
  load_example("scs-burst.json");
  static nm_profile_t small;
  small = *nm_profile_get(NM_PROFILE_NMOD_PRIMARY);
  small.rated_uah = 20000; /* about 27 days of this burst */
  uint64_t skipped = both(NULL, &small, 60ull * DAY_US + 17u * S_US, 0, "small gauge");
  assert_int_equal(d.core.gauge.used_nc, (uint64_t)nm_batt_usable_uah(&small) * 3600000u); /* saturated */
  assert_true(skipped > 0);
}

/* A fitted rechargeable cell crossing LOW (recharged by the simulated patient) and a
 * primary one: the cell's physics is not periodic, so nothing is skipped, and the result
 * is the same. */
#define TONIC_CYCLING                                                                                              \
  "{\"format\": \"nmod-therapy/1\", \"therapy\": \"scs\", \"lead\": \"scs-perc-8\", \"impedance_ohm\": 700,"            \
  " \"programs\": [{\"name\": \"p\", \"waveform\": \"tonic\", \"rate_hz\": 80, \"width_us\": 300, \"amplitude_ma\": 4.5,"  \
  " \"patient_range_ma\": [0, 8.0], \"electrodes\": {\"E3\": -100, \"E4\": 100}, \"cycling\": {\"on_s\": 30, \"off_s\": 60},"\
  " \"ramp_s\": 1}]}"

static void test_fitted_cell(void **state) {
  (void)state;
  char err[512];
  assert_int_equal(tf_parse(TONIC_CYCLING, strlen(TONIC_CYCLING), &th, err, sizeof err), 0);
  const nm_profile_t *rc = nm_profile_get(NM_PROFILE_NMOD_RECHARGEABLE);
  assert_int_equal(both(rc, NULL, 40ull * DAY_US + 5u * S_US, 3600u * S_US, "rechargeable 40d"), 0);
  assert_true(d.hw.cell.recharges > 0); /* LOW was crossed, and the patient recharged */
}

/* nmod simulate --json, with and without --no-fast-forward, wall_s aside. */
static void simulate(const char *args, char *out, size_t cap) {
  char cmd[1024];
  snprintf(cmd, sizeof cmd, "\"%s\" simulate %s --json", getenv("NMOD"), args);
  FILE *p = popen(cmd, "r");
  assert_non_null(p);
  size_t n = fread(out, 1, cap - 1u, p);
  out[n] = 0;
  assert_int_equal(pclose(p), 0);
  char *w = strstr(out, "\"wall_s\":");
  assert_non_null(w);
  char *e = strchr(w, ',');
  assert_non_null(e);
  memmove(w, e + 1, strlen(e + 1) + 1u);
}

static void test_cli_json(void **state) {
  (void)state;
  static char a[8192], b[8192];
  char args[1024];
  const char *src = getenv("NMOD_SRC");
  const char *runs[] = {"--duration 1y", "--duration 3d", "--duration 100d --battery primary"};
  for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++) {
    snprintf(args, sizeof args, "\"%s/examples/scs-burst.json\" %s", src, runs[i]);
    simulate(args, a, sizeof a);
    snprintf(args, sizeof args, "\"%s/examples/scs-burst.json\" %s --no-fast-forward", src, runs[i]);
    simulate(args, b, sizeof b);
    assert_string_equal(a, b);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_burst_year),     cmocka_unit_test(test_random_cycling), cmocka_unit_test(test_gauge_saturates),
      cmocka_unit_test(test_fitted_cell),    cmocka_unit_test(test_cli_json),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
