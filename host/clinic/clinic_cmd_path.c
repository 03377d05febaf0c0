/* clinic_cmd_path.c: `path show|step|undo|import`: where a patient stands on the path, what
 * comes next, and recording steps (one transaction each; an import is all or nothing). */
#include <limits.h>
#include <string.h>

#include "clinic_args.h"
#include "clinic_cmd.h"
#include "clinic_csv.h"
#include "clinic_err.h"
#include "clinic_path.h"
#include "clinic_patient.h"
#include "clinic_step.h"
#include "clinic_store.h"
#include "clinic_sums.h"
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

/* The earlier treatments recorded with the referral, as "kind (detail)" texts. */
static int load_treatments(sqlite3 *db, int64_t pid, clinic_buf *kind, clinic_buf *detail, int max, int *n) {
  *n = 0;
  sqlite3_stmt *st = clinic_prep(db, "SELECT kind, detail FROM earlier_treatment WHERE pid = ? ORDER BY id");
  if (!st) return CL_IO;
  sqlite3_bind_int64(st, 1, pid);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max) {
    const unsigned char *k = sqlite3_column_text(st, 0), *d = sqlite3_column_text(st, 1);
    memset(&kind[*n], 0, sizeof kind[*n]);
    memset(&detail[*n], 0, sizeof detail[*n]);
    clinic_buf_puts(&kind[*n], k ? (const char *)k : "");
    clinic_buf_puts(&detail[*n], d ? (const char *)d : "");
    (*n)++;
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) return clinic_dbfail(db, "reading earlier treatments");
  return CL_OK;
}

#define MAX_SHOW 16
static int path_print(clinic_ctx *c, const clinic_patient *p, const clinic_path *pp, const clinic_buf *warn, int nwarn,
                      const clinic_buf *tk, const clinic_buf *td, int ntreat);
static int path_show(clinic_ctx *c, const clinic_patient *p) {
  clinic_path path;
  int rc = clinic_path_load(c->db, p, &path);
  if (rc) return rc;
  clinic_cfg cfg;
  if ((rc = clinic_cfg_load(c->db, NULL, &cfg)) != CL_OK) return rc;
  clinic_buf warn[4], tk[MAX_SHOW], td[MAX_SHOW];
  memset(warn, 0, sizeof warn);
  int nwarn = clinic_trial_warnings(&path, &cfg, c->today, warn, 0, 4), ntreat = 0;
  if ((rc = load_treatments(c->db, p->pid, tk, td, MAX_SHOW, &ntreat)) != CL_OK) {
    for (int i = 0; i < nwarn; i++) clinic_buf_free(&warn[i]);
    return rc;
  }
  rc = path_print(c, p, &path, warn, nwarn, tk, td, ntreat);
  for (int i = 0; i < nwarn; i++) clinic_buf_free(&warn[i]);
  for (int i = 0; i < ntreat; i++) {
    clinic_buf_free(&tk[i]);
    clinic_buf_free(&td[i]);
  }
  return rc;
}

static int path_print(clinic_ctx *c, const clinic_patient *p, const clinic_path *pp, const clinic_buf *warn, int nwarn,
                      const clinic_buf *tk, const clinic_buf *td, int ntreat) {
  const clinic_path path = *pp;
  int rc = CL_OK;
  int last = -1;
  for (int i = 0; i < path.nsteps; i++)
    if (path.rec[i].recorded && !path.rec[i].planned) last = i;
  int nx[2];
  int nn = clinic_path_next(&path, nx);
  int closed = clinic_path_closed(&path);
  char due[256], ds[11];
  if (c->json) {
    js_w w;
    jw_init(&w, clinic_stdout());
    jw_obj(&w);
    jw_key(&w, "patient");
    jw_str(&w, p->code);
    jw_key(&w, "therapy");
    jw_str(&w, clinic_therapy_name(p->therapy));
    jw_key(&w, "status");
    jw_str(&w, clinic_path_status(&path));
    jw_key(&w, "current");
    if (last >= 0) {
      hu_date_fmt(ds, HU_DATE_LEN, path.rec[last].date);
      jw_obj(&w);
      jw_key(&w, "step");
      jw_str(&w, path.def[last].id);
      jw_key(&w, "title");
      jw_str(&w, path.def[last].title);
      jw_key(&w, "date");
      jw_str(&w, ds);
      jw_obj_end(&w);
    } else {
      jw_null(&w);
    }
    jw_key(&w, "next");
    jw_arr(&w);
    for (int k = 0; k < nn; k++) {
      jw_obj(&w);
      jw_key(&w, "step");
      jw_str(&w, path.def[nx[k]].id);
      jw_key(&w, "title");
      jw_str(&w, path.def[nx[k]].title);
      due_text(&path, nx[k], due, sizeof due);
      jw_key(&w, "due");
      if (due[0])
        jw_str(&w, due);
      else
        jw_null(&w);
      if (path.rec[nx[k]].recorded) {
        hu_date_fmt(ds, HU_DATE_LEN, path.rec[nx[k]].date);
        jw_key(&w, "planned");
        jw_str(&w, ds);
      }
      jw_obj_end(&w);
    }
    jw_arr_end(&w);
    jw_key(&w, "steps");
    jw_arr(&w);
    for (int i = 0; i < path.nsteps; i++) {
      const clinic_step_rec *r = &path.rec[i];
      jw_obj(&w);
      jw_key(&w, "step");
      jw_str(&w, path.def[i].id);
      jw_key(&w, "title");
      jw_str(&w, path.def[i].title);
      jw_key(&w, "status");
      jw_str(&w, !r->recorded ? "pending" : r->planned ? "planned" : "done");
      jw_key(&w, "date");
      if (r->recorded) {
        hu_date_fmt(ds, HU_DATE_LEN, r->date);
        jw_str(&w, ds);
      } else {
        jw_null(&w);
      }
      if (r->outcome[0]) {
        jw_key(&w, "outcome");
        jw_str(&w, r->outcome);
      }
      if (r->note[0]) {
        jw_key(&w, "note");
        jw_str(&w, r->note);
      }
      if (r->override[0]) {
        jw_key(&w, "override");
        jw_obj(&w);
        jw_key(&w, "reason");
        jw_str(&w, r->override);
        jw_key(&w, "rule");
        jw_str(&w, r->override_rule);
        jw_obj_end(&w);
      }
      jw_obj_end(&w);
    }
    jw_arr_end(&w);
    jw_key(&w, "earlier_treatments");
    jw_arr(&w);
    for (int i = 0; i < ntreat; i++) {
      jw_obj(&w);
      jw_key(&w, "kind");
      jw_str(&w, tk[i].s);
      jw_key(&w, "detail");
      if (td[i].s[0]) jw_str(&w, td[i].s); else jw_null(&w);
      jw_obj_end(&w);
    }
    jw_arr_end(&w);
    jw_key(&w, "warnings");
    jw_arr(&w);
    for (int i = 0; i < nwarn; i++) jw_str(&w, warn[i].s);
    jw_arr_end(&w);
    jw_obj_end(&w);
    jw_end(&w);
    return rc;
  }
  printf("%s (%s, %s)\n", p->code, p->name, p->therapy == TH_SCS ? "SCS, pain clinic" : "SNM, surgery");
  for (int i = 0; i < path.nsteps; i++) {
    const clinic_step_rec *r = &path.rec[i];
    if (r->recorded) hu_date_fmt(ds, HU_DATE_LEN, r->date);
    printf("  %s %-14s %-10s %s%s%s%s%s%s\n", !r->recorded ? "[ ]" : r->planned ? "[~]" : "[x]",
           path.def[i].id, r->recorded ? ds : "", path.def[i].title, r->planned ? " (planned)" : "",
           r->outcome[0] ? (strcmp(r->outcome, "stop") == 0 ? " -> stop" : " -> proceed") : "",
           r->note[0] ? " [" : "", r->note, r->note[0] ? "]" : "");
    if (r->override[0]) printf("      override: %s (set aside: %s)\n", r->override, r->override_rule);
    if (i == 0 && ntreat > 0) {
      printf("      earlier treatments:");
      for (int k = 0; k < ntreat; k++)
        printf("%s %s%s%s%s", k ? "," : "", tk[k].s, td[k].s[0] ? " (" : "", td[k].s, td[k].s[0] ? ")" : "");
      printf("\n");
    }
  }
  if (last < 0) {
    printf("stands: not yet on the path\n");
  } else {
    hu_date_fmt(ds, HU_DATE_LEN, path.rec[last].date);
    printf("stands: %s (%s) since %s\n", path.def[last].id, path.def[last].title, ds);
  }
  if (closed) {
    printf("next: nothing, the path is closed\n");
  } else if (nn == 0) {
    printf("next: follow-up visits (nmod clinic plan %s)\n", p->code);
  } else {
    for (int k = 0; k < nn; k++) {
      due_text(&path, nx[k], due, sizeof due);
      printf("%s %s (%s)%s%s\n", k == 0 ? "next:" : "  or:", path.def[nx[k]].id, path.def[nx[k]].title,
             due[0] ? ": " : "", due);
    }
  }
  for (int i = 0; i < nwarn; i++) printf("WARNING: %s\n", warn[i].s);
  return rc;
}

/* Record one step with every rule and refresh the patient's cached sums, in one transaction. */
static int path_step(clinic_ctx *c, clinic_args *a) {
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
  clinic_patient p;
  if ((rc = clinic_patient_get(c->db, a->pos[2], &p)) != CL_OK) return rc;
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
  clinic_stepper sp;
  clinic_err e;
  clinic_err_clear(&e);
  if ((rc = clinic_begin(c->db)) != CL_OK) return rc;
  if (clinic_stepper_open(c->db, c->today, &sp, &e) != CLINIC_E_OK) {
    clinic_rollback(c->db);
    return clinic_report(&e);
  }
  clinic_path path;
  rc = clinic_path_read_st(sp.sums.path, &p, &path, &e);
  if (!rc) rc = clinic_step_apply(&sp, &p, &path, &req, NULL, 0, &e);
  rc = clinic_report(&e);
  if (!rc) rc = clinic_sums_refresh(&sp.sums, &p);
  clinic_stepper_close(&sp);
  if (rc) {
    clinic_rollback(c->db);
    return rc;
  }
  if ((rc = clinic_commit(c->db)) != CL_OK) return rc;
  if (c->json) return path_show(c, &p);
  char ds[11];
  hu_date_fmt(ds, HU_DATE_LEN, req.date);
  printf("%s: %s %s %s%s\n", p.code, path.def[req.idx].id, req.planned ? "planned for" : "recorded on", ds,
         path.rec[req.idx].override[0] ? " (override stored)" : "");
  int nx[2];
  int nn = clinic_path_next(&path, nx);
  if (clinic_path_closed(&path))
    printf("the path is closed\n");
  else if (nn > 0)
    printf("next: %s%s%s\n", path.def[nx[0]].id, nn > 1 ? " or " : "", nn > 1 ? path.def[nx[1]].id : "");
  return CL_OK;
}

static int path_undo(clinic_ctx *c, const clinic_patient *p) {
  clinic_path path;
  int rc = clinic_path_load(c->db, p, &path);
  if (rc) return rc;
  int last = -1;
  for (int i = 0; i < path.nsteps; i++)
    if (path.rec[i].recorded) last = i;
  if (last < 0) return clinic_fail(CL_RULE, "%s: no step recorded, nothing to undo", p->code);
  if ((rc = clinic_begin(c->db)) != CL_OK) return rc;
  sqlite3_stmt *st = clinic_prep(c->db, "DELETE FROM path_step WHERE pid = ? AND step = ?");
  if (!st) {
    clinic_rollback(c->db);
    return CL_IO;
  }
  sqlite3_bind_int64(st, 1, p->pid);
  sqlite3_bind_text(st, 2, path.def[last].id, -1, SQLITE_STATIC);
  rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) {
    clinic_rollback(c->db);
    return clinic_dbfail(c->db, "undoing a step");
  }
  /* The earlier treatments were recorded with the referral and go with it. */
  if (last == 0 && (rc = clinic_exec_pid(c->db, "DELETE FROM earlier_treatment WHERE pid = ?", p->pid)) != CL_OK) {
    clinic_rollback(c->db);
    return rc;
  }
  if ((rc = clinic_sums_commit_patient(c->db, p)) != CL_OK) return rc;
  char ds[11];
  hu_date_fmt(ds, HU_DATE_LEN, path.rec[last].date);
  if (c->json) return path_show(c, p);
  printf("%s: removed %s (%s)\n", p->code, path.def[last].id, ds);
  return CL_OK;
}

/* path import FILE.csv: patient,step,date[,planned][,outcome][,note][,override]
 * [,earlier_treatments], in file order, through the same clinic_step_apply as `path step`;
 * all or nothing. Statements are prepared once for the whole file. */
enum { PC_PATIENT, PC_STEP, PC_DATE, PC_PLANNED, PC_OUTCOME, PC_NOTE, PC_OVERRIDE, PC_TREAT, PC_N };
static const char *const pc_names[PC_N] = {"patient", "step", "date", "planned", "outcome", "note", "override",
                                           "earlier_treatments"};

static int path_import(clinic_ctx *c, const char *file) {
  clinic_csv csv;
  if (clinic_csv_open(&csv, file) != 0)
    return clinic_fail(CL_USAGE, "cannot read %s: no such file or not readable", file);
  int col[PC_N];
  for (int j = 0; j < PC_N; j++) col[j] = -1;
  char msg[512];
  int rc = CL_OK;
  int r = clinic_csv_next(&csv, msg, sizeof msg);
  if (r != 1) {
    rc = clinic_fail(CL_USAGE, "%s line 1: %s; nothing was stored", file,
                     r == 0 ? "empty file, expected the header patient,step,date" : msg);
    clinic_csv_close(&csv);
    return rc;
  }
  for (int i = 0; i < csv.nfields && !rc; i++) {
    int k = -1;
    for (int j = 0; j < PC_N; j++)
      if (strcmp(csv.field[i], pc_names[j]) == 0) k = j;
    if (k < 0 || col[k] >= 0)
      rc = clinic_fail(CL_USAGE, "%s line 1: column '%s' is unknown or repeated (expected patient,step,date"
                       "[,planned,outcome,note,override,earlier_treatments])", file, csv.field[i]);
    else
      col[k] = i;
  }
  for (int j = 0; j < 3 && !rc; j++)
    if (col[j] < 0) rc = clinic_fail(CL_USAGE, "%s line 1: column '%s' is missing", file, pc_names[j]);
  if (!rc) rc = clinic_begin(c->db);
  if (rc) {
    clinic_csv_close(&csv);
    return rc;
  }
  clinic_stepper sp;
  sqlite3_stmt *find = NULL;
  clinic_err e;
  clinic_err_clear(&e);
  if (clinic_stepper_open(c->db, c->today, &sp, &e) != CLINIC_E_OK) {
    clinic_csv_close(&csv);
    return clinic_import_finish(c, clinic_report(&e), file, 0, "path steps");
  }
  find = clinic_prep(c->db, "SELECT " CLINIC_PATIENT_COLS " FROM patient WHERE code = ?");
  if (!find) rc = CL_IO;
  int ncols = csv.nfields;
  clinic_patient p = {0};
  clinic_path path;
  int have = 0;
  long rows = 0;
  while (!rc && (r = clinic_csv_next(&csv, msg, sizeof msg)) == 1) {
    if (csv.nfields != ncols) {
      rc = clinic_fail(CL_USAGE, "%s line %ld: %d fields, expected %d", file, csv.line, csv.nfields, ncols);
      break;
    }
    const char *code = csv.field[col[PC_PATIENT]];
    if (!have || strcmp(code, p.code) != 0) {
      /* The previous patient is complete: bring its cached sums up to date. */
      if (have && (rc = clinic_sums_refresh(&sp.sums, &p)) != CL_OK) break;
      sqlite3_reset(find);
      sqlite3_bind_text(find, 1, code, -1, SQLITE_TRANSIENT);
      int s = sqlite3_step(find);
      if (s != SQLITE_ROW) {
        sqlite3_reset(find);
        have = 0;
        rc = s == SQLITE_DONE ? clinic_fail(CL_USAGE, "%s line %ld: unknown patient '%.63s'", file, csv.line, code)
                              : clinic_dbfail(c->db, "reading a patient");
        break;
      }
      clinic_patient_from_row(find, 0, &p);
      sqlite3_reset(find);
      if ((rc = clinic_path_load_st(sp.sums.path, &p, &path)) != CL_OK) break;
      have = 1;
    }
    clinic_step_req req;
    memset(&req, 0, sizeof req);
    req.idx = clinic_path_index(p.therapy, csv.field[col[PC_STEP]]);
    if (req.idx < 0) {
      rc = clinic_fail(CL_USAGE, "%s line %ld: '%.40s' is no step of the %s path", file, csv.line,
                       csv.field[col[PC_STEP]], clinic_therapy_name(p.therapy));
      break;
    }
    int drc = hu_date_parse(csv.field[col[PC_DATE]], &req.date);
    if (drc != 0) {
      char m[160];
      rc = clinic_fail(CL_USAGE, "%s line %ld: %s", file, csv.line, hu_date_msg(m, sizeof m, "date", csv.field[col[PC_DATE]], drc, HU_FORM_DATE));
      break;
    }
    if (col[PC_PLANNED] >= 0) {
      const char *pl = csv.field[col[PC_PLANNED]];
      if (strcmp(pl, "1") == 0 || strcmp(pl, "yes") == 0)
        req.planned = 1;
      else if (*pl && strcmp(pl, "0") != 0 && strcmp(pl, "no") != 0) {
        rc = clinic_fail(CL_USAGE, "%s line %ld: planned '%.40s' is not yes/no/1/0", file, csv.line, pl);
        break;
      }
    }
    req.outcome = col[PC_OUTCOME] >= 0 ? csv.field[col[PC_OUTCOME]] : NULL;
    req.note = col[PC_NOTE] >= 0 ? csv.field[col[PC_NOTE]] : NULL;
    req.override = col[PC_OVERRIDE] >= 0 ? csv.field[col[PC_OVERRIDE]] : NULL;
    if (col[PC_TREAT] >= 0 && clinic_step_split_treatments(csv.field[col[PC_TREAT]], &req, msg, sizeof msg) != 0) {
      rc = clinic_fail(CL_USAGE, "%s line %ld: %s", file, csv.line, msg);
      break;
    }
    if (clinic_step_apply(&sp, &p, &path, &req, file, csv.line, &e) != CLINIC_E_OK) rc = clinic_report(&e);
    if (!rc) rows++;
  }
  if (!rc && r < 0) rc = clinic_fail(CL_USAGE, "%s line %ld: %s", file, csv.line, msg);
  if (!rc && have) rc = clinic_sums_refresh(&sp.sums, &p);
  sqlite3_finalize(find);
  clinic_stepper_close(&sp);
  clinic_csv_close(&csv);
  return clinic_import_finish(c, rc, file, rows, "path steps");
}

int clinic_cmd_path(clinic_ctx *c, clinic_args *a) {
  const char *sub = a->npos > 1 ? a->pos[1] : "";
  int rc;
  if (strcmp(sub, "step") == 0) return path_step(c, a);
  if (strcmp(sub, "import") == 0) {
    if ((rc = clinic_args_done(a, "path import")) != CL_OK) return rc;
    if (a->npos != 3) return clinic_fail(CL_USAGE, "usage: nmod clinic path import FILE.csv");
    return path_import(c, a->pos[2]);
  }
  if (strcmp(sub, "show") == 0 || strcmp(sub, "undo") == 0) {
    if ((rc = clinic_args_done(a, sub[0] == 's' ? "path show" : "path undo")) != CL_OK) return rc;
    if (a->npos != 3) return clinic_fail(CL_USAGE, "usage: nmod clinic path %s PATIENT", sub);
    clinic_patient p;
    if ((rc = clinic_patient_get(c->db, a->pos[2], &p)) != CL_OK) return rc;
    return sub[0] == 's' ? path_show(c, &p) : path_undo(c, &p);
  }
  return clinic_fail(CL_USAGE, "usage: nmod clinic path show|step|undo|import ...");
}
