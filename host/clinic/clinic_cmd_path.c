/* clinic_cmd_path.c: `path show|step|undo|import`: the command line, and the text and JSON
 * renderers of where a patient stands on the path and what comes next (the computation and
 * the writes are clinic_path_rec.c). */
#include <limits.h>
#include <string.h>

#include "clinic_args.h"
#include "clinic_cmd.h"
#include "clinic_err.h"
#include "clinic_path.h"
#include "clinic_path_rec.h"
#include "clinic_patient.h"
#include "clinic_step.h"
#include "clinic_util.h"
#include "clinic_window.h"
#include "hu_args.h"
#include "hu_date.h"
#include "json.h"

/* When the next step is due, from the brochures' timing; empty when they give none. */
static void due_text(const clinic_path *path, int idx, char *out, size_t cap) {
  const char *id = path->def[idx].id;
  char a[11], b[11];
  out[0] = '\0';
  if (path->therapy == TH_SCS && strcmp(id, "screening") == 0) {
    int32_t t = clinic_path_any(path, "trial");
    if (t != INT32_MIN) {
      hu_date_fmt(a, HU_DATE_LEN, t - 14);
      hu_date_fmt(b, HU_DATE_LEN, t - 7);
      snprintf(out, cap, "1-2 weeks before the trial operation: %s to %s", a, b);
    } else {
      snprintf(out, cap, "1-2 weeks before the trial operation");
    }
  } else if (path->therapy == TH_SCS && strcmp(id, "trial-end") == 0) {
    int32_t t = clinic_path_any(path, "trial");
    if (t != INT32_MIN) {
      hu_date_fmt(a, HU_DATE_LEN, t + 14);
      snprintf(out, cap, "the trial lasts 2 weeks: %s", a);
    }
  } else if (strcmp(id, "implant") == 0 || strcmp(id, "explant") == 0) {
    int32_t t = clinic_path_any(path, "trial");
    if (path->therapy == TH_SNM && t != INT32_MIN) {
      hu_date_fmt(a, HU_DATE_LEN, t + 21);
      hu_date_fmt(b, HU_DATE_LEN, t + 28);
      snprintf(out, cap, "3-4 weeks after stage 1: %s to %s; implant if the trial succeeded (nmod clinic evaluate), else explant",
               a, b);
    } else {
      snprintf(out, cap, "implant if the trial succeeded (nmod clinic evaluate), else explant");
    }
  } else if (strcmp(id, "follow-up") == 0) {
    snprintf(out, cap, "see nmod clinic plan");
  }
}

/* The last done step, or -1. */
static int last_done(const clinic_path *path) {
  int last = -1;
  for (int i = 0; i < path->nsteps; i++)
    if (path->rec[i].recorded && !path->rec[i].planned) last = i;
  return last;
}

static void step_json(js_w *w, const clinic_path *path, int i) {
  jw_kv_str(w, "step", path->def[i].id);
  jw_kv_str(w, "title", path->def[i].title);
}

static void path_json(FILE *f, const clinic_patient *p, const clinic_path_view *v) {
  const clinic_path *path = &v->path;
  int last = last_done(path);
  int nx[2];
  int nn = clinic_path_next(path, nx);
  char due[256];
  js_w w;
  jw_init(&w, f);
  jw_obj(&w);
  jw_kv_str(&w, "patient", p->code);
  jw_kv_str(&w, "therapy", clinic_therapy_name(p->therapy));
  jw_kv_str(&w, "status", clinic_path_status(path));
  if (last >= 0) {
    jw_kv_obj(&w, "current");
    step_json(&w, path, last);
    clinic_json_day(&w, "date", path->rec[last].date);
    jw_obj_end(&w);
  } else {
    jw_kv_null(&w, "current");
  }
  jw_kv_arr(&w, "next");
  for (int k = 0; k < nn; k++) {
    jw_obj(&w);
    step_json(&w, path, nx[k]);
    due_text(path, nx[k], due, sizeof due);
    jw_kv_str_opt(&w, "due", due[0] ? due : NULL);
    if (path->rec[nx[k]].recorded) clinic_json_day(&w, "planned", path->rec[nx[k]].date);
    jw_obj_end(&w);
  }
  jw_arr_end(&w);
  jw_kv_arr(&w, "steps");
  for (int i = 0; i < path->nsteps; i++) {
    const clinic_step_rec *r = &path->rec[i];
    jw_obj(&w);
    step_json(&w, path, i);
    jw_kv_str(&w, "status", !r->recorded ? "pending" : r->planned ? "planned" : "done");
    clinic_json_day(&w, "date", r->recorded ? r->date : INT32_MIN);
    if (r->outcome[0]) jw_kv_str(&w, "outcome", r->outcome);
    if (r->note[0]) jw_kv_str(&w, "note", r->note);
    if (r->override[0]) {
      jw_kv_obj(&w, "override");
      jw_kv_str(&w, "reason", r->override);
      jw_kv_str(&w, "rule", r->override_rule);
      jw_obj_end(&w);
    }
    jw_obj_end(&w);
  }
  jw_arr_end(&w);
  jw_kv_arr(&w, "earlier_treatments");
  for (int i = 0; i < v->ntreat; i++) {
    jw_obj(&w);
    jw_kv_str(&w, "kind", v->treat_kind[i].s);
    jw_kv_str_opt(&w, "detail", v->treat_detail[i].s[0] ? v->treat_detail[i].s : NULL);
    jw_obj_end(&w);
  }
  jw_arr_end(&w);
  jw_kv_arr(&w, "warnings");
  for (int i = 0; i < v->nwarn; i++) jw_str(&w, v->warn[i].s);
  jw_arr_end(&w);
  jw_obj_end(&w);
  jw_end(&w);
}

static void path_text(FILE *f, const clinic_patient *p, const clinic_path_view *v) {
  const clinic_path *path = &v->path;
  int last = last_done(path);
  int nx[2];
  int nn = clinic_path_next(path, nx);
  char due[256], ds[11];
  fprintf(f, "%s (%s, %s)\n", p->code, p->name, p->therapy == TH_SCS ? "SCS, pain clinic" : "SNM, surgery");
  for (int i = 0; i < path->nsteps; i++) {
    const clinic_step_rec *r = &path->rec[i];
    if (r->recorded) hu_date_fmt(ds, HU_DATE_LEN, r->date);
    fprintf(f, "  %s %-14s %-10s %s%s%s%s%s%s\n", !r->recorded ? "[ ]" : r->planned ? "[~]" : "[x]", path->def[i].id,
            r->recorded ? ds : "", path->def[i].title, r->planned ? " (planned)" : "",
            r->outcome[0] ? (strcmp(r->outcome, "stop") == 0 ? " -> stop" : " -> proceed") : "",
            r->note[0] ? " [" : "", r->note, r->note[0] ? "]" : "");
    if (r->override[0]) fprintf(f, "      override: %s (set aside: %s)\n", r->override, r->override_rule);
    if (i == 0 && v->ntreat > 0) {
      fprintf(f, "      earlier treatments:");
      for (int k = 0; k < v->ntreat; k++) {
        const char *d = v->treat_detail[k].s;
        fprintf(f, "%s %s%s%s%s", k ? "," : "", v->treat_kind[k].s, d[0] ? " (" : "", d, d[0] ? ")" : "");
      }
      fprintf(f, "\n");
    }
  }
  if (last < 0) {
    fprintf(f, "stands: not yet on the path\n");
  } else {
    hu_date_fmt(ds, HU_DATE_LEN, path->rec[last].date);
    fprintf(f, "stands: %s (%s) since %s\n", path->def[last].id, path->def[last].title, ds);
  }
  if (clinic_path_closed(path)) {
    fprintf(f, "next: nothing, the path is closed\n");
  } else if (nn == 0) {
    fprintf(f, "next: follow-up visits (nmod clinic plan %s)\n", p->code);
  } else {
    for (int k = 0; k < nn; k++) {
      due_text(path, nx[k], due, sizeof due);
      fprintf(f, "%s %s (%s)%s%s\n", k == 0 ? "next:" : "  or:", path->def[nx[k]].id, path->def[nx[k]].title,
              due[0] ? ": " : "", due);
    }
  }
  for (int i = 0; i < v->nwarn; i++) fprintf(f, "WARNING: %s\n", v->warn[i].s);
}

/* path show, and the JSON answer of step and undo: the path as it is now. */
static int cmd_path_show(clinic_ctx *c, const clinic_patient *p) {
  clinic_path_view v;
  clinic_err e = {0};
  if (clinic_path_view_read(c->db, p, c->today, &v, &e) != CLINIC_E_OK) return clinic_report(&e);
  if (c->json)
    path_json(clinic_stdout(), p, &v);
  else
    path_text(clinic_stdout(), p, &v);
  clinic_path_view_free(&v);
  return CL_OK;
}

/* The text answer of path step: what was stored and what comes next. */
static void step_text(FILE *f, const clinic_patient *p, const clinic_path *path, const clinic_step_req *req) {
  char ds[11];
  hu_date_fmt(ds, HU_DATE_LEN, req->date);
  fprintf(f, "%s: %s %s %s%s\n", p->code, path->def[req->idx].id, req->planned ? "planned for" : "recorded on", ds,
          path->rec[req->idx].override[0] ? " (override stored)" : "");
  int nx[2];
  int nn = clinic_path_next(path, nx);
  if (clinic_path_closed(path))
    fprintf(f, "the path is closed\n");
  else if (nn > 0)
    fprintf(f, "next: %s%s%s\n", path->def[nx[0]].id, nn > 1 ? " or " : "", nn > 1 ? path->def[nx[1]].id : "");
}

/* Record one step with every rule and refresh the patient's cached sums, in one transaction. */
static int cmd_path_step(clinic_ctx *c, clinic_args *a) {
  clinic_step_req req;
  memset(&req, 0, sizeof req);
  const char *date = clinic_opt_get(a, "date");
  req.planned = clinic_opt_flag(a, "planned");
  req.outcome = clinic_opt_get(a, "outcome");
  req.note = clinic_opt_get(a, "note");
  req.override = clinic_opt_get(a, "override");
  /* --earlier-treatment may repeat: collect every value. */
  for (const char *v; (v = hu_args_nth(a, "earlier-treatment", req.ntreatments)) != NULL;) {
    if (req.ntreatments >= CLINIC_MAX_TREATMENTS)
      return clinic_fail(CL_USAGE, "more than %d --earlier-treatment options", CLINIC_MAX_TREATMENTS);
    req.treatments[req.ntreatments++] = v;
  }
  int rc = clinic_args_done(a, "path step");
  if (rc) return rc;
  if (a->npos != 4)
    return clinic_fail(CL_USAGE, "usage: nmod clinic path step PATIENT STEP --date YYYY-MM-DD [--planned] [--outcome proceed|stop] "
                                 "[--note TEXT] [--override REASON] [--earlier-treatment KIND[:DETAIL]]...");
  if (req.override && !*req.override) return clinic_fail(CL_USAGE, "--override needs a reason");
  clinic_err e = {0};
  clinic_patient p;
  if (clinic_patient_lookup(c->db, a->pos[2], &p, &e) != CLINIC_E_OK) return clinic_report(&e);
  req.idx = clinic_path_index(p.therapy, a->pos[3]);
  if (req.idx < 0) {
    int n;
    const clinic_step_def *d = clinic_path_steps(p.therapy, &n);
    clinic_buf b = {0};
    for (int i = 0; i < n; i++) clinic_buf_printf(&b, "%s%s", i ? ", " : "", d[i].id);
    rc = clinic_fail(CL_USAGE, "'%s' is no step of the %s path; steps: %s", a->pos[3],
                     clinic_therapy_name(p.therapy), b.s);
    clinic_buf_free(&b);
    return rc;
  }
  req.date = c->today;
  if (date && (rc = clinic_date_arg("--date", date, &req.date)) != CL_OK) return rc;
  clinic_path path;
  if (clinic_path_record(c->db, c->today, &p, &req, &path, &e) != CLINIC_E_OK) return clinic_report(&e);
  if (c->json) return cmd_path_show(c, &p);
  step_text(clinic_stdout(), &p, &path, &req);
  return CL_OK;
}

static int cmd_path_undo(clinic_ctx *c, const clinic_patient *p) {
  clinic_err e = {0};
  int idx;
  int32_t date;
  if (clinic_path_undo(c->db, p, &idx, &date, &e) != CLINIC_E_OK) return clinic_report(&e);
  if (c->json) return cmd_path_show(c, p);
  int n;
  const clinic_step_def *d = clinic_path_steps(p->therapy, &n);
  char ds[11];
  hu_date_fmt(ds, HU_DATE_LEN, date);
  fprintf(clinic_stdout(), "%s: removed %s (%s)\n", p->code, d[idx].id, ds);
  return CL_OK;
}

int clinic_cmd_path(clinic_ctx *c, clinic_args *a) {
  const char *sub = a->npos > 1 ? a->pos[1] : "";
  clinic_err e = {0};
  int rc;
  if (strcmp(sub, "step") == 0) return cmd_path_step(c, a);
  if (strcmp(sub, "import") == 0) {
    if ((rc = clinic_args_done(a, "path import")) != CL_OK) return rc;
    if (a->npos != 3) return clinic_fail(CL_USAGE, "usage: nmod clinic path import FILE.csv");
    long rows = 0;
    clinic_path_import(c->db, a->pos[2], c->today, &rows, &e);
    /* Once the import's transaction is open, it ends here: committed, or rolled back and said so. */
    return clinic_import_render(c, clinic_import_end(c->db, &e), &e, a->pos[2], rows, "path steps");
  }
  if (strcmp(sub, "show") == 0 || strcmp(sub, "undo") == 0) {
    if ((rc = clinic_args_done(a, sub[0] == 's' ? "path show" : "path undo")) != CL_OK) return rc;
    if (a->npos != 3) return clinic_fail(CL_USAGE, "usage: nmod clinic path %s PATIENT", sub);
    clinic_patient p;
    if (clinic_patient_lookup(c->db, a->pos[2], &p, &e) != CLINIC_E_OK) return clinic_report(&e);
    return sub[0] == 's' ? cmd_path_show(c, &p) : cmd_path_undo(c, &p);
  }
  return clinic_fail(CL_USAGE, "usage: nmod clinic path show|step|undo|import ...");
}
