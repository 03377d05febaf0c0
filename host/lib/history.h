/* history.h: the device's event log on the host: reading it (NM_OP_HISTORY, paged), reading
 * it back from a saved `programmer history --json`, and the usage statistics a clinic reads
 * out of it (docs/USAGE.md). One reader for `history`, `usage` and `plot-history`.
 *
 * Days are calendar days in UTC (day numbers of hu_date.h), as the device counts them: an NM_EV_USAGE record written at
 * time t describes the day before t's day (the device closes a day at its first wake after
 * midnight). Host code: uses the heap; the caller owns every struct and frees what a call
 * filled with the matching _free. */
#ifndef NMOD_HISTORY_H
#define NMOD_HISTORY_H

#include <stddef.h>
#include <stdint.h>

#include "devinfo.h"
#include "devlink.h"
#include "hu_date.h"
#include "json.h"

/* ---- reading ------------------------------------------------------------------------ */

/* Called once per event, in log order. Return 0 to go on, or a negative nm_err to stop
 * (hist_read then returns it). */
typedef int (*hist_cb)(void *user, const di_event_t *e);

/* Read the whole log from the oldest event the device still holds, NM_HISTORY_MAX_PER_CALL
 * events per request, and call cb for each event at or after since_s (epoch seconds; 0 for
 * all). Returns NM_OK, the device's status (nm_err) for a refused request, DEV_ETRANSPORT
 * when the link failed, NM_EINVAL for an answer of the wrong shape, or cb's error. */
int hist_read(const dev_link_t *l, uint32_t since_s, hist_cb cb, void *user);

/* A growing array of events. */
typedef struct {
  di_event_t *ev;
  size_t n, cap;
} hist_list_t;

/* Append one event (a hist_cb: user is a hist_list_t). 0, or NM_ENOSPC when out of memory. */
int hist_collect(void *user, const di_event_t *e);
void hist_list_free(hist_list_t *l);

/* The events of a saved `programmer history --json` document (root: an object with an
 * "events" array; each event needs "time" and "type" and, for the types the statistics use,
 * their structured fields). Events are re-encoded as the device wrote them, so the same
 * statistics apply. serial (cap bytes, may be NULL) gets the document's "serial" or "".
 * Returns 0, or -1 with one line in err naming the event and field ("events[3].time: ...").
 * Events of types the statistics do not use keep only their time and type. */
int hist_from_json(const js_val *root, hist_list_t *out, char *serial, size_t serial_cap, char *err, size_t errcap);

/* ---- usage statistics --------------------------------------------------------------- */

/* One day's usage record (NM_EV_USAGE), by the day it covers. */
typedef struct {
  uint32_t day;         /* epoch day (UTC) */
  uint32_t t_s;         /* when the record was written */
  uint16_t therapy_min; /* minutes of therapy that day, 0-1440 */
  uint16_t adjustments; /* patient amplitude changes */
  uint32_t avg_amp_ua;  /* mean amplitude while on (0 when no therapy) */
  uint8_t mode_changes;
  uint16_t soc_pm;      /* battery at day end, per mille */
  uint8_t restarted;    /* the device started or reset that day: counted from then only */
} hist_day_t;

/* An ISO-8601 week touched by the recorded days. */
typedef struct {
  int32_t year;  /* week-numbering year */
  uint8_t week;  /* 1-53 */
  uint8_t days;  /* days of it with a usage record (7: a whole week) */
  uint32_t first_day; /* its Monday, epoch day (day 0 for 1970-W01, whose Monday is in 1969) */
  uint32_t adjustments;
} hist_week_t;

typedef struct {
  uint32_t t_s;
  uint8_t from, to, role, reason; /* nm_mode, nm_mode, nm_role, NM_REASON_* */
} hist_mode_t;

typedef struct {
  uint32_t t_s;
  uint8_t type;   /* NM_EV_FAULT or NM_EV_LEAD_STOP */
  uint32_t fault, detail; /* FAULT */
  uint8_t node, progs;    /* LEAD_STOP: the shorted contact, the programs it stopped */
} hist_fault_t;

typedef struct {
  uint32_t t_s;
  uint16_t soc_pm;
  uint8_t state;    /* nm_batt_state (BATTERY events only) */
  uint8_t from_usage; /* 1: a day-end reading of a usage record; 0: a BATTERY event */
} hist_batt_t;

typedef struct {
  uint32_t t_s;
  uint16_t open, shrt, high, jump; /* bit per contact */
  uint32_t mean_ohm;               /* of the contacts in the normal range; 0: none */
  uint8_t auto_check;              /* 1: the daily check */
} hist_imp_t;

typedef struct {
  uint32_t since_day;    /* first day counted (epoch day), 0: all */
  /* Days. */
  hist_day_t *days;      /* recorded days, by day, one per day */
  size_t n_days;
  uint32_t first_day, last_day; /* the span (valid when n_days > 0) */
  uint32_t span_days, gap_days; /* calendar days in the span; of them without a record */
  uint32_t shelf_days;   /* records of days on the shelf (before activation): not counted */
  uint32_t restarted_days;
  uint32_t clock_back;   /* times an event is older than the one before it: the clock went
                            back (a reset without the clock set again, or a clock set back);
                            records of one day are then merged and dates may be wrong */
  /* Therapy time. */
  uint64_t therapy_min_total;
  uint16_t therapy_min_min, therapy_min_max; /* over recorded days */
  uint32_t min_day, max_day;                 /* the first day with each */
  uint32_t zero_days;                        /* recorded days without therapy */
  /* Patient adjustments. */
  uint64_t adjustments_total;
  hist_week_t *weeks;    /* every ISO week with at least one recorded day, in order */
  size_t n_weeks;
  uint32_t whole_weeks;  /* weeks with all 7 days recorded */
  uint64_t whole_week_adjustments;
  /* Amplitude, weighted by therapy time: sum(avg_amp_ua * therapy_min) / sum(therapy_min). */
  uint32_t avg_amp_ua;   /* rounded to the nearest uA; valid when therapy_min_total > 0 */
  /* Modes. */
  hist_mode_t *modes;    /* every mode change */
  size_t n_modes;
  uint32_t entered[NM_MODE_COUNT]; /* changes into each mode */
  uint32_t off_reason[4];          /* changes into off, by NM_REASON_* (1: pregnancy) */
  /* Faults and programs stopped by a shorted contact. */
  hist_fault_t *faults;
  size_t n_faults;       /* both kinds */
  uint32_t fault_count;  /* NM_EV_FAULT only */
  /* Battery readings (usage records' day-end values and BATTERY events) in time order. */
  hist_batt_t *batt;
  size_t n_batt;
  uint32_t batt_changes; /* BATTERY events (state changes) */
  /* Lead checks. */
  hist_imp_t *imp;
  size_t n_imp;
  uint32_t imp_daily;    /* automatic ones */
  uint32_t imp_flagged;  /* with an open, shorted, high or jumped contact */
} hist_usage_t;

/* Statistics over events ev[0..n) (log order). Days before since_s's day and other events
 * before since_s are left out (since_s 0: all). Returns 0, or NM_ENOSPC when out of memory
 * (nothing to free then). Free with hist_usage_free. */
int hist_usage(const di_event_t *ev, size_t n, uint32_t since_s, hist_usage_t *out);
/* The same over events read from since_s on only (a device-side seek: the earlier ones
 * never crossed the link). The mode before the first event is the `from` of the first mode
 * change among them, or mode_now (the device's mode now, nm_mode; -1 when not known) when
 * none changed it since. */
int hist_usage_recent(const di_event_t *ev, size_t n, uint32_t since_s, int mode_now, hist_usage_t *out);
void hist_usage_free(hist_usage_t *u);
/* The record of `day`, or NULL (a gap or outside the span). */
const hist_day_t *hist_usage_day(const hist_usage_t *u, uint32_t day);

#endif
