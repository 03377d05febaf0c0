/* test_dev.c: the device layer: provisioning, persistence across reboots, the keyring,
 * the event log, and power cuts during commands. */
#include "devtest.h"

/* Power on (devtest.h): an external trial stimulator for SNM on a tined lead. */
static int boot(void) {
  dt_config(NM_THERAPY_SNM, NM_LEAD_SNM_TINED_4);
  dt.factory.kind = NM_KIND_ETS;
  return dt_boot();
}

static int exec(uint8_t role, const uint8_t *req, size_t len, uint8_t *resp, size_t *rl) {
  return dt_exec(role, req, len, resp, rl);
}

static int exec2(uint8_t role, uint8_t op, uint8_t arg) { return dt_op2(role, op, arg); }

static nm_prog_t snm_prog(uint32_t amp_ua) {
  nm_prog_t p = tu_tonic(14, 210, amp_ua);
  memset(p.frac_pct, 0, sizeof p.frac_pct);
  p.frac_pct[0] = -100;
  p.frac_pct[3] = 100;
  p.pt_max_ua = 3000;
  strcpy(p.name, "default");
  return p;
}

static int program(const nm_prog_t *p) { return dt_program_all(p, 1, 1); }

static void blank(void) { dt_blank(); }

static void test_provision_and_reboot(void **state) {
  (void)state;
  blank();
  assert_int_equal(boot(), NM_OK);
  assert_true(dt.dev.provisioned_now);
  assert_int_equal(strncmp(dt.dev.id.serial, "ETS-SNM-", 8), 0);
  assert_int_equal(dt.dev.core.mode, NM_MODE_SHELF);
  assert_int_equal(dt.dev.resets, 1);
  nm_identity_t id = dt.dev.id;
  assert_int_equal(boot(), NM_OK);
  assert_false(dt.dev.provisioned_now);
  assert_memory_equal(&id, &dt.dev.id, sizeof id);
  assert_int_equal(dt.dev.resets, 2);
  assert_int_equal(dt.dev.core.mode, NM_MODE_SHELF);
  /* No factory data and blank flash: nothing to boot. */
  blank();
  nm_lead_t lead = dt.factory.lead;
  sim_init(&dt.hw, &lead, 800, 12000, NULL, 0, 0);
  sim_attach_nvm(&dt.hw, dt.flash, DT_PAGE, DT_PAGES);
  assert_int_equal(nm_dev_boot(&dt.dev, sim_port(&dt.hw), NULL), NM_ENOENT);
}

static void test_settings_survive_reboot(void **state) {
  (void)state;
  blank();
  assert_int_equal(boot(), NM_OK);
  nm_prog_t p = snm_prog(1000);
  assert_int_equal(program(&p), NM_OK);
  assert_int_equal(exec2(NM_ROLE_CLINICIAN, NM_OP_MODE, NM_MODE_OFF), NM_OK);
  assert_int_equal(exec2(NM_ROLE_PATIENT, NM_OP_THERAPY, 1), NM_OK);
  uint8_t step[3] = {NM_OP_AMP_STEP, 0, 1}, resp[NM_CMD_MAX];
  size_t rl;
  assert_int_equal(exec(NM_ROLE_PATIENT, step, 3, resp, &rl), NM_OK);
  assert_int_equal(exec(NM_ROLE_PATIENT, step, 3, resp, &rl), NM_OK);
  nm_settings_t before = dt.dev.core.set;
  assert_int_equal(boot(), NM_OK);
  assert_memory_equal(&before.prog[0], &dt.dev.core.set.prog[0], sizeof before.prog[0]);
  assert_int_equal(dt.dev.core.set.amp_ua[0], 1200);
  assert_int_equal(dt.dev.core.mode, NM_MODE_THERAPY); /* therapy resumes after a reset */
  sim_run(&dt.hw, &dt.dev.core, 5000000);
  assert_true(dt.hw.out.pulses > 0);
}

static void test_calendar_never_goes_back(void **state) {
  (void)state;
  blank();
  assert_int_equal(boot(), NM_OK);
  sim_advance(&dt.hw, 3ull * 86400ull * 1000000000ull); /* three days up */
  assert_int_equal(exec2(NM_ROLE_CLINICIAN, NM_OP_MODE, NM_MODE_OFF), NM_OK); /* an event now */
  uint32_t before = nm_dev_epoch_s(&dt.dev);
  assert_int_equal(boot(), NM_OK); /* the clock restarts from 0 */
  assert_true(nm_dev_epoch_s(&dt.dev) >= before);
}

/* The calendar offset comes from flash (any int64_t): the clock clamps to 0 .. UINT32_MAX at
 * both ends without overflowing on the way (UBSan aborts this test on a signed overflow). */
static void test_calendar_offset_at_its_ends(void **state) {
  (void)state;
  blank();
  assert_int_equal(boot(), NM_OK);
  sim_advance(&dt.hw, 3ull * 86400ull * 1000000000ull);
  dt.dev.epoch_offset_s = 0;
  int64_t up_s = (int64_t)nm_dev_epoch_s(&dt.dev);
  assert_true(up_s >= 3 * 86400);
  const struct {
    int64_t off;
    uint32_t want;
  } at[] = {
      {INT64_MAX, UINT32_MAX},
      {INT64_MIN, 0u},
      {(int64_t)UINT32_MAX, UINT32_MAX},
      {(int64_t)UINT32_MAX - up_s, UINT32_MAX},
      {(int64_t)UINT32_MAX - up_s - 1, UINT32_MAX - 1u},
      {-up_s, 0u},
      {-up_s + 1, 1u},
      {-((int64_t)1 << 46) - 1, 0u},
      {1790000000 - up_s, 1790000000u},
  };
  for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
    dt.dev.epoch_offset_s = at[i].off;
    assert_int_equal(nm_dev_epoch_s(&dt.dev), at[i].want);
  }
}

static void test_mri_survives_reboot(void **state) {
  (void)state;
  blank();
  assert_int_equal(boot(), NM_OK);
  nm_prog_t p = snm_prog(1000);
  assert_int_equal(program(&p), NM_OK);
  assert_int_equal(exec2(NM_ROLE_CLINICIAN, NM_OP_MODE, NM_MODE_THERAPY), NM_OK);
  assert_int_equal(exec2(NM_ROLE_PATIENT, NM_OP_MODE, NM_MODE_MRI), NM_OK);
  assert_int_equal(boot(), NM_OK);
  assert_int_equal(dt.dev.core.mode, NM_MODE_MRI);
  sim_run(&dt.hw, &dt.dev.core, 5000000);
  assert_int_equal(dt.hw.out.pulses, 0);
  assert_int_equal(exec2(NM_ROLE_PATIENT, NM_OP_MODE, NM_MODE_RESUME), NM_OK);
  assert_int_equal(dt.dev.core.mode, NM_MODE_THERAPY); /* what it was before the scan */
}

static void test_keyring(void **state) {
  (void)state;
  blank();
  assert_int_equal(boot(), NM_OK);
  uint8_t role, key[NM_SECRET_LEN];
  assert_int_equal(nm_dev_key_lookup(&dt.dev, dt.dev.id.clin_id, &role, key), NM_OK);
  assert_int_equal(role, NM_ROLE_CLINICIAN);
  assert_memory_equal(key, dt.dev.id.clin_key, NM_SECRET_LEN);
  uint8_t req = NM_OP_PAIR, resp[NM_CMD_MAX];
  size_t rl;
  assert_int_equal(exec(NM_ROLE_PATIENT, &req, 1, resp, &rl), NM_EPERM);
  uint8_t ids[NM_MAX_REMOTES][NM_KEY_ID_LEN];
  for (int i = 0; i < NM_MAX_REMOTES; i++) {
    assert_int_equal(exec(NM_ROLE_CLINICIAN, &req, 1, resp, &rl), NM_OK);
    assert_int_equal(rl, 1 + 1 + NM_KEY_ID_LEN + NM_SECRET_LEN);
    memcpy(ids[i], resp + 2, NM_KEY_ID_LEN);
    assert_int_equal(nm_dev_key_lookup(&dt.dev, ids[i], &role, key), NM_OK);
    assert_int_equal(role, NM_ROLE_PATIENT);
    assert_memory_equal(key, resp + 2 + NM_KEY_ID_LEN, NM_SECRET_LEN);
  }
  assert_int_equal(exec(NM_ROLE_CLINICIAN, &req, 1, resp, &rl), NM_ENOSPC);
  assert_int_equal(boot(), NM_OK); /* pairings survive */
  assert_int_equal(nm_dev_key_lookup(&dt.dev, ids[2], &role, key), NM_OK);
  uint8_t rev[1 + NM_KEY_ID_LEN] = {NM_OP_REVOKE};
  memcpy(rev + 1, ids[2], NM_KEY_ID_LEN);
  assert_int_equal(exec(NM_ROLE_PATIENT, rev, sizeof rev, resp, &rl), NM_EPERM);
  assert_int_equal(exec(NM_ROLE_CLINICIAN, rev, sizeof rev, resp, &rl), NM_OK);
  assert_int_equal(nm_dev_key_lookup(&dt.dev, ids[2], &role, key), NM_ENOENT);
  assert_int_equal(exec(NM_ROLE_CLINICIAN, rev, sizeof rev, resp, &rl), NM_ENOENT);
  assert_int_equal(boot(), NM_OK);
  assert_int_equal(nm_dev_key_lookup(&dt.dev, ids[2], &role, key), NM_ENOENT);
  assert_int_equal(nm_dev_key_lookup(&dt.dev, ids[3], &role, key), NM_OK);
}

static void test_history(void **state) {
  (void)state;
  blank();
  assert_int_equal(boot(), NM_OK);
  nm_prog_t p = snm_prog(1000);
  assert_int_equal(program(&p), NM_OK);
  nm_prog_t bad = snm_prog(1000);
  bad.pt_max_ua = 20000;
  assert_int_equal(program(&bad), NM_EREFUSED);
  assert_int_equal(exec2(NM_ROLE_CLINICIAN, NM_OP_MODE, NM_MODE_OFF), NM_OK);
  assert_int_equal(exec2(NM_ROLE_PATIENT, NM_OP_MODE, NM_MODE_SURGERY), NM_OK);
  static dt_ev_t evs[64];
  int n = dt_history(0, 0, 0, evs, 64);
  /* Activation (leaving shelf mode) checks the lead. */
  uint8_t want[] = {NM_EV_PROVISION, NM_EV_BOOT, NM_EV_PROGRAM, NM_EV_REFUSED, NM_EV_MODE, NM_EV_IMPEDANCE, NM_EV_MODE};
  assert_int_equal(n, (int)sizeof want);
  for (int i = 0; i < n; i++) {
    assert_int_equal(evs[i].ev.type, want[i]);
    if (i) assert_int_equal(evs[i].seq, evs[i - 1].seq + 1);
    assert_true(evs[i].ev.t_s >= dt.factory.epoch_s);
  }
  /* The refusal names the op, the status and the Shannon reason. */
  assert_int_equal(evs[3].ev.u.refused.op, NM_OP_PROGRAM_ALL);
  assert_int_equal(evs[3].ev.u.refused.status, NM_EREFUSED);
  assert_int_equal(evs[3].ev.u.refused.role, NM_ROLE_CLINICIAN);
  assert_true(evs[3].ev.u.refused.reasons & NM_R_SHANNON);
  /* Surgery mode entered by the patient. */
  assert_int_equal(evs[6].ev.u.mode.to, NM_MODE_SURGERY);
  assert_int_equal(evs[6].ev.u.mode.role, NM_ROLE_PATIENT);
  /* At most NM_HISTORY_MAX_PER_CALL events per call, whatever is asked. */
  for (int i = 0; i < 40; i++) assert_int_equal(exec2(NM_ROLE_PATIENT, NM_OP_MODE, i % 2 ? NM_MODE_RESUME : NM_MODE_MRI), NM_OK);
  uint8_t many[6] = {NM_OP_HISTORY, 0, 0, 0, 0, 200}, out[NM_CMD_MAX];
  size_t ol;
  assert_int_equal(exec(NM_ROLE_CLINICIAN, many, sizeof many, out, &ol), NM_OK);
  assert_int_equal(out[1 + 8], NM_HISTORY_MAX_PER_CALL);
  /* The patient cannot read the history. */
  uint8_t req[6] = {NM_OP_HISTORY, 0, 0, 0, 0, 8}, resp[NM_CMD_MAX];
  size_t rl;
  assert_int_equal(exec(NM_ROLE_PATIENT, req, sizeof req, resp, &rl), NM_EPERM);
}

static void test_other_lead_refused(void **state) {
  (void)state;
  blank();
  assert_int_equal(boot(), NM_OK);
  uint8_t req[NM_CMD_MAX], resp[NM_CMD_MAX];
  size_t rl;
  nm_wr_t w;
  nm_lead_t lead = *nm_lead_catalog(NM_LEAD_SCS_PERC_8); /* the device has snm-tined-4 */
  nm_load_t load = {800, 12000};
  nm_prog_t p = snm_prog(1000);
  nm_wr_init(&w, req, sizeof req);
  nm_wire_put_program_all(&w, &lead, &load, 1, 1, &p);
  nm_settings_t before = dt.dev.core.set;
  assert_int_equal(exec(NM_ROLE_CLINICIAN, req, w.len, resp, &rl), NM_EREFUSED);
  assert_memory_equal(&before, &dt.dev.core.set, sizeof before);
  nm_rd_t r;
  nm_rd_init(&r, resp + 1, rl - 1);
  assert_int_equal(nm_rd_u8(&r), 0xFF);
  nm_safety_report_t rep;
  nm_wire_get_report(&r, &rep);
  assert_int_equal(rep.reasons, NM_R_LEAD);
}

static void test_flash_failure_is_not_acknowledged(void **state) {
  (void)state;
  blank();
  assert_int_equal(boot(), NM_OK);
  nm_prog_t p = snm_prog(1000);
  assert_int_equal(program(&p), NM_OK);
  sim_nvm_cut_after(&dt.hw, 0); /* the very next flash write fails */
  uint8_t step[3] = {NM_OP_AMP_STEP, 0, 1}, resp[NM_CMD_MAX];
  size_t rl;
  assert_int_equal(exec(NM_ROLE_PATIENT, step, 3, resp, &rl), NM_EIO);
  assert_int_equal(rl, 1);
  assert_int_equal(dt.dev.core.set.amp_ua[0], 1000); /* not stored, so not done */
  sim_nvm_power_restore(&dt.hw);
  assert_int_equal(boot(), NM_OK);
  assert_int_equal(dt.dev.core.set.amp_ua[0], 1000);
}

static void test_power_cut_at_every_step_of_programming(void **state) {
  (void)state;
  nm_prog_t p1 = snm_prog(1000), p2 = snm_prog(2000);
  strcpy(p2.name, "second");
  p2.rate_hz = 21;
  int cuts = 0;
  for (int64_t k = 0;; k++) {
    blank();
    assert_int_equal(boot(), NM_OK);
    assert_int_equal(program(&p1), NM_OK);
    /* Fill the store a little so some cuts land in a compaction. */
    for (int i = 0; i < (int)(k % 3); i++) {
      uint8_t a[6] = {NM_OP_AMP_SET, 0, 0, 0, 0, 0};
      uint32_t amp = 1000;
      memcpy(a + 2, &amp, 4);
      uint8_t resp[NM_CMD_MAX];
      size_t rl;
      (void)exec(NM_ROLE_CLINICIAN, a, 6, resp, &rl);
    }
    sim_nvm_cut_after(&dt.hw, k);
    int st = program(&p2);
    int was_cut = dt.hw.nvm.cut;
    sim_nvm_power_restore(&dt.hw);
    assert_int_equal(boot(), NM_OK);
    const nm_prog_t *now = &dt.dev.core.set.prog[0];
    int is_old = memcmp(now, &p1, sizeof p1) == 0, is_new = memcmp(now, &p2, sizeof p2) == 0;
    if (!(is_old || is_new)) fail_msg("cut after %lld operations: settings are neither old nor new", (long long)k);
    if (st == NM_OK) assert_true(is_new); /* acknowledged means stored */
    if (!was_cut) break;
    cuts++;
  }
  printf("  %d cut points, each left the old or the new therapy\n", cuts);
  assert_true(cuts >= 2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_provision_and_reboot),     cmocka_unit_test(test_settings_survive_reboot),
      cmocka_unit_test(test_mri_survives_reboot),      cmocka_unit_test(test_keyring),
      cmocka_unit_test(test_calendar_never_goes_back), cmocka_unit_test(test_calendar_offset_at_its_ends),
      cmocka_unit_test(test_history),                  cmocka_unit_test(test_flash_failure_is_not_acknowledged),
      cmocka_unit_test(test_other_lead_refused),
      cmocka_unit_test(test_power_cut_at_every_step_of_programming),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
