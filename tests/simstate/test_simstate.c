/* test_simstate.c: the files of `nmod sim`'s state folder that describe the hardware
 * (host/lib/simstate.c), parsed on their own: what is written reads back, a value the
 * simulator cannot build is refused naming its field (an unknown lead reached sim_init as
 * NULL; `nmod sim` on such a folder is tests/e2e/test_sim_fault.c's), and battery.json's
 * recharges never wrap (found by tests/fuzz/fuzz_simstate). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "nmod/battery.h"
#include "nmod/core.h"
#include "nmod/dev.h"
#include "nmod/profile.h"
#include "simstate.h"


static void test_hardware_roundtrip(void **state_) {
  (void)state_;
  static const char *const leads[] = {"snm-tined-4", "scs-perc-8", "scs-paddle-16"};
  for (int k = 0; k < 2; k++) {
    for (int l = 0; l < 3; l++) {
      int cell = 1 - k, profile = cell == NM_CELL_RECHARGEABLE ? NM_PROFILE_SENZA : NM_PROFILE_F15;
      sst_hardware_t hw = {k, l == 0 ? NM_THERAPY_SNM : NM_THERAPY_SCS, nm_lead_by_name(leads[l]), cell, profile}, back;
      char line[256], err[256];
      size_t n = sst_format_hardware(&hw, line, sizeof line);
      assert_true(n > 0);
      assert_int_equal(sst_parse_hardware(line, n, "hardware.json", &back, err, sizeof err), 0);
      assert_memory_equal(&hw, &back, sizeof hw);
    }
  }
}

/* Every value that does not name a thing the simulator knows is refused, with its name. */
static void test_hardware_unknown_values(void **state_) {
  (void)state_;
  static const struct {
    const char *text, *says;
  } bad[] = {
      {"{\"kind\":\"ins\",\"therapy\":\"snm\",\"lead\":\"custom\",\"battery\":\"primary\"}", "'hw.json': \"lead\" is not one"},
      {"{\"kind\":\"ins\",\"therapy\":\"snm\",\"lead\":\"dbs-8\",\"battery\":\"primary\"}", "\"lead\" is not one"},
      {"{\"kind\":\"xyz\",\"therapy\":\"snm\",\"lead\":\"snm-tined-4\",\"battery\":\"primary\"}", "\"kind\" is not one"},
      {"{\"kind\":\"ins\",\"therapy\":\"dbs\",\"lead\":\"snm-tined-4\",\"battery\":\"primary\"}", "\"therapy\" is not"},
      {"{\"kind\":\"ins\",\"therapy\":\"snm\",\"lead\":\"snm-tined-4\",\"battery\":\"nuclear\"}", "\"battery\" is not"},
      {"{\"kind\":\"ins\",\"therapy\":\"snm\",\"lead\":\"snm-tined-4\"}", "\"battery\" is missing"},
      {"{\"kind\":\"ins\",\"therapy\":\"snm\",\"lead\":\"snm-tined-4\",\"battery\":\"primary\",\"profile\":\"x\"}",
       "\"profile\" is not one this simulator knows: it must be one of nmod-primary"},
      {"{\"kind\":\"ins\",\"therapy\":\"snm\",\"lead\":\"snm-tined-4\",\"battery\":\"primary\",\"profile\":7}", "\"profile\" is not one"},
      {"{\"kind\":\"ins\",\"therapy\":\"snm\",\"lead\":\"snm-tined-4\",\"battery\":\"primary\",\"profile\":\"r20-like\"}",
       "r20-like has a rechargeable cell but \"battery\" says primary"},
      {"{\"kind\":", "'hw.json' is damaged"},
      {"[1]", "not an object"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    sst_hardware_t hw;
    char err[256] = "";
    assert_int_equal(sst_parse_hardware(bad[i].text, strlen(bad[i].text), "hw.json", &hw, err, sizeof err), -1);
    if (!strstr(err, bad[i].says)) fail_msg("'%s': message '%s' does not say %s", bad[i].text, err, bad[i].says);
    assert_null(strchr(err, '\n'));
  }
}

/* A folder from before profiles names none: nmod's reference for its cell. */
static void test_hardware_without_profile(void **state_) {
  (void)state_;
  const char *old[] = {"{\"kind\":\"ins\",\"therapy\":\"snm\",\"lead\":\"snm-tined-4\",\"battery\":\"primary\"}",
                       "{\"kind\":\"ets\",\"therapy\":\"scs\",\"lead\":\"scs-perc-8\",\"battery\":\"rechargeable\"}"};
  const int want[] = {NM_PROFILE_NMOD_PRIMARY, NM_PROFILE_NMOD_RECHARGEABLE};
  for (int i = 0; i < 2; i++) {
    sst_hardware_t hw;
    char err[256], line[256];
    assert_int_equal(sst_parse_hardware(old[i], strlen(old[i]), "hw.json", &hw, err, sizeof err), 0);
    assert_int_equal(hw.profile, want[i]);
    /* Written again, the profile is named. */
    size_t n = sst_format_hardware(&hw, line, sizeof line);
    assert_non_null(strstr(line, i ? "\"profile\":\"nmod-rechargeable\"" : "\"profile\":\"nmod-primary\""));
    assert_true(n > 0);
  }
}

static void test_battery(void **state_) {
  (void)state_;
  sst_battery_t b;
  char err[256];
  const char *ok = "{\"used_pc\":3714066720,\"throughput_pc\":3714066720,\"recharges\":4294967295}";
  assert_int_equal(sst_parse_battery(ok, strlen(ok), &b, err, sizeof err), 0);
  assert_true(b.used_pc == 3714066720u && b.throughput_pc == 3714066720u && b.recharges == UINT32_MAX);
  /* One more recharge than a u32 holds used to wrap to 1. */
  const char *wrap = "{\"used_pc\":1,\"throughput_pc\":2,\"recharges\":4294967297}";
  assert_int_equal(sst_parse_battery(wrap, strlen(wrap), &b, err, sizeof err), -1);
  assert_non_null(strstr(err, "recharges"));
  const char *neg = "{\"used_pc\":-1,\"throughput_pc\":2,\"recharges\":0}";
  assert_int_equal(sst_parse_battery(neg, strlen(neg), &b, err, sizeof err), -1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_hardware_roundtrip),
      cmocka_unit_test(test_hardware_unknown_values),
      cmocka_unit_test(test_hardware_without_profile),
      cmocka_unit_test(test_battery),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
