/* test_battery.c: the battery states at their exact boundaries, the longevity arithmetic,
 * the energy model, the fuel gauge, the cells' voltage curves, the profile table and the
 * impedance classes. */
#include "testutil.h"
#include "nmod/battery.h"
#include "nmod/dev.h"
#include "nmod/energy.h"
#include "nmod/profile.h"

static const nm_profile_t *prof(uint8_t id) {
  const nm_profile_t *p = nm_profile_get(id);
  assert_non_null(p);
  return p;
}

static void test_primary_thresholds(void **state) {
  (void)state;
  const nm_profile_t *p = prof(NM_PROFILE_NMOD_PRIMARY);
  uint32_t cap = nm_batt_usable_uah(p);
  assert_int_equal(cap, 950000); /* 1000 mAh x 95 % */
  assert_int_equal(nm_batt_judge(p, cap, 0, 5000, NM_BATT_OK), NM_BATT_OK);
  /* ERI at exactly 10 % of the usable capacity left (95,000 uAh), not one uAh before. */
  assert_int_equal(nm_batt_judge(p, cap, 855000 - 1, 5000, NM_BATT_OK), NM_BATT_OK);
  assert_int_equal(nm_batt_judge(p, cap, 855000, 5000, NM_BATT_OK), NM_BATT_ERI);
  /* EOS at exactly 1 % left. */
  assert_int_equal(nm_batt_judge(p, cap, 940500 - 1, 5000, NM_BATT_ERI), NM_BATT_ERI);
  assert_int_equal(nm_batt_judge(p, cap, 940500, 5000, NM_BATT_ERI), NM_BATT_EOS);
  /* A primary cell never comes back from EOS; more drawn than it holds is empty. */
  assert_int_equal(nm_batt_judge(p, cap, 0, 5000, NM_BATT_EOS), NM_BATT_EOS);
  assert_int_equal(nm_batt_judge(p, cap, cap + 5, 5000, NM_BATT_OK), NM_BATT_EOS);
}

static void test_rechargeable_thresholds(void **state) {
  (void)state;
  const nm_profile_t *p = prof(NM_PROFILE_NMOD_RECHARGEABLE);
  uint32_t cap = nm_batt_usable_uah(p);
  assert_int_equal(cap, 54000); /* 60 mAh x 90 % */
  uint64_t na = 100000;
  assert_int_equal(nm_batt_judge(p, cap, 40500, na, NM_BATT_OK), NM_BATT_LOW); /* 25.0 % left */
  assert_int_equal(nm_batt_judge(p, cap, 40499, na, NM_BATT_OK), NM_BATT_OK);
  assert_int_equal(nm_batt_judge(p, cap, 52920, na, NM_BATT_LOW), NM_BATT_EOS); /* 2.0 %: depleted */
  assert_int_equal(nm_batt_judge(p, cap, 52919, na, NM_BATT_LOW), NM_BATT_LOW);
  /* Hysteresis: once depleted, off until over 10 %. */
  assert_int_equal(nm_batt_judge(p, cap, 48600, na, NM_BATT_EOS), NM_BATT_EOS);
  assert_int_equal(nm_batt_judge(p, cap, 48599, na, NM_BATT_EOS), NM_BATT_LOW);
  /* ERI: a full charge (75 % of it) lasting less than a day: 40,500 uAh / 24 h =
   * 1,687,500 nA exactly a day, one nA more is less. */
  assert_int_equal(nm_batt_judge(p, cap, 0, 1687500, NM_BATT_OK), NM_BATT_OK);
  assert_int_equal(nm_batt_judge(p, cap, 0, 1687501, NM_BATT_OK), NM_BATT_ERI);
  /* EOS: faded below 60 % of new. */
  assert_int_equal(nm_batt_judge(p, 32400, 0, na, NM_BATT_OK), NM_BATT_OK);
  assert_int_equal(nm_batt_judge(p, 32399, 0, na, NM_BATT_OK), NM_BATT_EOS);
}

static void test_energy_model(void **state) {
  (void)state;
  const nm_profile_t *p = prof(NM_PROFILE_NMOD_PRIMARY); /* floor 1.2 V, 0.5 V headroom, 80 % to 2.7 V, 60 % from 2.8 V */
  /* 1 mA x 210 us at 525 ohm needs 1.025 V: the 1.2 V floor, 80 %: 1000 x 210 x 1200 x 1000 / 800. */
  assert_int_equal(nm_energy_supply_mv(p, 1000, 525, 12000), 1200);
  assert_int_equal(nm_energy_phase_fj(p, 1000, 210, 525, 12000), 315000000ull);
  /* 3 mA at 1000 ohm needs 3.5 V: on the charge pump, 60 %. */
  assert_int_equal(nm_energy_phase_fj(p, 3000, 210, 1000, 12000), 3000ull * 210u * 3500u * 1000u / 600u);
  /* Between the points, linear: 2.75 V is 70 %. */
  assert_int_equal(nm_energy_eff_pm(p, 2750), 700);
  assert_int_equal(nm_energy_eff_pm(p, 100), 800);
  assert_int_equal(nm_energy_eff_pm(p, 60000), 600);
  /* Capped at the compliance voltage. */
  assert_int_equal(nm_energy_supply_mv(p, 10000, 1000, 10000), 10000);
  /* Out-of-range inputs are clamped, never wrapped. */
  assert_true(nm_energy_phase_fj(p, UINT32_MAX, UINT32_MAX, UINT32_MAX, UINT32_MAX) > 0);
  /* A program's draw: both phases (nmod's reference recharges actively), 14 a second,
   * 1 nC of fixed charge each; at 3 V: 630e6 x 14 / 3000 / 1000 pA -> nA, plus the fixed
   * costs (3 uA quiescent + 24 uAh a day = 4 uA). */
  nm_prog_t t = tu_tonic(14, 210, 1000);
  const nm_prog_t *pp = &t;
  uint32_t amp = 1000;
  nm_draw_t d;
  nm_energy_programs(p, &pp, &amp, 1, 525, 12000, &d);
  assert_int_equal(d.supply_fw, 630000000ull * 14u);
  assert_int_equal(d.fixed_pa, 14000);
  assert_int_equal(nm_energy_fixed_na(p), 4000);
  assert_int_equal(nm_energy_battery_na(p, &d, 3000), 2940u + 14u + 4000u);
  /* Passive recharge: the InterStim II-like profile pays for the stimulating phase only. */
  const nm_profile_t *is = prof(NM_PROFILE_INTERSTIM2);
  nm_draw_t dp;
  nm_energy_programs(is, &pp, &amp, 1, 525, 12000, &dp);
  assert_int_equal(dp.supply_fw, nm_energy_phase_fj(is, 1000, 210, 525, 12000) * 14u);
  /* Cycling 10 s on (1 s of ramp) / 30 s off: (10 - 1) / 40 of the time, in 2^20 parts. */
  t.cyc_on_s = 10;
  t.cyc_off_s = 30;
  t.ramp_ms = 1000;
  nm_draw_t dc;
  nm_energy_programs(p, &pp, &amp, 1, 525, 12000, &dc);
  uint64_t want = d.supply_fw * 9u / 40u;
  assert_true(dc.supply_fw <= want && want - dc.supply_fw <= want / 100000u + 1u);
  /* A charger: 100 mW x 50 % into a 3.75 V cell is 13.3 mA; a primary cell has none. */
  const nm_profile_t *r = prof(NM_PROFILE_NMOD_RECHARGEABLE);
  assert_int_equal(nm_energy_charge_na(r, 3750), 100000ull * 500u * 1000u / 3750u);
  assert_int_equal(nm_energy_charge_na(p, 3750), 0);
}

static void test_longevity(void **state) {
  (void)state;
  const nm_profile_t *p = prof(NM_PROFILE_NMOD_PRIMARY);
  nm_draw_t none = {0, 0};
  nm_longevity_t lg;
  /* Fixed costs only (4 uA, whatever the voltage): 855 mAh to ERI take 213,750 h, summed
   * per segment of the curve without a remainder. */
  nm_batt_longevity(p, &none, &lg);
  assert_int_equal(lg.eri_mh, 213750000ull);
  assert_int_equal(lg.eos_mh, 940500ull * 1000u * 1000u / 4000u);
  assert_int_equal(nm_batt_mh_between(p, &none, 950000, 100, 1000), 0);
  assert_int_equal(nm_batt_mh_between(p, &none, 950000, 1000, 500), 475000ull * 1000u * 1000u / 4000u);
  /* Power is drawn as more current from a lower voltage: a draw lasts longer on the full
   * half of the curve than on the empty half. */
  nm_draw_t d = {1000000000000ull, 0}; /* 1 mW at the supply */
  assert_true(nm_batt_mh_between(p, &d, 950000, 1000, 500) > nm_batt_mh_between(p, &d, 950000, 500, 0));
  /* Rechargeable: the interval, one hour of charging, the time on the charger and the
   * minutes per day follow one another. */
  const nm_profile_t *r = prof(NM_PROFILE_NMOD_RECHARGEABLE);
  nm_batt_longevity(r, &none, &lg);
  uint64_t use = nm_energy_fixed_na(r); /* 8 uA */
  assert_int_equal(lg.interval_mh, 54000ull * 750u * 1000u / use);
  assert_int_equal(lg.service_mh, 20ull * 8766000u); /* the calendar life comes first */
  assert_true(lg.one_hour_mh > 0 && lg.charge_h_mh > 0);
  assert_true(lg.charge_mmin > 0);
  /* Drawing more: shorter intervals, more minutes on the charger, ERI before the life. */
  nm_draw_t big = {3000000000000ull, 0}; /* 3 mW: about 0.8 mA */
  nm_longevity_t hi;
  nm_batt_longevity(r, &big, &hi);
  assert_true(hi.interval_mh < lg.interval_mh && hi.charge_mmin > lg.charge_mmin);
  nm_draw_t huge = {8000000000000ull, 0}; /* 8 mW, ~2.1 mA: a full charge lasts under a day */
  nm_batt_longevity(r, &huge, &hi);
  assert_true(hi.interval_mh < 24000u);
  assert_int_equal(hi.service_mh, 0);
}

static nm_batt_reading_t at_mv(uint32_t mv) {
  nm_batt_reading_t r;
  memset(&r, 0, sizeof r);
  r.voltage_mv = mv;
  return r;
}

static void test_gauge(void **state) {
  (void)state;
  const nm_profile_t *p = prof(NM_PROFILE_NMOD_PRIMARY);
  nm_gauge_t g;
  nm_batt_t b;
  memset(&g, 0, sizeof g);
  /* A full cell: the count starts at 0. */
  nm_batt_reading_t r = at_mv(nm_ocv_mv(p->chem, 1000));
  assert_int_equal(nm_gauge_read(&g, p, &r, NM_BATT_OK, 0, &b), NM_BATT_OK);
  assert_int_equal(b.soc_pm, 1000);
  /* A draw of 1 uW at the supply from 3.2 V for an hour, plus 4 uA fixed: counted at the
   * change, no wake needed. 1e9 fW / 3200 mV / 1000 = 312 nA. */
  nm_draw_t d = {1000000000ull, 0};
  nm_gauge_account(&g, p, 0, &d);
  nm_gauge_account(&g, p, 3600000000ull, NULL);
  assert_int_equal(g.used_nc, (312ull + 4000u) * 3600u);
  /* A voltage the count disagrees with pulls it into the voltage's band: the cell reads
   * 50 % while the count says ~100 %. */
  r = at_mv(nm_ocv_mv(p->chem, 500));
  nm_gauge_read(&g, p, &r, NM_BATT_OK, 3600000000ull, &b);
  uint32_t hi = nm_ocv_soc_pm(p->chem, r.voltage_mv + NM_GAUGE_TOL_MV);
  assert_true(b.soc_pm <= hi && b.soc_pm >= hi - 1u);
  /* A bench supply (no cell) reads OK and full. */
  r = at_mv(0);
  assert_int_equal(nm_gauge_read(&g, p, &r, NM_BATT_OK, 3600000001ull, &b), NM_BATT_OK);
  assert_int_equal(b.soc_pm, 1000);
  /* Rechargeable: charging adds what the charger says, full resets the count. */
  const nm_profile_t *q = prof(NM_PROFILE_NMOD_RECHARGEABLE);
  memset(&g, 0, sizeof g);
  r = at_mv(nm_ocv_mv(q->chem, 500));
  nm_gauge_read(&g, q, &r, NM_BATT_OK, 0, &b);
  uint64_t used = g.used_nc;
  r.charging = 1;
  r.charge_ua = 10000; /* 10 mA */
  nm_gauge_read(&g, q, &r, NM_BATT_OK, 0, &b);
  nm_gauge_read(&g, q, &r, NM_BATT_OK, 60000000ull, &b); /* a minute on the charger */
  uint64_t fixed = nm_energy_fixed_na(q) * 60u;
  assert_int_equal(g.used_nc, used + fixed - 10000000ull * 60u);
  r.full = 1;
  nm_gauge_read(&g, q, &r, NM_BATT_OK, 120000000ull, &b);
  assert_int_equal(b.soc_pm, 1000);
  assert_int_equal(g.used_nc, 0);
}

static void test_ocv_curves(void **state) {
  (void)state;
  for (uint8_t chem = 0; chem < NM_CHEM_COUNT; chem++) {
    uint32_t last = 0;
    for (uint32_t s = 0; s <= 1000; s++) {
      uint32_t mv = nm_ocv_mv(chem, s);
      assert_true(mv >= last); /* rising */
      last = mv;
      uint32_t back = nm_ocv_soc_pm(chem, mv);
      assert_true(back <= s && s - back <= 4u); /* the inverse, to within the curve's mV steps */
    }
    assert_int_equal(nm_ocv_soc_pm(chem, 0), 0);
    assert_int_equal(nm_ocv_soc_pm(chem, 99999), 1000);
    assert_int_equal(nm_ocv_mv(chem, 5000), nm_ocv_mv(chem, 1000));
  }
  assert_int_equal(nm_ocv_mv(200, 500), nm_ocv_mv(NM_CHEM_CFX_SVO, 500)); /* unknown: CFx-SVO */
}

static void test_profile_table(void **state) {
  (void)state;
  for (uint8_t id = 1; id < NM_PROFILE_COUNT; id++) {
    const nm_profile_t *p = prof(id);
    assert_int_equal(p->id, id);
    assert_ptr_equal(nm_profile_by_name(p->name), p);
    assert_ptr_equal(nm_profile_resolve(id, p->cell), p);
    assert_true(p->usable_pm > 0 && p->usable_pm <= 1000);
    for (unsigned i = 0; i < NM_EFF_POINTS; i++) assert_true(p->eff_pm[i] >= 100 && p->eff_pm[i] <= 1000);
    for (unsigned i = 0; i + 1 < NM_EFF_POINTS; i++) assert_true(p->eff_mv[i] < p->eff_mv[i + 1]);
    /* Energy per phase never falls as the supply rises (V / eff(V) non-decreasing), which
     * makes longevity fall with impedance and amplitude. */
    uint64_t last = 0;
    for (uint32_t mv = p->floor_mv; mv <= 12000; mv++) {
      uint64_t e = (uint64_t)mv * 1000000u / nm_energy_eff_pm(p, mv);
      assert_true(e + 1u >= last);
      last = e;
    }
    if (p->cell == NM_CELL_PRIMARY) {
      assert_true(p->eos_left_pm < p->eri_left_pm && p->eri_left_pm < 1000);
    } else {
      assert_true(p->depleted_pm < p->resume_pm && p->resume_pm <= p->low_pm && p->low_pm < 1000);
      assert_true(p->charger_uw > 0 && p->charger_eff_pm > 0 && p->life_years > 0);
    }
  }
  assert_null(nm_profile_get(NM_PROFILE_NONE));
  assert_null(nm_profile_get(NM_PROFILE_COUNT));
  assert_null(nm_profile_by_name("no-such"));
  assert_null(nm_profile_by_name(NULL));
  /* Unknown or mismatched: nmod's reference for the cell. */
  assert_int_equal(nm_profile_resolve(NM_PROFILE_NONE, NM_CELL_PRIMARY)->id, NM_PROFILE_NMOD_PRIMARY);
  assert_int_equal(nm_profile_resolve(NM_PROFILE_SENZA, NM_CELL_PRIMARY)->id, NM_PROFILE_NMOD_PRIMARY);
  assert_int_equal(nm_profile_resolve(250, NM_CELL_RECHARGEABLE)->id, NM_PROFILE_NMOD_RECHARGEABLE);
  assert_int_equal(nm_profile_default(NM_THERAPY_SNM), NM_PROFILE_NMOD_PRIMARY);
  assert_int_equal(nm_profile_default(NM_THERAPY_SCS), NM_PROFILE_NMOD_RECHARGEABLE);
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
      cmocka_unit_test(test_energy_model),       cmocka_unit_test(test_longevity),
      cmocka_unit_test(test_gauge),              cmocka_unit_test(test_ocv_curves),
      cmocka_unit_test(test_profile_table),      cmocka_unit_test(test_impedance_classes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
