/* hu_date.c: see hu_date.h. */
#define _POSIX_C_SOURCE 200809L
#include "hu_date.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int hu_is_leap(int32_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int hu_days_in_month(int32_t y, int m) {
  static const int n[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 ? 28 + hu_is_leap(y) : n[m - 1];
}

/* Howard Hinnant's days_from_civil and civil_from_days: exact for every proleptic Gregorian
 * date; the year starts in March so that the leap day is the year's last. */
int32_t hu_day_from_ymd(int32_t year, int m, int d) {
  int64_t y = (int64_t)year - (m <= 2);
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (int64_t)(m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return (int32_t)(era * 146097 + doe - 719468);
}

void hu_ymd_from_day(int32_t day, int32_t *year, int *month, int *mday) {
  int64_t z = (int64_t)day + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  *mday = (int)(doy - (153 * mp + 2) / 5 + 1);
  *month = (int)(mp < 10 ? mp + 3 : mp - 9);
  *year = (int32_t)(yoe + era * 400 + (*month <= 2));
}

int hu_weekday(int32_t day) {
  /* 1970-01-01 was a Thursday (3 with Monday = 0). */
  return (int)((((int64_t)day % 7) + 7 + 3) % 7);
}

const char *hu_weekday_name(int32_t day) {
  static const char *const names[7] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  return names[hu_weekday(day)];
}

int32_t hu_week_monday(int32_t day) { return day - hu_weekday(day); }

void hu_iso_week(int32_t day, int32_t *year, int *week) {
  int32_t thursday = hu_week_monday(day) + 3; /* the Thursday of the week names its year */
  int32_t y;
  int m, d;
  hu_ymd_from_day(thursday, &y, &m, &d);
  *year = y;
  *week = (thursday - hu_day_from_ymd(y, 1, 1)) / 7 + 1;
}

int32_t hu_add_months(int32_t day, int months) {
  int32_t y;
  int m, d;
  hu_ymd_from_day(day, &y, &m, &d);
  int64_t idx = (int64_t)y * 12 + (m - 1) + months;
  int64_t ny = idx >= 0 ? idx / 12 : -((-idx + 11) / 12);
  int nm = (int)(idx - ny * 12) + 1;
  int dim = hu_days_in_month((int32_t)ny, nm);
  return hu_day_from_ymd((int32_t)ny, nm, d > dim ? dim : d);
}

int32_t hu_day_of_epoch_s(int64_t s) { return (int32_t)(s >= 0 ? s / 86400 : -((-s + 86399) / 86400)); }
int32_t hu_day_of_minutes(int64_t m) { return (int32_t)(m >= 0 ? m / 1440 : -((-m + 1439) / 1440)); }

/* ---- parsing ------------------------------------------------------------------------ */

/* n digits at s into *v; 0 or -1. */
static int digits(const char *s, int n, int *v) {
  *v = 0;
  for (int i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return -1;
    *v = *v * 10 + (s[i] - '0');
  }
  return 0;
}

/* The date at s[0..10): a day number, or an error. The form is checked whole first, so a text
 * that is not a date is EFORM whatever its numbers. */
static int ymd(const char *s, int32_t *day) {
  int y, m, d;
  if (digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &m) || s[7] != '-' || digits(s + 8, 2, &d)) return HU_DATE_EFORM;
  if (m < 1 || m > 12 || d < 1 || d > hu_days_in_month(y, m)) return HU_DATE_ENODAY;
  *day = hu_day_from_ymd(y, m, d);
  return 0;
}

static int in_range(int32_t day, int32_t lo, int32_t hi) { return day >= lo && day <= hi ? 0 : HU_DATE_ERANGE; }

int hu_date_parse_in(const char *s, int32_t lo, int32_t hi, int32_t *day) {
  int32_t d;
  if (!s || strlen(s) != 10) return HU_DATE_EFORM;
  int rc = ymd(s, &d);
  if (rc == 0) rc = in_range(d, lo, hi);
  if (rc == 0) *day = d;
  return rc;
}

int hu_date_parse(const char *s, int32_t *day) { return hu_date_parse_in(s, HU_DAY_MIN, HU_DAY_MAX, day); }

/* "YYYY-MM-DD HH:MM" and, with secs, ":SS": the form first, then the values. */
static int clock_parse(const char *s, int secs, int32_t *day, int *h, int *mi, int *se) {
  size_t len = secs ? 19 : 16;
  if (!s || strlen(s) != len || (s[10] != ' ' && s[10] != 'T') || s[13] != ':' || (secs && s[16] != ':'))
    return HU_DATE_EFORM;
  *se = 0;
  if (digits(s + 11, 2, h) || digits(s + 14, 2, mi) || (secs && digits(s + 17, 2, se))) return HU_DATE_EFORM;
  int rc = ymd(s, day);
  if (rc) return rc;
  if (*h > 23 || *mi > 59 || *se > 59) return HU_DATE_ENODAY;
  return in_range(*day, HU_DAY_MIN, HU_DAY_MAX);
}

int hu_minute_parse(const char *s, int64_t *minutes) {
  int32_t day;
  int h, mi, se;
  int rc = clock_parse(s, 0, &day, &h, &mi, &se);
  if (rc == 0) *minutes = (int64_t)day * 1440 + h * 60 + mi;
  return rc;
}

int hu_time_parse(const char *s, int64_t *epoch_s) {
  int32_t day;
  int h, mi, se;
  int rc = clock_parse(s, 1, &day, &h, &mi, &se);
  if (rc == 0) *epoch_s = (int64_t)day * 86400 + h * 3600 + mi * 60 + se;
  return rc;
}

const char *hu_date_why(char *buf, size_t cap, const char *s, int err, hu_form form, int32_t lo, int32_t hi) {
  static const char *const month[12] = {"January", "February", "March",     "April",   "May",      "June",
                                        "July",    "August",   "September", "October", "November", "December"};
  const char *what = form == HU_FORM_DATE ? "date" : "time";
  const char *use = form == HU_FORM_DATE ? "YYYY-MM-DD" : form == HU_FORM_MINUTE ? "YYYY-MM-DD HH:MM" : "YYYY-MM-DD HH:MM:SS";
  if (err == HU_DATE_ERANGE) {
    char a[HU_DATE_LEN], b[HU_DATE_LEN];
    snprintf(buf, cap, "is outside %s..%s", hu_date_fmt(a, sizeof a, lo), hu_date_fmt(b, sizeof b, hi));
    return buf;
  }
  int y = 0, m = 0, d = 0, h = 0, mi = 0, se = 0;
  if (err == HU_DATE_ENODAY && s && strlen(s) >= 10 && digits(s, 4, &y) == 0 && digits(s + 5, 2, &m) == 0 &&
      digits(s + 8, 2, &d) == 0) {
    if (m < 1 || m > 12) snprintf(buf, cap, "is not a %s: there is no month %d", what, m);
    else if (d < 1 || d > hu_days_in_month(y, m))
      snprintf(buf, cap, "is not a %s: %s %04d has %d days", what, month[m - 1], y, hu_days_in_month(y, m));
    else if (strlen(s) >= 16 && digits(s + 11, 2, &h) == 0 && h > 23)
      snprintf(buf, cap, "is not a time: there is no hour %d", h);
    else if (strlen(s) >= 16 && digits(s + 14, 2, &mi) == 0 && mi > 59)
      snprintf(buf, cap, "is not a time: there is no minute %d", mi);
    else if (strlen(s) >= 19 && digits(s + 17, 2, &se) == 0 && se > 59)
      snprintf(buf, cap, "is not a time: there is no second %d", se);
    else snprintf(buf, cap, "is not a %s: use %s", what, use);
    return buf;
  }
  snprintf(buf, cap, "is not a %s: use %s", what, use);
  return buf;
}

const char *hu_date_msg(char *buf, size_t cap, const char *what, const char *s, int err, hu_form form) {
  char why[96];
  hu_date_why(why, sizeof why, s, err, form, HU_DAY_MIN, HU_DAY_MAX);
  snprintf(buf, cap, "%s%s'%.40s' %s", what ? what : "", what && *what ? " " : "", s ? s : "", why);
  return buf;
}

/* ---- formatting --------------------------------------------------------------------- */

const char *hu_date_fmt(char *buf, size_t cap, int32_t day) {
  int32_t y;
  int m, d;
  hu_ymd_from_day(day, &y, &m, &d);
  /* Exactly 10 characters whatever the day (the month and day tests let the compiler see it). */
  if (y < 0 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31) snprintf(buf, cap, "0000-00-00");
  else /* the remainders change nothing here; they bound the widths for gcc's -Wformat-truncation */
    snprintf(buf, cap, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u, (unsigned)d % 100u);
  return buf;
}

const char *hu_minute_fmt(char *buf, size_t cap, int64_t minutes) {
  int32_t day = hu_day_of_minutes(minutes);
  int rest = (int)(minutes - (int64_t)day * 1440);
  char date[HU_DATE_LEN];
  snprintf(buf, cap, "%s %02d:%02d", hu_date_fmt(date, sizeof date, day), rest / 60, rest % 60);
  return buf;
}

const char *hu_time_fmt(char *buf, size_t cap, int64_t epoch_s) {
  int32_t day = hu_day_of_epoch_s(epoch_s);
  int rest = (int)(epoch_s - (int64_t)day * 86400);
  char date[HU_DATE_LEN];
  snprintf(buf, cap, "%s %02d:%02d:%02d", hu_date_fmt(date, sizeof date, day), rest / 3600, rest / 60 % 60, rest % 60);
  return buf;
}

/* ---- clocks ------------------------------------------------------------------------- */

int64_t hu_now_minutes(void) {
  const char *env = getenv("NMOD_NOW");
  int64_t m;
  if (env && *env && hu_minute_parse(env, &m) == 0) return m;
  time_t t = time(NULL);
  struct tm tm;
  localtime_r(&t, &tm);
  return (int64_t)hu_day_from_ymd(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday) * 1440 + tm.tm_hour * 60 + tm.tm_min;
}

int32_t hu_today(void) {
  const char *env = getenv("NMOD_TODAY");
  int32_t d;
  if (env && *env && hu_date_parse(env, &d) == 0) return d;
  return hu_day_of_minutes(hu_now_minutes());
}

int32_t hu_utc_today(void) { return hu_day_of_epoch_s((int64_t)time(NULL)); }
