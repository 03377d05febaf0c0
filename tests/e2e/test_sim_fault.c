/* test_sim_fault.c: faults of the simulated hardware, end to end with a real `nmod sim`:
 * a damaged hardware.json (one-line error, never a crash), and the flash fault injected
 * with SIGUSR1 and healed with SIGUSR2, kept across a restart in the state folder. */
#include "e2e.h"

#include <poll.h>
#include <sys/stat.h>

static void write_text(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  assert_int_equal(fclose(f), 0);
}

/* nmod sim on an existing state folder, no device options: exit code and stderr. */
static int sim_once(proc_result_t *r) {
  char *argv[] = {(char *)proc_nmod(), "sim", "--state", state, "--listen", "127.0.0.1:0", NULL};
  assert_int_equal(proc_run(argv, 20, r), 0);
  assert_false(r->signaled);
  return r->code;
}

static void test_hardware_json_bad_fields(void **state_) {
  (void)state_;
  proc_result_t r;
  snprintf(state, sizeof state, "%s/hw", tmpdir);
  sim_start(state, NULL, NULL);
  sim_stop(SIGTERM);
  char hw[400];
  snprintf(hw, sizeof hw, "%s/hardware.json", state);
  static const struct {
    const char *text, *field;
  } cases[] = {
      {"{\"kind\":\"ets\",\"therapy\":\"snm\",\"lead\":\"no-such-lead\",\"battery\":\"primary\"}\n", "\"lead\""},
      {"{\"kind\":\"ets\",\"therapy\":\"snm\",\"lead\":\"custom\",\"battery\":\"primary\"}\n", "\"lead\""},
      {"{\"kind\":\"ets\",\"therapy\":\"snm\",\"lead\":7,\"battery\":\"primary\"}\n", "\"lead\""},
      {"{\"kind\":\"implant\",\"therapy\":\"snm\",\"lead\":\"snm-tined-4\",\"battery\":\"primary\"}\n", "\"kind\""},
      {"{\"kind\":\"ets\",\"therapy\":\"dbs\",\"lead\":\"snm-tined-4\",\"battery\":\"primary\"}\n", "\"therapy\""},
      {"{\"kind\":\"ets\",\"therapy\":\"snm\",\"lead\":\"snm-tined-4\"}\n", "\"battery\""},
      {"[\"ets\"]\n", "damaged"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    write_text(hw, cases[i].text);
    assert_true(sim_once(&r) != 0);
    if (proc_lines(r.err) != 1 || !strstr(r.err, cases[i].field)) {
      fail_msg("case %zu: want one line naming %s, got: %s", i, cases[i].field, r.err);
    }
    assert_null(strstr(r.out, "listening"));
    proc_free(&r);
  }
  /* The device itself is untouched: with its hardware.json back it starts as before. */
  write_text(hw, "{\"kind\":\"ets\",\"therapy\":\"snm\",\"lead\":\"snm-tined-4\",\"battery\":\"primary\"}\n");
  sim_start(state, NULL, NULL);
  assert_int_equal(PROG(&r, "interrogate"), 0);
  proc_free(&r);
  sim_stop(SIGTERM);
}

/* ---- the flash fault ----------------------------------------------------------------- */

static uint8_t *read_all(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  assert_int_equal(fseek(f, 0, SEEK_END), 0);
  long n = ftell(f);
  assert_true(n > 0);
  rewind(f);
  uint8_t *buf = malloc((size_t)n);
  assert_non_null(buf);
  assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
  fclose(f);
  *len = (size_t)n;
  return buf;
}

/* A programmer command that must write: pairing a remote. Exit code; the key file is
 * written only when the device stored the pairing. */
static int pair(proc_result_t *r, const char *name) {
  char key[400];
  snprintf(key, sizeof key, "%s/%s", tmpdir, name);
  unlink(key);
  int code = PROG(r, "pair-remote", "--out", key);
  assert_int_equal(access(key, F_OK) == 0, code == 0);
  return code;
}

static void test_flash_fault(void **state_) {
  (void)state_;
  proc_result_t r;
  sim_start_paired("flash");
  char fault_file[400], nvm[400];
  snprintf(fault_file, sizeof fault_file, "%s/flash-fault", state);
  snprintf(nvm, sizeof nvm, "%s/nvm.bin", state);
  /* SIGUSR1 to the process id the state folder names: every later write fails, and the
   * state folder says so. */
  long at = log_size();
  assert_int_equal(kill(sim_lock_pid(), SIGUSR1), 0);
  wait_log(at, "flash fault injected");
  struct stat st;
  assert_int_equal(stat(fault_file, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0600);
  assert_int_equal(pair(&r, "during.key"), 3);
  if (proc_lines(r.err) != 1 || !strstr(r.err, "not done") || !strstr(r.err, "memory fault") ||
      strstr(r.err, "try again")) {
    fail_msg("pair-remote on a stuck flash: %s", r.err);
  }
  proc_free(&r);
  /* Reads keep working: interrogation, the remote's status, the history. */
  assert_int_equal(PROG(&r, "interrogate"), 0);
  proc_free(&r);
  assert_int_equal(REMOTE(&r, remote_key, "status"), 0);
  proc_free(&r);
  assert_int_equal(PROG(&r, "history"), 0);
  proc_free(&r);
  /* The fault is hardware: a kill -9 and a restart keep it, on before the device boots,
   * so the restarted device writes nothing at all. */
  sim_stop(SIGKILL);
  size_t n0, n1;
  uint8_t *flash0 = read_all(nvm, &n0);
  at = log_size();
  char *argv[] = {(char *)proc_nmod(), "sim", "--state", state, "--listen", "127.0.0.1:0", "--time-scale", "60", NULL};
  char errlog[400];
  snprintf(errlog, sizeof errlog, "%s/sim.log", tmpdir);
  sim_pid = proc_spawn(argv, &sim_out, errlog);
  assert_true(sim_pid > 0);
  wait_log(at, "flash fault on (kept in the state folder)");
  /* Wait until the device has tried to boot: it says it cannot, or the sim listens. */
  char line[256] = "";
  int listening = 0;
  for (int i = 0; i < 2000 && !listening && !log_has(at, "does not boot"); i++) {
    struct pollfd p = {sim_out, POLLIN, 0};
    if (poll(&p, 1, 10) == 1) listening = proc_read_line(sim_out, line, sizeof line, 20) == 0;
  }
  assert_true(listening || log_has(at, "does not boot"));
  printf("  restarted on the stuck flash: the device %s\n",
         listening ? "booted without writing" : "does not boot and waits for the heal");
  uint8_t *flash1 = read_all(nvm, &n1);
  assert_int_equal(n0, n1);
  assert_memory_equal(flash0, flash1, n0);
  free(flash1);
  /* SIGUSR2 heals it: the marker goes, the device boots (if it had not) and writes work. */
  assert_int_equal(kill(sim_pid, SIGUSR2), 0);
  wait_log(at, "flash fault healed");
  assert_int_not_equal(access(fault_file, F_OK), 0);
  if (!listening && proc_read_line(sim_out, line, sizeof line, 20) != 0) fail_msg("nmod sim did not start after the heal");
  const char *l = strstr(line, "listening on ");
  assert_non_null(l);
  snprintf(addr, sizeof addr, "%s", l + strlen("listening on "));
  assert_int_equal(pair(&r, "after.key"), 0);
  proc_free(&r);
  flash1 = read_all(nvm, &n1);
  assert_true(memcmp(flash0, flash1, n0) != 0);
  free(flash0);
  free(flash1);
  /* Healed for good: a restart comes up without the fault. */
  sim_stop(SIGTERM);
  at = log_size();
  sim_start(state, NULL, NULL);
  assert_false(log_has(at, "flash fault on"));
  assert_int_equal(pair(&r, "restart.key"), 0);
  proc_free(&r);
  sim_stop(SIGTERM);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_hardware_json_bad_fields),
      cmocka_unit_test(test_flash_fault),
  };
  return cmocka_run_group_tests(tests, e2e_setup, e2e_teardown);
}
