/* test_cmd.c: the command layer: malformed requests change nothing, roles per op. */
#include "testdev.h"
#include "nmod/cmd.h"
#include "nmod/records.h"

static tu_dev_t dev;

static int exec(uint8_t role, const uint8_t *req, size_t len, uint8_t *resp, size_t *rl) {
  return nm_cmd_exec(&dev.core, role, req, len, resp, NM_CMD_MAX, rl);
}

static size_t program_all_req(uint8_t *buf, const nm_prog_t *p, uint8_t n) {
  nm_wr_t w;
  nm_wr_init(&w, buf, NM_CMD_MAX);
  nm_wire_put_program_all(&w, &dev.core.set.lead, &dev.core.set.load, 1, n, p);
  assert_int_equal(w.err, NM_OK);
  return w.len;
}

static void setup_dev(void) {
  nm_lead_t lead = tu_lead(NM_LEAD_SNM_TINED_4);
  tu_dev_init(&dev, NM_THERAPY_SNM, &lead, 800);
}

static void test_program_all_and_status(void **state) {
  (void)state;
  setup_dev();
  uint8_t req[NM_CMD_MAX], resp[NM_CMD_MAX];
  size_t rl;
  nm_prog_t p = tu_tonic(14, 210, 1000);
  strcpy(p.name, "default");
  p.pt_max_ua = 3000;
  size_t n = program_all_req(req, &p, 1);
  assert_int_equal(exec(NM_ROLE_CLINICIAN, req, n, resp, &rl), NM_OK);
  assert_int_equal(resp[0], 0);
  uint8_t st = NM_OP_STATUS;
  assert_int_equal(exec(NM_ROLE_PATIENT, &st, 1, resp, &rl), NM_OK);
  nm_rd_t r;
  nm_rd_init(&r, resp + 1, rl - 1);
  assert_int_equal(nm_rd_u8(&r), NM_MODE_OFF);
  assert_int_equal(nm_rd_u8(&r), NM_THERAPY_SNM);
  assert_int_equal(nm_rd_u8(&r), 0);  /* therapy off */
  assert_int_equal(nm_rd_u32(&r), 0); /* no fault */
  (void)nm_rd_u32(&r);
  assert_int_equal(nm_rd_u8(&r), NM_CELL_PRIMARY);
  assert_int_equal(nm_rd_u8(&r), NM_BATT_OK);
  assert_int_equal(nm_rd_u16(&r), 1000); /* full */
  assert_int_equal(nm_rd_u8(&r), 0);     /* not charging */
  assert_int_equal(nm_rd_u16(&r), 0);    /* no open contact */
  assert_int_equal(nm_rd_u16(&r), 0);    /* no short */
  assert_int_equal(nm_rd_u8(&r), 1); /* valid */
  assert_int_equal(nm_rd_u8(&r), 1); /* running */
  assert_int_equal(nm_rd_u16(&r), 0); /* no alerts */
  assert_int_equal(nm_rd_u8(&r), 0); /* slot */
  char name[NM_NAME_LEN];
  nm_rd_bytes(&r, name, sizeof name);
  assert_string_equal(name, "default");
  assert_int_equal(nm_rd_u32(&r), 1000);
  assert_int_equal(nm_rd_u32(&r), 0);
  assert_int_equal(nm_rd_u32(&r), 3000);
  assert_int_equal(nm_rd_u32(&r), 0);
  assert_int_equal(nm_rd_u8(&r), 0); /* no closed loop: flags, state, fault */
  assert_int_equal(nm_rd_u8(&r), NM_LOOP_OFF);
  assert_int_equal(nm_rd_u8(&r), NM_LOOP_F_NONE);
  assert_int_equal(nm_rd_u16(&r), 0); /* target, patient range */
  assert_int_equal(nm_rd_u16(&r), 0);
  assert_int_equal(nm_rd_u16(&r), 0);
  assert_int_equal(nm_rd_u32(&r), 0); /* last ECAP */
  assert_int_equal(nm_rd_done(&r), NM_OK);
}

static void test_refused_program_all_reports(void **state) {
  (void)state;
  setup_dev();
  uint8_t req[NM_CMD_MAX], resp[NM_CMD_MAX];
  size_t rl;
  nm_prog_t p[2] = {tu_tonic(14, 210, 1000), tu_tonic(14, 210, 1000)};
  strcpy(p[1].name, "hot");
  p[1].pt_max_ua = 20000;
  nm_settings_t before = dev.core.set;
  size_t n = program_all_req(req, p, 2);
  assert_int_equal(exec(NM_ROLE_CLINICIAN, req, n, resp, &rl), NM_EREFUSED);
  assert_memory_equal(&before, &dev.core.set, sizeof before);
  nm_rd_t r;
  nm_rd_init(&r, resp + 1, rl - 1);
  assert_int_equal(nm_rd_u8(&r), 1); /* the second program */
  nm_safety_report_t rep;
  nm_wire_get_report(&r, &rep);
  assert_int_equal(nm_rd_u8(&r), NM_SET_OK); /* a program, not the set */
  assert_int_equal(nm_rd_done(&r), NM_OK);
  assert_int_equal(rep.verdict, NM_VERDICT_REFUSE);
  assert_true(rep.reasons & NM_R_SHANNON);
  assert_int_equal(rep.eval_amp_ua, 20000);
  /* The running set: why it cannot run comes after the report (two on an SNM device). */
  nm_wr_t w;
  nm_wr_init(&w, req, sizeof req);
  p[1].pt_max_ua = 1000;
  nm_wire_put_program_all(&w, &dev.core.set.lead, &dev.core.set.load, 3, 2, p);
  assert_int_equal(exec(NM_ROLE_CLINICIAN, req, w.len, resp, &rl), NM_EREFUSED);
  assert_memory_equal(&before, &dev.core.set, sizeof before);
  nm_rd_init(&r, resp + 1, rl - 1);
  assert_int_equal(nm_rd_u8(&r), 0xFF);
  nm_wire_get_report(&r, &rep);
  assert_int_equal(rep.reasons, NM_R_INTERLEAVE);
  assert_int_equal(nm_rd_u8(&r), NM_SET_SNM_ONE);
  assert_int_equal(nm_rd_done(&r), NM_OK);
}

static void test_malformed_changes_nothing(void **state) {
  (void)state;
  setup_dev();
  uint8_t req[NM_CMD_MAX], resp[NM_CMD_MAX];
  size_t rl;
  nm_prog_t p = tu_tonic(14, 210, 1000);
  size_t n = program_all_req(req, &p, 1);
  nm_settings_t before = dev.core.set;
  uint8_t mode = dev.core.mode;
  /* Every truncation, and one byte too many. */
  for (size_t cut = 0; cut < n; cut++) {
    assert_int_equal(exec(NM_ROLE_CLINICIAN, req, cut, resp, &rl), NM_EINVAL);
    assert_int_equal(rl, 1);
  }
  req[n] = 0;
  assert_int_equal(exec(NM_ROLE_CLINICIAN, req, n + 1, resp, &rl), NM_EINVAL);
  assert_memory_equal(&before, &dev.core.set, sizeof before);
  /* Small ops: missing and extra argument bytes. */
  const uint8_t small[][6] = {
      {NM_OP_THERAPY},          {NM_OP_THERAPY, 1, 0, 0},   {NM_OP_THERAPY, 2},
      {NM_OP_AMP_SET, 0, 1},    {NM_OP_AMP_STEP, 0},        {NM_OP_AMP_STEP, 0, 5},
      {NM_OP_MODE},             {NM_OP_SELECT},             {NM_OP_STATUS, 0},
      {0x7F},                   {0x00},
  };
  const size_t lens[] = {1, 4, 2, 3, 2, 3, 1, 1, 2, 1, 1};
  for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
    assert_int_equal(exec(NM_ROLE_CLINICIAN, small[i], lens[i], resp, &rl), NM_EINVAL);
  }
  assert_memory_equal(&before, &dev.core.set, sizeof before);
  assert_int_equal(mode, dev.core.mode);
  /* An empty request. */
  assert_int_equal(exec(NM_ROLE_CLINICIAN, req, 0, resp, &rl), NM_EINVAL);
}

static void test_roles(void **state) {
  (void)state;
  setup_dev();
  uint8_t req[NM_CMD_MAX], resp[NM_CMD_MAX];
  size_t rl;
  nm_prog_t p = tu_tonic(14, 210, 1000);
  size_t n = program_all_req(req, &p, 1);
  nm_settings_t before = dev.core.set;
  assert_int_equal(exec(NM_ROLE_PATIENT, req, n, resp, &rl), NM_EPERM);
  assert_int_equal(exec(NM_ROLE_NONE, req, n, resp, &rl), NM_EPERM);
  assert_memory_equal(&before, &dev.core.set, sizeof before);
  const uint8_t clin_only[] = {NM_OP_INTERROGATE, NM_OP_PROG_WRITE, NM_OP_PROG_READ, NM_OP_PROG_ERASE,
                               NM_OP_LEAD_SET, NM_OP_CHECK, NM_OP_PROGRAM_ALL, NM_OP_TEST_START,
                               NM_OP_TEST_STEP, NM_OP_TEST_MARK, NM_OP_TEST_STOP};
  for (size_t i = 0; i < sizeof clin_only; i++) {
    assert_int_equal(nm_cmd_roles(clin_only[i]), 1u << NM_ROLE_CLINICIAN);
    assert_int_equal(exec(NM_ROLE_PATIENT, &clin_only[i], 1, resp, &rl), NM_EPERM);
  }
  const uint8_t both[] = {NM_OP_STATUS, NM_OP_SELECT, NM_OP_THERAPY, NM_OP_AMP_SET, NM_OP_AMP_STEP, NM_OP_MODE};
  for (size_t i = 0; i < sizeof both; i++) {
    assert_int_equal(nm_cmd_roles(both[i]), (1u << NM_ROLE_CLINICIAN) | (1u << NM_ROLE_PATIENT));
  }
  /* The patient switches between single stored programs only. */
  assert_int_equal(exec(NM_ROLE_CLINICIAN, req, n, resp, &rl), NM_OK);
  uint8_t sel[2] = {NM_OP_SELECT, 3};
  assert_int_equal(exec(NM_ROLE_PATIENT, sel, 2, resp, &rl), NM_EPERM);
  sel[1] = 1;
  assert_int_equal(exec(NM_ROLE_PATIENT, sel, 2, resp, &rl), NM_OK);
}

static void test_random_requests(void **state) {
  (void)state;
  setup_dev();
  uint64_t s = tu_seed("cmd_random_requests");
  uint8_t req[64], resp[NM_CMD_MAX];
  size_t rl;
  for (int i = 0; i < 200000; i++) {
    size_t n = tu_range(&s, 0, sizeof req);
    for (size_t k = 0; k < n; k++) req[k] = (uint8_t)tu_rand(&s);
    uint8_t role = (uint8_t)tu_range(&s, 0, 2);
    int st = exec(role, req, n, resp, &rl);
    assert_true(rl >= 1 && rl <= NM_CMD_MAX);
    assert_int_equal((int8_t)resp[0], st);
    /* Whatever happened, no pulse is over the limits the lead allows. */
    if (dev.core.out_loaded) {
      for (uint8_t c = 0; c < dev.hw.out.cur.n_chan; c++) {
        for (uint8_t nd = 0; nd < NM_NODES; nd++) {
          uint32_t q = nm_safety_charge_pc(dev.hw.out.cur.chan[c].node_ua[nd], dev.hw.out.cur.chan[c].width_us);
          assert_true(q <= nm_safety_max_charge_pc(nm_lead_node_area_um2(&dev.core.set.lead, nd)) || q == 0);
        }
      }
    }
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_program_all_and_status), cmocka_unit_test(test_refused_program_all_reports),
      cmocka_unit_test(test_malformed_changes_nothing), cmocka_unit_test(test_roles),
      cmocka_unit_test(test_random_requests),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
