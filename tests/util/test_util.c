/* test_util.c: the host utility library at its boundaries: dates (every day of the range
 * round trip, leap years, days that do not exist, the forms, ISO weeks, months), decimals
 * (forms, exactness, ranges, int64 limits, a random round trip with the formatter), the
 * formatter, contact names (every name, one past the last, "case"), the argument parser
 * (unknown option, missing value, repeated option, "--", numbers out of range, --help). */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hu_args.h"
#include "hu_contact.h"
#include "hu_date.h"
#include "hu_dec.h"
#include "hu_fmt.h"
#include "testutil.h"

/* ---- dates -------------------------------------------------------------------------- */

static void test_date_every_day(void **s) {
  (void)s;
  char buf[HU_DATE_LEN];
  int32_t prev_y = HU_YEAR_MIN - 1; /* 1899-12-31, the day before the first */
  int prev_m = 12, prev_d = 31;
  for (int32_t day = HU_DAY_MIN; day <= HU_DAY_MAX; day++) {
    int32_t y, back;
    int m, d;
    hu_ymd_from_day(day, &y, &m, &d);
    assert_int_equal(hu_day_from_ymd(y, m, d), day);
    /* Consecutive: the next day of the month, or the first of the next month. */
    if (d == 1) assert_true((m == prev_m + 1 && y == prev_y) || (m == 1 && prev_m == 12 && y == prev_y + 1));
    else assert_true(d == prev_d + 1 && m == prev_m && y == prev_y);
    if (d == 1 && day > HU_DAY_MIN) assert_int_equal(prev_d, hu_days_in_month(prev_y, prev_m));
    hu_date_fmt(buf, sizeof buf, day);
    assert_int_equal(strlen(buf), 10);
    assert_int_equal(hu_date_parse(buf, &back), 0);
    assert_int_equal(back, day);
    prev_y = y, prev_m = m, prev_d = d;
  }
  int32_t day;
  assert_int_equal(hu_date_parse("1900-01-01", &day), 0);
  assert_int_equal(day, HU_DAY_MIN);
  assert_int_equal(hu_date_parse("2199-12-31", &day), 0);
  assert_int_equal(day, HU_DAY_MAX);
  assert_int_equal(hu_date_parse("1970-01-01", &day), 0);
  assert_int_equal(day, 0);
  assert_int_equal(hu_date_parse("2106-02-07", &day), 0);
  assert_int_equal(day, HU_DAY_EPOCH32_MAX);
  assert_true((int64_t)HU_DAY_EPOCH32_MAX * 86400 <= UINT32_MAX && (int64_t)(HU_DAY_EPOCH32_MAX + 1) * 86400 > UINT32_MAX);
}

static void test_date_refused(void **s) {
  (void)s;
  int32_t day = 12345;
  static const struct {
    const char *s;
    int err;
  } bad[] = {
      {"2025-02-30", HU_DATE_ENODAY}, {"2025-02-29", HU_DATE_ENODAY}, {"1900-02-29", HU_DATE_ENODAY},
      {"2100-02-29", HU_DATE_ENODAY}, {"2025-13-01", HU_DATE_ENODAY}, {"2025-00-10", HU_DATE_ENODAY},
      {"2025-04-31", HU_DATE_ENODAY}, {"2025-01-00", HU_DATE_ENODAY}, {"2025-3-1", HU_DATE_EFORM},
      {"2025-03-1", HU_DATE_EFORM},   {"25-03-01", HU_DATE_EFORM},    {"2025/03/01", HU_DATE_EFORM},
      {" 2025-03-01", HU_DATE_EFORM}, {"2025-03-01 ", HU_DATE_EFORM}, {"2025-03-0a", HU_DATE_EFORM},
      {"", HU_DATE_EFORM},            {"yesterday", HU_DATE_EFORM},   {"+025-03-01", HU_DATE_EFORM},
      {"1899-12-31", HU_DATE_ERANGE}, {"2200-01-01", HU_DATE_ERANGE}, {"0000-01-01", HU_DATE_ERANGE},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    if (hu_date_parse(bad[i].s, &day) != bad[i].err) fail_msg("'%s': expected %d", bad[i].s, bad[i].err);
    assert_int_equal(day, 12345); /* nothing written */
  }
  assert_int_equal(hu_date_parse(NULL, &day), HU_DATE_EFORM);
  /* Leap years: 2000 and 2024 have a 29 February, 1900, 2100 and 2023 not. */
  assert_int_equal(hu_date_parse("2000-02-29", &day), 0);
  assert_int_equal(hu_date_parse("2024-02-29", &day), 0);
  assert_true(hu_is_leap(2000) && hu_is_leap(2024) && hu_is_leap(1904));
  assert_false(hu_is_leap(1900) || hu_is_leap(2100) || hu_is_leap(2023));
  /* A range of the caller's. */
  assert_int_equal(hu_date_parse_in("1969-12-31", 0, HU_DAY_EPOCH32_MAX, &day), HU_DATE_ERANGE);
  assert_int_equal(hu_date_parse_in("2106-02-08", 0, HU_DAY_EPOCH32_MAX, &day), HU_DATE_ERANGE);
  assert_int_equal(hu_date_parse_in("2025-02-30", 0, HU_DAY_EPOCH32_MAX, &day), HU_DATE_ENODAY);
}

static void test_date_why(void **s) {
  (void)s;
  char b[96];
  assert_string_equal(hu_date_why(b, sizeof b, "2025-02-30", HU_DATE_ENODAY, HU_FORM_DATE, HU_DAY_MIN, HU_DAY_MAX),
                      "is not a date: February 2025 has 28 days");
  assert_string_equal(hu_date_why(b, sizeof b, "2024-02-30", HU_DATE_ENODAY, HU_FORM_DATE, HU_DAY_MIN, HU_DAY_MAX),
                      "is not a date: February 2024 has 29 days");
  assert_string_equal(hu_date_why(b, sizeof b, "2025-13-01", HU_DATE_ENODAY, HU_FORM_DATE, HU_DAY_MIN, HU_DAY_MAX),
                      "is not a date: there is no month 13");
  assert_string_equal(hu_date_why(b, sizeof b, "2025-3-1", HU_DATE_EFORM, HU_FORM_DATE, HU_DAY_MIN, HU_DAY_MAX),
                      "is not a date: use YYYY-MM-DD");
  assert_string_equal(hu_date_why(b, sizeof b, "2200-01-01", HU_DATE_ERANGE, HU_FORM_DATE, HU_DAY_MIN, HU_DAY_MAX),
                      "is outside 1900-01-01..2199-12-31");
  assert_string_equal(hu_date_why(b, sizeof b, "2025-02-28 24:00", HU_DATE_ENODAY, HU_FORM_MINUTE, HU_DAY_MIN, HU_DAY_MAX),
                      "is not a time: there is no hour 24");
  assert_string_equal(hu_date_why(b, sizeof b, "2025-02-28 23:60:00", HU_DATE_ENODAY, HU_FORM_TIME, HU_DAY_MIN, HU_DAY_MAX),
                      "is not a time: there is no minute 60");
  assert_string_equal(hu_date_why(b, sizeof b, "2025-02-29 10:00:00", HU_DATE_ENODAY, HU_FORM_TIME, HU_DAY_MIN, HU_DAY_MAX),
                      "is not a time: February 2025 has 28 days");
  assert_string_equal(hu_date_why(b, sizeof b, "10:00", HU_DATE_EFORM, HU_FORM_TIME, HU_DAY_MIN, HU_DAY_MAX),
                      "is not a time: use YYYY-MM-DD HH:MM:SS");
}

static void test_times(void **s) {
  (void)s;
  int64_t t, m;
  char b[HU_TIME_LEN], c[HU_MINUTE_LEN];
  assert_int_equal(hu_time_parse("1970-01-01 00:00:00", &t), 0);
  assert_int_equal(t, 0);
  assert_int_equal(hu_time_parse("2106-02-07 06:28:15", &t), 0);
  assert_int_equal(t, UINT32_MAX);
  assert_int_equal(hu_time_parse("2025-03-01T12:34:56", &t), 0);
  assert_string_equal(hu_time_fmt(b, sizeof b, t), "2025-03-01 12:34:56");
  assert_string_equal(hu_time_fmt(b, sizeof b, -1), "1969-12-31 23:59:59");
  assert_int_equal(hu_time_parse("2025-02-29 12:00:00", &t), HU_DATE_ENODAY);
  assert_int_equal(hu_time_parse("2025-02-28 24:00:00", &t), HU_DATE_ENODAY);
  assert_int_equal(hu_time_parse("2025-02-28 23:59:60", &t), HU_DATE_ENODAY);
  assert_int_equal(hu_time_parse("2025-02-28 23:59", &t), HU_DATE_EFORM);
  assert_int_equal(hu_time_parse("2025-02-28_23:59:00", &t), HU_DATE_EFORM);
  assert_int_equal(hu_minute_parse("2025-04-15 10:30", &m), 0);
  assert_string_equal(hu_minute_fmt(c, sizeof c, m), "2025-04-15 10:30");
  assert_int_equal(hu_minute_parse("2025-04-15T10:30", &m), 0);
  assert_int_equal(hu_minute_parse("2025-04-15 10:30:00", &m), HU_DATE_EFORM);
  assert_int_equal(hu_minute_parse("2025-04-15 1:30", &m), HU_DATE_EFORM);
  assert_string_equal(hu_minute_fmt(c, sizeof c, -1), "1969-12-31 23:59");
  assert_int_equal(hu_day_of_epoch_s(-1), -1);
  assert_int_equal(hu_day_of_epoch_s(86399), 0);
  assert_int_equal(hu_day_of_minutes(-1440), -1);
  assert_int_equal(hu_day_of_minutes(-1441), -2);
  /* The clocks, fixed by the environment; a value that does not parse is ignored. */
  setenv("NMOD_NOW", "2025-04-15 10:30", 1);
  setenv("NMOD_TODAY", "2025-02-30", 1);
  assert_int_equal(hu_now_minutes(), m);
  assert_int_equal(hu_today(), hu_day_from_ymd(2025, 4, 15));
  setenv("NMOD_TODAY", "2024-12-31", 1);
  assert_int_equal(hu_today(), hu_day_from_ymd(2024, 12, 31));
  unsetenv("NMOD_TODAY");
  unsetenv("NMOD_NOW");
}

static void test_weeks_months(void **s) {
  (void)s;
  static const struct {
    int y, m, d, wy, w, wd;
  } weeks[] = {
      {1970, 1, 1, 1970, 1, 3},  {2020, 12, 31, 2020, 53, 3}, {2021, 1, 3, 2020, 53, 6}, {2021, 1, 4, 2021, 1, 0},
      {2026, 3, 2, 2026, 10, 0}, {2024, 12, 30, 2025, 1, 0},  {2027, 1, 1, 2026, 53, 4}, {1969, 12, 29, 1970, 1, 0},
      {2026, 3, 1, 2026, 9, 6},  {2026, 12, 28, 2026, 53, 0}, {2027, 1, 3, 2026, 53, 6}, {2027, 1, 4, 2027, 1, 0},
  };
  for (size_t i = 0; i < sizeof weeks / sizeof weeks[0]; i++) {
    int32_t day = hu_day_from_ymd(weeks[i].y, weeks[i].m, weeks[i].d), wy;
    int w;
    hu_iso_week(day, &wy, &w);
    if (wy != weeks[i].wy || w != weeks[i].w || hu_weekday(day) != weeks[i].wd)
      fail_msg("%d-%02d-%02d: week %d-W%02d weekday %d", weeks[i].y, weeks[i].m, weeks[i].d, wy, w, hu_weekday(day));
    assert_int_equal(hu_weekday(hu_week_monday(day)), 0);
  }
  assert_string_equal(hu_weekday_name(0), "Thu");
  assert_string_equal(hu_weekday_name(-1), "Wed");
  char b[HU_DATE_LEN];
  assert_string_equal(hu_date_fmt(b, sizeof b, hu_add_months(hu_day_from_ymd(2025, 1, 31), 1)), "2025-02-28");
  assert_string_equal(hu_date_fmt(b, sizeof b, hu_add_months(hu_day_from_ymd(2024, 1, 31), 1)), "2024-02-29");
  assert_string_equal(hu_date_fmt(b, sizeof b, hu_add_months(hu_day_from_ymd(2025, 3, 31), -1)), "2025-02-28");
  assert_string_equal(hu_date_fmt(b, sizeof b, hu_add_months(hu_day_from_ymd(2025, 1, 15), -13)), "2023-12-15");
  assert_string_equal(hu_date_fmt(b, sizeof b, hu_add_months(hu_day_from_ymd(2025, 1, 15), 24)), "2027-01-15");
  /* Outside 0..9999 the text keeps its 10 characters. */
  assert_string_equal(hu_date_fmt(b, sizeof b, hu_day_from_ymd(10000, 1, 1)), "0000-00-00");
}

/* ---- decimals and the formatter ----------------------------------------------------- */

static void test_dec(void **s) {
  (void)s;
  static const struct {
    const char *s;
    unsigned dec, flags;
    int rc;
    int64_t v;
  } cases[] = {
      {"1.25", 3, 0, 0, 1250},
      {"38.5", 1, 0, 0, 385},
      {"7", 0, 0, 0, 7},
      {"007", 0, 0, 0, 7},
      {"1.20", 1, 0, 0, 12},
      {"0.000", 0, 0, 0, 0},
      {"1.25", 1, 0, HU_DEC_EFINE, 0},
      {"1.0001", 3, 0, HU_DEC_EFINE, 0},
      {".5", 3, 0, HU_DEC_EFORM, 0},
      {"1.", 3, 0, HU_DEC_EFORM, 0},
      {"+1", 0, 0, HU_DEC_EFORM, 0},
      {"1 ", 0, 0, HU_DEC_EFORM, 0},
      {"", 0, 0, HU_DEC_EFORM, 0},
      {"-", 0, HU_DEC_SIGN, HU_DEC_EFORM, 0},
      {"1e3", 0, 0, HU_DEC_EFORM, 0},
      {"1e3", 0, HU_DEC_EXP, 0, 1000},
      {"2.5e-1", 2, HU_DEC_EXP, 0, 25},
      {"2.5e-1", 1, HU_DEC_EXP, HU_DEC_EFINE, 0},
      {"1E+2", 0, HU_DEC_EXP, 0, 100},
      {"1e", 0, HU_DEC_EXP, HU_DEC_EFORM, 0},
      {"-0.000e99", 0, HU_DEC_EXP | HU_DEC_SIGN, 0, 0},
      {"-1.5", 1, HU_DEC_SIGN, 0, -15},
      {"-1.5", 1, 0, HU_DEC_ESIGN, 0},
      {"9223372036854775807", 0, 0, 0, INT64_MAX},
      {"9223372036854775808", 0, 0, HU_DEC_ERANGE, 0},
      {"-9223372036854775808", 0, HU_DEC_SIGN, 0, INT64_MIN},
      {"-9223372036854775809", 0, HU_DEC_SIGN, HU_DEC_ERANGE, 0},
      {"9223372036854775.807", 3, 0, 0, INT64_MAX},
      {"1e999999999999999", 0, HU_DEC_EXP, HU_DEC_ERANGE, 0},
      {"1e-999999999999999", 0, HU_DEC_EXP, HU_DEC_EFINE, 0},
      /* More decimals than an int64_t has digits: only zero fits. */
      {"0", 40, 0, 0, 0},
      {"0.0", 4000000000u, 0, 0, 0},
      {"1", 19, 0, HU_DEC_ERANGE, 0},
      {"1e-20", 19, HU_DEC_EXP, HU_DEC_EFINE, 0},
      {"9.223372036854775807e-1", 19, HU_DEC_EXP, 0, INT64_MAX},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    int64_t v = 4242;
    int rc = hu_dec_parse(cases[i].s, strlen(cases[i].s), cases[i].dec, cases[i].flags, &v);
    if (rc != cases[i].rc || (rc == 0 && v != cases[i].v) || (rc != 0 && v != 4242))
      fail_msg("'%s' (%u decimals): rc %d value %lld", cases[i].s, cases[i].dec, rc, (long long)v);
  }
  int64_t v;
  uint64_t u;
  assert_int_equal(hu_dec_range("12.5", 3, 0, 12500, &v), 0);
  assert_int_equal(v, 12500);
  assert_int_equal(hu_dec_range("12.6", 3, 0, 12500, &v), HU_DEC_ERANGE);
  assert_int_equal(hu_dec_range("-1", 0, 0, 10, &v), HU_DEC_ESIGN);
  assert_int_equal(hu_dec_range("-1", 0, -5, 10, &v), 0);
  assert_int_equal(v, -1);
  assert_int_equal(hu_dec_range(NULL, 0, 0, 10, &v), HU_DEC_EFORM);
  assert_int_equal(hu_dec_urange("125", 0, 0, 125, &u), 0);
  assert_int_equal(hu_dec_urange("126", 0, 0, 125, &u), HU_DEC_ERANGE);
  assert_int_equal(hu_dec_urange("0", 0, 1, 125, &u), HU_DEC_ERANGE);
}

static void test_fmt(void **s) {
  (void)s;
  char b[HU_FIXED_LEN];
  assert_string_equal(hu_fmt_fixed(b, sizeof b, 1250, 3, 0), "1.25");
  assert_string_equal(hu_fmt_fixed(b, sizeof b, 1000, 3, 0), "1");
  assert_string_equal(hu_fmt_fixed(b, sizeof b, 1000, 3, 1), "1.0");
  assert_string_equal(hu_fmt_fixed(b, sizeof b, 1200, 3, 2), "1.20");
  assert_string_equal(hu_fmt_fixed(b, sizeof b, 385, 1, 0), "38.5");
  assert_string_equal(hu_fmt_fixed(b, sizeof b, -5, 1, 0), "-0.5");
  assert_string_equal(hu_fmt_fixed(b, sizeof b, 0, 3, 0), "0");
  assert_string_equal(hu_fmt_fixed(b, sizeof b, 0, 3, 1), "0.0");
  assert_string_equal(hu_fmt_fixed(b, sizeof b, 7, 0, 0), "7");
  assert_string_equal(hu_fmt_fixed(b, sizeof b, INT64_MIN, 0, 0), "-9223372036854775808");
  assert_string_equal(hu_fmt_fixed(b, sizeof b, INT64_MIN, 18, 0), "-9.223372036854775808");
  assert_string_equal(hu_fmt_fixed(b, sizeof b, INT64_MAX, 3, 0), "9223372036854775.807");
  /* More decimals than digits, and a buffer too small: cut, ended, and the length told. */
  char w[64];
  assert_string_equal(hu_fmt_fixed(w, sizeof w, INT64_MAX, 19, 0), "0.9223372036854775807");
  assert_string_equal(hu_fmt_fixed(w, sizeof w, -1, 25, 0), "-0.0000000000000000000000001");
  assert_string_equal(hu_fmt_fixed(w, sizeof w, 0, 30, 2), "0.00");
  assert_string_equal(hu_fmt_fixed(w, sizeof w, 5, 1, 4), "0.5"); /* min_decimals <= decimals */
  assert_int_equal(hu_fmt_fixed_n(w, 4, 1250, 3, 0), 4);
  assert_string_equal(w, "1.2");
  assert_int_equal(hu_fmt_fixed_n(w, 1, -5, 1, 0), 4);
  assert_string_equal(w, "");
  assert_int_equal(hu_fmt_fixed_n(NULL, 0, 12, 0, 0), 2);
  /* Random values: the text reads back exactly. */
  uint64_t seed = tu_seed("t_util fixed round trip");
  for (int i = 0; i < 100000; i++) {
    int64_t x = (int64_t)tu_rand(&seed);
    if (i % 3 == 0) x %= 100000;
    unsigned dec = (unsigned)(tu_rand(&seed) % 30), keep = dec ? (unsigned)(tu_rand(&seed) % (dec + 1)) : 0;
    int64_t back;
    hu_fmt_fixed(w, sizeof w, x, dec, keep);
    if (hu_dec_parse(w, strlen(w), dec, HU_DEC_SIGN, &back) != 0 || back != x)
      fail_msg("%lld at %u decimals: '%s' read back as %lld", (long long)x, dec, w, (long long)back);
  }
}

/* ---- contacts ----------------------------------------------------------------------- */

static void test_contacts(void **s) {
  (void)s;
  char b[HU_CONTACT_LEN];
  for (unsigned n = 0; n < NM_MAX_CONTACTS; n++) {
    hu_contact_name(b, sizeof b, n);
    assert_int_equal(hu_contact_parse(b, HU_CONTACT_NO_CASE), (int)n);
    assert_int_equal(hu_contact_parse(b, HU_CONTACT_OR_CASE), (int)n);
  }
  snprintf(b, sizeof b, "E%u", (unsigned)NM_MAX_CONTACTS);
  assert_int_equal(hu_contact_parse(b, HU_CONTACT_OR_CASE), -1);
  assert_string_equal(hu_contact_name(b, sizeof b, NM_NODE_CASE), "case");
  assert_int_equal(hu_contact_parse("case", HU_CONTACT_OR_CASE), NM_NODE_CASE);
  assert_int_equal(hu_contact_parse("case", HU_CONTACT_NO_CASE), -1);
  static const char *const bad[] = {"E01", "E", "e2", "E-1", "E+1", " E1", "E1 ", "E100", "Case", "E1a", "", "E00"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    if (hu_contact_parse(bad[i], HU_CONTACT_OR_CASE) != -1) fail_msg("'%s' read as a contact", bad[i]);
  }
  assert_int_equal(hu_contact_parse(NULL, HU_CONTACT_OR_CASE), -1);
  assert_int_equal(hu_contact_parse_n("E12x", 3, HU_CONTACT_NO_CASE), 12);
  snprintf(b, sizeof b, "E0..E%u", (unsigned)NM_MAX_CONTACTS - 1u);
  assert_string_equal(hu_contact_range(), b);
}

/* ---- arguments ---------------------------------------------------------------------- */

static const hu_opt sim_opts[] = {
    {"duration", "D", 0, "how long"},
    {"json", NULL, 0, "JSON"},
    {"symptom", "S", HU_OPT_MANY, "a symptom"},
    {"steps", "N", 0, NULL},
    {"amp-ma", "MA", 0, NULL},
    {NULL, NULL, 0, NULL},
};
static const hu_cmd sim_cmd = {"nmod simulate", "THERAPY.json --duration D [--json]", "simulate a therapy", sim_opts, 1, 1};
static const hu_opt req_opts[] = {{"out", "FILE", HU_OPT_REQUIRED, "the file"}, {NULL, NULL, 0, NULL}};
static const hu_cmd req_cmd = {"nmod plot", "T.json --out FILE", NULL, req_opts, 1, 1};

/* Parse the words of `line` (split at spaces; at most 16). */
static int parse_line(hu_args *a, const hu_cmd *c, const char *line, const char *const *flags) {
  static char buf[256];
  static char *w[16];
  snprintf(buf, sizeof buf, "%s", line);
  int n = 0;
  for (char *t = strtok(buf, " "); t && n < 16; t = strtok(NULL, " ")) w[n++] = t;
  return hu_args_parse(a, c, n, w, flags);
}

static void test_args(void **s) {
  (void)s;
  hu_args a;
  assert_int_equal(parse_line(&a, &sim_cmd, "t.json --duration 2s --json", NULL), HU_ARGS_OK);
  assert_int_equal(a.npos, 1);
  assert_string_equal(a.pos[0], "t.json");
  assert_string_equal(hu_args_get(&a, "duration"), "2s");
  assert_true(hu_args_flag(&a, "json"));
  assert_null(hu_args_get(&a, "steps"));
  /* --name=value is --name value; options and positionals in any order. */
  assert_int_equal(parse_line(&a, &sim_cmd, "--duration=2s t.json", NULL), HU_ARGS_OK);
  assert_string_equal(hu_args_get(&a, "duration"), "2s");
  assert_string_equal(a.pos[0], "t.json");
  assert_int_equal(parse_line(&a, &sim_cmd, "--duration= t.json", NULL), HU_ARGS_OK);
  assert_string_equal(hu_args_get(&a, "duration"), "");
  static const struct {
    const char *line, *err;
  } bad[] = {
      {"t.json --frob", "unknown option --frob (see 'nmod simulate --help')"},
      {"t.json --dur 2s", "unknown option --dur (see 'nmod simulate --help')"},
      {"t.json -x", "unknown option '-x' (see 'nmod simulate --help')"},
      {"t.json --=3", "unknown option '--=3' (see 'nmod simulate --help')"},
      {"t.json --duration", "--duration needs a value (D)"},
      {"t.json --duration 1s --duration 2s", "--duration is given twice"},
      {"t.json --json --json", "--json is given twice"},
      {"t.json --json=yes", "--json takes no value"},
      {"t.json u.json", "unexpected 'u.json' (see 'nmod simulate --help')"},
      {"--json", "usage: nmod simulate THERAPY.json --duration D [--json]"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    int rc = parse_line(&a, &sim_cmd, bad[i].line, NULL);
    if (rc != HU_ARGS_EUSAGE || strcmp(a.err, bad[i].err) != 0) fail_msg("'%s': rc %d, '%s'", bad[i].line, rc, a.err);
  }
  /* A required option: missing is the usage line; --help still wins. */
  assert_int_equal(parse_line(&a, &req_cmd, "t.json", NULL), HU_ARGS_EUSAGE);
  assert_string_equal(a.err, "usage: nmod plot T.json --out FILE");
  assert_int_equal(parse_line(&a, &req_cmd, "t.json --out=x.svg", NULL), HU_ARGS_OK);
  assert_int_equal(parse_line(&a, &req_cmd, "t.json --help", NULL), HU_ARGS_HELP);
  /* A repeatable option keeps every value, in order. */
  assert_int_equal(parse_line(&a, &sim_cmd, "t.json --symptom fever --symptom=pain", NULL), HU_ARGS_OK);
  assert_int_equal(hu_args_count(&a, "symptom"), 2);
  assert_string_equal(hu_args_nth(&a, "symptom", 0), "fever");
  assert_string_equal(hu_args_nth(&a, "symptom", 1), "pain");
  assert_null(hu_args_nth(&a, "symptom", 2));
  assert_string_equal(hu_args_get(&a, "symptom"), "pain");
  /* After "--" every word is a positional; "-" and negative numbers are positionals anyway. */
  assert_int_equal(parse_line(&a, &sim_cmd, "-- --json", NULL), HU_ARGS_OK);
  assert_string_equal(a.pos[0], "--json");
  assert_false(hu_args_flag(&a, "json"));
  assert_int_equal(parse_line(&a, &sim_cmd, "-", NULL), HU_ARGS_OK);
  assert_string_equal(a.pos[0], "-");
  assert_int_equal(parse_line(&a, &sim_cmd, "-1.5", NULL), HU_ARGS_OK);
  assert_string_equal(a.pos[0], "-1.5");
  assert_int_equal(parse_line(&a, &sim_cmd, "t.json -- --help", NULL), HU_ARGS_EUSAGE); /* a second positional */
  /* --help and -h win over every mistake before "--". */
  assert_int_equal(parse_line(&a, &sim_cmd, "--frob --help", NULL), HU_ARGS_HELP);
  assert_int_equal(parse_line(&a, &sim_cmd, "-h", NULL), HU_ARGS_HELP);
  assert_int_equal(parse_line(&a, &sim_cmd, "t.json u.json v.json --help", NULL), HU_ARGS_HELP);
  assert_string_equal(a.err, "");
  /* Numbers: in range, out of range, not a number, not given. */
  int64_t v = 99;
  assert_int_equal(parse_line(&a, &sim_cmd, "t.json --steps 50 --amp-ma 12.5", NULL), HU_ARGS_OK);
  assert_int_equal(hu_args_num(&a, "steps", 0, 1, 50, NULL, &v), 0);
  assert_int_equal(v, 50);
  assert_int_equal(hu_args_num(&a, "amp-ma", 3, 0, 12500, "mA", &v), 0);
  assert_int_equal(v, 12500);
  assert_int_equal(hu_args_num(&a, "duration", 0, 0, 5, NULL, &v), 1);
  assert_int_equal(v, 12500);
  static const struct {
    const char *line, *name;
    unsigned dec;
    int64_t lo, hi;
    const char *unit, *err;
  } nums[] = {
      {"t.json --steps 51", "steps", 0, 1, 50, NULL, "--steps '51': a whole number from 1 to 50"},
      {"t.json --steps 0", "steps", 0, 1, 50, NULL, "--steps '0': a whole number from 1 to 50"},
      {"t.json --steps 99999999999999999999", "steps", 0, 1, 50, NULL, "--steps '99999999999999999999': a whole number from 1 to 50"},
      {"t.json --steps -1", "steps", 0, 1, 50, NULL, "--steps '-1': a whole number from 1 to 50"},
      {"t.json --steps 1.5", "steps", 0, 1, 50, NULL, "--steps '1.5': a whole number from 1 to 50"},
      {"t.json --steps x", "steps", 0, 1, 50, NULL, "--steps 'x': a whole number from 1 to 50"},
      {"t.json --amp-ma 12.501", "amp-ma", 3, 0, 12500, "mA", "--amp-ma '12.501': a number of mA from 0 to 12.5"},
      {"t.json --amp-ma .5", "amp-ma", 3, 0, 12500, "mA", "--amp-ma '.5': a number of mA from 0 to 12.5"},
  };
  for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
    assert_int_equal(parse_line(&a, &sim_cmd, nums[i].line, NULL), HU_ARGS_OK);
    v = 77;
    int rc = hu_args_num(&a, nums[i].name, nums[i].dec, nums[i].lo, nums[i].hi, nums[i].unit, &v);
    if (rc != HU_ARGS_EUSAGE || v != 77 || strcmp(a.err, nums[i].err) != 0) fail_msg("'%s': rc %d, '%s'", nums[i].line, rc, a.err);
  }
  /* An open table: any --name, a value unless a flag; what no one read is unknown at the end. */
  static const hu_cmd open = {"nmod clinic", "COMMAND ...", NULL, NULL, 0, -1};
  static const char *const flags[] = {"json", NULL};
  assert_int_equal(parse_line(&a, &open, "plan P1 --years 2 --json --ics x.ics", flags), HU_ARGS_OK);
  assert_int_equal(a.npos, 2);
  assert_string_equal(hu_args_get(&a, "years"), "2");
  assert_true(hu_args_flag(&a, "json"));
  assert_int_equal(hu_args_done(&a, "plan", "nmod clinic plan --help"), HU_ARGS_EUSAGE);
  assert_string_equal(a.err, "unknown option --ics for 'plan' (see 'nmod clinic plan --help')");
  assert_non_null(hu_args_get(&a, "ics"));
  assert_int_equal(hu_args_done(&a, "plan", "nmod clinic plan --help"), HU_ARGS_OK);
  assert_int_equal(parse_line(&a, &open, "plan --years", flags), HU_ARGS_EUSAGE);
  assert_string_equal(a.err, "--years needs a value");
  assert_int_equal(parse_line(&a, &open, "plan --json=1", flags), HU_ARGS_EUSAGE);
  assert_int_equal(parse_line(&a, &open, "--help plan", flags), HU_ARGS_HELP);
  assert_int_equal(a.npos, 1); /* the command the help is for */
  /* The help lists the options with a help line, and --help. */
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  assert_non_null(f);
  hu_args_help(&sim_cmd, f);
  fclose(f);
  assert_string_equal(text, "usage: nmod simulate THERAPY.json --duration D [--json]\n"
                            "simulate a therapy\n"
                            "  --duration D               how long\n"
                            "  --json                     JSON\n"
                            "  --symptom S                a symptom\n"
                            "  --help                     this help\n");
  free(text);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_date_every_day), cmocka_unit_test(test_date_refused), cmocka_unit_test(test_date_why),
      cmocka_unit_test(test_times),          cmocka_unit_test(test_weeks_months), cmocka_unit_test(test_dec),
      cmocka_unit_test(test_fmt),            cmocka_unit_test(test_contacts), cmocka_unit_test(test_args),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
