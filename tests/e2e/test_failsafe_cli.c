/* test_failsafe_cli.c: the fail-safe rule end to end (issue 9, "Done when"), with a real
 * `nmod sim` and the real programmer and remote.
 *
 * The device is an implanted SCS stimulator on scs-perc-8 running examples/scs-tonic.json
 * (4.0 mA, soft start and stop over its ramp_s = 2 s), at 10 virtual seconds per second.
 * With the flash stuck (SIGUSR1): `remote off`, `programmer therapy off` and `programmer
 * mode mri` each bring delivered_ma to 0 within the ramp time, answered "in effect, not
 * stored" (exit 0, "stored":false); a raising (`therapy on`, `remote on`, `amp up`) is
 * refused ("not done ... memory fault", exit 3) and changes nothing. After SIGUSR2 the
 * change is stored: the history has it with the storage events, and a kill -9 keeps it.
 * A sim restarted on the stuck flash boots with therapy off and says why.
 *
 * Time is judged conservatively: a status reading started at real time t after the
 * lowering's reply came back at t_done was taken at least (t - t_done) x scale virtual
 * seconds after the lowering took effect. Every reading taken when the ramp time had
 * certainly passed must show 0; this is a bound on the device's virtual time, not a
 * timing of this machine. */
#include "e2e.h"

#include "therapy_file.h"

#define SCALE 10 /* virtual seconds per real second */
#define SCALE_ARG "10"

static uint32_t ramp_ms, amp0_ua;

/* ---- the device ---------------------------------------------------------------------- */

static void scs_sim_start(void) { sim_start_as(state, "ins", "scs", "scs-perc-8", SCALE_ARG, NULL); }

static js_val *status_json(void) {
  proc_result_t r;
  if (REMOTE(&r, remote_key, "status", "--json") != 0) fail_msg("remote status: %s", r.err);
  js_val *v = json_of(&r);
  proc_free(&r);
  return v;
}

/* A field of the only program in a status document, in uA. */
static long prog_ua(const js_val *v, const char *key) {
  const js_val *p = js_get(v, "programs");
  assert_true(p && p->type == JS_ARR && p->n == 1);
  int64_t ua;
  assert_int_equal(js_num_fixed(js_get(&p->items[0], key), 3, &ua), 0);
  return (long)ua;
}

/* A boolean field: 1, 0; the test fails when it is missing. */
static int bool_of(const js_val *v, const char *key) {
  const js_val *f = js_get(v, key);
  assert_true(f && f->type == JS_BOOL);
  return f->boolean != 0;
}

static const char *str_of(const js_val *v, const char *key) {
  const js_val *f = js_get(v, key);
  assert_true(f && f->type == JS_STR);
  return f->str;
}

static size_t alerts_n(const js_val *v) {
  const js_val *a = js_get(v, "alerts");
  assert_true(a && a->type == JS_ARR);
  return a->n;
}

/* What a refused raising must leave alone. */
typedef struct {
  char mode[16];
  int therapy_on;
  long amp_ua, delivered_ua;
} snap_t;

static snap_t snap(void) {
  js_val *v = status_json();
  snap_t s;
  snprintf(s.mode, sizeof s.mode, "%s", str_of(v, "mode"));
  s.therapy_on = bool_of(v, "therapy_on");
  s.amp_ua = prog_ua(v, "amplitude_ma");
  s.delivered_ua = prog_ua(v, "delivered_ma");
  js_free(v);
  return s;
}

/* Poll (bounded) until the program delivers its full amplitude: the soft start is over. */
static void wait_full(void) {
  for (int i = 0; i < 2000; i++) {
    if (snap().delivered_ua == (long)amp0_ua) return;
  }
  fail_msg("the program never reached its amplitude of %u uA", amp0_ua);
}

static void flash_fault(int on) {
  long at = log_size();
  assert_int_equal(kill(sim_lock_pid(), on ? SIGUSR1 : SIGUSR2), 0);
  wait_log(at, on ? "flash fault injected" : "flash fault healed");
}

/* After the heal: poll (bounded) until the device says nothing waits to be stored. */
static void wait_stored(void) {
  for (int i = 0; i < 2000; i++) {
    js_val *v = status_json();
    size_t n = alerts_n(v);
    js_free(v);
    if (n == 0) return;
  }
  fail_msg("the device never stored what waited after the heal");
}

/* A new device in tmpdir/name: scs-tonic programmed, a remote paired, therapy on at full
 * amplitude. */
static void scs_running(const char *name) {
  proc_result_t r;
  snprintf(state, sizeof state, "%s/%s", tmpdir, name);
  scs_sim_start();
  if (PROG(&r, "program", example("scs-tonic.json")) != 0) fail_msg("program: %s", r.err);
  proc_free(&r);
  snprintf(remote_key, sizeof remote_key, "%s/%s-remote.key", tmpdir, name);
  if (PROG(&r, "pair-remote", "--out", remote_key) != 0) fail_msg("pair: %s", r.err);
  proc_free(&r);
  assert_int_equal(PROG(&r, "therapy", "on"), 0);
  proc_free(&r);
  wait_full();
}

/* ---- the checks ----------------------------------------------------------------------- */

/* A raising while the flash is stuck: exit 3, one line "not done ... memory fault", and the
 * stimulation as it was. */
static void expect_refused(const char *what, int code, proc_result_t *r, const snap_t *before) {
  if (code != 3 || proc_lines(r->err) != 1 || !strstr(r->err, "not done") || !strstr(r->err, "memory fault") ||
      strstr(r->err, "try again")) {
    fail_msg("%s on a stuck flash: exit %d, %s", what, code, r->err);
  }
  proc_free(r);
  snap_t now = snap();
  if (strcmp(now.mode, before->mode) != 0 || now.therapy_on != before->therapy_on || now.amp_ua != before->amp_ua ||
      now.delivered_ua != before->delivered_ua) {
    fail_msg("%s was refused but changed the stimulation: mode %s -> %s, amplitude %ld -> %ld uA, delivering %ld -> %ld uA",
             what, before->mode, now.mode, before->amp_ua, now.amp_ua, before->delivered_ua, now.delivered_ua);
  }
}

static void expect_raisings_refused(void) {
  proc_result_t r;
  snap_t before = snap();
  expect_refused("programmer therapy on", PROG(&r, "therapy", "on"), &r, &before);
  expect_refused("remote on", REMOTE(&r, remote_key, "on"), &r, &before);
  expect_refused("remote amp up", REMOTE(&r, remote_key, "amp", "up"), &r, &before);
}

/* The lowering's answer: exit 0, "stored":false, one warning line. */
static void expect_not_stored(const char *what, int code, proc_result_t *r) {
  if (code != 0 || proc_lines(r->err) != 1 || !strstr(r->err, "in effect now, but the stimulator could not store it")) {
    fail_msg("%s on a stuck flash: exit %d, %s", what, code, r->err);
  }
  js_val *v = json_of(r);
  assert_int_equal(bool_of(v, "stored"), 0);
  js_free(v);
  proc_free(r);
}

/* From the lowering's reply (real time t_done) on: delivered_ma reaches 0, and no reading
 * taken once the ramp time had certainly passed shows anything else. */
static void expect_zero_within_ramp(const char *what, double t_done) {
  long prev = (long)amp0_ua;
  for (int i = 0; i < 1000; i++) {
    double t0 = proc_now();
    long lvl = snap().delivered_ua;
    double after_ms = (t0 - t_done) * 1000.0 * SCALE;
    printf("  %s: >= %.0f virtual ms after the reply, delivering %ld uA\n", what, after_ms, lvl);
    if (lvl > prev) fail_msg("%s: the level went up during the stop (%ld -> %ld uA)", what, prev, lvl);
    if (lvl == 0) return;
    if (after_ms >= (double)ramp_ms) {
      fail_msg("%s: still delivering %ld uA at least %.0f ms after it took effect (ramp %u ms)", what, lvl, after_ms, ramp_ms);
    }
    prev = lvl;
  }
  fail_msg("%s: never reached 0", what);
}

/* The history holds "memory cannot be written" and an event whose text has `change` (in
 * either order: the change is logged before the failure its own write found), both before
 * "memory works again". */
static void expect_history(const char *change) {
  proc_result_t r;
  assert_int_equal(PROG(&r, "history", "--json"), 0);
  js_val *v = json_of(&r);
  const js_val *evs = js_get(v, "events");
  assert_true(evs && evs->type == JS_ARR);
  size_t failing = SIZE_MAX, changed = SIZE_MAX, works = SIZE_MAX;
  for (size_t i = 0; i < evs->n; i++) {
    const char *text = str_of(&evs->items[i], "text");
    if (strstr(text, "memory cannot be written")) failing = i;
    if (strstr(text, change)) changed = i;
    if (strstr(text, "memory works again")) works = i;
  }
  if (failing == SIZE_MAX || changed == SIZE_MAX || works == SIZE_MAX || works < failing || works < changed) {
    fprintf(stderr, "history: %s\n", r.out);
    fail_msg("history lacks 'memory cannot be written' and '%s' before 'memory works again' (%zu, %zu, %zu)", change,
             failing, changed, works);
  }
  js_free(v);
  proc_free(&r);
}

/* kill -9 and a restart on the same state folder. */
static void crash_and_restart(void) {
  sim_stop(SIGKILL);
  scs_sim_start();
}

/* ---- the tests -------------------------------------------------------------------------- */

/* The lowering's answer came back (code, r): it is in effect, not stored, and the level
 * reaches 0 within the ramp time. */
static void expect_lowered(const char *what, int code, proc_result_t *r) {
  double t_done = proc_now();
  expect_not_stored(what, code, r);
  expect_zero_within_ramp(what, t_done);
}

/* Heal: the change is stored with its history, and a kill -9 keeps it: mode_after, no
 * output, therapy_on as given (MRI mode remembers that therapy was on before it). */
static void expect_stored_after_heal(const char *event, const char *mode_after, int therapy_on) {
  flash_fault(0);
  wait_stored();
  expect_history(event);
  crash_and_restart();
  js_val *v = status_json();
  assert_string_equal(str_of(v, "mode"), mode_after);
  assert_int_equal(bool_of(v, "therapy_on"), therapy_on);
  assert_int_equal(prog_ua(v, "delivered_ma"), 0);
  assert_int_equal(alerts_n(v), 0);
  js_free(v);
  expect_history(event);
}

static void test_remote_off(void **state_) {
  (void)state_;
  proc_result_t r;
  scs_running("remote-off");
  flash_fault(1);
  /* The first write that fails is a raising: refused, nothing changes. */
  snap_t before = snap();
  expect_refused("remote amp up", REMOTE(&r, remote_key, "amp", "up"), &r, &before);
  expect_lowered("remote off", REMOTE(&r, remote_key, "off", "--json"), &r);
  expect_raisings_refused();
  expect_stored_after_heal("mode therapy -> off (patient", "off", 0);
  /* Re-armed: with the memory working the patient turns it on again. */
  assert_int_equal(REMOTE(&r, remote_key, "on"), 0);
  proc_free(&r);
  wait_full();
  sim_stop(SIGTERM);
}

static void test_programmer_therapy_off(void **state_) {
  (void)state_;
  proc_result_t r;
  scs_running("prog-off");
  flash_fault(1);
  expect_lowered("programmer therapy off", PROG(&r, "therapy", "off", "--json"), &r);
  expect_raisings_refused();
  expect_stored_after_heal("mode therapy -> off (clinician", "off", 0);
  sim_stop(SIGTERM);
}

static void test_programmer_mode_mri(void **state_) {
  (void)state_;
  proc_result_t r;
  scs_running("mri");
  flash_fault(1);
  expect_lowered("programmer mode mri", PROG(&r, "mode", "mri", "--json"), &r);
  expect_raisings_refused();
  /* Leaving MRI mode for therapy raises stimulation: refused too. */
  snap_t before = snap();
  expect_refused("remote mri off", REMOTE(&r, remote_key, "mri", "off"), &r, &before);
  expect_refused("programmer mode normal", PROG(&r, "mode", "normal"), &r, &before);
  expect_stored_after_heal("mode therapy -> mri (clinician", "mri", 1);
  sim_stop(SIGTERM);
}

/* A reset while the flash is stuck: the device boots with therapy off and says why, on the
 * sim's stderr, in the remote's status and in the interrogation. */
static void test_restart_on_stuck_flash(void **state_) {
  (void)state_;
  proc_result_t r;
  scs_running("restart");
  flash_fault(1);
  sim_stop(SIGKILL);
  long at = log_size();
  scs_sim_start();
  if (!log_has(at, "its flash cannot be written: booted with therapy off until it can")) {
    fail_msg("the restarted sim did not say why it booted with therapy off");
  }
  js_val *v = status_json();
  assert_string_equal(str_of(v, "mode"), "off");
  assert_int_equal(bool_of(v, "therapy_on"), 0);
  assert_int_equal(prog_ua(v, "delivered_ma"), 0);
  assert_string_equal(str_of(v, "fault"), "memory could not be written at boot");
  const js_val *al = js_get(v, "alerts");
  assert_int_equal(al->n, 1);
  assert_string_equal(al->items[0].str, "memory-not-writable");
  js_free(v);
  assert_int_equal(REMOTE(&r, remote_key, "status"), 0);
  if (!strstr(r.out, "stimulator") || !strstr(r.out, ": off") ||
      !strstr(r.out, "stimulation was stopped by a fault (memory could not be written at boot): contact your clinic") ||
      !strstr(r.out, "the stimulator's memory is not working: your last change is in effect but not stored; contact your "
                     "clinic")) {
    fail_msg("remote status on a stuck flash: %s", r.out);
  }
  proc_free(&r);
  assert_int_equal(PROG(&r, "interrogate"), 0);
  if (!strstr(r.out, "mode off, therapy off, fault: memory could not be written at boot") ||
      !strstr(r.out, "ALERT memory-not-writable: flash writes fail")) {
    fail_msg("interrogate on a stuck flash: %s", r.out);
  }
  proc_free(&r);
  assert_int_equal(PROG(&r, "interrogate", "--json"), 0);
  v = json_of(&r);
  assert_string_equal(js_get(v, "alerts")->items[0].str, "memory-not-writable");
  assert_string_equal(str_of(v, "fault"), "memory could not be written at boot");
  js_free(v);
  proc_free(&r);
  /* Nothing raises it while the memory fails. */
  snap_t before = snap();
  expect_refused("programmer therapy on", PROG(&r, "therapy", "on"), &r, &before);
  /* Healed: the alert goes, the fault stays until the clinician turns therapy on. */
  flash_fault(0);
  wait_stored();
  assert_int_equal(REMOTE(&r, remote_key, "status"), 0);
  assert_null(strstr(r.out, "memory is not working"));
  proc_free(&r);
  assert_int_equal(PROG(&r, "therapy", "on"), 0);
  proc_free(&r);
  wait_full();
  sim_stop(SIGTERM);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_remote_off),
      cmocka_unit_test(test_programmer_therapy_off),
      cmocka_unit_test(test_programmer_mode_mri),
      cmocka_unit_test(test_restart_on_stuck_flash),
  };
  /* The program's ramp and amplitude, from the example itself. */
  static tf_therapy_t t;
  char err[256], path[600];
  const char *s = getenv("NMOD_SRC");
  snprintf(path, sizeof path, "%s/examples/scs-tonic.json", s ? s : ".");
  if (tf_load(path, &t, err, sizeof err) != 0 || t.n_prog != 1 || t.prog[0].ramp_ms == 0) {
    fprintf(stderr, "test_failsafe_cli: %s\n", err);
    return 1;
  }
  ramp_ms = t.prog[0].ramp_ms;
  amp0_ua = t.prog[0].amp_ua;
  printf("scs-tonic.json: %u uA, ramp %u ms, at %d virtual s per s\n", amp0_ua, ramp_ms, SCALE);
  return cmocka_run_group_tests(tests, e2e_setup, e2e_teardown);
}
