/* clinic_cmd_path.c: `path show|step|undo|import`: where a patient stands on the path, what
 * comes next, and recording steps (one transaction each; an import is all or nothing). */
#include <limits.h>
#include <string.h>

#include "clinic_int.h"

/* When the next step is due, from the brochures' timing; empty when they give none. */
static void due_text(const clinic_path *path, int idx, char *out, size_t cap) {
  const char *id = path->def[idx].id;
  char a[11], b[11];
  out[0] = '\0';
  if (path->therapy == TH_SCS && strcmp(id, "screening") == 0) {
    int32_t t = clinic_path_any(path, "trial");
    if (t != INT32_MIN) {
      clinic_date_fmt(t - 14, a);
      clinic_date_fmt(t - 7, b);
      snprintf(out, cap, "1-2 weeks before the trial operation: %s to %s", a, b);
    } else {
      snprintf(out, cap, "1-2 weeks before the trial operation");
    }
  } else if (path->therapy == TH_SCS && strcmp(id, "trial-end") == 0) {
    int32_t t = clinic_path_any(path, "trial");
    if (t != INT32_MIN) {
      clinic_date_fmt(t + 14, a);
      snprintf(out, cap, "the trial lasts 2 weeks: %s", a);
    }
  } else if (strcmp(id, "implant") == 0 || strcmp(id, "explant") == 0) {
    int32_t t = clinic_path_any(path, "trial");
    if (path->therapy == TH_SNM && t != INT32_MIN) {
      clinic_date_fmt(t + 21, a);
      clinic_date_fmt(t + 28, b);
      snprintf(out, cap, "3-4 weeks after stage 1: %s to %s; implant if the trial succeeded (nmod clinic evaluate), else explant",
               a, b);
    } else {
      snprintf(out, cap, "implant if the trial succeeded (nmod clinic evaluate), else explant");
    }
  } else if (strcmp(id, "follow-up") == 0) {
    snprintf(out, cap, "see nmod clinic plan");
  }
}

/* Indexes of the next steps (one, or a pair of alternatives); returns how many. */
static int next_steps(const clinic_path *path, int out[2]) {
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

static int path_show(clinic_ctx *c, const clinic_patient *p) {
  clinic_path path;
  int rc = clinic_path_load(c->db, p, &path);
  if (rc) return rc;
  int last = -1;
  for (int i = 0; i < path.nsteps; i++)
    if (path.rec[i].recorded && !path.rec[i].planned) last = i;
  int nx[2];
  int nn = next_steps(&path, nx);
  int closed = clinic_path_closed(&path);
  int finished = !closed && nn == 0 && last >= 0;
  char due[256], ds[11];
  if (c->json) {
    js_w w;
    jw_init(&w, stdout);
    jw_obj(&w);
    jw_key(&w, "patient");
    jw_str(&w, p->code);
    jw_key(&w, "therapy");
    jw_str(&w, clinic_therapy_name(p->therapy));
    jw_key(&w, "status");
    jw_str(&w, closed ? "closed" : finished ? "follow-up" : "open");
    jw_key(&w, "current");
    if (last >= 0) {
      clinic_date_fmt(path.rec[last].date, ds);
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
        clinic_date_fmt(path.rec[nx[k]].date, ds);
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
        clinic_date_fmt(r->date, ds);
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
      jw_obj_end(&w);
    }
    jw_arr_end(&w);
    jw_obj_end(&w);
    jw_end(&w);
    return CL_OK;
  }
  printf("%s (%s, %s)\n", p->code, p->name, p->therapy == TH_SCS ? "SCS, pain clinic" : "SNM, surgery");
  for (int i = 0; i < path.nsteps; i++) {
    const clinic_step_rec *r = &path.rec[i];
    if (r->recorded) clinic_date_fmt(r->date, ds);
    printf("  %s %-14s %-10s %s%s%s%s%s%s\n", !r->recorded ? "[ ]" : r->planned ? "[~]" : "[x]",
           path.def[i].id, r->recorded ? ds : "", path.def[i].title, r->planned ? " (planned)" : "",
           r->outcome[0] ? (strcmp(r->outcome, "stop") == 0 ? " -> stop" : " -> proceed") : "",
           r->note[0] ? " [" : "", r->note, r->note[0] ? "]" : "");
  }
  if (last < 0) {
    printf("stands: not yet on the path\n");
  } else {
    clinic_date_fmt(path.rec[last].date, ds);
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
  return CL_OK;
}

/* The definitive implant follows a successful trial; anything else needs a stated reason. */
static int implant_gate(clinic_ctx *c, const clinic_patient *p, const char *override) {
  int thr, mind;
  int rc = clinic_eval_config(c->db, NULL, &thr, &mind);
  if (rc) return rc;
  clinic_eval e;
  if ((rc = clinic_eval_patient(c->db, p, thr, mind, &e)) != CL_OK) return rc;
  if (e.verdict == EV_SUCCESS || (override && *override)) return CL_OK;
  return clinic_fail(CL_RULE,
                     "%s: the trial evaluation is '%s' (%s): record 'explant', or pass --override REASON "
                     "to implant anyway",
                     p->code, clinic_verdict_name(e.verdict), e.reason);
}

static int path_step(clinic_ctx *c, clinic_args *a) {
  const char *date = clinic_opt_get(a, "date");
  int planned = clinic_opt_flag(a, "planned");
  const char *outcome = clinic_opt_get(a, "outcome");
  const char *note = clinic_opt_get(a, "note");
  const char *override = clinic_opt_get(a, "override");
  int rc = clinic_args_done(a, "path step");
  if (rc) return rc;
  if (a->npos != 4)
    return clinic_fail(CL_USAGE, "usage: nmod clinic path step PATIENT STEP --date YYYY-MM-DD [--planned] [--outcome proceed|stop] [--note TEXT]");
  clinic_patient p;
  if ((rc = clinic_patient_get(c->db, a->pos[2], &p)) != CL_OK) return rc;
  int idx = clinic_path_index(p.therapy, a->pos[3]);
  if (idx < 0) {
    int n;
    const clinic_step_def *d = clinic_path_steps(p.therapy, &n);
    clinic_buf b = {0};
    for (int i = 0; i < n; i++) clinic_buf_printf(&b, "%s%s", i ? ", " : "", d[i].id);
    rc = clinic_fail(CL_USAGE, "'%s' is no step of the %s path; steps: %s", a->pos[3],
                     clinic_therapy_name(p.therapy), b.s);
    clinic_buf_free(&b);
    return rc;
  }
  int32_t day = c->today;
  if (date && clinic_date_parse(date, &day) != 0)
    return clinic_fail(CL_USAGE, "--date '%s' is not a date: use YYYY-MM-DD", date);
  if (note && strlen(note) > 200) return clinic_fail(CL_USAGE, "--note is longer than 200 characters");
  clinic_path path;
  if ((rc = clinic_path_load(c->db, &p, &path)) != CL_OK) return rc;
  char full_note[256] = "";
  if (strcmp(path.def[idx].id, "implant") == 0 && !planned) {
    char msg[512];
    /* Order first: an implant without a trial is out of order, not a failed trial. */
    if ((rc = clinic_path_check(&path, idx, day, planned, outcome, c->today, msg, sizeof msg)) != CL_OK)
      return clinic_fail(rc, "%s: %s", p.code, msg);
    if ((rc = implant_gate(c, &p, override)) != CL_OK) return rc;
    if (override && *override)
      snprintf(full_note, sizeof full_note, "override: %.200s%s%.40s", override, note ? "; " : "", note ? note : "");
  } else if (override) {
    return clinic_fail(CL_USAGE, "--override applies to recording a definitive implant only");
  }
  if ((rc = clinic_begin(c->db)) != CL_OK) return rc;
  rc = clinic_path_record(c->db, &p, &path, idx, day, planned, outcome, full_note[0] ? full_note : note,
                          c->today, 0);
  if (rc) {
    clinic_rollback(c->db);
    return rc;
  }
  if ((rc = clinic_commit(c->db)) != CL_OK) return rc;
  if (c->json) return path_show(c, &p);
  char ds[11];
  clinic_date_fmt(day, ds);
  printf("%s: %s %s %s\n", p.code, path.def[idx].id, planned ? "planned for" : "recorded on", ds);
  int nx[2];
  int nn = next_steps(&path, nx);
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
  sqlite3_stmt *st = clinic_prep(c->db, "DELETE FROM path_step WHERE pid = ? AND step = ?");
  if (!st) return CL_IO;
  sqlite3_bind_int64(st, 1, p->pid);
  sqlite3_bind_text(st, 2, path.def[last].id, -1, SQLITE_STATIC);
  rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return clinic_dbfail(c->db, "undoing a step");
  char ds[11];
  clinic_date_fmt(path.rec[last].date, ds);
  if (c->json) return path_show(c, p);
  printf("%s: removed %s (%s)\n", p->code, path.def[last].id, ds);
  return CL_OK;
}

/* path import FILE.csv: patient,step,date[,planned][,outcome][,note], in file order, with
 * the same rules as `path step`; all or nothing. */
static int path_import(clinic_ctx *c, const char *file) {
  clinic_csv csv;
  if (clinic_csv_open(&csv, file) != 0)
    return clinic_fail(CL_USAGE, "cannot read %s: no such file or not readable", file);
  static const char *const names[6] = {"patient", "step", "date", "planned", "outcome", "note"};
  int col[6] = {-1, -1, -1, -1, -1, -1};
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
    for (int j = 0; j < 6; j++)
      if (strcmp(csv.field[i], names[j]) == 0) k = j;
    if (k < 0 || col[k] >= 0)
      rc = clinic_fail(CL_USAGE, "%s line 1: column '%s' is unknown or repeated (expected patient,step,date[,planned,outcome,note])",
                       file, csv.field[i]);
    else
      col[k] = i;
  }
  for (int j = 0; j < 3 && !rc; j++)
    if (col[j] < 0) rc = clinic_fail(CL_USAGE, "%s line 1: column '%s' is missing", file, names[j]);
  if (!rc) rc = clinic_begin(c->db);
  if (rc) {
    clinic_csv_close(&csv);
    return rc;
  }
  int ncols = 0;
  for (int j = 0; j < 6; j++) ncols += col[j] >= 0;
  clinic_patient p = {0};
  clinic_path path;
  int have = 0;
  long rows = 0;
  while (!rc && (r = clinic_csv_next(&csv, msg, sizeof msg)) == 1) {
    if (csv.nfields != ncols) {
      rc = clinic_fail(CL_USAGE, "%s line %ld: %d fields, expected %d", file, csv.line, csv.nfields, ncols);
      break;
    }
    const char *code = csv.field[col[0]];
    if (!have || strcmp(code, p.code) != 0) {
      sqlite3_stmt *st = clinic_prep(c->db, "SELECT 1 FROM patient WHERE code = ?");
      if (!st) {
        rc = CL_IO;
        break;
      }
      sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
      int found = sqlite3_step(st) == SQLITE_ROW;
      sqlite3_finalize(st);
      if (!found) {
        rc = clinic_fail(CL_USAGE, "%s line %ld: unknown patient '%s'", file, csv.line, code);
        break;
      }
      if ((rc = clinic_patient_get(c->db, code, &p)) != CL_OK) break;
      if ((rc = clinic_path_load(c->db, &p, &path)) != CL_OK) break;
      have = 1;
    }
    int idx = clinic_path_index(p.therapy, csv.field[col[1]]);
    int32_t day;
    if (idx < 0) {
      rc = clinic_fail(CL_USAGE, "%s line %ld: '%s' is no step of the %s path", file, csv.line,
                       csv.field[col[1]], clinic_therapy_name(p.therapy));
      break;
    }
    if (clinic_date_parse(csv.field[col[2]], &day) != 0) {
      rc = clinic_fail(CL_USAGE, "%s line %ld: date '%s' is not YYYY-MM-DD", file, csv.line, csv.field[col[2]]);
      break;
    }
    int planned = 0;
    if (col[3] >= 0) {
      const char *pl = csv.field[col[3]];
      if (strcmp(pl, "1") == 0 || strcmp(pl, "yes") == 0)
        planned = 1;
      else if (*pl && strcmp(pl, "0") != 0 && strcmp(pl, "no") != 0) {
        rc = clinic_fail(CL_USAGE, "%s line %ld: planned '%s' is not yes/no/1/0", file, csv.line, pl);
        break;
      }
    }
    /* Imports carry history: the evaluation gate of `path step implant` is not applied. */
    rc = clinic_path_record(c->db, &p, &path, idx, day, planned, col[4] >= 0 ? csv.field[col[4]] : NULL,
                            col[5] >= 0 ? csv.field[col[5]] : NULL, c->today, csv.line);
    if (!rc) rows++;
  }
  if (!rc && r < 0) rc = clinic_fail(CL_USAGE, "%s line %ld: %s", file, csv.line, msg);
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
