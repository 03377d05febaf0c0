/* test_link_size.c: what crosses the link, end to end with a real `nmod sim` and the real
 * programmer (issue 9). Counts, not timings: the client counts every frame byte it sends
 * and receives (cl_conn_t tx_bytes/rx_bytes, the "frame_bytes" of the JSON output).
 * - The largest legal state reads out: 8 programs on the 16-contact paddle
 *   (tests/data/scs-paddle16-8progs.json), `interrogate` and `interrogate --json` show all
 *   8, each reply in one frame.
 * - The history seeks on the device: `history --since` and `usage --since` move fewer
 *   bytes than a full read, and return every event from that day on, nothing before. */
#include "e2e.h"

#include "history.h"

static const char *data_file(const char *name) {
  static char buf[600];
  snprintf(buf, sizeof buf, "%s/tests/data/%s", src, name);
  return buf;
}

static int64_t num_of(const js_val *v, const char *key) {
  int64_t n;
  const js_val *f = js_get(v, key);
  assert_non_null(f);
  assert_int_equal(js_num_fixed(f, 0, &n), 0);
  return n;
}

/* ---- the largest state ---------------------------------------------------------------- */

static void test_interrogate_8_programs_16_contacts(void **state_) {
  (void)state_;
  proc_result_t r;
  snprintf(state, sizeof state, "%s/paddle", tmpdir);
  sim_start_as(state, "ins", "scs", "scs-paddle-16", "60", NULL);
  if (PROG(&r, "program", data_file("scs-paddle16-8progs.json")) != 0) fail_msg("program: %s", r.err);
  proc_free(&r);
  assert_int_equal(PROG(&r, "therapy", "on"), 0);
  proc_free(&r);
  long at = log_size();
  assert_int_equal(PROG(&r, "interrogate"), 0);
  int lines = 0;
  for (int i = 0; i < 8; i++) {
    char want[64];
    snprintf(want, sizeof want, "program %d \"paddle-prog-%02d\"%s", i, i, i < 4 ? " (running)" : ":");
    lines += strstr(r.out, want) != NULL;
  }
  if (lines != 8) fail_msg("interrogate shows %d of the 8 programs: %s", lines, r.out);
  assert_non_null(strstr(r.out, "lead scs-paddle-16"));
  proc_free(&r);
  /* Every reply of that session was one frame the device logged as done. */
  assert_true(log_has(at, "op 0x02 -> ok"));
  assert_true(log_has(at, "op 0x11 -> ok"));
  assert_int_equal(PROG(&r, "interrogate", "--json"), 0);
  js_val *v = json_of(&r);
  const js_val *progs = js_get(v, "programs"), *settings = js_get(v, "program_settings");
  assert_true(progs && progs->type == JS_ARR && settings && settings->type == JS_ARR);
  assert_int_equal(progs->n, 8);
  assert_int_equal(settings->n, 8);
  int running = 0;
  for (size_t i = 0; i < 8; i++) {
    char name[32];
    snprintf(name, sizeof name, "paddle-prog-%02zu", i);
    assert_string_equal(js_get(&progs->items[i], "name")->str, name);
    assert_string_equal(js_get(&settings->items[i], "name")->str, name);
    assert_int_equal(num_of(&settings->items[i], "rate_hz"), 40 + 5 * (int64_t)i);
    running += js_get(&progs->items[i], "running")->boolean != 0;
  }
  assert_int_equal(running, 4);
  /* Handshake, IDENTITY, INTERROGATE and 8 PROG_READs: each request at most one frame each
   * way, so fewer bytes than 11 full frames in both directions could carry. */
  int64_t bytes = num_of(v, "frame_bytes");
  printf("  interrogate --json of 8 programs on 16 contacts: %lld frame bytes\n", (long long)bytes);
  assert_true(bytes > 0 && bytes < 2 * 11 * NM_FRAME_MAX);
  js_free(v);
  proc_free(&r);
  sim_stop(SIGTERM);
}

/* ---- history by time ------------------------------------------------------------------ */

/* The device's calendar date (UTC) now, as interrogate says, minus `back` days. */
static void device_date(int back, char *buf, size_t cap) {
  proc_result_t r;
  assert_int_equal(PROG(&r, "interrogate", "--json"), 0);
  js_val *v = json_of(&r);
  const js_val *t = js_get(v, "device_time");
  assert_true(t && t->type == JS_STR);
  int64_t now_s;
  assert_int_equal(hu_time_parse(t->str, &now_s), 0);
  hu_date_fmt(buf, cap, hu_day_of_epoch_s(now_s) - back);
  js_free(v);
  proc_free(&r);
}

typedef struct {
  int64_t bytes;
  size_t n;
  char (*times)[24]; /* each event's "time" */
  long *seqs;
} hist_t;

/* `programmer CMD [--since DATE] --json` (since NULL: everything), parsed. */
static js_val *read_out(const char *cmd, const char *since) {
  proc_result_t r;
  int code = since ? PROG(&r, cmd, "--since", since, "--json") : PROG(&r, cmd, "--json");
  if (code != 0) fail_msg("%s: exit %d, %s", cmd, code, r.err);
  js_val *v = json_of(&r);
  proc_free(&r);
  return v;
}

static hist_t history(const char *since) {
  js_val *v = read_out("history", since);
  const js_val *evs = js_get(v, "events");
  assert_true(evs && evs->type == JS_ARR);
  hist_t h = {num_of(v, "frame_bytes"), evs->n, NULL, NULL};
  h.times = calloc(evs->n + 1, sizeof *h.times);
  h.seqs = calloc(evs->n + 1, sizeof *h.seqs);
  assert_true(h.times && h.seqs);
  for (size_t i = 0; i < evs->n; i++) {
    snprintf(h.times[i], sizeof h.times[i], "%s", js_get(&evs->items[i], "time")->str);
    h.seqs[i] = (long)num_of(&evs->items[i], "seq");
  }
  js_free(v);
  return h;
}

static int64_t usage_bytes(const char *since) {
  js_val *v = read_out("usage", since);
  int64_t b = num_of(v, "frame_bytes");
  js_free(v);
  return b;
}

static void test_history_since_seeks_on_the_device(void **state_) {
  (void)state_;
  proc_result_t r;
  /* A week of a patient at one virtual day per real second: strength changes spread over
   * the days, and the device's own daily events (usage records, lead checks). */
  snprintf(state, sizeof state, "%s/week", tmpdir);
  sim_start_as(state, "ets", "snm", "snm-tined-4", "86400", NULL);
  program_and_pair();
  for (int i = 0; i < 70; i++) {
    assert_int_equal(REMOTE(&r, remote_key, "amp", i % 2 ? "down" : "up"), 0);
    proc_free(&r);
    struct timespec ts = {0, 80000000}; /* about 2 virtual hours */
    nanosleep(&ts, NULL);
  }
  /* The same device at one second per second: no midnight passes while it is read. */
  sim_stop(SIGTERM);
  sim_start_as(state, "ets", "snm", "snm-tined-4", "1", NULL);
  char yesterday[16];
  device_date(1, yesterday, sizeof yesterday);
  hist_t all = history(NULL), recent = history(yesterday);
  /* Every event from yesterday 00:00 on, in the full read and in the seek's, the same;
   * nothing before it in the seek's. */
  size_t first = 0;
  while (first < all.n && strncmp(all.times[first], yesterday, 10) < 0) first++;
  printf("  %zu events, %zu of them since %s: full read %lld frame bytes, --since %lld\n", all.n, all.n - first,
         yesterday, (long long)all.bytes, (long long)recent.bytes);
  assert_true(first > 0 && first < all.n);
  assert_true(recent.n >= all.n - first);
  for (size_t i = 0; i < recent.n; i++) {
    if (strncmp(recent.times[i], yesterday, 10) < 0) fail_msg("--since %s returned an event of %s", yesterday, recent.times[i]);
    if (i < all.n - first && recent.seqs[i] != all.seqs[first + i]) {
      fail_msg("--since %s: event %zu is #%ld, the full read has #%ld", yesterday, i, recent.seqs[i], all.seqs[first + i]);
    }
  }
  assert_true(recent.bytes < all.bytes);
  int64_t use_all = usage_bytes(NULL), use_recent = usage_bytes(yesterday);
  printf("  usage: full read %lld frame bytes, --since %lld\n", (long long)use_all, (long long)use_recent);
  assert_true(use_recent < use_all);
  free(all.times);
  free(all.seqs);
  free(recent.times);
  free(recent.seqs);
  sim_stop(SIGTERM);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_interrogate_8_programs_16_contacts),
      cmocka_unit_test(test_history_since_seeks_on_the_device),
  };
  return cmocka_run_group_tests(tests, e2e_setup, e2e_teardown);
}
