/* test_health.c: device health with faults injected through the simulated hardware:
 * batteries crossing ERI and EOS, a rechargeable cell depleted and recharged, lead contacts
 * opening and shorting during therapy, lead migration, MRI mode without automatic checks,
 * clock jumps, daily usage records. */
#include "testutil.h"
#include "nmod/dev.h"
#include "nmod/records.h"
#include "sim.h"

#define PAGES 40u
#define PAGE 4096u

static uint8_t flash[PAGES * PAGE];
static sim_hw_t hw;
static nm_dev_t dev;

static void boot(uint8_t therapy, uint8_t lead_model, uint8_t cell) {
  memset(flash, 0xFF, sizeof flash);
  nm_lead_t lead = *nm_lead_catalog(lead_model);
  sim_init(&hw, &lead, 800, 12000, NULL, 0, 0);
  sim_attach_nvm(&hw, flash, PAGE, PAGES);
  sim_seed_rng(&hw, 9);
  sim_batt_set(&hw, cell, 100);
  nm_factory_t f = {NM_KIND_INS, therapy, lead, 1780000000u, cell, NM_PROFILE_NONE};
  assert_int_equal(nm_dev_boot(&dev, sim_port(&hw), &f), NM_OK);
}

/* Run the device (timer wakes through nm_dev_wake) for s seconds of virtual time. */
static void run_s(uint64_t s) {
  uint64_t end = hw.now_ns / 1000u + s * 1000000u;
  while (hw.timer_at_us <= end) {
    uint64_t at = hw.timer_at_us;
    hw.timer_at_us = UINT64_MAX;
    sim_advance(&hw, at * 1000u);
    nm_dev_wake(&dev);
  }
  sim_advance(&hw, end * 1000u);
}

static int exec(uint8_t role, const uint8_t *req, size_t len, uint8_t *resp, size_t *rl) {
  return nm_dev_exec(&dev, role, req, len, resp, NM_CMD_MAX, rl);
}

static int exec2(uint8_t role, uint8_t op, uint8_t arg) {
  uint8_t req[2] = {op, arg}, resp[NM_CMD_MAX];
  size_t rl;
  return exec(role, req, 2, resp, &rl);
}

static void program(const nm_prog_t *p, uint8_t n, uint8_t running) {
  uint8_t req[NM_CMD_MAX], resp[NM_CMD_MAX];
  size_t rl;
  nm_wr_t w;
  nm_load_t load = {800, 12000};
  nm_wr_init(&w, req, sizeof req);
  nm_wire_put_program_all(&w, &dev.id.lead, &load, running, n, p);
  assert_int_equal(exec(NM_ROLE_CLINICIAN, req, w.len, resp, &rl), NM_OK);
  assert_int_equal(exec2(NM_ROLE_CLINICIAN, NM_OP_MODE, NM_MODE_OFF), NM_OK);
  assert_int_equal(exec2(NM_ROLE_PATIENT, NM_OP_THERAPY, 1), NM_OK);
}

static nm_prog_t prog(uint32_t rate, uint32_t width, uint32_t amp, int cath, int anod) {
  nm_prog_t p = tu_tonic(rate, width, amp);
  memset(p.frac_pct, 0, sizeof p.frac_pct);
  p.frac_pct[cath] = -100;
  p.frac_pct[anod] = 100;
  p.pt_max_ua = amp;
  return p;
}

/* How many events of `type` the log holds. */
static int count_events(uint8_t type) {
  int n = 0;
  for (uint32_t s = nm_log_first_seq(&dev.log); s != nm_log_next_seq(&dev.log); s++) {
    uint8_t rec[NM_LOG_PAYLOAD_MAX];
    size_t len;
    if (nm_log_read(&dev.log, s, rec, sizeof rec, &len) == NM_OK && len >= 5 && rec[4] == type) n++;
  }
  return n;
}

/* The STATUS a remote gets: battery state and lead alerts are in it. */
static void remote_status(uint8_t *batt_state, uint16_t *open, uint16_t *shrt) {
  uint8_t req = NM_OP_STATUS, resp[NM_CMD_MAX];
  size_t rl;
  assert_int_equal(exec(NM_ROLE_PATIENT, &req, 1, resp, &rl), NM_OK);
  nm_rd_t r;
  nm_status_t st;
  nm_rd_init(&r, resp + 1, rl - 1);
  nm_wire_get_status(&r, &st);
  assert_int_equal(nm_rd_done(&r), NM_OK);
  *batt_state = st.batt_state;
  *open = st.lead_open;
  *shrt = st.lead_short;
}

static void test_primary_eri_then_eos(void **state) {
  (void)state;
  boot(NM_THERAPY_SCS, NM_LEAD_SCS_PERC_8, NM_CELL_PRIMARY);
  sim_batt_set(&hw, NM_CELL_PRIMARY, 11); /* just above ERI (10 % left) */
  nm_prog_t p = tu_hf(30, 3000);
  program(&p, 1, 1);
  uint8_t bs;
  uint16_t o, sh;
  remote_status(&bs, &o, &sh);
  assert_int_equal(bs, NM_BATT_OK);
  run_s(12 * 3600); /* ~2 mA: 1 % of 900 mAh in under 5 h */
  remote_status(&bs, &o, &sh);
  assert_int_equal(bs, NM_BATT_ERI); /* every status says so */
  assert_int_equal(dev.core.mode, NM_MODE_THERAPY); /* ERI does not stop therapy */
  assert_true(count_events(NM_EV_BATTERY) >= 1);
  /* On to EOS: stimulation stops, telemetry stays. */
  for (int day = 0; day < 60 && dev.core.batt.state != NM_BATT_EOS; day++) run_s(86400);
  assert_int_equal(dev.core.batt.state, NM_BATT_EOS);
  assert_int_equal(dev.core.mode, NM_MODE_OFF);
  assert_int_equal(dev.core.fault, NM_FAULT_BATTERY);
  run_s(120);
  uint64_t pulses = hw.out.pulses;
  run_s(3600);
  assert_int_equal(hw.out.pulses, pulses);
  remote_status(&bs, &o, &sh);
  assert_int_equal(bs, NM_BATT_EOS);
  assert_int_equal(exec2(NM_ROLE_PATIENT, NM_OP_THERAPY, 1), NM_ESTATE);
  assert_int_equal(exec2(NM_ROLE_CLINICIAN, NM_OP_THERAPY, 1), NM_ESTATE);
}

static void test_rechargeable_depleted_and_recharged(void **state) {
  (void)state;
  boot(NM_THERAPY_SCS, NM_LEAD_SCS_PERC_8, NM_CELL_RECHARGEABLE);
  sim_batt_set(&hw, NM_CELL_RECHARGEABLE, 26);
  nm_core_set_cell(&dev.core, NM_CELL_RECHARGEABLE); /* a new cell: the gauge starts from its voltage */
  nm_prog_t p = prog(50, 200, 3000, 0, 1); /* ~85 uA: a full charge lasts weeks, no ERI */
  program(&p, 1, 1);
  run_s(12 * 3600);
  uint8_t bs;
  uint16_t o, sh;
  remote_status(&bs, &o, &sh);
  assert_int_equal(bs, NM_BATT_LOW); /* the remote asks for a recharge */
  for (int h = 0; h < 400 && dev.core.batt.state != NM_BATT_EOS; h++) run_s(3600);
  assert_int_equal(dev.core.batt.state, NM_BATT_EOS);
  assert_int_equal(dev.core.mode, NM_MODE_OFF);
  assert_int_equal(exec2(NM_ROLE_PATIENT, NM_OP_THERAPY, 1), NM_ESTATE);
  /* The charger: once over 10 %, the patient turns therapy on again. */
  sim_batt_charger(&hw, 1);
  run_s(3600);
  assert_true(sim_batt_soc_pm(&hw) > 100);
  run_s(120);
  assert_int_equal(exec2(NM_ROLE_PATIENT, NM_OP_THERAPY, 1), NM_OK);
  assert_int_equal(dev.core.mode, NM_MODE_THERAPY);
}

static void test_open_contact_found_by_daily_check(void **state) {
  (void)state;
  boot(NM_THERAPY_SNM, NM_LEAD_SNM_TINED_4, NM_CELL_PRIMARY);
  nm_prog_t p = prog(14, 210, 1000, 0, 3);
  program(&p, 1, 1);
  run_s(600);
  sim_set_fault(&hw, 2, SIM_FAULT_OPEN); /* breaks during therapy */
  uint8_t bs;
  uint16_t o, sh;
  remote_status(&bs, &o, &sh);
  assert_int_equal(o, 0); /* not known until checked */
  run_s(86400 + 120);
  remote_status(&bs, &o, &sh);
  assert_int_equal(o, 1u << 2);
  assert_int_equal(sh, 0);
  assert_int_equal(dev.core.mode, NM_MODE_THERAPY); /* E2 is not in use: therapy goes on */
  assert_true(count_events(NM_EV_IMPEDANCE) >= 2);
}

static void test_short_stops_programs_using_it(void **state) {
  (void)state;
  boot(NM_THERAPY_SCS, NM_LEAD_SCS_PERC_8, NM_CELL_PRIMARY);
  nm_prog_t p[2] = {prog(40, 200, 2000, 2, 3), prog(60, 200, 2000, 5, 6)};
  strcpy(p[1].name, "b");
  program(p, 2, 3);
  run_s(60);
  sim_set_fault(&hw, 2, SIM_FAULT_SHORT);
  uint8_t req = NM_OP_IMPEDANCE, resp[NM_CMD_MAX];
  size_t rl;
  assert_int_equal(exec(NM_ROLE_CLINICIAN, &req, 1, resp, &rl), NM_OK);
  assert_int_equal(dev.core.set.running_mask, 2); /* program 0 used E2: stopped; program 1 goes on */
  assert_int_equal(dev.core.mode, NM_MODE_THERAPY);
  assert_int_equal(count_events(NM_EV_LEAD_STOP), 1);
  run_s(10);
  uint64_t e2 = hw.out.node_pulses[2], e5 = hw.out.node_pulses[5];
  run_s(10);
  assert_int_equal(hw.out.node_pulses[2], e2);
  assert_true(hw.out.node_pulses[5] > e5);
  /* A short on the last program's contact: therapy stops, with the reason. */
  sim_set_fault(&hw, 5, SIM_FAULT_SHORT);
  assert_int_equal(exec(NM_ROLE_CLINICIAN, &req, 1, resp, &rl), NM_OK);
  assert_int_equal(dev.core.mode, NM_MODE_OFF);
  assert_int_equal(dev.core.fault, NM_FAULT_LEAD);
  uint8_t bs;
  uint16_t o, sh;
  remote_status(&bs, &o, &sh);
  assert_int_equal(sh, (1u << 2) | (1u << 5));
  /* It stays stopped: the settings in flash agree (a reboot does not restart it). */
  uint8_t buf[NM_CMD_MAX];
  size_t n;
  nm_settings_t stored;
  nm_stored_state_t sst;
  assert_int_equal(nm_kv_get(&dev.kv, 3 /* settings */, buf, sizeof buf, &n), NM_OK);
  nm_rd_t r;
  nm_rd_init(&r, buf, n);
  nm_wire_get_settings(&r, &stored, &sst);
  assert_int_equal(nm_rd_done(&r), NM_OK);
  assert_int_equal(stored.running_mask, 0);
  assert_int_equal(sst.mode, NM_MODE_OFF);
  assert_int_equal(sst.fault, NM_FAULT_LEAD); /* the reason is stored too */
}

static void test_migration_jump(void **state) {
  (void)state;
  boot(NM_THERAPY_SNM, NM_LEAD_SNM_TINED_4, NM_CELL_PRIMARY);
  nm_prog_t p = prog(14, 210, 1000, 0, 3);
  program(&p, 1, 1);
  uint8_t req = NM_OP_IMPEDANCE, resp[NM_CMD_MAX];
  size_t rl;
  assert_int_equal(exec(NM_ROLE_CLINICIAN, &req, 1, resp, &rl), NM_OK);
  assert_int_equal(dev.imp_jump, 0);
  sim_set_node_ohm(&hw, 1, 1000); /* E1 to the case: 800 -> 1400 ohm, still in range */
  assert_int_equal(exec(NM_ROLE_CLINICIAN, &req, 1, resp, &rl), NM_OK);
  assert_int_equal(dev.imp_jump, 1u << 1);
  assert_int_equal(dev.core.lead_open | dev.core.lead_short, 0);
  /* The next check, with nothing changed, clears it. */
  assert_int_equal(exec(NM_ROLE_CLINICIAN, &req, 1, resp, &rl), NM_OK);
  assert_int_equal(dev.imp_jump, 0);
}

static void test_mri_mode_turns_checks_off(void **state) {
  (void)state;
  boot(NM_THERAPY_SNM, NM_LEAD_SNM_TINED_4, NM_CELL_PRIMARY);
  nm_prog_t p = prog(14, 210, 1000, 0, 3);
  program(&p, 1, 1);
  run_s(120);
  int checks = count_events(NM_EV_IMPEDANCE);
  assert_int_equal(exec2(NM_ROLE_PATIENT, NM_OP_MODE, NM_MODE_MRI), NM_OK);
  uint64_t pulses = hw.out.pulses;
  run_s(3 * 86400);
  assert_int_equal(count_events(NM_EV_IMPEDANCE), checks);
  assert_true(hw.out.pulses - pulses <= 14); /* at most the frame in progress */
  assert_int_equal(exec2(NM_ROLE_PATIENT, NM_OP_MODE, NM_MODE_RESUME), NM_OK);
  run_s(120);
  assert_int_equal(count_events(NM_EV_IMPEDANCE), checks + 1); /* overdue: checked at once */
}

static void test_clock_jump_and_usage(void **state) {
  (void)state;
  boot(NM_THERAPY_SNM, NM_LEAD_SNM_TINED_4, NM_CELL_PRIMARY);
  nm_prog_t p = prog(14, 210, 1000, 0, 3);
  p.pt_max_ua = 3000;
  program(&p, 1, 1);
  uint8_t step[3] = {NM_OP_AMP_STEP, 0, 1}, resp[NM_CMD_MAX];
  size_t rl;
  assert_int_equal(exec(NM_ROLE_PATIENT, step, 3, resp, &rl), NM_OK);
  assert_int_equal(exec(NM_ROLE_PATIENT, step, 3, resp, &rl), NM_OK);
  run_s(3 * 86400);
  assert_true(count_events(NM_EV_USAGE) >= 2);
  /* The virtual clock jumps ten days at once: nothing spins, pulses stay exact, one
   * daily check and one usage record follow. */
  uint64_t wakes = dev.core.wakeups, pulses = hw.out.pulses;
  int usage = count_events(NM_EV_USAGE), checks = count_events(NM_EV_IMPEDANCE);
  sim_advance(&hw, hw.now_ns + 10ull * 86400ull * 1000000000ull);
  run_s(120);
  assert_true(dev.core.wakeups - wakes < 10);
  assert_int_equal(hw.out.pulses - pulses, 14ull * (10ull * 86400ull + 120ull));
  assert_int_equal(count_events(NM_EV_USAGE), usage + 1);
  assert_int_equal(count_events(NM_EV_IMPEDANCE), checks + 1);
  /* The calendar set back a day: the log stays in sequence, checks resume. */
  uint8_t ts[9] = {NM_OP_TIME_SET};
  uint64_t back = nm_dev_epoch_s(&dev) - 86400u;
  for (int i = 0; i < 8; i++) ts[1 + i] = (uint8_t)(back >> (8 * i));
  uint32_t seq = nm_log_next_seq(&dev.log);
  assert_int_equal(exec(NM_ROLE_CLINICIAN, ts, sizeof ts, resp, &rl), NM_OK);
  run_s(120);
  assert_true(nm_log_next_seq(&dev.log) > seq);
  assert_int_equal(dev.core.mode, NM_MODE_THERAPY);
  /* A usage record: a whole day of therapy with the two steps at 1.2 mA. */
  for (uint32_t s = nm_log_first_seq(&dev.log); s != nm_log_next_seq(&dev.log); s++) {
    uint8_t rec[NM_LOG_PAYLOAD_MAX];
    size_t len;
    if (nm_log_read(&dev.log, s, rec, sizeof rec, &len) != NM_OK || rec[4] != NM_EV_USAGE) continue;
    nm_rd_t r;
    nm_rd_init(&r, rec + 5, len - 5);
    uint16_t min = nm_rd_u16(&r);
    (void)nm_rd_u16(&r);
    uint32_t amp = nm_rd_u32(&r);
    if (min >= 1430) {
      assert_int_equal(amp, 1200);
      return;
    }
  }
  fail_msg("no full day of usage recorded");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_primary_eri_then_eos),        cmocka_unit_test(test_rechargeable_depleted_and_recharged),
      cmocka_unit_test(test_open_contact_found_by_daily_check), cmocka_unit_test(test_short_stops_programs_using_it),
      cmocka_unit_test(test_migration_jump),              cmocka_unit_test(test_mri_mode_turns_checks_off),
      cmocka_unit_test(test_clock_jump_and_usage),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
