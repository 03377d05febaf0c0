/* clinic_patient.c: patients (code, therapy, name, birth date): validation, storage and the
 * `patient` command (add, show, list, import). */
#include <string.h>

#include "clinic_int.h"

const char *clinic_therapy_name(clinic_therapy t) { return t == TH_SCS ? "scs" : "snm"; }

static int code_ok(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n >= sizeof(((clinic_patient *)0)->code)) return 0;
  for (; *s; s++) {
    char ch = *s;
    if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
          ch == '-' || ch == '_' || ch == '.'))
      return 0;
  }
  return 1;
}

static int name_ok(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n >= sizeof(((clinic_patient *)0)->name)) return 0;
  for (; *s; s++)
    if ((unsigned char)*s < 0x20 || *s == 0x7f) return 0;
  return 1;
}

void clinic_patient_from_row(sqlite3_stmt *st, int col, clinic_patient *p) {
  memset(p, 0, sizeof *p);
  p->pid = sqlite3_column_int64(st, col);
  snprintf(p->code, sizeof p->code, "%s", (const char *)sqlite3_column_text(st, col + 1));
  p->therapy = strcmp((const char *)sqlite3_column_text(st, col + 2), "scs") == 0 ? TH_SCS : TH_SNM;
  snprintf(p->name, sizeof p->name, "%s", (const char *)sqlite3_column_text(st, col + 3));
  if (hu_date_parse((const char *)sqlite3_column_text(st, col + 4), &p->birth) != 0) p->birth = 0;
}

int clinic_patient_find(sqlite3 *db, const char *code, clinic_patient *p) {
  sqlite3_stmt *st = clinic_prep(db, "SELECT " CLINIC_PATIENT_COLS " FROM patient WHERE code = ?");
  if (!st) return CL_IO;
  sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) clinic_patient_from_row(st, 0, p);
  sqlite3_finalize(st);
  if (rc == SQLITE_ROW) return CL_OK;
  return rc == SQLITE_DONE ? CL_USAGE : clinic_dbfail(db, "reading a patient");
}

int clinic_patient_get(sqlite3 *db, const char *code, clinic_patient *p) {
  int rc = clinic_patient_find(db, code, p);
  if (rc == CL_USAGE)
    return clinic_fail(CL_USAGE, "unknown patient '%s' (add it with: nmod clinic patient add %s --therapy scs|snm --name NAME --birth YYYY-MM-DD)",
                       code, code);
  return rc;
}


int clinic_patient_insert(sqlite3 *db, sqlite3_stmt *ins, const char *code, const char *therapy, const char *name,
                          const char *birth, int32_t today, long line) {
  char lb[32] = "";
  if (line > 0) snprintf(lb, sizeof lb, "line %ld: ", line);
  if (!code || !code_ok(code))
    return clinic_fail(CL_USAGE, "%spatient id '%s' is not valid: use 1-63 letters, digits, '-', '_' or '.'",
                       lb, code ? code : "");
  if (!therapy || (strcmp(therapy, "scs") != 0 && strcmp(therapy, "snm") != 0))
    return clinic_fail(CL_USAGE, "%stherapy '%s' is not known: use scs or snm", lb, therapy ? therapy : "");
  if (!name || !name_ok(name))
    return clinic_fail(CL_USAGE, "%sname is missing or not valid (1-127 printable characters)", lb);
  int32_t b;
  int drc = hu_date_parse(birth, &b);
  if (drc != 0) {
    char m[160];
    return clinic_fail(CL_USAGE, "%s%s", lb, hu_date_msg(m, sizeof m, "birth date", birth ? birth : "", drc, HU_FORM_DATE));
  }
  if (b > today) return clinic_fail(CL_USAGE, "%sbirth date %s is in the future", lb, birth);
  sqlite3_stmt *st = ins ? ins : clinic_prep(db, CLINIC_PATIENT_INSERT_SQL);
  if (!st) return CL_IO;
  sqlite3_reset(st);
  char td[11];
  hu_date_fmt(td, HU_DATE_LEN, today);
  sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, therapy, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 4, birth, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 5, td, -1, SQLITE_STATIC);
  int rc = sqlite3_step(st);
  if (ins)
    sqlite3_reset(st);
  else
    sqlite3_finalize(st);
  if (rc == SQLITE_CONSTRAINT)
    return clinic_fail(CL_RULE, "%spatient '%s' already exists (see: nmod clinic patient show %s)", lb,
                       code, code);
  if (rc != SQLITE_DONE) return clinic_dbfail(db, "adding a patient");
  return CL_OK;
}

static void patient_json(js_w *w, const clinic_patient *p) {
  char bd[11];
  hu_date_fmt(bd, HU_DATE_LEN, p->birth);
  jw_key(w, "id");
  jw_str(w, p->code);
  jw_key(w, "therapy");
  jw_str(w, clinic_therapy_name(p->therapy));
  jw_key(w, "name");
  jw_str(w, p->name);
  jw_key(w, "birth_date");
  jw_str(w, bd);
}

/* patient import FILE.csv: header id,therapy,name,birth_date; all or nothing. */
static int patient_import(clinic_ctx *c, const char *file) {
  clinic_csv csv;
  if (clinic_csv_open(&csv, file) != 0)
    return clinic_fail(CL_USAGE, "cannot read %s: no such file or not readable", file);
  char msg[256];
  int col[4] = {-1, -1, -1, -1};
  static const char *const names[4] = {"id", "therapy", "name", "birth_date"};
  int r = clinic_csv_next(&csv, msg, sizeof msg);
  int rc = CL_OK;
  if (r != 1) {
    rc = clinic_fail(CL_USAGE, "%s line %ld: %s; nothing was stored", file, csv.line,
                     r == 0 ? "empty file, expected the header id,therapy,name,birth_date" : msg);
    clinic_csv_close(&csv);
    return rc;
  }
  for (int i = 0; i < csv.nfields; i++) {
    int k = -1;
    for (int j = 0; j < 4; j++)
      if (strcmp(csv.field[i], names[j]) == 0) k = j;
    if (k < 0 || col[k] >= 0) {
      rc = clinic_fail(CL_USAGE, "%s line 1: column '%s' is unknown or repeated (expected id,therapy,name,birth_date); nothing was stored",
                       file, csv.field[i]);
      clinic_csv_close(&csv);
      return rc;
    }
    col[k] = i;
  }
  for (int j = 0; j < 4; j++)
    if (col[j] < 0) {
      rc = clinic_fail(CL_USAGE, "%s line 1: column '%s' is missing; nothing was stored", file, names[j]);
      clinic_csv_close(&csv);
      return rc;
    }
  if ((rc = clinic_begin(c->db)) != CL_OK) {
    clinic_csv_close(&csv);
    return rc;
  }
  long rows = 0;
  /* Prepared once for the file (its trigger creates each patient's evaluation row). */
  sqlite3_stmt *ins = clinic_prep(c->db, CLINIC_PATIENT_INSERT_SQL);
  if (!ins) rc = CL_IO;
  while (!rc && (r = clinic_csv_next(&csv, msg, sizeof msg)) == 1) {
    if (csv.nfields != 4) {
      rc = clinic_fail(CL_USAGE, "%s line %ld: %d fields, expected 4", file, csv.line, csv.nfields);
      break;
    }
    rc = clinic_patient_insert(c->db, ins, csv.field[col[0]], csv.field[col[1]], csv.field[col[2]],
                               csv.field[col[3]], c->today, csv.line);
    if (rc) break;
    rows++;
  }
  sqlite3_finalize(ins);
  if (!rc && r < 0) rc = clinic_fail(CL_USAGE, "%s line %ld: %s", file, csv.line, msg);
  clinic_csv_close(&csv);
  return clinic_import_finish(c, rc, file, rows, "patients");
}

int clinic_cmd_patient(clinic_ctx *c, clinic_args *a) {
  const char *sub = a->npos > 1 ? a->pos[1] : NULL;
  int rc;
  if (sub && strcmp(sub, "add") == 0) {
    const char *th = clinic_opt_get(a, "therapy"), *name = clinic_opt_get(a, "name"),
               *birth = clinic_opt_get(a, "birth");
    if ((rc = clinic_args_done(a, "patient add")) != CL_OK) return rc;
    if (a->npos != 3)
      return clinic_fail(CL_USAGE, "usage: nmod clinic patient add ID --therapy scs|snm --name NAME --birth YYYY-MM-DD");
    if ((rc = clinic_patient_insert(c->db, NULL, a->pos[2], th, name, birth, c->today, 0)) != CL_OK) return rc;
    if (c->json) {
      clinic_patient p;
      if ((rc = clinic_patient_get(c->db, a->pos[2], &p)) != CL_OK) return rc;
      js_w w;
      jw_init(&w, clinic_stdout());
      jw_obj(&w);
      patient_json(&w, &p);
      jw_obj_end(&w);
      jw_end(&w);
    } else {
      printf("added patient %s (%s); next: nmod clinic path step %s referral --date YYYY-MM-DD\n",
             a->pos[2], th, a->pos[2]);
    }
    return CL_OK;
  }
  if (sub && strcmp(sub, "show") == 0) {
    if ((rc = clinic_args_done(a, "patient show")) != CL_OK) return rc;
    if (a->npos != 3) return clinic_fail(CL_USAGE, "usage: nmod clinic patient show ID");
    clinic_patient p;
    if ((rc = clinic_patient_get(c->db, a->pos[2], &p)) != CL_OK) return rc;
    if (c->json) {
      js_w w;
      jw_init(&w, clinic_stdout());
      jw_obj(&w);
      patient_json(&w, &p);
      jw_obj_end(&w);
      jw_end(&w);
    } else {
      char bd[11];
      hu_date_fmt(bd, HU_DATE_LEN, p.birth);
      printf("%s  %s  %s  born %s\n", p.code, clinic_therapy_name(p.therapy), p.name, bd);
    }
    return CL_OK;
  }
  if (sub && strcmp(sub, "list") == 0) {
    if ((rc = clinic_args_done(a, "patient list")) != CL_OK) return rc;
    sqlite3_stmt *st =
        clinic_prep(c->db, "SELECT code, therapy, name, birth_date FROM patient ORDER BY code");
    if (!st) return CL_IO;
    js_w w;
    if (c->json) {
      jw_init(&w, clinic_stdout());
      jw_obj(&w);
      jw_key(&w, "patients");
      jw_arr(&w);
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      const char *f[4];
      for (int i = 0; i < 4; i++) f[i] = (const char *)sqlite3_column_text(st, i);
      if (c->json) {
        jw_obj(&w);
        jw_key(&w, "id");
        jw_str(&w, f[0]);
        jw_key(&w, "therapy");
        jw_str(&w, f[1]);
        jw_key(&w, "name");
        jw_str(&w, f[2]);
        jw_key(&w, "birth_date");
        jw_str(&w, f[3]);
        jw_obj_end(&w);
      } else {
        printf("%-12s %s  %s  born %s\n", f[0], f[1], f[2], f[3]);
      }
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return clinic_dbfail(c->db, "listing patients");
    if (c->json) {
      jw_arr_end(&w);
      jw_obj_end(&w);
      jw_end(&w);
    }
    return CL_OK;
  }
  if (sub && strcmp(sub, "import") == 0) {
    if ((rc = clinic_args_done(a, "patient import")) != CL_OK) return rc;
    if (a->npos != 3) return clinic_fail(CL_USAGE, "usage: nmod clinic patient import FILE.csv");
    return patient_import(c, a->pos[2]);
  }
  return clinic_fail(CL_USAGE, "usage: nmod clinic patient add|show|list|import ...");
}
