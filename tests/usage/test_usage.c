/* test_usage.c: usage statistics and the history plot.
 * (a) hist_usage on hand-made event arrays: gaps, partial and whole ISO weeks, zero-therapy
 *     days, shelf days, restarts, merged days, --since, modes, faults, battery, impedance;
 *     expected values worked out by hand in the comments. The JSON round trip that
 *     plot-history relies on (every minute value 0..1440), and bad history documents.
 * (b) End to end with a real `nmod sim` at one virtual day per real second: remote amp ups,
 *     a few days, MRI and therapy off for pregnancy, then `programmer usage --json`,
 *     `programmer history --json` into a file, `plot-history` to SVG, and bad files. */
#include "e2e.h"

#include <math.h>
#include <sys/stat.h>

#include "history.h"
#include "nmod/wire.h"

/* 2026-03-02, a Monday: 56 years after 1970 with 14 leap days (1972..2024) = 20454 days,
 * + 31 (Jan) + 28 (Feb) + 1 = 20514. ISO week 2026-W10. */
#define MON 20514u

/* ---- hand-made events --------------------------------------------------------------- */

static di_event_t evs[2048];
static size_t nev;

static di_event_t *ev(uint32_t t_s, uint8_t type) {
  assert_true(nev < sizeof evs / sizeof evs[0]);
  di_event_t *e = &evs[nev];
  memset(e, 0, sizeof *e);
  e->seq = (uint32_t)nev++;
  e->known = 1;
  e->ev.t_s = t_s;
  e->ev.type = type;
  return e;
}

/* A usage record for `day`, written as the device does: just after the next midnight. */
static void usage(uint32_t day, uint16_t min, uint16_t adj, uint32_t amp_ua, uint8_t modes, uint16_t soc_pm) {
  di_event_t *e = ev((day + 1u) * 86400u + 27u, NM_EV_USAGE);
  e->ev.u.usage.therapy_min = min;
  e->ev.u.usage.adjustments = adj;
  e->ev.u.usage.avg_amp_ua = amp_ua;
  e->ev.u.usage.mode_changes = modes;
  e->ev.u.usage.soc_pm = soc_pm;
}

static void mode(uint32_t t_s, uint8_t from, uint8_t to, uint8_t role, uint8_t reason) {
  di_event_t *e = ev(t_s, NM_EV_MODE);
  e->ev.u.mode.from = from;
  e->ev.u.mode.to = to;
  e->ev.u.mode.role = role;
  e->ev.u.mode.reason = reason;
}

static void fault(uint32_t t_s, uint32_t f, uint32_t detail) {
  di_event_t *e = ev(t_s, NM_EV_FAULT);
  e->ev.u.fault.fault = f;
  e->ev.u.fault.detail = detail;
}

static void lead_stop(uint32_t t_s, uint8_t node, uint8_t progs) {
  di_event_t *e = ev(t_s, NM_EV_LEAD_STOP);
  e->ev.u.lead_stop.node = node;
  e->ev.u.lead_stop.progs = progs;
}

static void battery(uint32_t t_s, uint8_t batt_state, uint16_t soc_pm) {
  di_event_t *e = ev(t_s, NM_EV_BATTERY);
  e->ev.u.battery.state = batt_state;
  e->ev.u.battery.soc_pm = soc_pm;
  e->ev.u.battery.remaining_uah = 12345;
}

static void imp(uint32_t t_s, uint16_t open, uint16_t shrt, uint16_t high, uint16_t jump, uint32_t mean, uint8_t aut) {
  di_event_t *e = ev(t_s, NM_EV_IMPEDANCE);
  e->ev.u.impedance.open = open;
  e->ev.u.impedance.shrt = shrt;
  e->ev.u.impedance.high = high;
  e->ev.u.impedance.jump = jump;
  e->ev.u.impedance.mean_ohm = mean;
  e->ev.u.impedance.auto_check = aut;
}

static void boot(uint32_t t_s, uint32_t n) {
  di_event_t *e = ev(t_s, NM_EV_BOOT);
  e->ev.u.boot.resets = n;
}

static void amp(uint32_t t_s, uint8_t slot, uint32_t ua, uint8_t role) {
  di_event_t *e = ev(t_s, NM_EV_AMP);
  e->ev.u.amp.slot = slot;
  e->ev.u.amp.amp_ua = ua;
  e->ev.u.amp.role = role;
}

/* An event as the device stores it (the firmware's encoder). */
static size_t enc(const di_event_t *e, uint8_t out[NM_LOG_PAYLOAD_MAX]) {
  nm_wr_t w;
  nm_wr_init(&w, out, NM_LOG_PAYLOAD_MAX);
  nm_event_put(&w, &e->ev);
  assert_int_equal(w.err, 0);
  return w.len;
}

static int reset_events(void **s) {
  (void)s;
  nev = 0;
  return 0;
}

/* ---- (a) aggregation ---------------------------------------------------------------- */

static void test_gaps_zero_days_and_means(void **s) {
  (void)s;
  /* Ten calendar days MON..MON+9, records on 0, 1, 2, 5, 6, 9: two gaps of two days. */
  usage(MON + 0, 600, 2, 1000, 0, 990);
  usage(MON + 1, 0, 0, 0, 0, 985); /* a recorded day without therapy: a zero, not a gap */
  usage(MON + 2, 1440, 5, 1500, 0, 980);
  usage(MON + 5, 720, 1, 1200, 0, 970);
  usage(MON + 6, 300, 0, 3000, 0, 965);
  usage(MON + 9, 60, 4, 800, 0, 950);
  hist_usage_t u;
  assert_int_equal(hist_usage(evs, nev, 0, &u), 0);
  assert_int_equal(u.n_days, 6);
  assert_int_equal(u.first_day, MON);
  assert_int_equal(u.last_day, MON + 9);
  assert_int_equal(u.span_days, 10);
  assert_int_equal(u.gap_days, 4);
  assert_null(hist_usage_day(&u, MON + 3));
  assert_null(hist_usage_day(&u, MON + 8));
  assert_non_null(hist_usage_day(&u, MON + 1));
  /* 600 + 0 + 1440 + 720 + 300 + 60 = 3120 min over 6 recorded days (gaps not counted):
   * 520 min = 8.667 h per day. */
  assert_int_equal(u.therapy_min_total, 3120);
  assert_true(fabs((double)u.therapy_min_total / 60.0 / (double)u.n_days - 520.0 / 60.0) < 1e-9);
  assert_int_equal(u.therapy_min_min, 0);
  assert_int_equal(u.min_day, MON + 1);
  assert_int_equal(u.therapy_min_max, 1440);
  assert_int_equal(u.max_day, MON + 2);
  assert_int_equal(u.zero_days, 1);
  /* Weighted: 600*1000 + 1440*1500 + 720*1200 + 300*3000 + 60*800 = 4,572,000 uA*min;
   * / 3120 min = 1465.38 -> 1465 uA. (The zero day's 0 weighs nothing.) */
  assert_int_equal(u.avg_amp_ua, 1465);
  assert_int_equal(u.adjustments_total, 12);
  /* All in ISO week 10 except MON+9 (Wednesday of week 11). */
  assert_int_equal(u.n_weeks, 2);
  assert_int_equal(u.weeks[0].week, 10);
  assert_int_equal(u.weeks[0].days, 5);
  assert_int_equal(u.weeks[0].adjustments, 8);
  assert_int_equal(u.weeks[0].first_day, MON);
  assert_int_equal(u.weeks[1].week, 11);
  assert_int_equal(u.weeks[1].days, 1);
  assert_int_equal(u.weeks[1].first_day, MON + 7);
  assert_int_equal(u.whole_weeks, 0); /* no weekly mean from partial weeks */
  /* Battery: the day-end readings in order. */
  assert_int_equal(u.n_batt, 6);
  assert_int_equal(u.batt[0].soc_pm, 990);
  assert_int_equal(u.batt[5].soc_pm, 950);
  assert_int_equal(u.batt_changes, 0);
  hist_usage_free(&u);
}

static void test_partial_and_whole_weeks(void **s) {
  (void)s;
  /* Thursday..Sunday of week 9 (4 days, 1 adjustment each), all of week 10 (3 each),
   * Monday..Wednesday of week 11 (5, 0, 2), all of week 12 (2 each but 6 on Sunday). */
  for (uint32_t d = MON - 4u; d < MON; d++) usage(d, 1440, 1, 1000, 0, 900);
  for (uint32_t d = MON; d < MON + 7u; d++) usage(d, 1440, 3, 1000, 0, 900);
  usage(MON + 7, 1440, 5, 1000, 0, 900);
  usage(MON + 8, 1440, 0, 1000, 0, 900);
  usage(MON + 9, 1440, 2, 1000, 0, 900);
  for (uint32_t d = MON + 14u; d < MON + 21u; d++) usage(d, 1440, d == MON + 20u ? 6 : 2, 1000, 0, 900);
  hist_usage_t u;
  assert_int_equal(hist_usage(evs, nev, 0, &u), 0);
  assert_int_equal(u.n_days, 4 + 7 + 3 + 7);
  assert_int_equal(u.span_days, 4 + 21); /* MON-4 .. MON+20 */
  assert_int_equal(u.gap_days, 4);       /* MON+10 .. MON+13 */
  assert_int_equal(u.n_weeks, 4);
  const uint8_t days[] = {4, 7, 3, 7};
  const uint32_t adj[] = {4, 21, 7, 18};
  for (int i = 0; i < 4; i++) {
    assert_int_equal(u.weeks[i].week, 9 + i);
    assert_int_equal(u.weeks[i].year, 2026);
    assert_int_equal(u.weeks[i].days, days[i]);
    assert_int_equal(u.weeks[i].adjustments, adj[i]);
  }
  /* Whole weeks: 10 and 12: (21 + 18) / 2 = 19.5 per week. */
  assert_int_equal(u.whole_weeks, 2);
  assert_int_equal(u.whole_week_adjustments, 39);
  assert_true(fabs((double)u.whole_week_adjustments / u.whole_weeks - 19.5) < 1e-9);
  assert_int_equal(u.adjustments_total, 4 + 21 + 7 + 18);
  assert_int_equal(u.avg_amp_ua, 1000);
  hist_usage_free(&u);
}

static void test_year_boundary_week(void **s) {
  (void)s;
  /* 2026-12-28 (MON + 301) .. 2027-01-03: one whole ISO week, 2026-W53. */
  for (uint32_t d = MON + 301u; d <= MON + 307u; d++) usage(d, 60, 1, 1000, 0, 900);
  usage(MON + 308u, 60, 10, 1000, 0, 900); /* 2027-W01 */
  hist_usage_t u;
  assert_int_equal(hist_usage(evs, nev, 0, &u), 0);
  assert_int_equal(u.n_weeks, 2);
  assert_int_equal(u.weeks[0].year, 2026);
  assert_int_equal(u.weeks[0].week, 53);
  assert_int_equal(u.weeks[0].days, 7);
  assert_int_equal(u.weeks[1].year, 2027);
  assert_int_equal(u.weeks[1].week, 1);
  assert_int_equal(u.whole_weeks, 1);
  assert_int_equal(u.whole_week_adjustments, 7);
  hist_usage_free(&u);
}

/* 1970-01-01 is a Thursday: its ISO week began on 1969-12-29, before epoch day 0. The week
 * starts at day 0 instead of wrapping around to 2^32 - 3 (found by fuzz_history). */
static void test_epoch_week(void **s) {
  (void)s;
  usage(0, 60, 1, 1000, 1, 900);
  usage(4, 60, 2, 1000, 0, 900); /* Monday 1970-01-05: 1970-W02 */
  hist_usage_t u;
  assert_int_equal(hist_usage(evs, nev, 0, &u), 0);
  assert_int_equal(u.n_weeks, 2);
  assert_int_equal(u.weeks[0].year, 1970);
  assert_int_equal(u.weeks[0].week, 1);
  assert_int_equal(u.weeks[0].first_day, 0);
  assert_int_equal(u.weeks[1].week, 2);
  assert_int_equal(u.weeks[1].first_day, 4);
  hist_usage_free(&u);
}

static void test_shelf_restart_and_merge(void **s) {
  (void)s;
  uint32_t d0 = MON;
  ev(d0 * 86400u + 36000u, NM_EV_PROVISION);
  boot(d0 * 86400u + 36000u, 1);
  usage(d0, 0, 0, 0, 0, 1000);   /* on the shelf all day: not a patient's day */
  usage(d0 + 1, 0, 0, 0, 0, 1000); /* still on the shelf */
  mode((d0 + 2) * 86400u + 3600u, NM_MODE_SHELF, NM_MODE_OFF, NM_ROLE_CLINICIAN, 0);
  mode((d0 + 2) * 86400u + 7200u, NM_MODE_OFF, NM_MODE_THERAPY, NM_ROLE_CLINICIAN, 0);
  usage(d0 + 2, 1320, 0, 1000, 2, 999); /* the day of activation: counted */
  usage(d0 + 3, 1440, 1, 1000, 0, 998);
  boot((d0 + 4) * 86400u + 15u * 3600u, 2); /* a reset in the afternoon of d0+4 */
  usage(d0 + 4, 540, 0, 1000, 0, 997);      /* counted from the reset */
  /* A clock set back an hour writes d0+5 twice: one day, minutes added, amplitude weighted:
   * (600*1000 + 900*2000) / 1500 = 1600 uA; adjustments 2 + 3. */
  usage(d0 + 5, 600, 2, 1000, 0, 996);
  usage(d0 + 5, 900, 3, 2000, 0, 995);
  hist_usage_t u;
  assert_int_equal(hist_usage(evs, nev, 0, &u), 0);
  assert_int_equal(u.shelf_days, 2);
  assert_int_equal(u.n_days, 4);
  assert_int_equal(u.first_day, d0 + 2);
  assert_int_equal(u.gap_days, 0);
  assert_int_equal(u.restarted_days, 1);
  assert_false(hist_usage_day(&u, d0 + 3)->restarted);
  assert_true(hist_usage_day(&u, d0 + 4)->restarted);
  const hist_day_t *m = hist_usage_day(&u, d0 + 5);
  assert_int_equal(m->therapy_min, 1440); /* 1500 capped at a whole day */
  assert_int_equal(m->avg_amp_ua, 1600);
  assert_int_equal(m->adjustments, 5);
  assert_int_equal(m->soc_pm, 995);
  assert_int_equal(u.clock_back, 0); /* the repeated record has the same time, no step back */
  assert_int_equal(u.n_modes, 2);
  assert_int_equal(u.entered[NM_MODE_OFF], 1);
  assert_int_equal(u.entered[NM_MODE_THERAPY], 1);
  assert_int_equal(u.off_reason[NM_REASON_NONE], 1);
  hist_usage_free(&u);
}

static void test_modes_faults_battery_impedance(void **s) {
  (void)s;
  uint32_t t = MON * 86400u;
  imp(t + 100, 0, 0, 0, 0, 600, 0);
  usage(MON, 1440, 0, 1000, 0, 900);
  mode(t + 86400u + 3600u, NM_MODE_THERAPY, NM_MODE_MRI, NM_ROLE_PATIENT, 0);
  mode(t + 86400u + 7200u, NM_MODE_MRI, NM_MODE_THERAPY, NM_ROLE_PATIENT, 0);
  mode(t + 86400u + 9000u, NM_MODE_THERAPY, NM_MODE_SURGERY, NM_ROLE_CLINICIAN, 0);
  mode(t + 86400u + 9900u, NM_MODE_SURGERY, NM_MODE_THERAPY, NM_ROLE_CLINICIAN, 0);
  imp(t + 86400u + 72000u, 1u << 2, 0, 0, 0, 620, 1); /* E2 open */
  usage(MON + 1, 1200, 3, 1200, 4, 890);
  battery(t + 2u * 86400u + 3600u, NM_BATT_LOW, 200);
  fault(t + 2u * 86400u + 4000u, NM_FAULT_LIMITER, 7);
  imp(t + 2u * 86400u + 72000u, 0, 1u << 1, 0, 0, 0, 1); /* E1 shorted; nothing in range to average */
  lead_stop(t + 2u * 86400u + 72000u, 1, 0x01);
  imp(t + 3u * 86400u + 72000u, 0, 0, 1u << 3, 1u << 0, 880, 1);
  mode(t + 3u * 86400u + 80000u, NM_MODE_THERAPY, NM_MODE_OFF, NM_ROLE_PATIENT, NM_REASON_PREGNANCY);
  mode(t + 3u * 86400u + 80100u, NM_MODE_OFF, NM_MODE_THERAPY, NM_ROLE_PATIENT, 0);
  mode(t + 3u * 86400u + 80200u, NM_MODE_THERAPY, NM_MODE_OFF, NM_ROLE_PATIENT, NM_REASON_PATIENT);
  amp(t + 3u * 86400u + 80300u, 0, 1500, NM_ROLE_PATIENT); /* not counted here: usage records count adjustments */
  usage(MON + 2, 600, 0, 1000, 0, 190);
  hist_usage_t u;
  assert_int_equal(hist_usage(evs, nev, 0, &u), 0);
  assert_int_equal(u.n_modes, 7);
  assert_int_equal(u.entered[NM_MODE_MRI], 1);
  assert_int_equal(u.entered[NM_MODE_SURGERY], 1);
  assert_int_equal(u.entered[NM_MODE_THERAPY], 3);
  assert_int_equal(u.entered[NM_MODE_OFF], 2);
  assert_int_equal(u.off_reason[NM_REASON_PREGNANCY], 1);
  assert_int_equal(u.off_reason[NM_REASON_PATIENT], 1);
  assert_int_equal(u.modes[4].reason, NM_REASON_PREGNANCY);
  assert_int_equal(u.fault_count, 1);
  assert_int_equal(u.n_faults, 2);
  assert_int_equal(u.faults[0].type, NM_EV_FAULT);
  assert_int_equal(u.faults[0].fault, NM_FAULT_LIMITER);
  assert_int_equal(u.faults[0].detail, 7);
  assert_int_equal(u.faults[1].type, NM_EV_LEAD_STOP);
  assert_int_equal(u.faults[1].node, 1);
  assert_int_equal(u.faults[1].progs, 1);
  /* Battery: 3 day-end readings and the LOW event, in time order. */
  assert_int_equal(u.n_batt, 4);
  assert_int_equal(u.batt_changes, 1);
  assert_int_equal(u.batt[0].soc_pm, 900);
  assert_true(u.batt[1].from_usage);
  assert_int_equal(u.batt[1].soc_pm, 890);
  assert_false(u.batt[2].from_usage);
  assert_int_equal(u.batt[2].state, NM_BATT_LOW);
  assert_int_equal(u.batt[3].soc_pm, 190);
  /* Lead checks: 4, 3 daily, 3 with a finding (open, short, high + jump). */
  assert_int_equal(u.n_imp, 4);
  assert_int_equal(u.imp_daily, 3);
  assert_int_equal(u.imp_flagged, 3);
  assert_int_equal(u.imp[1].open, 1u << 2);
  assert_int_equal(u.imp[2].mean_ohm, 0);
  assert_int_equal(u.imp[3].jump, 1u);
  /* Amplitude: (1440*1000 + 1200*1200 + 600*1000) / 3240 = 3,480,000 / 3240 = 1074.07 -> 1074. */
  assert_int_equal(u.avg_amp_ua, 1074);
  hist_usage_free(&u);
}

static void test_since(void **s) {
  (void)s;
  uint32_t t = MON * 86400u;
  ev(t - 3u * 86400u, NM_EV_PROVISION);
  mode(t - 3u * 86400u + 60u, NM_MODE_SHELF, NM_MODE_OFF, NM_ROLE_CLINICIAN, 0);
  mode(t - 3u * 86400u + 120u, NM_MODE_OFF, NM_MODE_THERAPY, NM_ROLE_CLINICIAN, 0);
  usage(MON - 3u, 1000, 1, 1000, 2, 999);
  usage(MON - 2u, 1440, 1, 1000, 0, 998);
  usage(MON - 1u, 1440, 1, 1000, 0, 997); /* written at MON 00:00:27 but covers the day before */
  fault(t - 3600u, NM_FAULT_OUTPUT, 1);
  usage(MON, 720, 7, 2000, 0, 996);
  usage(MON + 1u, 360, 1, 1000, 0, 995);
  hist_usage_t u;
  assert_int_equal(hist_usage(evs, nev, t, &u), 0);
  assert_int_equal(u.n_days, 2);
  assert_int_equal(u.first_day, MON);
  assert_int_equal(u.shelf_days, 0); /* the mode was tracked from before --since */
  assert_int_equal(u.adjustments_total, 8);
  assert_int_equal(u.therapy_min_total, 1080);
  /* (720*2000 + 360*1000) / 1080 = 1,800,000 / 1080 = 1666.67 -> 1667 (rounded). */
  assert_int_equal(u.avg_amp_ua, 1667);
  assert_int_equal(u.n_modes, 0);
  assert_int_equal(u.fault_count, 0);
  assert_int_equal(u.n_batt, 2);
  hist_usage_free(&u);
  /* Nothing at all: zero days, no error. */
  assert_int_equal(hist_usage(evs, 0, 0, &u), 0);
  assert_int_equal(u.n_days, 0);
  assert_int_equal(u.span_days, 0);
  hist_usage_free(&u);
}

/* Only the events from --since on, as the device's seek sends them: the same statistics as
 * from the whole log, the mode before them taken from the first change, or from the
 * device's mode now when nothing changed it. */
static void test_since_recent(void **s) {
  (void)s;
  uint32_t t = MON * 86400u;
  ev(t - 5u * 86400u, NM_EV_PROVISION);
  for (uint32_t day = MON - 5u; day <= MON; day++) usage(day, 0, 0, 0, 0, 1000); /* on the shelf */
  mode(t + 86400u + 43200u, NM_MODE_SHELF, NM_MODE_OFF, NM_ROLE_CLINICIAN, 0);
  mode(t + 86400u + 43260u, NM_MODE_OFF, NM_MODE_THERAPY, NM_ROLE_CLINICIAN, 0);
  usage(MON + 1u, 600, 0, 1000, 2, 998);
  usage(MON + 2u, 1440, 3, 1000, 0, 997);
  size_t first = 0;
  while (first < nev && evs[first].ev.t_s < t) first++;
  assert_true(first > 0 && first < nev);
  hist_usage_t a, b;
  assert_int_equal(hist_usage(evs, nev, t, &a), 0);
  assert_int_equal(hist_usage_recent(evs + first, nev - first, t, NM_MODE_THERAPY, &b), 0);
  assert_int_equal(a.n_days, 2);
  assert_int_equal(a.shelf_days, 1); /* MON, on the shelf all day */
  assert_int_equal(b.n_days, a.n_days);
  assert_int_equal(b.shelf_days, a.shelf_days);
  assert_int_equal(b.therapy_min_total, a.therapy_min_total);
  assert_int_equal(b.adjustments_total, a.adjustments_total);
  assert_int_equal(b.n_modes, a.n_modes);
  hist_usage_free(&a);
  hist_usage_free(&b);
  /* Nothing changed the mode since: the device's mode now says what the days were. */
  nev = 0;
  ev(t - 5u * 86400u, NM_EV_PROVISION);
  for (uint32_t day = MON - 5u; day <= MON + 2u; day++) usage(day, 0, 0, 0, 0, 1000);
  first = 0;
  while (first < nev && evs[first].ev.t_s < t) first++;
  assert_int_equal(hist_usage(evs, nev, t, &a), 0);
  assert_int_equal(hist_usage_recent(evs + first, nev - first, t, NM_MODE_SHELF, &b), 0);
  assert_int_equal(a.n_days, 0);
  assert_int_equal(a.shelf_days, 3);
  assert_int_equal(b.n_days, 0);
  assert_int_equal(b.shelf_days, 3);
  hist_usage_free(&a);
  hist_usage_free(&b);
  assert_int_equal(hist_usage_recent(evs + first, nev - first, t, NM_MODE_OFF, &b), 0);
  assert_int_equal(b.n_days, 3); /* off, not on the shelf: a patient's days without therapy */
  assert_int_equal(b.zero_days, 3);
  hist_usage_free(&b);
}

static void test_clock_back(void **s) {
  (void)s;
  /* A reset that brings the clock back to the provisioning time (the simulator does this):
   * later records carry earlier dates. Counted, so the read-out can say so. */
  usage(MON + 2u, 1440, 1, 1000, 0, 900);
  usage(MON + 3u, 1440, 1, 1000, 0, 899);
  boot(MON * 86400u + 100u, 2); /* back to MON */
  usage(MON, 600, 2, 2000, 0, 898);
  usage(MON + 1u, 1440, 0, 1000, 0, 897);
  usage(MON + 2u, 60, 0, 1000, 0, 896); /* the same date as the first record: merged */
  hist_usage_t u;
  assert_int_equal(hist_usage(evs, nev, 0, &u), 0);
  assert_int_equal(u.clock_back, 1);
  assert_int_equal(u.n_days, 4);
  assert_int_equal(hist_usage_day(&u, MON + 2u)->therapy_min, 1440); /* 1440 + 60, capped */
  assert_true(hist_usage_day(&u, MON)->restarted);
  hist_usage_free(&u);
}

/* ---- (a) the JSON round trip plot-history relies on ---------------------------------- */

static char *history_json(size_t *len) {
  char *buf = NULL;
  FILE *f = open_memstream(&buf, len);
  assert_non_null(f);
  js_w w;
  jw_init(&w, f);
  jw_obj(&w);
  jw_key(&w, "serial");
  jw_str(&w, "INS-SNM-<&>\"x");
  jw_key(&w, "events");
  jw_arr(&w);
  for (size_t i = 0; i < nev; i++) di_json_event(&w, &evs[i]);
  jw_arr_end(&w);
  jw_obj_end(&w);
  jw_end(&w);
  fclose(f);
  return buf;
}

static void test_json_round_trip(void **s) {
  (void)s;
  uint32_t t = MON * 86400u;
  ev(t, NM_EV_PROVISION);
  boot(t, 1);
  mode(t + 60, NM_MODE_SHELF, NM_MODE_OFF, NM_ROLE_CLINICIAN, 0);
  mode(t + 70, NM_MODE_THERAPY, NM_MODE_OFF, NM_ROLE_PATIENT, NM_REASON_PREGNANCY);
  fault(t + 80, NM_FAULT_LEAD, 2);
  lead_stop(t + 81, 2, 0x05);
  battery(t + 90, NM_BATT_ERI, 123);
  imp(t + 100, 1u << 2, 1u << 3, 1u << 1, 1u << 0, 777, 1);
  amp(t + 110, 1, 2300, NM_ROLE_PATIENT);
  /* Every possible minute count survives hours written with three decimals. */
  for (uint32_t min = 0; min <= 1440; min++) {
    usage(MON + min, (uint16_t)min, (uint16_t)(min % 7u), 1000u + min, (uint8_t)(min % 3u), (uint16_t)(1000u - min % 1000u));
  }
  size_t len;
  char *text = history_json(&len);
  char err[256], serial[64];
  js_val *root = js_parse(text, len, err, sizeof err);
  if (!root) fail_msg("%s", err);
  hist_list_t l;
  if (hist_from_json(root, &l, serial, sizeof serial, err, sizeof err) != 0) fail_msg("%s", err);
  assert_string_equal(serial, "INS-SNM-<&>\"x");
  assert_int_equal(l.n, nev);
  for (size_t i = 0; i < nev; i++) {
    assert_int_equal(l.ev[i].seq, evs[i].seq);
    /* Byte for byte as the device stores them (the battery's remaining charge travels as
     * mAh with three decimals). */
    uint8_t x[NM_LOG_PAYLOAD_MAX], y[NM_LOG_PAYLOAD_MAX];
    size_t nx = enc(&l.ev[i], x), ny = enc(&evs[i], y);
    assert_int_equal(nx, ny);
    if (memcmp(x, y, nx) != 0) fail_msg("event %zu (type %u) differs after JSON", i, evs[i].ev.type);
  }
  /* So the statistics are the same from the device and from the file. */
  hist_usage_t a, b;
  assert_int_equal(hist_usage(evs, nev, 0, &a), 0);
  assert_int_equal(hist_usage(l.ev, l.n, 0, &b), 0);
  assert_int_equal(a.n_days, b.n_days);
  assert_int_equal(a.therapy_min_total, b.therapy_min_total);
  assert_int_equal(a.avg_amp_ua, b.avg_amp_ua);
  assert_int_equal(a.off_reason[NM_REASON_PREGNANCY], 1);
  assert_int_equal(b.off_reason[NM_REASON_PREGNANCY], 1);
  hist_usage_free(&a);
  hist_usage_free(&b);
  hist_list_free(&l);
  js_free(root);
  free(text);
}

/* hist_from_json on a document: 0, or -1 with err containing `want`. */
static void from_json_fails(const char *doc, const char *want) {
  char err[256];
  js_val *root = js_parse(doc, strlen(doc), err, sizeof err);
  if (!root) fail_msg("test document is not JSON: %s", err);
  hist_list_t l;
  int rc = hist_from_json(root, &l, NULL, 0, err, sizeof err);
  js_free(root);
  if (rc == 0) fail_msg("accepted: %s", doc);
  if (!strstr(err, want)) fail_msg("'%s' does not say '%s'", err, want);
  assert_null(strchr(err, '\n'));
}

static void test_bad_history_documents(void **s) {
  (void)s;
  from_json_fails("[1,2]", "expected an object");
  from_json_fails("{\"count\":0}", "events: missing");
  from_json_fails("{\"events\":{}}", "events: expected an array");
  from_json_fails("{\"events\":[3]}", "events[0]: expected an event object");
  from_json_fails("{\"serial\":5,\"events\":[]}", "serial");
  from_json_fails("{\"events\":[{\"time\":\"2026-03-02 10:00:00\",\"type\":\"boot\"},{\"time\":\"March\",\"type\":\"boot\"}]}",
                  "events[1].time");
  from_json_fails("{\"events\":[{\"time\":\"2026-03-02 10:00:00\"}]}", "events[0].type: missing");
  from_json_fails("{\"events\":[{\"time\":\"2026-03-02 10:00:00\",\"type\":\"usage\",\"therapy_hours\":3}]}",
                  "events[0].adjustments: missing");
  from_json_fails("{\"events\":[{\"time\":\"2026-03-02 10:00:00\",\"type\":\"usage\",\"therapy_hours\":\"3\","
                  "\"adjustments\":0,\"average_amplitude_ma\":1,\"mode_changes\":0,\"battery_pct\":50}]}",
                  "events[0].therapy_hours: expected a number");
  from_json_fails("{\"events\":[{\"time\":\"2026-03-02 10:00:00\",\"type\":\"usage\",\"therapy_hours\":25,"
                  "\"adjustments\":0,\"average_amplitude_ma\":1,\"mode_changes\":0,\"battery_pct\":50}]}",
                  "events[0].therapy_hours");
  from_json_fails("{\"events\":[{\"time\":\"2026-03-02 10:00:00\",\"type\":\"mode\",\"from\":\"off\",\"to\":\"sleep\"}]}",
                  "events[0].to: unknown value");
  from_json_fails("{\"events\":[{\"time\":\"2026-03-02 10:00:00\",\"type\":\"impedance\",\"mean_ohm\":5,\"open\":[\"X9\"],"
                  "\"short\":[],\"high\":[],\"jump\":[]}]}",
                  "events[0].open");
  /* Unknown types and extra fields are fine (a newer device); an empty log is not an error here. */
  char err[256];
  const char *ok = "{\"events\":[{\"time\":\"2026-03-02 10:00:00\",\"type\":\"warp-drive\",\"x\":1}],\"count\":1}";
  js_val *root = js_parse(ok, strlen(ok), err, sizeof err);
  hist_list_t l;
  assert_int_equal(hist_from_json(root, &l, NULL, 0, err, sizeof err), 0);
  assert_int_equal(l.n, 1);
  hist_list_free(&l);
  js_free(root);
}

/* ---- (b) end to end ----------------------------------------------------------------- */

static const js_val *at(const js_val *v, const char *a, const char *b) {
  const js_val *x = js_get(v, a);
  if (!x) fail_msg("no '%s'", a);
  if (!b) return x;
  x = js_get(x, b);
  if (!x) fail_msg("no '%s.%s'", a, b);
  return x;
}

static void write_file(const char *path, const char *text, size_t len) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  assert_int_equal(fwrite(text, 1, len, f), len);
  assert_int_equal(fclose(f), 0);
}

static void sleep_s(double s) {
  struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
  nanosleep(&ts, NULL);
}

static void test_e2e_usage_and_plot(void **s) {
  (void)s;
  proc_result_t r;
  snprintf(state, sizeof state, "%s/dev", tmpdir);
  /* An implant with an open E2 (the program uses E0/E3), a virtual day per real second. */
  const char *extra[] = {"--kind", "ins", "--lead-fault", "E2=open", "--time-scale", "86400", NULL};
  sim_start_argv(state, extra);
  program_and_pair();
  for (int i = 0; i < 3; i++) {
    assert_int_equal(REMOTE(&r, remote_key, "amp", "up"), 0);
    proc_free(&r);
  }
  /* Wait for at least two whole days of therapy after the adjustments (bounded). */
  js_val *v = NULL;
  int full_days = 0;
  for (double end = proc_now() + 60; proc_now() < end && full_days < 2;) {
    sleep_s(0.5);
    assert_int_equal(PROG(&r, "usage", "--json"), 0);
    if (v) js_free(v);
    v = json_of(&r);
    proc_free(&r);
    const js_val *daily = at(v, "days", "daily");
    full_days = 0;
    for (size_t i = 0; i < daily->n; i++) full_days += num(js_get(&daily->items[i], "therapy_hours")) == 24.0;
  }
  if (full_days < 2) fail_msg("fewer than two whole days of therapy recorded in 60 s");
  double days = num(at(v, "days", "recorded"));
  printf("  %.0f day(s) recorded, %d whole days of therapy\n", days, full_days);
  assert_true(days >= 3); /* the day of programming and two whole days at least */
  assert_int_equal((int)num(at(v, "days", "gap_days")), 0);
  /* Days on the shelf (if programming came after midnight) are left out: the first day
   * counted is the day of activation. */
  assert_true(num(js_get(&at(v, "days", "daily")->items[0], "mode_changes")) >= 1);
  assert_int_equal((int)num(at(v, "adjustments", "total")), 3);
  assert_true(num(at(v, "therapy_hours_per_day", "max")) == 24.0);
  double mean = num(at(v, "therapy_hours_per_day", "mean"));
  assert_true(mean > 0 && mean <= 24.0);
  /* Weighted over the days: between the start amplitude and the end one (1.0 .. 1.3 mA). */
  double ma = num(js_get(v, "average_amplitude_ma"));
  assert_true(ma >= 1.0 && ma <= 1.3);
  /* The daily lead check finds E2 open. */
  assert_true(num(at(v, "impedance", "checks")) >= 2);
  const js_val *findings = at(v, "impedance", "findings");
  assert_true(findings->n >= 1);
  assert_string_equal(js_get(&findings->items[0], "open")->items[0].str, "E2");
  assert_non_null(strstr(js_get(v, "serial")->str, "INS-SNM-"));
  js_free(v);
  /* MRI, then therapy off for pregnancy: counted by mode. */
  assert_int_equal(REMOTE(&r, remote_key, "mri", "on"), 0);
  proc_free(&r);
  assert_int_equal(REMOTE(&r, remote_key, "mri", "off"), 0);
  proc_free(&r);
  assert_int_equal(REMOTE(&r, remote_key, "off", "--reason", "pregnancy"), 0);
  proc_free(&r);
  assert_int_equal(PROG(&r, "usage", "--json"), 0);
  v = json_of(&r);
  proc_free(&r);
  assert_int_equal((int)num(js_get(at(v, "modes", "entered"), "mri")), 1);
  assert_int_equal((int)num(js_get(at(v, "modes", "off_reasons"), "pregnancy")), 1);
  js_free(v);
  /* The text read-out. */
  assert_int_equal(PROG(&r, "usage"), 0);
  assert_non_null(strstr(r.out, "Usage read-out of INS-SNM-"));
  assert_non_null(strstr(r.out, "Therapy per day:"));
  assert_non_null(strstr(r.out, "therapy off for pregnancy 1"));
  assert_non_null(strstr(r.out, "E2 open"));
  proc_free(&r);
  assert_int_equal(PROG(&r, "usage", "--since", "2099-01-01", "--json"), 0);
  v = json_of(&r);
  assert_int_equal((int)num(at(v, "days", "recorded")), 0);
  js_free(v);
  proc_free(&r);
  assert_int_equal(PROG(&r, "usage", "--since", "last-week"), 2);
  assert_int_equal(proc_lines(r.err), 1);
  proc_free(&r);

  /* history --json into a file, then the plot. */
  assert_int_equal(PROG(&r, "history", "--json"), 0);
  v = json_of(&r);
  assert_non_null(strstr(js_get(v, "serial")->str, "INS-SNM-"));
  js_free(v);
  char hist[400], svg[400];
  snprintf(hist, sizeof hist, "%s/history.json", tmpdir);
  snprintf(svg, sizeof svg, "%s/history.svg", tmpdir);
  write_file(hist, r.out, r.out_len);
  proc_free(&r);
  sim_stop(SIGTERM);
  assert_int_equal(RUN(&r, "plot-history", hist, "--out", svg), 0);
  proc_free(&r);
  char *text;
  size_t len;
  char err[256];
  assert_int_equal(js_read_file(svg, 1u << 24, &text, &len, err, sizeof err), 0);
  assert_memory_equal(text, "<svg", 4);
  static const char *const want[] = {"Therapy per day (hours)", "Average amplitude (mA)", "Patient adjustments per day",
                                     "Battery (%)", "Mean lead impedance (ohm)", "INS-SNM-", "MRI", "pregnancy",
                                     "</svg>"};
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    if (!strstr(text, want[i])) fail_msg("the SVG has no '%s'", want[i]);
  }
  free(text);
  printf("  history plotted: %s\n", svg);
}

/* plot-history on bad files: exit 2, one line on stderr, no SVG. */
static void plot_fails(const char *name, const char *content, const char *want) {
  char path[400], svg[400];
  snprintf(path, sizeof path, "%s/%s", tmpdir, name);
  snprintf(svg, sizeof svg, "%s/bad.svg", tmpdir);
  if (content) write_file(path, content, strlen(content));
  unlink(svg);
  proc_result_t r;
  assert_int_equal(RUN(&r, "plot-history", path, "--out", svg), 2);
  if (proc_lines(r.err) != 1) fail_msg("%s: expected one line on stderr, got: %s", name, r.err);
  if (!strstr(r.err, want)) fail_msg("%s: '%s' does not say '%s'", name, r.err, want);
  assert_int_equal(r.out_len, 0);
  proc_free(&r);
  struct stat st;
  assert_int_not_equal(stat(svg, &st), 0);
}

static void test_plot_bad_files(void **s) {
  (void)s;
  plot_fails("not-json.json", "this is not JSON\n", "not JSON");
  plot_fails("empty-file.json", "", "not JSON");
  plot_fails("array.json", "[{\"time\":\"2026-03-02 10:00:00\"}]", "expected an object");
  plot_fails("no-events.json", "{\"serial\":\"X\"}", "events: missing");
  plot_fails("events-object.json", "{\"events\":{\"a\":1}}", "events: expected an array");
  plot_fails("empty-events.json", "{\"serial\":\"X\",\"events\":[],\"count\":0}", "no events");
  plot_fails("bad-time.json", "{\"events\":[{\"seq\":0,\"time\":\"yesterday\",\"type\":\"boot\"}]}", "events[0].time");
  plot_fails("bad-usage.json",
             "{\"events\":[{\"seq\":0,\"time\":\"2026-03-02 10:00:00\",\"type\":\"usage\",\"therapy_hours\":-1,"
             "\"adjustments\":0,\"average_amplitude_ma\":1,\"mode_changes\":0,\"battery_pct\":50}]}",
             "events[0].therapy_hours");
  plot_fails("missing.json", NULL, "missing.json");
  proc_result_t r;
  assert_int_equal(RUN(&r, "plot-history", "x.json"), 2); /* no --out */
  assert_int_equal(proc_lines(r.err), 1);
  proc_free(&r);
}

int main(void) {
  (void)sim_start; /* e2e.h's, unused here */
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup(test_gaps_zero_days_and_means, reset_events),
      cmocka_unit_test_setup(test_partial_and_whole_weeks, reset_events),
      cmocka_unit_test_setup(test_year_boundary_week, reset_events),
      cmocka_unit_test_setup(test_epoch_week, reset_events),
      cmocka_unit_test_setup(test_shelf_restart_and_merge, reset_events),
      cmocka_unit_test_setup(test_modes_faults_battery_impedance, reset_events),
      cmocka_unit_test_setup(test_since, reset_events),
      cmocka_unit_test_setup(test_since_recent, reset_events),
      cmocka_unit_test_setup(test_clock_back, reset_events),
      cmocka_unit_test_setup(test_json_round_trip, reset_events),
      cmocka_unit_test_setup(test_bad_history_documents, reset_events),
      cmocka_unit_test(test_plot_bad_files),
      cmocka_unit_test(test_e2e_usage_and_plot),
  };
  return cmocka_run_group_tests(tests, e2e_setup, e2e_teardown);
}
