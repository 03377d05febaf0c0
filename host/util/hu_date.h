/* hu_date.h: civil dates and times for every host tool: one strict parser, one formatter, and
 * the epoch-day arithmetic. The proleptic Gregorian calendar; a day is a day number, the days
 * since 1970-01-01 (int32_t, negative before it); an instant is seconds since 1970-01-01 00:00
 * (int64_t, UTC, the device's clock); a wall-clock minute is minutes since 1970-01-01 00:00 (the
 * clinic's local time, no time zone).
 *
 * Text is read strictly and never moved to another day: "YYYY-MM-DD" has exactly 4-2-2 digits,
 * and a day that does not exist (2025-02-30, 2025-13-01, 2023-02-29) is refused with the same
 * reason everywhere (hu_date_why). Times are "YYYY-MM-DD HH:MM:SS" and "YYYY-MM-DD HH:MM"
 * (a 'T' may stand for the space, as in ISO 8601). Years HU_YEAR_MIN..HU_YEAR_MAX. */
#ifndef NMOD_HU_DATE_H
#define NMOD_HU_DATE_H

#include <stddef.h>
#include <stdint.h>

#define HU_YEAR_MIN 1900
#define HU_YEAR_MAX 2199
#define HU_DAY_MIN (-25567) /* 1900-01-01 */
#define HU_DAY_MAX 84005    /* 2199-12-31 */
/* The last day whose midnight fits a uint32_t of seconds (the device's clock): 2106-02-07. */
#define HU_DAY_EPOCH32_MAX 49710

/* Buffer sizes of the formatters, with the NUL. */
#define HU_DATE_LEN 11   /* YYYY-MM-DD */
#define HU_MINUTE_LEN 17 /* YYYY-MM-DD HH:MM */
#define HU_TIME_LEN 20   /* YYYY-MM-DD HH:MM:SS */

/* Errors of the parsers (0 is success). */
enum {
  HU_DATE_EFORM = -1,  /* not of the form: "2025-3-1", "yesterday", "2025-03-01x" */
  HU_DATE_ENODAY = -2, /* of the form, but no such day or time: 2025-02-30, 2025-13-01, 24:00 */
  HU_DATE_ERANGE = -3  /* a real day outside the range asked for */
};

/* The forms, for hu_date_why. */
typedef enum { HU_FORM_DATE, HU_FORM_MINUTE, HU_FORM_TIME } hu_form;

int hu_is_leap(int32_t year);
/* Days in month 1..12 of year. */
int hu_days_in_month(int32_t year, int month);
/* Day number of a valid date (month 1-12, day 1..hu_days_in_month), any year of int32_t. */
int32_t hu_day_from_ymd(int32_t year, int month, int day);
void hu_ymd_from_day(int32_t day, int32_t *year, int *month, int *mday);
/* 0 = Monday ... 6 = Sunday; "Mon" ... "Sun". */
int hu_weekday(int32_t day);
const char *hu_weekday_name(int32_t day);
/* ISO-8601 week: *year is the week-numbering year (the year of the week's Thursday), *week 1-53. */
void hu_iso_week(int32_t day, int32_t *year, int *week);
/* The Monday of day's ISO week. */
int32_t hu_week_monday(int32_t day);
/* Calendar months later (or earlier, months < 0), the day clamped to the target month's last
 * day: 2025-01-31 + 1 = 2025-02-28. */
int32_t hu_add_months(int32_t day, int months);
/* Floor division of seconds and minutes into day numbers (correct before 1970 too). */
int32_t hu_day_of_epoch_s(int64_t epoch_s);
int32_t hu_day_of_minutes(int64_t minutes);

/* Parse "YYYY-MM-DD" into a day number in HU_DAY_MIN..HU_DAY_MAX. 0 or an HU_DATE_ error. */
int hu_date_parse(const char *s, int32_t *day);
/* The same, and the day must lie in lo..hi (HU_DATE_ERANGE otherwise). */
int hu_date_parse_in(const char *s, int32_t lo, int32_t hi, int32_t *day);
/* "YYYY-MM-DD HH:MM" (wall clock) into minutes since 1970-01-01 00:00. 0 or an error. */
int hu_minute_parse(const char *s, int64_t *minutes);
/* "YYYY-MM-DD HH:MM:SS" (UTC) into seconds since 1970-01-01 00:00:00. 0 or an error. */
int hu_time_parse(const char *s, int64_t *epoch_s);

/* Why text s was refused, for a message "WHAT 'S' <why>": err from a parser of `form`; lo..hi
 * the day range asked for (HU_DATE_ERANGE only). Writes into buf and returns it:
 *   EFORM   "is not a date: use YYYY-MM-DD" (or "... a time: use YYYY-MM-DD HH:MM[:SS]")
 *   ENODAY  "is not a date: February 2025 has 28 days" / "there is no month 13" /
 *           "is not a time: there is no hour 24"
 *   ERANGE  "is outside 1900-01-01..2199-12-31" */
const char *hu_date_why(char *buf, size_t cap, const char *s, int err, hu_form form, int32_t lo, int32_t hi);

/* The whole message "WHAT 'S' <why>" (s cut after 40 characters; what NULL or "": "'S' <why>")
 * for the default range HU_DAY_MIN..HU_DAY_MAX. Writes into buf and returns it. */
const char *hu_date_msg(char *buf, size_t cap, const char *what, const char *s, int err, hu_form form);

/* "YYYY-MM-DD", "YYYY-MM-DD HH:MM", "YYYY-MM-DD HH:MM:SS" into buf (cap bytes; HU_*_LEN is
 * enough); returns buf. A year outside 0..9999 writes "0000-00-00" (with the time). */
const char *hu_date_fmt(char *buf, size_t cap, int32_t day);
const char *hu_minute_fmt(char *buf, size_t cap, int64_t minutes);
const char *hu_time_fmt(char *buf, size_t cap, int64_t epoch_s);

/* The clocks. Today and now on the local wall clock, unless fixed by the environment (tests,
 * demos, reproducible plans): NMOD_NOW='YYYY-MM-DD HH:MM' fixes now, NMOD_TODAY=YYYY-MM-DD
 * today (else the date of NMOD_NOW); a value that does not parse is ignored. hu_utc_today: the
 * day number of the UTC date now (the device's calendar). */
int64_t hu_now_minutes(void);
int32_t hu_today(void);
int32_t hu_utc_today(void);

#endif
