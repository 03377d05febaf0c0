/* test_cm_out.c: the Cortex-M output stage's limiter on the target (the ASIC model,
 * cm_out.c, with the limiter the simulator uses: ports/limiter). On every catalog lead, at
 * real widths: the supervisor's highest accepted amplitude is delivered; one 0.1 mA step
 * more trips the stage with the node, the charge and the bound recorded, and delivers
 * nothing; the ceilings are the supervisor's highest accepted charges. */
#include "testutil.h"
#include "cm_port.h"
#include "limtest.h"

#define RUN_US 300000u /* 300 ms: four or five frames at 14 Hz */

static void run_for(uint64_t us) {
  uint64_t until = cm_now_us() + us;
  while (cm_wait(until) != CM_EV_TIME) {
  }
}

static void test_ceilings_are_the_supervisors(void **state) {
  (void)state;
  for (uint8_t m = 1; m < NM_LEAD_COUNT; m++) {
    const nm_lead_t *lead = nm_lead_catalog(m);
    (void)cm_port_init(lead, 525);
    olim_t lim;
    olim_trip_t trip;
    cm_out_limiter(&lim, &trip);
    assert_int_equal(trip.why, NM_OUT_TRIP_NONE);
    for (uint8_t n = 0; n < NM_NODES; n++) {
      uint32_t area = nm_lead_node_area_um2(lead, n);
      if (area == 0) {
        assert_int_equal(lim.ceil_pc[n], 0);
        continue;
      }
      assert_int_equal(lim.ceil_pc[n], nm_safety_max_charge_pc(area));
    }
  }
}

static void test_step_above_the_supervisor_trips(void **state) {
  (void)state;
  const uint32_t widths[] = {210, 1000};
  int checked = 0;
  for (uint8_t m = 1; m < NM_LEAD_COUNT; m++) {
    const nm_lead_t *lead = nm_lead_catalog(m);
    for (int w = 0; w < 2; w++) {
      uint32_t best = lt_best_amp_ua(lead, widths[w]);
      if (best == NM_AMP_MAX_UA) continue;
      const nm_port_t *port = cm_port_init(lead, 525);
      nm_pattern_t p = lt_pulse(0, 1, 1, (int32_t)best, widths[w]);
      assert_int_equal(port->out_load(port->ctx, &p), NM_OK);
      run_for(RUN_US);
      cm_out_count_t cnt;
      cm_out_counts(&cnt);
      assert_true(cnt.pulses >= 4);
      assert_int_equal(cnt.node_max_pc[0], best * widths[w]);

      port = cm_port_init(lead, 525);
      p = lt_pulse(0, 1, 1, (int32_t)(best + NM_AMP_STEP_UA), widths[w]);
      assert_int_equal(port->out_load(port->ctx, &p), NM_EREFUSED);
      run_for(RUN_US);
      nm_out_status_t st;
      port->out_status(port->ctx, &st);
      assert_int_equal(st.tripped, NM_OUT_TRIP_CHARGE);
      assert_int_equal(st.trip_node, 0);
      assert_int_equal(st.trip_charge_pc, (best + NM_AMP_STEP_UA) * widths[w]);
      assert_false(st.running);
      olim_t lim;
      olim_trip_t trip;
      cm_out_limiter(&lim, &trip);
      assert_int_equal(trip.bound, m == NM_LEAD_SCS_PADDLE_16 ? OLIM_BOUND_DENSITY : OLIM_BOUND_SHANNON);
      cm_out_counts(&cnt);
      assert_int_equal(cnt.pulses, 0);
      checked++;
    }
  }
  assert_true(checked >= 4);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ceilings_are_the_supervisors),
      cmocka_unit_test(test_step_above_the_supervisor_trips),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
