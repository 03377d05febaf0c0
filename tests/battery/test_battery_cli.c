/* test_battery_cli.c: the battery end to end, with the real processes: `nmod longevity`
 * on the default profile per therapy and on a named one, its table, its errors (an unknown
 * profile, --profile against --battery); `nmod simulate --profile` (the cell's physics)
 * against `nmod longevity` (the firmware's estimate); `nmod sim --profile` keeping the
 * profile in hardware.json, a folder without one getting the reference, and the
 * programmer's interrogation showing the longevity at the present settings. */
#include "e2e.h"

#include <math.h>

static void test_longevity_profiles(void **state_) {
  (void)state_;
  proc_result_t r;
  /* Neither --profile nor --battery: the therapy's default (SNM primary, SCS rechargeable). */
  assert_int_equal(RUN(&r, "longevity", example("snm-default.json"), "--json"), 0);
  js_val *v = json_of(&r);
  assert_string_equal(js_get(v, "profile")->str, "nmod-primary");
  assert_true(num(js_get(v, "years_to_eri")) > 3);
  js_free(v);
  proc_free(&r);
  assert_int_equal(RUN(&r, "longevity", example("scs-tonic.json"), "--json"), 0);
  v = json_of(&r);
  assert_string_equal(js_get(v, "profile")->str, "nmod-rechargeable");
  assert_true(num(js_get(v, "charge_minutes_per_day")) > 0);
  js_free(v);
  proc_free(&r);
  /* A named profile, in words: the recharge interval and the minutes a day. */
  assert_int_equal(RUN(&r, "longevity", example("scs-hf10k.json"), "--profile", "senza-like"), 0);
  assert_non_null(strstr(r.out, "profile senza-like"));
  assert_non_null(strstr(r.out, "minutes of charging a day"));
  assert_non_null(strstr(r.out, "recharge every"));
  proc_free(&r);
  /* The table over amplitude and impedance: it falls along both. */
  assert_int_equal(RUN(&r, "longevity", example("snm-default.json"), "--profile", "interstim2-like", "--table", "--json"), 0);
  v = json_of(&r);
  const js_val *t = js_get(v, "table");
  assert_non_null(t);
  assert_true(t->n >= 20);
  for (size_t i = 0; i + 1 < t->n; i++) {
    const js_val *a = &t->items[i], *b = &t->items[i + 1];
    if (num(js_get(a, "amplitude_ma")) == num(js_get(b, "amplitude_ma"))) {
      assert_true(num(js_get(b, "years_to_eri")) <= num(js_get(a, "years_to_eri"))); /* more ohm */
    }
  }
  js_free(v);
  proc_free(&r);
  assert_int_equal(RUN(&r, "longevity", example("snm-default.json"), "--table"), 0);
  assert_non_null(strstr(r.out, "mA \\ ohm"));
  proc_free(&r);
  /* Errors: one line naming what is wrong, exit 2. */
  assert_int_equal(RUN(&r, "longevity", example("snm-default.json"), "--profile", "no-such"), 2);
  assert_non_null(strstr(r.err, "'no-such' is not a profile"));
  assert_non_null(strstr(r.err, "interstim2-like"));
  proc_free(&r);
  assert_int_equal(RUN(&r, "longevity", example("snm-default.json"), "--profile", "senza-like", "--battery", "primary"), 2);
  assert_non_null(strstr(r.err, "rechargeable cell, not primary"));
  proc_free(&r);
  assert_int_equal(RUN(&r, "simulate", example("snm-default.json"), "--duration", "1h", "--profile", "f15-like", "--battery",
                       "rechargeable"),
                   2);
  proc_free(&r);
}

/* simulate's physics against longevity's estimate, through the command line. */
static void test_simulate_matches_longevity(void **state_) {
  (void)state_;
  proc_result_t r;
  assert_int_equal(RUN(&r, "longevity", example("scs-hf10k.json"), "--profile", "interstim2-like", "--json"), 0);
  js_val *v = json_of(&r);
  double hours = num(js_get(v, "hours_to_eri"));
  js_free(v);
  proc_free(&r);
  char dur[32];
  snprintf(dur, sizeof dur, "%.0fh", hours * 1.05);
  assert_int_equal(RUN(&r, "simulate", example("scs-hf10k.json"), "--duration", dur, "--profile", "interstim2-like", "--json"), 0);
  v = json_of(&r);
  const js_val *b = js_get(v, "battery"), *ph = js_get(b, "physics");
  double cell_h = num(js_get(ph, "eri_after_hours")), dev_h = num(js_get(b, "eri_after_hours"));
  printf("  longevity %.0f h, the cell %.1f h, the device %.0f h; gauge within %.2f %%\n", hours, cell_h, dev_h,
         num(js_get(b, "gauge_error_max_pct")));
  assert_true(fabs(cell_h - hours) / hours < 0.02);
  assert_true(fabs(dev_h - hours) / hours < 0.02);
  js_free(v);
  proc_free(&r);
  /* Rechargeable: the interval and the minutes a day. */
  assert_int_equal(RUN(&r, "longevity", example("scs-hf10k.json"), "--profile", "senza-like", "--json"), 0);
  v = json_of(&r);
  double days = num(js_get(v, "recharge_interval_days")), mins = num(js_get(v, "charge_minutes_per_day"));
  js_free(v);
  proc_free(&r);
  assert_int_equal(RUN(&r, "simulate", example("scs-hf10k.json"), "--duration", "20d", "--profile", "senza-like", "--json"), 0);
  v = json_of(&r);
  ph = js_get(js_get(v, "battery"), "physics");
  assert_true(fabs(num(js_get(ph, "recharge_interval_days")) - days) / days < 0.02);
  assert_true(fabs(num(js_get(ph, "charge_minutes_per_day")) - mins) / mins < 0.02);
  js_free(v);
  proc_free(&r);
}

static int file_has(const char *path, const char *needle) {
  char buf[1024] = {0};
  FILE *f = fopen(path, "r");
  if (!f) return 0;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  return strstr(buf, needle) != NULL;
}

static void test_sim_profile(void **state_) {
  (void)state_;
  proc_result_t r;
  snprintf(state, sizeof state, "%s/r20", tmpdir);
  const char *r20[] = {"--kind", "ins", "--profile", "r20-like", NULL};
  sim_start_argv(state, r20);
  char hwpath[400];
  snprintf(hwpath, sizeof hwpath, "%s/hardware.json", state);
  assert_true(file_has(hwpath, "\"profile\":\"r20-like\""));
  assert_true(file_has(hwpath, "\"battery\":\"rechargeable\""));
  program_and_pair();
  /* The interrogation: the longevity at the present settings on the device's profile. */
  assert_int_equal(PROG(&r, "interrogate"), 0);
  assert_non_null(strstr(r.out, "profile r20-like"));
  assert_non_null(strstr(r.out, "minutes of charging a day"));
  proc_free(&r);
  assert_int_equal(PROG(&r, "interrogate", "--json"), 0);
  js_val *v = json_of(&r);
  const js_val *bd = js_get(v, "battery_detail");
  assert_non_null(bd);
  /* What longevity says of the same settings on that profile (the read-out's JSON keeps
   * the codec the clinic reads: the profile is named in the text form above). */
  double days = num(js_get(bd, "recharge_interval_days"));
  js_free(v);
  proc_free(&r);
  assert_int_equal(RUN(&r, "longevity", example("snm-default.json"), "--profile", "r20-like", "--json"), 0);
  v = json_of(&r);
  assert_true(fabs(num(js_get(v, "recharge_interval_days")) - days) < 0.01);
  js_free(v);
  proc_free(&r);
  sim_stop(SIGTERM);
  /* Another profile on that folder: refused, naming what it holds. */
  char errlog[400];
  snprintf(errlog, sizeof errlog, "%s/sim.log", tmpdir);
  char *argv[] = {(char *)proc_nmod(), "sim", "--state", state, "--listen", "127.0.0.1:0", "--profile", "senza-like", NULL};
  assert_int_equal(proc_run(argv, 30, &r), 0);
  assert_int_equal(r.code, 2);
  assert_non_null(strstr(r.err, "profile r20-like"));
  proc_free(&r);
  /* A folder from before profiles (hardware.json without one): the reference for its
   * cell, documented in docs/DEVICE-HEALTH.md. */
  snprintf(state, sizeof state, "%s/old", tmpdir);
  const char *old[] = {"--kind", "ins", "--battery", "primary", NULL};
  sim_start_argv(state, old);
  sim_stop(SIGTERM);
  snprintf(hwpath, sizeof hwpath, "%s/hardware.json", state);
  FILE *f = fopen(hwpath, "w");
  assert_non_null(f);
  fprintf(f, "{\"kind\":\"ins\",\"therapy\":\"snm\",\"lead\":\"snm-tined-4\",\"battery\":\"primary\"}\n");
  fclose(f);
  sim_start_argv(state, old);
  program_and_pair();
  assert_int_equal(PROG(&r, "interrogate"), 0);
  assert_non_null(strstr(r.out, "profile nmod-primary"));
  assert_non_null(strstr(r.out, "years to ERI from now"));
  proc_free(&r);
  sim_stop(SIGTERM);
  /* A damaged profile name: a one-line error, exit 2. */
  f = fopen(hwpath, "w");
  assert_non_null(f);
  fprintf(f, "{\"kind\":\"ins\",\"therapy\":\"snm\",\"lead\":\"snm-tined-4\",\"battery\":\"primary\",\"profile\":\"senza-like\"}\n");
  fclose(f);
  char *argv2[] = {(char *)proc_nmod(), "sim", "--state", state, "--listen", "127.0.0.1:0", NULL};
  assert_int_equal(proc_run(argv2, 30, &r), 0);
  assert_int_equal(r.code, 2);
  assert_non_null(strstr(r.err, "has a rechargeable cell but \"battery\" says primary"));
  proc_free(&r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_longevity_profiles),
      cmocka_unit_test(test_simulate_matches_longevity),
      cmocka_unit_test(test_sim_profile),
  };
  return cmocka_run_group_tests(tests, e2e_setup, e2e_teardown);
}
