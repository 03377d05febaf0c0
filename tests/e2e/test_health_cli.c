/* test_health_cli.c: device health end to end, with the real processes: longevity against a
 * simulated drain over the same virtual years, an injected open contact found by the
 * impedance check, refused by the MRI check and shown on the remote, the MRI statement,
 * therapy off for pregnancy in the history. */
#include "e2e.h"

#include <math.h>
#include <sys/stat.h>

static void test_longevity_matches_simulated_drain(void **state_) {
  (void)state_;
  proc_result_t r;
  /* InterStim II-like (a primary cell, 6.2 years): the virtual years simulated stay few. */
  assert_int_equal(RUN(&r, "longevity", example("snm-default.json"), "--battery", "primary", "--profile", "interstim2-like",
                       "--json"),
                   0);
  js_val *v = json_of(&r);
  double hours = num(js_get(v, "hours_to_eri"));
  double years = num(js_get(v, "years_to_eri"));
  js_free(v);
  proc_free(&r);
  assert_true(years > 3 && years < 15);
  char dur[32];
  snprintf(dur, sizeof dur, "%.0fh", hours * 1.03);
  assert_int_equal(RUN(&r, "simulate", example("snm-default.json"), "--duration", dur, "--battery", "primary", "--profile",
                       "interstim2-like", "--json"),
                   0);
  v = json_of(&r);
  const js_val *b = js_get(v, "battery");
  assert_non_null(b);
  double sim_hours = num(js_get(b, "eri_after_hours"));
  printf("  longevity %.0f h to ERI, simulated drain reached ERI after %.0f h (%.3f %%)\n", hours, sim_hours,
         100.0 * fabs(sim_hours - hours) / hours);
  assert_true(fabs(sim_hours - hours) / hours < 0.02);
  js_free(v);
  proc_free(&r);
  /* Rechargeable: a recharge interval and years of service. */
  assert_int_equal(RUN(&r, "longevity", example("scs-tonic.json"), "--battery", "rechargeable", "--json"), 0);
  v = json_of(&r);
  assert_true(num(js_get(v, "recharge_interval_days")) > 1);
  assert_true(num(js_get(v, "years_of_service")) > 1);
  js_free(v);
  proc_free(&r);
  assert_int_equal(RUN(&r, "longevity", example("snm-default.json"), "--battery", "alkaline"), 2);
  proc_free(&r);
}

static void test_open_contact(void **state_) {
  (void)state_;
  proc_result_t r;
  snprintf(state, sizeof state, "%s/open", tmpdir);
  const char *extra[] = {"--kind", "ins", "--lead-fault", "E2=open", NULL};
  sim_start_argv(state, extra);
  program_and_pair();
  /* The next impedance check finds it... */
  assert_int_equal(PROG(&r, "impedance", "--json"), 0);
  js_val *v = json_of(&r);
  const js_val *c = js_get(v, "contacts");
  assert_int_equal(c->n, 4);
  assert_string_equal(js_get(&c->items[2], "class")->str, "open");
  assert_string_equal(js_get(&c->items[0], "class")->str, "normal");
  js_free(v);
  proc_free(&r);
  /* ...the MRI check fails with that reason... */
  char stmt[400];
  snprintf(stmt, sizeof stmt, "%s/statement.txt", tmpdir);
  assert_int_equal(PROG(&r, "mri-check", "--scan", "head", "--out", stmt), 3);
  assert_non_null(strstr(r.out, "NOT eligible"));
  assert_non_null(strstr(r.out, "E2 is open"));
  proc_free(&r);
  assert_int_not_equal(access(stmt, F_OK), 0); /* no statement for a device that fails */
  /* ...and the remote's status shows it. */
  assert_int_equal(REMOTE(&r, remote_key, "status"), 0);
  assert_non_null(strstr(r.out, "E2 is open"));
  proc_free(&r);
  assert_int_equal(REMOTE(&r, remote_key, "status", "--json"), 0);
  v = json_of(&r);
  const js_val *alerts = js_get(v, "lead_alerts");
  assert_int_equal(alerts->n, 1);
  assert_string_equal(alerts->items[0].str, "E2 open");
  js_free(v);
  proc_free(&r);
  assert_int_equal(PROG(&r, "interrogate"), 0);
  assert_non_null(strstr(r.out, "E2 is open"));
  proc_free(&r);
  sim_stop(SIGTERM);
}

static void test_mri_statement(void **state_) {
  (void)state_;
  proc_result_t r;
  char stmt[400];
  snprintf(stmt, sizeof stmt, "%s/mri.txt", tmpdir);
  /* An implanted SCS system on a percutaneous lead, all intact: full-body allowed. */
  snprintf(state, sizeof state, "%s/scs", tmpdir);
  const char *scs[] = {"--kind", "ins", "--therapy", "scs", "--lead", "scs-perc-8", NULL};
  sim_start_argv(state, scs);
  assert_int_equal(PROG(&r, "program", example("scs-tonic.json")), 0);
  proc_free(&r);
  assert_int_equal(PROG(&r, "mri-check", "--scan", "full-body", "--out", stmt), 0);
  assert_non_null(strstr(r.out, "ELIGIBLE"));
  proc_free(&r);
  FILE *f = fopen(stmt, "r");
  assert_non_null(f);
  char text[4096] = {0};
  assert_true(fread(text, 1, sizeof text - 1, f) > 100);
  fclose(f);
  assert_non_null(strstr(text, "INS-SCS-"));
  assert_non_null(strstr(text, "Before the scan"));
  assert_non_null(strstr(text, "MRI mode"));
  struct stat sb; /* patient data: the owner's only, whatever the umask */
  assert_int_equal(stat(stmt, &sb), 0);
  assert_int_equal(sb.st_mode & 0777, 0600);
  sim_stop(SIGTERM);
  /* SNM: head only. */
  snprintf(state, sizeof state, "%s/snm", tmpdir);
  const char *snm[] = {"--kind", "ins", NULL};
  sim_start_argv(state, snm);
  assert_int_equal(PROG(&r, "mri-check", "--scan", "full-body", "--json"), 3);
  js_val *v = json_of(&r);
  assert_false(js_get(v, "eligible")->boolean);
  assert_non_null(strstr(js_get(v, "reasons")->items[0].str, "head"));
  js_free(v);
  proc_free(&r);
  assert_int_equal(PROG(&r, "mri-check", "--scan", "head"), 0);
  proc_free(&r);
  sim_stop(SIGTERM);
  /* The external trial stimulator: no MRI during the trial. */
  snprintf(state, sizeof state, "%s/ets", tmpdir);
  sim_start(state, NULL, NULL);
  assert_int_equal(PROG(&r, "mri-check", "--scan", "head"), 3);
  assert_non_null(strstr(r.out, "trial"));
  proc_free(&r);
  sim_stop(SIGTERM);
}

static void test_pregnancy_and_surgery_in_history(void **state_) {
  (void)state_;
  proc_result_t r;
  snprintf(state, sizeof state, "%s/preg", tmpdir);
  sim_start(state, NULL, NULL);
  program_and_pair();
  assert_int_equal(REMOTE(&r, remote_key, "off", "--reason", "pregnancy"), 0);
  proc_free(&r);
  assert_int_equal(REMOTE(&r, remote_key, "surgery", "on"), 0);
  proc_free(&r);
  assert_int_equal(PROG(&r, "history"), 0);
  assert_non_null(strstr(r.out, "reason: pregnancy"));
  assert_non_null(strstr(r.out, "bipolar diathermy"));
  proc_free(&r);
  assert_int_equal(PROG(&r, "history", "--since", "2099-01-01", "--json"), 0);
  js_val *v = json_of(&r);
  assert_int_equal(js_get(v, "events")->n, 0);
  js_free(v);
  proc_free(&r);
  assert_int_equal(PROG(&r, "history", "--since", "yesterday"), 2);
  proc_free(&r);
  sim_stop(SIGTERM);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_longevity_matches_simulated_drain), cmocka_unit_test(test_open_contact),
      cmocka_unit_test(test_mri_statement), cmocka_unit_test(test_pregnancy_and_surgery_in_history),
  };
  return cmocka_run_group_tests(tests, e2e_setup, e2e_teardown);
}
