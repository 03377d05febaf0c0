/* test_loop_cli.c: the closed loop on the patient's remote, end to end with the real
 * processes: a real `nmod sim` (an SCS stimulator with no body attached: its sensing front
 * end reads an open input), the programmer loading examples/scs-closed-loop.json, and the
 * remote. The loop detects the lost sensing contact and falls back; the remote shows it,
 * turns the loop off and on, and moves the target only inside the clinician's range. */
#include "e2e.h"

/* The remote's status, polled until it says `what` (the sim runs at 60x: the loop's three
 * flagged pulses take about a millisecond of host time). */
static void wait_status(const char *what) {
  proc_result_t r;
  for (int i = 0; i < 50; i++) {
    assert_int_equal(REMOTE(&r, remote_key, "status"), 0);
    static char out[4096];
    snprintf(out, sizeof out, "%s", r.out);
    proc_free(&r);
    if (strstr(out, what)) return;
    if (i == 49) fail_msg("the remote's status never said '%s':\n%s", what, out);
    struct timespec ts = {0, 100000000};
    nanosleep(&ts, NULL);
  }
}

static void test_remote_loop(void **state_) {
  (void)state_;
  proc_result_t r;
  snprintf(state, sizeof state, "%s/loop", tmpdir);
  const char *extra[] = {NULL};
  sim_start_as(state, "ins", "scs", "scs-perc-8", "60", extra);
  if (PROG(&r, "program", example("scs-closed-loop.json")) != 0) fail_msg("program: %s", r.err);
  proc_free(&r);
  assert_int_equal(PROG(&r, "therapy", "on"), 0);
  proc_free(&r);
  snprintf(remote_key, sizeof remote_key, "%s/remote-loop.key", tmpdir);
  if (PROG(&r, "pair-remote", "--out", remote_key) != 0) fail_msg("pair: %s", r.err);
  proc_free(&r);
  /* Nothing to sense: the loop falls back, and says why. */
  wait_status("automatic strength fell back to a fixed");
  wait_status("sensing contact lost");
  /* Off: a lowering (the loop is off already after its fallback: nothing changes); the
   * amplitude stays fixed, and the status keeps the reason. */
  assert_int_equal(REMOTE(&r, remote_key, "loop", "off"), 0);
  proc_free(&r);
  wait_status("automatic strength fell back to a fixed");
  /* The target: inside the clinician's range (35-65 uV) it moves, outside it is refused. */
  assert_int_equal(REMOTE(&r, remote_key, "target", "set", "60"), 0);
  proc_free(&r);
  assert_int_equal(REMOTE(&r, remote_key, "target", "up"), 0); /* 65: the top */
  proc_free(&r);
  assert_int_equal(REMOTE(&r, remote_key, "target", "up"), 3);
  assert_non_null(strstr(r.err, "outside the range your clinician set (35-65 uV)"));
  proc_free(&r);
  assert_int_equal(REMOTE(&r, remote_key, "target", "set", "20"), 3);
  proc_free(&r);
  assert_int_equal(REMOTE(&r, remote_key, "target", "set", "fifty"), 2);
  proc_free(&r);
  assert_int_equal(REMOTE(&r, remote_key, "loop", "maybe"), 2);
  proc_free(&r);
  /* On again: it runs, finds the contact still lost, and falls back again. */
  assert_int_equal(REMOTE(&r, remote_key, "loop", "on"), 0);
  proc_free(&r);
  wait_status("sensing contact lost");
  /* The history has the loop's events. */
  assert_int_equal(PROG(&r, "history"), 0);
  assert_non_null(strstr(r.out, "closed loop of program 0 fell back"));
  assert_non_null(strstr(r.out, "sensing contact lost"));
  assert_non_null(strstr(r.out, "closed loop of program 0 target moved: target 65 uV"));
  assert_non_null(strstr(r.out, "closed loop of program 0 on"));
  proc_free(&r);
  sim_stop(SIGTERM);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_remote_loop),
  };
  return cmocka_run_group_tests(tests, e2e_setup, e2e_teardown);
}
