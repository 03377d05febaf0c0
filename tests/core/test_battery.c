/* test_battery.c: battery states, longevity arithmetic, the energy model and the impedance
 * classes, each at its boundaries. */
#include "testutil.h"
#include "nmod/battery.h"
#include "nmod/dev.h"
#include "nmod/energy.h"

static nm_batt_reading_t reading(uint32_t capacity_uah, uint32_t used_uah) {
  nm_batt_reading_t r;
  memset(&r, 0, sizeof r);
  r.capacity_uah = capacity_uah;
  r.charge_uah = used_uah;
  r.voltage_mv = 3200;
  return r;
}

static void test_primary_thresholds(void **state) {
  (void)state;
  nm_batt_cfg_t cfg;
  nm_batt_t b;
  nm_batt_defaults(&cfg, NM_CELL_PRIMARY);
  assert_int_equal(cfg.rated_uah, 900000);
  nm_batt_reading_t r = reading(900000, 0);
  assert_int_equal(nm_batt_eval(&cfg, &r, NM_BATT_OK, 10000, &b), NM_BATT_OK);
  assert_int_equal(b.soc_pm, 1000);
  /* ERI at exactly 10 % left (90,000 uAh), not one uAh before. */
  r = reading(900000, 810000 - 1);
  assert_int_equal(nm_batt_eval(&cfg, &r, NM_BATT_OK, 10000, &b), NM_BATT_OK);
  r = reading(900000, 810000);
  assert_int_equal(nm_batt_eval(&cfg, &r, NM_BATT_OK, 10000, &b), NM_BATT_ERI);
  /* EOS at exactly 1 % left. */
  r = reading(900000, 891000 - 1);
  assert_int_equal(nm_batt_eval(&cfg, &r, NM_BATT_ERI, 10000, &b), NM_BATT_ERI);
  r = reading(900000, 891000);
  assert_int_equal(nm_batt_eval(&cfg, &r, NM_BATT_ERI, 10000, &b), NM_BATT_EOS);
  /* A primary cell never comes back from EOS, whatever a gauge says later. */
  r = reading(900000, 0);
  assert_int_equal(nm_batt_eval(&cfg, &r, NM_BATT_EOS, 10000, &b), NM_BATT_EOS);
  /* More drawn than the capacity: empty, not a wrap-around. */
  r = reading(900000, 950000);
  assert_int_equal(nm_batt_eval(&cfg, &r, NM_BATT_OK, 10000, &b), NM_BATT_EOS);
  assert_int_equal(b.remaining_uah, 0);
  /* No gauge (a bench supply): OK. */
  r = reading(0, 0);
  assert_int_equal(nm_batt_eval(&cfg, &r, NM_BATT_OK, 10000, &b), NM_BATT_OK);
}

static void test_rechargeable_thresholds(void **state) {
  (void)state;
  nm_batt_cfg_t cfg;
  nm_batt_t b;
  nm_batt_defaults(&cfg, NM_CELL_RECHARGEABLE);
  uint64_t na = 100000; /* 100 uA: 45 mAh last 450 h, no ERI */
  nm_batt_reading_t r = reading(60000, 45000); /* 25.0 % left */
  assert_int_equal(nm_batt_eval(&cfg, &r, NM_BATT_OK, na, &b), NM_BATT_LOW);
  r = reading(60000, 44940); /* 25.1 % */
  assert_int_equal(nm_batt_eval(&cfg, &r, NM_BATT_OK, na, &b), NM_BATT_OK);
  r = reading(60000, 58800); /* 2.0 %: depleted */
  assert_int_equal(nm_batt_eval(&cfg, &r, NM_BATT_LOW, na, &b), NM_BATT_EOS);
  r = reading(60000, 58740); /* 2.1 % */
  assert_int_equal(nm_batt_eval(&cfg, &r, NM_BATT_LOW, na, &b), NM_BATT_LOW);
  /* Hysteresis: once depleted, off until over 10 %. */
  r = reading(60000, 54000); /* 10.0 % */
  assert_int_equal(nm_batt_eval(&cfg, &r, NM_BATT_EOS, na, &b), NM_BATT_EOS);
  r = reading(60000, 53940); /* 10.1 % */
  assert_int_equal(nm_batt_eval(&cfg, &r, NM_BATT_EOS, na, &b), NM_BATT_LOW);
  /* ERI: a full charge (75 % of the capacity) lasting less than a day. 45 mAh / 24 h =
   * 1.875 mA: at that current exactly a day, one nA more is less. */
  r = reading(60000, 0);
  assert_int_equal(nm_batt_eval(&cfg, &r, NM_BATT_OK, 1875000, &b), NM_BATT_OK);
  assert_int_equal(nm_batt_eval(&cfg, &r, NM_BATT_OK, 1875001, &b), NM_BATT_ERI);
  /* EOS: capacity faded below 60 % of rated. */
  r = reading(36000, 0);
  assert_int_equal(nm_batt_eval(&cfg, &r, NM_BATT_OK, na, &b), NM_BATT_OK);
  r = reading(35999, 0);
  assert_int_equal(nm_batt_eval(&cfg, &r, NM_BATT_OK, na, &b), NM_BATT_EOS);
}

static void test_longevity(void **state) {
  (void)state;
  nm_batt_cfg_t cfg;
  nm_longevity_t lg;
  nm_batt_defaults(&cfg, NM_CELL_PRIMARY);
  /* 810 mAh to ERI at 13.875 uA: 58,378 h (the snm-default figure). */
  nm_batt_longevity(&cfg, 13875, &lg);
  assert_int_equal(lg.hours_to_eri, 810000ull * 1000u / 13875u);
  assert_int_equal(lg.hours_to_eos, 891000ull * 1000u / 13875u);
  assert_int_equal(nm_batt_hours_to_eri(&cfg, 90000, 900000, 13875), 0);
  assert_int_equal(nm_batt_hours_to_eri(&cfg, 90000 + 13875, 900000, 13875), 1000);
  nm_batt_defaults(&cfg, NM_CELL_RECHARGEABLE);
  nm_batt_longevity(&cfg, 100000, &lg);
  assert_int_equal(lg.recharge_interval_mh, 450000); /* 45 mAh at 100 uA: 450 h */
  assert_int_equal(lg.service_hours, 20ull * 8766u); /* the calendar life comes first */
  /* More current: fewer hours per charge, and ERI before the calendar life. */
  nm_longevity_t hi;
  nm_batt_longevity(&cfg, 1500000, &hi);
  assert_true(hi.service_hours < lg.service_hours);
  assert_true(hi.recharges > lg.recharges);
  nm_batt_longevity(&cfg, 2000000, &hi); /* a full charge lasts 22.5 h: ERI from new */
  assert_int_equal(hi.service_hours, 0);
}

static void test_energy_model(void **state) {
  (void)state;
  nm_energy_cfg_t e;
  nm_energy_defaults(&e);
  /* 1 mA x 210 us at 525 ohm: the supply sits at its 3 V floor:
   * 1000 x 210 x 3000 x 1000 / (3200 x 700) = 281,250 pC. */
  assert_int_equal(nm_energy_phase_pc(&e, -1000, 210, 525, 12000), 281250);
  /* 10 mA x 1000 ohm needs 11 V with the headroom: capped at the 10 V compliance. */
  assert_int_equal(nm_energy_phase_pc(&e, 10000, 100, 1000, 10000), 10000ull * 100u * 10000u * 1000u / (3200u * 700u));
  assert_int_equal(nm_energy_phase_pc(&e, 10000, 100, 1000, 12000), 10000ull * 100u * 11000u * 1000u / (3200u * 700u));
  /* A program's average current: pulses per second times both phases, plus quiescent. */
  nm_prog_t p = tu_tonic(14, 210, 1000);
  const nm_prog_t *pp = &p;
  uint32_t amp = 1000;
  assert_int_equal(nm_energy_programs_na(&e, &pp, &amp, 1, 525, 12000), 14u * 2u * 281250u / 1000u + e.quiescent_na);
  /* Cycling 10 s on (1 s of ramp) / 30 s off: (10 - 1) / 40 of the time. */
  p.cyc_on_s = 10;
  p.cyc_off_s = 30;
  p.ramp_ms = 1000;
  assert_int_equal(nm_energy_programs_na(&e, &pp, &amp, 1, 525, 12000),
                   14u * 2u * 281250u * 9u / 40u / 1000u + e.quiescent_na);
}

static void test_impedance_classes(void **state) {
  (void)state;
  assert_int_equal(nm_dev_imp_class(0), NM_IMP_SHORT);
  assert_int_equal(nm_dev_imp_class(NM_IMP_SHORT_MAX_OHM), NM_IMP_SHORT);
  assert_int_equal(nm_dev_imp_class(NM_IMP_SHORT_MAX_OHM + 1), NM_IMP_NORMAL);
  assert_int_equal(nm_dev_imp_class(NM_IMP_HIGH_MIN_OHM - 1), NM_IMP_NORMAL);
  assert_int_equal(nm_dev_imp_class(NM_IMP_HIGH_MIN_OHM), NM_IMP_HIGH);
  assert_int_equal(nm_dev_imp_class(NM_IMP_OPEN_MIN_OHM - 1), NM_IMP_HIGH);
  assert_int_equal(nm_dev_imp_class(NM_IMP_OPEN_MIN_OHM), NM_IMP_OPEN);
  assert_int_equal(nm_dev_imp_class(UINT32_MAX), NM_IMP_OPEN);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_primary_thresholds), cmocka_unit_test(test_rechargeable_thresholds),
      cmocka_unit_test(test_longevity),          cmocka_unit_test(test_energy_model),
      cmocka_unit_test(test_impedance_classes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
