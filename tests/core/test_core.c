/* test_core.c: modes, ramps, cycling, amplitude rules, test stimulation, faults. */
#include "testdev.h"
#include "nmod/cmd.h"

static tu_dev_t dev;

static nm_prog_t snm_default(void) {
  nm_prog_t p = tu_tonic(14, 210, 1000);
  memset(p.frac_pct, 0, sizeof p.frac_pct);
  p.frac_pct[0] = -100;
  p.frac_pct[3] = 100;
  p.pt_min_ua = 0;
  p.pt_max_ua = 3000;
  strcpy(p.name, "default");
  return p;
}

static void setup_snm(void) {
  nm_lead_t lead = tu_lead(NM_LEAD_SNM_TINED_4);
  tu_dev_init(&dev, NM_THERAPY_SNM, &lead, 800);
  nm_prog_t p = snm_default();
  assert_int_equal(nm_core_prog_write(&dev.core, 0, &p, NULL), NM_OK);
  assert_int_equal(nm_core_select(&dev.core, NM_ROLE_CLINICIAN, 1), NM_OK);
}

static void test_shelf_and_activation(void **state) {
  (void)state;
  nm_lead_t lead = tu_lead(NM_LEAD_SNM_TINED_4);
  memset(&dev, 0, sizeof dev);
  sim_init(&dev.hw, &lead, 800, 12000, NULL, 0, 0);
  assert_int_equal(nm_core_init(&dev.core, sim_port(&dev.hw), NM_THERAPY_SNM, &lead), NM_OK);
  assert_int_equal(dev.core.mode, NM_MODE_SHELF);
  assert_int_equal(nm_core_mode(&dev.core, NM_ROLE_PATIENT, NM_MODE_OFF), NM_EPERM);
  assert_int_equal(nm_core_therapy(&dev.core, NM_ROLE_CLINICIAN, 1), NM_ESTATE);
  assert_int_equal(nm_core_mode(&dev.core, NM_ROLE_CLINICIAN, NM_MODE_OFF), NM_OK);
  assert_int_equal(dev.core.mode, NM_MODE_OFF);
  /* Therapy needs a running program. */
  assert_int_equal(nm_core_therapy(&dev.core, NM_ROLE_PATIENT, 1), NM_ENOENT);
}

static void test_therapy_delivers_exact_pulses(void **state) {
  (void)state;
  setup_snm();
  assert_int_equal(nm_core_therapy(&dev.core, NM_ROLE_PATIENT, 1), NM_OK);
  tu_run_s(&dev, 3600);
  /* 14 Hz for an hour, from the first frame: 50400 pulses, each balanced. */
  assert_int_equal(dev.hw.out.pulses, 14u * 3600u);
  assert_int_equal(dev.hw.out.node_net_pc[0], 0);
  assert_int_equal(dev.hw.out.node_net_pc[3], 0);
  assert_int_equal(dev.hw.out.node_max_pc[0], 1000u * 210u);
  /* About one wake-up a second (housekeeping), not one per pulse. */
  assert_true(dev.core.wakeups <= 3600 + 10);
}

static void test_soft_start_and_stop(void **state) {
  (void)state;
  setup_snm();
  nm_prog_t p = snm_default();
  p.amp_ua = 2000;
  p.ramp_ms = 2000;
  assert_int_equal(nm_core_prog_write(&dev.core, 0, &p, NULL), NM_OK);
  assert_int_equal(nm_core_therapy(&dev.core, NM_ROLE_PATIENT, 1), NM_OK);
  uint64_t t0 = dev.hw.now_ns / 1000u;
  assert_int_equal(nm_core_level_ua(&dev.core, 0, t0), 0);
  assert_int_equal(nm_core_level_ua(&dev.core, 0, t0 + 1000000u), 1000);
  assert_int_equal(nm_core_level_ua(&dev.core, 0, t0 + 1950000u), 1900);
  assert_int_equal(nm_core_level_ua(&dev.core, 0, t0 + 2000000u), 2000);
  tu_run_s(&dev, 10);
  assert_int_equal(dev.hw.out.node_max_pc[0], 2000u * 210u);
  /* Soft stop: therapy off ramps down over the same 2 s, then the output stops. */
  assert_int_equal(nm_core_therapy(&dev.core, NM_ROLE_PATIENT, 0), NM_OK);
  assert_int_equal(dev.core.mode, NM_MODE_OFF);
  uint64_t before = dev.hw.out.pulses;
  tu_run_s(&dev, 1);
  assert_true(dev.hw.out.pulses > before); /* still ramping down */
  tu_run_s(&dev, 2);
  uint64_t after = dev.hw.out.pulses;
  tu_run_s(&dev, 10);
  assert_int_equal(dev.hw.out.pulses, after); /* stopped */
  assert_false(dev.hw.out.has_cur);
}

static void test_cycling(void **state) {
  (void)state;
  setup_snm();
  nm_prog_t p = snm_default();
  p.cyc_on_s = 10;
  p.cyc_off_s = 20;
  assert_int_equal(nm_core_prog_write(&dev.core, 0, &p, NULL), NM_OK);
  assert_int_equal(nm_core_therapy(&dev.core, NM_ROLE_PATIENT, 1), NM_OK);
  tu_run_s(&dev, 300); /* ten cycles: 10 s on each */
  assert_int_equal(dev.hw.out.pulses, 14u * 10u * 10u);
  assert_int_equal(dev.hw.out.node_net_pc[0], 0);
}

static void test_patient_range(void **state) {
  (void)state;
  setup_snm();
  nm_core_t *c = &dev.core;
  assert_int_equal(nm_core_amp_set(c, NM_ROLE_PATIENT, 0, 3000), NM_OK);
  assert_int_equal(nm_core_amp_step(c, NM_ROLE_PATIENT, 0, +1), NM_EREFUSED); /* 3.1 > 3.0 */
  assert_int_equal(c->set.amp_ua[0], 3000);
  assert_int_equal(nm_core_amp_set(c, NM_ROLE_PATIENT, 0, 3100), NM_EREFUSED);
  assert_int_equal(nm_core_amp_set(c, NM_ROLE_PATIENT, 0, 0), NM_OK);
  assert_int_equal(nm_core_amp_step(c, NM_ROLE_PATIENT, 0, -1), NM_EREFUSED);
  assert_int_equal(nm_core_amp_set(c, NM_ROLE_PATIENT, 0, 150), NM_EREFUSED); /* not a step */
  assert_int_equal(nm_core_amp_set(c, NM_ROLE_NONE, 0, 100), NM_EPERM);
  assert_int_equal(nm_core_amp_set(c, NM_ROLE_PATIENT, 5, 100), NM_ENOENT);
  /* The clinician goes beyond the patient range while the supervisor agrees... */
  assert_int_equal(nm_core_amp_set(c, NM_ROLE_CLINICIAN, 0, 13800), NM_OK);
  assert_int_equal(c->set.prog[0].amp_ua, 13800);
  /* ...and not past the Shannon limit of this contact (13.9 mA at 210 us). */
  assert_int_equal(nm_core_amp_set(c, NM_ROLE_CLINICIAN, 0, 13900), NM_EREFUSED);
  assert_int_equal(c->set.amp_ua[0], 13800);
  /* Above the patient's range, the patient can still turn it down (never up). */
  assert_int_equal(nm_core_amp_step(c, NM_ROLE_PATIENT, 0, +1), NM_EREFUSED);
  assert_int_equal(nm_core_amp_step(c, NM_ROLE_PATIENT, 0, -1), NM_OK);
  assert_int_equal(c->set.amp_ua[0], 13700);
  assert_int_equal(nm_core_amp_set(c, NM_ROLE_PATIENT, 0, 13800), NM_EREFUSED);
  assert_int_equal(nm_core_amp_set(c, NM_ROLE_PATIENT, 0, 5000), NM_OK);
  assert_int_equal(nm_core_amp_set(c, NM_ROLE_PATIENT, 0, 4000), NM_OK);
  assert_int_equal(nm_core_amp_set(c, NM_ROLE_PATIENT, 0, 4100), NM_EREFUSED); /* no way back up */
  assert_int_equal(nm_core_amp_set(c, NM_ROLE_PATIENT, 0, 3000), NM_OK);
}

static void test_refused_program_changes_nothing(void **state) {
  (void)state;
  setup_snm();
  assert_int_equal(nm_core_therapy(&dev.core, NM_ROLE_PATIENT, 1), NM_OK);
  tu_run_s(&dev, 2);
  nm_settings_t before = dev.core.set;
  nm_pattern_t out_before = dev.hw.out.cur;
  nm_prog_t bad = snm_default();
  bad.pt_max_ua = 20000; /* Shannon */
  nm_safety_report_t rep;
  assert_int_equal(nm_core_prog_write(&dev.core, 1, &bad, &rep), NM_EREFUSED);
  assert_true(rep.reasons & NM_R_SHANNON);
  assert_memory_equal(&before, &dev.core.set, sizeof before);
  assert_memory_equal(&out_before, &dev.hw.out.cur, sizeof out_before);
  /* A running program cannot be rewritten during therapy, even a safe one. */
  nm_prog_t ok = snm_default();
  assert_int_equal(nm_core_prog_write(&dev.core, 0, &ok, NULL), NM_ESTATE);
  assert_memory_equal(&before, &dev.core.set, sizeof before);
}

static void test_mri_and_surgery(void **state) {
  (void)state;
  setup_snm();
  nm_core_t *c = &dev.core;
  assert_int_equal(nm_core_therapy(c, NM_ROLE_PATIENT, 1), NM_OK);
  tu_run_s(&dev, 1);
  assert_int_equal(nm_core_mode(c, NM_ROLE_PATIENT, NM_MODE_MRI), NM_OK);
  tu_run_s(&dev, 1); /* the stop lands on the next frame boundary */
  uint64_t p = dev.hw.out.pulses;
  tu_run_s(&dev, 60);
  assert_int_equal(dev.hw.out.pulses, p);
  assert_int_equal(nm_core_therapy(c, NM_ROLE_PATIENT, 1), NM_ESTATE); /* not in MRI mode */
  assert_int_equal(nm_core_mode(c, NM_ROLE_PATIENT, NM_MODE_RESUME), NM_OK);
  assert_int_equal(c->mode, NM_MODE_THERAPY);
  tu_run_s(&dev, 1);
  assert_true(dev.hw.out.pulses > p);
  /* Surgery from off resumes to off. */
  assert_int_equal(nm_core_therapy(c, NM_ROLE_PATIENT, 0), NM_OK);
  assert_int_equal(nm_core_mode(c, NM_ROLE_PATIENT, NM_MODE_SURGERY), NM_OK);
  assert_int_equal(nm_core_mode(c, NM_ROLE_PATIENT, NM_MODE_RESUME), NM_OK);
  assert_int_equal(c->mode, NM_MODE_OFF);
  assert_int_equal(nm_core_mode(c, NM_ROLE_PATIENT, NM_MODE_RESUME), NM_ESTATE);
  /* Shelf mode is the clinician's only. */
  assert_int_equal(nm_core_mode(c, NM_ROLE_PATIENT, NM_MODE_SHELF), NM_EPERM);
  assert_int_equal(nm_core_mode(c, NM_ROLE_CLINICIAN, NM_MODE_SHELF), NM_OK);
  assert_int_equal(nm_core_mode(c, NM_ROLE_CLINICIAN, NM_MODE_TEST), NM_EINVAL);
}

static void test_test_stimulation(void **state) {
  (void)state;
  setup_snm();
  nm_core_t *c = &dev.core;
  assert_int_equal(nm_core_test_start(c, 4, 500, 100), NM_ENOENT); /* no E4 */
  assert_int_equal(nm_core_test_start(c, 1, 550, 100), NM_EREFUSED); /* not a step */
  assert_int_equal(nm_core_test_start(c, 1, 500, 1100), NM_EREFUSED); /* steps up to 1.0 mA */
  assert_int_equal(nm_core_test_start(c, 1, 500, 0), NM_EREFUSED);
  assert_int_equal(nm_core_test_start(c, 1, 12600, 100), NM_EREFUSED); /* over 12.5 mA */
  assert_int_equal(nm_core_test_start(c, 1, 500, 1000), NM_OK);
  assert_int_equal(nm_core_test_start(c, 1, 500, 100), NM_OK);
  assert_int_equal(c->mode, NM_MODE_TEST);
  tu_run_s(&dev, 1);
  assert_int_equal(dev.hw.out.cur.chan[0].node_ua[1], -500);
  assert_int_equal(dev.hw.out.cur.chan[0].node_ua[NM_NODE_CASE], 500);
  for (int i = 0; i < 5; i++) assert_int_equal(nm_core_test_step(c), NM_OK);
  tu_run_s(&dev, 1);
  assert_int_equal(dev.hw.out.cur.chan[0].node_ua[1], -1000);
  assert_int_equal(nm_core_test_mark(c), NM_OK);
  assert_int_equal(c->test.threshold_ua[1], 1000);
  tu_run_s(&dev, 1);
  assert_false(dev.hw.out.has_cur); /* marked: that contact stops */
  /* Stepping stops at the lead-placement maximum of 12.5 mA. */
  assert_int_equal(nm_core_test_start(c, 2, 12000, 500), NM_OK);
  assert_int_equal(nm_core_test_step(c), NM_OK);
  assert_int_equal(c->test.amp_ua, 12500);
  assert_int_equal(nm_core_test_step(c), NM_EREFUSED);
  assert_int_equal(c->test.amp_ua, 12500);
  assert_int_equal(nm_core_test_stop(c), NM_OK);
  assert_int_equal(c->mode, NM_MODE_OFF);
  assert_int_equal(nm_core_test_step(c), NM_ESTATE);
}

static void test_limiter_trip_goes_safe(void **state) {
  (void)state;
  setup_snm();
  nm_core_t *c = &dev.core;
  /* The hardware limiter of E0 set below what the (accepted) program delivers: the
   * output stage refuses the pattern, and the core goes to its safe state. */
  sim_set_limit(&dev.hw, 0, 1000u * 210u - 1u);
  assert_int_equal(nm_core_therapy(c, NM_ROLE_PATIENT, 1), NM_OK);
  tu_run_s(&dev, 5);
  assert_int_equal(dev.hw.out.pulses, 0);
  assert_int_equal(dev.hw.out.st.tripped, NM_OUT_TRIP_CHARGE);
  assert_int_equal(c->mode, NM_MODE_OFF);
  assert_int_equal(c->fault, NM_FAULT_LIMITER);
  assert_int_equal(c->fault_detail, NM_OUT_TRIP_CHARGE);
  /* The patient cannot restart it; the clinician can once the cause is fixed. */
  assert_int_equal(nm_core_therapy(c, NM_ROLE_PATIENT, 1), NM_EPERM);
  sim_set_limit(&dev.hw, 0, 1000u * 210u);
  assert_int_equal(nm_core_therapy(c, NM_ROLE_CLINICIAN, 1), NM_OK);
  tu_run_s(&dev, 1);
  assert_true(dev.hw.out.pulses > 0);
  assert_int_equal(c->fault, NM_FAULT_NONE);
}

static void test_snm_runs_one_program(void **state) {
  (void)state;
  setup_snm();
  nm_prog_t p = snm_default();
  strcpy(p.name, "second");
  assert_int_equal(nm_core_prog_write(&dev.core, 1, &p, NULL), NM_OK);
  assert_int_equal(nm_core_select(&dev.core, NM_ROLE_CLINICIAN, 3), NM_EREFUSED);
  assert_int_equal(nm_core_select(&dev.core, NM_ROLE_CLINICIAN, 2), NM_OK);
  assert_int_equal(nm_core_select(&dev.core, NM_ROLE_CLINICIAN, 4), NM_ENOENT);
  assert_int_equal(nm_core_prog_erase(&dev.core, 1), NM_OK);
  assert_int_equal(dev.core.set.running_mask, 0);
}

static void test_scs_areas(void **state) {
  (void)state;
  nm_lead_t lead = tu_lead(NM_LEAD_SCS_PERC_8);
  tu_dev_init(&dev, NM_THERAPY_SCS, &lead, 600);
  nm_prog_t a = tu_tonic(40, 300, 3000), b = tu_tonic(60, 200, 2000);
  strcpy(b.name, "b");
  b.frac_pct[0] = 0;
  b.frac_pct[1] = 0;
  b.frac_pct[5] = -100;
  b.frac_pct[6] = 100;
  assert_int_equal(nm_core_prog_write(&dev.core, 0, &a, NULL), NM_OK);
  assert_int_equal(nm_core_prog_write(&dev.core, 1, &b, NULL), NM_OK);
  assert_int_equal(nm_core_select(&dev.core, NM_ROLE_CLINICIAN, 3), NM_OK);
  assert_int_equal(nm_core_therapy(&dev.core, NM_ROLE_PATIENT, 1), NM_OK);
  tu_run_s(&dev, 100);
  assert_int_equal(dev.hw.out.pulses, 100u * (40u + 60u));
  assert_int_equal(dev.hw.out.node_pulses[0], 4000);
  assert_int_equal(dev.hw.out.node_pulses[5], 6000);
  /* Amplitude up on every running program at once, all or nothing. */
  assert_int_equal(nm_core_amp_step(&dev.core, NM_ROLE_PATIENT, 0xFF, +1), NM_EREFUSED); /* a at its max */
  assert_int_equal(dev.core.set.amp_ua[1], 2000);
  assert_int_equal(nm_core_amp_step(&dev.core, NM_ROLE_PATIENT, 0xFF, -1), NM_OK);
  assert_int_equal(dev.core.set.amp_ua[0], 2900);
  assert_int_equal(dev.core.set.amp_ua[1], 1900);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_shelf_and_activation), cmocka_unit_test(test_therapy_delivers_exact_pulses),
      cmocka_unit_test(test_soft_start_and_stop),  cmocka_unit_test(test_cycling),
      cmocka_unit_test(test_patient_range),        cmocka_unit_test(test_refused_program_changes_nothing),
      cmocka_unit_test(test_mri_and_surgery),      cmocka_unit_test(test_test_stimulation),
      cmocka_unit_test(test_limiter_trip_goes_safe), cmocka_unit_test(test_snm_runs_one_program),
      cmocka_unit_test(test_scs_areas),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
