/* clinic_score.c: questionnaire scores computed from item answers (docs/CLINIC.md, sources in
 * shared/reference/device-facts.md):
 *   Wexner (Cleveland Clinic): solid, liquid, gas, pad, lifestyle, each 0-4; total 0-20.
 *   St Mark's (Vaizey): solid, liquid, gas, lifestyle 0-4; pad no 0 / yes 2; constipating
 *     medicines no 0 / yes 2; unable to defer defecation for 15 minutes no 0 / yes 4; 0-24.
 *   NRS: one pain score 0-10.
 * Frequency answers may be given as 0-4 or as never, rarely, sometimes, usually, always. */
#include <string.h>

#include "clinic_score.h"
#include "clinic_err.h"
#include "clinic_patient.h"
#include "clinic_store.h"
#include "clinic_sums.h"
#include "hu_date.h"
#include "hu_dec.h"

typedef struct {
  const char *name;
  int yes_points; /* 0: a 0-4 frequency item (or 0-10 for nrs); else a yes/no item */
} item_def;

static const item_def wexner_items[] = {
    {"solid", 0}, {"liquid", 0}, {"gas", 0}, {"pad", 0}, {"lifestyle", 0}};
static const item_def vaizey_items[] = {{"solid", 0},  {"liquid", 0},       {"gas", 0},
                                        {"lifestyle", 0}, {"pad", 2}, {"constipating", 2},
                                        {"defer", 4}};
static const item_def nrs_items[] = {{"nrs", 0}};

static const item_def *items_of(clinic_score_kind k, int *n) {
  switch (k) {
  case SC_WEXNER:
    *n = 5;
    return wexner_items;
  case SC_VAIZEY:
    *n = 7;
    return vaizey_items;
  default:
    *n = 1;
    return nrs_items;
  }
}

int clinic_score_kind_parse(const char *s, clinic_score_kind *k) {
  if (strcmp(s, "wexner") == 0 || strcmp(s, "cleveland") == 0) *k = SC_WEXNER;
  else if (strcmp(s, "vaizey") == 0 || strcmp(s, "st-marks") == 0 || strcmp(s, "stmarks") == 0) *k = SC_VAIZEY;
  else if (strcmp(s, "nrs") == 0) *k = SC_NRS;
  else return -1;
  return 0;
}

const char *clinic_score_kind_name(clinic_score_kind k) {
  return k == SC_WEXNER ? "wexner" : k == SC_VAIZEY ? "vaizey" : "nrs";
}

const char *clinic_score_item(clinic_score_kind k, int i, int *yes_points) {
  int n;
  const item_def *d = items_of(k, &n);
  if (i < 0 || i >= n) return NULL;
  *yes_points = d[i].yes_points;
  return d[i].name;
}

int clinic_score_max(clinic_score_kind k) { return k == SC_WEXNER ? 20 : k == SC_VAIZEY ? 24 : 10; }

static int frequency(const char *v) {
  static const char *const words[5] = {"never", "rarely", "sometimes", "usually", "always"};
  for (int i = 0; i < 5; i++)
    if (strcmp(v, words[i]) == 0) return i;
  long n;
  if (hu_dec_range(v, 0, 0, 4, &n) == 0) return (int)n;
  return -1;
}

int clinic_score_compute(clinic_score_kind k, const char *const *answers, int n, int *total,
                         char *items_out, size_t items_cap, char *msg, size_t cap) {
  int ni;
  const item_def *defs = items_of(k, &ni);
  int val[8];
  for (int i = 0; i < ni; i++) val[i] = -1;
  for (int a = 0; a < n; a++) {
    const char *eq = strchr(answers[a], '=');
    if (!eq) {
      snprintf(msg, cap, "answer '%s' is not item=value", answers[a]);
      return -1;
    }
    size_t kl = (size_t)(eq - answers[a]);
    int idx = -1;
    for (int i = 0; i < ni; i++)
      if (strlen(defs[i].name) == kl && strncmp(defs[i].name, answers[a], kl) == 0) idx = i;
    if (idx < 0) {
      clinic_buf b = {0};
      for (int i = 0; i < ni; i++) clinic_buf_printf(&b, "%s%s", i ? ", " : "", defs[i].name);
      snprintf(msg, cap, "'%.*s' is no item of the %s score (items: %s)", (int)kl, answers[a],
               clinic_score_kind_name(k), b.s);
      clinic_buf_free(&b);
      return -1;
    }
    if (val[idx] >= 0) {
      snprintf(msg, cap, "item '%s' is answered twice", defs[idx].name);
      return -1;
    }
    const char *v = eq + 1;
    int pts = -1;
    if (k == SC_NRS) {
      long x;
      if (hu_dec_range(v, 0, 0, 10, &x) == 0) pts = (int)x;
      if (pts < 0) {
        snprintf(msg, cap, "nrs '%s' is not a whole number from 0 to 10", v);
        return -1;
      }
    } else if (defs[idx].yes_points == 0) {
      pts = frequency(v);
      if (pts < 0) {
        snprintf(msg, cap, "%s '%s' is not 0-4 (never, rarely, sometimes, usually, always)", defs[idx].name, v);
        return -1;
      }
    } else {
      char yp[4];
      snprintf(yp, sizeof yp, "%d", defs[idx].yes_points);
      if (strcmp(v, "no") == 0 || strcmp(v, "0") == 0) pts = 0;
      else if (strcmp(v, "yes") == 0 || strcmp(v, yp) == 0) pts = defs[idx].yes_points;
      if (pts < 0) {
        snprintf(msg, cap, "%s '%s' is not yes or no (points 0 or %d)", defs[idx].name, v, defs[idx].yes_points);
        return -1;
      }
    }
    val[idx] = pts;
  }
  int sum = 0;
  size_t used = 0;
  items_out[0] = '\0';
  for (int i = 0; i < ni; i++) {
    if (val[i] < 0) {
      snprintf(msg, cap, "item '%s' is not answered (a %s score needs every item)", defs[i].name,
               clinic_score_kind_name(k));
      return -1;
    }
    sum += val[i];
    int w = snprintf(items_out + used, items_cap - used, "%s%s=%d", i ? "," : "", defs[i].name, val[i]);
    if (w > 0 && (size_t)w < items_cap - used) used += (size_t)w;
  }
  *total = sum;
  return 0;
}

int clinic_score_add(sqlite3 *db, const clinic_patient *p, clinic_score_kind k, int32_t date, int32_t today,
                     const char *const *answers, int n, clinic_score_rec *out, clinic_err *e) {
  memset(out, 0, sizeof *out);
  out->kind = k;
  out->date = date;
  if (date > today) {
    char ds[11];
    hu_date_fmt(ds, HU_DATE_LEN, date);
    return clinic_err_set(e, CLINIC_E_INPUT, "date %s is in the future", ds);
  }
  char msg[300];
  if (clinic_score_compute(k, answers, n, &out->total, out->items, sizeof out->items, msg, sizeof msg) != 0)
    return clinic_err_set(e, CLINIC_E_INPUT, "%s", msg);
  char ds[11];
  hu_date_fmt(ds, HU_DATE_LEN, date);
  /* The score and the patient's cached evaluation sums: one transaction. */
  if (clinic_sql_begin(db, e) != CLINIC_E_OK) return CLINIC_E_IO;
  sqlite3_stmt *st = clinic_sql_prep(db, "INSERT INTO score(pid, kind, date, total, items) VALUES (?,?,?,?,?)", e);
  if (!st) {
    clinic_rollback(db);
    return CLINIC_E_IO;
  }
  sqlite3_bind_int64(st, 1, p->pid);
  sqlite3_bind_text(st, 2, clinic_score_kind_name(k), -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, ds, -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 4, out->total);
  sqlite3_bind_text(st, 5, out->items, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) {
    if (rc == SQLITE_CONSTRAINT)
      clinic_err_set(e, CLINIC_E_RULE, "%s already has a %s score on %s (one per day)", p->code, clinic_score_kind_name(k), ds);
    else
      clinic_err_db(e, db, "storing a score");
    clinic_rollback(db);
    return e->code;
  }
  return clinic_sums_commit(db, p, e);
}

int clinic_score_each(sqlite3 *db, const clinic_patient *p, int (*fn)(void *ctx, const clinic_score_rec *r), void *ctx,
                      clinic_err *e) {
  sqlite3_stmt *st = clinic_sql_prep(db, "SELECT date, kind, total, items FROM score WHERE pid = ? ORDER BY date, kind", e);
  if (!st) return CLINIC_E_IO;
  sqlite3_bind_int64(st, 1, p->pid);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    clinic_score_rec r;
    memset(&r, 0, sizeof r);
    if (hu_date_parse((const char *)sqlite3_column_text(st, 0), &r.date) != 0) r.date = 0;
    clinic_score_kind_parse((const char *)sqlite3_column_text(st, 1), &r.kind);
    r.total = sqlite3_column_int(st, 2);
    snprintf(r.items, sizeof r.items, "%s", (const char *)sqlite3_column_text(st, 3));
    if (fn(ctx, &r) != 0) break;
  }
  return clinic_sql_end(db, st, rc, "listing scores", e);
}
