/* clinic_cmd_diary.c: `diary add|import|list|delete`. One diary entry per patient and day. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "clinic_args.h"
#include "clinic_cmd.h"
#include "clinic_diary.h"
#include "clinic_err.h"
#include "clinic_path.h"
#include "clinic_patient.h"
#include "clinic_store.h"
#include "clinic_sums.h"
#include "clinic_util.h"
#include "clinic_window.h"
#include "hu_date.h"
#include "json.h"

static int opt_count(clinic_args *a, int f, clinic_diary_row *r) {
  const char *v = clinic_opt_get(a, clinic_diary_fields[f].name);
  char msg[200];
  if (v && clinic_diary_set_text(r, f, v, msg, sizeof msg) != 0) return clinic_fail(CL_USAGE, "--%s", msg);
  return CL_OK;
}

static int diary_add(clinic_ctx *c, clinic_args *a) {
  clinic_diary_row r = {0, -1, -1, -1, -1, -1, -1};
  const char *date = clinic_opt_get(a, "date");
  int rc;
  for (int f = 0; f < CLINIC_DIARY_NFIELDS; f++)
    if ((rc = opt_count(a, f, &r)) != CL_OK) return rc;
  if ((rc = clinic_args_done(a, "diary add")) != CL_OK) return rc;
  if (a->npos != 3 || !date)
    return clinic_fail(CL_USAGE, "usage: nmod clinic diary add PATIENT --date YYYY-MM-DD (--nrs N | --morning N --evening N | --incontinence N [--urgency N] [--pads N])");
  if ((rc = clinic_date_arg("--date", date, &r.date)) != CL_OK) return rc;
  clinic_patient p;
  if ((rc = clinic_patient_get(c->db, a->pos[2], &p)) != CL_OK) return rc;
  char msg[400];
  rc = clinic_diary_put(c->db, &p, &r, CLINIC_DIARY_NEW, c->today, NULL, msg, sizeof msg);
  if (rc == CL_USAGE) return clinic_fail(CL_USAGE, "%s", msg);
  if (rc == CL_RULE)
    return clinic_fail(CL_RULE, "%s (one per day; remove it first with nmod clinic diary delete %s --date %s)", msg, p.code,
                       date);
  if (rc != CL_OK) return rc;
  if (c->json) {
    js_w w;
    jw_init(&w, clinic_stdout());
    jw_obj(&w);
    jw_key(&w, "patient");
    jw_str(&w, p.code);
    jw_key(&w, "date");
    jw_str(&w, date);
    jw_key(&w, "stored");
    jw_bool(&w, 1);
    jw_obj_end(&w);
    jw_end(&w);
  } else {
    printf("%s: diary %s stored\n", p.code, date);
  }
  return CL_OK;
}

static void put_opt_int(js_w *w, const char *key, sqlite3_stmt *st, int col) {
  jw_key(w, key);
  if (sqlite3_column_type(st, col) == SQLITE_NULL)
    jw_null(w);
  else
    jw_int(w, sqlite3_column_int(st, col));
}

static int diary_list(clinic_ctx *c, clinic_args *a) {
  const char *from = clinic_opt_get(a, "from"), *to = clinic_opt_get(a, "to");
  int rc = clinic_args_done(a, "diary list");
  if (rc) return rc;
  if (a->npos != 3) return clinic_fail(CL_USAGE, "usage: nmod clinic diary list PATIENT [--from YYYY-MM-DD] [--to YYYY-MM-DD]");
  int32_t f = HU_DAY_MIN, t = HU_DAY_MAX;
  if (from && (rc = clinic_date_arg("--from", from, &f)) != CL_OK) return rc;
  if (to && (rc = clinic_date_arg("--to", to, &t)) != CL_OK) return rc;
  clinic_patient p;
  if ((rc = clinic_patient_get(c->db, a->pos[2], &p)) != CL_OK) return rc;
  clinic_path path;
  if ((rc = clinic_path_load(c->db, &p, &path)) != CL_OK) return rc;
  clinic_cfg cfg;
  if ((rc = clinic_cfg_load(c->db, NULL, &cfg)) != CL_OK) return rc;
  clinic_windows win;
  clinic_windows_of(&path, &cfg, &win);
  char fs[11], tsx[11];
  hu_date_fmt(fs, HU_DATE_LEN, f);
  hu_date_fmt(tsx, HU_DATE_LEN, t);
  sqlite3_stmt *st = clinic_prep(c->db,
                                 "SELECT date, nrs, nrs_morning, nrs_evening, incontinence, urgency, pads FROM diary "
                                 "WHERE pid = ? AND date BETWEEN ? AND ? ORDER BY date");
  if (!st) return CL_IO;
  sqlite3_bind_int64(st, 1, p.pid);
  sqlite3_bind_text(st, 2, fs, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, tsx, -1, SQLITE_STATIC);
  js_w w;
  if (c->json) {
    clinic_json_list_begin(&w, p.code, "days");
  } else {
    printf(p.therapy == TH_SCS ? "date        phase            nrs morning evening\n"
                               : "date        phase            incontinence urgency pads\n");
  }
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *ds = (const char *)sqlite3_column_text(st, 0);
    int32_t d = 0;
    hu_date_parse(ds, &d);
    clinic_day_phase dp = clinic_day_phase_of(&win, d);
    const char *phase = clinic_day_phase_name(dp);
    if (c->json) {
      jw_obj(&w);
      jw_key(&w, "date");
      jw_str(&w, ds);
      jw_key(&w, "phase");
      jw_str(&w, phase);
      jw_key(&w, "used");
      jw_bool(&w, dp == DP_BASELINE || dp == DP_TRIAL);
      if (p.therapy == TH_SCS) {
        put_opt_int(&w, "nrs", st, 1);
        put_opt_int(&w, "morning", st, 2);
        put_opt_int(&w, "evening", st, 3);
        /* The day's pain as the evaluation counts it (clinic_diary_pain_x2), for charts. */
        clinic_diary_row r = {d, -1, -1, -1, -1, -1, -1};
        int *v[3] = {&r.nrs, &r.morning, &r.evening};
        for (int k = 0; k < 3; k++)
          if (sqlite3_column_type(st, 1 + k) != SQLITE_NULL) *v[k] = sqlite3_column_int(st, 1 + k);
        int x2 = clinic_diary_pain_x2(&r);
        jw_key(&w, "pain");
        if (x2 < 0) jw_null(&w); else jw_fixed(&w, x2 * 5, 1);
      } else {
        put_opt_int(&w, "incontinence", st, 4);
        put_opt_int(&w, "urgency", st, 5);
        put_opt_int(&w, "pads", st, 6);
      }
      jw_obj_end(&w);
    } else {
      char cell[3][8];
      int base = p.therapy == TH_SCS ? 1 : 4;
      for (int i = 0; i < 3; i++) {
        if (sqlite3_column_type(st, base + i) == SQLITE_NULL)
          snprintf(cell[i], sizeof cell[i], "-");
        else
          snprintf(cell[i], sizeof cell[i], "%d", sqlite3_column_int(st, base + i));
      }
      /* Days that no evaluation uses are marked; before the referral they should not exist. */
      const char *mark = dp == DP_BEFORE_REFERRAL ? "  ! before the referral: never used"
                         : dp == DP_BASELINE || dp == DP_TRIAL ? "" : "  (not used)";
      if (p.therapy == TH_SCS)
        printf("%s  %-15s %4s %7s %7s%s\n", ds, phase, cell[0], cell[1], cell[2], mark);
      else
        printf("%s  %-15s %12s %7s %4s%s\n", ds, phase, cell[0], cell[1], cell[2], mark);
    }
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return clinic_dbfail(c->db, "listing the diary");
  if (c->json) clinic_json_list_end(&w);
  return CL_OK;
}

static int diary_delete(clinic_ctx *c, clinic_args *a) {
  const char *date = clinic_opt_get(a, "date");
  int rc = clinic_args_done(a, "diary delete");
  if (rc) return rc;
  int32_t d;
  if (a->npos != 3 || !date) return clinic_fail(CL_USAGE, "usage: nmod clinic diary delete PATIENT --date YYYY-MM-DD");
  if ((rc = clinic_date_arg("--date", date, &d)) != CL_OK) return rc;
  clinic_patient p;
  if ((rc = clinic_patient_get(c->db, a->pos[2], &p)) != CL_OK) return rc;
  if ((rc = clinic_begin(c->db)) != CL_OK) return rc;
  sqlite3_stmt *st = clinic_prep(c->db, "DELETE FROM diary WHERE pid = ? AND date = ?");
  if (!st) {
    clinic_rollback(c->db);
    return CL_IO;
  }
  sqlite3_bind_int64(st, 1, p.pid);
  sqlite3_bind_text(st, 2, date, -1, SQLITE_STATIC);
  rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) {
    rc = clinic_dbfail(c->db, "deleting a diary day");
    clinic_rollback(c->db);
    return rc;
  }
  if (sqlite3_changes(c->db) == 0) {
    clinic_rollback(c->db);
    return clinic_fail(CL_USAGE, "%s has no diary entry for %s", p.code, date);
  }
  if ((rc = clinic_sums_commit_patient(c->db, &p)) != CL_OK) return rc;
  if (!c->json) printf("%s: diary %s deleted\n", p.code, date);
  else {
    js_w w;
    jw_init(&w, clinic_stdout());
    jw_obj(&w);
    jw_key(&w, "deleted");
    jw_int(&w, 1);
    jw_obj_end(&w);
    jw_end(&w);
  }
  return CL_OK;
}

/* diary import: the result as text or JSON; the bad rows, then the one error. */
static int diary_import(clinic_ctx *c, const char *patient, const char *file) {
  clinic_diary_import_result *res = malloc(sizeof *res);
  if (!res) return clinic_fail(CL_IO, "out of memory");
  clinic_err e;
  clinic_err_clear(&e);
  int rc = CL_OK;
  if (clinic_diary_import(c->db, patient, file, c->today, res, &e) != CLINIC_E_OK) {
    for (int i = 0; i < res->nreported; i++) fprintf(stderr, "nmod clinic: %s\n", res->reported[i]);
    rc = clinic_report(&e);
  } else if (c->json) {
    js_w w;
    jw_init(&w, clinic_stdout());
    jw_obj(&w);
    jw_kv_str(&w, "file", file);
    jw_kv_int(&w, "import_id", res->import_id);
    jw_kv_int(&w, "rows", res->rows);
    jw_obj_end(&w);
    jw_end(&w);
  } else {
    printf("imported %ld diary days from %s\n", res->rows, file);
  }
  free(res);
  return rc;
}

int clinic_cmd_diary(clinic_ctx *c, clinic_args *a) {
  const char *sub = a->npos > 1 ? a->pos[1] : "";
  if (strcmp(sub, "add") == 0) return diary_add(c, a);
  if (strcmp(sub, "list") == 0) return diary_list(c, a);
  if (strcmp(sub, "delete") == 0) return diary_delete(c, a);
  if (strcmp(sub, "import") == 0) {
    int rc = clinic_args_done(a, "diary import");
    if (rc) return rc;
    if (a->npos != 3 && a->npos != 4) return clinic_fail(CL_USAGE, "usage: nmod clinic diary import [PATIENT] FILE.csv");
    return diary_import(c, a->npos == 4 ? a->pos[2] : NULL, a->pos[a->npos - 1]);
  }
  return clinic_fail(CL_USAGE, "usage: nmod clinic diary add|import|list|delete ...");
}
