/* test_dev_defects.c: the other device-layer defects of issue 9, each as it was found:
 * - HISTORY from a sequence number past the end froze the device (a loop of up to 2^32);
 * - HISTORY by time (since_s) must return every event at or after the time, also when a
 *   TIME_SET moved the clock back, page by page through `cont`;
 * - anyone in radio range could push the history out of the log with garbage frames and
 *   failed authentications (one flash event each);
 * - an invalid role shifted past the width of the role mask (UBSan);
 * - off from MRI or surgery came back stimulating after a reset. */
#include "devtest.h"

static void setup_snm(void) {
  dt_config(NM_THERAPY_SNM, NM_LEAD_SNM_TINED_4);
  dt_blank();
  assert_int_equal(dt_boot(), NM_OK);
  nm_prog_t p = dt_prog(14, 210, 1000, 0, 3);
  assert_int_equal(dt_program_all(&p, 1, 1), NM_OK);
  assert_int_equal(dt_op2(NM_ROLE_CLINICIAN, NM_OP_MODE, NM_MODE_OFF), NM_OK);
  assert_int_equal(dt_op2(NM_ROLE_PATIENT, NM_OP_THERAPY, 1), NM_OK);
}

/* n mode changes (MRI and back), one every step_s seconds: two events each. */
static void mode_events(int n, uint32_t step_s) {
  for (int i = 0; i < n; i++) {
    dt_run_s(step_s);
    assert_int_equal(dt_op2(NM_ROLE_PATIENT, NM_OP_MODE, i % 2 ? NM_MODE_RESUME : NM_MODE_MRI), NM_OK);
  }
}

/* ---- HISTORY by sequence: past the end, before the window -------------------------------- */

static void test_history_past_the_end(void **state) {
  (void)state;
  setup_snm();
  mode_events(10, 1);
  static dt_ev_t evs[64];
  uint32_t first = nm_log_first_seq(&dt.dev.log), next = nm_log_next_seq(&dt.dev.log), cont, nx;
  assert_true(next - first >= 10);
  /* Past the end, near and far: at once, nothing, cont == next. */
  const uint32_t past[] = {next, next + 1u, next + 5u, next + 1000u, next + 0x40000000u};
  for (size_t i = 0; i < sizeof past / sizeof past[0]; i++) {
    int n = dt_history_page(past[i], 0, 0, evs, 64, &cont, &nx);
    if (n != 0 || cont != next || nx != next)
      fail_msg("from_seq next+%u: %d events, cont %u, next %u (log next %u)", past[i] - next, n, cont, nx, next);
    n = dt_history_page(past[i], 1, 0, evs, 64, &cont, &nx); /* by time too */
    assert_int_equal(n, 0);
    assert_int_equal(cont, next);
  }
  /* 0xFFFFFFFF is one before sequence 0: before the window (sequence numbers count modulo
   * 2^32), so the reply starts at the first event. Bounded either way. */
  int n = dt_history_page(0xFFFFFFFFu, 0, 0, evs, 64, &cont, &nx);
  assert_int_equal(first, 0);
  assert_true(n > 0 && n <= NM_HISTORY_MAX_PER_CALL);
  assert_int_equal(evs[0].seq, first);
  assert_int_equal(dt_history(0xFFFFFFFFu, 0, 0, evs, 64), (int)(next - first));
}

/* A log that wrapped: a from_seq whose events were overwritten starts at the oldest one
 * left, and one past the end still returns nothing. */
static void test_history_after_the_log_wrapped(void **state) {
  (void)state;
  setup_snm();
  uint32_t cap = (DT_PAGES - NM_DEV_KV_PAGES) * ((DT_PAGE - NM_LOG_PAGE_HDR_LEN) / NM_LOG_REC_LEN);
  while (nm_log_first_seq(&dt.dev.log) < 100u) mode_events(100, 1);
  uint32_t first = nm_log_first_seq(&dt.dev.log), next = nm_log_next_seq(&dt.dev.log), cont, nx;
  assert_true(next - first <= cap);
  static dt_ev_t evs[64];
  const uint32_t before[] = {0, first - 1u, first - 50u};
  for (size_t i = 0; i < sizeof before / sizeof before[0]; i++) {
    int n = dt_history_page(before[i], 0, 0, evs, 64, &cont, &nx);
    assert_true(n > 0);
    assert_int_equal(evs[0].seq, first);
  }
  assert_int_equal(dt_history_page(next + 5u, 0, 0, evs, 64, &cont, &nx), 0);
  assert_int_equal(cont, next);
  assert_int_equal(dt_history_page(0xFFFFFFFFu - 3u, 0, 0, evs, 64, &cont, &nx) > 0, 1); /* before: from first */
  assert_int_equal(evs[0].seq, first);
}

/* ---- HISTORY by time ------------------------------------------------------------------- */

static void test_history_by_time_across_a_clock_set_back(void **state) {
  (void)state;
  setup_snm();
  mode_events(300, 10); /* 300 events, 10 s apart */
  uint32_t back_s = nm_dev_epoch_s(&dt.dev) - 1000u;
  uint8_t ts[9] = {NM_OP_TIME_SET};
  for (int i = 0; i < 8; i++) ts[1 + i] = (uint8_t)((uint64_t)back_s >> (8 * i));
  assert_int_equal(dt_req(NM_ROLE_CLINICIAN, ts, sizeof ts), NM_OK);
  mode_events(300, 7); /* 300 more, times overlapping those before the jump */
  /* The oracle: every event by sequence, with its time. */
  static dt_ev_t all[1024], got[1024];
  int n_all = dt_history(0, 0, 0, all, 1024);
  assert_true(n_all >= 600);
  int jump = -1;
  for (int i = 0; i < n_all; i++) {
    if (all[i].ev.type == NM_EV_TIME) jump = i;
  }
  assert_true(jump > 0);
  assert_true(all[jump].ev.u.time.new_s < all[jump].ev.u.time.old_s);
  /* since: around every 9th event's time, and beyond both ends. */
  int queries = 0, pages_max = 0;
  for (int k = -1; k <= n_all; k += 9) {
    for (int d = -1; d <= 1; d++) {
      uint32_t since = k < 0 ? 0u : k >= n_all ? UINT32_MAX : all[k].ev.t_s + (uint32_t)d;
      int want = 0;
      for (int i = 0; i < n_all; i++) want += all[i].ev.t_s >= since;
      /* Page by page, following cont. */
      int n = 0, pages = 0;
      uint32_t from = 0, cont, next;
      for (;;) {
        int got_n = dt_history_page(from, 1, since, got + n, 1024 - n, &cont, &next);
        pages++;
        n += got_n;
        if (cont == next) break;
        assert_true(cont != from || got_n > 0);
        from = cont;
        assert_true(pages < 200);
      }
      if (pages > pages_max) pages_max = pages;
      if (n != want) fail_msg("since %u: %d events, %d are at or after it", since, n, want);
      for (int i = 0, j = 0; i < n_all; i++) {
        if (all[i].ev.t_s < since) continue;
        if (got[j].seq != all[i].seq) fail_msg("since %u: event %d is seq %u, expected %u", since, j, got[j].seq, all[i].seq);
        j++;
      }
      queries++;
    }
  }
  printf("  %d events (the clock set back 1000 s after %d), %d queries by time, at most %d replies each\n", n_all, jump,
         queries, pages_max);
}

/* ---- the link flood ------------------------------------------------------------------ */

static nm_proto_dev_t pd;
static nm_sess_t sess;
static uint8_t work[2 * NM_CMD_MAX], out[NM_FRAME_MAX];

static int radio(nm_sess_t *s, const uint8_t *f, size_t n) {
  size_t ol;
  return nm_dev_radio_rx(&dt.dev, s, f, n, dt_now_us(), work, out, sizeof out, &ol);
}

/* A handshake with the clinician's key id and a wrong secret: ends in the tarpit. */
static void failed_auth(uint64_t *rnd) {
  static nm_sess_t s;
  nm_cli_t c;
  uint8_t secret[NM_SECRET_LEN], r16[16], f[NM_FRAME_MAX];
  size_t n = 0;
  for (int i = 0; i < 32; i++) secret[i] = (uint8_t)tu_rand(rnd);
  for (int i = 0; i < 16; i++) r16[i] = (uint8_t)tu_rand(rnd);
  assert_int_equal(nm_cli_init(&c, NM_ROLE_CLINICIAN, dt.dev.id.clin_id, secret, r16), NM_OK);
  nm_sess_init(&s, &pd, dt_now_us());
  assert_int_equal(nm_cli_hello(&c, f, sizeof f, &n), NM_OK);
  size_t ol = 0;
  assert_int_equal(nm_dev_radio_rx(&dt.dev, &s, f, n, dt_now_us(), work, out, sizeof out, &ol), NM_SESS_REPLY);
  assert_int_equal(nm_cli_on_challenge(&c, out, ol, NULL, f, sizeof f, &n), NM_OK);
  assert_int_equal(radio(&s, f, n), NM_SESS_TARPIT);
  nm_sess_close(&s);
}

/* Events of `type` in the log and the sum of their counts. */
static int link_events(uint8_t type, uint64_t *count) {
  static dt_ev_t evs[4096];
  int n = dt_history(0, 0, 0, evs, 4096), k = 0;
  *count = 0;
  for (int i = 0; i < n; i++) {
    if (evs[i].ev.type != type) continue;
    k++;
    *count += type == NM_EV_REJECTED ? evs[i].ev.u.rejected.count : evs[i].ev.u.auth_fail.count;
  }
  return k;
}

static void test_link_flood_is_logged_rate_limited(void **state) {
  (void)state;
  uint64_t rnd = 0x5EEDull;
  setup_snm();
  mode_events(20, 1); /* real history */
  static dt_ev_t real[64];
  int n_real = dt_history(0, 0, 0, real, 64);
  uint32_t first0 = nm_log_first_seq(&dt.dev.log);
  nm_pdev_init(&pd, sim_port(&dt.hw), (const uint8_t *)dt.dev.id.serial, nm_dev_key_lookup, &dt.dev);
  uint64_t erases0 = dt.hw.nvm.erases, progs0 = dt.hw.nvm.progs, c;
  int rej0 = link_events(NM_EV_REJECTED, &c), auth0 = link_events(NM_EV_AUTH_FAIL, &c);
  /* 30 s: a garbage frame every 2 ms, a failed authentication every 20 ms. */
  uint32_t garbage = 0, fails = 0;
  nm_sess_init(&sess, &pd, dt_now_us());
  uint64_t end = dt_now_us() + 30u * DT_S;
  for (uint32_t tick = 0; dt_now_us() < end; tick++) {
    uint8_t f[64];
    size_t n = tu_range(&rnd, 1, sizeof f);
    for (size_t i = 0; i < n; i++) f[i] = (uint8_t)tu_rand(&rnd);
    if (tick % 3 == 0 && n >= 4) f[0] = NM_PROTO_VERSION; /* some pass the first header check */
    if (!nm_sess_alive(&sess)) nm_sess_init(&sess, &pd, dt_now_us());
    int rc = radio(&sess, f, n);
    assert_true(rc < 0 || rc == NM_SESS_CLOSE || rc == NM_SESS_IGNORED);
    garbage++;
    if (tick % 10 == 0) {
      failed_auth(&rnd);
      fails++;
    }
    dt_run_us(2000);
  }
  uint64_t rej_count, auth_count;
  int rej = link_events(NM_EV_REJECTED, &rej_count) - rej0, auth = link_events(NM_EV_AUTH_FAIL, &auth_count) - auth0;
  uint64_t erases = dt.hw.nvm.erases - erases0, progs = dt.hw.nvm.progs - progs0;
  printf("  30 s flood: %u garbage frames (%u rejected), %u failed authentications -> %d NM_EV_REJECTED, %d NM_EV_AUTH_FAIL,"
         " %llu flash erases, %llu programs\n",
         garbage, dt.dev.rejected.total, fails, rej, auth, (unsigned long long)erases, (unsigned long long)progs);
  assert_true(dt.dev.rejected.total >= garbage / 2);
  assert_int_equal(dt.dev.auth_fail.total, fails);
  assert_true(rej <= 1 && auth <= 1); /* at most one a minute per kind */
  assert_true(erases <= 1);
  /* The minute is up: one more each at the next wake (housekeeping: within another
   * minute), with the counts; every rejection and failure counted. */
  dt_run_s(130);
  rej = link_events(NM_EV_REJECTED, &rej_count) - rej0;
  auth = link_events(NM_EV_AUTH_FAIL, &auth_count) - auth0;
  assert_true(rej <= 2 && auth <= 2);
  assert_int_equal(rej_count, dt.dev.rejected.total);
  assert_int_equal(auth_count, dt.dev.auth_fail.total);
  /* The real history is all still there. */
  assert_int_equal(nm_log_first_seq(&dt.dev.log), first0);
  static dt_ev_t now[64];
  assert_true(dt_history(0, 0, 0, now, 64) >= n_real);
  for (int i = 0; i < n_real; i++) {
    assert_int_equal(now[i].seq, real[i].seq);
    assert_int_equal(now[i].ev.type, real[i].ev.type);
  }
  /* And the clinician still gets in. */
  assert_int_equal(dt.dev.core.mode, NM_MODE_THERAPY);
}

/* ---- invalid roles ------------------------------------------------------------------- */

static void test_invalid_roles(void **state) {
  (void)state;
  setup_snm();
  const uint8_t roles[] = {NM_ROLE_NONE, NM_ROLE_COUNT, 4, 7, 8, 31, 32, 200, 255};
  int checked = 0;
  for (size_t r = 0; r < sizeof roles; r++) {
    for (int op = 0; op < 256; op++) {
      uint8_t req[16] = {(uint8_t)op};
      int st = dt_req(roles[r], req, sizeof req);
      int want = nm_op_find((uint8_t)op) ? NM_EPERM : NM_EINVAL;
      if (st != want) fail_msg("role %u, op 0x%02x: status %d, expected %d", roles[r], op, st, want);
      checked++;
    }
  }
  assert_int_equal(dt.dev.core.mode, NM_MODE_THERAPY); /* nothing changed */
  printf("  %d requests with an invalid role, all refused\n", checked);
}

/* ---- off from MRI or surgery stays off ------------------------------------------------ */

static void test_off_from_mri_or_surgery_stays_off(void **state) {
  (void)state;
  const uint8_t modes[] = {NM_MODE_MRI, NM_MODE_SURGERY};
  for (size_t m = 0; m < sizeof modes; m++) {
    for (uint8_t role = NM_ROLE_PATIENT; role <= NM_ROLE_CLINICIAN; role++) {
      setup_snm();
      dt_run_s(2);
      assert_int_equal(dt_op2(NM_ROLE_CLINICIAN, NM_OP_MODE, modes[m]), NM_OK);
      assert_int_equal(dt_op2(role, NM_OP_MODE, NM_MODE_OFF), NM_OK);
      assert_int_equal(dt.dev.core.set.therapy_on, 0);
      assert_int_equal(dt_boot(), NM_OK);
      if (dt.dev.core.mode != NM_MODE_OFF || dt.dev.core.set.therapy_on)
        fail_msg("off from %s: after a reset mode %u, therapy_on %u", nm_mode_name(modes[m]), dt.dev.core.mode,
                 dt.dev.core.set.therapy_on);
      dt_run_s(5);
      assert_int_equal(dt.hw.out.pulses, 0);
      assert_int_equal(dt_op2(NM_ROLE_PATIENT, NM_OP_MODE, NM_MODE_RESUME), NM_ESTATE);
      dt_run_s(2);
      assert_int_equal(dt.hw.out.pulses, 0);
    }
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_history_past_the_end),
      cmocka_unit_test(test_history_after_the_log_wrapped),
      cmocka_unit_test(test_history_by_time_across_a_clock_set_back),
      cmocka_unit_test(test_link_flood_is_logged_rate_limited),
      cmocka_unit_test(test_invalid_roles),
      cmocka_unit_test(test_off_from_mri_or_surgery_stays_off),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
