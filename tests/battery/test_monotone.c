/* test_monotone.c: a property test, for every profile: from random legal settings, more
 * amplitude, width, rate or impedance never lasts longer (years to ERI, days between
 * recharges, what an hour of charging lasts) and never needs fewer minutes on the charger.
 * The seed is printed (replay with NMOD_SEED). */
#include "testutil.h"
#include "nmod/battery.h"
#include "nmod/safety.h"

#define TRIALS 400

typedef struct {
  uint64_t eri_mh, interval_mh, one_hour_mh;
  uint32_t min_x10;
} life_t;

static int life_of(const nm_profile_t *pf, const nm_prog_t *p, const nm_lead_t *lead, uint32_t ohm, life_t *out) {
  nm_load_t load = {ohm, NM_COMPLIANCE_DEFAULT_MV};
  nm_safety_report_t rep;
  if (nm_safety_check(p, lead, &load, &rep) == NM_VERDICT_REFUSE) return 0;
  const nm_prog_t *pp = p;
  uint32_t amp = p->amp_ua;
  nm_draw_t d;
  nm_energy_programs(pf, &pp, &amp, 1, ohm, NM_COMPLIANCE_DEFAULT_MV, &d);
  nm_longevity_t lg;
  nm_batt_longevity(pf, &d, &lg);
  out->eri_mh = lg.eri_mh;
  out->interval_mh = lg.interval_mh;
  out->one_hour_mh = lg.one_hour_mh;
  out->min_x10 = lg.charge_mmin;
  return 1;
}

/* b has more of something than a: it may not last longer. */
static int no_longer(const life_t *a, const life_t *b) {
  return b->eri_mh <= a->eri_mh && b->interval_mh <= a->interval_mh && b->one_hour_mh <= a->one_hour_mh &&
         b->min_x10 >= a->min_x10;
}

static nm_prog_t random_prog(uint64_t *s) {
  nm_prog_t p;
  memset(&p, 0, sizeof p);
  strcpy(p.name, "r");
  p.wave = tu_range(s, 0, 2);
  p.frac_pct[0] = -100;
  p.frac_pct[1] = 100;
  if (p.wave == NM_WAVE_HF) {
    p.rate_hz = NM_HF_RATE_HZ;
    p.width_us = tu_range(s, 10, 40);
  } else if (p.wave == NM_WAVE_BURST) {
    p.rate_hz = tu_range(s, 10, 60);
    p.burst_pulses = tu_range(s, 2, 6);
    p.intra_hz = 500;
    p.width_us = tu_range(s, 50, 600);
  } else {
    p.rate_hz = tu_range(s, 2, 200);
    p.width_us = tu_range(s, 60, 450);
  }
  p.amp_ua = tu_range(s, 1, 60) * NM_AMP_STEP_UA;
  p.pt_min_ua = 0;
  p.pt_max_ua = NM_AMP_MAX_UA;
  if (tu_range(s, 0, 2) == 0) {
    p.cyc_on_s = tu_range(s, 1, 60);
    p.cyc_off_s = tu_range(s, 1, 300);
  }
  return p;
}

static void test_monotone(void **state) {
  (void)state;
  uint64_t s = tu_seed("battery monotone");
  nm_lead_t lead = tu_lead(NM_LEAD_SCS_PERC_8);
  for (uint8_t id = 1; id < NM_PROFILE_COUNT; id++) {
    const nm_profile_t *pf = nm_profile_get(id);
    int checked = 0;
    for (int n = 0; n < TRIALS; n++) {
      nm_prog_t p = random_prog(&s);
      uint32_t ohm = tu_range(&s, 200, 2500);
      life_t base, more;
      if (!life_of(pf, &p, &lead, ohm, &base)) continue;
      /* One thing more at a time; a setting the supervisor refuses is skipped. */
      for (int what = 0; what < 4; what++) {
        nm_prog_t q = p;
        uint32_t o = ohm;
        if (what == 0) q.amp_ua += NM_AMP_STEP_UA * tu_range(&s, 1, 5);
        else if (what == 1) q.width_us += tu_range(&s, 1, 40);
        else if (what == 2 && q.wave != NM_WAVE_HF) q.rate_hz += tu_range(&s, 1, 10);
        else if (what == 3) o += tu_range(&s, 1, 500);
        else continue;
        if (!life_of(pf, &q, &lead, o, &more)) continue;
        if (!no_longer(&base, &more)) {
          printf("  %s: %s %u Hz %u us %u uA at %u ohm -> change %d (%u Hz %u us %u uA %u ohm) lasts longer\n", pf->name,
                 nm_wave_name(p.wave), p.rate_hz, p.width_us, p.amp_ua, ohm, what, q.rate_hz, q.width_us, q.amp_ua, o);
        }
        assert_true(no_longer(&base, &more));
        checked++;
      }
    }
    printf("  %s: %d changes checked\n", pf->name, checked);
    assert_true(checked > TRIALS / 2); /* most settings are legal: the test tests something */
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_monotone)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
