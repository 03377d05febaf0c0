/* eva_battery.c: the driver of tests/battery/eva.sh: Frama-C's EVA runs every function of
 * energy.c, battery.c, batt_life.c and profile.c on inputs of any value (any profile, any
 * pattern, any reading, any gauge state, any time) and must raise no alarm: no overflow, no
 * division by zero, no access out of bounds, for any input. nm_energy_programs is left out:
 * it calls the planner, whose contract is programs the safety supervisor passed (the
 * planner is make prove's). Not compiled into the tests: Frama-C's own builtins. */
#include "__fc_builtin.h"
#include "nmod/battery.h"
#include "nmod/energy.h"
#include "nmod/profile.h"

/* Any value. */
static uint32_t u32(void) { return Frama_C_unsigned_int_interval(0, 4294967295u); }
static uint64_t u64(void) { uint64_t v; Frama_C_make_unknown((char *)&v, sizeof v); return v; }

int main(void) {
  nm_profile_t pf;
  Frama_C_make_unknown((char *)&pf, sizeof pf);
  pf.name = "x"; pf.label = "y";
  nm_pattern_t pat;
  Frama_C_make_unknown((char *)&pat, sizeof pat);
  nm_draw_t d, d2;
  d.supply_fw = u64(); d.fixed_pa = u64();
  nm_energy_pattern(&pf, &pat, u32(), u32(), &d2);
  (void)nm_energy_phase_fj(&pf, u32(), u32(), u32(), u32());
  (void)nm_energy_battery_na(&pf, &d, u32());
  (void)nm_energy_charge_na(&pf, u32());
  (void)nm_energy_fixed_na(&pf);
  nm_longevity_t lg;
  nm_batt_longevity(&pf, &d, &lg);
  (void)nm_batt_mh_between(&pf, &d, u32(), u32(), u32());
  (void)nm_batt_judge(&pf, u32(), u32(), u64(), (uint8_t)Frama_C_interval(0, 255));
  nm_gauge_t g;
  Frama_C_make_unknown((char *)&g, sizeof g);
  nm_batt_reading_t r;
  Frama_C_make_unknown((char *)&r, sizeof r);
  nm_batt_t out;
  nm_gauge_start(&g, &pf, &r, u64());
  nm_gauge_account(&g, &pf, u64(), &d);
  Frama_C_make_unknown((char *)&g, sizeof g);
  (void)nm_gauge_read(&g, &pf, &r, (uint8_t)Frama_C_interval(0, 255), u64(), &out);
  Frama_C_make_unknown((char *)&g, sizeof g);
  (void)nm_gauge_ff_room(&g, &pf, u64(), u64());
  (void)nm_ocv_mv((uint8_t)Frama_C_interval(0, 255), u32());
  (void)nm_ocv_soc_pm((uint8_t)Frama_C_interval(0, 255), u32());
  (void)nm_profile_get((uint8_t)Frama_C_interval(0, 255));
  (void)nm_profile_resolve((uint8_t)Frama_C_interval(0, 255), (uint8_t)Frama_C_interval(0, 255));
  return 0;
}
