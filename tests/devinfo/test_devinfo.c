/* test_devinfo.c: the host's decoders of device replies (host/lib/devinfo.c) on the replies
 * of the real device layer on simulated hardware, and on replies of the wrong shape: every
 * one refused, none read past its bytes. A status whose program slots are not its valid
 * mask's bits (slot 208: `1u << slot` in di_running, found by tests/fuzz/fuzz_replies) is
 * refused. */
#include "testutil.h"
#include "devinfo.h"
#include "nmod/wire.h"
#include "sim.h"

static uint8_t flash[8 * 4096];
static sim_hw_t hw;
static nm_dev_t dev;
static uint8_t resp[NM_CMD_MAX];
static size_t rl;

static void call(uint8_t role, const uint8_t *req, size_t len) {
  assert_int_equal(nm_dev_exec(&dev, role, req, len, resp, sizeof resp, &rl), NM_OK);
}

/* A paddle-16 device with programs in slots 0 and 1, therapy on, a remote paired. */
static int device(void **state) {
  (void)state;
  const nm_lead_t *lead = nm_lead_catalog(NM_LEAD_SCS_PADDLE_16);
  nm_factory_t f = {NM_KIND_INS, NM_THERAPY_SCS, *lead, 1780000000u, NM_CELL_PRIMARY, NM_PROFILE_NONE};
  sim_init(&hw, lead, 525, 12000, flash, 4096, 8);
  sim_seed_rng(&hw, 7);
  assert_int_equal(nm_dev_boot(&dev, sim_port(&hw), &f), NM_OK);
  uint8_t m[2] = {NM_OP_MODE, NM_MODE_OFF}, on[2] = {NM_OP_THERAPY, 1}, pair = NM_OP_PAIR, req[NM_CMD_MAX];
  call(NM_ROLE_CLINICIAN, m, 2);
  nm_prog_t p[2] = {tu_tonic(50, 200, 2000), tu_tonic(40, 200, 1500)};
  p[1].frac_pct[0] = 0;
  p[1].frac_pct[4] = -100;
  p[1].frac_pct[1] = 0;
  p[1].frac_pct[5] = 100;
  nm_load_t load = {525, 12000};
  nm_wr_t w;
  nm_wr_init(&w, req, sizeof req);
  nm_wire_put_program_all(&w, lead, &load, 1, 2, p);
  call(NM_ROLE_CLINICIAN, req, w.len);
  call(NM_ROLE_CLINICIAN, on, 2);
  call(NM_ROLE_CLINICIAN, &pair, 1);
  return 0;
}

static void test_real_replies(void **state) {
  (void)state;
  uint8_t op = NM_OP_STATUS;
  call(NM_ROLE_PATIENT, &op, 1);
  di_status_t s;
  assert_int_equal(di_status(resp + 1, rl - 1, &s), 0);
  assert_int_equal(s.n_prog, 2);
  assert_true(di_running(&s, 0) && !di_running(&s, 1));
  /* Any reply cut short is refused (and, under ASan, never read past). */
  for (size_t n = 0; n < rl - 1; n++) assert_int_equal(di_status(resp + 1, n, &s), -1);
  op = NM_OP_IDENTITY;
  call(NM_ROLE_CLINICIAN, &op, 1);
  di_identity_t id;
  assert_int_equal(di_identity(resp + 1, rl - 1, &id), 0);
  assert_int_equal(strncmp(id.serial, "INS-SCS-", 8), 0);
  op = NM_OP_INTERROGATE;
  call(NM_ROLE_CLINICIAN, &op, 1);
  static di_interrogation_t in;
  assert_int_equal(di_interrogation(resp + 1, rl - 1, &in), 0);
  assert_int_equal(in.sum.n_contacts, 16);
  assert_int_equal(in.sum.status.n_prog, 2);
  op = NM_OP_IMPEDANCE;
  call(NM_ROLE_CLINICIAN, &op, 1);
  di_impedance_t im;
  assert_int_equal(di_impedance(resp + 1, rl - 1, &im), 0);
  assert_int_equal(im.n, 16);
  assert_int_equal(im.m, 1);
  assert_int_equal(im.pair[0].cathode, 0);
  op = NM_OP_REMOTES;
  call(NM_ROLE_CLINICIAN, &op, 1);
  di_remotes_t rs;
  assert_int_equal(di_remotes(resp + 1, rl - 1, &rs), 0);
  assert_int_equal(rs.n, 1);
  uint8_t h[6] = {NM_OP_HISTORY, 0, 0, 0, 0, 32};
  call(NM_ROLE_CLINICIAN, h, 6);
  static di_history_t page;
  assert_int_equal(di_history(resp + 1, rl - 1, &page), 0);
  assert_true(page.n > 3);
  assert_true(page.ev[0].known);
  assert_int_equal(page.ev[0].ev.type, NM_EV_PROVISION);
}

static void test_bad_shapes(void **state) {
  (void)state;
  uint8_t op = NM_OP_STATUS;
  call(NM_ROLE_PATIENT, &op, 1);
  di_status_t s;
  uint8_t bad[NM_CMD_MAX];
  memcpy(bad, resp + 1, rl - 1);
  const size_t slot_at = 24; /* the first program's slot byte, after 24 bytes of status */
  bad[slot_at] = 208;
  assert_int_equal(di_status(bad, rl - 1, &s), -1);
  bad[slot_at] = 1; /* slot 1 listed first: not in slot order */
  assert_int_equal(di_status(bad, rl - 1, &s), -1);
  /* Counts past the arrays. */
  uint8_t imp[2] = {NM_MAX_CONTACTS + 1, 0}, rem[1] = {NM_MAX_REMOTES + 1};
  di_impedance_t im;
  di_remotes_t rs;
  assert_int_equal(di_impedance(imp, sizeof imp, &im), -1);
  assert_int_equal(di_remotes(rem, sizeof rem, &rs), -1);
  static di_history_t page;
  /* first, next, cont, n: a page of more events than a reply holds... */
  uint8_t hist[13 + 5] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, NM_HISTORY_MAX_PER_CALL + 1};
  assert_int_equal(di_history(hist, 13, &page), -1);
  hist[12] = 1; /* ...and one event whose record is shorter than its time and type */
  hist[17] = 4;
  assert_int_equal(di_history(hist, sizeof hist, &page), -1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup(test_real_replies, device),
      cmocka_unit_test_setup(test_bad_shapes, device),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
