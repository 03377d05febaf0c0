/* clinic_path.c: the two-stage path of each therapy as a state machine with dates.
 *
 * Each step needs the step before it (for a pair of alternatives, such as a definitive
 * implant or an explant, either one). A step may be recorded as done (its date is not in the
 * future) or as planned (any date); a done step needs its predecessor done, a planned step
 * needs its predecessor at least planned. Dates never go backwards along the path. A team
 * meeting that decides "stop" closes the path, and so does an explant except for follow-up.
 */
#include <limits.h>
#include <string.h>

#include "clinic_path.h"
#include "clinic_err.h"
#include "clinic_patient.h"
#include "clinic_store.h"
#include "hu_date.h"

const clinic_step_def *clinic_path_steps(clinic_therapy t, int *n) {
  const clinic_step_def *first = NULL;
  *n = 0;
  for (const clinic_step_def *d = clinic_path_table; d->id; d++) {
    if (d->therapy == t) {
      if (!first) first = d;
      (*n)++;
    } else if (first) {
      break; /* the therapy's rows stand together: the table says so */
    }
  }
  return first;
}

int clinic_path_index(clinic_therapy t, const char *name) {
  int n;
  const clinic_step_def *d = clinic_path_steps(t, &n);
  if (strcmp(name, "stage1") == 0 || strcmp(name, "stage-1") == 0 || strcmp(name, "pne") == 0)
    name = "trial";
  else if (strcmp(name, "stage2-implant") == 0 || strcmp(name, "definitive") == 0)
    name = "implant";
  else if (strcmp(name, "stage2-removal") == 0 || strcmp(name, "removal") == 0)
    name = "explant";
  else if (t == TH_SCS && strcmp(name, "diary") == 0)
    name = "questionnaires";
  else if (t == TH_SNM && strcmp(name, "diary") == 0)
    name = "scores";
  for (int i = 0; i < n; i++)
    if (strcmp(d[i].id, name) == 0) return i;
  return -1;
}

int clinic_path_read_st(sqlite3_stmt *st, const clinic_patient *p, clinic_path *path, clinic_err *e) {
  memset(path, 0, sizeof *path);
  path->therapy = p->therapy;
  path->def = clinic_path_steps(p->therapy, &path->nsteps);
  sqlite3_reset(st);
  sqlite3_bind_int64(st, 1, p->pid);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    int i = clinic_path_index(p->therapy, (const char *)sqlite3_column_text(st, 0));
    if (i < 0) continue;
    clinic_step_rec *r = &path->rec[i];
    if (hu_date_parse((const char *)sqlite3_column_text(st, 1), &r->date) != 0) continue;
    r->recorded = 1;
    r->planned = sqlite3_column_int(st, 2);
    char *dst[4] = {r->outcome, r->note, r->override, r->override_rule};
    size_t cap[4] = {sizeof r->outcome, sizeof r->note, sizeof r->override, sizeof r->override_rule};
    for (int k = 0; k < 4; k++) {
      const unsigned char *t = sqlite3_column_text(st, 3 + k);
      snprintf(dst[k], cap[k], "%s", t ? (const char *)t : "");
    }
  }
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) return clinic_err_db(e, sqlite3_db_handle(st), "reading the path");
  return CLINIC_E_OK;
}

int clinic_path_read(sqlite3 *db, const clinic_patient *p, clinic_path *path, clinic_err *e) {
  sqlite3_stmt *st = clinic_sql_prep(db, CLINIC_PATH_LOAD_SQL, e);
  if (!st) return CLINIC_E_IO;
  int rc = clinic_path_read_st(st, p, path, e);
  sqlite3_finalize(st);
  return rc;
}

int32_t clinic_path_done(const clinic_path *path, const char *id) {
  int i = clinic_path_index(path->therapy, id);
  if (i < 0 || !path->rec[i].recorded || path->rec[i].planned) return INT32_MIN;
  return path->rec[i].date;
}

int32_t clinic_path_any(const clinic_path *path, const char *id) {
  int i = clinic_path_index(path->therapy, id);
  if (i < 0 || !path->rec[i].recorded) return INT32_MIN;
  return path->rec[i].date;
}

int clinic_path_closed(const clinic_path *path) {
  for (int i = 0; i < path->nsteps; i++) {
    const clinic_step_rec *r = &path->rec[i];
    if (r->recorded && !r->planned && strcmp(r->outcome, "stop") == 0) return 1;
  }
  return 0;
}

/* The step that must come before idx: the nearest earlier step outside idx's own group of
 * alternatives. Sets *lo..*hi to that step or its whole group. -1 when idx is the first. */
static int predecessor(const clinic_path *path, int idx, int *lo, int *hi) {
  int j = idx - 1;
  int g = path->def[idx].alt_group;
  while (j >= 0 && g != 0 && path->def[j].alt_group == g) j--;
  if (j < 0) return -1;
  *lo = *hi = j;
  int gj = path->def[j].alt_group;
  if (gj != 0) {
    while (*lo > 0 && path->def[*lo - 1].alt_group == gj) (*lo)--;
  }
  return j;
}

int clinic_path_check(const clinic_path *path, int idx, int32_t date, int planned,
                      const char *outcome, int32_t today, char *msg, size_t cap) {
  const clinic_step_def *d = &path->def[idx];
  char ds[11];
  hu_date_fmt(ds, HU_DATE_LEN, date);
  if (!planned && date > today) {
    snprintf(msg, cap, "'%s' on %s is in the future: record it with --planned, or when it has happened",
             d->id, ds);
    return CL_USAGE;
  }
  if (outcome && *outcome) {
    if (strcmp(d->id, "team-review") != 0 && strcmp(d->id, "decision") != 0) {
      snprintf(msg, cap, "--outcome applies to team-review and decision only, not '%s'", d->id);
      return CL_USAGE;
    }
    if (strcmp(outcome, "proceed") != 0 && strcmp(outcome, "stop") != 0) {
      snprintf(msg, cap, "outcome '%s' is not known: use proceed or stop", outcome);
      return CL_USAGE;
    }
  }
  const clinic_step_rec *me = &path->rec[idx];
  if (me->recorded && !me->planned) {
    char md[11];
    hu_date_fmt(md, HU_DATE_LEN, me->date);
    snprintf(msg, cap, "'%s' is already recorded on %s (undo the last step with: nmod clinic path undo PATIENT)",
             d->id, md);
    return CL_RULE;
  }
  /* An alternative already taken blocks the other one. */
  if (d->alt_group) {
    for (int k = 0; k < path->nsteps; k++)
      if (k != idx && path->def[k].alt_group == d->alt_group && path->rec[k].recorded &&
          !path->rec[k].planned) {
        snprintf(msg, cap, "'%s' cannot be recorded: its alternative '%s' is already recorded",
                 d->id, path->def[k].id);
        return CL_RULE;
      }
  }
  /* Once the team said stop, or the system was removed, nothing else except follow-up. */
  for (int k = 0; k < path->nsteps; k++) {
    const clinic_step_rec *r = &path->rec[k];
    if (k < idx && r->recorded && !r->planned && strcmp(r->outcome, "stop") == 0) {
      char kd[11];
      hu_date_fmt(kd, HU_DATE_LEN, r->date);
      snprintf(msg, cap, "the path is closed: '%s' on %s decided to stop", path->def[k].id, kd);
      return CL_RULE;
    }
  }
  /* No step may follow one recorded later in the path (that would mean going back). */
  for (int k = idx + 1; k < path->nsteps; k++) {
    const clinic_step_rec *r = &path->rec[k];
    if (!r->recorded || (path->def[k].alt_group && path->def[k].alt_group == d->alt_group)) continue;
    if (!r->planned) {
      snprintf(msg, cap, "'%s' cannot be recorded after the later step '%s'", d->id, path->def[k].id);
      return CL_RULE;
    }
    if (date > r->date) {
      char kd[11];
      hu_date_fmt(kd, HU_DATE_LEN, r->date);
      snprintf(msg, cap, "'%s' on %s would come after the planned step '%s' on %s; move that first",
               d->id, ds, path->def[k].id, kd);
      return CL_RULE;
    }
  }
  int lo, hi;
  if (predecessor(path, idx, &lo, &hi) < 0) return CL_OK;
  int found = -1;
  for (int k = lo; k <= hi; k++)
    if (path->rec[k].recorded) found = k;
  if (found < 0) {
    /* Name the earliest missing step: the one to record first. */
    int first_lo = lo, first_hi = hi, plo, phi;
    while (predecessor(path, first_lo, &plo, &phi) >= 0) {
      int any = 0;
      for (int k = plo; k <= phi; k++) any |= path->rec[k].recorded;
      if (any) break;
      first_lo = plo;
      first_hi = phi;
    }
    if (first_lo == first_hi)
      snprintf(msg, cap, "'%s' is out of order: the step '%s' (%s) is missing; record it first",
               d->id, path->def[first_lo].id, path->def[first_lo].title);
    else
      snprintf(msg, cap, "'%s' is out of order: the step '%s' or '%s' is missing; record it first",
               d->id, path->def[first_lo].id, path->def[first_hi].id);
    return CL_RULE;
  }
  const clinic_step_rec *pr = &path->rec[found];
  char pd[11];
  hu_date_fmt(pd, HU_DATE_LEN, pr->date);
  if (!planned && pr->planned) {
    snprintf(msg, cap, "'%s' is out of order: the step '%s' is only planned (for %s); record it as done first",
             d->id, path->def[found].id, pd);
    return CL_RULE;
  }
  if (date < pr->date) {
    snprintf(msg, cap, "'%s' on %s is before the step '%s' on %s; dates must follow the path", d->id,
             ds, path->def[found].id, pd);
    return CL_RULE;
  }
  return CL_OK;
}

/* Indexes of the next steps (one, or a pair of alternatives); returns how many. */
int clinic_path_next(const clinic_path *path, int out[2]) {
  if (clinic_path_closed(path)) return 0;
  int last = -1;
  for (int i = 0; i < path->nsteps; i++)
    if (path->rec[i].recorded && !path->rec[i].planned) last = i;
  int i = last + 1;
  if (last >= 0 && path->def[last].alt_group) {
    i = last;
    while (i < path->nsteps && path->def[i].alt_group == path->def[last].alt_group) i++;
  }
  if (i >= path->nsteps) return 0;
  int n = 0;
  out[n++] = i;
  if (path->def[i].alt_group && i + 1 < path->nsteps &&
      path->def[i + 1].alt_group == path->def[i].alt_group)
    out[n++] = i + 1;
  return n;
}

const char *clinic_path_status(const clinic_path *path) {
  if (clinic_path_closed(path)) return "closed";
  int nx[2], last = -1;
  for (int i = 0; i < path->nsteps; i++)
    if (path->rec[i].recorded && !path->rec[i].planned) last = i;
  return clinic_path_next(path, nx) == 0 && last >= 0 ? "follow-up" : "open";
}
