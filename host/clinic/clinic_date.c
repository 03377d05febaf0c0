/* clinic_date.c: civil dates as day numbers (days since 1970-01-01, proleptic Gregorian),
 * strict ISO parsing, and calendar-month arithmetic clamped to the month's last day. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clinic_int.h"

int32_t clinic_date_from_ymd(int y, int m, int d) {
  /* Days from civil: shift the year to start in March so the leap day is last. */
  int yy = m <= 2 ? y - 1 : y;
  int era = (yy >= 0 ? yy : yy - 399) / 400;
  int yoe = yy - era * 400;
  int mp = (m + 9) % 12;
  int doy = (153 * mp + 2) / 5 + d - 1;
  int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return (int32_t)(era * 146097 + doe - 719468);
}

void clinic_date_to_ymd(int32_t day, int *y, int *m, int *d) {
  int z = (int)day + 719468;
  int era = (z >= 0 ? z : z - 146096) / 146097;
  int doe = z - era * 146097;
  int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = yoe + era * 400 + (*m <= 2);
}

int clinic_days_in_month(int y, int m) {
  static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m == 2) return ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0) ? 29 : 28;
  return dim[m - 1];
}

int clinic_date_parse(const char *s, int32_t *day) {
  if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-') return -1;
  for (int i = 0; i < 10; i++)
    if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9')) return -1;
  int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
  int m = (s[5] - '0') * 10 + (s[6] - '0');
  int d = (s[8] - '0') * 10 + (s[9] - '0');
  if (y < 1900 || y > 2199 || m < 1 || m > 12 || d < 1 || d > clinic_days_in_month(y, m))
    return -1;
  *day = clinic_date_from_ymd(y, m, d);
  return 0;
}

void clinic_date_fmt(int32_t day, char out[11]) {
  int y, m, d;
  clinic_date_to_ymd(day, &y, &m, &d);
  /* The range check keeps the output at exactly 10 characters. */
  if (y < 0 || y > 9999) {
    memcpy(out, "0000-00-00", 11);
    return;
  }
  out[0] = (char)('0' + y / 1000);
  out[1] = (char)('0' + y / 100 % 10);
  out[2] = (char)('0' + y / 10 % 10);
  out[3] = (char)('0' + y % 10);
  out[4] = '-';
  out[5] = (char)('0' + m / 10);
  out[6] = (char)('0' + m % 10);
  out[7] = '-';
  out[8] = (char)('0' + d / 10);
  out[9] = (char)('0' + d % 10);
  out[10] = '\0';
}

int32_t clinic_date_add_months(int32_t day, int months) {
  int y, m, d;
  clinic_date_to_ymd(day, &y, &m, &d);
  int idx = y * 12 + (m - 1) + months;
  int ny = idx >= 0 ? idx / 12 : -((-idx + 11) / 12);
  int nm = idx - ny * 12 + 1;
  int dim = clinic_days_in_month(ny, nm);
  return clinic_date_from_ymd(ny, nm, d > dim ? dim : d);
}

int clinic_weekday(int32_t day) {
  /* 1970-01-01 was a Thursday (3 with Monday = 0). */
  int w = (int)((day % 7 + 7 + 3) % 7);
  return w;
}

const char *clinic_weekday_name(int32_t day) {
  static const char *const names[7] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  return names[clinic_weekday(day)];
}

int clinic_datetime_parse(const char *s, int64_t *minutes) {
  char date[11];
  int32_t day;
  if (!s || strlen(s) != 16 || (s[10] != ' ' && s[10] != 'T') || s[13] != ':') return -1;
  memcpy(date, s, 10);
  date[10] = '\0';
  if (clinic_date_parse(date, &day) != 0) return -1;
  for (int i = 11; i < 16; i++)
    if (i != 13 && (s[i] < '0' || s[i] > '9')) return -1;
  int h = (s[11] - '0') * 10 + (s[12] - '0'), m = (s[14] - '0') * 10 + (s[15] - '0');
  if (h > 23 || m > 59) return -1;
  *minutes = (int64_t)day * 1440 + h * 60 + m;
  return 0;
}

void clinic_datetime_fmt(int64_t minutes, char out[17]) {
  int64_t day = minutes >= 0 ? minutes / 1440 : -((-minutes + 1439) / 1440);
  int rest = (int)(minutes - day * 1440);
  clinic_date_fmt((int32_t)day, out);
  out[10] = ' ';
  out[11] = (char)('0' + rest / 600);
  out[12] = (char)('0' + rest / 60 % 10);
  out[13] = ':';
  out[14] = (char)('0' + rest % 60 / 10);
  out[15] = (char)('0' + rest % 10);
  out[16] = '\0';
}

int64_t clinic_now(void) {
  const char *env = getenv("NMOD_NOW");
  int64_t m;
  if (env && *env && clinic_datetime_parse(env, &m) == 0) return m;
  time_t t = time(NULL);
  struct tm tm;
  localtime_r(&t, &tm);
  return (int64_t)clinic_date_from_ymd(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday) * 1440 + tm.tm_hour * 60 +
         tm.tm_min;
}

int32_t clinic_today(void) {
  const char *env = getenv("NMOD_TODAY");
  int32_t d;
  if (env && *env && clinic_date_parse(env, &d) == 0) return d;
  int64_t now = clinic_now();
  return (int32_t)(now >= 0 ? now / 1440 : -((-now + 1439) / 1440));
}
