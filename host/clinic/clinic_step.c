/* clinic_step.c: recording one path step with every rule, the one implementation behind
 * `path step` and `path import`.
 *
 * The rules, in order: the state machine (clinic_path_check: order, dates, outcome), the
 * birth date, the texts, then two rules a clinician may override with a stated reason:
 *   - the step that ends the trial (SCS trial-end, SNM stage 2) past the trial's window
 *     plus its tolerance (clinic_window.c);
 *   - a definitive implant after a trial whose evaluation is not `success`, evaluated on
 *     the path as it would be with this step (so SNM trial days end the day before stage 2).
 * An override that overrides nothing is refused too, so a stored override always means a
 * rule was set aside, and it is stored with the rule it set aside.
 */
#include <limits.h>
#include <string.h>

#include "clinic_step.h"
#include "clinic_err.h"
#include "clinic_eval.h"
#include "clinic_path.h"
#include "clinic_patient.h"
#include "clinic_store.h"
#include "clinic_sums.h"
#include "clinic_window.h"
#include "hu_date.h"
#include "hu_fmt.h"

#define CLINIC_TEXT_MAX 200
#define CLINIC_DETAIL_MAX 100

static const char *const treatment_kinds[] = {"medication", "irrigation", "operation", "other"};

int clinic_stepper_open(sqlite3 *db, int32_t today, clinic_stepper *s, clinic_err *e) {
  memset(s, 0, sizeof *s);
  s->db = db;
  s->today = today;
  int rc = clinic_sums_open(db, &s->sums, e);
  if (rc) return rc;
  s->del_alt = clinic_sql_prep(db, "DELETE FROM path_step WHERE pid = ? AND step = ?", e);
  char put[256];
  clinic_store_replace_sql(put, sizeof put, "path_step", "pid, step, date, planned, outcome, note, override, override_rule");
  s->ins_step = clinic_sql_prep(db, put, e);
  s->ins_treat = clinic_sql_prep(db, "INSERT INTO earlier_treatment(pid, kind, detail) VALUES (?,?,?)", e);
  if (!s->del_alt || !s->ins_step || !s->ins_treat) {
    clinic_stepper_close(s);
    return CLINIC_E_IO;
  }
  return CLINIC_E_OK;
}

void clinic_stepper_close(clinic_stepper *s) {
  clinic_sums_close(&s->sums);
  sqlite3_finalize(s->del_alt);
  sqlite3_finalize(s->ins_step);
  sqlite3_finalize(s->ins_treat);
  memset(s, 0, sizeof *s);
}

/* A free text: at most CLINIC_TEXT_MAX (or max) bytes, no control characters. */
static int text_ok(const char *t, size_t max) {
  if (strlen(t) > max) return 0;
  for (; *t; t++)
    if ((unsigned char)*t < 0x20 || *t == 0x7f) return 0;
  return 1;
}

int clinic_step_split_treatments(char *field, clinic_step_req *req, char *msg, size_t cap) {
  req->ntreatments = 0;
  if (!field || !*field) return 0;
  for (char *p = field;;) {
    char *semi = strchr(p, ';');
    if (semi) *semi = '\0';
    if (req->ntreatments >= CLINIC_MAX_TREATMENTS) {
      snprintf(msg, cap, "more than %d earlier treatments", CLINIC_MAX_TREATMENTS);
      return -1;
    }
    req->treatments[req->ntreatments++] = p;
    if (!semi) return 0;
    p = semi + 1;
  }
}

/* "KIND" or "KIND:DETAIL": 0 with kind copied, or -1 with a message. */
static int treatment_parse(const char *t, char kind[16], const char **detail, char *msg, size_t cap) {
  const char *colon = strchr(t, ':');
  size_t n = colon ? (size_t)(colon - t) : strlen(t);
  *detail = colon ? colon + 1 : NULL;
  for (size_t i = 0; i < sizeof treatment_kinds / sizeof treatment_kinds[0]; i++)
    if (strlen(treatment_kinds[i]) == n && strncmp(t, treatment_kinds[i], n) == 0) {
      snprintf(kind, 16, "%s", treatment_kinds[i]);
      if (*detail && (!**detail || !text_ok(*detail, CLINIC_DETAIL_MAX) || strchr(*detail, ';'))) {
        snprintf(msg, cap, "earlier treatment '%.120s': the detail after ':' must have 1-%d printable characters without ';'",
                 t, CLINIC_DETAIL_MAX);
        return -1;
      }
      return 0;
    }
  snprintf(msg, cap, "earlier treatment '%.120s' is not known: use medication, irrigation, operation or other, "
           "optionally with ':DETAIL' (operation:rectopexy)", t);
  return -1;
}

/* What recording req would override, as text in why (empty when nothing). */
static int needs_override(clinic_stepper *s, const clinic_patient *p, const clinic_path *path, const clinic_step_req *req,
                          char *why, size_t cap, clinic_err *e) {
  why[0] = '\0';
  if (req->planned) return CLINIC_E_OK;
  clinic_path hp = *path;
  clinic_step_rec *r = &hp.rec[req->idx];
  memset(r, 0, sizeof *r);
  r->recorded = 1;
  r->date = req->date;
  snprintf(r->override, sizeof r->override, "%s", req->override ? req->override : "");
  /* Taking one alternative drops the other, as recording will. */
  for (int k = 0; k < hp.nsteps; k++)
    if (k != req->idx && hp.def[k].alt_group && hp.def[k].alt_group == hp.def[req->idx].alt_group)
      memset(&hp.rec[k], 0, sizeof hp.rec[k]);
  size_t n = 0;
  if (clinic_step_closes_trial(&hp, req->idx)) {
    clinic_windows w;
    clinic_windows_of(&hp, &s->sums.cfg, &w);
    if (w.trial_day != INT32_MIN && w.closed_to > w.limit_to) {
      char t[11], lim[11];
      hu_date_fmt(t, HU_DATE_LEN, w.trial_day);
      /* The latest date of this step without an override. */
      hu_date_fmt(lim, HU_DATE_LEN, p->therapy == TH_SCS ? w.limit_to : w.limit_to + 1);
      n += (size_t)snprintf(why + n, cap - n, "the trial would last %d days from %s on %s, past its %d-day window and "
                            "the %d days' tolerance (%s at the latest)",
                            (int)(req->date - w.trial_day), p->therapy == TH_SCS ? "operation 1" : "stage 1", t,
                            s->sums.cfg.trial_days[p->therapy], s->sums.cfg.tolerance_days, lim);
    }
  }
  if (strcmp(hp.def[req->idx].id, "implant") == 0 && n < cap) {
    clinic_eval ev;
    int rc = clinic_sums_compute(&s->sums, p, &hp, &ev, NULL, e);
    if (rc) return rc;
    clinic_eval_decide(&ev);
    if (ev.verdict != EV_SUCCESS) {
      char red[40] = "";
      if (ev.has_reduction) {
        char x[HU_FIXED_LEN];
        snprintf(red, sizeof red, ", reduction %s %%", hu_fmt_fixed(x, sizeof x, ev.reduction_bp, 2, 2));
      }
      snprintf(why + n, cap - n, "%sthe trial evaluation is '%s' (%s%s; %lld baseline and %lld trial days)",
               n ? "; and " : "", clinic_verdict_name(ev.verdict), ev.reason, red, (long long)ev.base.days,
               (long long)ev.trial.days);
    }
  }
  return CLINIC_E_OK;
}

int clinic_step_apply(clinic_stepper *s, const clinic_patient *p, clinic_path *path, const clinic_step_req *req,
                      const char *file, long line, clinic_err *e) {
  char pre[400] = "", msg[600], ds[11], why[512];
  if (line > 0) snprintf(pre, sizeof pre, "%s line %ld: ", file ? file : "", line);
  const clinic_step_def *d = &path->def[req->idx];
  hu_date_fmt(ds, HU_DATE_LEN, req->date);
  int rc = clinic_path_check(path, req->idx, req->date, req->planned, req->outcome, s->today, msg, sizeof msg);
  if (rc) return clinic_err_set(e, rc, "%s%s: %s", pre, p->code, msg);
  if (req->date < p->birth) return clinic_err_set(e, CLINIC_E_INPUT, "%s%s: a date before the birth date", pre, p->code);
  if (req->note && !text_ok(req->note, CLINIC_TEXT_MAX))
    return clinic_err_set(e, CLINIC_E_INPUT, "%s%s: the note must have at most %d printable characters", pre, p->code, CLINIC_TEXT_MAX);
  const char *ov = req->override && *req->override ? req->override : NULL;
  if (ov && !text_ok(ov, CLINIC_TEXT_MAX))
    return clinic_err_set(e, CLINIC_E_INPUT, "%s%s: the override reason must have at most %d printable characters", pre, p->code,
                       CLINIC_TEXT_MAX);
  if (req->ntreatments > 0 && strcmp(d->id, "referral") != 0)
    return clinic_err_set(e, CLINIC_E_INPUT, "%s%s: earlier treatments are recorded with the referral step, not '%s'", pre, p->code,
                       d->id);
  char kinds[CLINIC_MAX_TREATMENTS][16];
  const char *details[CLINIC_MAX_TREATMENTS];
  for (int i = 0; i < req->ntreatments; i++)
    if (treatment_parse(req->treatments[i], kinds[i], &details[i], msg, sizeof msg) != 0)
      return clinic_err_set(e, CLINIC_E_INPUT, "%s%s: %s", pre, p->code, msg);
  if ((rc = needs_override(s, p, path, req, why, sizeof why, e)) != CL_OK) return rc;
  const char *how = line > 0 ? "give the reason in the row's override column" : "pass --override REASON";
  if (why[0] && !ov)
    return clinic_err_set(e, CLINIC_E_RULE, "%s%s: '%s' on %s: %s; %s to record it anyway%s", pre, p->code, d->id, ds, why, how,
                       strcmp(d->id, "implant") == 0 ? ", or record 'explant' instead" : "");
  if (ov && req->planned)
    return clinic_err_set(e, CLINIC_E_INPUT, "%s%s: an override is given when '%s' is recorded as done, not planned", pre, p->code,
                       d->id);
  int is_implant = strcmp(d->id, "implant") == 0;
  if (ov && !why[0] && !is_implant && !clinic_step_closes_trial(path, req->idx))
    return clinic_err_set(e, CLINIC_E_INPUT, "%s%s: an override applies to the step that ends the trial and to the definitive implant, "
                       "not '%s'", pre, p->code, d->id);
  if (ov && !why[0])
    return clinic_err_set(e, CLINIC_E_INPUT, "%s%s: '%s' on %s needs no override (the trial is within its window%s); leave it out",
                       pre, p->code, d->id, ds, is_implant ? " and succeeded" : "");
  /* Taking one alternative drops a plan for the other. */
  if (d->alt_group) {
    for (int k = 0; k < path->nsteps; k++) {
      if (k == req->idx || path->def[k].alt_group != d->alt_group || !path->rec[k].recorded) continue;
      sqlite3_reset(s->del_alt);
      sqlite3_bind_int64(s->del_alt, 1, p->pid);
      sqlite3_bind_text(s->del_alt, 2, path->def[k].id, -1, SQLITE_STATIC);
      rc = sqlite3_step(s->del_alt);
      sqlite3_reset(s->del_alt);
      if (rc != SQLITE_DONE) return clinic_err_db(e, s->db, "dropping a planned alternative");
      memset(&path->rec[k], 0, sizeof path->rec[k]);
    }
  }
  const char *oc = req->outcome && *req->outcome ? req->outcome
                   : (strcmp(d->id, "team-review") == 0 || strcmp(d->id, "decision") == 0) ? "proceed"
                                                                                             : NULL;
  const char *note = req->note && *req->note ? req->note : NULL;
  sqlite3_stmt *st = s->ins_step;
  sqlite3_reset(st);
  sqlite3_bind_int64(st, 1, p->pid);
  sqlite3_bind_text(st, 2, d->id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, ds, -1, SQLITE_STATIC);
  sqlite3_bind_int(st, 4, req->planned ? 1 : 0);
  const char *texts[4] = {oc, note, ov, ov ? why : NULL};
  for (int i = 0; i < 4; i++) {
    if (texts[i])
      sqlite3_bind_text(st, 5 + i, texts[i], -1, SQLITE_STATIC);
    else
      sqlite3_bind_null(st, 5 + i);
  }
  rc = sqlite3_step(st);
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) return clinic_err_db(e, s->db, "recording a step");
  for (int i = 0; i < req->ntreatments; i++) {
    sqlite3_reset(s->ins_treat);
    sqlite3_bind_int64(s->ins_treat, 1, p->pid);
    sqlite3_bind_text(s->ins_treat, 2, kinds[i], -1, SQLITE_STATIC);
    if (details[i])
      sqlite3_bind_text(s->ins_treat, 3, details[i], -1, SQLITE_STATIC);
    else
      sqlite3_bind_null(s->ins_treat, 3);
    rc = sqlite3_step(s->ins_treat);
    sqlite3_reset(s->ins_treat);
    if (rc != SQLITE_DONE) return clinic_err_db(e, s->db, "recording an earlier treatment");
  }
  clinic_step_rec *r = &path->rec[req->idx];
  r->recorded = 1;
  r->planned = req->planned ? 1 : 0;
  r->date = req->date;
  snprintf(r->outcome, sizeof r->outcome, "%s", oc ? oc : "");
  snprintf(r->note, sizeof r->note, "%s", note ? note : "");
  snprintf(r->override, sizeof r->override, "%s", ov ? ov : "");
  snprintf(r->override_rule, sizeof r->override_rule, "%.511s", ov ? why : "");
  return CLINIC_E_OK;
}
